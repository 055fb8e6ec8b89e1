#include "dbf/stream_reading.h"

#include <cstring>

namespace arrow_sus::dbf::internal {

arrow::Result<std::shared_ptr<arrow::Buffer>> ReadUpTo(arrow::io::InputStream* stream,
                                                       int64_t nbytes, arrow::MemoryPool* pool) {
  // One Read is enough for files and is zero-copy for in-memory buffers.
  ARROW_ASSIGN_OR_RAISE(auto first, stream->Read(nbytes));
  if (first->size() == nbytes || first->size() == 0) return first;
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(nbytes, pool));
  std::memcpy(buffer->mutable_data(), first->data(), static_cast<size_t>(first->size()));
  int64_t got = first->size();
  while (got < nbytes) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, stream->Read(nbytes - got, buffer->mutable_data() + got));
    if (n == 0) break;
    got += n;
  }
  ARROW_RETURN_NOT_OK(buffer->Resize(got, /*shrink_to_fit=*/false));
  return std::shared_ptr<arrow::Buffer>(std::move(buffer));
}

}  // namespace arrow_sus::dbf::internal
