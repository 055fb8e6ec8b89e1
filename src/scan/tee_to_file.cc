#include "arrow_sus/scan/tee_to_file.h"

#include <atomic>
#include <filesystem>
#include <random>

#include <arrow/io/file.h>

#include "arrow_sus/error.h"

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
            std::string temp_path, std::shared_ptr<arrow::io::OutputStream> sink,
            std::unique_ptr<BatchFileWriter> writer,
            std::function<arrow::Status(const std::string&)> on_complete)
      : input_(std::move(input)),
        path_(std::move(path)),
        temp_path_(std::move(temp_path)),
        sink_(std::move(sink)),
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
    if (status.ok() && *batch != nullptr) status = writer_->Write(**batch);
    if (status.ok() && *batch == nullptr) status = Finish();
    if (!status.ok()) Abandon();
    return status;
  }

  arrow::Status Close() override {
    Abandon();
    return input_->Close();
  }

 private:
  // Closes the writer, then the file (a format's writer may leave its sink open).
  arrow::Status CloseFile() {
    arrow::Status status = writer_->Close();
    writer_.reset();
    arrow::Status closed = sink_->Close();
    return status.ok() ? closed : status;
  }

  arrow::Status Finish() {
    ARROW_RETURN_NOT_OK(CloseFile());
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
    (void)CloseFile();
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
  }

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::string path_;
  std::string temp_path_;
  std::shared_ptr<arrow::io::OutputStream> sink_;
  std::unique_ptr<BatchFileWriter> writer_;
  std::function<arrow::Status(const std::string&)> on_complete_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToFile(
    std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    const BatchFileWriterFactory& make_writer,
    std::function<arrow::Status(const std::string& path)> on_complete) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error)
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot create the cache directory: " + error.message());
  std::string temp_path = TemporaryNameFor(path);
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::io::OutputStream> sink,
                        arrow::io::FileOutputStream::Open(temp_path));
  auto writer = make_writer(sink, input->schema());
  if (!writer.ok()) {
    (void)sink->Close();
    fs::remove(temp_path, error);
    return writer.status();
  }
  return std::make_shared<TeeReader>(std::move(input), std::move(path), std::move(temp_path),
                                     std::move(sink), std::move(*writer), std::move(on_complete));
}

}  // namespace arrow_sus::scan
