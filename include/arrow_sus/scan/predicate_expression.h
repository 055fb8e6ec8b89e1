// The reader's predicate tree (dbf::Predicate) as an Arrow compute expression over converted
// columns, for data that is no longer raw DBF bytes: cached Parquet files (where the expression
// also prunes row groups by their statistics) and batches converted for the cache.
//
// The expression selects exactly the rows the raw-byte filter selects on the same file:
//   - a comparison with a null value is never true ("!=" and "not in" do not select nulls);
//   - text compared with a numeric literal is parsed as a number by the reader's own parser
//     (unparsable text is null), through the compute function "arrow_sus_text_to_number";
//   - string literals compared with numeric or date columns are parsed the way the raw filter
//     parses them, and the same mistakes (unknown column, wrong literal kind) are errors.
#pragma once

#include <arrow/compute/expression.h>
#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include "arrow_sus/dbf/filter.h"

namespace arrow_sus::scan {

arrow::Result<arrow::compute::Expression> PredicateToExpression(const dbf::Predicate& predicate,
                                                                const arrow::Schema& schema);

}  // namespace arrow_sus::scan
