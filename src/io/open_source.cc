// OpenSource: picks the implementation from the URL's scheme.
#include <algorithm>
#include <cctype>

#include "arrow_sus/error.h"
#include "io/schemes.h"

namespace arrow_sus::io {

arrow::Result<ParsedUrl> ParseUrl(std::string_view url) {
  ParsedUrl out;
  out.text = std::string(url);
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "source must be a URL such as ftp://host/path, file:///path, "
                     "https://host/path or s3://bucket/prefix; got '" +
                         std::string(url) + "'");
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = url.substr(sep + 3);
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    out.query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  out.authority = std::string(rest.substr(0, slash));
  out.root = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!out.root.empty() && out.root.back() == '/') out.root.pop_back();
  const size_t at = out.authority.rfind('@');
  out.host_port = at == std::string::npos ? out.authority : out.authority.substr(at + 1);
  return out;
}

arrow::Result<std::shared_ptr<Source>> OpenSource(std::string_view url,
                                                  const SourceOptions& options) {
  ARROW_RETURN_NOT_OK(options.Validate());
  ARROW_ASSIGN_OR_RAISE(ParsedUrl parsed, ParseUrl(url));
  if (parsed.scheme == "ftp") return OpenFtpSource(std::move(parsed), options);
  if (parsed.scheme == "http" || parsed.scheme == "https")
    return OpenHttpSource(std::move(parsed), options);
  if (parsed.scheme == "file" || parsed.scheme == "s3")
    return OpenArrowFsSource(std::move(parsed), options);
  return MakeError(
      ErrorKind::kInvalidArgument, {},
      "unsupported source scheme '" + parsed.scheme + "' (expected ftp, http, https, file or s3)");
}

}  // namespace arrow_sus::io
