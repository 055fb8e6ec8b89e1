#include "arrow_sus/cache/ipc_files.h"

#include <algorithm>
#include <utility>

#include <arrow/array.h>
#include <arrow/array/validate.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/exec.h>
#include <arrow/io/file.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>
#include <arrow/scalar.h>
#include <arrow/util/byte_size.h>
#include <arrow/util/compression.h>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/error.h"
#include "cache/cache_file.h"
#include "cache/dictionary_placeholders.h"
#include "core/compute_init.h"
#include "core/counting_file.h"
#include "core/dictionary_unifier.h"

namespace arrow_sus::cache {

namespace cp = arrow::compute;

namespace {

arrow::Result<std::shared_ptr<arrow::ipc::RecordBatchFileReader>> OpenIpcReader(
    const std::string& path, const std::shared_ptr<arrow::io::RandomAccessFile>& file,
    arrow::ipc::IpcReadOptions options) {
  auto reader = arrow::ipc::RecordBatchFileReader::Open(file, options);
  if (!reader.ok()) {
    return MakeError(ErrorKind::kFormat, {.file = path},
                     "not a readable Arrow IPC file: " + reader.status().message());
  }
  return *reader;
}

// Variable-length columns index their data with offsets that every consumer trusts (compute
// kernels, Python): a damaged file whose offsets decrease or point past the data would make them
// read out of bounds. Validate() checks only buffer sizes and ValidateFull() also checks UTF-8,
// which costs more than reading the file; this checks what memory safety needs, branch-free.
template <typename Offset>
bool OffsetsAreSound(const arrow::ArrayData& data) {
  if (data.length == 0) return true;  // the offsets buffer may be empty then
  const Offset* offsets = data.GetValues<Offset>(1);
  const int64_t extent = data.buffers[2] ? data.buffers[2]->size() : 0;
  if (offsets[0] < 0 || offsets[data.length] > extent) return false;
  if constexpr (sizeof(Offset) == 4) {
    // Any step down sets the sign bit; 64-bit steps cannot overflow, and the loop vectorises.
    int64_t steps = 0;
    for (int64_t i = 0; i < data.length; ++i) {
      steps |= static_cast<int64_t>(offsets[i + 1]) - static_cast<int64_t>(offsets[i]);
    }
    return steps >= 0;
  } else {
    int descending = 0;
    for (int64_t i = 0; i < data.length; ++i) descending |= offsets[i] > offsets[i + 1];
    return descending == 0;
  }
}

arrow::Status CheckColumn(const arrow::ArrayData& data) {
  switch (data.type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      return OffsetsAreSound<int32_t>(data)
                 ? arrow::Status::OK()
                 : arrow::Status::Invalid("string offsets out of order or past the data");
    case arrow::Type::LARGE_STRING:
    case arrow::Type::LARGE_BINARY:
      return OffsetsAreSound<int64_t>(data)
                 ? arrow::Status::OK()
                 : arrow::Status::Invalid("string offsets out of order or past the data");
    default:  // fixed width: Validate() has checked the buffer sizes; nested: check everything
      return arrow::is_nested(data.type->id()) ? arrow::internal::ValidateArrayFull(data)
                                               : arrow::Status::OK();
  }
}

// A reader of some of a file's columns: the batches it reads hold `fields` (file indices,
// ascending) in file order.
struct ColumnGroup {
  std::vector<int> fields;
  std::shared_ptr<arrow::ipc::RecordBatchFileReader> reader;
};

class IpcFileReader : public arrow::RecordBatchReader {
 public:
  IpcFileReader(std::string path, std::shared_ptr<arrow::Schema> schema,
                std::vector<ColumnGroup> groups, std::vector<std::pair<size_t, int>> column_sources,
                std::optional<cp::Expression> filter, int num_batches, int64_t batch_size)
      : path_(std::move(path)),
        schema_(std::move(schema)),
        groups_(std::move(groups)),
        column_sources_(std::move(column_sources)),
        filter_(std::move(filter)),
        num_batches_(num_batches),
        batch_size_(batch_size) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    while (pending_ == nullptr || offset_ >= pending_->num_rows()) {
      pending_.reset();
      offset_ = 0;
      if (next_ >= num_batches_) {
        *out = nullptr;
        return arrow::Status::OK();
      }
      ARROW_ASSIGN_OR_RAISE(pending_, ReadBatch(next_++));
    }
    *out = offset_ == 0 && pending_->num_rows() <= batch_size_
               ? pending_
               : pending_->Slice(offset_, batch_size_);
    offset_ += (*out)->num_rows();
    return arrow::Status::OK();
  }

  arrow::Status Close() override {
    next_ = num_batches_;
    pending_.reset();
    groups_.clear();  // unmaps the file once the last batch handed out is released
    return arrow::Status::OK();
  }

 private:
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Read(size_t group, int i) {
    auto batch = groups_[group].reader->ReadRecordBatch(i);
    if (!batch.ok()) {
      return MakeError(ErrorKind::kFormat, {.file = path_},
                       "cannot read batch " + std::to_string(i) + ": " + batch.status().message());
    }
    arrow::Status valid = (*batch)->Validate();  // buffer sizes against lengths: cheap
    for (int c = 0; valid.ok() && c < (*batch)->num_columns(); ++c) {
      valid = CheckColumn(*(*batch)->column_data(c));
    }
    if (!valid.ok()) {
      return MakeError(ErrorKind::kFormat, {.file = path_},
                       "damaged batch " + std::to_string(i) + ": " + valid.message());
    }
    auto cleaned = WithoutPlaceholders(*batch);
    if (!cleaned.ok()) {
      return MakeError(ErrorKind::kFormat, {.file = path_},
                       "damaged batch " + std::to_string(i) + ": " + cleaned.status().message());
    }
    return *cleaned;
  }

  // Batch i with the output columns; nullptr when the filter keeps none of its rows.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> ReadBatch(int i) {
    std::vector<std::shared_ptr<arrow::RecordBatch>> parts(groups_.size());
    ARROW_ASSIGN_OR_RAISE(parts[0], Read(0, i));
    std::optional<RowSelection> rows;
    if (filter_) {
      ARROW_ASSIGN_OR_RAISE(rows, SelectRows(parts[0], *filter_));
      if (rows->kept == 0) return nullptr;  // the other columns of this batch are never read
    }
    for (size_t g = 1; g < groups_.size(); ++g) {
      ARROW_ASSIGN_OR_RAISE(parts[g], Read(g, i));
    }
    std::vector<std::shared_ptr<arrow::Array>> columns;
    for (const auto& [group, index] : column_sources_) {
      columns.push_back(parts[group]->column(index));
    }
    auto batch = arrow::RecordBatch::Make(schema_, parts[0]->num_rows(), std::move(columns));
    if (!rows) return batch;
    return KeepRows(batch, *rows);
  }

  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;
  // groups_[0] holds the filter's columns when there is a filter (read first), the others the
  // remaining output columns.
  std::vector<ColumnGroup> groups_;
  std::vector<std::pair<size_t, int>> column_sources_;  // output column -> (group, column there)
  std::optional<cp::Expression> filter_;                // bound to groups_[0]'s batches
  int num_batches_;
  int64_t batch_size_;
  int next_ = 0;
  std::shared_ptr<arrow::RecordBatch> pending_;  // the batch being handed out in slices
  int64_t offset_ = 0;
};

// A cached batch is read whole, and its pages stay in memory while it is in use (a file's reader
// holds up to three: the one in use and two ahead): batches are written in slices of at most this
// much Arrow data, so the memory of a warm read is bounded by bytes, however wide the rows.
constexpr int64_t kMaxWrittenBatchBytes = 16 << 20;

// The IPC writer of the converted cache: dictionaries that grow from empty get their placeholder.
class IpcBatchFileWriter : public BatchFileWriter {
 public:
  explicit IpcBatchFileWriter(std::shared_ptr<arrow::ipc::RecordBatchWriter> writer)
      : writer_(std::move(writer)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    const int64_t rows = batch.num_rows();
    const int64_t bytes = arrow::util::TotalBufferSize(batch);
    if (bytes <= kMaxWrittenBatchBytes || rows <= 1) return WriteWhole(batch);
    const int64_t slice_rows = std::max<int64_t>(1, rows * kMaxWrittenBatchBytes / bytes);
    for (int64_t offset = 0; offset < rows; offset += slice_rows) {
      ARROW_RETURN_NOT_OK(WriteWhole(*batch.Slice(offset, std::min(slice_rows, rows - offset))));
    }
    return arrow::Status::OK();
  }
  arrow::Status Close() override { return writer_->Close(); }

 private:
  arrow::Status WriteWhole(const arrow::RecordBatch& batch) {
    ARROW_ASSIGN_OR_RAISE(auto written, placeholders_.ForWriting(batch));
    return writer_->WriteRecordBatch(written != nullptr ? *written : batch);
  }

  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
  DictionaryPlaceholders placeholders_;
};

std::shared_ptr<arrow::Schema> SchemaOf(const arrow::Schema& file_schema,
                                        const std::vector<int>& fields) {
  std::vector<std::shared_ptr<arrow::Field>> out;
  for (int i : fields) out.push_back(file_schema.field(i));
  return arrow::schema(std::move(out));
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenIpcFile(
    const std::string& path, const ConvertedReadOptions& options) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::io::RandomAccessFile> mapped,
                        OpenCacheFile(path, nullptr));
  std::shared_ptr<arrow::io::RandomAccessFile> verified = mapped;
  if (options.verifier) verified = cache::VerifyReads(std::move(verified), options.verifier);
  arrow::ipc::IpcReadOptions read_options;
  read_options.use_threads = options.use_threads;
  // The probe reads the footer (verified, uncounted: planning read it already).
  ARROW_ASSIGN_OR_RAISE(auto probe, OpenIpcReader(path, verified, read_options));
  std::shared_ptr<arrow::io::RandomAccessFile> file = verified;
  if (options.bytes_read != nullptr) file = CountReads(std::move(file), options.bytes_read);
  const std::shared_ptr<arrow::Schema> file_schema = probe->schema();
  if (options.file_rows != nullptr) {
    // Batch headers only: no column is decompressed. Arrow reads each batch's message whole, as
    // slices of the map that are never touched, so they neither count as bytes read nor are
    // verified (that would touch every page); a damaged header only misstates this statistic.
    ARROW_ASSIGN_OR_RAISE(auto headers, OpenIpcReader(path, mapped, read_options));
    auto rows = headers->CountRows();
    if (!rows.ok()) {
      return MakeError(
          ErrorKind::kFormat, {.file = path},
          "unreadable batch headers in the Arrow IPC file: " + rows.status().message());
    }
    *options.file_rows = *rows;
  }

  std::vector<int> projected;
  if (options.columns.empty()) {
    for (int i = 0; i < file_schema->num_fields(); ++i) projected.push_back(i);
  } else {
    for (const std::string& name : options.columns) {
      int index = file_schema->GetFieldIndex(name);
      if (index < 0) {
        return MakeError(ErrorKind::kInvalidArgument, {.file = path, .field = name},
                         "no such column in the cached file");
      }
      projected.push_back(index);
    }
  }
  std::vector<std::shared_ptr<arrow::Field>> output_fields;
  for (int i : projected) output_fields.push_back(file_schema->field(i));
  auto output_schema = arrow::schema(std::move(output_fields), file_schema->metadata());

  // The filter's columns are read first; the other output columns only for batches with matches.
  std::vector<int> first;
  std::optional<cp::Expression> filter;
  if (options.filter) {
    for (const arrow::FieldRef& ref : cp::FieldsInExpression(*options.filter)) {
      int index = ref.name() ? file_schema->GetFieldIndex(*ref.name()) : -1;
      if (index < 0) {
        return MakeError(ErrorKind::kInvalidArgument, {.file = path, .field = ref.ToString()},
                         "the filter's column is not in the cached file");
      }
      first.push_back(index);
    }
    std::sort(first.begin(), first.end());
    first.erase(std::unique(first.begin(), first.end()), first.end());
    ARROW_ASSIGN_OR_RAISE(auto bound, options.filter->Bind(*SchemaOf(*file_schema, first)));
    ARROW_ASSIGN_OR_RAISE(bound, cp::FoldConstants(std::move(bound)));
    if (const arrow::Datum* constant = bound.literal()) {  // e.g. on a column the file lacks
      const auto& keep = constant->scalar_as<arrow::BooleanScalar>();
      if (!(keep.is_valid && keep.value)) {
        return arrow::RecordBatchReader::Make({}, output_schema);
      }
      first.clear();
    } else {
      filter = std::move(bound);
    }
  }
  std::vector<int> rest;
  for (int i : projected) {
    if (!std::binary_search(first.begin(), first.end(), i)) rest.push_back(i);
  }
  std::sort(rest.begin(), rest.end());
  rest.erase(std::unique(rest.begin(), rest.end()), rest.end());
  if (!filter) {
    first = std::move(rest);
    rest.clear();
  }
  if (first.empty()) first.push_back(0);  // no column asked: one gives the row counts

  std::vector<ColumnGroup> groups;
  for (std::vector<int>* fields : {&first, &rest}) {
    if (fields->empty()) continue;
    arrow::ipc::IpcReadOptions group_options = read_options;
    // Arrow's reader copies the included fields' buffers out of the mapped file; a group of every
    // field includes none, so the columns stay the map's pages (an uncompressed all-columns warm
    // scan: 0.049 -> 0.026 s, bench_scan.py --warm-cache-only).
    if (static_cast<int>(fields->size()) < file_schema->num_fields()) {
      group_options.included_fields = *fields;
    }
    ARROW_ASSIGN_OR_RAISE(auto reader, OpenIpcReader(path, file, group_options));
    groups.push_back({*fields, std::move(reader)});
  }
  std::vector<std::pair<size_t, int>> column_sources;
  for (int i : projected) {
    for (size_t g = 0; g < groups.size(); ++g) {
      const std::vector<int>& fields = groups[g].fields;
      auto at = std::lower_bound(fields.begin(), fields.end(), i);
      if (at != fields.end() && *at == i) {
        column_sources.emplace_back(g, static_cast<int>(at - fields.begin()));
        break;
      }
    }
  }
  return std::make_shared<IpcFileReader>(
      path, std::move(output_schema), std::move(groups), std::move(column_sources),
      std::move(filter), probe->num_record_batches(), std::max<int64_t>(1, options.batch_size));
}

arrow::Result<std::shared_ptr<arrow::Schema>> IpcFileSchema(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenCacheFile(path, verifier));
  ARROW_ASSIGN_OR_RAISE(auto reader, OpenIpcReader(path, file, {}));
  return reader->schema();
}

BatchFileWriterFactory IpcWriterFactory(arrow::Compression::type compression) {
  return [compression](std::shared_ptr<arrow::io::OutputStream> sink,
                       const std::shared_ptr<arrow::Schema>& schema)
             -> arrow::Result<std::unique_ptr<BatchFileWriter>> {
    arrow::ipc::IpcWriteOptions options;
    // A coded column's dictionary grows within a file as values its list lacks appear (the meaning
    // stage keeps it one per file): IPC files take that as deltas, never as replacements.
    options.emit_dictionary_deltas = true;
    if (compression != arrow::Compression::UNCOMPRESSED) {
      ARROW_ASSIGN_OR_RAISE(options.codec, arrow::util::Codec::Create(compression));
    }
    ARROW_ASSIGN_OR_RAISE(auto writer,
                          arrow::ipc::MakeFileWriter(std::move(sink), schema, options));
    return std::make_unique<IpcBatchFileWriter>(std::move(writer));
  };
}

namespace {

// See OpenIpcOutput.
class IpcOutput : public BatchFileWriter {
 public:
  IpcOutput(std::string path, std::shared_ptr<arrow::Schema> schema)
      : path_(std::move(path)), schema_(std::move(schema)) {}

  arrow::Status Write(const arrow::RecordBatch& batch) override {
    if (writer_ == nullptr) ARROW_RETURN_NOT_OK(Start(&batch));
    std::vector<std::shared_ptr<arrow::Array>> columns = batch.columns();
    for (int c : as_values_) {
      const auto& type = static_cast<const arrow::DictionaryType&>(*columns[c]->type());
      ARROW_ASSIGN_OR_RAISE(columns[c], cp::Cast(*columns[c], type.value_type()));
    }
    auto written = arrow::RecordBatch::Make(written_schema_, batch.num_rows(), std::move(columns));
    if (unifier_) {
      ARROW_ASSIGN_OR_RAISE(written, (*unifier_)(written));
    }
    return writer_->WriteRecordBatch(*written);
  }

  arrow::Status Close() override {
    if (writer_ == nullptr) ARROW_RETURN_NOT_OK(Start(nullptr));
    ARROW_RETURN_NOT_OK(writer_->Close());
    return file_->Close();
  }

 private:
  arrow::Status Start(const arrow::RecordBatch* first) {
    ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
    std::vector<std::shared_ptr<arrow::Field>> fields = schema_->fields();
    std::vector<int> unified;
    for (int c = 0; c < static_cast<int>(fields.size()); ++c) {
      if (fields[c]->type()->id() != arrow::Type::DICTIONARY) continue;
      const auto& type = static_cast<const arrow::DictionaryType&>(*fields[c]->type());
      const bool empty_first =
          first != nullptr &&
          static_cast<const arrow::DictionaryArray&>(*first->column(c)).dictionary()->length() == 0;
      if (empty_first) {
        as_values_.push_back(c);
        fields[c] = fields[c]->WithType(type.value_type());
      } else if (type.value_type()->id() == arrow::Type::STRING) {
        unified.push_back(c);
      }
    }
    written_schema_ = arrow::schema(std::move(fields), schema_->metadata());
    if (!unified.empty()) unifier_ = std::make_unique<DictionaryUnifier>(std::move(unified));
    ARROW_ASSIGN_OR_RAISE(file_, arrow::io::FileOutputStream::Open(path_));
    arrow::ipc::IpcWriteOptions options;
    options.emit_dictionary_deltas = true;
    ARROW_ASSIGN_OR_RAISE(writer_, arrow::ipc::MakeFileWriter(file_, written_schema_, options));
    return arrow::Status::OK();
  }

  std::string path_;
  std::shared_ptr<arrow::Schema> schema_;          // the batches'
  std::shared_ptr<arrow::Schema> written_schema_;  // the file's
  std::vector<int> as_values_;                     // dictionary columns written as their values
  std::unique_ptr<DictionaryUnifier> unifier_;
  std::shared_ptr<arrow::io::FileOutputStream> file_;
  std::shared_ptr<arrow::ipc::RecordBatchWriter> writer_;
};

}  // namespace

arrow::Result<std::unique_ptr<BatchFileWriter>> OpenIpcOutput(
    const std::string& path, std::shared_ptr<arrow::Schema> schema) {
  return std::make_unique<IpcOutput>(path, std::move(schema));
}

}  // namespace arrow_sus::cache
