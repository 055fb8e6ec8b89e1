// The data dictionaries: what each column of each dataset means, per period, and its code lists.
//
// tools/gen_catalog.py compiles data/dictionary/*.json (format: docs/labels.md) into static tables,
// like the rest of the catalog. Every entry carries its source (an official document and pages)
// and whether it was verified against that text or derived (with the reason).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace arrow_sus::catalog {

// What a column holds, beyond its DBF type.
enum class FieldKind : uint8_t {
  kCode,        // codes from a code list, or from a reference table (municipality, cid10...)
  kNumber,      // a quantity (possibly stored as text), with a unit when there is one
  kDate,        // a date stored as text in `date_format`
  kTime,        // a time of day stored as text in `time_format`
  kAge,         // an age coded with its unit (see AgeEncoding)
  kText,        // free text, names
  kIdentifier,  // record numbers, keys
};

// How a coded age is written.
enum class AgeEncoding : uint8_t {
  kNone,
  kSim,    // SIM IDADE: 3 digits, the unit digit then the value
  kSih,    // SIH IDADE, with the unit in COD_IDADE
  kSinan,  // SINAN NU_IDADE_N: 4 digits, the unit digit then the value
};

enum class Verification : uint8_t {
  kVerified,  // checked against the text of its source
  kDerived,   // not (or not wholly) in the source; `reason` says how it was established
};

struct SourceDocument {
  std::string_view id;
  std::string_view path;  // relative to the reference folder (../shared/reference)
  std::string_view title;
  std::string_view publisher;
};

struct Source {
  const SourceDocument* document = nullptr;  // nullptr when none
  std::span<const int16_t> pages;
};

// One code, or a run of codes of one width with one meaning (first <= code <= last as text).
struct Code {
  std::string_view first;
  std::string_view last;  // == first for a single code
  std::string_view pt;    // as the source writes it
  std::string_view en;
};

struct CodeList {
  std::string_view id;  // e.g. "sim-sexo"
  std::string_view name_pt;
  std::string_view name_en;
  Source source;
  Verification status = Verification::kVerified;
  std::string_view reason;
  std::span<const Code> codes;  // sorted by first
};

struct FieldInfo {
  std::string_view dataset;
  std::string_view name;   // DBF field name, upper case
  int16_t first_year = 0;  // 0: from the start
  int16_t last_year = 0;   // 0: still in use
  std::string_view description_pt;
  std::string_view description_en;
  FieldKind kind = FieldKind::kText;
  const CodeList* code_list = nullptr;        // kCode with a list
  std::string_view reference;                 // kCode with a reference table instead
  std::string_view unit;                      // kNumber
  std::string_view date_format;               // kDate: YYYYMMDD, DDMMYYYY, YYMMDD, YYYYMM or YYYY
  std::string_view time_format;               // kTime: HHMM
  std::string_view separator;                 // kCode holding several codes in one string
  std::span<const std::string_view> missing;  // raw values that mean "unknown"
  AgeEncoding age_encoding = AgeEncoding::kNone;
  std::string_view age_unit_field;  // kSih: the field holding the unit code (COD_IDADE)
  Source source;
  Verification status = Verification::kVerified;
  std::string_view reason;
};

// Every entry of a dataset's dictionary, sorted by name then first year.
std::span<const FieldInfo> DictionaryFields(std::string_view dataset);

// The entry describing `name` (case-insensitive) in `year` (0: the latest entry), or nullptr.
const FieldInfo* FindFieldInfo(std::string_view dataset, std::string_view name, int year);

std::span<const CodeList> CodeLists();  // sorted by id
const CodeList* FindCodeList(std::string_view id);

// The entry of `list` that `code` (trailing blanks ignored) falls in, or nullptr when unmapped.
const Code* LookupCode(const CodeList& list, std::string_view code);

std::string_view FieldKindName(FieldKind kind);
std::string_view AgeEncodingName(AgeEncoding encoding);
std::string_view VerificationName(Verification status);

}  // namespace arrow_sus::catalog
