// The DATASUS .dbc container: a dBase III DBF whose record area is compressed.
//
// Layout: the DBF header [0, H) stored verbatim (H = uint16 little-endian at bytes 8-9), then the
// CRC-32 (zlib polynomial, little-endian) of the whole decompressed DBF (header + records + the
// 0x1A end-of-file byte when present) at [H, H+4), then one PKWare DCL implode stream holding
// everything after the header. Bytes after the end of the stream are ignored (real files have
// them).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>
#include <arrow/status.h>

#include "arrow_sus/output_target.h"

namespace arrow_sus {

struct DbcOptions {
  bool verify_crc = true;  // a mismatch is a ChecksumError; off = trust the data
};

// The uncompressed part of a .dbc: enough to identify a file (and read its schema) from its first
// H + 4 bytes.
struct DbcPrefix {
  std::vector<uint8_t> header;  // the H DBF header bytes
  uint32_t crc = 0;             // CRC-32 of the decompressed DBF, as stored
};

// The smallest plausible DBF header: 32 bytes of file header plus the 0x0D terminator.
inline constexpr size_t kMinDbfHeaderLength = 33;

// The header length H that `first_bytes` (at least 10 bytes of a .dbc or .dbf) declares.
arrow::Result<size_t> DbfHeaderLength(std::span<const uint8_t> first_bytes, std::string_view name);

// Parses the header and stored CRC from the first bytes of a .dbc (needs at least H + 4 bytes;
// more are ignored). FormatError when too short or not a .dbc.
arrow::Result<DbcPrefix> ParseDbcPrefix(std::span<const uint8_t> first_bytes,
                                        std::string_view name);

// How many bytes a .dbc may decompress to beyond what its header declares (H + records x record
// length + 1 for the 0x1A byte). Every real file decompresses to exactly the declared size (or one
// byte less, without the 0x1A); the slack lets a writer's stray padding after the records through
// (one 4 KiB block of it) while still stopping a header that lies about its record count.
inline constexpr uint64_t kDecompressedSlack = 4096;

// The most a .dbc with this header may decompress to: the declared size plus kDecompressedSlack.
// Every decompression path (OpenDbcStream, DecompressDbc, DecompressDbcInto, hence read_dbc,
// scans and download verification) stops with a FormatError naming the file and this offset
// when the data passes it, so that a lying header cannot inflate a small file without bound.
uint64_t MaxDecompressedSize(const DbcPrefix& prefix);

// The decompressed size the header announces (H + records x record length + 1 for the 0x1A byte),
// capped by the most that `dbc_size` compressed bytes could expand to, so that a corrupt header
// cannot make a caller allocate too much. The real size may be 1 byte less (no 0x1A) or differ
// on corrupt or unusual files: use it to size buffers, not to validate.
size_t DecompressedSizeHint(const DbcPrefix& prefix, size_t dbc_size);

// A stream of the decompressed DBF bytes (header, records, then 0x1A when present), decompressed
// incrementally with bounded memory. Read() fails with a FormatError naming the byte offset in the
// .dbc on corrupt or truncated data, or when the data passes MaxDecompressedSize (the offset is
// then that size), and (with verify_crc) with a ChecksumError naming the file,
// the expected and the actual CRC on the read that reaches the end. `name` is used in errors.
arrow::Result<std::shared_ptr<arrow::io::InputStream>> OpenDbcStream(
    std::shared_ptr<arrow::io::InputStream> compressed, std::string name, DbcOptions options = {});

// One-shot: the whole decompressed DBF.
arrow::Result<std::vector<uint8_t>> DecompressDbc(std::span<const uint8_t> dbc,
                                                  std::string_view name, DbcOptions options = {});

// One-shot, into memory the caller owns (sized with DecompressedSizeHint): the whole decompressed
// DBF, written once, with the CRC computed as it is decoded. Returns the number of bytes, or
// nullopt when `output` is too small and smaller than MaxDecompressedSize + 1 (the header
// announced fewer records than the file holds, within the slack: use DecompressDbc then). Errors as
// DecompressDbc.
arrow::Result<std::optional<size_t>> DecompressDbcInto(std::span<const uint8_t> dbc,
                                                       std::span<uint8_t> output,
                                                       std::string_view name,
                                                       DbcOptions options = {});

// One-shot: a DBF (header, records, optional 0x1A) compressed into .dbc bytes.
arrow::Result<std::vector<uint8_t>> CompressDbf(std::span<const uint8_t> dbf, std::string_view name,
                                                int dictionary_bits = 6);

// File conversions, streaming; `dst` is written under a temporary name and moved into place at the
// end (never left half-written), under the output rules: `src` is never written over, and an
// existing `dst` that arrow-sus did not write is replaced only with rules.overwrite.
arrow::Status DbcToDbf(const std::string& src, const std::string& dst, DbcOptions options = {},
                       const OutputRules& rules = {});
arrow::Status DbfToDbc(const std::string& src, const std::string& dst, int dictionary_bits = 6,
                       const OutputRules& rules = {});

}  // namespace arrow_sus
