// Coded ages: each system writes an age as a unit and a value, each its own way (the encodings are
// in data/dictionary and docs/labels.md, "Ages"):
//
//   SIM IDADE        3 digits, the unit then the value: 0 minutes, 1 hours, 2 days, 3 months,
//                    4 years, 5 years past 100 (value + 100); 999 unknown.
//   SIH IDADE        the value, with the unit in COD_IDADE: 2 days, 3 months, 4 years, 5 years
//                    past 100 (IDADE + 100); 0 not informed. SIA APAC files use the same pair.
//   SINAN NU_IDADE_N 4 digits, the unit then a 3-digit value: 1 hours, 2 days, 3 months, 4 years.
//
// A decoded age is its unit, its value and the age in years, exact for every unit (hours / 8766,
// days / 365.25, months / 12). A condition on the age in years is also translated into ranges of
// the raw codes, so that `IDADE_ANOS >= 60` is evaluated on the bytes like any other filter: the
// ranges come from decoding every possible code, so the two ways agree by construction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_sus/catalog/dictionary.h"
#include "arrow_sus/dbf/filter.h"

namespace arrow_sus::scan {

enum class AgeUnit : uint8_t { kMinutes, kHours, kDays, kMonths, kYears };

// "minutos", "horas", "dias", "meses", "anos" (as DATASUS names them).
std::string_view AgeUnitName(AgeUnit unit);

struct Age {
  AgeUnit unit;
  int32_t value;  // in `unit` (years past 100 already added)
  double years;
};

// Decodes an age from its unit code and value; nullopt for unknown or impossible codes.
std::optional<Age> DecodeAge(catalog::AgeEncoding encoding, int32_t unit_code, int32_t value);

// How the raw fields of an encoding are laid out.
struct AgeFields {
  std::string value;  // the field holding the value (or unit and value together)
  std::string unit;   // the field holding the unit code; empty when `value` holds both
};

// The fields of `encoding` for the age field `field`, whose unit (SIH encoding) is in `unit_field`
// (IDADE with COD_IDADE; AP_NUIDADE with AP_COIDADE in SIA APAC files).
AgeFields AgeFieldsFor(catalog::AgeEncoding encoding, std::string_view field,
                       std::string_view unit_field);

// How `fields` write an age, for messages: "unit digit then value: 307 is 7 months, 462 is 62
// years".
std::string AgeCodingText(catalog::AgeEncoding encoding, const AgeFields& fields);

// Splits a raw code into unit code and value: SIM "462" -> (4, 62), SINAN 4016 -> (4, 16); for
// encodings with a separate unit field, `unit_text` is that field's value. False when the text is
// not a number.
bool SplitAgeCode(catalog::AgeEncoding encoding, std::string_view value_text,
                  std::string_view unit_text, int32_t* unit_code, int32_t* value);

// The raw predicate over `fields` selecting exactly the codes whose age in years satisfies `keep`.
// Literals: SIM's code is text (3 characters), SIH's value a number and its unit text, SINAN's
// code a number (the reader parses text literals for numeric fields and the other way round).
dbf::Predicate AgeYearsPredicate(catalog::AgeEncoding encoding, const AgeFields& fields,
                                 const std::function<bool(double years)>& keep);

}  // namespace arrow_sus::scan
