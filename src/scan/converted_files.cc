#include "arrow_sus/scan/converted_files.h"

#include "arrow_sus/scan/ipc_files.h"
#include "arrow_sus/scan/parquet_files.h"

namespace arrow_sus::scan {

using cache::ConvertedFormat;

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenConvertedFile(
    ConvertedFormat format, const std::string& path, const ConvertedReadOptions& options) {
  return format == ConvertedFormat::kArrowIpc ? OpenIpcFile(path, options)
                                              : OpenParquetFile(path, options);
}

arrow::Result<std::shared_ptr<arrow::Schema>> ConvertedFileSchema(ConvertedFormat format,
                                                                  const std::string& path) {
  return format == ConvertedFormat::kArrowIpc ? IpcFileSchema(path) : ParquetFileSchema(path);
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToConvertedFile(
    ConvertedFormat format, std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    std::function<arrow::Status(const std::string& path)> on_complete) {
  BatchFileWriterFactory writer =
      format == ConvertedFormat::kArrowIpc ? IpcWriterFactory() : ParquetWriterFactory({});
  return TeeToFile(std::move(input), std::move(path), writer, std::move(on_complete));
}

}  // namespace arrow_sus::scan
