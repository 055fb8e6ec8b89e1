#include "dbf/block_processor.h"

#include <arrow/buffer.h>
#include <arrow/util/bit_util.h>

#include "arrow_sus/error.h"
#include "dbf/error_locations.h"

namespace arrow_sus::dbf::internal {

namespace {

constexpr uint8_t kDeletedFlag = '*';

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

arrow::Result<ProcessedBlock> BlockProcessor::Process(const RecordBlock& block) const {
  ProcessedBlock out;
  const uint8_t* data = block.data->data();
  std::vector<int32_t> rows;
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

  const SelectedRecords records{data, record_length_, &rows, block.first_record};
  const int64_t n = records.size();
  arrow::ArrayVector columns;
  out.invalid_values.assign(converters_.size(), 0);
  for (size_t c = 0; c < converters_.size(); ++c) {
    ARROW_ASSIGN_OR_RAISE(auto column, converters_[c]->Convert(records, &out.invalid_values[c]));
    columns.push_back(std::move(column));
  }
  if (keep_deleted_) {
    ARROW_ASSIGN_OR_RAISE(auto flags, arrow::AllocateEmptyBitmap(n));
    for (int64_t i = 0; i < n; ++i) {
      if (records.record(i)[0] == kDeletedFlag) arrow::bit_util::SetBit(flags->mutable_data(), i);
    }
    columns.push_back(std::make_shared<arrow::BooleanArray>(n, std::move(flags)));
  }
  out.batch = arrow::RecordBatch::Make(schema_, n, std::move(columns));
  return out;
}

}  // namespace arrow_sus::dbf::internal
