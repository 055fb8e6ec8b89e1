// CRC-32 with the zlib / IEEE 802.3 polynomial (the checksum stored in every .dbc), computed
// incrementally: crc = Crc32Update(crc, chunk) over the chunks, starting from 0.
#pragma once

#include <cstdint>
#include <span>

namespace arrow_sus {

// Same value as zlib's crc32(crc, data, size): Crc32Update(0, all bytes) is the CRC of the data.
uint32_t Crc32Update(uint32_t crc, std::span<const uint8_t> data);

inline uint32_t Crc32(std::span<const uint8_t> data) { return Crc32Update(0, data); }

}  // namespace arrow_sus
