// Read warnings (scan/read_warning.h) as Python sees them: (kind, message) tuples, kind being
// "truncated" or "filter"; arrow_sus.reader turns each into its warning class.
#pragma once

#include <vector>

#include <nanobind/nanobind.h>

#include "arrow_sus/scan/read_warning.h"

namespace arrow_sus::python {

inline nanobind::list WarningsToPython(const std::vector<scan::ReadWarning>& warnings) {
  nanobind::list out;
  for (const scan::ReadWarning& w : warnings) {
    const char* kind = w.kind == scan::ReadWarning::Kind::kTruncatedFile ? "truncated" : "filter";
    out.append(nanobind::make_tuple(kind, nanobind::str(w.message.data(), w.message.size())));
  }
  return out;
}

}  // namespace arrow_sus::python
