// The names of each ErrorKind: in messages ("InvalidArgument") and the arrow_sus.errors class the
// Python bindings raise for it ("InvalidArgumentError"), both from one table in error.cc.
#pragma once

#include <string_view>

#include "arrow_sus/error.h"

namespace arrow_sus {

std::string_view ErrorKindPythonClass(ErrorKind kind);

}  // namespace arrow_sus
