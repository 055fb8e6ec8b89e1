// The reference tables compiled into the engine (docs/reference.md): municipalities, CID-10, CID-9,
// occupations, procedures, countries, establishments, states, and small code tables, each the table
// of one auxiliary dataset (aux-cid10...). tools/make_reference.py writes them from the corpus into
// data/reference/ (reviewed TSV files and tables.json); tools/gen_reference.py compiles them in at
// build time, so they are there offline and instantly.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include <arrow/result.h>
#include <arrow/table.h>

namespace arrow_sus::reference {

enum class ColumnType : uint8_t { kString, kInt64, kFloat64, kBool };

struct ReferenceColumn {
  std::string_view name;
  ColumnType type;
  std::string_view description_en;
  std::string_view description_pt;
};

// A corpus file a table was made from.
struct ReferenceSource {
  std::string_view file;
  std::string_view sha256;
  int64_t records = -1;  // -1: the table reads only some of its fields
};

struct ReferenceTableInfo {
  std::string_view dataset;    // the auxiliary dataset whose table this is (aux-cid10)
  std::string_view reference;  // what the data dictionary calls its codes (cid10), or ""
  std::string_view title_en;
  std::string_view title_pt;
  std::string_view key;       // the column codes are looked up in (unique)
  std::string_view key_kind;  // how codes are normalised before lookup (docs/reference.md)
  int key_width = 0;          // digits a numeric code is zero-padded to (0: none)
  std::span<const std::string_view> lookup;  // the columns a lookup adds by default
  std::span<const std::string_view> inputs;  // the datasets whose DBFs it is made from
  std::span<const ReferenceColumn> columns;
  std::span<const ReferenceSource> sources;
  std::string_view note;
  int64_t rows = 0;
  // The rows as TSV (a tab between cells, an empty cell is null, booleans true/false), compressed
  // as one raw deflate stream (a fifth of the text's size in the extension) cut into chunks, and
  // the TSV's size.
  std::span<const std::string_view> deflated;
  int64_t text_bytes = 0;
};

// Every compiled-in table, sorted by dataset.
std::span<const ReferenceTableInfo> CompiledTables();

// The table of `dataset` (any case), or nullptr.
const ReferenceTableInfo* FindCompiledTable(std::string_view dataset);

// The table's Arrow schema: its columns and types, each field's English description under the
// metadata key "description", and the dataset under "arrow_sus.reference".
std::shared_ptr<arrow::Schema> CompiledSchema(const ReferenceTableInfo& info);

// The table's rows as Arrow (parsed once, then shared: the arrays are immutable). A row whose
// cells do not fit the columns is a kFormat error naming the table and line (a bad generator).
arrow::Result<std::shared_ptr<arrow::Table>> CompiledTable(const ReferenceTableInfo& info);

}  // namespace arrow_sus::reference
