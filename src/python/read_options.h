// Reader options and filters as they arrive from Python (arrow_sus/filters.py builds the tuples),
// shared by the single-file reader and the scan bindings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/options.h"
#include "arrow_sus/scan/meaning.h"
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

// labels: "codes", "labels" or "both"; codes_as: "dictionary" or "string"; label_language: "pt"
// or "en" (arrow_sus/reader.py checks them first and names the Python arguments).
scan::MeaningOptions MeaningOptionsFromPython(bool typed, const std::string& labels,
                                              const std::string& codes_as,
                                              const std::string& label_language);

}  // namespace arrow_sus::python
