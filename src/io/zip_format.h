// Pieces of the ZIP format (PKWARE APPNOTE 6.3.x) shared by the directory reader and the member
// streams: record signatures, little-endian fields, typed errors, member names.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <arrow/status.h>

#include "arrow_sus/error.h"

namespace arrow_sus::io::zip {

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kDirectoryEntrySignature = 0x02014b50;
constexpr uint32_t kEndOfDirectorySignature = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectorySignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;

constexpr int64_t kLocalHeaderSize = 30;
constexpr int64_t kDirectoryEntrySize = 46;
constexpr int64_t kEndOfDirectorySize = 22;
constexpr int64_t kZip64LocatorSize = 20;
constexpr int64_t kZip64EndOfDirectorySize = 56;
constexpr int64_t kMaxCommentSize = 0xFFFF;

constexpr uint16_t kFlagEncrypted = 0x0001;
constexpr uint16_t kFlagUtf8Names = 0x0800;

constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflated = 8;

inline uint16_t Le16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] | (b[at + 1] << 8));
}
inline uint32_t Le32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(Le16(b, at)) | (static_cast<uint32_t>(Le16(b, at + 2)) << 16);
}
inline uint64_t Le64(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint64_t>(Le32(b, at)) | (static_cast<uint64_t>(Le32(b, at + 4)) << 32);
}

// A typed error naming the archive, the byte offset in it and, when known, the member.
arrow::Status Error(ErrorKind kind, const std::string& archive, uint64_t offset,
                    std::string_view member, std::string_view message);

// The name a compression method has in the APPNOTE ("bzip2", "LZMA"...), for error messages.
std::string_view MethodName(uint16_t method);

// A member name as UTF-8: validated when the entry flags UTF-8 names, decoded from CP437 (the
// ZIP default, what DOS and Windows tools write) otherwise. nullopt for invalid UTF-8.
std::optional<std::string> DecodeName(std::span<const uint8_t> raw, bool utf8);

// Why a decoded name cannot be trusted as a path inside the archive (absolute, a drive letter,
// an empty, "." or ".." component, a control character), or "" when it can. Backslashes must
// already be turned into '/'.
std::string_view UnsafeNameReason(std::string_view name);

// Equal names when ASCII letters are compared without case.
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);

}  // namespace arrow_sus::io::zip
