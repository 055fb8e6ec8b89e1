// Parquet files of the disk cache: reading them with projection and filters, and writing them while
// a converted file streams past.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus::scan {

struct ParquetReadOptions {
  std::vector<std::string> columns;  // empty: every column, in file order
  std::optional<arrow::compute::Expression>
      filter;  // rows to keep; row groups are pruned by statistics
  int64_t batch_size = 65536;
  bool use_threads = true;
  std::atomic<int64_t>* bytes_read = nullptr;  // when set, counts the bytes read from the file
  int64_t* file_rows = nullptr;  // when set, receives the rows the file holds (from its footer)
};

// Streams a Parquet file: only `columns` are decoded, and row groups whose statistics cannot match
// the filter are skipped without being read.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenParquetFile(
    const std::string& path, const ParquetReadOptions& options);

struct ParquetWriteOptions {
  int64_t row_group_rows =
      256 * 1024;  // large enough to compress well, small enough to prune by statistics
  int zstd_level = 3;
};

// Passes `input` through unchanged while writing every batch to `path`. The data goes to a
// temporary file beside `path`; only when the input is exhausted is it closed, renamed onto `path`,
// and `on_complete(path)` called (to record it in the cache manifest). If the input fails, or the
// reader is closed or destroyed before the end, the temporary file is removed: no partial file is
// ever visible under `path`.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToParquet(
    std::shared_ptr<arrow::RecordBatchReader> input, std::string path, ParquetWriteOptions options,
    std::function<arrow::Status(const std::string& path)> on_complete);

// Keeps the rows matching `filter` (when given) and then only `columns` (when not empty), in that
// order.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FilterAndProject(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::optional<arrow::compute::Expression> filter, std::vector<std::string> columns);

}  // namespace arrow_sus::scan
