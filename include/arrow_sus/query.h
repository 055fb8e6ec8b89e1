// A query of one dataset — states, years, months — whose required parts are checked by the
// compiler.
//
//   auto query = arrow_sus::query::Sih("RD").Uf({"SP"}).Year(2023).Month(1);
//   ARROW_ASSIGN_OR_RAISE(auto dataset, query.Discover(source));   // scan::Dataset::Discover
//
// A query's type, Query<Has, Missing>, carries two masks of QueryPart bits: the partitions its
// dataset has (a yearly dataset has no months) and the required ones not given yet. Each setter
// clears its bit; Build() and Discover() static_assert that nothing is missing, so an incomplete
// query does not compile, with a message naming the missing part and the call that gives it:
//
//   query::Sih("RD").Uf({"SP"}).Year(2023).Build();
//   // error: static assertion failed: arrow_sus::Query is incomplete: no month chosen; call
//   //        .Month(1), .Months({...}) or .AllMonths() before .Build() or .Discover()
//
// The entry points fix the partitioning (the catalog's periodicity and coverage) at compile time:
// Monthly (files per state and month: SIH, SIA, CNES...), NationalMonthly, Yearly (files per state
// and/or national: SIM, SINASC, SINAN; the states are optional) and Unpartitioned (auxiliary
// tables). Build() checks at run time that the dataset's catalog entry has that partitioning
// (kInvalidArgument otherwise) and that the dataset exists (kNotFound), and produces the arguments
// of dataset discovery (scan::DatasetQuery) — the same ones the Python query builder and
// arrow_sus.scan() produce for the same parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/dataset.h"

namespace arrow_sus {

// The partitions of a query, as bits of Query's masks.
enum QueryPart : unsigned {
  kQueryUf = 1U << 0,
  kQueryYear = 1U << 1,
  kQueryMonth = 1U << 2,
};

// What a query holds, whatever its type: the dataset, the partitioning its entry point claims and
// the parts given (nullopt: not given, or every state / month when `all_*` is set).
struct QueryParts {
  std::string dataset;
  unsigned has = 0;       // QueryPart bits: the partitions the entry point claims
  unsigned required = 0;  // QueryPart bits: the partitions that must be given
  std::optional<std::vector<std::string>> ufs;
  bool all_ufs = false;
  std::optional<std::vector<int32_t>> years;
  std::optional<std::vector<int32_t>> months;
  bool all_months = false;
};

// Checks the parts against the catalog (the dataset exists and has the claimed partitioning; the
// states are codes of the catalog, the years 1970-2100, the months 1-12) and returns discovery's
// arguments. Query::Build() calls it once the compiler has seen that nothing required is missing.
arrow::Result<scan::DatasetQuery> BuildDatasetQuery(const QueryParts& parts);

template <unsigned Has, unsigned Missing>
class Query;

// A query with every part its dataset needs: the only kind Build() and Discover() accept.
template <typename Q>
concept CompleteQuery = (Q::kMissing == 0U);

template <unsigned Has, unsigned Missing>
class Query {
 public:
  static constexpr unsigned kHas = Has;
  static constexpr unsigned kMissing = Missing;

  explicit Query(QueryParts parts) : parts_(std::move(parts)) {}

  // The states ("SP", "BR" for the national files of a dataset that has both).
  Query<Has, Missing & ~kQueryUf> Uf(std::vector<std::string> ufs) const {
    static_assert((Has & kQueryUf) != 0,
                  "arrow_sus::Query: this dataset is national, it has no states to choose");
    QueryParts parts = parts_;
    parts.ufs = std::move(ufs);
    parts.all_ufs = false;
    return Query<Has, Missing & ~kQueryUf>(std::move(parts));
  }
  // Every state (and the national files, when the dataset has them).
  Query<Has, Missing & ~kQueryUf> AllUfs() const {
    QueryParts parts = parts_;
    parts.ufs.reset();
    parts.all_ufs = true;
    return Query<Has, Missing & ~kQueryUf>(std::move(parts));
  }
  Query<Has, Missing & ~kQueryYear> Year(int32_t year) const { return Years({year}); }
  Query<Has, Missing & ~kQueryYear> Years(std::vector<int32_t> years) const {
    static_assert((Has & kQueryYear) != 0, "arrow_sus::Query: this dataset has no periods");
    QueryParts parts = parts_;
    parts.years = std::move(years);
    return Query<Has, Missing & ~kQueryYear>(std::move(parts));
  }
  // The years first..last, both included.
  Query<Has, Missing & ~kQueryYear> YearRange(int32_t first, int32_t last) const {
    return Years(Range(first, last));
  }
  Query<Has, Missing & ~kQueryMonth> Month(int32_t month) const { return Months({month}); }
  Query<Has, Missing & ~kQueryMonth> Months(std::vector<int32_t> months) const {
    static_assert((Has & kQueryMonth) != 0,
                  "arrow_sus::Query: this dataset is yearly (or has no periods): it has no months");
    QueryParts parts = parts_;
    parts.months = std::move(months);
    parts.all_months = false;
    return Query<Has, Missing & ~kQueryMonth>(std::move(parts));
  }
  // Every month of the years asked.
  Query<Has, Missing & ~kQueryMonth> AllMonths() const {
    static_assert((Has & kQueryMonth) != 0,
                  "arrow_sus::Query: this dataset is yearly (or has no periods): it has no months");
    QueryParts parts = parts_;
    parts.months.reset();
    parts.all_months = true;
    return Query<Has, Missing & ~kQueryMonth>(std::move(parts));
  }

  // The arguments of dataset discovery (scan/dataset.h). Errors: an unknown dataset (kNotFound), a
  // dataset whose catalog partitioning is not the entry point's, a bad state, year or month
  // (kInvalidArgument).
  arrow::Result<scan::DatasetQuery> Build() const {
    static_assert(
        (Missing & kQueryUf) == 0,
        "arrow_sus::Query is incomplete: no state chosen; call .Uf({\"SP\"}) or .AllUfs() "
        "before .Build() or .Discover()");
    static_assert(
        (Missing & kQueryYear) == 0,
        "arrow_sus::Query is incomplete: no year chosen; call .Year(2023), .Years({...}) or "
        ".YearRange(2019, 2023) before .Build() or .Discover()");
    static_assert(
        (Missing & kQueryMonth) == 0,
        "arrow_sus::Query is incomplete: no month chosen; call .Month(1), .Months({...}) or "
        ".AllMonths() before .Build() or .Discover()");
    return BuildDatasetQuery(parts_);
  }

  // The dataset's files on `source` for this query (scan::Dataset::Discover of Build()).
  arrow::Result<scan::Dataset> Discover(io::Source& source) const {
    ARROW_ASSIGN_OR_RAISE(scan::DatasetQuery query, Build());
    return scan::Dataset::Discover(source, query);
  }

  const QueryParts& parts() const { return parts_; }

 private:
  static std::vector<int32_t> Range(int32_t first, int32_t last) {
    std::vector<int32_t> values;
    for (int32_t value = first; value <= last; ++value) values.push_back(value);
    return values;
  }

  QueryParts parts_;
};

namespace query {

inline constexpr unsigned kMonthlyParts = kQueryUf | kQueryYear | kQueryMonth;

// A dataset of monthly files per state (the catalog's periodicity "monthly", coverage "uf"):
// states, years and months required.
using MonthlyQuery = Query<kMonthlyParts, kMonthlyParts>;
// Monthly national files: years and months required.
using NationalMonthlyQuery = Query<kQueryYear | kQueryMonth, kQueryYear | kQueryMonth>;
// Yearly files per state and/or national: years required, states optional (none: every file).
using YearlyQuery = Query<kQueryUf | kQueryYear, kQueryYear>;
// A dataset without periods (auxiliary tables): states and years optional.
using UnpartitionedQuery = Query<kQueryUf | kQueryYear, 0U>;

MonthlyQuery Monthly(std::string dataset);
NationalMonthlyQuery NationalMonthly(std::string dataset);
YearlyQuery Yearly(std::string dataset);
UnpartitionedQuery Unpartitioned(std::string dataset);

// The systems whose datasets share one partitioning; `group` as the catalog names it, any case
// ("RD" is sih-rd). SIH's national group CH is NationalMonthly("sih-ch").
MonthlyQuery Sih(std::string_view group);
MonthlyQuery Sia(std::string_view group);
MonthlyQuery Cnes(std::string_view group);
YearlyQuery Sim(std::string_view group);
YearlyQuery Sinasc(std::string_view group);
YearlyQuery Sinan(std::string_view disease);

}  // namespace query
}  // namespace arrow_sus
