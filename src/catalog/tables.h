// The generated catalog arrays (tools/gen_catalog.py writes their definitions at build time).
// Each table is sorted by its lookup key: datasets by id, UFs by code,
// municipalities by 6-digit code, schema variants and listed periods by dataset then first period,
// code lists by id, dictionary fields by dataset, name and first year.
#pragma once

#include <algorithm>
#include <span>
#include <string_view>
#include <type_traits>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/dictionary.h"

namespace arrow_sus::catalog::internal {

std::string_view Version();
std::span<const Dataset> DatasetTable();
std::span<const Uf> UfTable();
std::span<const Municipality> MunicipalityTable();
std::span<const SchemaVariant> SchemaTable();
std::span<const CodeList> CodeListTable();    // sorted by id
std::span<const FieldInfo> FieldInfoTable();  // sorted by dataset, name, first year
std::span<const PeriodRun> PeriodRunTable();  // sorted by dataset, first period
std::string_view ListingDate();

// The contiguous run of rows whose `dataset` member equals `dataset` (tables sorted by dataset).
template <typename Row>
std::span<const Row> RowsOf(std::span<const Row> table, std::string_view dataset) {
  auto [first, last] =
      std::equal_range(table.begin(), table.end(), dataset, [](const auto& a, const auto& b) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, Row>) {
          return a.dataset < b;
        } else {
          return a < b.dataset;
        }
      });
  return {first, last};
}

}  // namespace arrow_sus::catalog::internal
