#include "arrow_sus/cache/parquet_files.h"

#include <algorithm>

#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
#include <arrow/io/file.h>
#include <arrow/util/byte_size.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/metadata.h>
#include <parquet/properties.h>

#include "arrow_sus/error.h"
#include "cache/cache_file.h"
#include "core/compute_init.h"
#include "core/counting_file.h"

namespace arrow_sus::cache {

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenParquetFile(
    const std::string& path, const ConvertedReadOptions& options) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  auto filesystem = std::make_shared<arrow::fs::LocalFileSystem>();
  ARROW_ASSIGN_OR_RAISE(auto info, filesystem->GetFileInfo(path));
  if (info.type() != arrow::fs::FileType::File) {
    return MakeError(ErrorKind::kNotFound, {.file = path}, "the cached Parquet file is missing");
  }
  // Opened through our own callback so that every read can be verified and counted.
  arrow::dataset::FileSource source(
      [path, counter = options.bytes_read, verifier = options.verifier]()
          -> arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> {
        ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::io::RandomAccessFile> file,
                              OpenCacheFile(path, verifier));
        return counter != nullptr ? CountReads(std::move(file), counter) : file;
      },
      info.size());
  auto format = std::make_shared<arrow::dataset::ParquetFileFormat>();
  ARROW_ASSIGN_OR_RAISE(auto fragment, format->MakeFragment(source));
  auto physical_schema = fragment->ReadPhysicalSchema();
  if (!physical_schema.ok()) {
    return MakeError(ErrorKind::kFormat, {.file = path},
                     "not a readable Parquet file: " + physical_schema.status().message());
  }
  const std::shared_ptr<arrow::Schema>& schema = *physical_schema;
  if (options.file_rows != nullptr) {  // the footer was just read (and is kept for the scan)
    *options.file_rows =
        static_cast<arrow::dataset::ParquetFileFragment&>(*fragment).metadata()->num_rows();
  }
  for (const std::string& name : options.columns) {
    if (schema->GetFieldIndex(name) < 0) {
      return MakeError(ErrorKind::kInvalidArgument, {.file = path, .field = name},
                       "no such column in the cached file");
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto dataset, arrow::dataset::FileSystemDataset::Make(
                                          schema, arrow::compute::literal(true), format, filesystem,
                                          {std::move(fragment)}));
  arrow::dataset::ScannerBuilder builder(std::move(dataset));
  ARROW_RETURN_NOT_OK(builder.BatchSize(options.batch_size));
  ARROW_RETURN_NOT_OK(builder.UseThreads(options.use_threads));
  if (!options.columns.empty()) ARROW_RETURN_NOT_OK(builder.Project(options.columns));
  if (options.filter) ARROW_RETURN_NOT_OK(builder.Filter(*options.filter));
  ARROW_ASSIGN_OR_RAISE(auto scanner, builder.Finish());
  return scanner->ToRecordBatchReader();
}

arrow::Result<std::shared_ptr<arrow::Schema>> ParquetFileSchema(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenCacheFile(path, verifier));
  auto reader = parquet::arrow::OpenFile(file, arrow::default_memory_pool());
  if (!reader.ok()) {
    return MakeError(ErrorKind::kFormat, {.file = path},
                     "not a readable Parquet file: " + reader.status().message());
  }
  std::shared_ptr<arrow::Schema> schema;
  arrow::Status status = (*reader)->GetSchema(&schema);
  if (!status.ok()) {
    return MakeError(ErrorKind::kFormat, {.file = path},
                     "unreadable schema in the Parquet file: " + status.message());
  }
  return schema;
}

namespace {

// Parquet's own writer, told where each row group ends: at options.row_group_rows rows or
// options.row_group_bytes bytes of Arrow data, whichever comes first. A batch that would overflow
// the row group being built is split between it and the next.
class ParquetBatchWriter final : public BatchFileWriter {
 public:
  // `owned_sink`, when given, is closed after the writer (which may leave its sink open).
  ParquetBatchWriter(std::unique_ptr<parquet::arrow::FileWriter> writer,
                     const ParquetWriteOptions& options,
                     std::shared_ptr<arrow::io::OutputStream> owned_sink)
      : writer_(std::move(writer)),
        owned_sink_(std::move(owned_sink)),
        max_rows_(std::max<int64_t>(1, options.row_group_rows)),
        max_bytes_(std::max<int64_t>(1, options.row_group_bytes)) {}

  arrow::Status Write(const arrow::RecordBatch& batch) override {
    const int64_t rows = batch.num_rows();
    if (rows == 0) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(const int64_t bytes, arrow::util::ReferencedBufferSize(batch));
    const int64_t row_bytes = std::max<int64_t>(1, bytes / rows);
    for (int64_t done = 0; done < rows;) {
      if (group_rows_ >= max_rows_ || group_bytes_ >= max_bytes_) {
        // Only now, with rows to put in it: a row group started at the end would stay empty.
        ARROW_RETURN_NOT_OK(writer_->NewBufferedRowGroup());
        group_rows_ = group_bytes_ = 0;
      }
      const int64_t room = std::max<int64_t>(
          1, std::min(max_rows_ - group_rows_, (max_bytes_ - group_bytes_) / row_bytes));
      const int64_t take = std::min(rows - done, room);
      ARROW_RETURN_NOT_OK(
          writer_->WriteRecordBatch(done == 0 && take == rows ? batch : *batch.Slice(done, take)));
      group_rows_ += take;
      group_bytes_ += take * row_bytes;
      done += take;
    }
    return arrow::Status::OK();
  }

  arrow::Status Close() override {
    arrow::Status status = writer_->Close();
    if (owned_sink_ == nullptr) return status;
    arrow::Status closed = owned_sink_->Close();
    return status.ok() ? closed : status;
  }

 private:
  std::unique_ptr<parquet::arrow::FileWriter> writer_;
  std::shared_ptr<arrow::io::OutputStream> owned_sink_;
  const int64_t max_rows_;
  const int64_t max_bytes_;
  int64_t group_rows_ = 0;   // in the row group being built
  int64_t group_bytes_ = 0;  // estimated from the average row of each batch
};

arrow::Result<std::unique_ptr<BatchFileWriter>> MakeParquetWriter(
    std::shared_ptr<arrow::io::OutputStream> sink, const std::shared_ptr<arrow::Schema>& schema,
    const ParquetWriteOptions& options, bool owns_sink) {
  parquet::WriterProperties::Builder properties;
  properties.compression(options.compression)
      ->max_row_group_length(std::max<int64_t>(1, options.row_group_rows))
      ->enable_statistics();
  if (options.compression == arrow::Compression::ZSTD) {
    properties.compression_level(options.zstd_level);
  }
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  ARROW_ASSIGN_OR_RAISE(
      auto writer, parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(), sink,
                                                    properties.build(), arrow_properties));
  return std::make_unique<ParquetBatchWriter>(std::move(writer), options,
                                              owns_sink ? std::move(sink) : nullptr);
}

}  // namespace

BatchFileWriterFactory ParquetWriterFactory(ParquetWriteOptions options) {
  return [options](std::shared_ptr<arrow::io::OutputStream> sink,
                   const std::shared_ptr<arrow::Schema>& schema) {
    return MakeParquetWriter(std::move(sink), schema, options, /*owns_sink=*/false);
  };
}

arrow::Result<std::unique_ptr<BatchFileWriter>> OpenParquetOutput(
    const std::string& path, const std::shared_ptr<arrow::Schema>& schema,
    const ParquetWriteOptions& options) {
  auto file = arrow::io::FileOutputStream::Open(path);
  if (!file.ok()) {
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot create the output file: " + file.status().message());
  }
  return MakeParquetWriter(std::move(*file), schema, options, /*owns_sink=*/true);
}

}  // namespace arrow_sus::cache
