// Adding a reference table's columns beside a code column (arrow_sus.lookup, `get --lookup`): the
// codes are normalised to the table's key (6- or 7-digit municipality codes, numbers or text,
// CID-10 with or without the dot, states by code or letters; docs/reference.md), then every row
// gets the matching reference row's values, or nulls: rows are never dropped or reordered.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <arrow/array.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/table.h>

namespace arrow_sus::reference {

// How the codes of a column are brought to a reference table's key (tables.json "key_kind").
enum class KeyKind : uint8_t {
  kCode,          // text, numbers zero-padded to the key width
  kNumber,        // numbers compared as numbers: leading zeros dropped (1 = 001)
  kMunicipality,  // IBGE codes: 7 digits lose their check digit; zero-padded to 6
  kCid10,         // A16.9 / A169 / I10X / I10- -> A169 / A169 / I10 / I10; a subcategory the
                  // table lacks (C619) matches its category's row (C61)
  kCid9,          // SIM's 4-character causes (7999, 436X, E8190) -> their 3-character category
  kUf,            // a state's IBGE code or letters (the letters are the table's "uf" column)
};

arrow::Result<KeyKind> ParseKeyKind(std::string_view name);

// `code` as a key of `kind` (`key_width`: digits a numeric code is zero-padded to, 0 for none);
// nullopt for a blank code. States' letters stay letters here (Lookup resolves them).
std::optional<std::string> NormalizeCode(std::string_view code, KeyKind kind, int key_width);

struct LookupSpec {
  std::string dataset;  // the reference table's dataset, for messages (aux-cid10)
  std::string key;      // the table's key column
  KeyKind kind = KeyKind::kCode;
  int key_width = 0;
  std::string code_column;           // the data's code column
  std::vector<std::string> columns;  // the table's columns to add, as <code_column>_<name>
};

class Lookup {
 public:
  // Indexes `table` by its normalised key (the first row of a repeated key wins). A column the
  // table lacks, or no column, is a kInvalidArgument error listing the table's columns.
  static arrow::Result<std::shared_ptr<const Lookup>> Make(std::shared_ptr<arrow::Table> table,
                                                           LookupSpec spec);

  const LookupSpec& spec() const { return spec_; }
  std::vector<std::string> AddedNames() const;

  // The codes (text, integers, integral floats or a dictionary of those) as keys: a string array,
  // null where a code is blank. Other types are a kInvalidArgument error naming the column.
  arrow::Result<std::shared_ptr<arrow::Array>> Normalize(
      const std::shared_ptr<arrow::Array>& codes) const;

  // `input` with the added fields right after the code column. kInvalidArgument when the code
  // column is missing or an added name is already taken.
  arrow::Result<std::shared_ptr<arrow::Schema>> OutputSchema(const arrow::Schema& input) const;

  // The added columns for `codes`: the matching rows' values, or nulls.
  arrow::Result<std::vector<std::shared_ptr<arrow::Array>>> Columns(
      const std::shared_ptr<arrow::Array>& codes) const;

 private:
  Lookup() = default;
  // The table's row of each code (null: none). The *Plain versions take no dictionary array.
  arrow::Result<std::shared_ptr<arrow::Array>> RowsOf(
      const std::shared_ptr<arrow::Array>& codes) const;
  arrow::Result<std::shared_ptr<arrow::Array>> RowsOfPlain(
      const std::shared_ptr<arrow::Array>& codes) const;
  arrow::Result<std::shared_ptr<arrow::Array>> NormalizePlain(
      const std::shared_ptr<arrow::Array>& codes) const;

  LookupSpec spec_;
  std::vector<std::shared_ptr<arrow::Field>> fields_;              // the added fields
  std::vector<std::shared_ptr<arrow::Array>> values_;              // the table's columns to add
  std::unordered_map<std::string, int64_t> rows_;                  // normalised key -> row
  std::unordered_map<std::string, std::string> codes_of_letters_;  // kUf: "SP" -> "35"
};

// `batch` with every lookup's columns beside its code column.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ApplyLookups(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::vector<std::shared_ptr<const Lookup>>& lookups);

// The batches of `input` through ApplyLookups (the schema is checked before any batch is read).
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> LookupReader(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::vector<std::shared_ptr<const Lookup>> lookups);

}  // namespace arrow_sus::reference
