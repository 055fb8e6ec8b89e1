#include "python/read_options.h"

#include <nanobind/stl/string.h>

#include <string>

#include "arrow_sus/error.h"

namespace arrow_sus::python {

scan::SplitFilter FilterFromPython(nb::handle filter) {
  if (filter.is_none()) return {};
  if (!nb::isinstance<nb::bytes>(filter)) {
    throw StatusError(MakeError(ErrorKind::kInvalidArgument, {},
                                "filter: expected the bytes of a serialized Arrow expression"));
  }
  auto bytes = nb::borrow<nb::bytes>(filter);
  auto buffer = std::make_shared<arrow::Buffer>(reinterpret_cast<const uint8_t*>(bytes.c_str()),
                                                static_cast<int64_t>(bytes.size()));
  arrow::compute::Expression expression = ValueOrThrow(scan::DeserializeFilter(std::move(buffer)));
  return ValueOrThrow(scan::SplitFilterExpression(expression));
}

dbf::ReadOptions WithColumnsAndFilter(dbf::ReadOptions options,
                                      std::optional<std::vector<std::string>> columns,
                                      const scan::SplitFilter& filter) {
  options.columns = std::move(columns);
  if (filter.pushed) options.filter = std::make_shared<const dbf::Predicate>(*filter.pushed);
  return options;
}

scan::MeaningOptions MeaningOptionsFromPython(bool typed, const std::string& labels,
                                              const std::string& codes_as,
                                              const std::string& label_language) {
  scan::MeaningOptions options;
  options.typed = typed;
  options.codes_as_dictionary = codes_as != "string";
  options.labels = labels == "labels" ? scan::LabelMode::kLabels
                   : labels == "both" ? scan::LabelMode::kBoth
                                      : scan::LabelMode::kCodes;
  options.language = ValueOrThrow(scan::ParseLabelLanguage(label_language));
  return options;
}

}  // namespace arrow_sus::python
