#include "arrow_sus/cache/tee_to_file.h"

#include <filesystem>
#include <optional>

#include <arrow/io/file.h>

#include "arrow_sus/error.h"

namespace arrow_sus::cache {

namespace fs = std::filesystem;

namespace {

class TeeReader : public arrow::RecordBatchReader {
 public:
  TeeReader(std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
            std::string temp_path, std::shared_ptr<ChecksummingOutputStream> sink,
            std::unique_ptr<BatchFileWriter> writer, io::EntryLock lock, OnTeeComplete on_complete)
      : input_(std::move(input)),
        path_(std::move(path)),
        temp_path_(std::move(temp_path)),
        sink_(std::move(sink)),
        writer_(std::move(writer)),
        lock_(std::move(lock)),
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
    arrow::Status committed =
        on_complete_ ? on_complete_(path_, sink_->checksums()) : arrow::Status::OK();
    lock_ = {};  // the entry is complete: the next writer may come
    return committed;
  }

  void Abandon() {
    if (writer_ == nullptr) return;
    (void)CloseFile();
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
    lock_ = {};  // only once the temporary file is gone
  }

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::string path_;
  std::string temp_path_;
  std::shared_ptr<ChecksummingOutputStream> sink_;
  std::unique_ptr<BatchFileWriter> writer_;
  std::optional<io::EntryLock> lock_;
  OnTeeComplete on_complete_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToFile(
    std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    const BatchFileWriterFactory& make_writer, io::EntryLock lock, OnTeeComplete on_complete) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error)
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot create the cache directory: " + error.message());
  std::string temp_path = io::TemporaryNameFor(path);
  auto file = arrow::io::FileOutputStream::Open(temp_path);
  if (!file.ok())
    return MakeError(ErrorKind::kIo, {.file = temp_path},
                     "cannot create a cache file: " + file.status().message());
  auto sink = std::make_shared<ChecksummingOutputStream>(std::move(*file));
  auto writer = make_writer(sink, input->schema());
  if (!writer.ok()) {
    (void)sink->Close();
    fs::remove(temp_path, error);
    return writer.status();
  }
  return std::make_shared<TeeReader>(std::move(input), std::move(path), std::move(temp_path),
                                     std::move(sink), std::move(*writer), std::move(lock),
                                     std::move(on_complete));
}

}  // namespace arrow_sus::cache
