#include "arrow_sus/scan/converted_files.h"

#include <utility>

#include "arrow_sus/error.h"
#include "arrow_sus/scan/ipc_files.h"
#include "arrow_sus/scan/parquet_files.h"

namespace arrow_sus::scan {

using cache::ConvertedFormat;

namespace {

// Turns a failure to read a cache file into a kFormat error naming it, after calling `on_damaged`
// (once). Cancellation and invalid arguments (a column the file lacks) are not damage.
class DamageReport {
 public:
  DamageReport(std::string path, std::function<void()> on_damaged)
      : path_(std::move(path)), on_damaged_(std::move(on_damaged)) {}

  arrow::Status operator()(const arrow::Status& status) {
    if (status.ok()) return status;
    const ErrorDetail* detail = GetErrorDetail(status);
    if (detail != nullptr && (detail->kind() == ErrorKind::kCancelled ||
                              detail->kind() == ErrorKind::kInvalidArgument)) {
      return status;  // cancelled, or asked for what the file never had
    }
    if (on_damaged_) std::exchange(on_damaged_, nullptr)();
    if (detail != nullptr && detail->kind() == ErrorKind::kFormat) return status;
    return MakeError(ErrorKind::kFormat, {.file = path_},
                     "damaged cache file: " + status.message());
  }

 private:
  std::string path_;
  std::function<void()> on_damaged_;
};

class DamageReportingReader : public arrow::RecordBatchReader {
 public:
  DamageReportingReader(std::shared_ptr<arrow::RecordBatchReader> input, DamageReport report)
      : input_(std::move(input)), report_(std::move(report)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return input_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    return report_(input_->ReadNext(out));
  }
  arrow::Status Close() override { return input_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> input_;
  DamageReport report_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenConvertedFile(
    ConvertedFormat format, const std::string& path, const ConvertedReadOptions& options,
    std::function<void()> on_damaged) {
  DamageReport report(path, std::move(on_damaged));
  auto reader =
      cache::IsArrowIpc(format) ? OpenIpcFile(path, options) : OpenParquetFile(path, options);
  ARROW_RETURN_NOT_OK(report(reader.status()));
  return std::make_shared<DamageReportingReader>(std::move(*reader), std::move(report));
}

arrow::Result<std::shared_ptr<arrow::Schema>> ConvertedFileSchema(ConvertedFormat format,
                                                                  const std::string& path) {
  return cache::IsArrowIpc(format) ? IpcFileSchema(path) : ParquetFileSchema(path);
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToConvertedFile(
    ConvertedFormat format, std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    std::function<arrow::Status(const std::string& path)> on_complete) {
  BatchFileWriterFactory writer = cache::IsArrowIpc(format)
                                      ? IpcWriterFactory(format == ConvertedFormat::kArrowIpc
                                                             ? arrow::Compression::LZ4_FRAME
                                                             : arrow::Compression::UNCOMPRESSED)
                                      : ParquetWriterFactory({});
  return TeeToFile(std::move(input), std::move(path), writer, std::move(on_complete));
}

}  // namespace arrow_sus::scan
