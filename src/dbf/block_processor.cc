#include "dbf/block_processor.h"

#include <algorithm>

#include <arrow/buffer.h>
#include <arrow/util/bit_util.h>

#include "arrow_sus/error.h"
#include "dbf/error_locations.h"

namespace arrow_sus::dbf::internal {

namespace {

constexpr uint8_t kDeletedFlag = '*';
// Records converted together by all columns: small enough to stay in L2 cache.
constexpr int64_t kTileBytes = 128 * 1024;

arrow::Status UnknownColumn(const DbfHeader& header, const std::string& name) {
  std::string names;
  for (const auto& f : header.fields) names += (names.empty() ? "" : ", ") + f.name;
  return MakeError(ErrorKind::kInvalidArgument, AtField(name),
                   "no column named '" + name + "'; available fields: " + names);
}

}  // namespace

arrow::Result<std::shared_ptr<const BlockProcessor>> BlockProcessor::Make(
    const DbfHeader& header, const ReadOptions& options,
    std::shared_ptr<const arrow::KeyValueMetadata> schema_metadata) {
  std::shared_ptr<BlockProcessor> processor(new BlockProcessor());
  processor->record_length_ = header.record_length;
  processor->keep_deleted_ = options.keep_deleted;

  std::vector<int> projected;
  if (options.columns) {
    for (const auto& name : *options.columns) {
      int index = header.FieldIndex(name);
      if (index < 0) return UnknownColumn(header, name);
      projected.push_back(index);
    }
  } else {
    for (size_t i = 0; i < header.fields.size(); ++i) projected.push_back(static_cast<int>(i));
  }

  arrow::FieldVector fields;
  for (int index : projected) {
    ARROW_ASSIGN_OR_RAISE(auto converter, ColumnConverter::Make(header.fields[index], options,
                                                                arrow::default_memory_pool()));
    fields.push_back(converter->field());
    processor->column_names_.push_back(header.fields[index].name);
    processor->converters_.push_back(std::move(converter));
  }
  if (options.keep_deleted) fields.push_back(arrow::field(kDeletedColumn, arrow::boolean(), false));
  processor->schema_ = arrow::schema(std::move(fields), std::move(schema_metadata));
  if (options.filter) {
    ARROW_ASSIGN_OR_RAISE(processor->filter_,
                          CompiledFilter::Make(*options.filter, header, options));
  }
  return processor;
}

arrow::Result<std::unique_ptr<BlockConversion>> BlockProcessor::Start(
    const RecordBlock& block) const {
  std::unique_ptr<BlockConversion> conversion(new BlockConversion(this));
  ProcessedBlock& out = conversion->out_;
  std::vector<int32_t>& rows = conversion->rows_;
  const uint8_t* data = block.data->data();
  rows.reserve(block.num_records);
  for (int32_t i = 0; i < block.num_records; ++i) {
    const bool deleted = data[static_cast<int64_t>(i) * record_length_] == kDeletedFlag;
    out.deleted_records += deleted;
    if (!deleted || keep_deleted_) rows.push_back(i);
  }
  if (filter_ != nullptr) {
    std::vector<int32_t> selected;
    filter_->Select(data, record_length_, rows, &selected);
    out.rows_filtered_out = static_cast<int64_t>(rows.size() - selected.size());
    rows.swap(selected);
  }
  conversion->data_ = block.data;
  conversion->records_ = {data,
                          data + static_cast<int64_t>(block.num_records) * record_length_,
                          record_length_,
                          rows.data(),
                          static_cast<int64_t>(rows.size()),
                          block.first_record};
  const int64_t n = conversion->records_.size();
  out.invalid_values.assign(converters_.size(), 0);
  conversion->tile_rows_ = std::max<int64_t>(16, kTileBytes / record_length_);
  for (const auto& converter : converters_) {
    ARROW_ASSIGN_OR_RAISE(auto output, converter->Start(n, conversion->tile_rows_));
    conversion->outputs_.push_back(std::move(output));
  }
  return conversion;
}

BlockConversion::Outcome BlockConversion::ConvertColumns(int first, int last) {
  const SelectedRecords& records = records_;
  const int64_t n = records.size();
  // Tile by tile, every column takes its values while the tile's records are in cache.
  for (int64_t begin = 0; begin < n; begin += tile_rows_) {
    const int64_t end = std::min(n, begin + tile_rows_);
    // Pull the tile into cache in one sequential sweep; the columns then read it in strides that
    // the hardware prefetcher does not follow across pages.
    const uint8_t* tile_end = records.record(end - 1) + records.record_length;
    for (const uint8_t* p = records.record(begin); p < tile_end; p += 64) __builtin_prefetch(p);
    for (int c = first; c < last; ++c) {
      arrow::Status status = outputs_[c]->Append(records, begin, end, &out_.invalid_values[c]);
      if (!status.ok()) return {std::move(status), begin / tile_rows_};
    }
  }
  return {};
}

arrow::Result<ProcessedBlock> BlockConversion::Finish() {
  const int64_t n = records_.size();
  arrow::ArrayVector columns;
  for (auto& output : outputs_) {
    ARROW_ASSIGN_OR_RAISE(auto column, output->Finish());
    columns.push_back(std::move(column));
  }
  if (processor_->keep_deleted_) {
    ARROW_ASSIGN_OR_RAISE(auto flags, arrow::AllocateEmptyBitmap(n));
    for (int64_t i = 0; i < n; ++i) {
      if (records_.record(i)[0] == kDeletedFlag) arrow::bit_util::SetBit(flags->mutable_data(), i);
    }
    columns.push_back(std::make_shared<arrow::BooleanArray>(n, std::move(flags)));
  }
  out_.batch = arrow::RecordBatch::Make(processor_->schema_, n, std::move(columns));
  out_.records = std::move(data_);
  return std::move(out_);
}

arrow::Result<ProcessedBlock> BlockProcessor::Process(const RecordBlock& block) const {
  ARROW_ASSIGN_OR_RAISE(auto conversion, Start(block));
  ARROW_RETURN_NOT_OK(conversion->ConvertColumns(0, conversion->num_columns()).status);
  return conversion->Finish();
}

}  // namespace arrow_sus::dbf::internal
