// arrow_sus._core.DbfReader: the DBF/DBC reader for Python. Batches leave through the Arrow C
// stream interface (__arrow_c_stream__); pyarrow, Polars and DuckDB pull them without the GIL.
#include <Python.h>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <arrow/buffer.h>
#include <arrow/c/bridge.h>
#include <arrow/io/memory.h>

#include <mutex>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

using dbf::CompareOp;
using dbf::Literal;
using dbf::Predicate;

// Filters arrive from arrow_sus/filters.py as plain tuples:
//   ("and", [node, ...]) | ("or", [node, ...]) | ("cmp", field, op, [literal, ...])
// with literals str, bool, int, float, or ("date", days since 1970-01-01).
Literal LiteralFromPython(nb::handle value) {
  if (nb::isinstance<nb::bool_>(value)) return nb::cast<bool>(value);
  if (nb::isinstance<nb::int_>(value)) return nb::cast<int64_t>(value);
  if (nb::isinstance<nb::float_>(value)) return nb::cast<double>(value);
  if (nb::isinstance<nb::str>(value)) return nb::cast<std::string>(value);
  if (nb::isinstance<nb::tuple>(value)) {
    auto t = nb::borrow<nb::tuple>(value);
    if (t.size() == 2 && nb::cast<std::string>(t[0]) == "date") {
      return dbf::DateLiteral{nb::cast<int32_t>(t[1])};
    }
  }
  throw StatusError(
      MakeError(ErrorKind::kInvalidArgument, {},
                "unsupported filter value " + nb::cast<std::string>(nb::repr(value))));
}

Predicate PredicateFromPython(nb::handle node) {
  auto t = nb::borrow<nb::tuple>(node);
  std::string kind = nb::cast<std::string>(t[0]);
  if (kind == "and" || kind == "or") {
    std::vector<Predicate> children;
    for (nb::handle child : nb::borrow<nb::list>(t[1]))
      children.push_back(PredicateFromPython(child));
    return kind == "and" ? Predicate::And(std::move(children)) : Predicate::Or(std::move(children));
  }
  std::vector<Literal> values;
  for (nb::handle v : nb::borrow<nb::list>(t[3])) values.push_back(LiteralFromPython(v));
  return Predicate::Compare(nb::cast<std::string>(t[1]),
                            ValueOrThrow(dbf::ParseCompareOp(nb::cast<std::string>(t[2]))),
                            std::move(values));
}

dbf::ReadOptions OptionsFromPython(std::optional<std::vector<std::string>> columns,
                                   nb::handle filter, const std::string& encoding,
                                   int64_t batch_size, bool raw, const std::string& decimals,
                                   const std::string& on_invalid, bool keep_deleted,
                                   bool use_threads) {
  dbf::ReadOptions options;
  options.columns = std::move(columns);
  if (!filter.is_none()) {
    options.filter = std::make_shared<const Predicate>(PredicateFromPython(filter));
  }
  options.encoding = ValueOrThrow(dbf::ParseEncoding(encoding));
  options.batch_size = batch_size;
  options.raw = raw;
  if (decimals == "float") {
    options.decimals = dbf::DecimalMode::kFloat;
  } else if (decimals == "exact") {
    options.decimals = dbf::DecimalMode::kExact;
  } else {
    throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                "decimals must be 'float' or 'exact', got '" + decimals + "'"));
  }
  if (on_invalid == "null") {
    options.on_invalid = dbf::InvalidPolicy::kNull;
  } else if (on_invalid == "raise") {
    options.on_invalid = dbf::InvalidPolicy::kRaise;
  } else {
    throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                "on_invalid must be 'null' or 'raise', got '" + on_invalid + "'"));
  }
  options.keep_deleted = keep_deleted;
  options.use_threads = use_threads;
  return options;
}

// What crosses the C stream: the DbfReader, remembering the last error, because the C stream
// interface carries only an errno and a message and the Python side wants the typed error back.
class ErrorRecordingReader final : public arrow::RecordBatchReader {
 public:
  explicit ErrorRecordingReader(std::shared_ptr<dbf::DbfReader> reader)
      : reader_(std::move(reader)) {}

  std::shared_ptr<arrow::Schema> schema() const override { return reader_->schema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override {
    arrow::Status status = reader_->ReadNext(batch);
    if (!status.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      last_error_ = status;
    }
    return status;
  }
  arrow::Status Close() override { return reader_->Close(); }

  arrow::Status last_error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_error_;
  }

 private:
  std::shared_ptr<dbf::DbfReader> reader_;
  mutable std::mutex mutex_;
  arrow::Status last_error_;
};

// Holds the reader after its batches were handed to a C stream consumer, so that stats and the
// typed error stay reachable while (and after) the consumer reads.
class PyDbfReader {
 public:
  explicit PyDbfReader(std::shared_ptr<dbf::DbfReader> reader)
      : reader_(std::move(reader)),
        exported_reader_(std::make_shared<ErrorRecordingReader>(reader_)) {}

  // Raises the typed error behind the last failed read, if any.
  void RaiseLastError() const { ThrowIfError(exported_reader_->last_error()); }

  nb::object ExportStream(nb::handle requested_schema) {
    if (exported_) {
      throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                  "this reader's batches were already handed out: open it again"));
    }
    exported_ = true;
    auto* stream = new ArrowArrayStream;
    ThrowIfError(arrow::ExportRecordBatchReader(exported_reader_, stream));
    PyObject* capsule = PyCapsule_New(stream, "arrow_array_stream", [](PyObject* obj) {
      auto* s = static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(obj, "arrow_array_stream"));
      if (s->release != nullptr) s->release(s);
      delete s;
    });
    if (capsule == nullptr) throw nb::python_error();
    return nb::steal(capsule);
  }

  nb::dict Stats() const {
    dbf::ReadStats s = reader_->stats();
    nb::dict out;
    out["header_record_count"] = s.header_record_count;
    out["records_read"] = s.records_read;
    out["record_count_difference"] = s.finished ? s.record_count_difference() : 0;
    out["deleted_records"] = s.deleted_records;
    out["rows_filtered_out"] = s.rows_filtered_out;
    out["rows_emitted"] = s.rows_emitted;
    out["finished"] = s.finished;
    out["eof_marker"] = s.eof_marker;
    out["trailing_bytes"] = s.trailing_bytes;
    nb::dict invalid;
    for (const auto& [name, count] : s.invalid_values) invalid[nb::str(name.c_str())] = count;
    out["invalid_values"] = invalid;
    return out;
  }

  nb::dict Header() const {
    const dbf::DbfHeader& h = reader_->header();
    nb::dict out;
    out["version"] = h.version;
    out["date"] = nb::make_tuple(h.year, h.month, h.day);
    out["record_count"] = h.record_count;
    out["header_length"] = h.header_length;
    out["record_length"] = h.record_length;
    nb::list fields;
    for (const auto& f : h.fields) {
      fields.append(nb::make_tuple(f.name, std::string(1, f.type), f.width, f.decimals));
    }
    out["fields"] = fields;
    return out;
  }

  void Close() {
    nb::gil_scoped_release release;
    ThrowIfError(reader_->Close());
  }

 private:
  std::shared_ptr<dbf::DbfReader> reader_;
  std::shared_ptr<ErrorRecordingReader> exported_reader_;
  bool exported_ = false;
};

// A source given as bytes: copied into an Arrow buffer so that no Python object is touched after
// the GIL is released. nullptr when the source is a path.
std::shared_ptr<arrow::io::BufferReader> BytesSource(nb::handle source) {
  if (!nb::isinstance<nb::bytes>(source)) return nullptr;
  auto bytes = nb::borrow<nb::bytes>(source);
  auto buffer = ValueOrThrow(arrow::AllocateBuffer(static_cast<int64_t>(bytes.size())));
  std::memcpy(buffer->mutable_data(), bytes.c_str(), bytes.size());
  return std::make_shared<arrow::io::BufferReader>(
      std::shared_ptr<arrow::Buffer>(std::move(buffer)));
}

PyDbfReader* Open(bool dbc, nb::handle source, std::string name,
                  std::optional<std::vector<std::string>> columns, nb::handle filter,
                  const std::string& encoding, int64_t batch_size, bool raw,
                  const std::string& decimals, const std::string& on_invalid, bool keep_deleted,
                  bool use_threads, bool verify_crc) {
  dbf::ReadOptions options =
      OptionsFromPython(std::move(columns), filter, encoding, batch_size, raw, decimals, on_invalid,
                        keep_deleted, use_threads);
  auto bytes = BytesSource(source);
  std::string path = bytes ? std::string() : nb::cast<std::string>(source);
  if (name.empty()) name = bytes ? "<bytes>" : path;
  DbcOptions dbc_options{.verify_crc = verify_crc};
  std::shared_ptr<dbf::DbfReader> reader;
  {
    nb::gil_scoped_release release;
    if (dbc) {
      reader = ValueOrThrow(bytes ? dbf::OpenDbc(bytes, name, std::move(options), dbc_options)
                                  : dbf::OpenDbcFile(path, std::move(options), dbc_options));
    } else {
      reader =
          ValueOrThrow(bytes ? dbf::DbfReader::Make(bytes, std::move(options), {name, std::nullopt})
                             : dbf::OpenDbfFile(path, std::move(options)));
    }
  }
  return new PyDbfReader(std::move(reader));
}

}  // namespace

void BindReader(nb::module_& m) {
  // Readers referenced from a traceback or a pending generator are still alive when the interpreter
  // exits; nanobind would report them as leaks although nothing leaks.
  nb::set_leak_warnings(false);
  nb::class_<PyDbfReader>(m, "DbfReader",
                          "A streaming DBF reader; use arrow_sus.open_dbf / open_dbc instead.")
      .def("__arrow_c_stream__", &PyDbfReader::ExportStream,
           nb::arg("requested_schema") = nb::none())
      .def("stats", &PyDbfReader::Stats)
      .def("raise_last_error", &PyDbfReader::RaiseLastError)
      .def("header", &PyDbfReader::Header)
      .def("close", &PyDbfReader::Close);
  auto bind_open = [&m](const char* name, bool dbc, const char* doc) {
    m.def(
        name,
        [dbc](nb::handle source, std::string name, std::optional<std::vector<std::string>> columns,
              nb::handle filter, const std::string& encoding, int64_t batch_size, bool raw,
              const std::string& decimals, const std::string& on_invalid, bool keep_deleted,
              bool use_threads, bool verify_crc) {
          return Open(dbc, source, std::move(name), std::move(columns), filter, encoding,
                      batch_size, raw, decimals, on_invalid, keep_deleted, use_threads, verify_crc);
        },
        nb::arg("source"), nb::arg("name"), nb::arg("columns").none(), nb::arg("filter").none(),
        nb::arg("encoding"), nb::arg("batch_size"), nb::arg("raw"), nb::arg("decimals"),
        nb::arg("on_invalid"), nb::arg("keep_deleted"), nb::arg("use_threads"),
        nb::arg("verify_crc") = true, nb::rv_policy::take_ownership, doc);
  };
  bind_open("open_dbf", false, "Opens a plain DBF (path or bytes) as a DbfReader.");
  bind_open("open_dbc", true, "Opens a .dbc (path or bytes) as a DbfReader.");
}

}  // namespace arrow_sus::python
