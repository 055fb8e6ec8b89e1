// The central directory: found through the end-of-central-directory record (and its ZIP64
// counterpart), read in one piece and checked entry by entry before any member is trusted.
#include "arrow_sus/io/zip_archive.h"

#include <algorithm>
#include <string>
#include <utility>

#include <arrow/io/file.h>

#include "arrow_sus/crc32.h"
#include "io/zip_format.h"

namespace arrow_sus::io {

namespace {

using zip::Le16;
using zip::Le32;
using zip::Le64;

// The largest central directory accepted: DATASUS's biggest archive lists a few thousand members
// (well under 1 MiB); a larger claim is a corrupt or hostile size field.
constexpr uint64_t kMaxDirectorySize = 64 << 20;
// Extra-field ids (APPNOTE 4.5.2 and 4.6.9).
constexpr uint16_t kZip64ExtraId = 0x0001;
constexpr uint16_t kUnicodePathExtraId = 0x7075;

struct DirectoryLocation {
  uint64_t entries = 0;
  uint64_t size = 0;
  uint64_t offset = 0;
  uint64_t end = 0;  // where the (ZIP64) end record starts: the directory must stop before it
};

arrow::Result<std::shared_ptr<arrow::Buffer>> ReadExactly(arrow::io::RandomAccessFile& file,
                                                          const std::string& archive,
                                                          uint64_t offset, int64_t size,
                                                          std::string_view what) {
  ARROW_ASSIGN_OR_RAISE(auto buffer, file.ReadAt(static_cast<int64_t>(offset), size));
  if (buffer->size() != size)
    return zip::Error(ErrorKind::kFormat, archive, offset, "",
                      "the archive ends inside " + std::string(what) + " (truncated)");
  return buffer;
}

// The end-of-central-directory record nearest the end whose comment fits in the file.
arrow::Result<DirectoryLocation> FindDirectory(arrow::io::RandomAccessFile& file,
                                               const std::string& archive, int64_t file_size) {
  if (file_size < zip::kEndOfDirectorySize)
    return zip::Error(ErrorKind::kFormat, archive, 0, "",
                      "only " + std::to_string(file_size) +
                          " bytes: too short for a ZIP archive (its end record alone is 22)");
  const int64_t tail_size =
      std::min<int64_t>(file_size, zip::kEndOfDirectorySize + zip::kMaxCommentSize);
  const uint64_t tail_start = static_cast<uint64_t>(file_size - tail_size);
  ARROW_ASSIGN_OR_RAISE(auto tail,
                        ReadExactly(file, archive, tail_start, tail_size, "its last bytes"));
  std::span<const uint8_t> bytes(tail->data(), static_cast<size_t>(tail->size()));
  int64_t found = -1;
  for (int64_t at = tail_size - zip::kEndOfDirectorySize; at >= 0; --at) {
    if (Le32(bytes, at) == zip::kEndOfDirectorySignature &&
        at + zip::kEndOfDirectorySize + Le16(bytes, at + 20) <= tail_size) {
      found = at;
      break;
    }
  }
  if (found < 0)
    return zip::Error(ErrorKind::kFormat, archive, static_cast<uint64_t>(file_size), "",
                      "no end-of-central-directory record in the last " +
                          std::to_string(tail_size) +
                          " bytes: not a ZIP archive, or a truncated one");
  const uint64_t record = tail_start + static_cast<uint64_t>(found);
  auto eocd = bytes.subspan(static_cast<size_t>(found));
  const uint16_t disk = Le16(eocd, 4), directory_disk = Le16(eocd, 6);
  DirectoryLocation loc{Le16(eocd, 10), Le32(eocd, 12), Le32(eocd, 16), record};
  const bool zip64 = loc.entries == 0xFFFF || loc.size == 0xFFFFFFFF || loc.offset == 0xFFFFFFFF;
  if (!zip64) {
    if (disk != 0 || directory_disk != 0 || Le16(eocd, 8) != loc.entries)
      return zip::Error(ErrorKind::kFormat, archive, record, "",
                        "a split (multi-disk) archive: not supported");
    return loc;
  }
  // ZIP64: a locator right before the end record points at the ZIP64 end record.
  if (record < static_cast<uint64_t>(zip::kZip64LocatorSize))
    return zip::Error(ErrorKind::kFormat, archive, record, "",
                      "the end record asks for ZIP64 values but there is no ZIP64 locator");
  const uint64_t locator_at = record - zip::kZip64LocatorSize;
  ARROW_ASSIGN_OR_RAISE(auto locator, ReadExactly(file, archive, locator_at, zip::kZip64LocatorSize,
                                                  "the ZIP64 locator"));
  std::span<const uint8_t> lb(locator->data(), static_cast<size_t>(locator->size()));
  if (Le32(lb, 0) != zip::kZip64LocatorSignature)
    return zip::Error(ErrorKind::kFormat, archive, locator_at, "",
                      "the end record asks for ZIP64 values but there is no ZIP64 locator");
  const uint64_t end64 = Le64(lb, 8);
  if (end64 > locator_at ||
      locator_at - end64 < static_cast<uint64_t>(zip::kZip64EndOfDirectorySize))
    return zip::Error(ErrorKind::kFormat, archive, locator_at, "",
                      "the ZIP64 locator points outside the archive");
  ARROW_ASSIGN_OR_RAISE(
      auto record64,
      ReadExactly(file, archive, end64, zip::kZip64EndOfDirectorySize, "the ZIP64 end record"));
  std::span<const uint8_t> rb(record64->data(), static_cast<size_t>(record64->size()));
  if (Le32(rb, 0) != zip::kZip64EndOfDirectorySignature)
    return zip::Error(ErrorKind::kFormat, archive, end64, "",
                      "no ZIP64 end-of-central-directory record where the locator points");
  if (Le32(rb, 16) != 0 || Le32(rb, 20) != 0 || Le64(rb, 24) != Le64(rb, 32))
    return zip::Error(ErrorKind::kFormat, archive, end64, "",
                      "a split (multi-disk) archive: not supported");
  return DirectoryLocation{Le64(rb, 32), Le64(rb, 40), Le64(rb, 48), end64};
}

// Applies a ZIP64 extended-information field: the 64-bit values of the fields the fixed entry
// marks as 0xFFFFFFFF, in APPNOTE order.
bool ApplyZip64Extra(std::span<const uint8_t> data, ZipMember& member, bool size_overflow,
                     bool compressed_overflow, bool offset_overflow) {
  size_t at = 0;
  for (auto [overflow, target] : {std::pair{size_overflow, &member.uncompressed_size},
                                  std::pair{compressed_overflow, &member.compressed_size},
                                  std::pair{offset_overflow, &member.local_header_offset}}) {
    if (!overflow) continue;
    if (at + 8 > data.size()) return false;
    *target = Le64(data, at);
    at += 8;
  }
  return true;
}

// One central-directory entry starting at `at` in `dir`; advances `at` past it.
arrow::Result<ZipMember> ParseEntry(std::span<const uint8_t> dir, size_t& at,
                                    const std::string& archive, uint64_t dir_offset) {
  const uint64_t entry_offset = dir_offset + at;
  if (at + zip::kDirectoryEntrySize > dir.size() || Le32(dir, at) != zip::kDirectoryEntrySignature)
    return zip::Error(ErrorKind::kFormat, archive, entry_offset, "",
                      "expected a central-directory entry (corrupt or truncated directory)");
  auto fixed = dir.subspan(at, zip::kDirectoryEntrySize);
  const size_t name_len = Le16(fixed, 28), extra_len = Le16(fixed, 30),
               comment_len = Le16(fixed, 32);
  if (at + zip::kDirectoryEntrySize + name_len + extra_len + comment_len > dir.size())
    return zip::Error(ErrorKind::kFormat, archive, entry_offset, "",
                      "a central-directory entry runs past the end of the directory");
  auto raw_name = dir.subspan(at + zip::kDirectoryEntrySize, name_len);
  auto extra = dir.subspan(at + zip::kDirectoryEntrySize + name_len, extra_len);
  at += zip::kDirectoryEntrySize + name_len + extra_len + comment_len;

  ZipMember member;
  member.flags = Le16(fixed, 8);
  member.method = Le16(fixed, 10);
  member.crc32 = Le32(fixed, 16);
  member.compressed_size = Le32(fixed, 20);
  member.uncompressed_size = Le32(fixed, 24);
  member.local_header_offset = Le32(fixed, 42);
  member.directory_offset = entry_offset;
  auto name = zip::DecodeName(raw_name, (member.flags & zip::kFlagUtf8Names) != 0);
  if (!name)
    return zip::Error(ErrorKind::kFormat, archive, entry_offset, "",
                      "a member name flagged UTF-8 is not valid UTF-8");
  member.name = std::move(*name);

  for (size_t e = 0; e < extra.size();) {
    if (e + 4 > extra.size())
      return zip::Error(ErrorKind::kFormat, archive, entry_offset, member.name,
                        "malformed extra field");
    const uint16_t id = Le16(extra, e), size = Le16(extra, e + 2);
    if (e + 4 + size > extra.size())
      return zip::Error(ErrorKind::kFormat, archive, entry_offset, member.name,
                        "malformed extra field");
    auto data = extra.subspan(e + 4, size);
    if (id == kZip64ExtraId &&
        !ApplyZip64Extra(data, member, Le32(fixed, 24) == 0xFFFFFFFF, Le32(fixed, 20) == 0xFFFFFFFF,
                         Le32(fixed, 42) == 0xFFFFFFFF))
      return zip::Error(ErrorKind::kFormat, archive, entry_offset, member.name,
                        "ZIP64 extra field too short for the values it must hold");
    // Info-ZIP Unicode path: a UTF-8 name that stands in for a CP437 one while its CRC-32 still
    // matches that name (a later tool may have renamed the member without updating it).
    if (id == kUnicodePathExtraId && size > 5 && data[0] == 1 && Le32(data, 1) == Crc32(raw_name)) {
      if (auto unicode = zip::DecodeName(data.subspan(5), true)) member.name = std::move(*unicode);
    }
    e += 4 + size;
  }
  std::replace(member.name.begin(), member.name.end(), '\\', '/');
  member.is_directory = !member.name.empty() && member.name.back() == '/';
  if (auto reason = zip::UnsafeNameReason(member.name); !reason.empty())
    return zip::Error(
        ErrorKind::kFormat, archive, entry_offset, member.name,
        "the name has " + std::string(reason) + ": a member must stay inside the archive's root");
  return member;
}

}  // namespace

bool HasZipSuffix(std::string_view path) {
  return path.size() >= 4 && zip::EqualsIgnoringAsciiCase(path.substr(path.size() - 4), ".zip");
}

arrow::Result<std::shared_ptr<ZipArchive>> ZipArchive::Open(
    std::shared_ptr<arrow::io::RandomAccessFile> file, std::string name) {
  ARROW_ASSIGN_OR_RAISE(const int64_t file_size, file->GetSize());
  ARROW_ASSIGN_OR_RAISE(DirectoryLocation loc, FindDirectory(*file, name, file_size));
  if (loc.offset > loc.end || loc.size > loc.end - loc.offset)
    return zip::Error(ErrorKind::kFormat, name, loc.end, "",
                      "the central directory (" + std::to_string(loc.size) + " bytes at " +
                          std::to_string(loc.offset) +
                          ") does not lie before its end record: corrupt, or data was "
                          "prepended to the archive");
  if (loc.size > kMaxDirectorySize)
    return zip::Error(ErrorKind::kFormat, name, loc.end, "",
                      "a central directory of " + std::to_string(loc.size) +
                          " bytes: larger than any real archive's");
  if (loc.entries > loc.size / zip::kDirectoryEntrySize)
    return zip::Error(ErrorKind::kFormat, name, loc.end, "",
                      std::to_string(loc.entries) + " entries cannot fit in a directory of " +
                          std::to_string(loc.size) + " bytes");
  ARROW_ASSIGN_OR_RAISE(auto dir,
                        ReadExactly(*file, name, loc.offset, static_cast<int64_t>(loc.size),
                                    "the central directory"));
  std::span<const uint8_t> bytes(dir->data(), static_cast<size_t>(dir->size()));
  std::vector<ZipMember> members;
  members.reserve(loc.entries);
  size_t at = 0;
  for (uint64_t i = 0; i < loc.entries; ++i) {
    ARROW_ASSIGN_OR_RAISE(ZipMember member, ParseEntry(bytes, at, name, loc.offset));
    // Member data lies before the directory; anything else is a corrupt offset or size.
    if (member.local_header_offset > loc.offset ||
        member.compressed_size > loc.offset - member.local_header_offset)
      return zip::Error(ErrorKind::kFormat, name, member.directory_offset, member.name,
                        "its data (" + std::to_string(member.compressed_size) +
                            " bytes at offset " + std::to_string(member.local_header_offset) +
                            ") does not lie before the central directory");
    members.push_back(std::move(member));
  }
  return std::shared_ptr<ZipArchive>(
      new ZipArchive(std::move(file), std::move(name), std::move(members)));
}

arrow::Result<std::shared_ptr<ZipArchive>> ZipArchive::OpenFile(const std::filesystem::path& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path.string()));
  return Open(std::move(file), path.string());
}

arrow::Result<const ZipMember*> ZipArchive::Find(std::string_view wanted) const {
  std::string name(wanted);
  std::replace(name.begin(), name.end(), '\\', '/');
  const ZipMember* folded = nullptr;
  int folded_matches = 0;
  for (const ZipMember& member : members_) {
    if (member.name == name) return &member;
    if (zip::EqualsIgnoringAsciiCase(member.name, name)) {
      folded = &member;
      ++folded_matches;
    }
  }
  if (folded_matches > 1)
    return MakeError(
        ErrorKind::kInvalidArgument, {.file = name_},
        "several members are named \"" + name + "\" when case is ignored; give the exact name");
  return folded;
}

}  // namespace arrow_sus::io
