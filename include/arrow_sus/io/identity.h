// The identity of a published file: which version of it a local copy holds.
//
// DATASUS republishes files under the same name, so a name alone says nothing about freshness. A
// file's identity is (path, size, mtime) from the server, plus, for .dbc files, the record count
// and the CRC-32 of the decompressed data, both read from the first H+4 bytes with one ranged read
// (H = the DBF header length). Two identities match when the size is equal, the mtimes agree to
// the minute, and the record count and CRC agree whenever both sides know them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <arrow/result.h>

#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

struct FileIdentity {
  std::string path;  // relative to the source root
  int64_t size = -1;
  std::optional<int64_t> mtime;  // seconds since the epoch, UTC
  std::optional<uint32_t> records;
  std::optional<uint32_t> crc32;

  bool Matches(const FileIdentity& other) const;
  RemoteEntry AsEntry() const;

  // A small text form ("key=value" lines) stored beside cached files.
  std::string Serialize() const;
  static arrow::Result<FileIdentity> Parse(std::string_view text);
};

// Record count and stored CRC-32 from the first bytes of a .dbc (bytes [0, H+4)).
struct DbcIdentityPrefix {
  uint32_t records;
  uint32_t crc32;
  int64_t header_length;
};

// How many leading bytes one ranged read fetches: enough for any DBF header dBase allows (255
// fields) plus the CRC.
inline constexpr int64_t kIdentityPrefixBytes = 32 + 32 * 255 + 2 + 4;

// Parses the .dbc prefix; kFormat when the bytes are too short or not a DBF header.
arrow::Result<DbcIdentityPrefix> ParseDbcIdentityPrefix(std::span<const uint8_t> bytes,
                                                        std::string_view name);

// True for names whose identity includes the .dbc prefix (".dbc", any case).
bool HasDbcPrefix(std::string_view path);

// Fills id->records and id->crc32 from one ranged read of the .dbc prefix (id->path and id->size
// set).
arrow::Status ReadDbcPrefixInto(Source& source, FileIdentity* id);

// Stat plus, for .dbc files, one ranged read of the prefix.
arrow::Result<FileIdentity> StatIdentity(Source& source, std::string_view path);

// Identity of a local copy, from its own bytes (size and prefix; mtime is left empty).
arrow::Result<FileIdentity> LocalIdentity(const std::filesystem::path& file, std::string_view path);

}  // namespace arrow_sus::io
