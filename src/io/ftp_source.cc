// ftp:// sources on libcurl: passive mode, pooled control connections, SIZE/MDTM, REST.
#include <ctime>
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/listing.h"
#include "io/curl_client.h"
#include "io/schemes.h"

namespace arrow_sus::io {

namespace {

using internal::CurlClient;
using internal::CurlReply;

// FTP reply codes after which a new attempt may succeed: too many connections (421), data
// connection failures (425, 426) and "file busy / local error / out of space" (450-452).
bool IsTransientFtpReply(long code) { return code == 421 || (code >= 425 && code < 500); }

arrow::Status FtpStatus(const CurlReply& reply, std::string_view path,
                        const SourceOptions& options) {
  if (!reply.sink_status.ok()) return reply.sink_status;
  if (reply.code == CURLE_OK) return arrow::Status::OK();
  if (reply.silent) return internal::SilentServerError(reply, path, options);
  const std::string file(path);
  const std::string what =
      " (" + reply.error + ", FTP reply " + std::to_string(reply.response_code) + ")";
  if (reply.code == CURLE_REMOTE_FILE_NOT_FOUND || reply.response_code == 550)
    return MakeError(ErrorKind::kNotFound, {.file = file}, "no such file on the server" + what);
  if (reply.code == CURLE_LOGIN_DENIED || reply.response_code == 530)
    return MakeError(ErrorKind::kInvalidArgument, {.file = file},
                     "the FTP server refused the login" + what);
  if (reply.code == CURLE_URL_MALFORMAT || reply.code == CURLE_UNSUPPORTED_PROTOCOL)
    return MakeError(ErrorKind::kInvalidArgument, {.file = file}, "malformed FTP URL" + what);
  if (reply.response_code >= 500 && !IsTransientFtpReply(reply.response_code))
    return MakeError(ErrorKind::kInvalidArgument, {.file = file},
                     "the FTP server refused the request" + what);
  if (reply.code == CURLE_PARTIAL_FILE)
    return MakeError(ErrorKind::kNetwork, {.file = file},
                     "short transfer: the server ended the data connection early" + what);
  // Resets, timeouts, refused connections and 4xx replies: worth another try.
  return MakeError(ErrorKind::kNetwork, {.file = file}, "FTP transfer failed" + what);
}

class FtpSource final : public Source {
 public:
  FtpSource(ParsedUrl url, const SourceOptions& options)
      : Source(options),
        url_(url.text),
        base_(url.scheme + "://" + url.authority + url.root),
        curl_(url.scheme + "://" + url.host_port, options) {}

  const std::string& url() const override { return url_; }

 protected:
  arrow::Result<std::vector<RemoteEntry>> ListOnce(std::string_view dir) override {
    std::string text;
    const ByteSink collect = internal::AppendTo(&text);
    const std::string list_command = options().ftp_list_command;
    const std::string target = UrlFor(dir) + "/";
    CurlReply reply = curl_.Perform(
        [&](CURL* h) {
          Common(h, target);
          if (list_command != "LIST")
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, list_command.c_str());
        },
        &collect);
    ARROW_RETURN_NOT_OK(FtpStatus(reply, dir, options()));
    ListingContext context{options().server_utc_offset_minutes,
                           static_cast<int64_t>(std::time(nullptr))};
    auto entries = ParseFtpListing(text, context);
    if (!entries.ok()) return WithFile(entries.status(), dir.empty() ? "/" : dir);
    return entries;
  }

  arrow::Result<RemoteEntry> StatOnce(std::string_view path) override {
    CurlReply reply = curl_.Perform(
        [&](CURL* h) {
          Common(h, UrlFor(path));
          internal::AskForSizeAndTime(h);
        },
        nullptr);
    ARROW_RETURN_NOT_OK(FtpStatus(reply, path, options()));
    if (reply.content_length < 0)
      return MakeError(ErrorKind::kNotFound, {.file = std::string(path)},
                       "the server reports no size for this path (a directory, or SIZE is "
                       "not supported)");
    RemoteEntry entry;
    entry.name = std::string(path.substr(path.rfind('/') + 1));
    entry.size = reply.content_length;
    if (reply.filetime >= 0) entry.mtime = reply.filetime;  // MDTM: UTC (RFC 3659)
    return entry;
  }

  arrow::Status ReadOnce(std::string_view path, int64_t offset, std::optional<int64_t> length,
                         const ByteSink& sink) override {
    if (length && *length == 0) return arrow::Status::OK();
    const std::string range =
        length ? std::to_string(offset) + "-" + std::to_string(offset + *length - 1) : "";
    CurlReply reply = curl_.Perform(
        [&](CURL* h) {
          Common(h, UrlFor(path));
          if (length) {
            curl_easy_setopt(h, CURLOPT_RANGE, range.c_str());  // REST, then stop after length
          } else if (offset > 0) {
            curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(offset));
          }
        },
        &sink);
    return FtpStatus(reply, path, options());
  }

 private:
  std::string UrlFor(std::string_view path) const {
    return path.empty() ? base_ : base_ + "/" + CurlClient::EscapePath(path);
  }

  static void Common(CURL* h, const std::string& url) {
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    // Passive mode (EPSV, then PASV): DATASUS and most clients sit behind NAT.
    curl_easy_setopt(h, CURLOPT_FTP_USE_EPSV, 1L);
    // One CWD to the directory, then the bare file name: what IIS handles best.
    curl_easy_setopt(h, CURLOPT_FTP_FILEMETHOD, static_cast<long>(CURLFTPMETHOD_SINGLECWD));
  }

  std::string url_;
  std::string base_;
  mutable CurlClient curl_;
};

}  // namespace

arrow::Result<std::shared_ptr<Source>> OpenFtpSource(ParsedUrl url, const SourceOptions& options) {
  return std::make_shared<FtpSource>(std::move(url), options);
}

}  // namespace arrow_sus::io
