// One schema for many files whose layouts changed over time.
//
// DATASUS layouts drift: SIH-RD went from 86 to 113 columns, SIH-RJ widened fields in 2013, a field
// can move from N to C. A scan over such files unifies their schemas by column name:
//   - kUnion: every column of any file, in first-seen order; files without it give nulls;
//   - kIntersection: only the columns every file has;
//   - kStrict: all files must have the same columns with the same types, otherwise an error names
//   the
//     files that differ from the first one.
// Types of the same column are promoted to one that holds every file's values without loss:
//   int32 < int64 < decimal128 < float64 for numbers (integers join a decimal with enough digits;
//   anything joined with float64 is float64), coded columns (dictionaries) take the widest index
//   type, date32 and bool stay when equal, and any other mix
//   (for example a column that was numeric in one period and text in another) becomes utf8, the
//   values printed as text. Each rule is decided by PromoteTypes, which the tests exercise one by
//   one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

namespace arrow_sus::scan {

enum class SchemaMode { kUnion, kIntersection, kStrict };

// "union", "intersection" or "strict" (the option "schema" of a scan).
arrow::Result<SchemaMode> ParseSchemaMode(std::string_view name);
std::string_view SchemaModeName(SchemaMode mode);

// The type a column takes when files disagree (see the rules above).
std::shared_ptr<arrow::DataType> PromoteTypes(const std::shared_ptr<arrow::DataType>& a,
                                              const std::shared_ptr<arrow::DataType>& b);

// `names[i]` names the file `schemas[i]` came from (used in kStrict errors).
arrow::Result<std::shared_ptr<arrow::Schema>> UnifySchemas(
    const std::vector<std::shared_ptr<arrow::Schema>>& schemas,
    const std::vector<std::string>& names, SchemaMode mode);

// Reshapes a batch to the unified schema: columns in its order, missing ones as nulls, types cast.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(
    const std::shared_ptr<arrow::RecordBatch>& batch, const std::shared_ptr<arrow::Schema>& target);

}  // namespace arrow_sus::scan
