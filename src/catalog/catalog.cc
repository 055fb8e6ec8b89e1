// Lookups over the generated catalog tables. Binary searches over sorted static arrays: no
// allocation, no locale, no exceptions.
#include "arrow_sus/catalog/catalog.h"

#include <algorithm>

#include "catalog/tables.h"
#include "catalog/text.h"

namespace arrow_sus::catalog {

std::string_view CatalogVersion() { return internal::Version(); }

std::span<const Dataset> Datasets() { return internal::DatasetTable(); }

const Dataset* FindDataset(std::string_view id) {
  auto table = internal::DatasetTable();
  auto it = std::lower_bound(
      table.begin(), table.end(), id,
      [](const Dataset& d, std::string_view key) { return CompareIgnoringCase(d.id, key) < 0; });
  return it != table.end() && CompareIgnoringCase(it->id, id) == 0 ? &*it : nullptr;
}

std::span<const Uf> Ufs() { return internal::UfTable(); }

const Uf* FindUf(std::string_view code) {
  auto table = internal::UfTable();
  auto it = std::lower_bound(
      table.begin(), table.end(), code,
      [](const Uf& u, std::string_view key) { return CompareIgnoringCase(u.code, key) < 0; });
  return it != table.end() && CompareIgnoringCase(it->code, code) == 0 ? &*it : nullptr;
}

const Uf* FindUfByIbge(int ibge_code) {
  for (const Uf& uf : internal::UfTable()) {
    if (uf.ibge == ibge_code && uf.code != "BR") return &uf;
  }
  return nullptr;
}

std::span<const Municipality> Municipalities() { return internal::MunicipalityTable(); }

const Municipality* FindMunicipality(int32_t code) {
  const bool with_check_digit = code >= 1000000;
  const int32_t code6 = with_check_digit ? code / 10 : code;
  auto table = internal::MunicipalityTable();
  auto it = std::lower_bound(table.begin(), table.end(), code6,
                             [](const Municipality& m, int32_t key) { return m.code6 < key; });
  if (it == table.end() || it->code6 != code6) return nullptr;
  if (with_check_digit && it->code7 != code) return nullptr;
  return &*it;
}

std::span<const SchemaVariant> Schemas(std::string_view dataset) {
  const Dataset* found = FindDataset(dataset);
  return found ? internal::RowsOf(internal::SchemaTable(), found->id)
               : std::span<const SchemaVariant>();
}

const SchemaVariant* FindSchema(std::string_view dataset, int year, int month) {
  auto variants = Schemas(dataset);
  if (variants.empty()) return nullptr;
  const int32_t key = PeriodKey(year, month);
  // A yearly key (month 0) sits inside its year for monthly variants: compare years then.
  auto covers = [&](const SchemaVariant& v) {
    if (month == 0) return v.first / 100 <= year && year <= v.last / 100;
    return v.first <= key && key <= v.last;
  };
  const SchemaVariant* latest_before = nullptr;
  for (const SchemaVariant& v : variants) {
    if (covers(v)) return &v;
    if (v.first <= key) latest_before = &v;
  }
  return latest_before ? latest_before : &variants.front();
}

std::span<const PeriodRun> ListedPeriods(std::string_view dataset) {
  const Dataset* found = FindDataset(dataset);
  return found ? internal::RowsOf(internal::PeriodRunTable(), found->id)
               : std::span<const PeriodRun>();
}

std::string_view ListingDate() { return internal::ListingDate(); }

std::string_view PeriodicityName(Periodicity periodicity) {
  switch (periodicity) {
    case Periodicity::kMonthly:
      return "monthly";
    case Periodicity::kYearly:
      return "yearly";
    case Periodicity::kNone:
      break;
  }
  return "none";
}

std::string_view CoverageName(Coverage coverage) {
  switch (coverage) {
    case Coverage::kState:
      return "uf";
    case Coverage::kNational:
      return "national";
    case Coverage::kBoth:
      break;
  }
  return "both";
}

std::string_view DatasetKindName(DatasetKind kind) {
  return kind == DatasetKind::kAuxiliary ? "auxiliary" : "data";
}

}  // namespace arrow_sus::catalog
