#include "arrow_sus/io/identity.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <vector>

#include "arrow_sus/dbc.h"
#include "arrow_sus/error.h"

namespace arrow_sus::io {

namespace {

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool FileIdentity::Matches(const FileIdentity& other) const {
  if (path != other.path || !SameVersion(AsEntry(), other.AsEntry())) return false;
  if (records && other.records && *records != *other.records) return false;
  if (crc32 && other.crc32 && *crc32 != *other.crc32) return false;
  return true;
}

RemoteEntry FileIdentity::AsEntry() const {
  RemoteEntry entry;
  entry.name = path.substr(path.rfind('/') + 1);
  entry.size = size;
  entry.mtime = mtime;
  return entry;
}

std::string FileIdentity::Serialize() const {
  std::string out = "path=" + path + "\nsize=" + std::to_string(size) + "\n";
  if (mtime) out += "mtime=" + std::to_string(*mtime) + "\n";
  if (records) out += "records=" + std::to_string(*records) + "\n";
  if (crc32) out += "crc32=" + std::to_string(*crc32) + "\n";
  return out;
}

arrow::Result<FileIdentity> FileIdentity::Parse(std::string_view text) {
  FileIdentity id;
  bool has_path = false, has_size = false;
  while (!text.empty()) {
    const size_t eol = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(std::min(eol + 1, text.size()));
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    bool ok = true;
    if (key == "path") {
      id.path = std::string(value);
      has_path = true;
    } else if (key == "size") {
      ok = ParseNumber(value, id.size);
      has_size = ok;
    } else if (key == "mtime") {
      ok = ParseNumber(value, id.mtime.emplace());
    } else if (key == "records") {
      ok = ParseNumber(value, id.records.emplace());
    } else if (key == "crc32") {
      ok = ParseNumber(value, id.crc32.emplace());
    }
    if (!ok)
      return MakeError(ErrorKind::kFormat, {.field = std::string(key)},
                       "unreadable value in a cache identity record");
  }
  if (!has_path || !has_size)
    return MakeError(ErrorKind::kFormat, {}, "cache identity record without path or size");
  return id;
}

arrow::Result<DbcIdentityPrefix> ParseDbcIdentityPrefix(std::span<const uint8_t> bytes,
                                                        std::string_view name) {
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(bytes, name));
  return DbcIdentityPrefix{.records = LoadLe32(prefix.header.data() + 4),
                           .crc32 = prefix.crc,
                           .header_length = static_cast<int64_t>(prefix.header.size())};
}

bool HasDbcPrefix(std::string_view path) {
  if (path.size() < 4) return false;
  std::string ext(path.substr(path.size() - 4));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".dbc";
}

arrow::Result<FileIdentity> StatIdentity(Source& source, std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(RemoteEntry entry, source.Stat(path));
  FileIdentity id;
  id.path = std::string(path);
  id.size = entry.size;
  id.mtime = entry.mtime;
  if (HasDbcPrefix(path)) ARROW_RETURN_NOT_OK(ReadDbcPrefixInto(source, &id));
  return id;
}

arrow::Status ReadDbcPrefixInto(Source& source, FileIdentity* id) {
  ARROW_ASSIGN_OR_RAISE(auto head,
                        source.ReadRange(id->path, 0, std::min(id->size, kIdentityPrefixBytes)));
  ARROW_ASSIGN_OR_RAISE(DbcIdentityPrefix prefix,
                        ParseDbcIdentityPrefix({head->data(), size_t(head->size())}, id->path));
  id->records = prefix.records;
  id->crc32 = prefix.crc32;
  return arrow::Status::OK();
}

arrow::Result<FileIdentity> LocalIdentity(const std::filesystem::path& file,
                                          std::string_view path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return MakeError(ErrorKind::kIo, {.file = file.string()}, "cannot stat: " + ec.message());
  FileIdentity id;
  id.path = std::string(path);
  id.size = static_cast<int64_t>(size);
  if (HasDbcPrefix(path)) {
    std::vector<uint8_t> head(
        static_cast<size_t>(std::min<int64_t>(id.size, kIdentityPrefixBytes)));
    std::ifstream in(file, std::ios::binary);
    in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
    if (!in)
      return MakeError(ErrorKind::kIo, {.file = file.string()}, "cannot read the file's header");
    ARROW_ASSIGN_OR_RAISE(DbcIdentityPrefix prefix, ParseDbcIdentityPrefix(head, path));
    id.records = prefix.records;
    id.crc32 = prefix.crc32;
  }
  return id;
}

}  // namespace arrow_sus::io
