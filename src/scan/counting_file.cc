#include "scan/counting_file.h"

#include <arrow/buffer.h>

namespace arrow_sus::scan {

namespace {

class CountingFile : public arrow::io::RandomAccessFile {
 public:
  CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes_read)
      : inner_(std::move(inner)), bytes_read_(bytes_read) {}

  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  bool supports_zero_copy() const override { return inner_->supports_zero_copy(); }
  arrow::Status WillNeed(const std::vector<arrow::io::ReadRange>& ranges) override {
    return inner_->WillNeed(ranges);
  }

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    return Counted(inner_->Read(nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    return Counted(inner_->Read(nbytes));
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    return Counted(inner_->ReadAt(position, nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    return Counted(inner_->ReadAt(position, nbytes));
  }

 private:
  arrow::Result<int64_t> Counted(arrow::Result<int64_t> n) {
    if (n.ok()) bytes_read_->fetch_add(*n, std::memory_order_relaxed);
    return n;
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Counted(
      arrow::Result<std::shared_ptr<arrow::Buffer>> buffer) {
    if (buffer.ok()) bytes_read_->fetch_add((*buffer)->size(), std::memory_order_relaxed);
    return buffer;
  }

  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
  std::atomic<int64_t>* bytes_read_;
};

}  // namespace

std::shared_ptr<arrow::io::RandomAccessFile> CountReads(
    std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes_read) {
  return std::make_shared<CountingFile>(std::move(inner), bytes_read);
}

}  // namespace arrow_sus::scan
