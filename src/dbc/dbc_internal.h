// Error builders shared by the .dbc sources.
#pragma once

#include <cstdint>
#include <string_view>

#include <arrow/status.h>

namespace arrow_sus {

arrow::Status FormatErrorAt(std::string_view file, uint64_t offset, std::string_view message);

// ChecksumError naming the file and both CRC values.
arrow::Status CrcMismatch(std::string_view file, uint32_t expected, uint32_t actual);

}  // namespace arrow_sus
