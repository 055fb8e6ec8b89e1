// Typed errors for the whole engine.
//
// The engine reports failures as arrow::Status / arrow::Result values (like Arrow itself) and
// attaches an ErrorDetail saying what kind of failure it was and where: the file, and the byte
// offset, row or field. The Python layer maps each ErrorKind to one exception class under
// arrow_sus.ArrowSusError, so a caller can catch "the file is corrupt" separately from "the network
// failed".
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/status.h>

namespace arrow_sus {

enum class ErrorKind : uint8_t {
  kFormat,      // bytes that do not follow the DBF / DBC / DCL format
  kChecksum,    // the CRC-32 stored in a .dbc does not match the decompressed data
  kConversion,  // a value could not be converted and the caller asked to raise (on_invalid="raise")
  kInvalidArgument,  // the caller asked for something that does not exist (unknown column, bad
                     // filter)
  kNotFound,         // a file, dataset or remote path that does not exist
  kNetwork,          // a remote source failed (after retries)
  kCancelled,        // the caller stopped the work
  kIo,               // local file-system failure
};

std::string_view ErrorKindName(ErrorKind kind);

// Where a failure happened. Every field is optional; the message already names what is known.
struct ErrorLocation {
  std::string file;
  std::optional<uint64_t> offset;  // byte offset in the file (or in the compressed stream)
  std::optional<int64_t> row;      // 0-based record number
  std::string field;               // DBF field name
  std::optional<int64_t> line;     // 1-based line of a text file (TabWin .CNV / .DEF)
};

class ErrorDetail : public arrow::StatusDetail {
 public:
  ErrorDetail(ErrorKind kind, ErrorLocation location, bool retryable = true)
      : kind_(kind), location_(std::move(location)), retryable_(retryable) {}

  static constexpr const char kTypeId[] = "arrow_sus::ErrorDetail";
  const char* type_id() const override { return kTypeId; }
  std::string ToString() const override;

  ErrorKind kind() const { return kind_; }
  const ErrorLocation& location() const { return location_; }
  // For kNetwork: whether another attempt may help. False when the server sent nothing at all
  // before a timeout (another attempt would most likely wait as long again); see NotRetryable.
  bool retryable() const { return retryable_; }

 private:
  ErrorKind kind_;
  ErrorLocation location_;
  bool retryable_;
};

// Builds a Status carrying an ErrorDetail. The message should say what was expected; the location
// is prepended ("FILE at byte N: message") so that the text alone is already useful. The message,
// file and field are made valid UTF-8 (bytes that are not become U+FFFD), so that a name read from
// a file can never make the error itself fail to reach Python.
arrow::Status MakeError(ErrorKind kind, ErrorLocation location, std::string_view message);

// The ErrorDetail of a status, or nullptr when the status did not come from MakeError.
const ErrorDetail* GetErrorDetail(const arrow::Status& status);

// The same error, marked as one that retrying would not fix (ErrorDetail::retryable() false).
arrow::Status NotRetryable(const arrow::Status& status);

// Returns the status with the file name filled in, when the error did not know it yet (lower layers
// work on bytes and only the caller knows which file they came from).
arrow::Status WithFile(const arrow::Status& status, std::string_view file);

}  // namespace arrow_sus
