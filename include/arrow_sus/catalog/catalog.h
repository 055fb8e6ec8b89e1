// The catalog of every DATASUS dataset: static tables compiled into the engine.
//
// tools/gen_catalog.py turns the reviewed files under data/ (datasets, UFs, municipalities,
// schemas; the data dictionaries of dictionary.h) into sorted constexpr arrays at build time. Every
// lookup here is a binary or linear search over those arrays: nothing is allocated and every
// returned pointer or view refers to static storage that lives as long as the program.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace arrow_sus::catalog {

enum class DatasetKind : uint8_t {
  kData,       // microdata files published per period (and per state)
  kAuxiliary,  // tabulator auxiliary tables shipped inside TAB_*.zip archives
};

enum class Periodicity : uint8_t { kNone, kMonthly, kYearly };

// Whether a dataset is published per state, as national files, or both (national files use "BR").
enum class Coverage : uint8_t { kState, kNational, kBoth };

// Period keys are year * 100 + month, with month 0 for a yearly file. A layout bound written as a
// bare year covers that whole year: its first key is YYYY00 and its last key YYYY12.
constexpr int32_t PeriodKey(int year, int month) { return year * 100 + month; }

// One server directory of a dataset, with the file-name patterns it holds and the periods it
// covers.
//
// Pattern tokens (matched case-insensitively; literals are written in upper case):
//   {UF}    a state code (27 UFs)         {UFBR}  a state code or BR     {BR}  literally BR
//   {YY}    2-digit year (70-99 -> 19YY, 00-69 -> 20YY)   {YYYY} 4-digit year
//   {MM}    month 01-12                    {MON}   Portuguese month abbreviation (JAN..DEZ)
//   {PART}  optional split part a..z (suffix)             {PARTN} optional split part _1.._99
// A directory may contain {YYYY}. An empty directory means the file only exists inside archives.
struct Layout {
  std::string_view directory;
  std::span<const std::string_view> patterns;
  std::span<const std::string_view> extensions;  // spellings seen on the server, most common first
  int32_t first = 0;                             // first period key, 0 = unbounded
  int32_t last = 0;                              // last period key, 0 = still published
  bool preliminary = false;                      // files here are preliminary (SINAN PRELIM)
  bool placeholder = false;  // template files published without data (e.g. EFufAAmm.dbc)
  std::string_view note;
};

struct Dataset {
  std::string_view id;  // e.g. "sih-rd"
  std::string_view system;
  std::string_view group;
  DatasetKind kind = DatasetKind::kData;
  std::string_view name_pt;
  std::string_view name_en;
  std::string_view description_pt;
  std::string_view description_en;
  Periodicity periodicity = Periodicity::kNone;
  Coverage coverage = Coverage::kState;
  std::string_view file_type;  // dbc, dbf or zip
  std::string_view encoding;
  bool listed = false;  // present in the server listing the catalog was reviewed against
  std::span<const Layout> layouts;
  std::span<const std::string_view> documentation;  // server paths of documentation files
  std::span<const std::string_view> auxiliary;      // server paths of auxiliary table archives
};

struct Uf {
  std::string_view code;  // "SP"; "BR" for national files
  int16_t ibge = 0;       // IBGE state code (0 for BR)
  std::string_view name;
  std::string_view region;  // N, NE, SE, S, CO ("" for BR)
};

struct Municipality {
  int32_t code6 = 0;  // 6-digit code used by most DATASUS files
  int32_t code7 = 0;  // 7-digit IBGE code with check digit (0 when the code has none)
  std::string_view name;
  std::string_view uf;      // state code, "" for codes not tied to a state
  bool current = false;     // in IBGE's 2024 territorial division
  std::string_view status;  // CADMUN situation (e.g. ATIVO, IGNOR, EXTIN), "" when unknown
};

// One DBF field descriptor as found in the published files.
struct Field {
  std::string_view name;
  char type = 'C';  // C, N, F, D, L
  uint16_t length = 0;
  uint8_t decimals = 0;
};

// The field list of a dataset over a range of periods, as observed in real files.
struct SchemaVariant {
  std::string_view dataset;
  int32_t first = 0;  // first and last period keys of the files this layout was seen in
  int32_t last = 0;
  std::span<const Field> fields;
  std::span<const std::string_view> sample_files;
};

// A run of consecutive periods a server listing holds files of a dataset for (data/periods.json):
// period keys year * 100 + month, month 0 for datasets published by year.
struct PeriodRun {
  std::string_view dataset;
  int32_t first = 0;
  int32_t last = 0;
};

// Version stamp of the compiled-in catalog (the date of the server listing it was reviewed
// against).
std::string_view CatalogVersion();

std::span<const Dataset> Datasets();              // sorted by id
const Dataset* FindDataset(std::string_view id);  // case-insensitive; nullptr when unknown

std::span<const Uf> Ufs();                // sorted by code, BR included
const Uf* FindUf(std::string_view code);  // case-insensitive
const Uf* FindUfByIbge(int ibge_code);

std::span<const Municipality> Municipalities();  // sorted by 6-digit code
// Accepts a 6-digit code or a 7-digit IBGE code (whose check digit must match the table).
const Municipality* FindMunicipality(int32_t code);

std::span<const SchemaVariant> Schemas(std::string_view dataset);  // sorted by first period
// The field list in force for a period: the variant covering it, else the latest variant that
// started before it, else the earliest one. nullptr when the dataset has no known schema.
const SchemaVariant* FindSchema(std::string_view dataset, int year, int month);

// The periods the compiled-in server listing (ListingDate()) holds files for, sorted; empty for
// datasets it does not list (tables inside archives, retired datasets).
std::span<const PeriodRun> ListedPeriods(std::string_view dataset);
std::string_view ListingDate();  // YYYY-MM-DD

std::string_view PeriodicityName(Periodicity periodicity);
std::string_view CoverageName(Coverage coverage);
std::string_view DatasetKindName(DatasetKind kind);

}  // namespace arrow_sus::catalog
