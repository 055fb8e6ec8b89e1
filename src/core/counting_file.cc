#include "core/counting_file.h"

#include <arrow/buffer.h>

#include "core/forwarding_file.h"

namespace arrow_sus {

namespace {

class CountingFile : public ForwardingFile {
 public:
  CountingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes_read)
      : ForwardingFile(std::move(inner)), bytes_read_(bytes_read) {}

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    return Counted(ForwardingFile::Read(nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    return Counted(ForwardingFile::Read(nbytes));
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    return Counted(ForwardingFile::ReadAt(position, nbytes, out));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    return Counted(ForwardingFile::ReadAt(position, nbytes));
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

  std::atomic<int64_t>* bytes_read_;
};

}  // namespace

std::shared_ptr<arrow::io::RandomAccessFile> CountReads(
    std::shared_ptr<arrow::io::RandomAccessFile> inner, std::atomic<int64_t>* bytes_read) {
  return std::make_shared<CountingFile>(std::move(inner), bytes_read);
}

}  // namespace arrow_sus
