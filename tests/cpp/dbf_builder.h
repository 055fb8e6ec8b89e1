// Writes small DBF files in memory for the reader tests, including the quirks of real DATASUS
// files.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace arrow_sus::testing {

struct TestField {
  std::string name;
  char type;
  int width;
  int decimals = 0;
};

struct DbfBuilder {
  std::vector<TestField> fields;
  // Each record: one string per field, padded (C left-aligned, others right-aligned) to the width.
  std::vector<std::vector<std::string>> records;
  std::vector<bool> deleted;  // per record; missing = live
  uint8_t terminator = 0x0D;  // 0x00 in CNES-ST files since 2022
  int padding_after_terminator = 0;
  bool eof_marker = true;
  int64_t header_record_count = -1;  // -1 = records.size()
  uint8_t year_byte = 124;

  int RecordLength() const {
    int record_length = 1;
    for (const auto& f : fields) record_length += f.width;
    return record_length;
  }
  int HeaderLength() const {
    return 32 + 32 * static_cast<int>(fields.size()) + 1 + padding_after_terminator;
  }

  std::vector<uint8_t> Build() const {
    const int record_length = RecordLength();
    const int header_length = HeaderLength();
    std::vector<uint8_t> out(header_length, 0);
    out[0] = 0x03;
    out[1] = year_byte;
    out[2] = 5;
    out[3] = 17;
    const uint32_t count = header_record_count < 0 ? static_cast<uint32_t>(records.size())
                                                   : static_cast<uint32_t>(header_record_count);
    std::memcpy(&out[4], &count, 4);
    out[8] = header_length & 0xFF;
    out[9] = header_length >> 8;
    out[10] = record_length & 0xFF;
    out[11] = record_length >> 8;
    for (size_t i = 0; i < fields.size(); ++i) {
      uint8_t* d = &out[32 + 32 * i];
      std::memcpy(d, fields[i].name.data(), std::min<size_t>(fields[i].name.size(), 10));
      d[11] = static_cast<uint8_t>(fields[i].type);
      d[12] = 0xDE;  // garbage "field address", as in some real files
      d[13] = 0xAD;
      d[16] = static_cast<uint8_t>(fields[i].width);
      d[17] = static_cast<uint8_t>(fields[i].decimals);
    }
    out[32 + 32 * fields.size()] = terminator;
    for (size_t r = 0; r < records.size(); ++r) {
      out.push_back(r < deleted.size() && deleted[r] ? '*' : ' ');
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string v = records[r][i];
        v.resize(std::min<size_t>(v.size(), fields[i].width));
        std::string pad(fields[i].width - v.size(), ' ');
        std::string cell = fields[i].type == 'C' ? v + pad : pad + v;
        out.insert(out.end(), cell.begin(), cell.end());
      }
    }
    if (eof_marker) out.push_back(0x1A);
    return out;
  }
};

}  // namespace arrow_sus::testing
