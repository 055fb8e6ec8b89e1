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

// The records' bytes the header declares, plus the 0x1A byte.
uint64_t DeclaredBodySize(const DbcPrefix& prefix) {
  const uint8_t* h = prefix.header.data();
  const uint64_t records = LoadLE32(h + 4);
  const uint64_t record_length = h[10] | (uint64_t{h[11]} << 8);
  return records * record_length + 1;
}

// The most that the DCL stream of a `dbc_size`-byte file could decompress to.
uint64_t MostStreamOutput(const DbcPrefix& prefix, size_t dbc_size) {
  const uint64_t stream_size =
      dbc_size > prefix.header.size() + 4 ? dbc_size - prefix.header.size() - 4 : 0;
  return stream_size * kMaxDclRatio + 1024;
}

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

uint64_t MaxDecompressedSize(const DbcPrefix& prefix) {
  return prefix.header.size() + DeclaredBodySize(prefix) + kDecompressedSlack;
}

arrow::Status PastDeclaredSize(std::string_view file, const DbcPrefix& prefix) {
  const uint8_t* h = prefix.header.data();
  const uint64_t limit = MaxDecompressedSize(prefix);
  return FormatErrorAt(
      file, limit,
      "the decompressed data passes " + std::to_string(limit) +
          " bytes, the most its header allows (" + std::to_string(prefix.header.size()) +
          "-byte header + " + std::to_string(LoadLE32(h + 4)) + " records x " +
          std::to_string(h[10] | (h[11] << 8)) + " bytes + the 0x1A byte + " +
          std::to_string(kDecompressedSlack) +
          " bytes of slack): the header's record count is wrong, or the stream is not this "
          "file's");
}

size_t DecompressedSizeHint(const DbcPrefix& prefix, size_t dbc_size) {
  return prefix.header.size() + static_cast<size_t>(std::min(DeclaredBodySize(prefix),
                                                             MostStreamOutput(prefix, dbc_size)));
}

arrow::Result<std::vector<uint8_t>> DecompressDbc(std::span<const uint8_t> dbc,
                                                  std::string_view name, DbcOptions options) {
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(dbc, name));
  // Room for one byte past the header's bound, unless the stream cannot even produce that much.
  const size_t capacity =
      static_cast<size_t>(std::min(MaxDecompressedSize(prefix) + 1,
                                   prefix.header.size() + MostStreamOutput(prefix, dbc.size())));
  std::vector<uint8_t> out;
  out.reserve(capacity);
  AdviseHugePages(out.data(), out.capacity());
  out.resize(capacity);
  ARROW_ASSIGN_OR_RAISE(std::optional<size_t> size, DecompressDbcInto(dbc, out, name, options));
  // Out of room means past the bound: a capacity below it is all the stream can produce.
  if (!size.has_value()) return PastDeclaredSize(name, prefix);
  out.resize(*size);
  return out;
}

arrow::Result<std::optional<size_t>> DecompressDbcInto(std::span<const uint8_t> dbc,
                                                       std::span<uint8_t> output,
                                                       std::string_view name, DbcOptions options) {
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(dbc, name));
  const size_t header = prefix.header.size();
  if (output.size() < header) return std::nullopt;
  // Decoding stops one byte past the header's bound, where passing it shows.
  const uint64_t max_size = MaxDecompressedSize(prefix);
  const bool bounded = output.size() > max_size;
  if (bounded) output = output.first(static_cast<size_t>(max_size + 1));
  std::memcpy(output.data(), prefix.header.data(), header);
  uint32_t crc = Crc32(prefix.header);
  DclSliceFn checksum;
  if (options.verify_crc)
    checksum = [&crc](std::span<const uint8_t> s) { crc = Crc32Update(crc, s); };
  size_t produced = 0;
  bool complete = false;
  DclStatus status = DclDecompressInto(dbc.subspan(header + 4), output.subspan(header), &produced,
                                       &complete, checksum);
  // What was decoded is checked before the stream's own error, as the streaming decoder does (it
  // decodes ahead); running out of room only counts when decoding did not fail.
  if (header + produced > max_size || (status.ok() && bounded && !complete))
    return PastDeclaredSize(name, prefix);
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
