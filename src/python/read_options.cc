#include "python/read_options.h"

#include <Python.h>

#include <nanobind/stl/string.h>

#include <cstdint>
#include <string>

#include "arrow_sus/error.h"

namespace arrow_sus::python {

namespace {

using dbf::CompareOp;
using dbf::Literal;
using dbf::Predicate;

// Filters nested deeper than this are refused: no real query needs it, and the conversion (and
// every later walk of the tree) recurses once per level.
constexpr int kMaxFilterDepth = 64;

arrow::Status FilterError(const std::string& field, const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, {.field = field}, message);
}

// repr() of a value in ASCII: safe to put in a message whatever the value holds.
std::string Ascii(nb::handle value) {
  PyObject* text = PyObject_ASCII(value.ptr());
  if (text == nullptr) {
    PyErr_Clear();
    return "<unprintable value>";
  }
  std::string out = PyUnicode_AsUTF8(text);
  Py_DECREF(text);
  return out;
}

// A str as UTF-8; a str that cannot be (lone surrogates) is an InvalidArgumentError.
std::string Utf8(nb::handle value, const std::string& field, const char* what) {
  if (!nb::isinstance<nb::str>(value))
    throw StatusError(
        FilterError(field, std::string(what) + " must be a str, got " + Ascii(value)));
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(value.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw StatusError(FilterError(field, std::string(what) + " " + Ascii(value) +
                                             " is not valid text (it holds a lone surrogate)"));
  }
  return std::string(data, static_cast<size_t>(size));
}

// A Python int as int64; one out of that range is an InvalidArgumentError.
int64_t Int64(nb::handle value, const std::string& field) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow != 0 || (v == -1 && PyErr_Occurred() != nullptr)) {
    PyErr_Clear();
    throw StatusError(FilterError(field, "filter value " + Ascii(value) + " on field " + field +
                                             " is outside the 64-bit integer range"));
  }
  return v;
}

Literal LiteralFromPython(nb::handle value, const std::string& field) {
  if (nb::isinstance<nb::bool_>(value)) return nb::cast<bool>(value);
  if (nb::isinstance<nb::int_>(value)) return Int64(value, field);
  if (nb::isinstance<nb::float_>(value)) return nb::cast<double>(value);
  if (nb::isinstance<nb::str>(value)) return Utf8(value, field, "filter value");
  if (nb::isinstance<nb::tuple>(value)) {
    auto t = nb::borrow<nb::tuple>(value);
    if (t.size() == 2 && nb::isinstance<nb::str>(t[0]) && Utf8(t[0], field, "tag") == "date" &&
        nb::isinstance<nb::int_>(t[1])) {
      const int64_t days = Int64(t[1], field);
      if (days >= INT32_MIN && days <= INT32_MAX)
        return dbf::DateLiteral{static_cast<int32_t>(days)};
      throw StatusError(FilterError(
          field, "date " + Ascii(value) + " on field " + field + " is outside the range of dates"));
    }
  }
  throw StatusError(
      FilterError(field, "unsupported filter value " + Ascii(value) + " on field " + field));
}

// The items of a node's list member (a list or tuple), or an InvalidArgumentError.
nb::sequence Items(nb::handle items, const std::string& field) {
  if (!nb::isinstance<nb::list>(items) && !nb::isinstance<nb::tuple>(items))
    throw StatusError(FilterError(field, "malformed filter: expected a list, got " + Ascii(items)));
  return nb::borrow<nb::sequence>(items);
}

Predicate PredicateAt(nb::handle node, int depth) {
  if (depth > kMaxFilterDepth)
    throw StatusError(FilterError(
        {}, "filter nested deeper than " + std::to_string(kMaxFilterDepth) + " levels"));
  if (!nb::isinstance<nb::tuple>(node) || nb::len(node) < 2)
    throw StatusError(FilterError({}, "malformed filter node " + Ascii(node)));
  auto t = nb::borrow<nb::tuple>(node);
  const std::string kind = Utf8(t[0], {}, "filter node kind");
  if ((kind == "and" || kind == "or") && t.size() == 2) {
    std::vector<Predicate> children;
    for (nb::handle child : Items(t[1], {})) children.push_back(PredicateAt(child, depth + 1));
    return kind == "and" ? Predicate::And(std::move(children)) : Predicate::Or(std::move(children));
  }
  if (kind != "cmp" || t.size() != 4)
    throw StatusError(FilterError({}, "malformed filter node " + Ascii(node)));
  const std::string field = Utf8(t[1], {}, "filter field name");
  std::vector<Literal> values;
  for (nb::handle v : Items(t[3], field)) values.push_back(LiteralFromPython(v, field));
  return Predicate::Compare(field, ValueOrThrow(dbf::ParseCompareOp(Utf8(t[2], field, "operator"))),
                            std::move(values));
}

}  // namespace

Predicate PredicateFromPython(nb::handle node) { return PredicateAt(node, 1); }

dbf::ReadOptions ReadOptionsFromPython(std::optional<std::vector<std::string>> columns,
                                       nb::handle filter, const std::string& encoding,
                                       int64_t batch_size, bool raw, const std::string& decimals,
                                       const std::string& on_invalid,
                                       const std::string& on_truncated, bool keep_deleted,
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
