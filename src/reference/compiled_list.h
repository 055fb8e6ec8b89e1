// The compiled-in reference tables, sorted by dataset (tools/gen_reference.py writes their
// definition at build time from data/reference/).
#pragma once

#include <span>

#include "arrow_sus/reference/compiled.h"

namespace arrow_sus::reference::internal {

std::span<const ReferenceTableInfo> CompiledTableList();

}  // namespace arrow_sus::reference::internal
