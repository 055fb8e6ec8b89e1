// arrow_sus._core.tabwin: the code lists of a TabWin archive (include/arrow_sus/tabwin/) and their
// comparison with the compiled-in dictionary, as plain Python values for arrow_sus.labels.
#include <arrow/io/file.h>
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <map>
#include <string>
#include <vector>

#include "arrow_sus/tabwin/archive_labels.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

using namespace arrow_sus::tabwin;

nb::str Text(std::string_view text) { return nb::str(text.data(), text.size()); }

nb::object OptionalKey(int32_t key) { return key == 0 ? nb::none() : nb::object(nb::int_(key)); }

nb::list TextList(const std::vector<std::string>& values) {
  nb::list out;
  for (const std::string& v : values) out.append(Text(v));
  return out;
}

nb::dict CnvDict(const CnvFile& cnv) {
  nb::dict d;
  d["code_width"] = cnv.code_width;
  d["declared_categories"] = cnv.declared_categories;
  d["title"] = Text(cnv.title);
  d["flags"] = Text(cnv.flags);
  d["encoding"] = Text(dbf::EncodingName(cnv.encoding));
  nb::list categories, entries, issues;
  for (const CnvCategory& c : cnv.categories) {
    nb::dict item;
    item["number"] = c.number;
    item["label"] = Text(c.label);
    item["line"] = c.line;
    item["subtotal"] = Text(c.subtotal);
    categories.append(item);
  }
  for (const CnvEntry& e : cnv.entries) {
    nb::dict item;
    item["kind"] = Text(CodeKindName(e.kind));
    item["first"] = Text(e.first);
    item["last"] = Text(e.last);
    item["category"] = e.category;
    item["line"] = e.line;
    entries.append(item);
  }
  for (const CnvIssue& i : cnv.issues) {
    nb::dict item;
    item["kind"] = Text(CnvIssueKindName(i.kind));
    item["line"] = i.line;
    item["other_line"] = i.other_line;
    item["message"] = Text(i.message);
    issues.append(item);
  }
  d["categories"] = categories;
  d["entries"] = entries;
  d["issues"] = issues;
  return d;
}

nb::dict ConversionDict(const FieldConversion& c) {
  nb::dict d;
  d["definition"] = Text(c.def_member);
  d["line"] = c.variable.line;
  d["marker"] = Text(std::string(1, c.variable.marker));
  d["label"] = Text(c.variable.label);
  d["position"] = c.variable.position;
  d["conversion"] = Text(c.variable.conversion);
  d["member"] = Text(c.cnv_member);
  return d;
}

nb::object CompiledDict(const catalog::FieldInfo* info) {
  if (info == nullptr) return nb::none();
  nb::dict d;
  d["code_list"] = info->code_list ? nb::object(Text(info->code_list->id)) : nb::none();
  d["reference"] = info->reference.empty() ? nb::none() : nb::object(Text(info->reference));
  d["first_year"] = info->first_year ? nb::object(nb::int_(info->first_year)) : nb::none();
  d["last_year"] = info->last_year ? nb::object(nb::int_(info->last_year)) : nb::none();
  return d;
}

nb::list ComparisonList(const std::vector<LabelComparison>& rows) {
  nb::list out;
  for (const LabelComparison& r : rows) {
    nb::dict item;
    item["code"] = Text(r.code);
    item["compiled_label"] =
        r.status == LabelStatus::kOnlyTabwin ? nb::none() : nb::object(Text(r.compiled_label));
    item["tabwin_label"] =
        r.status == LabelStatus::kOnlyCompiled ? nb::none() : nb::object(Text(r.tabwin_label));
    item["status"] = Text(LabelStatusName(r.status));
    item["line"] = r.tabwin_line ? nb::object(nb::int_(r.tabwin_line)) : nb::none();
    out.append(item);
  }
  return out;
}

nb::dict ArchiveDict(const ArchiveLabels& labels,
                     const std::vector<std::vector<FieldComparison>>& comparisons) {
  nb::dict d;
  d["archive"] = Text(labels.archive);
  d["definitions"] = TextList(labels.defs);
  d["unmatched_definitions"] = TextList(labels.unmatched_defs);
  nb::list problems;
  for (const ArchiveProblem& p : labels.problems) {
    nb::dict item;
    item["member"] = Text(p.member);
    item["message"] = Text(p.message);
    problems.append(item);
  }
  d["problems"] = problems;
  // Each CNV once, however many fields and datasets use it.
  std::map<std::string, const CnvFile*> cnvs;
  nb::list datasets;
  for (size_t k = 0; k < labels.datasets.size(); ++k) {
    const DatasetLabels& ds = labels.datasets[k];
    nb::dict item;
    item["dataset"] = Text(ds.dataset);
    item["period_first"] = OptionalKey(ds.period.first);
    item["period_last"] = OptionalKey(ds.period.last);
    item["definitions"] = TextList(ds.defs);
    nb::list fields;
    for (size_t f = 0; f < ds.fields.size(); ++f) {
      const FieldLists& lists = ds.fields[f];
      nb::dict field;
      field["field"] = Text(lists.field);
      nb::list conversions;
      for (const FieldConversion& c : lists.conversions) {
        conversions.append(ConversionDict(c));
        cnvs.emplace(c.cnv_member, c.cnv.get());
      }
      field["conversions"] = conversions;
      field["compiled"] = CompiledDict(comparisons[k][f].compiled);
      field["comparison"] = ComparisonList(comparisons[k][f].rows);
      fields.append(field);
    }
    item["fields"] = fields;
    datasets.append(item);
  }
  d["datasets"] = datasets;
  nb::dict conversions;
  for (const auto& [member, cnv] : cnvs) conversions[Text(member)] = CnvDict(*cnv);
  d["conversions"] = conversions;
  return d;
}

}  // namespace

void BindTabwin(nb::module_& m) {
  nb::module_ mod = m.def_submodule("tabwin", "TabWin .DEF/.CNV code lists from DATASUS archives");
  mod.def(
      "read_archive_labels",
      [](const std::string& local_path, const std::string& archive_path,
         const std::vector<std::string>& datasets, bool collect_errors) {
        ArchiveLabels labels;
        std::vector<std::vector<FieldComparison>> comparisons;
        {
          nb::gil_scoped_release release;
          auto archive = ValueOrThrow(io::ZipArchive::Open(
              ValueOrThrow(arrow::io::ReadableFile::Open(local_path)), archive_path));
          labels = ValueOrThrow(ReadArchiveLabels(*archive, archive_path, datasets,
                                                  {.collect_errors = collect_errors}));
          for (const DatasetLabels& ds : labels.datasets) comparisons.push_back(CompareDataset(ds));
        }
        return ArchiveDict(labels, comparisons);
      },
      nb::arg("local_path"), nb::arg("archive_path"), nb::arg("datasets"),
      nb::arg("collect_errors") = false,
      "The code lists the archive at local_path (archive_path on the server) gives the datasets' "
      "fields, each compared with the compiled-in dictionary");
}

}  // namespace arrow_sus::python
