// The columns a read delivers for a DBF field list, as the meaning stage (scan/meaning.h) decides
// them, without a file: what arrow_sus.describe reports as each column's Arrow type.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include <arrow/type_fwd.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/scan/meaning.h"

namespace arrow_sus::scan {

// Field metadata of the columns the meaning stage adds: the DBF fields each is made from
// (comma-separated), and what it is: "age_years", "age_unit", "age_value" (a decoded age) or
// "label" (COL_label).
inline constexpr char kMetaDerivedFrom[] = "arrow_sus.derived_from";
inline constexpr char kMetaDerivedAs[] = "arrow_sus.derived_as";

// The schema a single-file read with default read options (arrow_sus.read_dbc) delivers for a DBF
// with `fields` in `dataset` and `year` (0: the latest dictionary entries) under `options`: each
// field's DBF type through the reader's field semantics, typing and presentation.
std::shared_ptr<arrow::Schema> DeliveredSchema(std::string_view dataset, int year,
                                               const std::vector<dbf::FieldDescriptor>& fields,
                                               const MeaningOptions& options);

}  // namespace arrow_sus::scan
