// CRC-32 in two ways, picked at run time:
// - carry-less multiplication (PCLMULQDQ, x86-64): four 128-bit accumulators are folded forward
//   over 64 bytes per step, then reduced to 32 bits with a Barrett reduction (the method of Gopal
//   et al., "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ", Intel 2009), many
//   GB/s;
// - slice-by-8 tables everywhere else and for the short head/tail: eight 256-entry tables fold 8
//   input bytes per step with independent lookups.
#include "arrow_sus/crc32.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace arrow_sus {

namespace {

constexpr uint32_t kPolynomial = 0xEDB88320u;  // reflected 0x04C11DB7

using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables BuildTables() {
  Tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ ((c & 1) ? kPolynomial : 0);
    t[0][i] = c;
  }
  // t[k][i]: the CRC of byte i followed by k zero bytes.
  for (int k = 1; k < 8; ++k)
    for (uint32_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  return t;
}

constexpr Tables kTables = BuildTables();

// Works on the inverted CRC register `c` (as the polynomial division sees it).
uint32_t TableUpdate(uint32_t c, const uint8_t* p, size_t n) {
  while (n >= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;  // little-endian: the first four bytes hold the low-order CRC bits
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
  return c;
}

#if defined(__x86_64__)

// Constants of the method for the bit-reflected zlib polynomial P: powers of x modulo P that move
// an accumulator forward by 64 bytes, by 16 bytes, and from 128 to 64 bits; then P itself and the
// Barrett constant floor(x^64 / P) for the final 64 -> 32 bit reduction.
constexpr uint64_t kFold64[2] = {0x154442bd4ull, 0x1c6e41596ull};
constexpr uint64_t kFold16[2] = {0x1751997d0ull, 0x0ccaa009eull};
constexpr uint64_t kFold8 = 0x163cd6124ull;
constexpr uint64_t kBarrett[2] = {0x1db710641ull, 0x1f7011641ull};

__attribute__((target("pclmul,sse4.1"))) inline __m128i Fold(__m128i acc, __m128i k, __m128i next) {
  __m128i lo = _mm_clmulepi64_si128(acc, k, 0x00);
  __m128i hi = _mm_clmulepi64_si128(acc, k, 0x11);
  return _mm_xor_si128(_mm_xor_si128(lo, hi), next);
}

// `n` must be a multiple of 16 and at least 64; `c` is the inverted register.
__attribute__((target("pclmul,sse4.1"))) uint32_t ClmulUpdate(uint32_t c, const uint8_t* p,
                                                              size_t n) {
  auto load = [](const uint8_t* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
  __m128i a0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(c)));
  __m128i a1 = load(p + 16), a2 = load(p + 32), a3 = load(p + 48);
  p += 64;
  n -= 64;
  const __m128i k64 = _mm_set_epi64x(kFold64[1], kFold64[0]);
  for (; n >= 64; p += 64, n -= 64) {
    a0 = Fold(a0, k64, load(p));
    a1 = Fold(a1, k64, load(p + 16));
    a2 = Fold(a2, k64, load(p + 32));
    a3 = Fold(a3, k64, load(p + 48));
  }
  const __m128i k16 = _mm_set_epi64x(kFold16[1], kFold16[0]);
  __m128i acc = Fold(Fold(Fold(a0, k16, a1), k16, a2), k16, a3);
  for (; n >= 16; p += 16, n -= 16) acc = Fold(acc, k16, load(p));

  // 128 -> 64 bits, then 64 -> 32 bits.
  const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
  acc = _mm_xor_si128(_mm_srli_si128(acc, 8), _mm_clmulepi64_si128(acc, k16, 0x10));
  __m128i high = _mm_srli_si128(acc, 4);
  acc = _mm_clmulepi64_si128(_mm_and_si128(acc, low32),
                             _mm_set_epi64x(0, static_cast<int64_t>(kFold8)), 0x00);
  acc = _mm_xor_si128(acc, high);
  // Barrett reduction to the 32-bit remainder.
  const __m128i barrett = _mm_set_epi64x(kBarrett[1], kBarrett[0]);
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(acc, low32), barrett, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
  return static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(acc, t), 1));
}

bool HasClmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return has;
}

#endif

}  // namespace

uint32_t Crc32Update(uint32_t crc, std::span<const uint8_t> data) {
  const uint8_t* p = data.data();
  size_t n = data.size();
  uint32_t c = ~crc;
#if defined(__x86_64__)
  if (n >= 64 && HasClmul()) {
    size_t bulk = n & ~size_t{15};
    c = ClmulUpdate(c, p, bulk);
    p += bulk;
    n -= bulk;
  }
#endif
  return ~TableUpdate(c, p, n);
}

}  // namespace arrow_sus
