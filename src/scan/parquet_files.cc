#include "arrow_sus/scan/parquet_files.h"

#include <atomic>
#include <filesystem>
#include <random>

#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <arrow/io/file.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <parquet/arrow/writer.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include "arrow_sus/error.h"
#include "arrow_sus/scan/map_batches.h"
#include "core/compute_init.h"
#include "scan/counting_file.h"

namespace arrow_sus::scan {

namespace fs = std::filesystem;

namespace {

std::string TemporaryNameFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  std::random_device random;
  return path + ".tmp-" + std::to_string(random()) + "-" + std::to_string(counter.fetch_add(1));
}

class TeeReader : public arrow::RecordBatchReader {
 public:
  TeeReader(std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
            std::string temp_path, std::unique_ptr<parquet::arrow::FileWriter> writer,
            std::function<arrow::Status(const std::string&)> on_complete)
      : input_(std::move(input)),
        path_(std::move(path)),
        temp_path_(std::move(temp_path)),
        writer_(std::move(writer)),
        on_complete_(std::move(on_complete)) {}

  ~TeeReader() override { Abandon(); }

  std::shared_ptr<arrow::Schema> schema() const override { return input_->schema(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    if (writer_ == nullptr) {  // finished or abandoned
      *batch = nullptr;
      return arrow::Status::OK();
    }
    arrow::Status status = input_->ReadNext(batch);
    if (status.ok() && *batch != nullptr) status = writer_->WriteRecordBatch(**batch);
    if (status.ok() && *batch == nullptr) status = Finish();
    if (!status.ok()) Abandon();
    return status;
  }

  arrow::Status Close() override {
    Abandon();
    return input_->Close();
  }

 private:
  arrow::Status Finish() {
    ARROW_RETURN_NOT_OK(writer_->Close());
    writer_.reset();
    std::error_code error;
    fs::rename(temp_path_, path_, error);
    if (error) {
      fs::remove(temp_path_, error);
      return MakeError(ErrorKind::kIo, {.file = path_},
                       "cannot move the finished cache file into place");
    }
    return on_complete_ ? on_complete_(path_) : arrow::Status::OK();
  }

  void Abandon() {
    if (writer_ == nullptr) return;
    (void)writer_->Close();
    writer_.reset();
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
  }

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::string path_;
  std::string temp_path_;
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  std::function<arrow::Status(const std::string&)> on_complete_;
};

// Keeps the rows matching `filter`; a constant mask (e.g. a filter on a column this file lacks)
// keeps all rows or none.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> KeepMatching(
    const std::shared_ptr<arrow::RecordBatch>& batch, const arrow::compute::Expression& filter) {
  ARROW_ASSIGN_OR_RAISE(arrow::Datum mask,
                        arrow::compute::ExecuteScalarExpression(filter, *batch->schema(), batch));
  if (mask.is_scalar()) {
    const auto& keep = mask.scalar_as<arrow::BooleanScalar>();
    return keep.is_valid && keep.value ? batch : batch->Slice(0, 0);
  }
  ARROW_ASSIGN_OR_RAISE(arrow::Datum kept, arrow::compute::Filter(batch, mask));
  return kept.record_batch();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenParquetFile(
    const std::string& path, const ParquetReadOptions& options) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  auto filesystem = std::make_shared<arrow::fs::LocalFileSystem>();
  ARROW_ASSIGN_OR_RAISE(auto info, filesystem->GetFileInfo(path));
  if (info.type() != arrow::fs::FileType::File) {
    return MakeError(ErrorKind::kNotFound, {.file = path}, "the cached Parquet file is missing");
  }
  // Opened through our own callback so that every read can be counted.
  arrow::dataset::FileSource source(
      [path, counter = options.bytes_read]()
          -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
        ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::io::RandomAccessFile> file,
                              arrow::io::ReadableFile::Open(path));
        return counter != nullptr ? CountReads(std::move(file), counter) : file;
      },
      info.size());
  auto format = std::make_shared<arrow::dataset::ParquetFileFormat>();
  ARROW_ASSIGN_OR_RAISE(auto fragment, format->MakeFragment(source));
  auto schema = fragment->ReadPhysicalSchema();
  if (!schema.ok()) {
    return MakeError(ErrorKind::kFormat, {.file = path},
                     "not a readable Parquet file: " + schema.status().message());
  }
  if (options.file_rows != nullptr) {  // the footer was just read (and is kept for the scan)
    *options.file_rows =
        static_cast<arrow::dataset::ParquetFileFragment&>(*fragment).metadata()->num_rows();
  }
  ARROW_ASSIGN_OR_RAISE(auto dataset, arrow::dataset::FileSystemDataset::Make(
                                          *schema, arrow::compute::literal(true), format,
                                          filesystem, {std::move(fragment)}));
  arrow::dataset::ScannerBuilder builder(std::move(dataset));
  ARROW_RETURN_NOT_OK(builder.BatchSize(options.batch_size));
  ARROW_RETURN_NOT_OK(builder.UseThreads(options.use_threads));
  if (!options.columns.empty()) ARROW_RETURN_NOT_OK(builder.Project(options.columns));
  if (options.filter) ARROW_RETURN_NOT_OK(builder.Filter(*options.filter));
  ARROW_ASSIGN_OR_RAISE(auto scanner, builder.Finish());
  return scanner->ToRecordBatchReader();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToParquet(
    std::shared_ptr<arrow::RecordBatchReader> input, std::string path, ParquetWriteOptions options,
    std::function<arrow::Status(const std::string& path)> on_complete) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error)
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot create the cache directory: " + error.message());
  std::string temp_path = TemporaryNameFor(path);
  ARROW_ASSIGN_OR_RAISE(auto sink, arrow::io::FileOutputStream::Open(temp_path));
  auto properties = parquet::WriterProperties::Builder()
                        .compression(parquet::Compression::ZSTD)
                        ->compression_level(options.zstd_level)
                        ->max_row_group_length(options.row_group_rows)
                        ->enable_statistics()
                        ->build();
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  auto writer = parquet::arrow::FileWriter::Open(*input->schema(), arrow::default_memory_pool(),
                                                 sink, properties, arrow_properties);
  if (!writer.ok()) {
    fs::remove(temp_path, error);
    return writer.status();
  }
  return std::make_shared<TeeReader>(std::move(input), std::move(path), std::move(temp_path),
                                     std::move(*writer), std::move(on_complete));
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FilterAndProject(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::optional<arrow::compute::Expression> filter, std::vector<std::string> columns) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  const auto& schema = input->schema();
  if (filter) {
    ARROW_ASSIGN_OR_RAISE(filter, filter->Bind(*schema));
  }
  std::vector<int> indices;
  if (columns.empty()) {
    for (int i = 0; i < schema->num_fields(); ++i) indices.push_back(i);
  } else {
    for (const std::string& name : columns) {
      int index = schema->GetFieldIndex(name);
      if (index < 0) {
        return MakeError(ErrorKind::kInvalidArgument, {.field = name},
                         "no such column in " + schema->ToString());
      }
      indices.push_back(index);
    }
  }
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (int index : indices) fields.push_back(schema->field(index));
  auto projected = arrow::schema(std::move(fields), schema->metadata());
  return MapBatches(std::move(input), std::move(projected),
                    [filter = std::move(filter),
                     indices = std::move(indices)](const std::shared_ptr<arrow::RecordBatch>& batch)
                        -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
                      std::shared_ptr<arrow::RecordBatch> kept = batch;
                      if (filter) {
                        ARROW_ASSIGN_OR_RAISE(kept, KeepMatching(batch, *filter));
                      }
                      return kept->SelectColumns(indices);
                    });
}

}  // namespace arrow_sus::scan
