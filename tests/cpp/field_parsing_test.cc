// The date parser's table-driven fast path against its general path and an independent calendar.
#include "dbf/field_parsing.h"

#include <chrono>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

namespace arrow_sus::dbf::internal {
namespace {

Parsed Fast(const std::string& text, int32_t* days) {
  return ParseYmd(reinterpret_cast<const uint8_t*>(text.data()), static_cast<int32_t>(text.size()),
                  days);
}

Parsed General(const std::string& text, int32_t* days) {
  return ParseYmdGeneral(reinterpret_cast<const uint8_t*>(text.data()),
                         static_cast<int32_t>(text.size()), days);
}

std::string Ymd(int year, unsigned month, unsigned day) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02u%02u", year, month, day);
  return text;
}

TEST(ParseYmdTest, EveryDayOfTheTableAndAroundItMatchesTheCalendar) {
  using std::chrono::sys_days;
  const sys_days first{std::chrono::year{1899} / 1 / 1};
  const sys_days last{std::chrono::year{2157} / 12 / 31};
  for (sys_days d = first; d <= last; d += std::chrono::days{1}) {
    const std::chrono::year_month_day ymd{d};
    const std::string text = Ymd(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                 static_cast<unsigned>(ymd.day()));
    int32_t days = -1;
    ASSERT_EQ(Fast(text, &days), Parsed::kValue) << text;
    ASSERT_EQ(days, d.time_since_epoch().count()) << text;
  }
}

TEST(ParseYmdTest, FastAndGeneralPathsAgreeOnEveryMonthAndDayNumber) {
  // Days 00-39 of months 00-19 in leap, common and century years, inside and outside the table.
  for (int year : {1, 1582, 1899, 1900, 1904, 1999, 2000, 2023, 2024, 2100, 2155, 2156, 9999}) {
    for (unsigned month = 0; month < 20; ++month) {
      for (unsigned day = 0; day < 40; ++day) {
        const std::string text = Ymd(year, month, day);
        int32_t fast = -1, general = -1;
        ASSERT_EQ(Fast(text, &fast), General(text, &general)) << text;
        ASSERT_EQ(fast, general) << text;
      }
    }
  }
}

TEST(ParseYmdTest, BlankZerosAndNonDigits) {
  int32_t days = 0;
  EXPECT_EQ(Fast("        ", &days), Parsed::kBlank);
  EXPECT_EQ(Fast("00000000", &days), Parsed::kBlank);
  EXPECT_EQ(Fast(std::string(8, '\0'), &days), Parsed::kBlank);
  EXPECT_EQ(Fast("00000101", &days), Parsed::kInvalid);  // year 0
  // Bytes next to the digits in ASCII, which a sloppy nibble test would take for digits.
  for (char c : {'/', ':', '*', '?', '\x7f', '\xb0', '\xb9'}) {
    std::string text = "20240115";
    for (size_t i = 0; i < text.size(); ++i) {
      std::string bad = text;
      bad[i] = c;
      EXPECT_EQ(Fast(bad, &days), Parsed::kInvalid) << bad;
    }
  }
  EXPECT_EQ(Fast("2024011 ", &days), Parsed::kInvalid);
  EXPECT_EQ(Fast(" 20240115", &days), Parsed::kValue);  // trimmed by the general path
  EXPECT_EQ(Fast("20240229", &days), Parsed::kValue);
  EXPECT_EQ(Fast("20230229", &days), Parsed::kInvalid);
  EXPECT_EQ(Fast("21000229", &days), Parsed::kInvalid);
}

}  // namespace
}  // namespace arrow_sus::dbf::internal
