// arrow_sus._core catalog functions: the compiled-in DATASUS catalog for arrow_sus.catalog.
// Everything crosses as plain Python values (str, int, dict, list); the typed wrappers live in
// python/arrow_sus/catalog.py.
#include <nanobind/nanobind.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/path.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

using namespace arrow_sus::catalog;

nb::object OptionalText(std::string_view text) {
  return text.empty() ? nb::none() : nb::object(nb::str(text.data(), text.size()));
}

nb::object OptionalInt(int value) { return value == 0 ? nb::none() : nb::object(nb::int_(value)); }

nb::str Text(std::string_view text) { return nb::str(text.data(), text.size()); }

nb::list TextList(std::span<const std::string_view> values) {
  nb::list out;
  for (std::string_view v : values) out.append(Text(v));
  return out;
}

nb::dict LayoutDict(const Layout& layout) {
  nb::dict d;
  d["directory"] = Text(layout.directory);
  d["patterns"] = TextList(layout.patterns);
  d["extensions"] = TextList(layout.extensions);
  d["first"] = layout.first;
  d["last"] = layout.last;
  d["preliminary"] = layout.preliminary;
  d["placeholder"] = layout.placeholder;
  d["note"] = Text(layout.note);
  return d;
}

nb::dict DatasetDict(const Dataset& ds) {
  nb::dict d;
  d["id"] = Text(ds.id);
  d["system"] = Text(ds.system);
  d["group"] = Text(ds.group);
  d["kind"] = Text(DatasetKindName(ds.kind));
  d["name_pt"] = Text(ds.name_pt);
  d["name_en"] = Text(ds.name_en);
  d["description_pt"] = Text(ds.description_pt);
  d["description_en"] = Text(ds.description_en);
  d["periodicity"] = Text(PeriodicityName(ds.periodicity));
  d["coverage"] = Text(CoverageName(ds.coverage));
  d["file_type"] = Text(ds.file_type);
  d["encoding"] = Text(ds.encoding);
  d["listed"] = ds.listed;
  nb::list layouts;
  for (const Layout& layout : ds.layouts) layouts.append(LayoutDict(layout));
  d["layouts"] = layouts;
  d["documentation"] = TextList(ds.documentation);
  d["auxiliary"] = TextList(ds.auxiliary);
  return d;
}

nb::dict FileRefDict(const FileRef& ref) {
  nb::dict d;
  d["dataset"] = Text(ref.dataset->id);
  d["uf"] = OptionalText(ref.uf);
  d["year"] = OptionalInt(ref.year);
  d["month"] = OptionalInt(ref.month);
  d["part"] = OptionalText(ref.part);
  d["preliminary"] = ref.preliminary < 0 ? nb::none() : nb::object(nb::bool_(ref.preliminary == 1));
  d["directory"] = OptionalText(ref.Directory());
  d["name"] = Text(ref.name);
  d["extension"] = Text(ref.extension);
  d["placeholder"] = ref.placeholder;
  d["canonical_path"] = OptionalText(ref.CanonicalPath());
  return d;
}

std::string_view OutcomeName(ParseOutcome outcome) {
  switch (outcome) {
    case ParseOutcome::kMatched:
      return "matched";
    case ParseOutcome::kAmbiguous:
      return "ambiguous";
    case ParseOutcome::kUnrecognized:
      break;
  }
  return "unrecognized";
}

nb::dict SchemaDict(const SchemaVariant& v) {
  nb::dict d;
  d["first"] = v.first;
  d["last"] = v.last;
  nb::list fields;
  for (const Field& f : v.fields) {
    fields.append(nb::make_tuple(Text(f.name), std::string(1, f.type), f.length, f.decimals));
  }
  d["fields"] = fields;
  d["files"] = TextList(v.sample_files);
  return d;
}

}  // namespace

void BindCatalog(nb::module_& m) {
  m.def("catalog_version", [] { return std::string(CatalogVersion()); });
  m.def("catalog_datasets", [] {
    nb::list out;
    for (const Dataset& ds : Datasets()) out.append(DatasetDict(ds));
    return out;
  });
  m.def("catalog_dataset", [](std::string_view id) -> nb::object {
    const Dataset* ds = FindDataset(id);
    return ds ? nb::object(DatasetDict(*ds)) : nb::none();
  });
  m.def("catalog_parse_path", [](std::string path) {
    arrow::Result<FileRef> ref;
    {
      nb::gil_scoped_release release;
      ref = ParsePath(path);
    }
    return FileRefDict(ValueOrThrow(std::move(ref)));
  });
  // Classifies many names at once (file indexes): [(outcome, dict | None), ...].
  m.def("catalog_classify_many", [](std::vector<std::string> paths) {
    std::vector<ParseResult> results(paths.size());
    {
      nb::gil_scoped_release release;
      for (size_t i = 0; i < paths.size(); ++i) results[i] = Classify(paths[i]);
    }
    nb::list out;
    for (const ParseResult& r : results) {
      out.append(nb::make_tuple(Text(OutcomeName(r.outcome)), r.outcome == ParseOutcome::kMatched
                                                                  ? nb::object(FileRefDict(r.ref))
                                                                  : nb::none()));
    }
    return out;
  });
  m.def(
      "catalog_paths",
      [](std::string dataset, std::string uf, int year, int month, std::string part) {
        arrow::Result<std::vector<std::string>> paths;
        {
          nb::gil_scoped_release release;
          paths = CandidatePaths(PathQuery{dataset, uf, year, month, part});
        }
        return ValueOrThrow(std::move(paths));
      },
      nb::arg("dataset"), nb::arg("uf") = "", nb::arg("year") = 0, nb::arg("month") = 0,
      nb::arg("part") = "");
  m.def("catalog_select_parts", [](std::vector<std::string> paths) {
    arrow::Result<std::vector<size_t>> chosen;
    {
      nb::gil_scoped_release release;
      std::vector<FileRef> refs;
      refs.reserve(paths.size());
      arrow::Status status;
      for (const std::string& p : paths) {
        arrow::Result<FileRef> ref = ParsePath(p);
        if (!ref.ok()) {
          status = ref.status();
          break;
        }
        refs.push_back(*ref);
      }
      chosen = status.ok() ? SelectParts(refs) : arrow::Result<std::vector<size_t>>(status);
    }
    return ValueOrThrow(std::move(chosen));
  });
  m.def("catalog_ufs", [] {
    nb::list out;
    for (const Uf& uf : Ufs())
      out.append(nb::make_tuple(Text(uf.code), uf.ibge, Text(uf.name), Text(uf.region)));
    return out;
  });
  m.def("catalog_find_uf", [](std::string_view code) -> nb::object {
    const Uf* uf = FindUf(code);
    if (uf == nullptr) return nb::none();
    return nb::make_tuple(Text(uf->code), uf->ibge, Text(uf->name), Text(uf->region));
  });
  m.def("catalog_municipalities", [] {
    nb::list out;
    for (const Municipality& mu : Municipalities()) {
      out.append(nb::make_tuple(mu.code6, mu.code7, Text(mu.name), Text(mu.uf), mu.current,
                                Text(mu.status)));
    }
    return out;
  });
  m.def("catalog_find_municipality", [](int32_t code) -> nb::object {
    const Municipality* mu = FindMunicipality(code);
    if (mu == nullptr) return nb::none();
    return nb::make_tuple(mu->code6, mu->code7, Text(mu->name), Text(mu->uf), mu->current,
                          Text(mu->status));
  });
  m.def("catalog_schemas", [](std::string_view dataset) {
    nb::list out;
    for (const SchemaVariant& v : Schemas(dataset)) out.append(SchemaDict(v));
    return out;
  });
  m.def("catalog_listed_periods", [](std::string_view dataset) {
    nb::list out;
    for (const PeriodRun& run : ListedPeriods(dataset))
      out.append(nb::make_tuple(run.first, run.last));
    return out;
  });
  m.def("catalog_listing_date", [] { return Text(ListingDate()); });
  m.def("catalog_find_schema", [](std::string_view dataset, int year, int month) -> nb::object {
    const SchemaVariant* v = FindSchema(dataset, year, month);
    return v ? nb::object(SchemaDict(*v)) : nb::none();
  });
}

}  // namespace arrow_sus::python
