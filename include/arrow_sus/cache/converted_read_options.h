// How a file of the converted cache is read, whatever its format: the columns, the filter, the
// batch size, and the counters and checksums every read goes through.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>

#include "arrow_sus/cache/chunk_checksums.h"

namespace arrow_sus::cache {

struct ConvertedReadOptions {
  std::vector<std::string> columns;  // empty: every column, in file order
  // Rows to keep. Parquet skips row groups whose statistics cannot match; Arrow IPC reads the
  // filter's columns of a batch first and skips the batch's other columns when no row matches.
  std::optional<arrow::compute::Expression> filter;
  int64_t batch_size = 65536;                  // at most this many rows per batch
  bool use_threads = true;                     // decode / decompress columns in parallel
  std::atomic<int64_t>* bytes_read = nullptr;  // when set, counts the bytes read from the file
  int64_t* file_rows = nullptr;  // when set, receives the rows the file holds (from its metadata)
  // When set, every byte read from the file is first verified against the checksums recorded when
  // it was written (a mismatch is a kChecksum error).
  std::shared_ptr<ChunkVerifier> verifier;
};

}  // namespace arrow_sus::cache
