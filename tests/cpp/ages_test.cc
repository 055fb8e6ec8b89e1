// Coded ages (scan/ages.h): decoding every documented unit and edge code, and the raw-code ranges a
// condition on the age in years becomes.
#include "arrow_sus/scan/ages.h"

#include <gtest/gtest.h>

namespace arrow_sus::scan {
namespace {

using catalog::AgeEncoding;

struct Case {
  AgeEncoding encoding;
  int32_t unit;
  int32_t value;
  std::optional<AgeUnit> expected_unit;
  int32_t expected_value;
  double expected_years;
};

TEST(Ages, DecodesEveryUnitAndEdgeCode) {
  const Case cases[] = {
      // SIM: 0 minutes, 1 hours, 2 days, 3 months, 4 years, 5 past 100; 9 (999) unknown.
      {AgeEncoding::kSim, 0, 0, AgeUnit::kMinutes, 0, 0.0},
      {AgeEncoding::kSim, 0, 30, AgeUnit::kMinutes, 30, 30 / 525960.0},
      {AgeEncoding::kSim, 1, 12, AgeUnit::kHours, 12, 12 / 8766.0},
      {AgeEncoding::kSim, 2, 29, AgeUnit::kDays, 29, 29 / 365.25},
      {AgeEncoding::kSim, 3, 7, AgeUnit::kMonths, 7, 7 / 12.0},
      {AgeEncoding::kSim, 4, 62, AgeUnit::kYears, 62, 62.0},
      {AgeEncoding::kSim, 5, 3, AgeUnit::kYears, 103, 103.0},
      {AgeEncoding::kSim, 9, 99, std::nullopt, 0, 0},
      // SIH: COD_IDADE 2 days, 3 months, 4 years, 5 past 100; 0 not informed.
      {AgeEncoding::kSih, 4, 60, AgeUnit::kYears, 60, 60.0},
      {AgeEncoding::kSih, 5, 2, AgeUnit::kYears, 102, 102.0},
      {AgeEncoding::kSih, 3, 11, AgeUnit::kMonths, 11, 11 / 12.0},
      {AgeEncoding::kSih, 0, 40, std::nullopt, 0, 0},
      // SINAN: 1 hours, 2 days, 3 months, 4 years, a 3-digit value.
      {AgeEncoding::kSinan, 4, 16, AgeUnit::kYears, 16, 16.0},
      {AgeEncoding::kSinan, 1, 5, AgeUnit::kHours, 5, 5 / 8766.0},
      {AgeEncoding::kSinan, 5, 1, std::nullopt, 0, 0},
  };
  for (const Case& c : cases) {
    auto age = DecodeAge(c.encoding, c.unit, c.value);
    ASSERT_EQ(age.has_value(), c.expected_unit.has_value()) << c.unit << " " << c.value;
    if (!age) continue;
    EXPECT_EQ(age->unit, *c.expected_unit);
    EXPECT_EQ(age->value, c.expected_value);
    EXPECT_DOUBLE_EQ(age->years, c.expected_years);
  }
}

TEST(Ages, SplitsRawCodes) {
  int32_t unit = -1, value = -1;
  ASSERT_TRUE(SplitAgeCode(AgeEncoding::kSim, "462", "", &unit, &value));
  EXPECT_EQ(unit, 4);
  EXPECT_EQ(value, 62);
  ASSERT_TRUE(SplitAgeCode(AgeEncoding::kSinan, "4016", "", &unit, &value));
  EXPECT_EQ(unit, 4);
  EXPECT_EQ(value, 16);
  ASSERT_TRUE(SplitAgeCode(AgeEncoding::kSih, " 7", "3", &unit, &value));
  EXPECT_EQ(unit, 3);
  EXPECT_EQ(value, 7);
  EXPECT_FALSE(SplitAgeCode(AgeEncoding::kSim, "4x2", "", &unit, &value));
  EXPECT_FALSE(SplitAgeCode(AgeEncoding::kSih, "7", "", &unit, &value));
}

TEST(Ages, YearConditionsBecomeRawRanges) {
  const AgeFields sim = AgeFieldsFor(AgeEncoding::kSim, "IDADE", "");
  EXPECT_EQ(AgeYearsPredicate(AgeEncoding::kSim, sim, [](double y) { return y >= 60; }).ToString(),
            "(IDADE >= '460' and IDADE <= '599')");  // years 60-99, then 100-199
  const AgeFields sih = AgeFieldsFor(AgeEncoding::kSih, "IDADE", "COD_IDADE");
  EXPECT_EQ(AgeYearsPredicate(AgeEncoding::kSih, sih, [](double y) { return y < 1; }).ToString(),
            "((COD_IDADE = '2' and (IDADE >= 0 and IDADE <= 365)) or (COD_IDADE = '3' and "
            "(IDADE >= 0 and IDADE <= 11)) or (COD_IDADE = '4' and IDADE = 0))");
  // Nothing matches: an empty OR, which is never true.
  EXPECT_EQ(
      AgeYearsPredicate(AgeEncoding::kSinan, AgeFieldsFor(AgeEncoding::kSinan, "NU_IDADE_N", ""),
                        [](double y) { return y > 5000; })
          .children.size(),
      0u);
}

}  // namespace
}  // namespace arrow_sus::scan
