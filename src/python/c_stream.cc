#include "python/c_stream.h"

#include <Python.h>

#include <cstdint>

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

namespace {

// A PyCapsule named `name` owning `c` (an Arrow C struct, heap-allocated), which it releases.
template <typename CStruct>
nb::object OwningCapsule(CStruct* c, const char* name) {
  PyCapsule_Destructor destroy = [](PyObject* obj) {
    auto* owned = static_cast<CStruct*>(PyCapsule_GetPointer(obj, PyCapsule_GetName(obj)));
    if (owned->release != nullptr) owned->release(owned);
    delete owned;
  };
  PyObject* capsule = PyCapsule_New(c, name, destroy);
  if (capsule == nullptr) {
    if (c->release != nullptr) c->release(c);
    delete c;
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

// A new C struct filled by `do_export`, or the export's error thrown.
template <typename CStruct, typename Export>
CStruct* Exported(Export&& do_export) {
  auto* c = new CStruct;
  arrow::Status status = do_export(c);
  if (!status.ok()) {
    delete c;
    ThrowIfError(status);
  }
  return c;
}

}  // namespace

nb::object ExportStreamCapsule(std::shared_ptr<arrow::RecordBatchReader> reader) {
  auto* stream = Exported<ArrowArrayStream>([&](ArrowArrayStream* out) {
    return arrow::ExportRecordBatchReader(std::move(reader), out);
  });
  return OwningCapsule(stream, "arrow_array_stream");
}

nb::object ExportSchemaCapsule(const arrow::Schema& schema) {
  auto* c_schema =
      Exported<ArrowSchema>([&](ArrowSchema* out) { return arrow::ExportSchema(schema, out); });
  return OwningCapsule(c_schema, "arrow_schema");
}

nb::tuple ExportBatchArray(const arrow::RecordBatch& batch) {
  auto* array = Exported<ArrowArray>([&](ArrowArray* out) {
    return arrow::ExportRecordBatch(batch, out, /*out_schema=*/nullptr);
  });
  nb::object owner = OwningCapsule(array, "arrow_array");
  return nb::make_tuple(owner, nb::int_(reinterpret_cast<uintptr_t>(array)));
}

}  // namespace arrow_sus::python
