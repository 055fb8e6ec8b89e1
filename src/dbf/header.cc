#include "arrow_sus/dbf/header.h"

#include <arrow/buffer.h>

#include "arrow_sus/error.h"
#include "core/utf8.h"
#include "dbf/error_locations.h"
#include "dbf/stream_reading.h"

namespace arrow_sus::dbf {

namespace {

constexpr int32_t kPrefixSize = 32;
constexpr int32_t kDescriptorSize = 32;
constexpr uint8_t kFieldListTerminator = 0x0D;

uint16_t LoadU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t LoadU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

arrow::Status HeaderError(uint64_t offset, std::string_view message) {
  return MakeError(ErrorKind::kFormat, internal::AtByte(offset), message);
}

// The year byte counts years since 1900 (120 = 2020), but some files store a bare two-digit year
// (20 = 2020). Values below 50 can only be the latter for files written by DATASUS systems.
int32_t FullYear(uint8_t byte) { return byte < 50 ? 2000 + byte : 1900 + byte; }

// The name's bytes are Latin-1 (like the text of DATASUS files; the language driver byte is not
// reliable): decoded to UTF-8 so that schema names, column selection and errors all use text.
std::string FieldName(const uint8_t* descriptor) {
  std::string name;
  for (int i = 0; i < 11 && descriptor[i] != 0; ++i)
    name.push_back(static_cast<char>(descriptor[i]));
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return arrow_sus::internal::Latin1ToUtf8(name);
}

}  // namespace

std::string FieldDescriptor::type_text() const {
  return arrow_sus::internal::Latin1ToUtf8(std::string_view(&type, 1));
}

int DbfHeader::FieldIndex(std::string_view name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

arrow::Result<int32_t> PeekHeaderLength(std::span<const uint8_t> bytes) {
  if (bytes.size() < static_cast<size_t>(kPrefixSize)) {
    return HeaderError(bytes.size(), "file ends before the 32-byte DBF header is complete");
  }
  int32_t header_length = LoadU16(bytes.data() + 8);
  if (header_length < kPrefixSize + 1) {
    return HeaderError(8, "header length " + std::to_string(header_length) +
                              " is shorter than the 33 bytes of an empty DBF header");
  }
  return header_length;
}

arrow::Result<DbfHeader> ParseDbfHeader(std::span<const uint8_t> bytes) {
  ARROW_ASSIGN_OR_RAISE(int32_t header_length, PeekHeaderLength(bytes));
  if (bytes.size() < static_cast<size_t>(header_length)) {
    return HeaderError(bytes.size(), "file ends inside the DBF header (header length " +
                                         std::to_string(header_length) + ")");
  }
  const uint8_t* p = bytes.data();
  DbfHeader header;
  header.version = p[0];
  header.year = FullYear(p[1]);
  header.month = p[2];
  header.day = p[3];
  header.record_count = LoadU32(p + 4);
  header.header_length = header_length;
  header.record_length = LoadU16(p + 10);
  if (header.record_length < 1) return HeaderError(10, "record length is 0");

  // Descriptors follow until a 0x0D terminator, a 0x00 terminator (CNES-ST files since 2022: a
  // field name never starts with NUL), or the end of the header. Bytes 12-15 of a descriptor (the
  // field's address in memory for dBase) hold garbage in some files and are ignored: offsets are
  // computed.
  int32_t offset = 1;  // byte 0 of every record is the deletion flag
  for (int32_t pos = kPrefixSize; pos + kDescriptorSize <= header_length; pos += kDescriptorSize) {
    const uint8_t* d = p + pos;
    if (d[0] == kFieldListTerminator || d[0] == 0x00) break;
    FieldDescriptor field;
    field.name = FieldName(d);
    field.type = static_cast<char>(d[11]);
    field.width = d[16];
    field.decimals = d[17];
    field.offset = offset;
    if (field.width == 0) {
      return HeaderError(pos + 16, "field " + field.name + " has width 0");
    }
    offset += field.width;
    header.fields.push_back(std::move(field));
  }
  if (header.fields.empty()) return HeaderError(kPrefixSize, "the DBF header lists no fields");
  if (offset > header.record_length) {
    return HeaderError(10, "fields take " + std::to_string(offset) +
                               " bytes per record but the header says records are " +
                               std::to_string(header.record_length) + " bytes");
  }
  return header;
}

arrow::Result<DbfHeader> ReadDbfHeader(arrow::io::InputStream* stream) {
  ARROW_ASSIGN_OR_RAISE(auto prefix, internal::ReadUpTo(stream, kPrefixSize));
  ARROW_ASSIGN_OR_RAISE(int32_t header_length, PeekHeaderLength(prefix->span_as<uint8_t>()));
  ARROW_ASSIGN_OR_RAISE(auto rest, internal::ReadUpTo(stream, header_length - kPrefixSize));
  std::vector<uint8_t> bytes(prefix->data(), prefix->data() + prefix->size());
  bytes.insert(bytes.end(), rest->data(), rest->data() + rest->size());
  return ParseDbfHeader(bytes);
}

}  // namespace arrow_sus::dbf
