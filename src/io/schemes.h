// Internal: URL parsing and the per-scheme constructors OpenSource dispatches to.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <arrow/result.h>

#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

struct ParsedUrl {
  std::string text;       // the URL as given
  std::string scheme;     // lower case: "ftp", "http", "https", "file", "s3"
  std::string authority;  // "user:pass@host:port" (may be empty for file://)
  std::string host_port;  // "host:port" without credentials
  std::string root;       // the path, starting with '/' unless empty, without a trailing '/'
  std::string query;      // after '?', without it
};

arrow::Result<ParsedUrl> ParseUrl(std::string_view url);

arrow::Result<std::shared_ptr<Source>> OpenFtpSource(ParsedUrl url, const SourceOptions& options);
arrow::Result<std::shared_ptr<Source>> OpenHttpSource(ParsedUrl url, const SourceOptions& options);
// file:// and s3:// through Arrow's file systems.
arrow::Result<std::shared_ptr<Source>> OpenArrowFsSource(ParsedUrl url,
                                                         const SourceOptions& options);

}  // namespace arrow_sus::io
