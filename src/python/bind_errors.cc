// Maps engine errors (arrow::Status with an ErrorDetail) onto the Python classes in
// arrow_sus/errors.py.
#include <Python.h>
#include <nanobind/stl/string.h>

#include <nanobind/stl/string.h>

#include <string>

#include <nanobind/stl/string.h>

#include "arrow_sus/error.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

const char* PythonClassFor(const arrow::Status& status, const ErrorDetail* detail) {
  if (detail != nullptr) {
    switch (detail->kind()) {
      case ErrorKind::kFormat:
        return "FormatError";
      case ErrorKind::kChecksum:
        return "ChecksumError";
      case ErrorKind::kConversion:
        return "ConversionError";
      case ErrorKind::kInvalidArgument:
        return "InvalidArgumentError";
      case ErrorKind::kNotFound:
        return "NotFoundError";
      case ErrorKind::kNetwork:
        return "NetworkError";
      case ErrorKind::kCancelled:
        return "CancelledError";
      case ErrorKind::kIo:
        return "ArrowSusIOError";
    }
  }
  if (status.IsIOError()) return "ArrowSusIOError";
  if (status.IsCancelled()) return "CancelledError";
  if (status.IsInvalid() || status.IsTypeError()) return "InvalidArgumentError";
  return "ArrowSusError";
}

void RaiseStatus(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  nb::object errors = nb::module_::import_("arrow_sus.errors");
  nb::object cls = errors.attr(PythonClassFor(status, detail));
  nb::object exc = cls(status.message());
  if (detail != nullptr) {
    const ErrorLocation& loc = detail->location();
    exc.attr("path") = loc.file.empty() ? nb::none() : nb::cast(loc.file);
    exc.attr("offset") = loc.offset ? nb::cast(*loc.offset) : nb::none();
    exc.attr("row") = loc.row ? nb::cast(*loc.row) : nb::none();
    exc.attr("field") = loc.field.empty() ? nb::none() : nb::cast(loc.field);
    exc.attr("line") = loc.line ? nb::cast(*loc.line) : nb::none();
  }
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

}  // namespace

void RegisterErrorTranslator(nb::module_& m) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const StatusError& e) {
      RaiseStatus(e.status());
    }
  });
}

}  // namespace arrow_sus::python
