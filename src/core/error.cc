#include "arrow_sus/error.h"
#include "arrow_sus/error_kinds.h"

#include <string>

#include "core/utf8.h"

namespace arrow_sus {

namespace {

struct KindNames {
  ErrorKind kind;
  std::string_view name;
  std::string_view python_class;
};

// Every ErrorKind, once.
constexpr KindNames kKindNames[] = {
    {ErrorKind::kFormat, "FormatError", "FormatError"},
    {ErrorKind::kChecksum, "ChecksumError", "ChecksumError"},
    {ErrorKind::kConversion, "ConversionError", "ConversionError"},
    {ErrorKind::kInvalidArgument, "InvalidArgument", "InvalidArgumentError"},
    {ErrorKind::kNotFound, "NotFound", "NotFoundError"},
    {ErrorKind::kNetwork, "NetworkError", "NetworkError"},
    {ErrorKind::kCancelled, "Cancelled", "CancelledError"},
    {ErrorKind::kIo, "IoError", "ArrowSusIOError"},
};

const KindNames* NamesOf(ErrorKind kind) {
  for (const KindNames& names : kKindNames)
    if (names.kind == kind) return &names;
  return nullptr;
}

}  // namespace

std::string_view ErrorKindName(ErrorKind kind) {
  const KindNames* names = NamesOf(kind);
  return names != nullptr ? names->name : "Error";
}

std::string_view ErrorKindPythonClass(ErrorKind kind) {
  const KindNames* names = NamesOf(kind);
  return names != nullptr ? names->python_class : "ArrowSusError";
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

namespace {

arrow::Status BuildError(ErrorKind kind, ErrorLocation location, std::string_view message,
                         bool retryable) {
  // Names and messages may hold a file's bytes (a field name, a path): keep them valid UTF-8 so
  // that every error can become a Python exception.
  location.file = internal::ValidUtf8(location.file);
  location.field = internal::ValidUtf8(location.field);
  std::string where = DescribeLocation(location);
  std::string text = internal::ValidUtf8(where.empty() ? std::string(message)
                                                       : where + ": " + std::string(message));
  return arrow::Status(CodeFor(kind), std::move(text),
                       std::make_shared<ErrorDetail>(kind, std::move(location), retryable));
}

}  // namespace

arrow::Status MakeError(ErrorKind kind, ErrorLocation location, std::string_view message) {
  return BuildError(kind, std::move(location), message, /*retryable=*/true);
}

arrow::Status NotRetryable(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  if (detail == nullptr || !detail->retryable()) return status;
  return arrow::Status(status.code(), status.message(),
                       std::make_shared<ErrorDetail>(detail->kind(), detail->location(),
                                                     /*retryable=*/false));
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
  std::string msg = status.message();
  const std::string old_where = DescribeLocation(detail->location());
  if (!old_where.empty() && msg.rfind(old_where + ": ", 0) == 0) msg.erase(0, old_where.size() + 2);
  return BuildError(detail->kind(), std::move(loc), msg, detail->retryable());
}

}  // namespace arrow_sus
