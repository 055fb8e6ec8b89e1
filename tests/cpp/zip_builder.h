// Writes small ZIP archives for tests and fuzz seeds, with knobs to make them wrong on purpose:
// a lying CRC or size, a bad name, an unsupported method, ZIP64 records. Deflate comes from
// Arrow's GZIP codec in raw-deflate mode, like the reader's inflate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/util/compression.h>

#include "arrow_sus/crc32.h"

namespace arrow_sus::testing {

struct ZipEntrySpec {
  std::string name;  // written as given (the bytes of the name field)
  std::string data;
  bool deflate = true;
  uint16_t flags = 0;
  std::optional<uint16_t> method;         // written instead of 0 / 8
  std::optional<uint32_t> crc;            // written instead of the real CRC-32
  std::optional<uint64_t> declared_size;  // written instead of the real uncompressed size
  bool zip64 = false;  // sizes and offset go to a ZIP64 extra field (0xFFFFFFFF in the entry)
  std::string extra;   // raw extra-field bytes appended to the central entry
  std::optional<std::string> payload;  // written as the member's data instead of data (deflated)
};

inline std::string RawDeflate(std::string_view data) {
  arrow::util::GZipCodecOptions options;
  options.gzip_format = arrow::util::GZipFormat::DEFLATE;
  auto codec = arrow::util::Codec::Create(arrow::Compression::GZIP, options).ValueOrDie();
  std::string out(
      static_cast<size_t>(codec->MaxCompressedLen(static_cast<int64_t>(data.size()),
                                                  reinterpret_cast<const uint8_t*>(data.data()))),
      '\0');
  int64_t n =
      codec
          ->Compress(static_cast<int64_t>(data.size()),
                     reinterpret_cast<const uint8_t*>(data.data()),
                     static_cast<int64_t>(out.size()), reinterpret_cast<uint8_t*>(out.data()))
          .ValueOrDie();
  out.resize(static_cast<size_t>(n));
  return out;
}

class ZipBuilder {
 public:
  // Where each entry's local header starts, after Build().
  std::vector<uint64_t> local_offsets;
  uint64_t directory_offset = 0;

  std::string Build(const std::vector<ZipEntrySpec>& entries, std::string_view comment = "",
                    bool zip64_end = false) {
    std::string out, directory;
    local_offsets.clear();
    for (const ZipEntrySpec& e : entries) {
      const std::string payload = e.payload.value_or(e.deflate ? RawDeflate(e.data) : e.data);
      const uint16_t method = e.method.value_or(e.deflate ? 8 : 0);
      const uint32_t crc =
          e.crc.value_or(Crc32({reinterpret_cast<const uint8_t*>(e.data.data()), e.data.size()}));
      const uint64_t size = e.declared_size.value_or(e.data.size());
      const uint64_t offset = out.size();
      local_offsets.push_back(offset);
      Put32(out, 0x04034b50);
      Put16(out, 20);
      Put16(out, e.flags);
      Put16(out, method);
      Put32(out, 0);  // DOS time and date
      Put32(out, crc);
      Put32(out, e.zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(payload.size()));
      Put32(out, e.zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(size));
      Put16(out, static_cast<uint16_t>(e.name.size()));
      Put16(out, 0);
      out += e.name;
      out += payload;

      std::string extra;
      if (e.zip64) {
        Put16(extra, 0x0001);
        Put16(extra, 24);
        Put64(extra, size);
        Put64(extra, payload.size());
        Put64(extra, offset);
      }
      extra += e.extra;
      Put32(directory, 0x02014b50);
      Put16(directory, 20);
      Put16(directory, e.zip64 ? 45 : 20);
      Put16(directory, e.flags);
      Put16(directory, method);
      Put32(directory, 0);
      Put32(directory, crc);
      Put32(directory, e.zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(payload.size()));
      Put32(directory, e.zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(size));
      Put16(directory, static_cast<uint16_t>(e.name.size()));
      Put16(directory, static_cast<uint16_t>(extra.size()));
      Put16(directory, 0);  // comment
      Put16(directory, 0);  // disk
      Put16(directory, 0);  // internal attributes
      Put32(directory, 0);  // external attributes
      Put32(directory, e.zip64 ? 0xFFFFFFFF : static_cast<uint32_t>(offset));
      directory += e.name;
      directory += extra;
    }
    directory_offset = out.size();
    out += directory;
    if (zip64_end) {
      const uint64_t end64 = out.size();
      Put32(out, 0x06064b50);
      Put64(out, 44);
      Put16(out, 45);
      Put16(out, 45);
      Put32(out, 0);
      Put32(out, 0);
      Put64(out, entries.size());
      Put64(out, entries.size());
      Put64(out, directory.size());
      Put64(out, directory_offset);
      Put32(out, 0x07064b50);
      Put32(out, 0);
      Put64(out, end64);
      Put32(out, 1);
    }
    Put32(out, 0x06054b50);
    Put16(out, 0);
    Put16(out, 0);
    Put16(out, zip64_end ? 0xFFFF : static_cast<uint16_t>(entries.size()));
    Put16(out, zip64_end ? 0xFFFF : static_cast<uint16_t>(entries.size()));
    Put32(out, zip64_end ? 0xFFFFFFFF : static_cast<uint32_t>(directory.size()));
    Put32(out, zip64_end ? 0xFFFFFFFF : static_cast<uint32_t>(directory_offset));
    Put16(out, static_cast<uint16_t>(comment.size()));
    out += comment;
    return out;
  }

  static void Put16(std::string& out, uint16_t v) {
    out.push_back(static_cast<char>(v & 0xFF));
    out.push_back(static_cast<char>(v >> 8));
  }
  static void Put32(std::string& out, uint32_t v) {
    Put16(out, static_cast<uint16_t>(v & 0xFFFF));
    Put16(out, static_cast<uint16_t>(v >> 16));
  }
  static void Put64(std::string& out, uint64_t v) {
    Put32(out, static_cast<uint32_t>(v & 0xFFFFFFFF));
    Put32(out, static_cast<uint32_t>(v >> 32));
  }
};

}  // namespace arrow_sus::testing
