// Parquet files of the converted cache: reading them with projection and statistics-based
// filtering, and the writer the cache tee uses.
#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/util/type_fwd.h>

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
  // A row group ends at whichever limit comes first. Bytes (of the Arrow data written into it)
  // bound the memory a row group takes: its pages are kept until it is complete, so a row count
  // alone would let a wide table (113 SIH-RD columns) hold hundreds of MB. Large enough to compress
  // well, small enough to prune by statistics.
  int64_t row_group_rows = 256 * 1024;
  int64_t row_group_bytes = 64 << 20;
  arrow::Compression::type compression = arrow::Compression::ZSTD;
  int zstd_level = 3;
};

// Writers of Parquet with statistics, for TeeToFile and for the outputs of `get` and
// Scan.to_parquet (OpenParquetOutput). Batches are encoded as they come into the row group being
// built (no batch is kept), and one batch may be split between row groups.
BatchFileWriterFactory ParquetWriterFactory(ParquetWriteOptions options);

// A Parquet writer over a new file at `path` (an output's temporary name: the caller commits it).
arrow::Result<std::unique_ptr<BatchFileWriter>> OpenParquetOutput(
    const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
    const ParquetWriteOptions& options);

}  // namespace arrow_sus::cache
