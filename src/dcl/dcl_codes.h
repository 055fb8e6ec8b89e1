// The fixed Huffman codes of the DCL "implode" format, and the lookup tables built from them at
// compile time (shared by the decoder and the encoder).
//
// The format stores each code as a list of bit lengths; codes are canonical (shorter codes first,
// ties in symbol order), sent inverted and most significant bit first inside a bit stream that is
// otherwise read from the least significant bit of each byte. We turn each code into "stream
// patterns": the bits exactly as they appear at the bottom of the bit buffer, so that decoding is
// one table lookup on the next N buffered bits and encoding is one OR.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace arrow_sus::dcl {

inline constexpr int kMinMatch = 2;
inline constexpr int kMaxMatch = 518;
inline constexpr int kEndCode = 519;     // the length that ends the stream
inline constexpr int kMaxWindow = 4096;  // dictionary bits 6
inline constexpr int kLiteralBits = 13;  // longest literal code
inline constexpr int kLengthBits = 7;    // longest length code
inline constexpr int kDistanceBits = 8;  // longest distance code

// Length symbol s covers lengths kLengthBase[s] .. kLengthBase[s] + 2^kLengthExtra[s] - 1.
inline constexpr std::array<uint16_t, 16> kLengthBase = {3,  2,  4,  5,  6,  7,  8,   9,
                                                         10, 12, 16, 24, 40, 72, 136, 264};
inline constexpr std::array<uint8_t, 16> kLengthExtra = {0, 0, 0, 0, 0, 0, 0, 0,
                                                         1, 2, 3, 4, 5, 6, 7, 8};

template <size_t N>
struct FixedCode {
  std::array<uint8_t, N> length{};    // bits of each symbol's code
  std::array<uint16_t, N> pattern{};  // the code as it sits in the bit buffer (first bit = bit 0)
};

// `compact` is the format's run-length list: each byte holds a bit length in its low nibble and a
// repeat count minus one in its high nibble.
template <size_t N, size_t M>
constexpr FixedCode<N> BuildCode(const std::array<uint8_t, M>& compact) {
  FixedCode<N> code;
  size_t symbol = 0;
  for (uint8_t run : compact)
    for (int r = 0; r <= run >> 4; ++r) code.length[symbol++] = run & 15;
  if (symbol != N) throw "compact code lists the wrong number of symbols";

  std::array<int, 16> count{};
  for (uint8_t len : code.length) ++count[len];
  // Kraft sum == 1: every bit pattern decodes, which is why the decoder has no "invalid code".
  uint32_t kraft = 0;
  for (int len = 1; len < 16; ++len) kraft += static_cast<uint32_t>(count[len]) << (15 - len);
  if (kraft != (1u << 15)) throw "code is not complete";

  std::array<uint32_t, 16> next{};
  uint32_t canonical = 0;
  for (int len = 1; len < 16; ++len) {
    canonical = (canonical + count[len - 1]) << 1;
    next[len] = canonical;
  }
  next[0] = 0;
  for (size_t s = 0; s < N; ++s) {
    int len = code.length[s];
    uint32_t inverted = ~next[len]++ & ((1u << len) - 1);
    uint32_t reversed = 0;  // the most significant bit is sent first
    for (int i = 0; i < len; ++i) reversed |= ((inverted >> (len - 1 - i)) & 1u) << i;
    code.pattern[s] = static_cast<uint16_t>(reversed);
  }
  return code;
}

inline constexpr FixedCode<256> kLiteralCode = BuildCode<256>(std::array<uint8_t, 98>{
    11, 124, 8,   7,   28,  7,   188, 13, 76, 4,  10, 8,  12, 10, 12, 10, 8,  23, 8,  9,
    7,  6,   7,   8,   7,   6,   55,  8,  23, 24, 12, 11, 7,  9,  11, 12, 6,  7,  22, 5,
    7,  24,  6,   11,  9,   6,   7,   22, 7,  11, 38, 7,  9,  8,  25, 11, 8,  11, 9,  12,
    8,  12,  5,   38,  5,   38,  5,   11, 7,  5,  6,  21, 6,  10, 53, 8,  7,  24, 10, 27,
    44, 253, 253, 253, 252, 252, 252, 13, 12, 45, 12, 45, 12, 61, 12, 45, 44, 173});
inline constexpr FixedCode<16> kLengthCode =
    BuildCode<16>(std::array<uint8_t, 6>{2, 35, 36, 53, 38, 23});
inline constexpr FixedCode<64> kDistanceCode =
    BuildCode<64>(std::array<uint8_t, 7>{2, 20, 53, 230, 247, 151, 248});

// Decoding table for a code: entry i = (symbol << 4) | code length, for the next `Bits` buffered
// bits equal to i. Every entry is filled because the codes are complete.
template <int Bits, size_t N>
constexpr std::array<uint16_t, 1u << Bits> BuildDecodeTable(const FixedCode<N>& code) {
  std::array<uint16_t, 1u << Bits> table{};
  for (size_t s = 0; s < N; ++s) {
    int len = code.length[s];
    for (uint32_t high = 0; high < (1u << (Bits - len)); ++high)
      table[code.pattern[s] | (high << len)] = static_cast<uint16_t>((s << 4) | len);
  }
  return table;
}

inline constexpr auto kLiteralTable = BuildDecodeTable<kLiteralBits>(kLiteralCode);
inline constexpr auto kDistanceTable = BuildDecodeTable<kDistanceBits>(kDistanceCode);

// Length decoding in one lookup on the bits after the flag. Entry layout, chosen so that the
// decoder shifts the bit buffer once per length:
//   bits 0-4: flag + code + extra bits (all the bits the length takes)
//   bits 5-8: flag + code bits (where the extra bits start)
//   bits 9-16: mask of the extra bits
//   bits 17-26: base length
constexpr std::array<uint32_t, 1u << kLengthBits> BuildLengthTable() {
  std::array<uint32_t, 1u << kLengthBits> table{};
  auto symbols = BuildDecodeTable<kLengthBits>(kLengthCode);
  for (size_t i = 0; i < table.size(); ++i) {
    uint32_t s = symbols[i] >> 4;
    uint32_t head = 1 + (symbols[i] & 15);
    uint32_t extra = kLengthExtra[s];
    table[i] = (head + extra) | (head << 5) | (((1u << extra) - 1) << 9) |
               (uint32_t{kLengthBase[s]} << 17);
  }
  return table;
}
inline constexpr auto kLengthTable = BuildLengthTable();

}  // namespace arrow_sus::dcl
