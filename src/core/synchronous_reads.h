// The base of the engine's RandomAccessFiles: their asynchronous reads run at once, on the caller's
// thread, as those of Arrow's memory-mapped and in-memory files do. Arrow's default queues each on
// Arrow's IO pool; readers that wait for them (the IPC file reader's synchronous Open, Parquet's
// pre-buffering) run on that pool themselves (a scan's files, a plan's headers), and with every
// pool thread waiting so, the queued reads would never run.
#pragma once

#include <cstdint>
#include <memory>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/future.h>

namespace arrow_sus {

class SynchronousReadsFile : public arrow::io::RandomAccessFile {
 public:
  using arrow::io::RandomAccessFile::ReadAt;

  arrow::Future<std::shared_ptr<arrow::Buffer>> ReadAsync(const arrow::io::IOContext&,
                                                          int64_t position,
                                                          int64_t nbytes) override {
    return arrow::Future<std::shared_ptr<arrow::Buffer>>::MakeFinished(ReadAt(position, nbytes));
  }
  arrow::Future<std::shared_ptr<arrow::Buffer>> ReadAsync(const arrow::io::IOContext&,
                                                          int64_t position, int64_t nbytes,
                                                          bool allow_short_read) override {
    return arrow::Future<std::shared_ptr<arrow::Buffer>>::MakeFinished(
        ReadAt(position, nbytes, allow_short_read));
  }
};

}  // namespace arrow_sus
