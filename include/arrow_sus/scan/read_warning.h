// What a read reports beside its rows without failing: a file read although truncated
// (on_truncated=warn), a filter that compares codes where the user likely meant values.
#pragma once

#include <cstdint>
#include <string>

namespace arrow_sus::scan {

struct ReadWarning {
  enum class Kind : uint8_t {
    kTruncatedFile,  // the file's data ends before the records its header declares
    kCodedFilter,    // the filter compares a coded column as if it held values (IDADE >= 60)
  };
  Kind kind;
  std::string message;

  bool operator==(const ReadWarning&) const = default;
};

}  // namespace arrow_sus::scan
