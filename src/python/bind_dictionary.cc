// arrow_sus._core data-dictionary functions (arrow_sus/catalog/dictionary.h): field meanings and
// code lists as plain Python values, for arrow_sus.describe, arrow_sus.check and arrow_sus.labels.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>
#include <nanobind/stl/vector.h>

#include "arrow_sus/catalog/dictionary.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

using namespace arrow_sus::catalog;

nb::object Text(std::string_view text) {
  return text.empty() ? nb::none() : nb::object(nb::str(text.data(), text.size()));
}

nb::dict SourceDict(const Source& source, Verification status, std::string_view reason) {
  nb::dict d;
  d["status"] = nb::str(VerificationName(status).data());
  d["reason"] = Text(reason);
  d["document"] = source.document ? Text(source.document->path) : nb::none();
  d["title"] = source.document ? Text(source.document->title) : nb::none();
  nb::list pages;
  for (int16_t page : source.pages) pages.append(page);
  d["pages"] = pages;
  return d;
}

nb::dict CodeListDict(const CodeList& list, bool with_codes) {
  nb::dict d;
  d["id"] = Text(list.id);
  d["name_pt"] = Text(list.name_pt);
  d["name_en"] = Text(list.name_en);
  d["source"] = SourceDict(list.source, list.status, list.reason);
  if (with_codes) {
    nb::list codes;
    for (const Code& code : list.codes) {
      nb::dict c;
      c["first"] = Text(code.first);
      c["last"] = Text(code.last);
      c["pt"] = Text(code.pt);
      c["en"] = Text(code.en);
      codes.append(c);
    }
    d["codes"] = codes;
  }
  return d;
}

nb::dict FieldDict(const FieldInfo& field) {
  nb::dict d;
  d["dataset"] = Text(field.dataset);
  d["name"] = Text(field.name);
  d["first_year"] = field.first_year ? nb::object(nb::int_(field.first_year)) : nb::none();
  d["last_year"] = field.last_year ? nb::object(nb::int_(field.last_year)) : nb::none();
  d["description_pt"] = Text(field.description_pt);
  d["description_en"] = Text(field.description_en);
  d["kind"] = Text(FieldKindName(field.kind));
  d["code_list"] = field.code_list ? Text(field.code_list->id) : nb::none();
  d["reference"] = Text(field.reference);
  d["unit"] = Text(field.unit);
  d["date_format"] = Text(field.date_format);
  d["time_format"] = Text(field.time_format);
  d["separator"] = Text(field.separator);
  nb::list missing;
  for (std::string_view value : field.missing) missing.append(nb::str(value.data(), value.size()));
  d["missing"] = missing;
  d["age_encoding"] = Text(AgeEncodingName(field.age_encoding));
  d["age_unit_field"] = Text(field.age_unit_field);
  d["source"] = SourceDict(field.source, field.status, field.reason);
  return d;
}

}  // namespace

void BindDictionary(nb::module_& m) {
  m.def("catalog_dictionary", [](std::string_view dataset) {
    nb::list out;
    for (const FieldInfo& field : DictionaryFields(dataset)) out.append(FieldDict(field));
    return out;
  });
  m.def("catalog_field_info",
        [](std::string_view dataset, std::string_view name, int year) -> nb::object {
          const FieldInfo* field = FindFieldInfo(dataset, name, year);
          return field ? nb::object(FieldDict(*field)) : nb::none();
        });
  m.def("catalog_code_lists", [] {
    nb::list out;
    for (const CodeList& list : CodeLists()) out.append(CodeListDict(list, false));
    return out;
  });
  m.def("catalog_code_list", [](std::string_view id) -> nb::object {
    const CodeList* list = FindCodeList(id);
    return list ? nb::object(CodeListDict(*list, true)) : nb::none();
  });
  // Whether each value is a code of the list (as the readers decide unmapped codes).
  m.def("catalog_codes_known", [](std::string_view id, const std::vector<std::string>& values) {
    const CodeList* list = FindCodeList(id);
    nb::list out;
    for (const std::string& value : values) {
      out.append(list != nullptr && LookupCode(*list, value) != nullptr);
    }
    return out;
  });
}

}  // namespace arrow_sus::python
