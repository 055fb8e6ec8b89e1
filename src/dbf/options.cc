#include "arrow_sus/dbf/options.h"

#include <cctype>
#include <string>

#include "arrow_sus/error.h"

namespace arrow_sus::dbf {

arrow::Result<Encoding> ParseEncoding(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c != '-' && c != '_')
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (key == "latin1" || key == "iso88591" || key == "l1") return Encoding::kLatin1;
  if (key == "cp850" || key == "ibm850") return Encoding::kCp850;
  if (key == "cp1252" || key == "windows1252") return Encoding::kCp1252;
  if (key == "utf8") return Encoding::kUtf8;
  return MakeError(
      ErrorKind::kInvalidArgument, {},
      "unknown encoding '" + std::string(name) + "' (expected latin-1, cp850, cp1252 or utf-8)");
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kLatin1:
      return "latin-1";
    case Encoding::kCp850:
      return "cp850";
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kCp1252:
      return "cp1252";
  }
  return "?";
}

arrow::Status ReadOptions::Validate() const {
  if (batch_size < 1 || batch_size > (int64_t{1} << 30)) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "batch_size must be between 1 and 2^30, got " + std::to_string(batch_size));
  }
  return arrow::Status::OK();
}

}  // namespace arrow_sus::dbf
