#include "arrow_sus/map_batches.h"

namespace arrow_sus {

namespace {

class MappedReader : public arrow::RecordBatchReader {
 public:
  MappedReader(std::shared_ptr<arrow::RecordBatchReader> input,
               std::shared_ptr<arrow::Schema> schema, BatchTransform transform)
      : input_(std::move(input)), schema_(std::move(schema)), transform_(std::move(transform)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
    if (batch == nullptr) {
      *out = nullptr;
      return arrow::Status::OK();
    }
    ARROW_ASSIGN_OR_RAISE(*out, transform_(batch));
    return arrow::Status::OK();
  }

  arrow::Status Close() override { return input_->Close(); }

 private:
  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> schema_;
  BatchTransform transform_;
};

}  // namespace

std::shared_ptr<arrow::RecordBatchReader> MapBatches(
    std::shared_ptr<arrow::RecordBatchReader> input, std::shared_ptr<arrow::Schema> schema,
    BatchTransform transform) {
  return std::make_shared<MappedReader>(std::move(input), std::move(schema), std::move(transform));
}

}  // namespace arrow_sus
