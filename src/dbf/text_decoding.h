// Decoding the bytes of text fields (Latin-1, CP850, Windows-1252 or UTF-8) into UTF-8, and
// encoding filter literals the other way.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf::internal {

class TextDecoder {
 public:
  explicit TextDecoder(Encoding encoding);

  Encoding encoding() const { return encoding_; }
  // Room Decode needs for `n` source bytes: the largest UTF-8 size plus 2 bytes of slack, because
  // Decode stores every character as 3 bytes and then advances by its real size.
  int64_t MaxDecodedSize(int64_t n) const { return n * max_bytes_per_char_ + 2; }

  // Writes the UTF-8 form of `src` at `dst` (which has room for MaxDecodedSize(n) bytes) and
  // returns the bytes written, or -1 when the source is not valid in its encoding (only UTF-8
  // sources can be invalid: every Latin-1 and CP850 byte is a character).
  int64_t Decode(const uint8_t* src, int64_t n, uint8_t* dst) const {
    if (encoding_ == Encoding::kUtf8) return CopyValidUtf8(src, n, dst);
    const Utf8Table& table = *table_;
    uint8_t* out = dst;
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t byte = src[i];
      if (byte < 0x80) {  // ASCII, by far the most common
        *out++ = byte;
        continue;
      }
      const Utf8Char& c = table[byte];
      out[0] = c.bytes[0];
      out[1] = c.bytes[1];
      out[2] = c.bytes[2];
      out += c.size;
    }
    return out - dst;
  }

  // The source-encoding bytes of a UTF-8 string, or nullopt when a character has no code there.
  std::optional<std::string> Encode(std::string_view utf8) const;

  // True when comparing encoded bytes orders strings like comparing their UTF-8 (Latin-1: byte
  // value = code point; UTF-8: by design). False for CP850 and Windows-1252.
  bool ByteOrderIsCodePointOrder() const {
    return encoding_ == Encoding::kLatin1 || encoding_ == Encoding::kUtf8;
  }

 private:
  static int64_t CopyValidUtf8(const uint8_t* src, int64_t n, uint8_t* dst);

  struct Utf8Char {
    uint8_t size;
    uint8_t bytes[3];
  };
  using Utf8Table = std::array<Utf8Char, 256>;
  // The UTF-8 of every byte of a single-byte encoding, built once per process and shared by all
  // decoders (one table per text column was 9% of reading a one-record, 113-column file).
  static const Utf8Table& TableFor(Encoding encoding);
  static Utf8Table BuildTable(Encoding encoding);

  Encoding encoding_;
  int max_bytes_per_char_;
  const Utf8Table* table_ = nullptr;  // Latin-1 and CP850 only
};

}  // namespace arrow_sus::dbf::internal
