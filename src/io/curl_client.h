// libcurl plumbing shared by the FTP and HTTP sources: one process-wide registry of hosts, each
// with a connection limit (a counting semaphore) and a pool of idle easy handles. An easy handle
// keeps its connection (the FTP control connection) open between requests, so reusing handles
// reuses connections; a handle exists only while it holds a slot or sits idle, so the number of
// open connections to a host never exceeds its limit.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "arrow_sus/io/source.h"

namespace arrow_sus::io::internal {

struct HostState;

// A sink that appends a response body (a listing) to `out`.
inline ByteSink AppendTo(std::string* out) {
  return [out](std::span<const uint8_t> bytes) {
    out->append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return arrow::Status::OK();
  };
}

// Configures a request for a file's size and modification time without its body (FTP: SIZE and
// MDTM; HTTP: HEAD).
inline void AskForSizeAndTime(CURL* handle) {
  curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(handle, CURLOPT_FILETIME, 1L);
}

// What one libcurl request returned.
struct CurlReply {
  CURLcode code = CURLE_OK;
  long response_code = 0;     // last FTP reply code or HTTP status
  std::string error;          // libcurl's error buffer
  arrow::Status sink_status;  // the sink's own failure, which stopped the transfer
  int64_t content_length = -1;
  int64_t filetime = -1;  // seconds since the epoch, UTC (MDTM / Last-Modified)
  int64_t delivered = 0;  // bytes handed to the sink
  // Timed out without a single reply from the server (no FTP greeting, no HTTP status line): a
  // host that does not answer, or accepts connections and stays mute.
  bool silent = false;
};

// The error of a request that timed out without any reply (CurlReply::silent): a kNetwork error
// that is not retried, since every attempt would wait the whole timeout again.
arrow::Status SilentServerError(const CurlReply& reply, std::string_view path,
                                const SourceOptions& options);

// Which bytes of a body reach the sink. An HTTP server that ignores Range answers 200 with the
// whole file: its first `offset_if_whole_body` bytes are then dropped. Delivery stops after `limit`
// bytes (the transfer is ended early, which is not an error).
struct BodyWindow {
  int64_t offset_if_whole_body = 0;
  std::optional<int64_t> limit;
};

class CurlClient {
 public:
  // host_key identifies the host for the connection limit ("ftp://host:port").
  CurlClient(std::string host_key, const SourceOptions& options);

  // Runs one request: `configure` sets the request's own options (URL, range, ...) on a handle
  // from the host's pool, after the shared ones (timeouts, callbacks). Blocks while the host's
  // connection limit is reached.
  template <typename Configure>
  CurlReply Perform(Configure&& configure, const ByteSink* sink, BodyWindow window = {}) {
    Lease lease(*this);
    configure(lease.handle());
    CurlReply reply = Run(lease.handle(), sink, window);
    // After a failure the connection may be half-dead, or be the one the server wants gone (421,
    // 425): close it rather than keep holding one of the server's few slots.
    if (reply.code != CURLE_OK && reply.sink_status.ok()) lease.Discard();
    return reply;
  }

  // Percent-encodes each '/'-separated component of a relative path for use in a URL.
  static std::string EscapePath(std::string_view path);

 private:
  class Lease {
   public:
    explicit Lease(CurlClient& client);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    CURL* handle() const { return handle_; }
    void Discard() { discard_ = true; }

   private:
    HostState& host_;
    CURL* handle_;
    bool discard_ = false;
  };

  CurlReply Run(CURL* handle, const ByteSink* sink, BodyWindow window);

  std::shared_ptr<HostState> host_;
  SourceOptions options_;
};

}  // namespace arrow_sus::io::internal
