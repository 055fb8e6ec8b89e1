// Maps engine errors (arrow::Status with an ErrorDetail) onto the Python classes in
// arrow_sus/errors.py.
#include <Python.h>

#include <string>
#include <string_view>

#include "arrow_sus/error.h"
#include "arrow_sus/error_kinds.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

std::string_view PythonClassFor(const arrow::Status& status, const ErrorDetail* detail) {
  if (detail != nullptr) return ErrorKindPythonClass(detail->kind());
  if (status.IsIOError()) return "ArrowSusIOError";
  if (status.IsCancelled()) return "CancelledError";
  if (status.IsInvalid() || status.IsTypeError()) return "InvalidArgumentError";
  return "ArrowSusError";
}

// A str from bytes that should be UTF-8, with U+FFFD for those that are not: MakeError already
// cleans its text, but a status from Arrow or the system may carry any bytes (a path), and a failed
// conversion here would replace the typed error with an unrelated one.
nb::object Text(const std::string& bytes) {
  PyObject* text =
      PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "replace");
  if (text == nullptr) throw nb::python_error();
  return nb::steal(text);
}

nb::object TextOrNone(const std::string& bytes) { return bytes.empty() ? nb::none() : Text(bytes); }

}  // namespace

nb::object ErrorObject(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  nb::object errors = nb::module_::import_("arrow_sus.errors");
  nb::object cls = errors.attr(std::string(PythonClassFor(status, detail)).c_str());
  nb::object exc = cls(Text(status.message()));
  if (detail != nullptr) {
    const ErrorLocation& loc = detail->location();
    exc.attr("path") = TextOrNone(loc.file);
    exc.attr("offset") = loc.offset ? nb::cast(*loc.offset) : nb::none();
    exc.attr("row") = loc.row ? nb::cast(*loc.row) : nb::none();
    exc.attr("field") = TextOrNone(loc.field);
    exc.attr("line") = loc.line ? nb::cast(*loc.line) : nb::none();
  }
  return exc;
}

namespace {

void RaiseStatus(const arrow::Status& status) {
  nb::object exc = ErrorObject(status);
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(exc.ptr())), exc.ptr());
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
