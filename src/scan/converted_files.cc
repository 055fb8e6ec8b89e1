#include "arrow_sus/scan/converted_files.h"

#include <utility>

#include "arrow_sus/cache/ipc_files.h"
#include "arrow_sus/cache/parquet_files.h"
#include "arrow_sus/error.h"

namespace arrow_sus::scan {

using cache::ConvertedFormat;

namespace {

// Turns a failure to read a cache file into a kFormat error naming it, after calling `on_damaged`
// (once). Cancellation and invalid arguments (a column the file lacks) are not damage.
class DamageReport {
 public:
  DamageReport(std::string path, std::function<void()> on_damaged,
               std::shared_ptr<cache::ChunkVerifier> verifier)
      : path_(std::move(path)),
        on_damaged_(std::move(on_damaged)),
        verifier_(std::move(verifier)) {}

  arrow::Status operator()(const arrow::Status& status) {
    if (status.ok()) return status;
    // The format readers wrap errors from the file in their own: a checksum mismatch is one.
    arrow::Status mismatch = verifier_ ? verifier_->failure() : arrow::Status::OK();
    if (!mismatch.ok()) {
      if (on_damaged_) std::exchange(on_damaged_, nullptr)();
      return mismatch;
    }
    const ErrorDetail* detail = GetErrorDetail(status);
    if (detail != nullptr && (detail->kind() == ErrorKind::kCancelled ||
                              detail->kind() == ErrorKind::kInvalidArgument)) {
      return status;  // cancelled, or asked for what the file never had
    }
    if (on_damaged_) std::exchange(on_damaged_, nullptr)();
    if (detail != nullptr &&
        (detail->kind() == ErrorKind::kFormat || detail->kind() == ErrorKind::kChecksum))
      return status;
    return MakeError(ErrorKind::kFormat, {.file = path_},
                     "damaged cache file: " + status.message());
  }

 private:
  std::string path_;
  std::function<void()> on_damaged_;
  std::shared_ptr<cache::ChunkVerifier> verifier_;
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
  DamageReport report(path, std::move(on_damaged), options.verifier);
  auto reader = cache::IsArrowIpc(format) ? cache::OpenIpcFile(path, options)
                                          : cache::OpenParquetFile(path, options);
  ARROW_RETURN_NOT_OK(report(reader.status()));
  return std::make_shared<DamageReportingReader>(std::move(*reader), std::move(report));
}

arrow::Result<std::shared_ptr<arrow::Schema>> ConvertedFileSchema(
    ConvertedFormat format, const std::string& path,
    const std::shared_ptr<cache::ChunkVerifier>& verifier) {
  return cache::IsArrowIpc(format) ? cache::IpcFileSchema(path, verifier)
                                   : cache::ParquetFileSchema(path, verifier);
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToConvertedFile(
    ConvertedFormat format, std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    io::EntryLock lock, OnTeeComplete on_complete) {
  cache::BatchFileWriterFactory writer =
      cache::IsArrowIpc(format) ? cache::IpcWriterFactory(format == ConvertedFormat::kArrowIpc
                                                              ? arrow::Compression::LZ4_FRAME
                                                              : arrow::Compression::UNCOMPRESSED)
                                : cache::ParquetWriterFactory({});
  return cache::TeeToFile(std::move(input), std::move(path), writer, std::move(lock),
                          std::move(on_complete));
}

}  // namespace arrow_sus::scan
