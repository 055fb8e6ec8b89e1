// arrow_sus._core.Scan: a planned multi-file scan (see include/arrow_sus/scan/scan.h). The Python
// layer (arrow_sus/scan.py) plans which files to read from the catalog and the live listing, then
// hands them here; batches leave through the Arrow C stream interface without the GIL.
#include <Python.h>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/type.h>

#include "arrow_sus/error.h"
#include "arrow_sus/scan/dataset.h"
#include "arrow_sus/scan/scan.h"
#include "python/bindings.h"
#include "python/c_stream.h"
#include "python/completions.h"
#include "python/read_options.h"
#include "python/read_warnings.h"

namespace arrow_sus::python {

namespace {

// A scan's batches, handed to one C stream consumer; keeps the typed error of a failed read and
// the scan, whose warnings are this pass's.
class PyScanStream {
 public:
  PyScanStream(std::shared_ptr<arrow::RecordBatchReader> reader, std::shared_ptr<scan::Scan> scan)
      : reader_(std::make_shared<ErrorRecordingReader>(std::move(reader))),
        scan_(std::move(scan)) {}

  nb::object Export(nb::handle /*requested_schema*/) {
    if (exported_) {
      throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                  "this stream was already consumed: call execute() again"));
    }
    exported_ = true;
    return ExportStreamCapsule(reader_);
  }
  void RaiseLastError() const { ThrowIfError(reader_->last_error()); }
  nb::list Warnings() const { return WarningsToPython(scan_->warnings()); }
  void Close() {
    nb::gil_scoped_release release;
    ThrowIfError(reader_->Close());
  }

 private:
  std::shared_ptr<ErrorRecordingReader> reader_;
  std::shared_ptr<scan::Scan> scan_;
  bool exported_ = false;
};

// A pass read by an event loop: each read is announced on the loop's completion queue by the pool
// thread that finished it (python/completions.h); the scan is kept for the pass's warnings.
class PyAsyncScanStream {
 public:
  PyAsyncScanStream(std::shared_ptr<scan::MultiFileReader> reader, std::shared_ptr<scan::Scan> scan)
      : reader_(std::move(reader)), scan_(std::move(scan)) {}

  std::shared_ptr<PendingBatch> ReadNext(std::shared_ptr<CompletionQueue> queue, uint64_t token) {
    return Announce(reader_->ReadNextAsync(), std::move(queue), token);
  }
  std::shared_ptr<PendingStatus> Close(std::shared_ptr<CompletionQueue> queue, uint64_t token) {
    return Announce(reader_->CloseAsync(), std::move(queue), token);
  }
  nb::object SchemaCapsule() const { return ExportSchemaCapsule(*reader_->schema()); }
  nb::list Warnings() const { return WarningsToPython(scan_->warnings()); }

 private:
  std::shared_ptr<scan::MultiFileReader> reader_;
  std::shared_ptr<scan::Scan> scan_;
};

// Files arrive as (path, size | None, mtime | None, dataset, uf, year | None, month | None).
std::vector<scan::ScanFile> FilesFromPython(const nb::list& files) {
  std::vector<scan::ScanFile> out;
  for (nb::handle item : files) {
    auto t = nb::borrow<nb::tuple>(item);
    scan::ScanFile file;
    file.path = nb::cast<std::string>(t[0]);
    if (!t[1].is_none()) {
      io::RemoteEntry entry;
      entry.name = file.path.substr(file.path.rfind('/') + 1);
      entry.size = nb::cast<int64_t>(t[1]);
      if (!t[2].is_none()) entry.mtime = nb::cast<int64_t>(t[2]);
      file.listed = entry;
    }
    file.dataset = nb::cast<std::string>(t[3]);
    file.uf = nb::cast<std::string>(t[4]);
    if (!t[5].is_none()) file.year = nb::cast<int32_t>(t[5]);
    if (!t[6].is_none()) file.month = nb::cast<int32_t>(t[6]);
    out.push_back(std::move(file));
  }
  return out;
}

nb::dict PlannedToDict(const scan::PlannedFile& p, cache::ConvertedFormat cache_format) {
  nb::dict d;
  d["path"] = p.file.path;
  d["dataset"] = p.file.dataset;
  d["uf"] = p.file.uf.empty() ? nb::none() : nb::cast(p.file.uf);
  d["year"] = p.file.year ? nb::cast(*p.file.year) : nb::none();
  d["month"] = p.file.month ? nb::cast(*p.file.month) : nb::none();
  d["size"] = p.identity.size;
  d["mtime"] = p.identity.mtime ? nb::cast(*p.identity.mtime) : nb::none();
  d["records"] = p.identity.records ? nb::cast(*p.identity.records) : nb::none();
  d["crc32"] = p.identity.crc32 ? nb::cast(*p.identity.crc32) : nb::none();
  d["cached"] =
      p.cached_converted ? cache::ConvertedFormatName(cache_format) : (p.cached_raw ? "raw" : "");
  d["columns"] = p.schema->num_fields();
  return d;
}

// The scan's options: `scan` with the reader's and the source's options, and this execution's
// columns and filter (the pushed part read on the bytes, the rest applied by Arrow).
std::shared_ptr<scan::Scan> MakeScan(nb::list files, std::string source_url,
                                     const dbf::ReadOptions& read, const scan::ScanOptions& scan,
                                     const io::SourceOptions& source,
                                     std::optional<std::vector<std::string>> columns,
                                     nb::handle filter, bool typed, const std::string& labels,
                                     const std::string& codes_as,
                                     const std::string& label_language) {
  scan::ScanOptions options = scan;
  options.source_url = std::move(source_url);
  options.source_options = source;
  const scan::SplitFilter split = FilterFromPython(filter);
  options.read = WithColumnsAndFilter(read, std::move(columns), split);
  options.residual_filter = split.residual;
  options.meaning = MeaningOptionsFromPython(typed, labels, codes_as, label_language);
  std::vector<scan::ScanFile> planned = FilesFromPython(files);
  nb::gil_scoped_release release;
  return ValueOrThrow(scan::Scan::Make(std::move(planned), std::move(options)));
}

nb::dict DatasetFileToDict(const scan::DatasetFile& f) {
  const scan::ScanFile& file = f.file;
  nb::dict d;
  d["path"] = file.path;
  d["size"] = file.listed ? file.listed->size : 0;
  d["mtime"] = file.listed && file.listed->mtime ? nb::cast(*file.listed->mtime) : nb::none();
  d["dataset"] = file.dataset;
  d["uf"] = file.uf.empty() ? nb::none() : nb::cast(file.uf);
  d["year"] = file.year ? nb::cast(*file.year) : nb::none();
  d["month"] = file.month ? nb::cast(*file.month) : nb::none();
  d["part"] = f.part.empty() ? nb::none() : nb::cast(f.part);
  d["preliminary"] = f.preliminary ? nb::cast(*f.preliminary) : nb::none();
  return d;
}

// The files of a dataset on a source (see include/arrow_sus/scan/dataset.h): what a read takes
// (`select`) or every file of the partitions.
nb::list DiscoverDataset(std::shared_ptr<io::Source> source, const std::string& dataset,
                         std::optional<std::vector<std::string>> ufs,
                         std::optional<std::vector<int32_t>> years,
                         std::optional<std::vector<int32_t>> months, bool select, bool require_year,
                         bool command_line) {
  scan::DatasetQuery query{
      .dataset = dataset,
      .ufs = std::move(ufs),
      .years = std::move(years),
      .months = std::move(months),
      .require_year = require_year,
      .style = command_line ? scan::ArgumentStyle::kCommandLine : scan::ArgumentStyle::kPython};
  std::vector<scan::DatasetFile> files;
  {
    nb::gil_scoped_release release;
    if (select) {
      files = ValueOrThrow(scan::Dataset::Discover(*source, query)).files();
    } else {
      files = ValueOrThrow(scan::ListDatasetFiles(*source, query));
    }
  }
  nb::list out;
  for (const scan::DatasetFile& f : files) out.append(DatasetFileToDict(f));
  return out;
}

}  // namespace

void BindScan(nb::module_& m) {
  nb::class_<PyScanStream>(m, "ScanStream", "Batches of one pass over a Scan.")
      .def("__arrow_c_stream__", &PyScanStream::Export, nb::arg("requested_schema") = nb::none())
      .def("raise_last_error", &PyScanStream::RaiseLastError)
      .def("warnings", &PyScanStream::Warnings)
      .def("close", &PyScanStream::Close);

  nb::class_<PyAsyncScanStream>(m, "AsyncScanStream",
                                "Batches of one pass, read without waiting (arrow_sus.aio).")
      .def("read_next", &PyAsyncScanStream::ReadNext, nb::arg("queue"), nb::arg("token"))
      .def("close", &PyAsyncScanStream::Close, nb::arg("queue"), nb::arg("token"))
      .def("schema_capsule", &PyAsyncScanStream::SchemaCapsule)
      .def("warnings", &PyAsyncScanStream::Warnings);

  nb::class_<scan::Scan>(m, "Scan", "A planned multi-file scan; use arrow_sus.scan() instead.")
      .def("plan",
           [](scan::Scan& self) {
             nb::gil_scoped_release release;
             ThrowIfError(self.Plan());
           })
      .def(
          "plan_async",
          [](scan::Scan& self, std::shared_ptr<CompletionQueue> queue, uint64_t token) {
            return Announce(self.PlanAsync(), std::move(queue), token);
          },
          nb::arg("queue"), nb::arg("token"), "plan() announced on `queue` instead of waited for")
      .def("schema_capsule",
           [](scan::Scan& self) {
             std::shared_ptr<arrow::Schema> schema;
             {
               nb::gil_scoped_release release;
               schema = ValueOrThrow(self.schema());
             }
             return ExportSchemaCapsule(*schema);
           })
      .def("files",
           [](scan::Scan& self) {
             std::vector<scan::PlannedFile> files;
             {
               nb::gil_scoped_release release;
               files = ValueOrThrow(self.files());
             }
             nb::list out;
             for (const auto& f : files) {
               out.append(PlannedToDict(f, self.options().cache_format));
             }
             return out;
           })
      .def(
          "execute",
          [](nb::pointer_and_handle<scan::Scan> self) {
            std::shared_ptr<arrow::RecordBatchReader> reader;
            {
              nb::gil_scoped_release release;
              reader = ValueOrThrow(self.p->Execute());
            }
            return new PyScanStream(std::move(reader),
                                    nb::cast<std::shared_ptr<scan::Scan>>(self.h));
          },
          nb::rv_policy::take_ownership)
      .def(
          "execute_async",
          [](nb::pointer_and_handle<scan::Scan> self) {
            std::shared_ptr<scan::MultiFileReader> reader;
            {
              nb::gil_scoped_release release;  // planned already (plan_async): nothing waits
              reader = ValueOrThrow(self.p->Execute());
            }
            return new PyAsyncScanStream(std::move(reader),
                                         nb::cast<std::shared_ptr<scan::Scan>>(self.h));
          },
          nb::rv_policy::take_ownership)
      .def("counters",
           [](const scan::Scan& self) {
             nb::dict d;
             self.counters().ForEach([&d](const char* name, const std::atomic<int64_t>& counter) {
               d[name] = counter.load(std::memory_order_relaxed);
             });
             return d;
           })
      .def("unmapped_codes",
           [](const scan::Scan& self) {
             nb::dict d;
             for (const auto& [column, count] : self.unmapped_codes()) d[column.c_str()] = count;
             return d;
           })
      .def(
          "narrow",
          [](const scan::Scan& self, std::optional<std::vector<std::string>> columns,
             nb::handle filter, int64_t batch_size, bool with_source, bool ordered) {
            scan::ScanRequest request{.columns = std::move(columns),
                                      .batch_size = batch_size,
                                      .with_source = with_source,
                                      .ordered = ordered};
            scan::SplitFilter split = FilterFromPython(filter);
            if (split.pushed) {
              request.filter = std::make_shared<const dbf::Predicate>(std::move(*split.pushed));
            }
            request.residual_filter = std::move(split.residual);
            return ValueOrThrow(self.Narrow(request));
          },
          nb::arg("columns").none(), nb::arg("filter").none(), nb::arg("batch_size"),
          nb::arg("with_source"), nb::arg("ordered"),
          "The same planned files under another request (columns, filter, batch size...).")
      .def("explain", [](scan::Scan& self) {
        std::vector<scan::FileExplanation> files;
        {
          nb::gil_scoped_release release;
          files = ValueOrThrow(self.Explain());
        }
        nb::list out;
        for (const scan::FileExplanation& e : files) {
          nb::dict d;
          d["path"] = e.path;
          d["size"] = e.size;
          d["read_from"] = e.read_from;
          d["fills_cache"] = e.fills_cache;
          d["columns"] = e.columns;
          d["filter_pushed"] = e.filter_pushed;
          d["filter_after"] = e.filter_after;
          out.append(d);
        }
        return out;
      });

  nb::list source_columns;
  for (const char* name : scan::kSourceColumns) source_columns.append(name);
  m.attr("SOURCE_COLUMNS") = nb::tuple(source_columns);

  m.def("open_scan", &MakeScan, nb::arg("files"), nb::arg("source_url"), nb::arg("read_options"),
        nb::arg("scan_options"), nb::arg("source_options"), nb::kw_only(),
        nb::arg("columns").none(), nb::arg("filter").none(), nb::arg("typed"), nb::arg("labels"),
        nb::arg("codes_as"), nb::arg("label_language"),
        "Plans a multi-file scan of `files` (see arrow_sus/scan.py) with these options.");
  m.def("discover_dataset", &DiscoverDataset, nb::arg("source"), nb::arg("dataset"),
        nb::arg("ufs").none(), nb::arg("years").none(), nb::arg("months").none(), nb::kw_only(),
        nb::arg("select") = true, nb::arg("require_year") = true, nb::arg("command_line") = false,
        "The files of a dataset on a source that a read takes (or every file of the partitions).");
}

}  // namespace arrow_sus::python
