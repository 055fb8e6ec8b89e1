// Hints to the operating system about large buffers.
#pragma once

#include <cstddef>

namespace arrow_sus {

// Asks for transparent huge pages on a large buffer that has not been touched yet, so that filling
// it takes one page fault per 2 MiB instead of one per 4 KiB (at hundreds of MB of output, 4 KiB
// faults cost as much as the decompression itself). No effect on small buffers or off Linux.
void AdviseHugePages(void* data, size_t size);

}  // namespace arrow_sus
