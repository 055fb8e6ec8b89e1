// Arrow's compute functions (comparisons, filters, casts used by expressions) live in
// libarrow_compute and must be registered once per process before an expression is bound or
// executed.
#pragma once

#include <arrow/status.h>

namespace arrow_sus {

// Registers Arrow's compute functions the first time it is called; cheap afterwards. Thread-safe.
arrow::Status EnsureComputeFunctions();

}  // namespace arrow_sus
