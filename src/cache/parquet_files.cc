#include "arrow_sus/cache/parquet_files.h"

#include <arrow/dataset/api.h>
#include <arrow/filesystem/localfs.h>
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

BatchFileWriterFactory ParquetWriterFactory(ParquetWriteOptions options) {
  return [options](std::shared_ptr<arrow::io::OutputStream> sink,
                   const std::shared_ptr<arrow::Schema>& schema)
             -> arrow::Result<std::unique_ptr<BatchFileWriter>> {
    auto properties = parquet::WriterProperties::Builder()
                          .compression(parquet::Compression::ZSTD)
                          ->compression_level(options.zstd_level)
                          ->max_row_group_length(options.row_group_rows)
                          ->enable_statistics()
                          ->build();
    auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
    ARROW_ASSIGN_OR_RAISE(auto writer, parquet::arrow::FileWriter::Open(
                                           *schema, arrow::default_memory_pool(), std::move(sink),
                                           properties, arrow_properties));
    return std::make_unique<BatchFileWriterOf<std::unique_ptr<parquet::arrow::FileWriter>>>(
        std::move(writer));
  };
}

}  // namespace arrow_sus::cache
