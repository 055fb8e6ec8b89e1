#include "arrow_sus/query.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/error.h"

namespace arrow_sus {

namespace {

arrow::Status Invalid(const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, {}, message);
}

// The partitions the catalog gives a dataset and those a query of it must give (QueryPart bits), as
// the Python builder reads them (arrow_sus.query.Partitioning): auxiliary tables and datasets
// without periods take optional states and years; national datasets have no states, and states are
// optional where there are national files too; yearly datasets have no months.
struct Partitioning {
  unsigned has = 0;
  unsigned required = 0;
  bool operator==(const Partitioning&) const = default;
};

Partitioning CatalogPartitioning(const catalog::Dataset& dataset) {
  if (dataset.kind == catalog::DatasetKind::kAuxiliary ||
      dataset.periodicity == catalog::Periodicity::kNone) {
    return {kQueryUf | kQueryYear, 0};
  }
  Partitioning p{kQueryYear, kQueryYear};
  if (dataset.coverage != catalog::Coverage::kNational) p.has |= kQueryUf;
  if (dataset.coverage == catalog::Coverage::kState) p.required |= kQueryUf;
  if (dataset.periodicity == catalog::Periodicity::kMonthly) {
    p.has |= kQueryMonth;
    p.required |= kQueryMonth;
  }
  return p;
}

std::string Describe(Partitioning p) {
  std::string text = (p.has & kQueryMonth)  ? "monthly"
                     : (p.has & kQueryYear) ? "yearly"
                                            : "no periods";
  if ((p.required & kQueryUf) != 0) return text + " files per state";
  if ((p.has & kQueryUf) == 0) return text + " national files";
  return text + " files (states optional)";
}

// Whether the entry point's claim fits the catalog: the same partitioning, except that a claim of
// yearly files with optional states also fits national ones (query::Sim takes SIM's national
// groups: it simply gives no state).
bool Fits(Partitioning claim, Partitioning actual) {
  if (claim == actual) return true;
  const Partitioning yearly{kQueryUf | kQueryYear, kQueryYear};
  const Partitioning national_yearly{kQueryYear, kQueryYear};
  return claim == yearly && actual == national_yearly;
}

arrow::Status CheckRange(const std::vector<int32_t>& values, std::string_view what, int32_t low,
                         int32_t high) {
  if (values.empty()) {
    return Invalid(std::string(what) + " is empty: give at least one, or leave it out for all");
  }
  for (int32_t v : values) {
    if (v < low || v > high) {
      return Invalid(std::string(what) + " " + std::to_string(v) + " is out of range (" +
                     std::to_string(low) + "-" + std::to_string(high) + ")");
    }
  }
  return arrow::Status::OK();
}

// Sorted, without duplicates (as arrow_sus.scan normalises its arguments).
template <typename T>
std::vector<T> Normalized(std::vector<T> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

}  // namespace

arrow::Result<scan::DatasetQuery> BuildDatasetQuery(const QueryParts& parts) {
  const catalog::Dataset* dataset = catalog::FindDataset(parts.dataset);
  if (dataset == nullptr) {
    return MakeError(ErrorKind::kNotFound, {},
                     "unknown dataset '" + parts.dataset + "' (arrow_sus::catalog::Datasets())");
  }
  const std::string id(dataset->id);
  const Partitioning actual = CatalogPartitioning(*dataset);
  const Partitioning claim{parts.has, parts.required};
  if (!Fits(claim, actual)) {
    return Invalid(id + " has " + Describe(actual) + ", not the query's " + Describe(claim) +
                   ": start from the arrow_sus::query entry point that matches it");
  }
  scan::DatasetQuery query;
  query.dataset = id;
  if (parts.ufs) {
    if ((actual.has & kQueryUf) == 0) {
      return Invalid(id + " is national: its files have no states; leave .Uf() out");
    }
    if (parts.ufs->empty()) return Invalid("uf is empty: give a state, or call .AllUfs()");
    std::vector<std::string> codes;
    for (const std::string& uf : *parts.ufs) {
      const catalog::Uf* found = catalog::FindUf(uf);
      if (found == nullptr) return Invalid("unknown UF '" + uf + "'");
      codes.emplace_back(found->code);
    }
    query.ufs = Normalized(std::move(codes));
  }
  if (parts.years) {
    ARROW_RETURN_NOT_OK(CheckRange(*parts.years, "year", 1970, 2100));
    query.years = Normalized(*parts.years);
  }
  if (parts.months) {
    ARROW_RETURN_NOT_OK(CheckRange(*parts.months, "month", 1, 12));
    query.months = Normalized(*parts.months);
  }
  return query;
}

namespace query {

namespace {

// "sih-rd" for Sih("RD"): the catalog's ids are the system and group in lower case.
std::string DatasetId(std::string_view system, std::string_view group) {
  std::string id(system);
  id += '-';
  for (char c : group) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return id;
}

template <typename Q>
Q Start(std::string dataset) {
  QueryParts parts;
  parts.dataset = std::move(dataset);
  parts.has = Q::kHas;
  parts.required = Q::kMissing;
  return Q(std::move(parts));
}

}  // namespace

MonthlyQuery Monthly(std::string dataset) { return Start<MonthlyQuery>(std::move(dataset)); }
NationalMonthlyQuery NationalMonthly(std::string dataset) {
  return Start<NationalMonthlyQuery>(std::move(dataset));
}
YearlyQuery Yearly(std::string dataset) { return Start<YearlyQuery>(std::move(dataset)); }
UnpartitionedQuery Unpartitioned(std::string dataset) {
  return Start<UnpartitionedQuery>(std::move(dataset));
}

MonthlyQuery Sih(std::string_view group) { return Monthly(DatasetId("sih", group)); }
MonthlyQuery Sia(std::string_view group) { return Monthly(DatasetId("sia", group)); }
MonthlyQuery Cnes(std::string_view group) { return Monthly(DatasetId("cnes", group)); }
YearlyQuery Sim(std::string_view group) { return Yearly(DatasetId("sim", group)); }
YearlyQuery Sinasc(std::string_view group) { return Yearly(DatasetId("sinasc", group)); }
YearlyQuery Sinan(std::string_view disease) { return Yearly(DatasetId("sinan", disease)); }

}  // namespace query
}  // namespace arrow_sus
