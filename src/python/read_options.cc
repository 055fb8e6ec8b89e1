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

dbf::ReadOptions ReadOptionsFromPython(std::optional<std::vector<std::string>> columns,
                                       const scan::SplitFilter& filter, const std::string& encoding,
                                       int64_t batch_size, bool raw, const std::string& decimals,
                                       const std::string& on_invalid,
                                       const std::string& on_truncated, bool keep_deleted,
                                       bool use_threads) {
  dbf::ReadOptions options;
  options.columns = std::move(columns);
  if (filter.pushed) options.filter = std::make_shared<const dbf::Predicate>(*filter.pushed);
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
  if (on_truncated == "raise") {
    options.on_truncated = dbf::TruncatedPolicy::kRaise;
  } else if (on_truncated == "warn") {
    options.on_truncated = dbf::TruncatedPolicy::kWarn;
  } else {
    throw StatusError(
        MakeError(ErrorKind::kInvalidArgument, {},
                  "on_truncated must be 'raise' or 'warn', got '" + on_truncated + "'"));
  }
  options.keep_deleted = keep_deleted;
  options.use_threads = use_threads;
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
