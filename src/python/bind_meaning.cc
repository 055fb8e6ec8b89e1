// arrow_sus._core functions that apply the readers' meaning stage without a file: the schema a
// field list is delivered as (arrow_sus.describe), and how date text is judged (arrow_sus.check).
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <arrow/type.h>

#include "arrow_sus/scan/delivered_schema.h"
#include "arrow_sus/scan/semantic_types.h"
#include "python/bindings.h"
#include "python/c_stream.h"
#include "python/read_options.h"

namespace arrow_sus::python {

using DbfField = std::tuple<std::string, std::string, int32_t, int32_t>;

void BindMeaning(nb::module_& m) {
  m.def(
      "delivered_schema",
      [](const std::string& dataset, int year, const std::vector<DbfField>& fields,
         const std::string& labels, const std::string& codes_as,
         const std::string& label_language) {
        std::vector<dbf::FieldDescriptor> descriptors;
        for (const auto& [name, type, width, decimals] : fields) {
          descriptors.push_back({.name = name,
                                 .type = type.empty() ? 'C' : type[0],
                                 .width = width,
                                 .decimals = decimals});
        }
        auto options = MeaningOptionsFromPython(true, labels, codes_as, label_language);
        return ExportSchemaCapsule(*scan::DeliveredSchema(dataset, year, descriptors, options));
      },
      nb::arg("dataset"), nb::arg("year"), nb::arg("fields"), nb::arg("labels") = "codes",
      nb::arg("codes_as") = "dictionary", nb::arg("label_language") = "pt",
      "The schema (C capsule) a read delivers for DBF fields (name, type, width, decimals) of a "
      "dataset and year (0: the latest dictionary entries).");
  m.def(
      "date_text_kinds",
      [](const std::vector<std::string>& values, const std::string& format) {
        const scan::DateFormat parsed = ValueOrThrow(scan::ParseDateFormat(format));
        nb::list out;
        for (const std::string& value : values) {
          switch (scan::ClassifyDateText(value, parsed)) {
            case scan::DateText::kDate:
              out.append("date");
              break;
            case scan::DateText::kBlank:
              out.append("blank");
              break;
            case scan::DateText::kInvalid:
              out.append("invalid");
              break;
          }
        }
        return out;
      },
      nb::arg("values"), nb::arg("format"),
      "For each text, 'date', 'blank' or 'invalid' in the format (YYYYMMDD, DDMMYYYY, YYYYMM, "
      "YYMMDD), as typed reads decide.");
}

}  // namespace arrow_sus::python
