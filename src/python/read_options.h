// Columns, filters and meaning options as they arrive from Python (arrow_sus/filters.py builds the
// filter), shared by the single-file reader and the scan bindings.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arrow_sus/dbf/options.h"
#include "arrow_sus/scan/filter_split.h"
#include "arrow_sus/scan/meaning.h"
#include "python/bindings.h"

namespace arrow_sus::python {

// The filter as Python sends it: None, or the bytes of an Arrow expression serialized by
// arrow::compute::Serialize (pyarrow's pickling of a pc.Expression, arrow_sus/filters.py), split
// into the reader's predicate and Arrow's residual. Malformed bytes and trees nested too deep are
// InvalidArgumentErrors.
scan::SplitFilter FilterFromPython(nb::handle filter);

// `options` (a ReadOptions from Python) reading `columns` and the pushed part of `filter`: the
// parts of a read that each call gives.
dbf::ReadOptions WithColumnsAndFilter(dbf::ReadOptions options,
                                      std::optional<std::vector<std::string>> columns,
                                      const scan::SplitFilter& filter);

// labels: "codes", "labels" or "both"; codes_as: "dictionary" or "string"; label_language: "pt"
// or "en" (arrow_sus/reader.py checks them first and names the Python arguments).
scan::MeaningOptions MeaningOptionsFromPython(bool typed, const std::string& labels,
                                              const std::string& codes_as,
                                              const std::string& label_language);

}  // namespace arrow_sus::python
