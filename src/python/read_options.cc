#include "python/read_options.h"

#include <nanobind/stl/string.h>

#include "arrow_sus/error.h"

namespace arrow_sus::python {

namespace {

using dbf::CompareOp;
using dbf::Literal;
using dbf::Predicate;

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

}  // namespace

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

dbf::ReadOptions ReadOptionsFromPython(std::optional<std::vector<std::string>> columns,
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
