// Reading from arrow::io::InputStream when a stream may return fewer bytes than asked before its
// end (decompressing streams do).
#pragma once

#include <cstdint>
#include <memory>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>

namespace arrow_sus::dbf::internal {

// Reads up to `nbytes` from `stream`, looping over short reads; fewer bytes only at end of stream.
arrow::Result<std::shared_ptr<arrow::Buffer>> ReadUpTo(
    arrow::io::InputStream* stream, int64_t nbytes,
    arrow::MemoryPool* pool = arrow::default_memory_pool());

}  // namespace arrow_sus::dbf::internal
