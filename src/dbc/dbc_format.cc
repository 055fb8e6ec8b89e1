// .dbc prefix parsing and the one-shot compress / decompress helpers.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>

#include "arrow_sus/crc32.h"
#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"
#include "arrow_sus/error.h"
#include "core/memory_advice.h"
#include "dbc/dbc_internal.h"

namespace arrow_sus {

namespace {

uint32_t LoadLE32(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

// DCL cannot expand data by more than this: the cheapest copy is 18 bits for 518 bytes.
constexpr uint64_t kMaxDclRatio = 240;

}  // namespace

arrow::Status FormatErrorAt(std::string_view file, uint64_t offset, std::string_view message) {
  ErrorLocation where;
  where.file = std::string(file);
  where.offset = offset;
  return MakeError(ErrorKind::kFormat, std::move(where), message);
}

arrow::Status CrcMismatch(std::string_view file, uint32_t expected, uint32_t actual) {
  char text[128];
  std::snprintf(text, sizeof text,
                "CRC-32 mismatch: the .dbc stores 0x%08X but the decompressed data has 0x%08X",
                expected, actual);
  ErrorLocation where;
  where.file = std::string(file);
  return MakeError(ErrorKind::kChecksum, std::move(where), text);
}

arrow::Result<size_t> DbfHeaderLength(std::span<const uint8_t> first_bytes, std::string_view name) {
  if (first_bytes.size() < 10)
    return FormatErrorAt(name, first_bytes.size(),
                         "file too short: expected a DBF header (at least 33 bytes), found " +
                             std::to_string(first_bytes.size()) + " bytes");
  size_t header_length = first_bytes[8] | (size_t{first_bytes[9]} << 8);
  if (header_length < kMinDbfHeaderLength)
    return FormatErrorAt(name, 8,
                         "not a DBF header: header length " + std::to_string(header_length) +
                             " is below the minimum of 33 bytes");
  return header_length;
}

arrow::Result<DbcPrefix> ParseDbcPrefix(std::span<const uint8_t> first_bytes,
                                        std::string_view name) {
  ARROW_ASSIGN_OR_RAISE(size_t header_length, DbfHeaderLength(first_bytes, name));
  if (first_bytes.size() < header_length + 4)
    return FormatErrorAt(name, first_bytes.size(),
                         "truncated .dbc: the header declares " + std::to_string(header_length) +
                             " header bytes plus a 4-byte CRC, but the data ends at byte " +
                             std::to_string(first_bytes.size()));
  DbcPrefix prefix;
  prefix.header.assign(first_bytes.begin(), first_bytes.begin() + header_length);
  prefix.crc = LoadLE32(first_bytes.data() + header_length);
  return prefix;
}

size_t DecompressedSizeHint(const DbcPrefix& prefix, size_t dbc_size) {
  const uint8_t* h = prefix.header.data();
  uint64_t records = LoadLE32(h + 4);
  uint64_t record_length = h[10] | (uint64_t{h[11]} << 8);
  uint64_t stream_size =
      dbc_size > prefix.header.size() + 4 ? dbc_size - prefix.header.size() - 4 : 0;
  uint64_t body = std::min(records * record_length + 1, stream_size * kMaxDclRatio + 1024);
  return prefix.header.size() + static_cast<size_t>(body);
}

arrow::Result<std::vector<uint8_t>> DecompressDbc(std::span<const uint8_t> dbc,
                                                  std::string_view name, DbcOptions options) {
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(dbc, name));
  const size_t stream_start = prefix.header.size() + 4;
  const size_t expected = DecompressedSizeHint(prefix, dbc.size());
  std::vector<uint8_t> out;
  out.reserve(expected + 1024);
  AdviseHugePages(out.data(), out.capacity());
  out.assign(prefix.header.begin(), prefix.header.end());
  uint32_t crc = Crc32(out);
  DclSliceFn checksum;
  if (options.verify_crc)
    checksum = [&crc](std::span<const uint8_t> s) { crc = Crc32Update(crc, s); };
  DclStatus status = DclDecompress(dbc.subspan(stream_start), &out, expected - prefix.header.size(),
                                   nullptr, checksum);
  ARROW_RETURN_NOT_OK(DclStatusToArrow(status, name, stream_start));
  if (options.verify_crc && crc != prefix.crc) return CrcMismatch(name, prefix.crc, crc);
  return out;
}

arrow::Result<std::optional<size_t>> DecompressDbcInto(std::span<const uint8_t> dbc,
                                                       std::span<uint8_t> output,
                                                       std::string_view name, DbcOptions options) {
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(dbc, name));
  const size_t header = prefix.header.size();
  if (output.size() < header) return std::nullopt;
  std::memcpy(output.data(), prefix.header.data(), header);
  uint32_t crc = Crc32(prefix.header);
  DclSliceFn checksum;
  if (options.verify_crc)
    checksum = [&crc](std::span<const uint8_t> s) { crc = Crc32Update(crc, s); };
  size_t produced = 0;
  bool complete = false;
  DclStatus status = DclDecompressInto(dbc.subspan(header + 4), output.subspan(header), &produced,
                                       &complete, checksum);
  ARROW_RETURN_NOT_OK(DclStatusToArrow(status, name, header + 4));
  if (!complete) return std::nullopt;
  if (options.verify_crc && crc != prefix.crc) return CrcMismatch(name, prefix.crc, crc);
  return header + produced;
}

arrow::Result<std::vector<uint8_t>> CompressDbf(std::span<const uint8_t> dbf, std::string_view name,
                                                int dictionary_bits) {
  ARROW_ASSIGN_OR_RAISE(size_t header_length, DbfHeaderLength(dbf, name));
  if (dbf.size() < header_length)
    return FormatErrorAt(name, dbf.size(),
                         "truncated DBF: the header declares " + std::to_string(header_length) +
                             " bytes but the file ends at byte " + std::to_string(dbf.size()));
  ARROW_ASSIGN_OR_RAISE(DclEncoder encoder, DclEncoder::Make({.dictionary_bits = dictionary_bits}));
  std::vector<uint8_t> out(dbf.begin(), dbf.begin() + header_length);
  uint32_t crc = Crc32(dbf);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  encoder.Write(dbf.subspan(header_length), &out);
  encoder.Finish(&out);
  return out;
}

}  // namespace arrow_sus
