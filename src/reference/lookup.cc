// Lookups of codes in a reference table: one normalisation per key kind, an index of the table's
// normalised keys, and a take of the added columns (nulls where a code has no row).
#include "arrow_sus/reference/lookup.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include <arrow/array/builder_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>

#include "arrow_sus/error.h"
#include "arrow_sus/map_batches.h"

namespace arrow_sus::reference {

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Trimmed(std::string_view code) {
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.front())))
    code.remove_prefix(1);
  while (!code.empty() && std::isspace(static_cast<unsigned char>(code.back())))
    code.remove_suffix(1);
  std::string out(code);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

void PadDigits(std::string* code, int width) {
  if (width > 0 && AllDigits(*code) && code->size() < static_cast<size_t>(width))
    code->insert(0, static_cast<size_t>(width) - code->size(), '0');
}

arrow::Status BadArgument(std::string message) {
  return MakeError(ErrorKind::kInvalidArgument, {}, message);
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Text, integers, floats holding integers, or all nulls.
bool IsCodeType(const arrow::DataType& type) {
  return arrow::is_string(type.id()) || type.id() == arrow::Type::STRING_VIEW ||
         type.id() == arrow::Type::NA || arrow::is_integer(type.id()) ||
         arrow::is_floating(type.id());
}

arrow::Status NotCodes(std::string_view column, const arrow::DataType& type) {
  return BadArgument("column " + std::string(column) + " holds " + type.ToString() +
                     ": a lookup needs codes as text or integers (or a dictionary of them)");
}

// The codes of an array as text (nullopt for nulls), whatever their type: text, integers, or
// floats holding integers (a code read as a number). Other kinds are cast once to the one read.
class CodeTexts {
 public:
  static arrow::Result<CodeTexts> Of(const std::shared_ptr<arrow::Array>& codes,
                                     std::string_view column) {
    CodeTexts texts;
    const arrow::DataType& type = *codes->type();
    if (!IsCodeType(type)) return NotCodes(column, type);
    std::shared_ptr<arrow::DataType> as = arrow::utf8();
    if (arrow::is_integer(type.id())) as = arrow::int64();
    if (arrow::is_floating(type.id())) as = arrow::float64();
    texts.codes_ = codes;
    if (!type.Equals(*as)) {
      ARROW_ASSIGN_OR_RAISE(auto cast, arrow::compute::Cast(*codes, as));
      texts.codes_ = std::move(cast);
    }
    return texts;
  }

  std::optional<std::string> At(int64_t i) const {
    if (codes_->IsNull(i)) return std::nullopt;
    switch (codes_->type_id()) {
      case arrow::Type::STRING:
        return std::string(static_cast<const arrow::StringArray&>(*codes_).GetView(i));
      case arrow::Type::INT64:
        return std::to_string(static_cast<const arrow::Int64Array&>(*codes_).Value(i));
      case arrow::Type::DOUBLE: {
        const double v = static_cast<const arrow::DoubleArray&>(*codes_).Value(i);
        if (!std::isfinite(v) || v != std::floor(v)) return std::nullopt;
        return std::to_string(static_cast<int64_t>(v));
      }
      default:
        return std::nullopt;
    }
  }

 private:
  std::shared_ptr<arrow::Array> codes_;
};

// `per_code(codes)`, or for a dictionary array (the categorical columns of scans) `per_code` of its
// distinct values spread over its indices: each distinct code is normalised and matched once.
template <typename PerCode>
arrow::Result<std::shared_ptr<arrow::Array>> PerDistinctCode(
    const std::shared_ptr<arrow::Array>& codes, PerCode&& per_code) {
  if (codes->type_id() != arrow::Type::DICTIONARY) return per_code(codes);
  const auto& dictionary = static_cast<const arrow::DictionaryArray&>(*codes);
  ARROW_ASSIGN_OR_RAISE(auto values, per_code(dictionary.dictionary()));
  ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(values, dictionary.indices()));
  return taken.make_array();
}

}  // namespace

arrow::Result<KeyKind> ParseKeyKind(std::string_view name) {
  if (name == "code") return KeyKind::kCode;
  if (name == "number") return KeyKind::kNumber;
  if (name == "municipality") return KeyKind::kMunicipality;
  if (name == "cid10") return KeyKind::kCid10;
  if (name == "cid9") return KeyKind::kCid9;
  if (name == "uf") return KeyKind::kUf;
  return BadArgument("unknown key kind '" + std::string(name) +
                     "' (expected code, number, municipality, cid10, cid9 or uf)");
}

std::optional<std::string> NormalizeCode(std::string_view code, KeyKind kind, int key_width) {
  std::string text = Trimmed(code);
  switch (kind) {
    case KeyKind::kMunicipality:  // the 7th digit of an IBGE code is a check digit
      if (text.size() == 7 && AllDigits(text)) text.resize(6);
      PadDigits(&text, key_width > 0 ? key_width : 6);
      break;
    case KeyKind::kCid10: {  // A16.9 -> A169; a filler 4th character (I10X, I10-) -> I10
      std::erase(text, '.');
      if (text.size() == 4 && (text[3] == 'X' || text[3] == '-') && AllDigits(text.substr(1, 2)))
        text.resize(3);
      if (text.size() > 4) text.resize(4);
      break;
    }
    case KeyKind::kCid9:  // E8190 -> 819 (SIM keeps the external causes under 800-999)
      if (!text.empty() && text.front() == 'E') text.erase(0, 1);
      if (text.size() > 3) text.resize(3);
      break;
    case KeyKind::kNumber:
      if (AllDigits(text)) {
        const size_t first = text.find_first_not_of('0');
        text.erase(0, first == std::string::npos ? text.size() - 1 : first);
      }
      break;
    case KeyKind::kCode:
    case KeyKind::kUf:
      PadDigits(&text, key_width);
      break;
  }
  if (text.empty()) return std::nullopt;
  return text;
}

arrow::Result<std::shared_ptr<const Lookup>> Lookup::Make(std::shared_ptr<arrow::Table> table,
                                                          LookupSpec spec) {
  std::shared_ptr<Lookup> lookup(new Lookup());
  const std::vector<std::string> names = table->ColumnNames();
  auto has = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<std::string> missing;
  for (const std::string& c : spec.columns)
    if (!has(c)) missing.push_back(c);
  if (!has(spec.key)) missing.push_back(spec.key);
  if (!missing.empty() || spec.columns.empty()) {
    return BadArgument(spec.dataset + " has no column " +
                       (missing.empty() ? std::string("(none asked)") : Joined(missing)) +
                       ": its columns are " + Joined(names));
  }
  ARROW_ASSIGN_OR_RAISE(auto combined, table->CombineChunksToBatch());
  for (const std::string& c : spec.columns) {
    auto field = combined->schema()->GetFieldByName(c);
    lookup->fields_.push_back(
        arrow::field(spec.code_column + "_" + c, field->type(), true, field->metadata()));
    lookup->values_.push_back(combined->GetColumnByName(c));
  }
  ARROW_ASSIGN_OR_RAISE(auto keys, CodeTexts::Of(combined->GetColumnByName(spec.key), spec.key));
  for (int64_t row = 0; row < combined->num_rows(); ++row) {
    auto key = keys.At(row);
    if (!key) continue;
    auto normalised = NormalizeCode(*key, spec.kind, spec.key_width);
    if (normalised) lookup->rows_.emplace(std::move(*normalised), row);
  }
  if (spec.kind == KeyKind::kUf && has("uf")) {
    ARROW_ASSIGN_OR_RAISE(auto letters, CodeTexts::Of(combined->GetColumnByName("uf"), "uf"));
    for (int64_t row = 0; row < combined->num_rows(); ++row) {
      auto uf = letters.At(row);
      auto key = keys.At(row);
      if (uf && key) lookup->codes_of_letters_.emplace(Trimmed(*uf), *key);
    }
  }
  lookup->spec_ = std::move(spec);
  return lookup;
}

std::vector<std::string> Lookup::AddedNames() const {
  std::vector<std::string> names;
  for (const auto& field : fields_) names.push_back(field->name());
  return names;
}

arrow::Result<std::shared_ptr<arrow::Array>> Lookup::Normalize(
    const std::shared_ptr<arrow::Array>& codes) const {
  return PerDistinctCode(codes, [this](const auto& plain) { return NormalizePlain(plain); });
}

arrow::Result<std::shared_ptr<arrow::Array>> Lookup::NormalizePlain(
    const std::shared_ptr<arrow::Array>& codes) const {
  ARROW_ASSIGN_OR_RAISE(auto texts, CodeTexts::Of(codes, spec_.code_column));
  arrow::StringBuilder builder;
  ARROW_RETURN_NOT_OK(builder.Reserve(codes->length()));
  for (int64_t i = 0; i < codes->length(); ++i) {
    auto text = texts.At(i);
    std::optional<std::string> key;
    if (text) key = NormalizeCode(*text, spec_.kind, spec_.key_width);
    if (key && spec_.kind == KeyKind::kUf) {
      auto code = codes_of_letters_.find(*key);
      if (code != codes_of_letters_.end()) key = code->second;
    }
    ARROW_RETURN_NOT_OK(key ? builder.Append(*key) : builder.AppendNull());
  }
  return builder.Finish();
}

arrow::Result<std::shared_ptr<arrow::Array>> Lookup::RowsOf(
    const std::shared_ptr<arrow::Array>& codes) const {
  return PerDistinctCode(codes, [this](const auto& plain) { return RowsOfPlain(plain); });
}

arrow::Result<std::shared_ptr<arrow::Array>> Lookup::RowsOfPlain(
    const std::shared_ptr<arrow::Array>& codes) const {
  ARROW_ASSIGN_OR_RAISE(auto keys, NormalizePlain(codes));
  const auto& text = static_cast<const arrow::StringArray&>(*keys);
  arrow::Int64Builder rows;
  ARROW_RETURN_NOT_OK(rows.Reserve(text.length()));
  for (int64_t i = 0; i < text.length(); ++i) {
    auto found = text.IsValid(i) ? rows_.find(std::string(text.GetView(i))) : rows_.end();
    // A CID-10 subcategory the table lacks (A009, or one created later) takes its category's row.
    if (found == rows_.end() && spec_.kind == KeyKind::kCid10 && text.IsValid(i) &&
        text.GetView(i).size() == 4)
      found = rows_.find(std::string(text.GetView(i).substr(0, 3)));
    if (found == rows_.end()) {
      rows.UnsafeAppendNull();
    } else {
      rows.UnsafeAppend(found->second);
    }
  }
  return rows.Finish();
}

arrow::Result<std::vector<std::shared_ptr<arrow::Array>>> Lookup::Columns(
    const std::shared_ptr<arrow::Array>& codes) const {
  ARROW_ASSIGN_OR_RAISE(auto rows, RowsOf(codes));
  std::vector<std::shared_ptr<arrow::Array>> out;
  for (const auto& values : values_) {
    ARROW_ASSIGN_OR_RAISE(auto taken, arrow::compute::Take(values, rows));
    out.push_back(taken.make_array());
  }
  return out;
}

arrow::Result<std::shared_ptr<arrow::Schema>> Lookup::OutputSchema(
    const arrow::Schema& input) const {
  const int code = input.GetFieldIndex(spec_.code_column);
  if (code < 0) {
    return BadArgument("no column " + spec_.code_column + " to look up in " + spec_.dataset +
                       " (columns: " + Joined(input.field_names()) + ")");
  }
  std::shared_ptr<arrow::DataType> type = input.field(code)->type();
  if (type->id() == arrow::Type::DICTIONARY)
    type = static_cast<const arrow::DictionaryType&>(*type).value_type();
  if (!IsCodeType(*type)) return NotCodes(spec_.code_column, *type);
  std::vector<std::string> taken;
  for (const auto& field : fields_)
    if (input.GetFieldIndex(field->name()) >= 0) taken.push_back(field->name());
  if (!taken.empty())
    return BadArgument("the lookup would add " + Joined(taken) + ", which the data already has");
  arrow::FieldVector fields = input.fields();
  fields.insert(fields.begin() + code + 1, fields_.begin(), fields_.end());
  return arrow::schema(std::move(fields), input.metadata());
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> ApplyLookups(
    const std::shared_ptr<arrow::RecordBatch>& batch,
    const std::vector<std::shared_ptr<const Lookup>>& lookups) {
  std::shared_ptr<arrow::RecordBatch> out = batch;
  for (const auto& lookup : lookups) {
    ARROW_ASSIGN_OR_RAISE(auto schema, lookup->OutputSchema(*out->schema()));
    const int code = out->schema()->GetFieldIndex(lookup->spec().code_column);
    ARROW_ASSIGN_OR_RAISE(auto added, lookup->Columns(out->column(code)));
    arrow::ArrayVector columns = out->columns();
    columns.insert(columns.begin() + code + 1, added.begin(), added.end());
    out = arrow::RecordBatch::Make(std::move(schema), out->num_rows(), std::move(columns));
  }
  return out;
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> LookupReader(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::vector<std::shared_ptr<const Lookup>> lookups) {
  std::shared_ptr<arrow::Schema> schema = input->schema();
  for (const auto& lookup : lookups) {
    ARROW_ASSIGN_OR_RAISE(schema, lookup->OutputSchema(*schema));
  }
  return MapBatches(
      std::move(input), std::move(schema),
      [lookups = std::move(lookups)](const auto& batch) { return ApplyLookups(batch, lookups); });
}

}  // namespace arrow_sus::reference
