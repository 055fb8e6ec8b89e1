#include "dbf/text_decoding.h"

#include <cstring>

#include <arrow/util/utf8.h>

namespace arrow_sus::dbf::internal {

namespace {

// Code points of CP850 bytes 0x80-0xFF (bytes below 0x80 are ASCII).
constexpr uint16_t kCp850High[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00F8, 0x00A3, 0x00D8, 0x00D7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x00AE, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x00C1, 0x00C2, 0x00C0, 0x00A9, 0x2563, 0x2551, 0x2557,
    0x255D, 0x00A2, 0x00A5, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x00E3, 0x00C3,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x00A4, 0x00F0, 0x00D0, 0x00CA, 0x00CB,
    0x00C8, 0x0131, 0x00CD, 0x00CE, 0x00CF, 0x2518, 0x250C, 0x2588, 0x2584, 0x00A6, 0x00CC, 0x2580,
    0x00D3, 0x00DF, 0x00D4, 0x00D2, 0x00F5, 0x00D5, 0x00B5, 0x00FE, 0x00DE, 0x00DA, 0x00DB, 0x00D9,
    0x00FD, 0x00DD, 0x00AF, 0x00B4, 0x00AD, 0x00B1, 0x2017, 0x00BE, 0x00B6, 0x00A7, 0x00F7, 0x00B8,
    0x00B0, 0x00A8, 0x00B7, 0x00B9, 0x00B3, 0x00B2, 0x25A0, 0x00A0,
};

// Code points of Windows-1252 bytes 0x80-0x9F (from 0xA0 on it is Latin-1). The five bytes the
// code page leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) stay the C1 controls Latin-1 gives
// them, so that every byte is still a character.
constexpr uint16_t kCp1252C1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

uint32_t CodePointOf(Encoding encoding, uint8_t byte) {
  if (byte < 0x80 || encoding == Encoding::kLatin1) return byte;
  if (encoding == Encoding::kCp1252) return byte < 0xA0 ? kCp1252C1[byte - 0x80] : byte;
  return kCp850High[byte - 0x80];
}

// Decodes one character of valid UTF-8 and advances past it.
uint32_t NextCodePoint(const uint8_t** p) {
  const uint8_t* s = *p;
  if (s[0] < 0x80) {
    *p += 1;
    return s[0];
  }
  if (s[0] < 0xE0) {
    *p += 2;
    return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
  }
  if (s[0] < 0xF0) {
    *p += 3;
    return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
  }
  *p += 4;
  return ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
}

}  // namespace

TextDecoder::TextDecoder(Encoding encoding) : encoding_(encoding) {
  arrow::util::InitializeUTF8();
  max_bytes_per_char_ = encoding == Encoding::kLatin1 ? 2 : (encoding == Encoding::kUtf8 ? 1 : 3);
  if (encoding != Encoding::kUtf8) table_ = &TableFor(encoding);
}

const TextDecoder::Utf8Table& TextDecoder::TableFor(Encoding encoding) {
  static const Utf8Table latin1 = BuildTable(Encoding::kLatin1);
  static const Utf8Table cp850 = BuildTable(Encoding::kCp850);
  static const Utf8Table cp1252 = BuildTable(Encoding::kCp1252);
  if (encoding == Encoding::kCp850) return cp850;
  return encoding == Encoding::kCp1252 ? cp1252 : latin1;
}

TextDecoder::Utf8Table TextDecoder::BuildTable(Encoding encoding) {
  Utf8Table table{};
  for (int b = 0; b < 256; ++b) {
    uint32_t cp = CodePointOf(encoding, static_cast<uint8_t>(b));
    Utf8Char& c = table[b];
    if (cp < 0x80) {
      c = {1, {static_cast<uint8_t>(cp), 0, 0}};
    } else if (cp < 0x800) {
      c = {2,
           {static_cast<uint8_t>(0xC0 | (cp >> 6)), static_cast<uint8_t>(0x80 | (cp & 0x3F)), 0}};
    } else {
      c = {
          3,
          {static_cast<uint8_t>(0xE0 | (cp >> 12)), static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)),
           static_cast<uint8_t>(0x80 | (cp & 0x3F))}};
    }
  }
  return table;
}

int64_t TextDecoder::CopyValidUtf8(const uint8_t* src, int64_t n, uint8_t* dst) {
  if (!arrow::util::ValidateUTF8(src, n)) return -1;
  std::memcpy(dst, src, static_cast<size_t>(n));
  return n;
}

std::optional<std::string> TextDecoder::Encode(std::string_view utf8) const {
  if (encoding_ == Encoding::kUtf8) return std::string(utf8);
  if (!arrow::util::ValidateUTF8(utf8)) return std::nullopt;
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
  const uint8_t* end = p + utf8.size();
  while (p < end) {
    uint32_t cp = NextCodePoint(&p);
    int found = -1;
    for (int b = 0; b < 256 && found < 0; ++b) {
      if (CodePointOf(encoding_, static_cast<uint8_t>(b)) == cp) found = b;
    }
    if (found < 0) return std::nullopt;
    out.push_back(static_cast<char>(found));
  }
  return out;
}

}  // namespace arrow_sus::dbf::internal
