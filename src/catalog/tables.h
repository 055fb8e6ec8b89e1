// The generated catalog arrays (tools/gen_catalog.py writes their definitions at build time).
// Each table is sorted by its lookup key: datasets and columns by id/name, UFs by code,
// municipalities by 6-digit code, schema variants by dataset then first period.
#pragma once

#include <span>
#include <string_view>

#include "arrow_sus/catalog/catalog.h"

namespace arrow_sus::catalog::internal {

std::string_view Version();
std::span<const Dataset> DatasetTable();
std::span<const Uf> UfTable();
std::span<const Municipality> MunicipalityTable();
std::span<const SchemaVariant> SchemaTable();
std::span<const Column> ColumnTable();

}  // namespace arrow_sus::catalog::internal
