#include "arrow_sus/crc32.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace arrow_sus {
namespace {

std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Bit-at-a-time reference implementation of the same polynomial.
uint32_t ReferenceCrc(std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? 0xEDB88320u : 0);
  }
  return ~c;
}

TEST(Crc32Test, KnownValues) {
  EXPECT_EQ(Crc32(AsBytes("")), 0u);
  EXPECT_EQ(Crc32(AsBytes("123456789")), 0xCBF43926u);
  EXPECT_EQ(Crc32(AsBytes("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32Test, MatchesReferenceAtEverySplit) {
  std::mt19937 rng(1);
  std::vector<uint8_t> data(5000);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  // Lengths around the 16- and 64-byte steps of the carry-less multiplication path.
  for (size_t len : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 79, 80, 127, 128, 129, 1000, 4999}) {
    std::span<const uint8_t> part(data.data(), len);
    uint32_t expected = ReferenceCrc(part);
    EXPECT_EQ(Crc32(part), expected) << len;
    for (size_t split = 0; split <= len; split += 1 + len / 50)
      EXPECT_EQ(Crc32Update(Crc32(part.first(split)), part.subspan(split)), expected);
  }
}

}  // namespace
}  // namespace arrow_sus
