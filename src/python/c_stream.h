// Handing a RecordBatchReader to Python through the Arrow C stream interface, keeping the typed
// error: the C stream carries only an errno and a message, so the reader remembers the last failed
// status and the Python wrapper re-raises it as the matching arrow_sus error class.
#pragma once

#include <memory>
#include <mutex>

#include <arrow/record_batch.h>

#include "python/bindings.h"

namespace arrow_sus::python {

class ErrorRecordingReader final : public arrow::RecordBatchReader {
 public:
  explicit ErrorRecordingReader(std::shared_ptr<arrow::RecordBatchReader> reader)
      : reader_(std::move(reader)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return reader_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override { return reader_->Close(); }

  arrow::Status last_error() const;

 private:
  std::shared_ptr<arrow::RecordBatchReader> reader_;
  mutable std::mutex mutex_;
  arrow::Status last_error_;
};

// A PyCapsule named "arrow_array_stream" owning an ArrowArrayStream over `reader` (the value of
// __arrow_c_stream__).
nb::object ExportStreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader);

// A PyCapsule named "arrow_schema" owning an ArrowSchema (the value of __arrow_c_schema__).
nb::object ExportSchemaCapsule(const arrow::Schema& schema);

// One batch's ArrowArray without its schema, as (owner, address):
// pyarrow.RecordBatch._import_from_c( address, schema) moves it out with a schema imported once per
// stream (exporting and importing the schema of every batch cost more than the batch); the owner
// capsule frees the struct afterwards, or releases the batch if it was never imported.
nb::tuple ExportBatchArray(const arrow::RecordBatch& batch);

}  // namespace arrow_sus::python
