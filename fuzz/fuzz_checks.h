// Checks the ZIP and TabWin fuzzers share: a broken expectation aborts (libFuzzer reports it), and
// every failure must be a typed arrow-sus error of an expected kind.
#pragma once

#include <cstdlib>
#include <initializer_list>

#include <arrow/status.h>

#include "arrow_sus/error.h"

namespace arrow_sus::fuzz {

inline void Check(bool condition) {
  if (!condition) std::abort();
}

inline const ErrorDetail& CheckTyped(const arrow::Status& status,
                                     std::initializer_list<ErrorKind> kinds) {
  const ErrorDetail* detail = GetErrorDetail(status);
  Check(detail != nullptr);
  bool expected = false;
  for (ErrorKind kind : kinds) expected |= detail->kind() == kind;
  Check(expected);
  return *detail;
}

}  // namespace arrow_sus::fuzz
