// The dBase III header of a DBF file: record count, record layout and field descriptors.
//
// DATASUS files bend the format in several ways (see docs/reader.md); ParseDbfHeader accepts every
// variant found in the real corpus and rejects bytes that cannot be a DBF header with a
// FormatError.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>

namespace arrow_sus::dbf {

// One column of the record layout.
struct FieldDescriptor {
  std::string name;      // up to 10 bytes decoded as Latin-1 (UTF-8), NUL padding removed
  char type = 'C';       // 'C', 'N', 'F', 'D', 'L', or anything else (read as binary)
  int32_t offset = 0;    // byte offset inside a record (byte 0 is the deletion flag)
  int32_t width = 0;     // bytes in the record
  int32_t decimals = 0;  // digits after the decimal point (N and F)

  // The type byte as text (UTF-8 of its Latin-1 character), for messages and metadata.
  std::string type_text() const;
};

struct DbfHeader {
  uint8_t version = 0;
  int32_t year =
      0;  // full year: the byte is years since 1900, or a bare 2-digit year in some files
  int32_t month = 0;
  int32_t day = 0;
  int64_t record_count = 0;  // as stored in the header; the data may disagree (see ReadStats)
  int32_t header_length = 0;
  int32_t record_length = 0;
  std::vector<FieldDescriptor> fields;

  // Index of the field with this name, or -1.
  int FieldIndex(std::string_view name) const;
};

// Bytes 8-9 of the first 32 bytes of a DBF: how many bytes the whole header takes.
arrow::Result<int32_t> PeekHeaderLength(std::span<const uint8_t> first_32_bytes);

// Parses a complete header (`header_length` bytes).
arrow::Result<DbfHeader> ParseDbfHeader(std::span<const uint8_t> header_bytes);

// Reads exactly the header from the start of `stream` (leaving it positioned at the first record).
arrow::Result<DbfHeader> ReadDbfHeader(arrow::io::InputStream* stream);

}  // namespace arrow_sus::dbf
