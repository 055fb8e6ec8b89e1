// How the bytes of one DBF field are read as a value. Shared by the column converters and the
// filter, so that a filter sees exactly the value (or null) that the converted column holds.
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include <arrow/util/macros.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace arrow_sus::dbf::internal {

// Outcome of parsing a field: a value, a blank field (null, not counted), or bytes that are not a
// valid value (null, counted as invalid).
enum class Parsed : uint8_t { kValue, kBlank, kInvalid };

inline bool IsBlank(uint8_t byte) { return byte == ' ' || byte == 0; }

constexpr uint64_t kEightSpaces = 0x2020202020202020ULL;

// Length of the field once trailing blanks (spaces and NULs) are removed. Runs of spaces are
// skipped 8 bytes at a time (wide text fields are often mostly padding).
inline int32_t TrimmedLength(const uint8_t* data, int32_t width) {
  while (width >= 8) {
    uint64_t word;
    std::memcpy(&word, data + width - 8, 8);
    if (word != kEightSpaces) break;
    width -= 8;
  }
  while (width > 0 && IsBlank(data[width - 1])) --width;
  return width;
}

#if defined(__SSE2__)
// Bit k set when byte k of the 16 bytes at `p` is not blank (neither a space nor NUL). One load
// and two compares instead of a byte loop whose exit mispredicts on every field.
inline uint32_t NonBlankMask16(__m128i bytes) {
  const __m128i blank = _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
                                     _mm_cmpeq_epi8(bytes, _mm_setzero_si128()));
  return ~static_cast<uint32_t>(_mm_movemask_epi8(blank)) & 0xFFFFu;
}
#endif

// First byte that is not a leading blank (numbers are right-aligned behind runs of spaces).
inline const uint8_t* SkipLeadingBlanks(const uint8_t* p, const uint8_t* end) {
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (word != kEightSpaces) break;
    p += 8;
  }
  while (p < end && IsBlank(*p)) ++p;
  return p;
}

// The field without leading and trailing blanks.
inline std::string_view TrimBoth(const uint8_t* data, int32_t width) {
  int32_t end = TrimmedLength(data, width);
  int32_t begin = 0;
  while (begin < end && IsBlank(data[begin])) ++begin;
  return {reinterpret_cast<const char*>(data) + begin, static_cast<size_t>(end - begin)};
}

// A number written in decimal: digits with an optional sign and decimal point, e.g. "  -12.50".
// `mantissa` holds the digits without the point; `scale` counts the digits after it.
template <typename UInt>
struct DecimalText {
  UInt mantissa = 0;
  int32_t scale = 0;
  bool negative = false;
};

// Parses right- or left-aligned decimal text. Fails (kInvalid) on anything else, on more than
// `max_digits` significant digits, and on exponents (handled by ParseDouble's slow path).
template <typename UInt>
inline Parsed ParseDecimalText(const uint8_t* data, int32_t width, int max_digits,
                               DecimalText<UInt>* out) {
  const uint8_t* end = data + width;
  const uint8_t* p = SkipLeadingBlanks(data, end);
  while (end > p && IsBlank(end[-1])) --end;
  if (p == end) return Parsed::kBlank;
  out->negative = *p == '-';
  if (*p == '-' || *p == '+') ++p;
  const uint8_t* first_digit = p;
  const uint8_t* point = nullptr;
  UInt mantissa = 0;
  int significant = 0;
  for (; p < end; ++p) {
    const unsigned digit = static_cast<unsigned>(*p) - '0';
    if (digit < 10) {
      mantissa = mantissa * 10 + digit;
      significant += mantissa != 0;
      if (ARROW_PREDICT_FALSE(significant > max_digits)) return Parsed::kInvalid;
    } else if (*p == '.' && point == nullptr) {
      point = p;
    } else {
      return Parsed::kInvalid;
    }
  }
  const int64_t digit_count = (end - first_digit) - (point != nullptr);
  if (digit_count == 0) return Parsed::kInvalid;  // "-", ".", "-."
  out->mantissa = mantissa;
  out->scale = point == nullptr ? 0 : static_cast<int32_t>(end - point - 1);
  return Parsed::kValue;
}

// Integer fields (N without decimals). A decimal point is accepted only with zeros after it.
inline Parsed ParseInteger(const uint8_t* data, int32_t width, int64_t* out) {
  DecimalText<uint64_t> text;
  Parsed parsed = ParseDecimalText(data, width, 18, &text);
  if (parsed != Parsed::kValue) return parsed;
  for (; text.scale > 0; --text.scale) {
    if (text.mantissa % 10 != 0) return Parsed::kInvalid;
    text.mantissa /= 10;
  }
  int64_t value = static_cast<int64_t>(text.mantissa);
  *out = text.negative ? -value : value;
  return Parsed::kValue;
}

// Exact decimals: the unscaled value at `scale` digits after the point, which must have at most
// `precision` digits (precision <= 38).
inline Parsed ParseScaled(const uint8_t* data, int32_t width, int32_t scale, int32_t precision,
                          __int128* out) {
  DecimalText<unsigned __int128> text;
  Parsed parsed = ParseDecimalText(data, width, precision, &text);
  if (parsed != Parsed::kValue) return parsed;
  // Zeros beyond the declared decimals are harmless ("12.0" in an integer field); other digits are
  // not.
  for (; text.scale > scale && text.mantissa % 10 == 0; --text.scale) text.mantissa /= 10;
  if (text.scale > scale) return Parsed::kInvalid;
  unsigned __int128 limit = 1;  // 10^precision
  for (int32_t i = 0; i < precision; ++i) limit *= 10;
  unsigned __int128 value = text.mantissa;
  // value < 10^38 before each step, so multiplying by 10 cannot overflow 128 bits.
  for (int32_t s = text.scale; s < scale && value < limit; ++s) value *= 10;
  if (value >= limit) return Parsed::kInvalid;
  *out = text.negative ? -static_cast<__int128>(value) : static_cast<__int128>(value);
  return Parsed::kValue;
}

// What ParseDouble's fast path does not take: exponents, more than 15 significant digits, and
// anything that is not a number. Out of line, so that the fast path inlines into the converter.
ARROW_NOINLINE inline Parsed ParseDoubleGeneral(const uint8_t* data, int32_t width, double* out) {
  std::string_view trimmed = TrimBoth(data, width);
  // from_chars would also take "inf" and "nan": only digits, signs, points and exponents are
  // numbers.
  if (trimmed.find_first_not_of("0123456789+-.eE") != std::string_view::npos)
    return Parsed::kInvalid;
  if (!trimmed.empty() && trimmed[0] == '+') {
    trimmed.remove_prefix(1);  // from_chars takes '-' but not '+'
    if (!trimmed.empty() && (trimmed[0] == '-' || trimmed[0] == '+')) return Parsed::kInvalid;
  }
  const char* end = trimmed.data() + trimmed.size();
  auto [ptr, ec] = std::from_chars(trimmed.data(), end, *out);
  if (ec != std::errc() || ptr != end) return Parsed::kInvalid;
  return Parsed::kValue;
}

// Floating-point fields. Plain decimal text with at most 15 significant digits is converted with
// one exact division (mantissa and power of ten are both exact doubles, so the result is correctly
// rounded, as strtod would); anything else goes through std::from_chars.
inline Parsed ParseDouble(const uint8_t* data, int32_t width, double* out) {
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  DecimalText<uint64_t> text;
  Parsed parsed = ParseDecimalText(data, width, 15, &text);
  if (parsed == Parsed::kValue && text.scale <= 22) {
    double value = static_cast<double>(text.mantissa) / kPowersOfTen[text.scale];
    *out = text.negative ? -value : value;
    return Parsed::kValue;
  }
  if (parsed == Parsed::kBlank) return parsed;
  return ParseDoubleGeneral(data, width, out);
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr int32_t DaysFromCivil(int32_t y, int32_t m, int32_t d) {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const int32_t yoe = y - era * 400;
  const int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

inline bool IsLeapYear(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// The first day of each month of 1900-2155 (and the day after the last), in days since 1970-01-01,
// built at compile time: a date of those years is a table lookup, not calendar arithmetic.
struct MonthStarts {
  static constexpr int32_t kFirstYear = 1900;
  static constexpr int32_t kYears = 256;
  int32_t days[kYears * 12 + 1];
};

constexpr MonthStarts MakeMonthStarts() {
  MonthStarts table{};
  for (int32_t k = 0; k <= MonthStarts::kYears * 12; ++k) {
    table.days[k] = DaysFromCivil(MonthStarts::kFirstYear + k / 12, k % 12 + 1, 1);
  }
  return table;
}

inline constexpr MonthStarts kMonthStarts = MakeMonthStarts();

// ParseYmd for any field: trims it, then checks every digit, month and day.
ARROW_NOINLINE inline Parsed ParseYmdGeneral(const uint8_t* data, int32_t width, int32_t* days) {
  std::string_view text = TrimBoth(data, width);
  if (text.empty() || text.find_first_not_of('0') == std::string_view::npos) return Parsed::kBlank;
  if (text.size() != 8) return Parsed::kInvalid;
  int32_t v[8];
  for (int i = 0; i < 8; ++i) {
    if (text[i] < '0' || text[i] > '9') return Parsed::kInvalid;
    v[i] = text[i] - '0';
  }
  int32_t year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
  int32_t month = v[4] * 10 + v[5];
  int32_t day = v[6] * 10 + v[7];
  static constexpr int32_t kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || month < 1 || month > 12 || day < 1) return Parsed::kInvalid;
  int32_t month_days = kDaysInMonth[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);
  if (day > month_days) return Parsed::kInvalid;
  *days = DaysFromCivil(year, month, day);
  return Parsed::kValue;
}

// Parses 8 digits "YYYYMMDD". Blank, and all zeros (how many systems write "no date"), are blank.
// Small enough to inline into the converter's loop; what the fast path does not take goes to
// ParseYmdGeneral.
inline Parsed ParseYmd(const uint8_t* data, int32_t width, int32_t* days) {
  if constexpr (std::endian::native == std::endian::little) {
    // Fast path: eight digits, read as one word, of a year in the table.
    constexpr uint64_t kZeros = 0x3030303030303030ULL;
    constexpr uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0ULL;
    uint64_t word = 0;
    if (width == 8) std::memcpy(&word, data, 8);
    // Every byte '0'-'9': high nibble 3, and adding 6 does not carry into it.
    const bool digits_only = width == 8 && (word & kHighNibbles) == kZeros &&
                             ((word + 0x0606060606060606ULL) & kHighNibbles) == kZeros;
    if (digits_only) {
      if (word == kZeros) return Parsed::kBlank;
      const uint64_t digits = word - kZeros;
      // Byte 2k of `pairs` is the two-digit number of digits 2k and 2k+1 (no byte carries: <= 99).
      const uint64_t pairs = digits * 10 + (digits >> 8);
      const auto pair = [pairs](int k) { return static_cast<int32_t>((pairs >> (16 * k)) & 0xFF); };
      const uint32_t year =
          static_cast<uint32_t>(pair(0) * 100 + pair(1) - MonthStarts::kFirstYear);
      const uint32_t month = static_cast<uint32_t>(pair(2) - 1);
      if (year < MonthStarts::kYears && month < 12) {
        const int32_t* first = &kMonthStarts.days[year * 12 + month];
        const uint32_t day = static_cast<uint32_t>(pair(3) - 1);
        if (day >= static_cast<uint32_t>(first[1] - first[0])) return Parsed::kInvalid;
        *days = first[0] + static_cast<int32_t>(day);
        return Parsed::kValue;
      }
      // Other years, and months out of range: the general path decides.
    }
  }
  return ParseYmdGeneral(data, width, days);
}

// L fields: T/t/Y/y true, F/f/N/n false, blank or '?' unknown (null).
inline Parsed ParseLogical(const uint8_t* data, int32_t width, bool* out) {
  std::string_view text = TrimBoth(data, width);
  if (text.empty() || text == "?") return Parsed::kBlank;
  if (text.size() != 1) return Parsed::kInvalid;
  switch (text[0]) {
    case 'T':
    case 't':
    case 'Y':
    case 'y':
      *out = true;
      return Parsed::kValue;
    case 'F':
    case 'f':
    case 'N':
    case 'n':
      *out = false;
      return Parsed::kValue;
    default:
      return Parsed::kInvalid;
  }
}

}  // namespace arrow_sus::dbf::internal
