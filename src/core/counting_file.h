// A file that counts the bytes read through it, for the scan's bytes_read statistic.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include <arrow/io/interfaces.h>

namespace arrow_sus {

// Forwards everything to `inner` and adds the size of every read to `*bytes_read` (once per read
// call: the readers above it ask for blocks, never single records).
std::shared_ptr<arrow::io::RandomAccessFile> CountReads(
    std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes_read);

}  // namespace arrow_sus
