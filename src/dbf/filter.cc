#include "arrow_sus/dbf/filter.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/util/utf8.h>

#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "dbf/error_locations.h"
#include "dbf/field_parsing.h"
#include "dbf/text_decoding.h"

namespace arrow_sus::dbf {

using internal::Parsed;

// ---- Predicate ----

Predicate Predicate::And(std::vector<Predicate> children) {
  Predicate p;
  p.kind = Kind::kAnd;
  p.children = std::move(children);
  return p;
}

Predicate Predicate::Or(std::vector<Predicate> children) {
  Predicate p;
  p.kind = Kind::kOr;
  p.children = std::move(children);
  return p;
}

Predicate Predicate::Compare(std::string field, CompareOp op, std::vector<Literal> values) {
  Predicate p;
  p.kind = Kind::kCompare;
  p.field = std::move(field);
  p.op = op;
  p.values = std::move(values);
  return p;
}

std::vector<std::string> Predicate::FieldNames() const {
  std::vector<std::string> names;
  if (kind == Kind::kCompare) {
    names.push_back(field);
  } else {
    for (const auto& child : children) {
      for (auto& name : child.FieldNames()) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    }
  }
  return names;
}

namespace {

std::string LiteralToString(const Literal& value) {
  struct Visitor {
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return std::to_string(v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(DateLiteral d) const { return "date(" + std::to_string(d.days) + ")"; }
  };
  return std::visit(Visitor{}, value);
}

}  // namespace

std::string_view CompareOpName(CompareOp op) {
  switch (op) {
    case CompareOp::kEqual:
      return "=";
    case CompareOp::kNotEqual:
      return "!=";
    case CompareOp::kLess:
      return "<";
    case CompareOp::kLessEqual:
      return "<=";
    case CompareOp::kGreater:
      return ">";
    case CompareOp::kGreaterEqual:
      return ">=";
    case CompareOp::kIn:
      return "in";
    case CompareOp::kNotIn:
      return "not in";
    case CompareOp::kIsNull:
      return "is_null";
    case CompareOp::kNotNull:
      return "not_null";
    case CompareOp::kStartsWith:
      return "starts_with";
  }
  return "?";
}

std::string Predicate::ToString() const {
  if (kind == Kind::kCompare) {
    std::string out = field + " " + std::string(CompareOpName(op));
    if (values.size() == 1 && op != CompareOp::kIn && op != CompareOp::kNotIn) {
      return out + " " + LiteralToString(values[0]);
    }
    if (op == CompareOp::kIsNull || op == CompareOp::kNotNull) return out;
    out += " (";
    for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + LiteralToString(values[i]);
    return out + ")";
  }
  if (children.empty()) return kind == Kind::kAnd ? "true" : "false";
  std::string out = "(";
  for (size_t i = 0; i < children.size(); ++i) {
    if (i) out += kind == Kind::kAnd ? " and " : " or ";
    out += children[i].ToString();
  }
  return out + ")";
}

// ---- Compilation ----

namespace {

arrow::Status FilterError(const std::string& field, const std::string& message) {
  return MakeError(ErrorKind::kInvalidArgument, internal::AtField(field), "filter: " + message);
}

bool IsOrdering(CompareOp op) {
  return op == CompareOp::kLess || op == CompareOp::kLessEqual || op == CompareOp::kGreater ||
         op == CompareOp::kGreaterEqual;
}

bool IsNumericLiteral(const Literal& v) {
  return std::holds_alternative<int64_t>(v) || std::holds_alternative<double>(v);
}

// Numbers are compared as long double: its 64-bit mantissa holds every int64 and every double
// exactly, so integer fields compare exactly with integer literals and with float literals alike.
using Number = long double;

arrow::Result<Number> NumberFromLiteral(const std::string& field, const Literal& value) {
  if (auto* i = std::get_if<int64_t>(&value)) return static_cast<Number>(*i);
  if (auto* d = std::get_if<double>(&value)) return static_cast<Number>(*d);
  if (auto* s = std::get_if<std::string>(&value)) {
    double parsed;
    std::string_view text = *s;
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) return parsed;
  }
  return FilterError(
      field, LiteralToString(value) + " is not a number, and field " + field + " is numeric");
}

arrow::Result<int32_t> DateFromLiteral(const std::string& field, const Literal& value) {
  if (auto* d = std::get_if<DateLiteral>(&value)) return d->days;
  if (auto* s = std::get_if<std::string>(&value)) {
    std::string digits;
    for (char c : *s) {
      if (c != '-') digits.push_back(c);
    }
    int32_t days;
    if (internal::ParseYmd(reinterpret_cast<const uint8_t*>(digits.data()),
                           static_cast<int32_t>(digits.size()), &days) == Parsed::kValue) {
      return days;
    }
  }
  return FilterError(field, LiteralToString(value) +
                                " is not a date (use a date or 'YYYY-MM-DD') and field " + field +
                                " is a date");
}

arrow::Result<bool> BoolFromLiteral(const std::string& field, const Literal& value) {
  if (auto* b = std::get_if<bool>(&value)) return *b;
  return FilterError(
      field, LiteralToString(value) + " is not a boolean and field " + field + " is logical");
}

// ---- Value readers: how a comparison reads its field out of a raw record ----
// Each has `Value` (what is read), `Stored` (how literals are kept), Read() returning nullopt for
// the same records the converted column holds as null, and Convert() for literals.

struct FieldSlot {
  int32_t offset;
  int32_t width;
};

// Text compared on its encoded bytes (Latin-1 and UTF-8 order bytes like code points).
struct EncodedTextReader {
  using Value = std::string_view;
  using Stored = std::string;
  FieldSlot slot;
  bool trim_leading;
  bool validate_utf8;
  const internal::TextDecoder* decoder;

  std::optional<Value> Read(const uint8_t* record) const {
    const uint8_t* bytes = record + slot.offset;
    int32_t end = internal::TrimmedLength(bytes, slot.width);
    int32_t begin = 0;
    if (trim_leading) {
      while (begin < end && internal::IsBlank(bytes[begin])) ++begin;
    }
    if (begin == end) return std::nullopt;
    if (validate_utf8 && !arrow::util::ValidateUTF8(bytes + begin, end - begin))
      return std::nullopt;
    return Value(reinterpret_cast<const char*>(bytes) + begin, end - begin);
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    auto* s = std::get_if<std::string>(&value);
    if (s == nullptr) {
      return FilterError(
          field, LiteralToString(value) + " is not a string and field " + field + " is text");
    }
    auto encoded = decoder->Encode(*s);
    if (!encoded) {
      return FilterError(field, "'" + *s + "' cannot be written in " +
                                    std::string(EncodingName(decoder->encoding())));
    }
    return std::move(*encoded);
  }
};

// Text decoded to UTF-8 before comparing (CP850 bytes do not sort like their characters).
struct DecodedTextReader {
  using Value = std::string;
  using Stored = std::string;
  EncodedTextReader encoded;

  std::optional<Value> Read(const uint8_t* record) const {
    auto bytes = encoded.Read(record);
    if (!bytes) return std::nullopt;
    std::string out(static_cast<size_t>(encoded.decoder->MaxDecodedSize(bytes->size())), '\0');
    int64_t n = encoded.decoder->Decode(reinterpret_cast<const uint8_t*>(bytes->data()),
                                        bytes->size(), reinterpret_cast<uint8_t*>(out.data()));
    out.resize(static_cast<size_t>(n));
    return out;
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    auto* s = std::get_if<std::string>(&value);
    if (s == nullptr) {
      return FilterError(
          field, LiteralToString(value) + " is not a string and field " + field + " is text");
    }
    return *s;
  }
};

// Bytes of a field type the reader does not interpret (the binary column): as they are.
struct BinaryReader {
  using Value = std::string_view;
  using Stored = std::string;
  FieldSlot slot;

  std::optional<Value> Read(const uint8_t* record) const {
    return Value(reinterpret_cast<const char*>(record) + slot.offset, slot.width);
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    if (auto* s = std::get_if<std::string>(&value)) return *s;
    return FilterError(field, "field " + field + " is binary: compare it with a string");
  }
};

// Numbers: N/F fields, and text fields compared with a numeric literal. `parse_as` says which
// parser decides validity, so that nulls match the converted column.
struct NumberReader {
  enum class ParseAs : uint8_t { kInteger, kInt32, kDouble, kScaled };
  using Value = Number;
  using Stored = Number;
  FieldSlot slot;
  ParseAs parse_as;
  int32_t scale = 0;
  int32_t precision = 0;

  std::optional<Value> Read(const uint8_t* record) const {
    const uint8_t* bytes = record + slot.offset;
    switch (parse_as) {
      case ParseAs::kInteger:
      case ParseAs::kInt32: {
        int64_t v;
        if (internal::ParseInteger(bytes, slot.width, &v) != Parsed::kValue) return std::nullopt;
        if (parse_as == ParseAs::kInt32 && (v < INT32_MIN || v > INT32_MAX)) return std::nullopt;
        return static_cast<Number>(v);
      }
      case ParseAs::kScaled: {
        __int128 unused;
        if (internal::ParseScaled(bytes, slot.width, scale, precision, &unused) != Parsed::kValue)
          return std::nullopt;
        [[fallthrough]];
      }
      case ParseAs::kDouble: {
        double v;
        if (internal::ParseDouble(bytes, slot.width, &v) != Parsed::kValue) return std::nullopt;
        return static_cast<Number>(v);
      }
    }
    return std::nullopt;
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    return NumberFromLiteral(field, value);
  }
};

struct DateReader {
  using Value = int32_t;
  using Stored = int32_t;
  FieldSlot slot;

  std::optional<Value> Read(const uint8_t* record) const {
    int32_t days;
    if (internal::ParseYmd(record + slot.offset, slot.width, &days) != Parsed::kValue)
      return std::nullopt;
    return days;
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    return DateFromLiteral(field, value);
  }
};

struct LogicalReader {
  using Value = bool;
  using Stored = bool;
  FieldSlot slot;

  std::optional<Value> Read(const uint8_t* record) const {
    bool v;
    if (internal::ParseLogical(record + slot.offset, slot.width, &v) != Parsed::kValue)
      return std::nullopt;
    return v;
  }
  arrow::Result<Stored> Convert(const std::string& field, const Literal& value) const {
    return BoolFromLiteral(field, value);
  }
};

// ---- The compiled tree ----

class Node : public CompiledFilter {};

class AndNode final : public Node {
 public:
  explicit AndNode(std::vector<std::unique_ptr<Node>> children) : children_(std::move(children)) {}
  void Select(const uint8_t* records, int32_t record_length, const std::vector<int32_t>& rows,
              std::vector<int32_t>* selected) const override {
    *selected = rows;
    std::vector<int32_t> next;
    for (const auto& child : children_) {
      if (selected->empty()) return;
      child->Select(records, record_length, *selected, &next);
      selected->swap(next);
    }
  }

 private:
  std::vector<std::unique_ptr<Node>> children_;
};

// Each child only looks at the rows no earlier child has selected yet.
class OrNode final : public Node {
 public:
  explicit OrNode(std::vector<std::unique_ptr<Node>> children) : children_(std::move(children)) {}
  void Select(const uint8_t* records, int32_t record_length, const std::vector<int32_t>& rows,
              std::vector<int32_t>* selected) const override {
    selected->clear();
    std::vector<int32_t> remaining = rows;
    std::vector<int32_t> passed, merged, rest;
    for (const auto& child : children_) {
      if (remaining.empty()) break;
      child->Select(records, record_length, remaining, &passed);
      if (passed.empty()) continue;
      merged.clear();
      std::merge(selected->begin(), selected->end(), passed.begin(), passed.end(),
                 std::back_inserter(merged));
      selected->swap(merged);
      rest.clear();
      std::set_difference(remaining.begin(), remaining.end(), passed.begin(), passed.end(),
                          std::back_inserter(rest));
      remaining.swap(rest);
    }
  }

 private:
  std::vector<std::unique_ptr<Node>> children_;
};

template <typename Reader>
class ComparisonNode final : public Node {
 public:
  using Value = typename Reader::Value;
  using Stored = typename Reader::Stored;

  ComparisonNode(Reader reader, CompareOp op, std::vector<Stored> literals)
      : reader_(std::move(reader)), op_(op), literals_(std::move(literals)) {}

  void Select(const uint8_t* records, int32_t record_length, const std::vector<int32_t>& rows,
              std::vector<int32_t>* selected) const override {
    selected->clear();
    for (int32_t row : rows) {
      if (Matches(reader_.Read(records + static_cast<int64_t>(row) * record_length))) {
        selected->push_back(row);
      }
    }
  }

 private:
  bool Matches(const std::optional<Value>& value) const {
    if (op_ == CompareOp::kIsNull) return !value.has_value();
    if (!value.has_value()) return false;
    const Value& v = *value;
    switch (op_) {
      case CompareOp::kEqual:
        return v == literals_[0];
      case CompareOp::kNotEqual:
        return v != literals_[0];
      case CompareOp::kLess:
        return v < literals_[0];
      case CompareOp::kLessEqual:
        return v <= literals_[0];
      case CompareOp::kGreater:
        return v > literals_[0];
      case CompareOp::kGreaterEqual:
        return v >= literals_[0];
      case CompareOp::kIn:
        return std::find(literals_.begin(), literals_.end(), v) != literals_.end();
      case CompareOp::kNotIn:
        return std::find(literals_.begin(), literals_.end(), v) == literals_.end();
      case CompareOp::kStartsWith:
        if constexpr (std::is_same_v<Stored, std::string>) {
          return std::string_view(v).substr(0, literals_[0].size()) == literals_[0];
        }
        return false;
      case CompareOp::kNotNull:
        return true;
      case CompareOp::kIsNull:
        return false;
    }
    return false;
  }

  Reader reader_;
  CompareOp op_;
  std::vector<Stored> literals_;
};

class Compiler {
 public:
  // `decoder` (owned by the compiled filter) must outlive the tree: text comparisons use it.
  Compiler(const DbfHeader& header, const ReadOptions& options,
           const internal::TextDecoder* decoder)
      : header_(header), options_(options), decoder_ptr_(decoder) {}

  arrow::Result<std::unique_ptr<Node>> Compile(const Predicate& p) {
    if (p.kind != Predicate::Kind::kCompare) {
      std::vector<std::unique_ptr<Node>> children;
      for (const auto& child : p.children) {
        ARROW_ASSIGN_OR_RAISE(auto node, Compile(child));
        children.push_back(std::move(node));
      }
      if (p.kind == Predicate::Kind::kAnd) return std::make_unique<AndNode>(std::move(children));
      return std::make_unique<OrNode>(std::move(children));
    }
    return CompileComparison(p);
  }

 private:
  arrow::Result<std::unique_ptr<Node>> CompileComparison(const Predicate& p) {
    int index = header_.FieldIndex(p.field);
    if (index < 0) {
      std::string names;
      for (const auto& f : header_.fields) names += (names.empty() ? "" : ", ") + f.name;
      return FilterError(p.field, "unknown field '" + p.field + "'; available fields: " + names);
    }
    const FieldDescriptor& field = header_.fields[index];
    ARROW_RETURN_NOT_OK(CheckArity(p));
    const FieldSlot slot{field.offset, field.width};
    const auto read_type = ArrowTypeFor(field, options_);
    // A coded field compares as its codes' text, trimmed on both sides as the codes are read.
    const bool coded = read_type->id() == arrow::Type::DICTIONARY;
    const auto type =
        coded ? static_cast<const arrow::DictionaryType&>(*read_type).value_type() : read_type;
    const bool numeric_literal = !p.values.empty() && IsNumericLiteral(p.values[0]);

    if (arrow::is_string(type->id())) {  // utf8, or large_utf8: the same bytes
      EncodedTextReader text{slot, /*trim_leading=*/coded || (options_.raw && field.type != 'C'),
                             options_.encoding == Encoding::kUtf8, decoder_ptr_};
      if (numeric_literal && p.op != CompareOp::kStartsWith) {
        return Make(p, NumberReader{slot, NumberReader::ParseAs::kDouble});
      }
      if (IsOrdering(p.op) && !decoder_ptr_->ByteOrderIsCodePointOrder()) {
        return Make(p, DecodedTextReader{text});
      }
      return Make(p, text);
    }
    if (p.op == CompareOp::kStartsWith) {
      if (type->id() == arrow::Type::BINARY) return Make(p, BinaryReader{slot});
      return FilterError(p.field,
                         "starts_with needs a text field; " + p.field + " is " + type->ToString());
    }
    switch (type->id()) {
      case arrow::Type::BINARY:
        return Make(p, BinaryReader{slot});
      case arrow::Type::DATE32:
        return Make(p, DateReader{slot});
      case arrow::Type::BOOL:
        return Make(p, LogicalReader{slot});
      case arrow::Type::INT32:
        return Make(p, NumberReader{slot, NumberReader::ParseAs::kInt32});
      case arrow::Type::INT64:
        return Make(p, NumberReader{slot, NumberReader::ParseAs::kInteger});
      case arrow::Type::DOUBLE:
        return Make(p, NumberReader{slot, NumberReader::ParseAs::kDouble});
      case arrow::Type::DECIMAL128: {
        const auto& decimal = static_cast<const arrow::Decimal128Type&>(*type);
        return Make(p, NumberReader{slot, NumberReader::ParseAs::kScaled, decimal.scale(),
                                    decimal.precision()});
      }
      default:
        return FilterError(p.field, "cannot filter on " + type->ToString());
    }
  }

  static arrow::Status CheckArity(const Predicate& p) {
    switch (p.op) {
      case CompareOp::kIsNull:
      case CompareOp::kNotNull:
        return arrow::Status::OK();
      case CompareOp::kIn:
      case CompareOp::kNotIn:
        return arrow::Status::OK();  // an empty list is valid: in () is never true
      default:
        if (p.values.size() != 1) {
          return FilterError(p.field, std::string(CompareOpName(p.op)) + " needs one value, got " +
                                          std::to_string(p.values.size()));
        }
        return arrow::Status::OK();
    }
  }

  template <typename Reader>
  arrow::Result<std::unique_ptr<Node>> Make(const Predicate& p, Reader reader) {
    std::vector<typename Reader::Stored> literals;
    if (p.op != CompareOp::kIsNull && p.op != CompareOp::kNotNull) {
      for (const auto& value : p.values) {
        ARROW_ASSIGN_OR_RAISE(auto stored, reader.Convert(p.field, value));
        literals.push_back(std::move(stored));
      }
    }
    return std::make_unique<ComparisonNode<Reader>>(std::move(reader), p.op, std::move(literals));
  }

  const DbfHeader& header_;
  const ReadOptions& options_;
  const internal::TextDecoder* decoder_ptr_;
};

// Owns the decoder the text comparisons use, then the tree.
class RootFilter final : public CompiledFilter {
 public:
  void Select(const uint8_t* records, int32_t record_length, const std::vector<int32_t>& rows,
              std::vector<int32_t>* selected) const override {
    root_->Select(records, record_length, rows, selected);
  }
  std::unique_ptr<internal::TextDecoder> decoder_;
  std::unique_ptr<Node> root_;
};

}  // namespace

arrow::Result<std::unique_ptr<CompiledFilter>> CompiledFilter::Make(const Predicate& predicate,
                                                                    const DbfHeader& header,
                                                                    const ReadOptions& options) {
  auto root = std::make_unique<RootFilter>();
  root->decoder_ = std::make_unique<internal::TextDecoder>(options.encoding);
  Compiler compiler(header, options, root->decoder_.get());
  ARROW_ASSIGN_OR_RAISE(root->root_, compiler.Compile(predicate));
  return root;
}

}  // namespace arrow_sus::dbf
