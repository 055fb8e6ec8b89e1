// The one filter language: an arrow::compute::Expression (from pyarrow.parquet-style tuples,
// --where text, a Polars predicate or a pyarrow expression), split into what arrow-sus evaluates
// itself and what Arrow evaluates after conversion.
//
// The pushed part is the conjunction of the top-level conjuncts that are provably equivalent to a
// dbf::Predicate: AND / OR trees over field-vs-literal comparisons (= != < <= > >=), is_in,
// invert(is_in), is_null, is_valid and starts_with (case-sensitive). Those follow the reader's
// filter semantics (dbf/filter.h: text compared with a number reads as a number, a date as
// 'YYYY-MM-DD' text, null never matches), go through the meaning stage (labels and decoded ages
// translated to raw fields) and run on the raw bytes where they can. Every other conjunct is the
// residual, evaluated as written by Arrow compute on the presented columns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "arrow_sus/dbf/filter.h"

namespace arrow_sus::scan {

// Filters nesting and/or groups deeper than this are refused (a chain of one function counts as
// one level): no real query needs more, and every walk of the tree recurses once per level.
inline constexpr int kMaxFilterDepth = 64;

struct SplitFilter {
  std::optional<dbf::Predicate> pushed;                // evaluated with the reader's semantics
  std::optional<arrow::compute::Expression> residual;  // evaluated by Arrow once presented

  // Names of the fields either part reads, in first-use order.
  std::vector<std::string> FieldNames() const;
  // The whole filter over converted columns of `schema` (a table in memory): the pushed part as
  // scan/predicate_expression.h translates it, and the residual; nullopt when there is no filter.
  arrow::Result<std::optional<arrow::compute::Expression>> OnColumns(
      const arrow::Schema& schema) const;
};

// Splits `filter` (unbound). Errors: nesting deeper than kMaxFilterDepth.
arrow::Result<SplitFilter> SplitFilterExpression(const arrow::compute::Expression& filter);

// An expression from its Arrow serialization (arrow::compute::Serialize, pyarrow's pickling of
// pc.Expression); malformed bytes are an InvalidArgumentError.
arrow::Result<arrow::compute::Expression> DeserializeFilter(std::shared_ptr<arrow::Buffer> bytes);

// `residual` as it applies to a file of `schema`: a field the file lacks reads as a null of its
// type in `full` (the scan's unified schema), as it does in the file's conformed rows.
arrow::Result<arrow::compute::Expression> ResidualForFile(
    const arrow::compute::Expression& residual, const arrow::Schema& schema,
    const arrow::Schema& full);

// Names of the fields an expression reads, in first-use order.
std::vector<std::string> ExpressionFieldNames(const arrow::compute::Expression& expression);

}  // namespace arrow_sus::scan
