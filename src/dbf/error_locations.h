// ErrorLocation builders for the reader (spelling every member out keeps -Wextra quiet about the
// ones designated initializers would leave implicit).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "arrow_sus/error.h"

namespace arrow_sus::dbf::internal {

inline ErrorLocation AtField(std::string field) {
  return ErrorLocation{
      .file = {}, .offset = std::nullopt, .row = std::nullopt, .field = std::move(field)};
}

inline ErrorLocation AtRowField(int64_t row, std::string field) {
  return ErrorLocation{.file = {}, .offset = std::nullopt, .row = row, .field = std::move(field)};
}

inline ErrorLocation AtByte(uint64_t offset, std::optional<int64_t> row = std::nullopt) {
  return ErrorLocation{.file = {}, .offset = offset, .row = row, .field = {}};
}

}  // namespace arrow_sus::dbf::internal
