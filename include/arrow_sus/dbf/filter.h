// Row filters evaluated on the raw DBF record bytes, before any column is converted.
//
// A Predicate is a tree of AND / OR nodes over comparisons "field OP literal". It is derived from
// the user's Arrow expression (scan/filter_split.h) and translated by the meaning stage, then
// compiled against one file's field layout (CompiledFilter) and evaluated block by
// block. Semantics follow Arrow's: a comparison on a null value (blank or unparsable field) is
// never true, so "!=" and "not in" do not select nulls; use is_null for those.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf {

enum class CompareOp : uint8_t {
  kEqual,
  kNotEqual,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kIn,
  kNotIn,
  kIsNull,
  kNotNull,
  kStartsWith,
};

// How ToString() writes an operator (the spellings users write are arrow_sus/filters.py's: filters
// reach the reader as Arrow expressions, scan/filter_split.h).
std::string_view CompareOpName(CompareOp op);

// A date literal, as days since 1970-01-01 (the Arrow date32 value).
struct DateLiteral {
  int32_t days = 0;
  bool operator==(const DateLiteral&) const = default;
};

// A literal in a comparison. Strings are UTF-8; they are matched against text fields after the
// field's own encoding is decoded, and parsed when compared with numeric or date fields.
using Literal = std::variant<std::string, int64_t, double, bool, DateLiteral>;

struct Predicate {
  enum class Kind : uint8_t { kAnd, kOr, kCompare };

  Kind kind = Kind::kAnd;
  std::vector<Predicate> children;  // kAnd / kOr (an empty AND is always true)
  std::string field;                // kCompare
  CompareOp op = CompareOp::kEqual;
  std::vector<Literal> values;  // one for binary operators, several for in / not in, none for nulls

  static Predicate And(std::vector<Predicate> children);
  static Predicate Or(std::vector<Predicate> children);
  static Predicate Compare(std::string field, CompareOp op, std::vector<Literal> values = {});

  // Names of every field the tree reads.
  std::vector<std::string> FieldNames() const;
  std::string ToString() const;
};

// A predicate bound to one file's layout: knows each field's offset, width and how its bytes parse.
class CompiledFilter {
 public:
  virtual ~CompiledFilter() = default;

  // Checks the tree against the layout (unknown fields, literals of the wrong kind, operators a
  // field type does not support) and prepares the literals. `options` gives the encoding and raw
  // mode, so the filter sees values exactly as the converted columns show them.
  static arrow::Result<std::unique_ptr<CompiledFilter>> Make(const Predicate& predicate,
                                                             const DbfHeader& header,
                                                             const ReadOptions& options);

  // Keeps, from `rows` (indices of records in the block starting at `records`), those for which the
  // predicate is true, in order, writing them to `selected`. Thread-safe (const).
  virtual void Select(const uint8_t* records, int32_t record_length,
                      const std::vector<int32_t>& rows, std::vector<int32_t>* selected) const = 0;
};

}  // namespace arrow_sus::dbf
