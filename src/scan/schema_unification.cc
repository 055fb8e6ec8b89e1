#include "arrow_sus/scan/schema_unification.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <arrow/array/util.h>
#include <arrow/compute/cast.h>
#include <arrow/type.h>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {

namespace {

// Decimal digits needed for every value of an integer type.
int IntegerDigits(const arrow::DataType& type) { return type.id() == arrow::Type::INT32 ? 10 : 19; }

// A coded column's dictionary index type: how many entries it holds.
int IndexWidth(const arrow::DataType& type) {
  return static_cast<const arrow::DictionaryType&>(type).index_type()->byte_width();
}

bool IsInteger(const arrow::DataType& type) {
  return type.id() == arrow::Type::INT32 || type.id() == arrow::Type::INT64;
}

std::shared_ptr<arrow::DataType> JoinDecimals(int int_digits, int scale) {
  int precision = int_digits + scale;
  if (precision > arrow::Decimal128Type::kMaxPrecision) return arrow::float64();
  return arrow::decimal128(precision, scale);
}

}  // namespace

arrow::Result<SchemaMode> ParseSchemaMode(std::string_view name) {
  if (name == "union") return SchemaMode::kUnion;
  if (name == "intersection") return SchemaMode::kIntersection;
  if (name == "strict") return SchemaMode::kStrict;
  return MakeError(
      ErrorKind::kInvalidArgument, {},
      "schema must be one of 'union', 'intersection', 'strict', not '" + std::string(name) + "'");
}

std::string_view SchemaModeName(SchemaMode mode) {
  switch (mode) {
    case SchemaMode::kUnion:
      return "union";
    case SchemaMode::kIntersection:
      return "intersection";
    case SchemaMode::kStrict:
      return "strict";
  }
  return "?";
}

std::shared_ptr<arrow::DataType> PromoteTypes(const std::shared_ptr<arrow::DataType>& a,
                                              const std::shared_ptr<arrow::DataType>& b) {
  if (a->Equals(*b)) return a;
  if (a->id() == arrow::Type::NA) return b;
  if (b->id() == arrow::Type::NA) return a;
  if (IsInteger(*a) && IsInteger(*b)) return arrow::int64();
  // Coded columns whose lists differ in size between periods: the wider index.
  if (a->id() == arrow::Type::DICTIONARY && b->id() == arrow::Type::DICTIONARY) {
    return IndexWidth(*a) >= IndexWidth(*b) ? a : b;
  }
  bool a_dec = a->id() == arrow::Type::DECIMAL128;
  bool b_dec = b->id() == arrow::Type::DECIMAL128;
  if (a_dec || b_dec) {
    if (a->id() == arrow::Type::DOUBLE || b->id() == arrow::Type::DOUBLE) return arrow::float64();
    if (a_dec && b_dec) {
      const auto& da = static_cast<const arrow::Decimal128Type&>(*a);
      const auto& db = static_cast<const arrow::Decimal128Type&>(*b);
      return JoinDecimals(std::max(da.precision() - da.scale(), db.precision() - db.scale()),
                          std::max(da.scale(), db.scale()));
    }
    const auto& dec = static_cast<const arrow::Decimal128Type&>(a_dec ? *a : *b);
    const arrow::DataType& other = a_dec ? *b : *a;
    if (IsInteger(other)) {
      return JoinDecimals(std::max(dec.precision() - dec.scale(), IntegerDigits(other)),
                          dec.scale());
    }
  }
  bool a_num = IsInteger(*a) || a->id() == arrow::Type::DOUBLE;
  bool b_num = IsInteger(*b) || b->id() == arrow::Type::DOUBLE;
  if (a_num && b_num) return arrow::float64();
  return arrow::utf8();
}

arrow::Result<std::shared_ptr<arrow::Schema>> UnifySchemas(
    const std::vector<std::shared_ptr<arrow::Schema>>& schemas,
    const std::vector<std::string>& names, SchemaMode mode) {
  if (schemas.empty()) return arrow::schema({});
  if (mode == SchemaMode::kStrict) {
    std::vector<std::string> differing;
    for (size_t i = 1; i < schemas.size(); ++i) {
      if (!schemas[i]->Equals(*schemas[0], /*check_metadata=*/false)) {
        differing.push_back(i < names.size() ? names[i] : "file #" + std::to_string(i));
      }
    }
    if (!differing.empty()) {
      std::string list;
      for (const std::string& name : differing) list += (list.empty() ? "" : ", ") + name;
      std::string first = names.empty() ? "the first file" : names[0];
      return MakeError(ErrorKind::kInvalidArgument, {},
                       "schema=\"strict\" but these files differ in columns or types from " +
                           first + ": " + list +
                           " (use schema=\"union\" or \"intersection\" to combine them)");
    }
    return schemas[0];
  }

  std::vector<std::shared_ptr<arrow::Field>> fields;
  std::unordered_map<std::string, size_t> position;
  std::unordered_map<std::string, size_t> files_with;
  for (const auto& schema : schemas) {
    std::unordered_set<std::string> seen_here;
    for (const auto& field : schema->fields()) {
      if (!seen_here.insert(field->name()).second)
        continue;  // a duplicated name counts once per file
      ++files_with[field->name()];
      auto [it, inserted] = position.emplace(field->name(), fields.size());
      if (inserted) {
        fields.push_back(field->WithNullable(true));
      } else {
        auto& kept = fields[it->second];
        kept = kept->WithType(PromoteTypes(kept->type(), field->type()));
      }
    }
  }
  if (mode == SchemaMode::kIntersection) {
    std::erase_if(fields, [&](const auto& f) { return files_with[f->name()] != schemas.size(); });
  }
  return arrow::schema(std::move(fields));
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ConformBatch(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::shared_ptr<arrow::Schema>& target) {
  if (batch->schema()->Equals(*target, /*check_metadata=*/false)) {
    return batch->schema()->Equals(*target, true) ? batch : batch->ReplaceSchema(target);
  }
  std::vector<std::shared_ptr<arrow::Array>> columns;
  columns.reserve(target->num_fields());
  for (const auto& field : target->fields()) {
    std::shared_ptr<arrow::Array> column = batch->GetColumnByName(field->name());
    if (column == nullptr) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::MakeArrayOfNull(field->type(), batch->num_rows()));
    } else if (!column->type()->Equals(*field->type())) {
      ARROW_ASSIGN_OR_RAISE(column, arrow::compute::Cast(*column, field->type()));
    }
    columns.push_back(std::move(column));
  }
  return arrow::RecordBatch::Make(target, batch->num_rows(), std::move(columns));
}

}  // namespace arrow_sus::scan
