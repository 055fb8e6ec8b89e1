// A RandomAccessFile that passes everything to another one: the base of wrappers that only change
// what happens around reads (counting them, verifying them).
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include <arrow/io/interfaces.h>

#include "core/synchronous_reads.h"

namespace arrow_sus {

// Async reads run on the caller's thread (core/synchronous_reads.h).
class ForwardingFile : public SynchronousReadsFile {
 public:
  explicit ForwardingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner)
      : inner_(std::move(inner)) {}

  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Status Seek(int64_t position) override { return inner_->Seek(position); }
  arrow::Result<int64_t> GetSize() override { return inner_->GetSize(); }
  bool supports_zero_copy() const override { return inner_->supports_zero_copy(); }
  arrow::Status WillNeed(const std::vector<arrow::io::ReadRange>& ranges) override {
    return inner_->WillNeed(ranges);
  }

  using SynchronousReadsFile::ReadAt;

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    return inner_->Read(nbytes, out);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    return inner_->Read(nbytes);
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    return inner_->ReadAt(position, nbytes, out);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    return inner_->ReadAt(position, nbytes);
  }

 protected:
  arrow::io::RandomAccessFile& inner() { return *inner_; }

 private:
  std::shared_ptr<arrow::io::RandomAccessFile> inner_;
};

}  // namespace arrow_sus
