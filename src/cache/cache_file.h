// Opening a converted cache file for reading, whatever its format.
#pragma once

#include <memory>
#include <string>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include "arrow_sus/cache/chunk_checksums.h"

namespace arrow_sus::cache {

// The cache file at `path`, memory-mapped (a cache file is only ever replaced by a rename or
// removed, never rewritten in place, so the map stays valid while batches read from it live), with
// every read verified by `verifier` first when one is given. Only the last 32 MiB read stay
// resident: the pages read before are handed back to the kernel (and read again if still used).
arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenCacheFile(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier);

}  // namespace arrow_sus::cache
