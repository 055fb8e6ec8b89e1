// http(s):// mirrors on libcurl: HEAD for stat, Range requests for reads, autoindex listings.
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/listing.h"
#include "arrow_sus/io/path_safety.h"
#include "io/curl_client.h"
#include "io/schemes.h"

namespace arrow_sus::io {

namespace {

using internal::BodyWindow;
using internal::CurlClient;
using internal::CurlReply;

arrow::Status HttpStatus(const CurlReply& reply, std::string_view path,
                         const SourceOptions& options) {
  if (!reply.sink_status.ok()) return reply.sink_status;
  const long http = reply.response_code;
  if (reply.code == CURLE_OK && http < 400) return arrow::Status::OK();
  if (reply.silent) return internal::SilentServerError(reply, path, options);
  const std::string file(path);
  const std::string what = " (" + reply.error + ", HTTP " + std::to_string(http) + ")";
  if (http == 404 || http == 410)
    return MakeError(ErrorKind::kNotFound, {.file = file}, "no such file on the server" + what);
  if (reply.code == CURLE_URL_MALFORMAT || reply.code == CURLE_UNSUPPORTED_PROTOCOL)
    return MakeError(ErrorKind::kInvalidArgument, {.file = file}, "malformed HTTP URL" + what);
  const bool transient_status =
      http == 408 || http == 416 || http == 425 || http == 429 || http >= 500 || http == 0;
  if (!transient_status)
    return MakeError(ErrorKind::kInvalidArgument, {.file = file},
                     "the HTTP server refused the request" + what);
  return MakeError(ErrorKind::kNetwork, {.file = file}, "HTTP transfer failed" + what);
}

std::string PercentDecode(std::string_view text) {
  int length = 0;
  char* decoded = curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length);
  std::string out(decoded, static_cast<size_t>(length));
  curl_free(decoded);
  return out;
}

// "27-Apr-2026 14:01   5805083" after an autoindex link (nginx style, UTC).
bool ParseAutoindexDetails(std::string_view text, RemoteEntry& entry) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int day, year, hour, minute;
  char month_name[4] = {0};
  long long size = -1;
  const std::string line(text);
  int n = std::sscanf(line.c_str(), " %2d-%3c-%4d %2d:%2d %lld", &day, month_name, &year, &hour,
                      &minute, &size);
  if (n < 5) return false;
  size_t month = kMonths.find(std::string_view(month_name, 3));
  if (month == std::string_view::npos || month % 3 != 0) return false;
  entry.mtime = CivilToUtcSeconds(year, static_cast<int>(month / 3) + 1, day, hour, minute, 0, 0);
  if (n == 6) entry.size = size;
  return n == 6 || entry.is_dir;
}

class HttpSource final : public Source {
 public:
  HttpSource(ParsedUrl url, const SourceOptions& options)
      : Source(options),
        url_(url.text),
        base_(url.scheme + "://" + url.authority + url.root),
        curl_(url.scheme + "://" + url.host_port, options) {}

  const std::string& url() const override { return url_; }

 protected:
  arrow::Result<std::vector<RemoteEntry>> ListOnce(std::string_view dir) override {
    std::string html;
    const ByteSink collect = internal::AppendTo(&html);
    CurlReply reply = curl_.Perform([&](CURL* h) { Common(h, UrlFor(dir) + "/"); }, &collect);
    ARROW_RETURN_NOT_OK(HttpStatus(reply, dir, options()));
    std::vector<RemoteEntry> entries;
    size_t pos = 0;
    while ((pos = html.find("href=\"", pos)) != std::string::npos) {
      pos += 6;
      const size_t end = html.find('"', pos);
      if (end == std::string::npos) break;
      std::string href = html.substr(pos, end - pos);
      pos = end;
      // Sorting links, parent links and links elsewhere are not entries.
      if (href.empty() || href[0] == '?' || href[0] == '#' || href[0] == '/' ||
          href.find("://") != std::string::npos || href == "../" || href == "./")
        continue;
      RemoteEntry entry;
      entry.is_dir = href.back() == '/';
      if (entry.is_dir) href.pop_back();
      entry.name = PercentDecode(href);
      ARROW_RETURN_NOT_OK(WithFile(ValidateEntryName(entry.name), dir.empty() ? "/" : dir));
      const size_t close = html.find("</a>", pos);
      const size_t eol = html.find('\n', pos);
      if (close != std::string::npos && close < eol) {
        ParseAutoindexDetails(std::string_view(html).substr(close + 4, eol - close - 4), entry);
      }
      if (!entry.is_dir && entry.size < 0) {
        // A plain index without sizes: ask the server for each file.
        const std::string child = dir.empty() ? entry.name : std::string(dir) + "/" + entry.name;
        ARROW_ASSIGN_OR_RAISE(RemoteEntry stat, StatOnce(child));
        entry.size = stat.size;
        entry.mtime = stat.mtime;
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  arrow::Result<RemoteEntry> StatOnce(std::string_view path) override {
    CurlReply reply = curl_.Perform(
        [&](CURL* h) {
          Common(h, UrlFor(path));
          internal::AskForSizeAndTime(h);
        },
        nullptr);
    ARROW_RETURN_NOT_OK(HttpStatus(reply, path, options()));
    if (reply.content_length < 0)
      return MakeError(ErrorKind::kNotFound, {.file = std::string(path)},
                       "the server reports no Content-Length for this path");
    RemoteEntry entry;
    entry.name = std::string(path.substr(path.rfind('/') + 1));
    entry.size = reply.content_length;
    if (reply.filetime >= 0) entry.mtime = reply.filetime;
    return entry;
  }

  arrow::Status ReadOnce(std::string_view path, int64_t offset, std::optional<int64_t> length,
                         const ByteSink& sink) override {
    if (length && *length == 0) return arrow::Status::OK();
    const std::string range =
        std::to_string(offset) + "-" + (length ? std::to_string(offset + *length - 1) : "");
    CurlReply reply = curl_.Perform(
        [&](CURL* h) {
          Common(h, UrlFor(path));
          if (offset > 0 || length) curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());
        },
        &sink, BodyWindow{.offset_if_whole_body = offset, .limit = length});
    return HttpStatus(reply, path, options());
  }

 private:
  std::string UrlFor(std::string_view path) const {
    return path.empty() ? base_ : base_ + "/" + CurlClient::EscapePath(path);
  }

  static void Common(CURL* h, const std::string& url) {
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);  // an error page is never delivered as data
  }

  std::string url_;
  std::string base_;
  mutable CurlClient curl_;
};

}  // namespace

arrow::Result<std::shared_ptr<Source>> OpenHttpSource(ParsedUrl url, const SourceOptions& options) {
  return std::make_shared<HttpSource>(std::move(url), options);
}

}  // namespace arrow_sus::io
