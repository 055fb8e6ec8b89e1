// The labels of a reference table's codes (docs/labels.md, "Reading with meaning"): a column whose
// dictionary entry names a reference (cid10, municipality, cnes...) is labelled with the
// compiled-in table's name or description of each code, found as lookups find it (6/7-digit
// municipalities, CID-10 with or without the X...).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/reference/lookup.h"

namespace arrow_sus::reference {

// The lookup adding the label column ("name", else "description") of the compiled-in table whose
// data-dictionary reference is `reference`, then its "uf" column when it has one (a label reads
// "Bom Jesus (PI)"); built on first use and shared by every caller and thread. nullptr when no
// table has that reference or it has no such column.
arrow::Result<std::shared_ptr<const Lookup>> ReferenceLabels(std::string_view reference);

// Whether the table of `reference` has each of `codes` (as ReferenceLabels finds them: the quality
// report's unmapped codes). kInvalidArgument when no compiled-in table has that reference.
arrow::Result<std::vector<bool>> KnownReferenceCodes(std::string_view reference,
                                                     const std::vector<std::string>& codes);

}  // namespace arrow_sus::reference
