// arrow_sus._core.reference: the compiled-in reference tables, the auxiliary tables of a TAB
// archive, the scan's filter and projection applied to a table in memory (what
// arrow_sus.scan("aux-...") runs on a reference table), and lookups (arrow_sus.lookup).
#include <Python.h>

#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/table.h>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/zip_archive.h"
#include "arrow_sus/map_batches.h"
#include "arrow_sus/reference/archive_tables.h"
#include "arrow_sus/reference/compiled.h"
#include "arrow_sus/reference/lookup.h"
#include "arrow_sus/reference/reference_labels.h"
#include "arrow_sus/scan/predicate_expression.h"
#include "python/bindings.h"
#include "python/c_stream.h"
#include "python/read_options.h"

namespace arrow_sus::python {

namespace {

std::string_view TypeName(reference::ColumnType type) {
  switch (type) {
    case reference::ColumnType::kInt64:
      return "int64";
    case reference::ColumnType::kFloat64:
      return "float64";
    case reference::ColumnType::kBool:
      return "bool";
    case reference::ColumnType::kString:
      break;
  }
  return "string";
}

template <typename Views>
nb::list Texts(const Views& views) {
  nb::list out;
  for (std::string_view v : views) out.append(nb::str(v.data(), v.size()));
  return out;
}

nb::dict Info(const reference::ReferenceTableInfo& info) {
  nb::dict d;
  d["dataset"] = nb::str(info.dataset.data(), info.dataset.size());
  d["reference"] = nb::str(info.reference.data(), info.reference.size());
  d["title_en"] = nb::str(info.title_en.data(), info.title_en.size());
  d["title_pt"] = nb::str(info.title_pt.data(), info.title_pt.size());
  d["key"] = nb::str(info.key.data(), info.key.size());
  d["key_kind"] = nb::str(info.key_kind.data(), info.key_kind.size());
  d["key_width"] = info.key_width;
  d["lookup"] = Texts(info.lookup);
  d["inputs"] = Texts(info.inputs);
  nb::list columns;
  for (const auto& c : info.columns) {
    std::string_view type = TypeName(c.type);
    columns.append(nb::make_tuple(nb::str(c.name.data(), c.name.size()),
                                  nb::str(type.data(), type.size()),
                                  nb::str(c.description_en.data(), c.description_en.size()),
                                  nb::str(c.description_pt.data(), c.description_pt.size())));
  }
  d["columns"] = columns;
  nb::list sources;
  for (const auto& s : info.sources) {
    sources.append(nb::make_tuple(
        nb::str(s.file.data(), s.file.size()), nb::str(s.sha256.data(), s.sha256.size()),
        s.records < 0 ? nb::object(nb::none()) : nb::object(nb::int_(s.records))));
  }
  d["sources"] = sources;
  d["note"] = nb::str(info.note.data(), info.note.size());
  d["rows"] = info.rows;
  return d;
}

const reference::ReferenceTableInfo& CompiledOrThrow(const std::string& dataset) {
  const auto* info = reference::FindCompiledTable(dataset);
  if (info == nullptr) {
    throw StatusError(
        MakeError(ErrorKind::kNotFound, {}, "no compiled-in reference table for " + dataset));
  }
  return *info;
}

nb::object TableCapsule(std::shared_ptr<arrow::Table> table) {
  return ExportStreamCapsule(std::make_shared<arrow::TableBatchReader>(std::move(table)));
}

std::shared_ptr<io::ZipArchive> OpenArchive(const std::string& path, const std::string& name) {
  auto file = ValueOrThrow(dbf::OpenLocalFile(path));
  return ValueOrThrow(io::ZipArchive::Open(std::move(file), name.empty() ? path : name));
}

// A stream handed over by Python (the value of __arrow_c_stream__) as a reader.
std::shared_ptr<arrow::RecordBatchReader> ImportStream(nb::handle capsule) {
  auto* stream =
      static_cast<ArrowArrayStream*>(PyCapsule_GetPointer(capsule.ptr(), "arrow_array_stream"));
  if (stream == nullptr) throw nb::python_error();
  return ValueOrThrow(arrow::ImportRecordBatchReader(stream));
}

}  // namespace

void BindReference(nb::module_& root) {
  nb::module_ m = root.def_submodule("reference", "Reference tables (arrow_sus.reference).");
  m.def(
      "tables",
      []() {
        nb::list out;
        for (const auto& info : reference::CompiledTables()) out.append(Info(info));
        return out;
      },
      "Metadata of every compiled-in reference table, sorted by dataset.");
  m.def(
      "compiled_table",
      [](const std::string& dataset) {
        const auto& info = CompiledOrThrow(dataset);
        std::shared_ptr<arrow::Table> table;
        {
          nb::gil_scoped_release release;
          table = ValueOrThrow(reference::CompiledTable(info));
        }
        return TableCapsule(std::move(table));
      },
      nb::arg("dataset"), "The compiled-in table of an aux dataset, as an Arrow C stream capsule.");
  m.def(
      "codes_known",
      [](const std::string& reference, const std::vector<std::string>& codes) {
        nb::gil_scoped_release release;
        return ValueOrThrow(reference::KnownReferenceCodes(reference, codes));
      },
      nb::arg("reference"), nb::arg("codes"),
      "Whether the compiled-in table of a dictionary reference (cid10, municipality...) has each "
      "code.");
  m.def(
      "archive_tables",
      [](const std::string& path, const std::string& name) {
        std::vector<reference::ArchiveTable> tables;
        {
          nb::gil_scoped_release release;
          tables = reference::ListArchiveTables(*OpenArchive(path, name));
        }
        nb::list out;
        for (const auto& t : tables) {
          nb::dict d;
          d["member"] = t.member;
          d["dataset"] = t.dataset;
          d["uf"] = t.uf;
          d["year"] = t.year;
          out.append(d);
        }
        return out;
      },
      nb::arg("path"), nb::arg("name") = "",
      "The members of a local ZIP archive the catalog names as auxiliary tables.");
  m.def(
      "read_archive_table",
      [](const std::string& path, const std::string& member, const std::string& encoding, bool raw,
         const std::string& name) {
        dbf::ReadOptions options;
        options.encoding = ValueOrThrow(dbf::ParseEncoding(encoding));
        options.raw = raw;
        std::shared_ptr<arrow::Table> table;
        {
          nb::gil_scoped_release release;
          auto archive = OpenArchive(path, name);
          auto reader = ValueOrThrow(reference::OpenArchiveTable(*archive, member, options));
          table = ValueOrThrow(reader->ToTable());
        }
        return TableCapsule(std::move(table));
      },
      nb::arg("path"), nb::arg("member"), nb::arg("encoding"), nb::arg("raw"), nb::arg("name") = "",
      "A DBF member of a local ZIP archive, read whole (C stream capsule).");
  // nanobind holds shared_ptr<T>, not shared_ptr<const T>: the lookups are never changed after
  // Make.
  using LookupPtr = std::shared_ptr<reference::Lookup>;
  nb::class_<reference::Lookup>(
      m, "Lookup",
      "A reference table indexed by its normalised key, and the columns a "
      "lookup adds (reference/lookup.h).")
      .def_static(
          "make",
          [](nb::handle table, reference::LookupSpec spec) {
            auto reader = ImportStream(table);
            nb::gil_scoped_release release;
            auto rows = ValueOrThrow(reader->ToTable());
            return std::const_pointer_cast<reference::Lookup>(
                ValueOrThrow(reference::Lookup::Make(std::move(rows), std::move(spec))));
          },
          nb::arg("table"), nb::arg("spec"))
      .def_prop_ro("names", &reference::Lookup::AddedNames, "The columns the lookup adds.")
      .def_prop_ro(
          "code_column", [](const reference::Lookup& l) { return l.spec().code_column; },
          "The data's code column.")
      .def_prop_ro(
          "key", [](const reference::Lookup& l) { return l.spec().key; },
          "The reference table's key column.")
      .def_prop_ro(
          "columns", [](const reference::Lookup& l) { return l.spec().columns; },
          "The reference table's columns the lookup adds.")
      .def(
          "normalize",
          [](LookupPtr lookup, nb::handle stream) {
            auto input = ImportStream(stream);
            auto output =
                MapBatches(input, arrow::schema({arrow::field("key", arrow::utf8())}),
                           [lookup](const std::shared_ptr<arrow::RecordBatch>& batch)
                               -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
                             ARROW_ASSIGN_OR_RAISE(auto keys, lookup->Normalize(batch->column(0)));
                             return arrow::RecordBatch::Make(
                                 arrow::schema({arrow::field("key", arrow::utf8())}),
                                 batch->num_rows(), {keys});
                           });
            return ExportStreamCapsule(std::make_shared<ErrorRecordingReader>(std::move(output)));
          },
          nb::arg("stream"),
          "The first column of a stream's batches as the table's keys (a stream of one column, "
          "key).");
  nb::class_<reference::LookupSpec>(m, "LookupSpec")
      .def(
          "__init__",
          [](reference::LookupSpec* spec, std::string dataset, std::string key,
             const std::string& key_kind, int key_width, std::string code_column,
             std::vector<std::string> columns) {
            new (spec) reference::LookupSpec{std::move(dataset),
                                             std::move(key),
                                             ValueOrThrow(reference::ParseKeyKind(key_kind)),
                                             key_width,
                                             std::move(code_column),
                                             std::move(columns)};
          },
          nb::arg("dataset"), nb::arg("key"), nb::arg("key_kind"), nb::arg("key_width"),
          nb::arg("code_column"), nb::arg("columns"));
  m.def(
      "apply_lookups",
      [](nb::handle stream, std::vector<LookupPtr> lookups) {
        std::vector<std::shared_ptr<const reference::Lookup>> applied(lookups.begin(),
                                                                      lookups.end());
        auto output =
            ValueOrThrow(reference::LookupReader(ImportStream(stream), std::move(applied)));
        return ExportStreamCapsule(std::make_shared<ErrorRecordingReader>(std::move(output)));
      },
      nb::arg("stream"), nb::arg("lookups"),
      "A stream's batches with every lookup's columns beside its code column (the schema is "
      "checked at once: a missing code column or a taken name raises here).");
  m.def(
      "filter_table",
      [](nb::handle stream, nb::handle filter, std::vector<std::string> columns) {
        auto input = ImportStream(stream);
        std::optional<arrow::compute::Expression> expression =
            ValueOrThrow(FilterFromPython(filter).OnColumns(*input->schema()));
        auto output = ValueOrThrow(
            FilterAndProject(std::move(input), std::move(expression), std::move(columns)));
        return ExportStreamCapsule(std::make_shared<ErrorRecordingReader>(std::move(output)));
      },
      nb::arg("stream"), nb::arg("filter").none(), nb::arg("columns"),
      "The rows of a stream that a scan filter keeps, with only `columns` (all when empty): the "
      "scan's own filter semantics, for tables already in memory.");
}

}  // namespace arrow_sus::python
