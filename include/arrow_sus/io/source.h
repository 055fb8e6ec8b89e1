// Remote (and local) sources of DATASUS files, named by URL.
//
// A Source serves one tree of files laid out like /dissemin/publicos on the DATASUS FTP. Every
// scheme offers the same four operations: list a directory, stat a file, read a byte range, and
// stream a file from an offset into a sink. Paths given to a Source are relative to its root
// ("SIHSUS/200801_/Dados/RDAC2401.dbc"), always with '/' separators.
//
// Schemes:
//   ftp://host[:port]/root      libcurl, pooled control connections, passive mode (ftp_source.cc)
//   http(s)://host[:port]/root  libcurl, Range requests, autoindex listings (http_source.cc)
//   file:///path                a local mirror (arrow::fs::LocalFileSystem)
//   s3://bucket/prefix          an S3-compatible mirror through arrow::fs::S3FileSystem; endpoint
//                               and credentials come from the standard AWS settings
//                               (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ...) or the URL's query
//                               (?endpoint_override=host:port&scheme=http).
//
// Failures: every operation retries transient failures (ErrorKind::kNetwork: resets, refused
// connections, stalled transfers, FTP 421/425/426/450, short transfers) with exponential backoff
// and jitter, resuming streamed reads where they stopped. A server that sends nothing at all before
// a timeout (no greeting, no reply) is reported at once, not retried: every attempt would wait the
// whole timeout again (see docs/remote.md). Permanent failures are reported at once: a missing file
// is kNotFound, refused credentials or a malformed URL kInvalidArgument. A kNetwork error returned
// to the caller means the retries were exhausted.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/result.h>
#include <arrow/status.h>

namespace arrow_sus::io {

// The DATASUS FTP root every dataset path is relative to.
inline constexpr std::string_view kDefaultSourceUrl = "ftp://ftp.datasus.gov.br/dissemin/publicos";

// One entry of a directory listing.
struct RemoteEntry {
  std::string name;   // a single path component (listings are validated: no '/', '.' or '..')
  int64_t size = -1;  // bytes; -1 when the source does not say (directories)
  // Modification time in seconds since the Unix epoch, UTC. FTP listings show the server's local
  // time, which is converted with SourceOptions::server_utc_offset_minutes (see docs/remote.md).
  std::optional<int64_t> mtime;
  bool is_dir = false;

  bool operator==(const RemoteEntry&) const = default;
};

// How retries are spaced: attempt k (1-based) waits min(max_backoff, initial_backoff * 2^(k-1))
// scaled by a random factor in [0.5, 1.0] ("equal jitter") so that parallel downloads that failed
// together do not come back together.
struct RetryPolicy {
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};

  std::chrono::milliseconds BackoffBefore(int attempt) const;
};

struct SourceOptions {
  // Simultaneous connections to one host (every Source on the same host shares the limit). The
  // DATASUS FTP refuses more than a few per client address.
  int max_connections_per_host = 3;
  // The longest a connection may take until the server is ready for requests: TCP connect, and
  // for FTP the server's greeting and the login (libcurl's connect phase).
  std::chrono::milliseconds connect_timeout{20000};
  // The longest the server may stay silent once asked: a reply that does not come (FTP, HTTP
  // headers), or a transfer slower than low_speed_bytes_per_second for this long (dropped and
  // retried). It also bounds the FTP greeting when shorter than connect_timeout. Whole seconds
  // (libcurl's unit), at least 1.
  std::chrono::milliseconds timeout{30000};
  int64_t low_speed_bytes_per_second = 1024;
  RetryPolicy retry;
  // FTP listings (LIST) show server local time; DATASUS serves Brasília time (UTC-3, no daylight
  // saving since 2019). MDTM replies are UTC by RFC 3659 and are not shifted.
  int server_utc_offset_minutes = -180;
  // FTP directory listing command: "LIST" (what DATASUS serves, IIS/MS-DOS style) or "MLSD".
  std::string ftp_list_command = "LIST";

  // An InvalidArgument error naming the first option out of range and what it allows (the options
  // are named as Python names them: max_connections, connect_timeout, max_attempts...).
  arrow::Status Validate() const;
};

// Receives the bytes of a streamed read, in order. Returning an error stops the transfer and
// becomes the read's result (no retry).
using ByteSink = std::function<arrow::Status(std::span<const uint8_t>)>;

// Sources are made in C++ and shared with work on Arrow's IO pool. enable_shared_from_this lets the
// Python bindings hand that work the C++ owner: a pointer owned by a Python object would be
// released on a pool thread by taking the GIL, which aborts the process when it happens during
// interpreter shutdown ("terminate called without an active exception").
class Source : public std::enable_shared_from_this<Source> {
 public:
  virtual ~Source() = default;

  // The URL this source was opened with (root included).
  virtual const std::string& url() const = 0;

  // The entries of a directory (relative path, "" is the root).
  arrow::Result<std::vector<RemoteEntry>> List(std::string_view dir);

  // Size and mtime of one file (name is the last path component).
  arrow::Result<RemoteEntry> Stat(std::string_view path);

  // Bytes [offset, offset + length) of a file; fewer only when the file ends first.
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadRange(std::string_view path, int64_t offset,
                                                          int64_t length);

  // Streams the file from `offset` to its end into `sink`. `expected` is the entry the caller
  // listed or stat'ed: when given, a transfer that ends early is resumed where it stopped and the
  // total length is checked against expected.size; a file whose size or mtime changed meanwhile is
  // reported (kNetwork, "changed on the server") rather than spliced from two versions.
  arrow::Status Read(std::string_view path, int64_t offset, const ByteSink& sink,
                     const std::optional<RemoteEntry>& expected = std::nullopt);

  const SourceOptions& options() const { return options_; }

 protected:
  explicit Source(SourceOptions options) : options_(std::move(options)) {}

  // One attempt each, no retry: the public methods above add retries, resumption and checks.
  // Transient failures must be ErrorKind::kNetwork; anything else is reported at once.
  virtual arrow::Result<std::vector<RemoteEntry>> ListOnce(std::string_view dir) = 0;
  virtual arrow::Result<RemoteEntry> StatOnce(std::string_view path) = 0;
  // Delivers bytes [offset, offset + length) (to the end when length is nullopt) into sink.
  virtual arrow::Status ReadOnce(std::string_view path, int64_t offset,
                                 std::optional<int64_t> length, const ByteSink& sink) = 0;

 private:
  SourceOptions options_;
};

// Opens the source named by a URL (see the schemes above).
arrow::Result<std::shared_ptr<Source>> OpenSource(std::string_view url,
                                                  const SourceOptions& options = {});

// The source URL to use when the caller names none: $ARROW_SUS_SOURCE, else kDefaultSourceUrl.
std::string DefaultSourceUrl();

// True for failures worth retrying (ErrorKind::kNetwork, unless marked NotRetryable).
bool IsTransient(const arrow::Status& status);

// Whether two descriptions of a file name the same published version: same size and, when both
// know it, the same mtime to the minute (listings show minutes, MDTM shows seconds).
bool SameVersion(const RemoteEntry& a, const RemoteEntry& b);

}  // namespace arrow_sus::io
