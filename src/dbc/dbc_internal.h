// Error builders shared by the .dbc sources.
#pragma once

#include <cstdint>
#include <string_view>

#include <arrow/status.h>

#include "arrow_sus/dbc.h"

namespace arrow_sus {

// FormatError for decompressed data that passes MaxDecompressedSize(prefix).
arrow::Status PastDeclaredSize(std::string_view file, const DbcPrefix& prefix);

arrow::Status FormatErrorAt(std::string_view file, uint64_t offset, std::string_view message);

// ChecksumError naming the file and both CRC values.
arrow::Status CrcMismatch(std::string_view file, uint32_t expected, uint32_t actual);

}  // namespace arrow_sus
