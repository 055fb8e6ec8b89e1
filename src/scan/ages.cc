#include "arrow_sus/scan/ages.h"

#include <charconv>
#include <cstdio>
#include <span>

namespace arrow_sus::scan {

namespace {

using catalog::AgeEncoding;

struct UnitRule {
  AgeUnit unit;
  int32_t offset;  // added to the value (years past 100)
};

struct UnitCode {
  int32_t code;
  UnitRule rule;
};

// The unit codes of each encoding, as the documents give them (docs/labels.md, "Ages").
constexpr UnitCode kSimUnits[] = {{0, {AgeUnit::kMinutes, 0}}, {1, {AgeUnit::kHours, 0}},
                                  {2, {AgeUnit::kDays, 0}},    {3, {AgeUnit::kMonths, 0}},
                                  {4, {AgeUnit::kYears, 0}},   {5, {AgeUnit::kYears, 100}}};
constexpr UnitCode kSihUnits[] = {{2, {AgeUnit::kDays, 0}},
                                  {3, {AgeUnit::kMonths, 0}},
                                  {4, {AgeUnit::kYears, 0}},
                                  {5, {AgeUnit::kYears, 100}}};
constexpr UnitCode kSinanUnits[] = {{1, {AgeUnit::kHours, 0}},
                                    {2, {AgeUnit::kDays, 0}},
                                    {3, {AgeUnit::kMonths, 0}},
                                    {4, {AgeUnit::kYears, 0}}};

std::span<const UnitCode> UnitsOf(AgeEncoding encoding) {
  switch (encoding) {
    case AgeEncoding::kSim:
      return kSimUnits;
    case AgeEncoding::kSih:
      return kSihUnits;
    case AgeEncoding::kSinan:
      return kSinanUnits;
    case AgeEncoding::kNone:
      break;
  }
  return {};
}

// The unit a code stands for in an encoding; nullopt for unknown and invalid codes.
std::optional<UnitRule> RuleFor(AgeEncoding encoding, int32_t code) {
  for (const UnitCode& unit : UnitsOf(encoding)) {
    if (unit.code == code) return unit.rule;
  }
  return std::nullopt;
}

// The largest value an encoding's value part holds (its digits).
int32_t MaxValue(AgeEncoding encoding) { return encoding == AgeEncoding::kSim ? 99 : 999; }

double YearsOf(AgeUnit unit, int32_t value) {
  switch (unit) {
    case AgeUnit::kMinutes:
      return value / (60.0 * 24.0 * 365.25);
    case AgeUnit::kHours:
      return value / (24.0 * 365.25);
    case AgeUnit::kDays:
      return value / 365.25;
    case AgeUnit::kMonths:
      return value / 12.0;
    case AgeUnit::kYears:
      break;
  }
  return value;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\0')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
  return text;
}

bool ParseInt(std::string_view text, int32_t* out) {
  text = Trim(text);
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size() && *out >= 0;
}

// Consecutive runs of the integers for which `keep` holds, in [0, count).
std::vector<std::pair<int32_t, int32_t>> Runs(int32_t count,
                                              const std::function<bool(int32_t)>& keep) {
  std::vector<std::pair<int32_t, int32_t>> runs;
  for (int32_t i = 0; i < count; ++i) {
    if (!keep(i)) continue;
    if (!runs.empty() && runs.back().second == i - 1) {
      runs.back().second = i;
    } else {
      runs.emplace_back(i, i);
    }
  }
  return runs;
}

// The alternatives as one predicate (an empty OR is never true).
dbf::Predicate AnyOf(std::vector<dbf::Predicate> alternatives) {
  if (alternatives.size() == 1) return std::move(alternatives.front());
  return dbf::Predicate::Or(std::move(alternatives));
}

// `field` within [first, last]: one comparison when they are equal, else a pair.
dbf::Predicate Within(const std::string& field, dbf::Literal first, dbf::Literal last) {
  using dbf::CompareOp;
  using dbf::Predicate;
  if (first == last) return Predicate::Compare(field, CompareOp::kEqual, {std::move(first)});
  return Predicate::And({Predicate::Compare(field, CompareOp::kGreaterEqual, {std::move(first)}),
                         Predicate::Compare(field, CompareOp::kLessEqual, {std::move(last)})});
}

std::string ThreeDigits(int32_t code) {
  char text[8];
  std::snprintf(text, sizeof(text), "%03d", code);
  return text;
}

}  // namespace

std::string_view AgeUnitName(AgeUnit unit) {
  switch (unit) {
    case AgeUnit::kMinutes:
      return "minutos";
    case AgeUnit::kHours:
      return "horas";
    case AgeUnit::kDays:
      return "dias";
    case AgeUnit::kMonths:
      return "meses";
    case AgeUnit::kYears:
      break;
  }
  return "anos";
}

std::optional<Age> DecodeAge(AgeEncoding encoding, int32_t unit_code, int32_t value) {
  std::optional<UnitRule> rule = RuleFor(encoding, unit_code);
  if (!rule || value < 0 || value > MaxValue(encoding)) return std::nullopt;
  const int32_t in_unit = value + rule->offset;
  return Age{rule->unit, in_unit, YearsOf(rule->unit, in_unit)};
}

AgeFields AgeFieldsFor(AgeEncoding encoding, std::string_view field, std::string_view unit_field) {
  if (encoding == AgeEncoding::kSih) return {std::string(field), std::string(unit_field)};
  return {std::string(field), ""};
}

std::string AgeCodingText(AgeEncoding encoding, const AgeFields& fields) {
  switch (encoding) {
    case AgeEncoding::kSim:
      return "unit digit then value: 307 is 7 months, 462 is 62 years, 501 is 101 years";
    case AgeEncoding::kSih:
      return "a number in the unit " + fields.unit +
             " gives: 2 days, 3 months, 4 years, 5 over 100";
    case AgeEncoding::kSinan:
      return "unit digit then 3 digits: 3006 is 6 months, 4016 is 16 years";
    case AgeEncoding::kNone:
      break;
  }
  return "a coded age";
}

bool SplitAgeCode(AgeEncoding encoding, std::string_view value_text, std::string_view unit_text,
                  int32_t* unit_code, int32_t* value) {
  if (encoding == AgeEncoding::kSih) {
    return ParseInt(unit_text, unit_code) && ParseInt(value_text, value);
  }
  int32_t code = 0;
  if (!ParseInt(value_text, &code)) return false;
  const int32_t base = encoding == AgeEncoding::kSim ? 100 : 1000;
  *unit_code = code / base;
  *value = code % base;
  return *unit_code < 10;
}

dbf::Predicate AgeYearsPredicate(AgeEncoding encoding, const AgeFields& fields,
                                 const std::function<bool(double years)>& keep) {
  auto kept = [&](int32_t unit_code, int32_t value) {
    std::optional<Age> age = DecodeAge(encoding, unit_code, value);
    return age.has_value() && keep(age->years);
  };
  std::vector<dbf::Predicate> alternatives;
  if (encoding == AgeEncoding::kSih) {
    for (int32_t unit = 0; unit <= 9; ++unit) {
      std::vector<dbf::Predicate> ranges;
      for (auto [a, b] : Runs(MaxValue(encoding) + 1, [&](int32_t v) { return kept(unit, v); })) {
        ranges.push_back(Within(fields.value, int64_t{a}, int64_t{b}));
      }
      if (ranges.empty()) continue;
      alternatives.push_back(dbf::Predicate::And(
          {dbf::Predicate::Compare(fields.unit, dbf::CompareOp::kEqual, {std::to_string(unit)}),
           ranges.size() == 1 ? std::move(ranges.front())
                              : dbf::Predicate::Or(std::move(ranges))}));
    }
    return AnyOf(std::move(alternatives));
  }
  const int32_t base = encoding == AgeEncoding::kSim ? 100 : 1000;
  for (auto [a, b] :
       Runs(10 * base, [&](int32_t code) { return kept(code / base, code % base); })) {
    // SIM stores its code as 3 characters of text, SINAN as a number.
    if (encoding == AgeEncoding::kSim) {
      alternatives.push_back(Within(fields.value, ThreeDigits(a), ThreeDigits(b)));
    } else {
      alternatives.push_back(Within(fields.value, int64_t{a}, int64_t{b}));
    }
  }
  return AnyOf(std::move(alternatives));
}

}  // namespace arrow_sus::scan
