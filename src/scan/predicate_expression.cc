#include "arrow_sus/scan/predicate_expression.h"

#include <arrow/array/array_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/cast.h>
#include <arrow/compute/function.h>
#include <arrow/compute/kernel.h>
#include <arrow/compute/registry.h>
#include <arrow/type.h>

#include <charconv>
#include <mutex>

#include "arrow_sus/error.h"
#include "core/compute_init.h"
#include "dbf/field_parsing.h"

namespace arrow_sus::scan {

namespace cp = arrow::compute;

namespace {

constexpr char kTextToNumber[] = "arrow_sus_text_to_number";

// utf8 → float64, null where the reader's number parser rejects the text.
arrow::Status TextToNumberExec(cp::KernelContext*, const cp::ExecSpan& batch, cp::ExecResult* out) {
  const arrow::ArraySpan& input = batch[0].array;
  arrow::StringArray strings(input.ToArrayData());
  arrow::DoubleBuilder builder;
  ARROW_RETURN_NOT_OK(builder.Reserve(strings.length()));
  for (int64_t i = 0; i < strings.length(); ++i) {
    double value;
    std::string_view text = strings.IsNull(i) ? std::string_view() : strings.GetView(i);
    if (!strings.IsNull(i) &&
        dbf::internal::ParseDouble(reinterpret_cast<const uint8_t*>(text.data()),
                                   static_cast<int32_t>(text.size()),
                                   &value) == dbf::internal::Parsed::kValue) {
      builder.UnsafeAppend(value);
    } else {
      builder.UnsafeAppendNull();
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto result, builder.Finish());
  out->value = result->data();
  return arrow::Status::OK();
}

arrow::Status RegisterTextToNumber() {
  static std::once_flag once;
  static arrow::Status status;
  std::call_once(once, [] {
    auto function = std::make_shared<cp::ScalarFunction>(
        kTextToNumber, cp::Arity::Unary(),
        cp::FunctionDoc("Parse text as a number the way arrow-sus reads DBF numbers",
                        "Null where the text is not a number.", {"text"}));
    cp::ScalarKernel kernel({arrow::utf8()}, arrow::float64(), TextToNumberExec);
    kernel.null_handling = cp::NullHandling::COMPUTED_NO_PREALLOCATE;
    kernel.mem_allocation = cp::MemAllocation::NO_PREALLOCATE;
    status = function->AddKernel(std::move(kernel));
    if (status.ok()) status = cp::GetFunctionRegistry()->AddFunction(std::move(function));
  });
  return status;
}

arrow::Status FilterError(const std::string& field, const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, {.field = field}, "filter: " + message);
}

bool IsNumber(const dbf::Literal& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

std::string Describe(const dbf::Literal& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>)
          return "'" + x + "'";
        else if constexpr (std::is_same_v<T, bool>)
          return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, dbf::DateLiteral>)
          return "date(" + std::to_string(x.days) + ")";
        else
          return std::to_string(x);
      },
      v);
}

arrow::Result<cp::Expression> NumberLiteral(const std::string& field, const dbf::Literal& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return cp::literal(*i);
  if (auto* d = std::get_if<double>(&v)) return cp::literal(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    std::string_view text = *s;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    double parsed;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (!text.empty() && ec == std::errc() && ptr == text.data() + text.size())
      return cp::literal(parsed);
  }
  return FilterError(field, Describe(v) + " is not a number, and field " + field + " is numeric");
}

arrow::Result<cp::Expression> DateLiteralFor(const std::string& field, const dbf::Literal& v) {
  if (auto* d = std::get_if<dbf::DateLiteral>(&v)) {
    return cp::literal(arrow::Datum(std::make_shared<arrow::Date32Scalar>(d->days)));
  }
  if (auto* s = std::get_if<std::string>(&v)) {
    std::string digits;
    for (char c : *s) {
      if (c != '-') digits.push_back(c);
    }
    int32_t days;
    if (dbf::internal::ParseYmd(reinterpret_cast<const uint8_t*>(digits.data()),
                                static_cast<int32_t>(digits.size()),
                                &days) == dbf::internal::Parsed::kValue) {
      return cp::literal(arrow::Datum(std::make_shared<arrow::Date32Scalar>(days)));
    }
  }
  return FilterError(field, Describe(v) + " is not a date (use a date or 'YYYY-MM-DD') and field " +
                                field + " is a date");
}

// How one literal reads against a column of `type`; `as_number` when text is compared with a
// number.
arrow::Result<cp::Expression> LiteralFor(const std::string& field, const arrow::DataType& type,
                                         const dbf::Literal& v, bool as_number) {
  if (as_number) return NumberLiteral(field, v);
  switch (type.id()) {
    case arrow::Type::STRING:
    case arrow::Type::BINARY:
      if (auto* s = std::get_if<std::string>(&v)) {
        return type.id() == arrow::Type::STRING
                   ? cp::literal(*s)
                   : cp::literal(arrow::Datum(std::make_shared<arrow::BinaryScalar>(*s)));
      }
      return FilterError(field, Describe(v) + " is not a string and field " + field + " is text");
    case arrow::Type::DATE32:
      return DateLiteralFor(field, v);
    case arrow::Type::BOOL:
      if (auto* b = std::get_if<bool>(&v)) return cp::literal(*b);
      return FilterError(field,
                         Describe(v) + " is not a boolean and field " + field + " is logical");
    case arrow::Type::INT8:  // derived columns (IDADE_UNIDADE, IDADE_VALOR)
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      return NumberLiteral(field, v);
    case arrow::Type::DECIMAL128: {  // compared as float64 (see Comparison)
      ARROW_ASSIGN_OR_RAISE(cp::Expression number, NumberLiteral(field, v));
      ARROW_ASSIGN_OR_RAISE(auto as_double, number.literal()->scalar()->CastTo(arrow::float64()));
      return cp::literal(arrow::Datum(as_double));
    }
    default:
      return FilterError(field, "cannot filter on " + type.ToString());
  }
}

arrow::Result<std::shared_ptr<arrow::Array>> ValueSet(const std::string& field,
                                                      const arrow::DataType& type,
                                                      const std::vector<dbf::Literal>& values,
                                                      bool as_number) {
  std::vector<std::shared_ptr<arrow::Scalar>> scalars;
  std::shared_ptr<arrow::DataType> set_type;
  for (const auto& v : values) {
    ARROW_ASSIGN_OR_RAISE(cp::Expression literal, LiteralFor(field, type, v, as_number));
    auto scalar = literal.literal()->scalar();
    // Numbers of mixed kinds (1, 2.5) join as float64, like the raw filter's long-double compare.
    if (set_type && !set_type->Equals(*scalar->type)) {
      ARROW_ASSIGN_OR_RAISE(scalar, scalar->CastTo(arrow::float64()));
      for (auto& s : scalars) {
        ARROW_ASSIGN_OR_RAISE(s, s->CastTo(arrow::float64()));
      }
    }
    set_type = scalar->type;
    scalars.push_back(std::move(scalar));
  }
  if (!set_type) set_type = as_number ? arrow::float64() : type.GetSharedPtr();
  std::unique_ptr<arrow::ArrayBuilder> builder;
  ARROW_RETURN_NOT_OK(arrow::MakeBuilder(arrow::default_memory_pool(), set_type, &builder));
  for (const auto& s : scalars) ARROW_RETURN_NOT_OK(builder->AppendScalar(*s));
  return builder->Finish();
}

arrow::Result<cp::Expression> Comparison(const dbf::Predicate& p, const arrow::Schema& schema) {
  const auto& field = schema.GetFieldByName(p.field);
  if (field == nullptr) {
    std::string names;
    for (const auto& f : schema.fields()) names += (names.empty() ? "" : ", ") + f->name();
    return FilterError(p.field, "unknown field '" + p.field + "'; available fields: " + names);
  }
  cp::Expression column = cp::field_ref(p.field);
  // A coded column compares as its codes' text (or labels'): its dictionary decoded.
  const bool dictionary = field->type()->id() == arrow::Type::DICTIONARY;
  const arrow::DataType& type =
      dictionary ? *static_cast<const arrow::DictionaryType&>(*field->type()).value_type()
                 : *field->type();
  if (dictionary) column = cp::call("cast", {column}, cp::CastOptions::Safe(type.GetSharedPtr()));
  using Op = dbf::CompareOp;
  if (p.op == Op::kIsNull) return cp::call("is_null", {column});
  if (p.op == Op::kNotNull) return cp::call("is_valid", {column});
  if (p.op != Op::kIn && p.op != Op::kNotIn && p.values.size() != 1) {
    return FilterError(p.field, std::string(dbf::CompareOpName(p.op)) + " needs one value, got " +
                                    std::to_string(p.values.size()));
  }
  if (p.op == Op::kStartsWith) {
    if (type.id() != arrow::Type::STRING && type.id() != arrow::Type::BINARY) {
      return FilterError(p.field,
                         "starts_with needs a text field; " + p.field + " is " + type.ToString());
    }
    auto* prefix = std::get_if<std::string>(&p.values[0]);
    if (prefix == nullptr) {
      return FilterError(
          p.field, Describe(p.values[0]) + " is not a string and field " + p.field + " is text");
    }
    return cp::call("starts_with", {column}, cp::MatchSubstringOptions(*prefix));
  }
  const bool as_number =
      type.id() == arrow::Type::STRING && !p.values.empty() && IsNumber(p.values[0]);
  if (as_number) column = cp::call(kTextToNumber, {column});
  // The raw filter compares decimals by their value as a double; so does this (and it avoids
  // decimal-precision errors when Arrow would promote the literal to the column's decimal type).
  if (type.id() == arrow::Type::DECIMAL128) {
    column = cp::call("cast", {column}, cp::CastOptions::Safe(arrow::float64()));
  }
  if (p.op == Op::kIn || p.op == Op::kNotIn) {
    ARROW_ASSIGN_OR_RAISE(auto set, ValueSet(p.field, type, p.values, as_number));
    cp::Expression in = cp::call("is_in", {column}, cp::SetLookupOptions(set));
    if (p.op == Op::kIn) return in;
    // is_in is false (not null) on nulls, so exclude them explicitly: nulls never match.
    return cp::and_(cp::call("is_valid", {column}), cp::not_(in));
  }
  ARROW_ASSIGN_OR_RAISE(cp::Expression literal, LiteralFor(p.field, type, p.values[0], as_number));
  switch (p.op) {
    case Op::kEqual:
      return cp::equal(column, literal);
    case Op::kNotEqual:
      return cp::not_equal(column, literal);
    case Op::kLess:
      return cp::less(column, literal);
    case Op::kLessEqual:
      return cp::less_equal(column, literal);
    case Op::kGreater:
      return cp::greater(column, literal);
    case Op::kGreaterEqual:
      return cp::greater_equal(column, literal);
    default:
      return FilterError(p.field, "unsupported operator");
  }
}

arrow::Result<cp::Expression> Translate(const dbf::Predicate& p, const arrow::Schema& schema) {
  if (p.kind == dbf::Predicate::Kind::kCompare) return Comparison(p, schema);
  std::vector<cp::Expression> children;
  for (const auto& child : p.children) {
    ARROW_ASSIGN_OR_RAISE(auto e, Translate(child, schema));
    children.push_back(std::move(e));
  }
  // AND/OR without NOT select the same rows under Kleene logic as with "null is false".
  if (p.kind == dbf::Predicate::Kind::kAnd) {
    return children.empty() ? cp::literal(true) : cp::and_(std::move(children));
  }
  return children.empty() ? cp::literal(false) : cp::or_(std::move(children));
}

}  // namespace

arrow::Result<cp::Expression> PredicateToExpression(const dbf::Predicate& predicate,
                                                    const arrow::Schema& schema) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  ARROW_RETURN_NOT_OK(RegisterTextToNumber());
  return Translate(predicate, schema);
}

}  // namespace arrow_sus::scan
