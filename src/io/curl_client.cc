#include "io/curl_client.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <vector>

#include "arrow_sus/error.h"

namespace arrow_sus::io::internal {

struct HostState {
  std::mutex mutex;
  std::condition_variable slot_freed;
  int limit = 3;
  int in_use = 0;
  std::vector<CURL*> idle;
};

namespace {

std::shared_ptr<HostState> HostFor(const std::string& key, int limit) {
  static std::once_flag curl_initialised;
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  static std::mutex registry_mutex;
  static auto* registry = new std::map<std::string, std::shared_ptr<HostState>>();
  std::lock_guard lock(registry_mutex);
  auto& host = (*registry)[key];
  if (!host) host = std::make_shared<HostState>();
  {
    // The latest caller's limit applies to every Source on this host.
    std::lock_guard host_lock(host->mutex);
    host->limit = std::max(1, limit);
  }
  host->slot_freed.notify_all();
  return host;
}

struct WriteContext {
  CURL* handle;
  const ByteSink* sink;
  BodyWindow window;
  std::optional<int64_t> skip;  // decided when the first bytes arrive
  int64_t seen = 0;
  int64_t delivered = 0;
  bool reached_limit = false;
  arrow::Status status;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ctx = static_cast<WriteContext*>(user);
  const int64_t total = static_cast<int64_t>(size * count);
  if (!ctx->skip) {
    long status = 0;
    curl_easy_getinfo(ctx->handle, CURLINFO_RESPONSE_CODE, &status);
    ctx->skip = status == 200 ? ctx->window.offset_if_whole_body : 0;
  }
  int64_t begin = std::clamp<int64_t>(*ctx->skip - ctx->seen, 0, total);
  int64_t end = total;
  ctx->seen += total;
  if (ctx->window.limit) end = std::min(end, begin + (*ctx->window.limit - ctx->delivered));
  if (end > begin && ctx->sink != nullptr) {
    ctx->status = (*ctx->sink)(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(data) + begin, static_cast<size_t>(end - begin)));
    if (!ctx->status.ok()) return CURL_WRITEFUNC_ERROR;
    ctx->delivered += end - begin;
  }
  if (ctx->window.limit && ctx->delivered >= *ctx->window.limit) {
    ctx->reached_limit = true;
    return CURL_WRITEFUNC_ERROR;  // enough: stop the transfer
  }
  return static_cast<size_t>(total);
}

std::string Seconds(std::chrono::milliseconds duration) {
  const int64_t tenths = (duration.count() + 50) / 100;
  return std::to_string(tenths / 10) + (tenths % 10 != 0 ? "." + std::to_string(tenths % 10) : "") +
         " s";
}

}  // namespace

arrow::Status SilentServerError(const CurlReply& reply, std::string_view path,
                                const SourceOptions& options) {
  return NotRetryable(MakeError(
      ErrorKind::kNetwork, {.file = std::string(path)},
      "the server sent nothing before the timeout (connect_timeout " +
          Seconds(options.connect_timeout) + ", timeout " + Seconds(options.timeout) +
          "): it is unreachable, or accepts connections without ever answering; not retried, "
          "since another attempt would wait as long (" +
          reply.error + ")"));
}

CurlClient::CurlClient(std::string host_key, const SourceOptions& options)
    : host_(HostFor(host_key, options.max_connections_per_host)), options_(options) {}

CurlClient::Lease::Lease(CurlClient& client) : host_(*client.host_) {
  std::unique_lock lock(host_.mutex);
  host_.slot_freed.wait(lock, [&] { return host_.in_use < host_.limit; });
  ++host_.in_use;
  if (!host_.idle.empty()) {
    handle_ = host_.idle.back();
    host_.idle.pop_back();
    curl_easy_reset(handle_);  // keeps the live connection, clears the previous request's options
  } else {
    handle_ = curl_easy_init();
  }
}

CurlClient::Lease::~Lease() {
  std::lock_guard lock(host_.mutex);
  // An idle handle beyond the limit would hold a connection the limit does not count: close it.
  if (discard_ || static_cast<int>(host_.idle.size()) + host_.in_use > host_.limit) {
    curl_easy_cleanup(handle_);
  } else {
    host_.idle.push_back(handle_);
  }
  --host_.in_use;
  host_.slot_freed.notify_one();
}

std::string CurlClient::EscapePath(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (end > start) {
      char* escaped = curl_easy_escape(nullptr, path.data() + start, static_cast<int>(end - start));
      out += escaped;
      curl_free(escaped);
    }
    if (end < path.size()) out += '/';
    start = end + 1;
  }
  return out;
}

CurlReply CurlClient::Run(CURL* handle, const ByteSink* sink, BodyWindow window) {
  CurlReply reply;
  char error[CURL_ERROR_SIZE] = {0};
  WriteContext ctx{handle, sink, window};
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  // libcurl's connect phase includes the FTP greeting and login: connect_timeout bounds them all.
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, options_.connect_timeout.count())));
  const long timeout_seconds =
      static_cast<long>(std::max<int64_t>(1, (options_.timeout.count() + 999) / 1000));
  // A reply that does not come (the greeting too: whichever limit is shorter applies), and a data
  // connection that is accepted but stays silent, both count as a stalled server.
  curl_easy_setopt(handle, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_seconds);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT,
                   static_cast<long>(options_.low_speed_bytes_per_second));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, timeout_seconds);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &ctx);
  reply.code = curl_easy_perform(handle);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  if (ctx.reached_limit && reply.code == CURLE_WRITE_ERROR) reply.code = CURLE_OK;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &reply.response_code);
  curl_off_t length = -1, filetime = -1;
  curl_easy_getinfo(handle, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  curl_easy_getinfo(handle, CURLINFO_FILETIME_T, &filetime);
  reply.content_length = length;
  reply.filetime = filetime;
  reply.error = error[0] != '\0' ? error : curl_easy_strerror(reply.code);
  reply.sink_status = ctx.status;
  reply.delivered = ctx.delivered;
  reply.silent = reply.code == CURLE_OPERATION_TIMEDOUT && reply.response_code == 0;
  return reply;
}

}  // namespace arrow_sus::io::internal
