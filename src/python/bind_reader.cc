// arrow_sus._core.DbfReader: the DBF/DBC reader for Python. Batches leave through the Arrow C
// stream interface (__arrow_c_stream__); pyarrow, Polars and DuckDB pull them without the GIL.
#include <Python.h>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <arrow/buffer.h>
#include <arrow/c/bridge.h>
#include <arrow/io/memory.h>
#include <arrow/type.h>

#include <mutex>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/scan/file_reading.h"
#include "python/bindings.h"
#include "python/c_stream.h"
#include "python/read_options.h"
#include "python/read_warnings.h"

namespace arrow_sus::python {

namespace {

// Holds the reader after its batches were handed to a C stream consumer, so that stats and the
// typed error stay reachable while (and after) the consumer reads.
class PyDbfReader {
 public:
  // Opens the file with `open` and presents its columns with `meaning` (scan/file_reading.h).
  PyDbfReader(const scan::DbfOpener& open, dbf::ReadOptions options,
              const std::optional<arrow::compute::Expression>& residual_filter,
              const scan::FileMeaning& meaning, const std::string& name) {
    if (options.filter) caveats_ = meaning.FilterCaveats(*options.filter);
    scan::MeaningfulRead read = ValueOrThrow(scan::ReadWithMeaning(
        open, std::move(options), residual_filter, meaning, name, &invalid_dates_, &unmapped_));
    reader_ = std::move(read.dbf);
    exported_reader_ = std::make_shared<ErrorRecordingReader>(std::move(read.rows));
  }

  // Raises the typed error behind the last failed read, if any.
  void RaiseLastError() const { ThrowIfError(exported_reader_->last_error()); }

  nb::object ExportStream(nb::handle requested_schema) {
    if (exported_) {
      throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                  "this reader's batches were already handed out: open it again"));
    }
    exported_ = true;
    return ExportStreamCapsule(exported_reader_);
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
    out["truncated"] = !s.truncated.empty();
    out["invalid_dates"] = invalid_dates_.load();
    nb::dict unmapped;
    for (const auto& [column, count] : unmapped_.ByColumn()) unmapped[column.c_str()] = count;
    out["unmapped_codes"] = unmapped;
    nb::dict invalid;
    for (const auto& [name, count] : s.invalid_values) invalid[nb::str(name.c_str())] = count;
    out["invalid_values"] = invalid;
    return out;
  }

  // What to tell beside the rows (scan/read_warning.h): the filter's caveats, and why the data
  // read is incomplete (on_truncated="warn").
  nb::list Warnings() const {
    std::vector<scan::ReadWarning> out;
    for (const std::string& caveat : caveats_) {
      out.push_back({scan::ReadWarning::Kind::kCodedFilter, caveat});
    }
    dbf::ReadStats s = reader_->stats();
    if (!s.truncated.empty()) out.push_back({scan::ReadWarning::Kind::kTruncatedFile, s.truncated});
    return WarningsToPython(out);
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
      fields.append(nb::make_tuple(f.name, f.type_text(), f.width, f.decimals));
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
  std::atomic<int64_t> invalid_dates_{0};
  scan::UnmappedCodes unmapped_;
  std::vector<std::string> caveats_;  // FileMeaning::FilterCaveats of the filter
  std::shared_ptr<ErrorRecordingReader> exported_reader_;
  bool exported_ = false;
};

// A source given as bytes (copied into an Arrow buffer so that no Python object is touched after
// the GIL is released) or as a RemoteFile being downloaded. nullptr when the source is a path.
std::shared_ptr<arrow::io::RandomAccessFile> InMemoryOrRemoteSource(nb::handle source) {
  if (nb::isinstance<RandomAccessFileHandle>(source))
    return nb::cast<RandomAccessFileHandle&>(source).file;
  if (!nb::isinstance<nb::bytes>(source)) return nullptr;
  auto bytes = nb::borrow<nb::bytes>(source);
  auto buffer = ValueOrThrow(arrow::AllocateBuffer(static_cast<int64_t>(bytes.size())));
  std::memcpy(buffer->mutable_data(), bytes.c_str(), bytes.size());
  return std::make_shared<arrow::io::BufferReader>(
      std::shared_ptr<arrow::Buffer>(std::move(buffer)));
}

// The file's fields as the DBF types say, from its first bytes (a .dbc keeps the DBF header
// verbatim at its start): what the meaning of its columns is decided from.
std::shared_ptr<arrow::Schema> HeaderSchema(
    const std::shared_ptr<arrow::io::RandomAccessFile>& file, const std::string& name,
    const dbf::ReadOptions& options) {
  auto prefix = ValueOrThrow(file->ReadAt(0, io::kIdentityPrefixBytes));
  ThrowIfError(file->Seek(0));  // the reader proper starts at the beginning
  dbf::ReadOptions header_only = options;
  header_only.columns.reset();
  header_only.filter.reset();
  header_only.use_threads = false;
  auto reader = ValueOrThrow(dbf::DbfReader::Make(std::make_shared<arrow::io::BufferReader>(prefix),
                                                  header_only, {name, std::nullopt}));
  return reader->schema();
}

PyDbfReader* Open(bool dbc, nb::handle source, std::string name, const dbf::ReadOptions& read,
                  std::optional<std::vector<std::string>> columns, nb::handle filter,
                  bool verify_crc, const std::string& dataset,
                  const scan::MeaningOptions& meaning_options) {
  const scan::SplitFilter split = FilterFromPython(filter);
  dbf::ReadOptions options = WithColumnsAndFilter(read, std::move(columns), split);
  auto bytes = InMemoryOrRemoteSource(source);
  std::string path = bytes ? std::string() : nb::cast<std::string>(source);
  if (name.empty()) name = bytes ? "<bytes>" : path;
  DbcOptions dbc_options{.verify_crc = verify_crc};
  nb::gil_scoped_release release;
  std::shared_ptr<arrow::io::RandomAccessFile> file = bytes;
  if (!file) file = ValueOrThrow(dbf::OpenLocalFile(path));
  scan::FileMeaning meaning;
  if (!options.raw) {
    meaning = scan::FileMeaning::ForFile(name, dataset, *HeaderSchema(file, name, options),
                                         meaning_options);
  }
  auto open = [&](const dbf::ReadOptions& read) -> arrow::Result<std::shared_ptr<dbf::DbfReader>> {
    if (dbc) return dbf::OpenDbc(file, name, read, dbc_options);
    return dbf::DbfReader::Make(file, read, {name, std::nullopt});
  };
  return new PyDbfReader(open, std::move(options), split.residual, meaning, name);
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
      .def("warnings", &PyDbfReader::Warnings)
      .def("header", &PyDbfReader::Header)
      .def("close", &PyDbfReader::Close);
  auto bind_open = [&m](const char* name, bool dbc, const char* doc) {
    m.def(
        name,
        [dbc](nb::handle source, std::string name, const dbf::ReadOptions& read,
              std::optional<std::vector<std::string>> columns, nb::handle filter, bool verify_crc,
              const std::string& dataset, bool typed, const std::string& labels,
              const std::string& codes_as, const std::string& label_language) {
          return Open(dbc, source, std::move(name), read, std::move(columns), filter, verify_crc,
                      dataset, MeaningOptionsFromPython(typed, labels, codes_as, label_language));
        },
        nb::arg("source"), nb::arg("name"), nb::arg("read_options"), nb::kw_only(),
        nb::arg("columns").none(), nb::arg("filter").none(), nb::arg("verify_crc"),
        nb::arg("dataset"), nb::arg("typed"), nb::arg("labels"), nb::arg("codes_as"),
        nb::arg("label_language"), nb::rv_policy::take_ownership, doc);
  };
  bind_open("open_dbf", false, "Opens a plain DBF (path or bytes) as a DbfReader.");
  bind_open("open_dbc", true, "Opens a .dbc (path or bytes) as a DbfReader.");
  m.def(
      "filter_fields", [](nb::handle filter) { return FilterFromPython(filter).FieldNames(); },
      nb::arg("filter"), "Names of the fields a serialized filter expression reads, in order.");
}

}  // namespace arrow_sus::python
