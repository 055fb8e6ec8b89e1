#include "python/c_stream.h"

#include <Python.h>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>

namespace arrow_sus::python {

arrow::Status ErrorRecordingReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  arrow::Status status = reader_->ReadNext(batch);
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(mutex_);
    last_error_ = status;
  }
  return status;
}

arrow::Status ErrorRecordingReader::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_error_;
}

nb::object ExportStreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader) {
  auto* stream = new ArrowArrayStream;
  arrow::Status status = arrow::ExportRecordBatchReader(std::move(reader), stream);
  if (!status.ok()) {
    delete stream;
    ThrowIfError(status);
  }
  PyObject* capsule = PyCapsule_New(stream, "arrow_array_stream", [](PyObject* obj) {
    auto* s = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(obj, "arrow_array_stream"));
    if (s->release != nullptr) s->release(s);
    delete s;
  });
  if (capsule == nullptr) {
    if (stream->release != nullptr) stream->release(stream);
    delete stream;
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

nb::object ExportSchemaCapsule(const arrow::Schema& schema) {
  auto* c_schema = new ArrowSchema;
  arrow::Status status = arrow::ExportSchema(schema, c_schema);
  if (!status.ok()) {
    delete c_schema;
    ThrowIfError(status);
  }
  PyObject* capsule = PyCapsule_New(c_schema, "arrow_schema", [](PyObject* obj) {
    auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(obj, "arrow_schema"));
    if (s->release != nullptr) s->release(s);
    delete s;
  });
  if (capsule == nullptr) {
    if (c_schema->release != nullptr) c_schema->release(c_schema);
    delete c_schema;
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

}  // namespace arrow_sus::python
