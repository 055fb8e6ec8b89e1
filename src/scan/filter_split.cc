#include "arrow_sus/scan/filter_split.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <arrow/array.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "arrow_sus/error.h"
#include "arrow_sus/scan/predicate_expression.h"

namespace arrow_sus::scan {

namespace cp = arrow::compute;
using dbf::CompareOp;
using dbf::Predicate;

namespace {

bool IsAnd(const std::string& name) { return name == "and" || name == "and_kleene"; }
bool IsOr(const std::string& name) { return name == "or" || name == "or_kleene"; }

// The function name of a call, or "" for a field or a literal.
const std::string& FunctionOf(const cp::Expression& e) {
  static const std::string kNone;
  return e.call() ? e.call()->function_name : kNone;
}

// Refuses trees nested deeper than kMaxFilterDepth; a chain of one function (a & b & c, built
// pairwise) is one level.
arrow::Status CheckDepth(const cp::Expression& e, int depth) {
  const cp::Expression::Call* call = e.call();
  if (call == nullptr) return arrow::Status::OK();
  if (depth > kMaxFilterDepth) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "the filter nests and/or groups more than " + std::to_string(kMaxFilterDepth) +
                         " levels deep");
  }
  for (const cp::Expression& argument : call->arguments) {
    const bool same = FunctionOf(argument) == call->function_name;
    ARROW_RETURN_NOT_OK(CheckDepth(argument, same ? depth : depth + 1));
  }
  return arrow::Status::OK();
}

// The operands of a chain of `function` calls, flattened.
void Flatten(const cp::Expression& e, bool (*is_function)(const std::string&),
             std::vector<cp::Expression>* out) {
  if (e.call() && is_function(e.call()->function_name)) {
    for (const cp::Expression& argument : e.call()->arguments) Flatten(argument, is_function, out);
  } else {
    out->push_back(e);
  }
}

const std::string* FieldName(const cp::Expression& e) {
  return e.field_ref() ? e.field_ref()->name() : nullptr;
}

// A scalar as a reader literal; nullopt for nulls and kinds the reader does not compare.
std::optional<dbf::Literal> LiteralOf(const arrow::Scalar& scalar) {
  if (!scalar.is_valid) return std::nullopt;
  switch (scalar.type->id()) {
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
      return static_cast<const arrow::BaseBinaryScalar&>(scalar).value->ToString();
    case arrow::Type::BOOL:
      return static_cast<const arrow::BooleanScalar&>(scalar).value;
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32: {
      auto cast = scalar.CastTo(arrow::int64());
      if (!cast.ok()) return std::nullopt;
      return static_cast<const arrow::Int64Scalar&>(**cast).value;
    }
    case arrow::Type::UINT64: {
      const uint64_t v = static_cast<const arrow::UInt64Scalar&>(scalar).value;
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
      return static_cast<int64_t>(v);
    }
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE: {
      auto cast = scalar.CastTo(arrow::float64());
      if (!cast.ok()) return std::nullopt;
      const double v = static_cast<const arrow::DoubleScalar&>(**cast).value;
      if (std::isnan(v)) return std::nullopt;  // NaN compares unlike any DBF value
      return v;
    }
    case arrow::Type::DATE32:
      return dbf::DateLiteral{static_cast<const arrow::Date32Scalar&>(scalar).value};
    default:
      return std::nullopt;
  }
}

std::optional<dbf::Literal> LiteralOf(const cp::Expression& e) {
  const arrow::Datum* datum = e.literal();
  if (datum == nullptr || !datum->is_scalar()) return std::nullopt;
  return LiteralOf(*datum->scalar());
}

std::optional<CompareOp> ComparisonOf(const std::string& name) {
  if (name == "equal") return CompareOp::kEqual;
  if (name == "not_equal") return CompareOp::kNotEqual;
  if (name == "less") return CompareOp::kLess;
  if (name == "less_equal") return CompareOp::kLessEqual;
  if (name == "greater") return CompareOp::kGreater;
  if (name == "greater_equal") return CompareOp::kGreaterEqual;
  return std::nullopt;
}

// literal OP field is field MIRRORED(OP) literal.
CompareOp Mirrored(CompareOp op) {
  switch (op) {
    case CompareOp::kLess:
      return CompareOp::kGreater;
    case CompareOp::kLessEqual:
      return CompareOp::kGreaterEqual;
    case CompareOp::kGreater:
      return CompareOp::kLess;
    case CompareOp::kGreaterEqual:
      return CompareOp::kLessEqual;
    default:
      return op;
  }
}

// is_in(field, value_set): the field and the values, when every value is a reader literal.
struct SetLookup {
  std::string field;
  std::vector<dbf::Literal> values;
  cp::SetLookupOptions::NullMatchingBehavior nulls;
};

std::optional<SetLookup> SetLookupOf(const cp::Expression& e) {
  const cp::Expression::Call* call = e.call();
  if (call == nullptr || call->function_name != "is_in" || call->arguments.size() != 1) {
    return std::nullopt;
  }
  const std::string* field = FieldName(call->arguments[0]);
  const auto* options = static_cast<const cp::SetLookupOptions*>(call->options.get());
  if (field == nullptr || options == nullptr || !options->value_set.is_arraylike()) {
    return std::nullopt;
  }
  SetLookup lookup{*field, {}, options->GetNullMatchingBehavior()};
  const std::shared_ptr<arrow::Array> values = options->value_set.make_array();
  for (int64_t i = 0; i < values->length(); ++i) {
    auto scalar = values->GetScalar(i);
    if (!scalar.ok()) return std::nullopt;
    std::optional<dbf::Literal> literal = LiteralOf(**scalar);
    if (!literal) return std::nullopt;  // a null in the set, or a value the reader cannot compare
    lookup.values.push_back(std::move(*literal));
  }
  return lookup;
}

std::optional<Predicate> Derive(const cp::Expression& e);

// The AND of `children`, where "f is null or X" beside "f is not null" is X (how a
// pyarrow-style "not in" reads: valid and not is_in), and "f is not null" beside a comparison of f
// goes.
Predicate Conjunction(std::vector<Predicate> children) {
  auto is_compare = [](const Predicate& p, CompareOp op) {
    return p.kind == Predicate::Kind::kCompare && p.op == op;
  };
  for (Predicate& child : children) {
    if (child.kind != Predicate::Kind::kOr || child.children.size() != 2 ||
        !is_compare(child.children[0], CompareOp::kIsNull)) {
      continue;
    }
    const std::string& field = child.children[0].field;
    const bool valid_beside = std::any_of(children.begin(), children.end(), [&](const auto& c) {
      return is_compare(c, CompareOp::kNotNull) && c.field == field;
    });
    if (valid_beside) child = Predicate(child.children[1]);
  }
  // "f is not null" beside a comparison of f, which is never true on a null, adds nothing.
  auto compared = [&](const std::string& field) {
    return std::any_of(children.begin(), children.end(), [&](const Predicate& c) {
      return c.kind == Predicate::Kind::kCompare && c.field == field &&
             c.op != CompareOp::kNotNull && c.op != CompareOp::kIsNull;
    });
  };
  std::vector<bool> redundant;
  for (const Predicate& child : children) {
    redundant.push_back(is_compare(child, CompareOp::kNotNull) && compared(child.field));
  }
  std::vector<Predicate> kept;
  for (size_t i = 0; i < children.size(); ++i) {
    if (!redundant[i]) kept.push_back(std::move(children[i]));
  }
  children = std::move(kept);
  return children.size() == 1 ? std::move(children[0]) : Predicate::And(std::move(children));
}

// and/or: exact when every operand is.
std::optional<Predicate> DeriveJunction(const cp::Expression& e, bool conjunction) {
  std::vector<cp::Expression> operands;
  Flatten(e, conjunction ? IsAnd : IsOr, &operands);
  std::vector<Predicate> children;
  for (const cp::Expression& operand : operands) {
    std::optional<Predicate> child = Derive(operand);
    if (!child) return std::nullopt;
    children.push_back(std::move(*child));
  }
  return conjunction ? Conjunction(std::move(children)) : Predicate::Or(std::move(children));
}

// NOT of a null test or a set lookup; other negations are left to Arrow.
std::optional<Predicate> DeriveNegation(const cp::Expression& operand) {
  const std::string& name = FunctionOf(operand);
  if (name == "is_null" || name == "is_valid") {
    const std::string* field = FieldName(operand.call()->arguments[0]);
    if (field == nullptr) return std::nullopt;
    return Predicate::Compare(*field, name == "is_null" ? CompareOp::kNotNull : CompareOp::kIsNull);
  }
  std::optional<SetLookup> lookup = SetLookupOf(operand);
  if (!lookup) return std::nullopt;
  Predicate not_in = Predicate::Compare(lookup->field, CompareOp::kNotIn, lookup->values);
  using Nulls = cp::SetLookupOptions;
  // is_in is false on a null (MATCH with no null in the set, SKIP): its negation keeps nulls.
  if (lookup->nulls == Nulls::MATCH || lookup->nulls == Nulls::SKIP) {
    return Predicate::Or({Predicate::Compare(lookup->field, CompareOp::kIsNull), not_in});
  }
  return not_in;  // is_in is null on a null: so is its negation
}

std::optional<Predicate> Derive(const cp::Expression& e) {
  if (const arrow::Datum* datum = e.literal()) {
    if (!datum->is_scalar() || datum->scalar()->type->id() != arrow::Type::BOOL)
      return std::nullopt;
    const auto& value = datum->scalar_as<arrow::BooleanScalar>();
    // A null or false constant keeps no row; true keeps all.
    return value.is_valid && value.value ? Predicate::And({}) : Predicate::Or({});
  }
  const cp::Expression::Call* call = e.call();
  if (call == nullptr) return std::nullopt;
  const std::string& name = call->function_name;
  if (IsAnd(name) || IsOr(name)) return DeriveJunction(e, IsAnd(name));
  if (std::optional<CompareOp> op = ComparisonOf(name)) {
    if (call->arguments.size() != 2) return std::nullopt;
    const cp::Expression* field = &call->arguments[0];
    const cp::Expression* value = &call->arguments[1];
    if (FieldName(*field) == nullptr) {
      std::swap(field, value);
      op = Mirrored(*op);
    }
    const std::string* name_of_field = FieldName(*field);
    std::optional<dbf::Literal> literal = LiteralOf(*value);
    if (name_of_field == nullptr || !literal) return std::nullopt;
    return Predicate::Compare(*name_of_field, *op, {std::move(*literal)});
  }
  if (name == "is_in") {
    std::optional<SetLookup> lookup = SetLookupOf(e);
    if (!lookup) return std::nullopt;
    return Predicate::Compare(lookup->field, CompareOp::kIn, std::move(lookup->values));
  }
  if (call->arguments.size() != 1) return std::nullopt;
  const std::string* field = FieldName(call->arguments[0]);
  if (name == "is_null" && field) return Predicate::Compare(*field, CompareOp::kIsNull);
  if (name == "is_valid" && field) return Predicate::Compare(*field, CompareOp::kNotNull);
  if (name == "invert") return DeriveNegation(call->arguments[0]);
  if (name == "starts_with" && field) {
    const auto* options = static_cast<const cp::MatchSubstringOptions*>(call->options.get());
    if (options == nullptr || options->ignore_case) return std::nullopt;
    return Predicate::Compare(*field, CompareOp::kStartsWith, {options->pattern});
  }
  return std::nullopt;
}

void AddNames(std::vector<std::string> more, std::vector<std::string>* names) {
  for (std::string& name : more) {
    if (std::find(names->begin(), names->end(), name) == names->end()) {
      names->push_back(std::move(name));
    }
  }
}

}  // namespace

std::vector<std::string> SplitFilter::FieldNames() const {
  std::vector<std::string> names;
  if (pushed) AddNames(pushed->FieldNames(), &names);
  if (residual) AddNames(ExpressionFieldNames(*residual), &names);
  return names;
}

arrow::Result<std::optional<cp::Expression>> SplitFilter::OnColumns(
    const arrow::Schema& schema) const {
  std::optional<cp::Expression> expression = residual;
  if (pushed) {
    ARROW_ASSIGN_OR_RAISE(cp::Expression translated, PredicateToExpression(*pushed, schema));
    expression = expression ? cp::and_(translated, *expression) : translated;
  }
  return expression;
}

arrow::Result<SplitFilter> SplitFilterExpression(const cp::Expression& filter) {
  ARROW_RETURN_NOT_OK(CheckDepth(filter, 1));
  std::vector<cp::Expression> conjuncts;
  Flatten(filter, IsAnd, &conjuncts);
  std::vector<Predicate> pushed;
  std::vector<cp::Expression> residual;
  for (const cp::Expression& conjunct : conjuncts) {
    if (std::optional<Predicate> derived = Derive(conjunct)) {
      pushed.push_back(std::move(*derived));
    } else {
      residual.push_back(conjunct);
    }
  }
  SplitFilter split;
  if (!pushed.empty()) split.pushed = Conjunction(std::move(pushed));
  if (!residual.empty()) split.residual = cp::and_(residual);
  return split;
}

arrow::Result<cp::Expression> DeserializeFilter(std::shared_ptr<arrow::Buffer> bytes) {
  // Arrow reads the IPC message in place: give it an aligned copy.
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> aligned,
                        arrow::AllocateBuffer(bytes->size()));
  if (bytes->size() > 0) {
    std::memcpy(aligned->mutable_data(), bytes->data(), static_cast<size_t>(bytes->size()));
  }
  arrow::Result<cp::Expression> expression = cp::Deserialize(std::move(aligned));
  if (!expression.ok()) {
    return MakeError(
        ErrorKind::kInvalidArgument, {},
        "filter: not a serialized Arrow expression (" + expression.status().message() + ")");
  }
  return expression;
}

arrow::Result<cp::Expression> ResidualForFile(const cp::Expression& residual,
                                              const arrow::Schema& schema,
                                              const arrow::Schema& full) {
  if (const std::string* name = FieldName(residual)) {
    if (schema.GetFieldByName(*name) != nullptr) return residual;
    const auto field = full.GetFieldByName(*name);
    return cp::literal(arrow::MakeNullScalar(field ? field->type() : arrow::null()));
  }
  const cp::Expression::Call* call = residual.call();
  if (call == nullptr) return residual;
  std::vector<cp::Expression> arguments;
  for (const cp::Expression& argument : call->arguments) {
    ARROW_ASSIGN_OR_RAISE(auto specialised, ResidualForFile(argument, schema, full));
    arguments.push_back(std::move(specialised));
  }
  return cp::call(call->function_name, std::move(arguments), call->options);
}

std::vector<std::string> ExpressionFieldNames(const cp::Expression& expression) {
  std::vector<std::string> names;
  for (const arrow::FieldRef& ref : cp::FieldsInExpression(expression)) {
    if (const std::string* name = ref.name()) AddNames({*name}, &names);
  }
  return names;
}

}  // namespace arrow_sus::scan
