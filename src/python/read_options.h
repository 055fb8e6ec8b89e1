// Reader options and filters as they arrive from Python (arrow_sus/filters.py builds the tuples),
// shared by the single-file reader and the scan bindings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/options.h"
#include "python/bindings.h"

namespace arrow_sus::python {

// Filters arrive as plain tuples:
//   ("and", [node, ...]) | ("or", [node, ...]) | ("cmp", field, op, [literal, ...])
// with literals str, bool, int, float, or ("date", days since 1970-01-01). Anything else (a
// malformed node, an int beyond int64, a str with lone surrogates, nesting deeper than 64 levels)
// is an InvalidArgumentError naming the field and the value, whatever the Python layer checked.
dbf::Predicate PredicateFromPython(nb::handle node);

dbf::ReadOptions ReadOptionsFromPython(std::optional<std::vector<std::string>> columns,
                                       nb::handle filter, const std::string& encoding,
                                       int64_t batch_size, bool raw, const std::string& decimals,
                                       const std::string& on_invalid,
                                       const std::string& on_truncated, bool keep_deleted,
                                       bool use_threads);

}  // namespace arrow_sus::python
