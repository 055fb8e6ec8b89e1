// OpenDbcStream: an arrow::io::InputStream of the decompressed DBF, decompressing as it is read.
// Memory is bounded by one input chunk plus the decoder's window and buffer.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include <arrow/buffer.h>

#include "arrow_sus/crc32.h"
#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"
#include "dbc/dbc_internal.h"

namespace arrow_sus {

namespace {

constexpr int64_t kInputChunk = 64 * 1024;

// Reads up to `n` bytes, looping because a stream may return fewer than asked before its end.
arrow::Result<std::vector<uint8_t>> ReadUpTo(arrow::io::InputStream& in, size_t n) {
  std::vector<uint8_t> bytes(n);
  size_t got = 0;
  while (got < n) {
    ARROW_ASSIGN_OR_RAISE(int64_t r, in.Read(static_cast<int64_t>(n - got), bytes.data() + got));
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  bytes.resize(got);
  return bytes;
}

class DbcInputStream final : public arrow::io::InputStream {
 public:
  DbcInputStream(std::shared_ptr<arrow::io::InputStream> compressed, std::string name,
                 DbcOptions options, DbcPrefix prefix)
      : compressed_(std::move(compressed)),
        name_(std::move(name)),
        options_(options),
        prefix_(std::move(prefix)),
        stream_start_(prefix_.header.size() + 4),
        max_size_(MaxDecompressedSize(prefix_)) {}

  arrow::Status Close() override {
    closed_ = true;
    return compressed_->Close();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override { return position_; }

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    if (closed_) return arrow::Status::Invalid(name_, ": read from a closed .dbc stream");
    ARROW_RETURN_NOT_OK(error_);
    auto* dst = static_cast<uint8_t*>(out);
    size_t want = static_cast<size_t>(std::max<int64_t>(nbytes, 0));
    size_t produced = 0;

    if (static_cast<size_t>(position_) < prefix_.header.size()) {
      size_t n = std::min(want, prefix_.header.size() - static_cast<size_t>(position_));
      std::memcpy(dst, prefix_.header.data() + position_, n);
      produced = n;
    }
    while (produced < want && !decoder_.finished()) {
      if (input_used_ == input_size_ && !source_done_) ARROW_RETURN_NOT_OK(ReadInput());
      std::span<const uint8_t> input(input_.get() + input_used_, input_size_ - input_used_);
      // At most one byte past the header's bound is delivered (the error comes with it).
      const uint64_t room = max_size_ + 1 - (static_cast<uint64_t>(position_) + produced);
      const size_t space = static_cast<size_t>(std::min<uint64_t>(want - produced, room));
      DclDecoder::Progress progress;
      DclStatus status = decoder_.Decompress(input, std::span<uint8_t>(dst + produced, space),
                                             source_done_, &progress);
      input_used_ += progress.consumed;
      produced += progress.produced;
      // Everything decoded counts, delivered or not: DecompressDbcInto stops at the same point.
      if (prefix_.header.size() + decoder_.total_out() > max_size_)
        return Fail(PastDeclaredSize(name_, prefix_));
      if (!status.ok()) return Fail(DclStatusToArrow(status, name_, stream_start_));
    }
    crc_ = Crc32Update(crc_, std::span<const uint8_t>(dst, produced));
    position_ += static_cast<int64_t>(produced);
    if (decoder_.finished() && !crc_checked_) {
      crc_checked_ = true;
      if (options_.verify_crc && crc_ != prefix_.crc)
        return Fail(CrcMismatch(name_, prefix_.crc, crc_));
    }
    return static_cast<int64_t>(produced);
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(nbytes));
    ARROW_ASSIGN_OR_RAISE(int64_t n, Read(nbytes, buffer->mutable_data()));
    ARROW_RETURN_NOT_OK(buffer->Resize(n, /*shrink_to_fit=*/false));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  }

 private:
  arrow::Status ReadInput() {
    ARROW_ASSIGN_OR_RAISE(int64_t n, compressed_->Read(kInputChunk, input_.get()));
    input_size_ = static_cast<size_t>(n);
    input_used_ = 0;
    if (n == 0) source_done_ = true;
    return arrow::Status::OK();
  }

  arrow::Status Fail(arrow::Status status) {
    error_ = status;
    return status;
  }

  std::shared_ptr<arrow::io::InputStream> compressed_;
  std::string name_;
  DbcOptions options_;
  DbcPrefix prefix_;
  uint64_t stream_start_;  // offset of the DCL stream in the .dbc
  uint64_t max_size_;      // MaxDecompressedSize: decompressing past it is an error
  DclDecoder decoder_;
  // Not a std::vector: resizing one zero-fills the chunk before every read overwrites it.
  std::unique_ptr<uint8_t[]> input_{new uint8_t[kInputChunk]};
  size_t input_size_ = 0;
  size_t input_used_ = 0;
  bool source_done_ = false;
  int64_t position_ = 0;
  uint32_t crc_ = 0;
  bool crc_checked_ = false;
  bool closed_ = false;
  arrow::Status error_;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::io::InputStream>> OpenDbcStream(
    std::shared_ptr<arrow::io::InputStream> compressed, std::string name, DbcOptions options) {
  ARROW_ASSIGN_OR_RAISE(std::vector<uint8_t> first, ReadUpTo(*compressed, 10));
  ARROW_ASSIGN_OR_RAISE(size_t header_length, DbfHeaderLength(first, name));
  ARROW_ASSIGN_OR_RAISE(std::vector<uint8_t> rest, ReadUpTo(*compressed, header_length + 4 - 10));
  first.insert(first.end(), rest.begin(), rest.end());
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(first, name));
  return std::make_shared<DbcInputStream>(std::move(compressed), std::move(name), options,
                                          std::move(prefix));
}

}  // namespace arrow_sus
