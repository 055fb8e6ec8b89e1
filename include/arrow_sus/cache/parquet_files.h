// Parquet files of the converted cache: reading them with projection and statistics-based
// filtering, and the writer the cache tee uses.
#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/cache/converted_read_options.h"
#include "arrow_sus/cache/tee_to_file.h"

namespace arrow_sus::cache {

// Streams a Parquet file: only `columns` are decoded, and row groups whose statistics cannot match
// the filter are skipped without being read.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenParquetFile(
    const std::string& path, const ConvertedReadOptions& options);

// The schema in the file's footer (read through `verifier`, when given).
arrow::Result<std::shared_ptr<arrow::Schema>> ParquetFileSchema(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier = nullptr);

struct ParquetWriteOptions {
  int64_t row_group_rows =
      256 * 1024;  // large enough to compress well, small enough to prune by statistics
  int zstd_level = 3;
};

// Writers of zstd-compressed Parquet with statistics, for TeeToFile.
BatchFileWriterFactory ParquetWriterFactory(ParquetWriteOptions options);

}  // namespace arrow_sus::cache
