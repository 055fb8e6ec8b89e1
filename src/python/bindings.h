// Shared helpers for the nanobind bindings. Each bind_*.cc file adds one component of the engine to
// the arrow_sus._core module; module.cc calls them in order.
#pragma once

#include <nanobind/nanobind.h>

#include <arrow/io/interfaces.h>

#include <arrow/result.h>
#include <arrow/status.h>

#include <memory>
#include <string>
#include <utility>

namespace arrow_sus::python {

namespace nb = nanobind;

// Thrown by the bindings for a failed Status; translated into the matching arrow_sus.errors class.
class StatusError : public std::exception {
 public:
  explicit StatusError(arrow::Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const arrow::Status& status() const { return status_; }

 private:
  arrow::Status status_;
};

inline void ThrowIfError(const arrow::Status& status) {
  if (!status.ok()) throw StatusError(status);
}

template <typename T>
T ValueOrThrow(arrow::Result<T> result) {
  if (!result.ok()) throw StatusError(result.status());
  return std::move(result).ValueUnsafe();
}

// The arrow_sus.errors exception (not raised) for a failed status, with its location attributes:
// for calls that report one error per item instead of raising the first.
nb::object ErrorObject(const arrow::Status& status);

// A random-access file opened by one component and read by another: bind_io opens remote files
// while they download, bind_reader decodes them (arrow_sus._core.io.RemoteFile in Python).
struct RandomAccessFileHandle {
  std::shared_ptr<arrow::io::RandomAccessFile> file;
  std::string name;
};

void RegisterErrorTranslator(nb::module_& m);
void BindOptions(nb::module_& m);
void BindCompletions(nb::module_& m);
void BindCodec(nb::module_& m);
void BindCatalog(nb::module_& m);
void BindReader(nb::module_& m);
void BindIo(nb::module_& m);
void BindCache(nb::module_& m);
void BindScan(nb::module_& m);
void BindOutput(nb::module_& m);
void BindDictionary(nb::module_& m);
void BindMeaning(nb::module_& m);
void BindTabwin(nb::module_& m);
void BindReference(nb::module_& m);

}  // namespace arrow_sus::python
