#include "arrow_sus/error.h"

#include <string>

namespace arrow_sus {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kFormat:
      return "FormatError";
    case ErrorKind::kChecksum:
      return "ChecksumError";
    case ErrorKind::kConversion:
      return "ConversionError";
    case ErrorKind::kInvalidArgument:
      return "InvalidArgument";
    case ErrorKind::kNotFound:
      return "NotFound";
    case ErrorKind::kNetwork:
      return "NetworkError";
    case ErrorKind::kCancelled:
      return "Cancelled";
    case ErrorKind::kIo:
      return "IoError";
  }
  return "Error";
}

namespace {

std::string DescribeLocation(const ErrorLocation& loc) {
  std::string out = loc.file;
  auto append = [&out](const std::string& part) {
    out += out.empty() ? part : (out.back() == ':' ? " " : ", ") + part;
  };
  if (loc.offset) append("byte offset " + std::to_string(*loc.offset));
  if (loc.row) append("row " + std::to_string(*loc.row));
  if (!loc.field.empty()) append("field " + loc.field);
  if (loc.line) append("line " + std::to_string(*loc.line));
  return out;
}

arrow::StatusCode CodeFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument:
      return arrow::StatusCode::Invalid;
    case ErrorKind::kNotFound:
      return arrow::StatusCode::KeyError;
    case ErrorKind::kNetwork:
    case ErrorKind::kIo:
      return arrow::StatusCode::IOError;
    case ErrorKind::kCancelled:
      return arrow::StatusCode::Cancelled;
    default:
      return arrow::StatusCode::Invalid;
  }
}

}  // namespace

std::string ErrorDetail::ToString() const {
  return std::string(ErrorKindName(kind_)) + " (" + DescribeLocation(location_) + ")";
}

arrow::Status MakeError(ErrorKind kind, ErrorLocation location, std::string_view message) {
  std::string where = DescribeLocation(location);
  std::string text = where.empty() ? std::string(message) : where + ": " + std::string(message);
  return arrow::Status(CodeFor(kind), std::move(text),
                       std::make_shared<ErrorDetail>(kind, std::move(location)));
}

const ErrorDetail* GetErrorDetail(const arrow::Status& status) {
  const auto& detail = status.detail();
  if (detail == nullptr || std::string_view(detail->type_id()) != ErrorDetail::kTypeId)
    return nullptr;
  return static_cast<const ErrorDetail*>(detail.get());
}

arrow::Status WithFile(const arrow::Status& status, std::string_view file) {
  const ErrorDetail* detail = GetErrorDetail(status);
  if (detail == nullptr || !detail->location().file.empty() || file.empty()) return status;
  ErrorLocation loc = detail->location();
  loc.file = std::string(file);
  // Rebuild the message from the original text, which does not yet name the file.
  return MakeError(detail->kind(), std::move(loc), [&] {
    std::string msg = status.message();
    std::string old_where = DescribeLocation(detail->location());
    if (!old_where.empty() && msg.rfind(old_where + ": ", 0) == 0)
      msg.erase(0, old_where.size() + 2);
    return msg;
  }());
}

}  // namespace arrow_sus
