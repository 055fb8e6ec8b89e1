// One block of raw records -> one record batch: drop deleted records, apply the filter to the raw
// bytes, convert the projected fields. Immutable once built, so blocks can be processed on any
// thread, in any order.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"
#include "dbf/converters.h"
#include "dbf/record_blocks.h"

namespace arrow_sus::dbf::internal {

struct ProcessedBlock {
  std::shared_ptr<arrow::RecordBatch> batch;
  std::shared_ptr<arrow::Buffer> records;  // the block's raw bytes, to be reused for a later block
  int64_t deleted_records = 0;
  int64_t rows_filtered_out = 0;
  std::vector<int64_t> invalid_values;  // per converted column
};

class BlockProcessor;

// One block on its way through the converters: the rows it keeps and each column's output so far.
// Columns convert independently of each other, so disjoint column ranges may be converted on
// different threads at the same time.
class BlockConversion {
 public:
  // How converting a range of columns ended; a failure names the tile it happened in, so that of
  // ranges converted apart, the error a serial pass would have met first can be reported.
  struct Outcome {
    arrow::Status status;
    int64_t failed_tile = INT64_MAX;
  };

  // records_ points into rows_: neither copied nor moved.
  BlockConversion(const BlockConversion&) = delete;
  BlockConversion& operator=(const BlockConversion&) = delete;

  int num_columns() const { return static_cast<int>(outputs_.size()); }
  // Converts columns [first, last) of every kept row, tile by tile.
  Outcome ConvertColumns(int first, int last);
  // The batch, once every column is converted.
  arrow::Result<ProcessedBlock> Finish();

 private:
  friend class BlockProcessor;
  explicit BlockConversion(const BlockProcessor* processor) : processor_(processor) {}

  const BlockProcessor* processor_;
  std::shared_ptr<arrow::Buffer> data_;  // the raw records (kept alive for the outputs)
  std::vector<int32_t> rows_;            // indices of the kept records
  SelectedRecords records_;
  int64_t tile_rows_ = 0;
  std::vector<std::unique_ptr<ColumnConverter::Output>> outputs_;
  ProcessedBlock out_;  // counters so far
};

class BlockProcessor {
 public:
  // Resolves the projection (unknown names fail listing the available fields), compiles the filter
  // and builds one converter per projected field.
  static arrow::Result<std::shared_ptr<const BlockProcessor>> Make(
      const DbfHeader& header, const ReadOptions& options,
      std::shared_ptr<const arrow::KeyValueMetadata> schema_metadata);

  // Selects the rows to keep (deleted flags, then the filter) and starts every column's output.
  arrow::Result<std::unique_ptr<BlockConversion>> Start(const RecordBlock& block) const;
  // Start, every column, Finish.
  arrow::Result<ProcessedBlock> Process(const RecordBlock& block) const;

  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  // Names of the converted DBF fields, in schema order.
  const std::vector<std::string>& column_names() const { return column_names_; }

 private:
  friend class BlockConversion;
  BlockProcessor() = default;

  int32_t record_length_ = 0;
  bool keep_deleted_ = false;
  std::unique_ptr<CompiledFilter> filter_;
  std::vector<std::unique_ptr<ColumnConverter>> converters_;
  std::vector<std::string> column_names_;
  std::shared_ptr<arrow::Schema> schema_;
};

}  // namespace arrow_sus::dbf::internal
