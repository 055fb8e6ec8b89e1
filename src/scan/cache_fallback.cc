#include "scan/cache_fallback.h"

#include "arrow_sus/error.h"

namespace arrow_sus::scan {

namespace {

bool IsDamage(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  return detail != nullptr &&
         (detail->kind() == ErrorKind::kFormat || detail->kind() == ErrorKind::kChecksum);
}

class DecodeOnDamageReader : public arrow::RecordBatchReader {
 public:
  DecodeOnDamageReader(std::shared_ptr<arrow::RecordBatchReader> cached, OpenRows decode)
      : schema_(cached->schema()), cached_(std::move(cached)), decode_(std::move(decode)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    if (cached_ != nullptr) {
      arrow::Status status = cached_->ReadNext(out);
      if (status.ok()) {
        if (*out != nullptr) delivered_ += (*out)->num_rows();
        return status;
      }
      if (!IsDamage(status)) return status;
      (void)cached_->Close();  // batches already handed out keep what they point to alive
      cached_.reset();
      ARROW_ASSIGN_OR_RAISE(decoded_, decode_());
    }
    if (decoded_ == nullptr) {  // closed
      *out = nullptr;
      return arrow::Status::OK();
    }
    while (true) {
      ARROW_RETURN_NOT_OK(decoded_->ReadNext(out));
      if (*out == nullptr || delivered_ == 0) return arrow::Status::OK();
      const int64_t rows = (*out)->num_rows();
      if (rows > delivered_) {
        *out = (*out)->Slice(delivered_);
        delivered_ = 0;
        return arrow::Status::OK();
      }
      delivered_ -= rows;  // rows the cached file already delivered
    }
  }

  arrow::Status Close() override {
    arrow::Status status;
    if (cached_ != nullptr) status = cached_->Close();
    if (decoded_ != nullptr) status = decoded_->Close();
    cached_.reset();
    decoded_.reset();
    return status;
  }

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::shared_ptr<arrow::RecordBatchReader> cached_;   // until it fails
  std::shared_ptr<arrow::RecordBatchReader> decoded_;  // after that
  OpenRows decode_;
  int64_t delivered_ = 0;  // rows delivered from the cached file, still to skip once decoding
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadCachedElseDecode(
    const OpenRows& open_cached, OpenRows decode) {
  auto cached = open_cached();
  if (cached.ok())
    return std::make_shared<DecodeOnDamageReader>(std::move(*cached), std::move(decode));
  if (!IsDamage(cached.status())) return cached.status();
  return decode();
}

}  // namespace arrow_sus::scan
