#include "core/compute_init.h"

#include <arrow/compute/initialize.h>

namespace arrow_sus {

arrow::Status EnsureComputeFunctions() {
  static const arrow::Status status = arrow::compute::Initialize();
  return status;
}

}  // namespace arrow_sus
