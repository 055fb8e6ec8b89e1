#include "arrow_sus/scan/meaning.h"

#include <charconv>
#include <unordered_map>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/cast.h>
#include <arrow/util/key_value_metadata.h>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/path.h"
#include "arrow_sus/error.h"
#include "arrow_sus/map_batches.h"
#include "arrow_sus/reference/reference_labels.h"
#include "core/dictionary_unifier.h"

namespace arrow_sus::scan {

namespace {

using catalog::AgeEncoding;
using catalog::FieldKind;

// The codes a list puts first in a coded column's dictionary: its single codes, and the members of
// its short runs of digits; longer runs are matched value by value when met (as extras).
constexpr int64_t kMaxEnumeratedRun = 1000;

std::vector<std::string> DictionaryCodes(const catalog::CodeList& list) {
  std::vector<std::string> codes;
  for (const catalog::Code& code : list.codes) {
    if (code.first == code.last) {
      codes.emplace_back(code.first);
      continue;
    }
    int64_t first = 0, last = 0;
    const auto* f = code.first.data();
    const auto* l = code.last.data();
    if (std::from_chars(f, f + code.first.size(), first).ptr != f + code.first.size() ||
        std::from_chars(l, l + code.last.size(), last).ptr != l + code.last.size() ||
        last - first >= kMaxEnumeratedRun) {
      continue;
    }
    for (int64_t v = first; v <= last; ++v) {
      std::string text = std::to_string(v);
      codes.push_back(
          std::string(code.first.size() - std::min(code.first.size(), text.size()), '0') + text);
    }
  }
  return codes;
}

std::optional<DateFormat> DateFormatOf(std::string_view format) {
  auto parsed = ParseDateFormat(format);
  return parsed.ok() ? std::optional<DateFormat>(*parsed) : std::nullopt;
}

std::string_view LabelOf(const catalog::Code& code, LabelLanguage language) {
  return language == LabelLanguage::kEnglish ? code.en : code.pt;
}

// The text of row `i` of a column holding codes: text, a dictionary of text, or a number.
std::optional<std::string> TextAt(const arrow::Array& array, int64_t i) {
  if (array.IsNull(i)) return std::nullopt;
  switch (array.type_id()) {
    case arrow::Type::STRING:
      return std::string(static_cast<const arrow::StringArray&>(array).GetView(i));
    case arrow::Type::LARGE_STRING:
      return std::string(static_cast<const arrow::LargeStringArray&>(array).GetView(i));
    case arrow::Type::DICTIONARY: {
      const auto& dictionary = static_cast<const arrow::DictionaryArray&>(array);
      return TextAt(*dictionary.dictionary(), dictionary.GetValueIndex(i));
    }
    case arrow::Type::INT32:
      return std::to_string(static_cast<const arrow::Int32Array&>(array).Value(i));
    case arrow::Type::INT64:
      return std::to_string(static_cast<const arrow::Int64Array&>(array).Value(i));
    case arrow::Type::DOUBLE:
      return std::to_string(
          static_cast<int64_t>(static_cast<const arrow::DoubleArray&>(array).Value(i)));
    default:
      return std::nullopt;
  }
}

std::shared_ptr<arrow::DataType> AgeUnitType() {
  return arrow::dictionary(arrow::int8(), arrow::utf8());
}

std::shared_ptr<arrow::Array> AgeUnitDictionary() {
  arrow::StringBuilder builder;
  for (AgeUnit unit :
       {AgeUnit::kMinutes, AgeUnit::kHours, AgeUnit::kDays, AgeUnit::kMonths, AgeUnit::kYears}) {
    (void)builder.Append(std::string(AgeUnitName(unit)));
  }
  return builder.Finish().ValueOrDie();
}

std::shared_ptr<arrow::Field> WithMeaningMetadata(const std::shared_ptr<arrow::Field>& field,
                                                  const std::string& key,
                                                  const std::string& value) {
  auto metadata =
      field->metadata() ? field->metadata()->Copy() : std::make_shared<arrow::KeyValueMetadata>();
  metadata->Append(key, value);
  return field->WithMetadata(metadata);
}

}  // namespace

arrow::Result<LabelLanguage> ParseLabelLanguage(std::string_view name) {
  if (name == "pt") return LabelLanguage::kPortuguese;
  if (name == "en") return LabelLanguage::kEnglish;
  return MakeError(ErrorKind::kInvalidArgument, {},
                   "label language must be 'pt' or 'en', not '" + std::string(name) + "'");
}

void UnmappedCodes::Add(const std::string& column, int64_t count) {
  std::lock_guard lock(mutex_);
  counts_[column] += count;
  if (total_ != nullptr) total_->fetch_add(count, std::memory_order_relaxed);
}

std::map<std::string, int64_t> UnmappedCodes::ByColumn() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

int64_t UnmappedCodes::Total() const {
  std::lock_guard lock(mutex_);
  int64_t total = 0;
  for (const auto& [column, count] : counts_) total += count;
  return total;
}

void UnmappedCodes::Reset() {
  std::lock_guard lock(mutex_);
  counts_.clear();
  if (total_ != nullptr) total_->store(0);
}

std::vector<std::string> WithLabelColumns(
    const std::vector<std::string>& columns, LabelMode mode,
    const std::function<bool(const std::string&)>& has_column) {
  if (mode != LabelMode::kBoth) return columns;
  std::vector<std::string> out;
  for (const std::string& column : columns) {
    out.push_back(column);
    const std::string label = column + kLabelSuffix;
    if (has_column(label) && std::find(columns.begin(), columns.end(), label) == columns.end())
      out.push_back(label);
  }
  return out;
}

namespace {

// The labels a reference table gives `codes`: its name or description, with " (UF)" when it
// has the state (reference/reference_labels.h); null where the table lacks the code.
arrow::Result<std::shared_ptr<arrow::StringArray>> ReferenceLabelTexts(
    const reference::Lookup& lookup, const std::shared_ptr<arrow::Array>& codes) {
  ARROW_ASSIGN_OR_RAISE(auto found, lookup.Columns(codes));
  std::vector<std::shared_ptr<arrow::StringArray>> parts;
  for (const auto& column : found) {
    ARROW_ASSIGN_OR_RAISE(auto text, arrow::compute::Cast(*column, arrow::utf8()));
    parts.push_back(std::static_pointer_cast<arrow::StringArray>(text));
  }
  if (parts.size() == 1) return parts[0];
  arrow::StringBuilder out;
  for (int64_t i = 0; i < codes->length(); ++i) {
    if (parts[0]->IsNull(i)) {
      ARROW_RETURN_NOT_OK(out.AppendNull());
    } else if (parts[1]->IsNull(i)) {
      ARROW_RETURN_NOT_OK(out.Append(parts[0]->GetView(i)));
    } else {
      ARROW_RETURN_NOT_OK(out.Append(std::string(parts[0]->GetView(i)) + " (" +
                                     std::string(parts[1]->GetView(i)) + ")"));
    }
  }
  ARROW_ASSIGN_OR_RAISE(auto labels, out.Finish());
  return std::static_pointer_cast<arrow::StringArray>(labels);
}

// Hashes text and string views alike, so that a memo is searched without copying the code.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

// Each code's reference label, once looked up (nullopt: the table lacks it).
using ReferenceMemo =
    std::unordered_map<std::string, std::optional<std::string>, TextHash, std::equal_to<>>;

// Adds to `memo` the reference labels of the `codes` it lacks (one lookup for them all).
arrow::Status LookUpNewCodes(const reference::Lookup& lookup, const arrow::StringArray& codes,
                             ReferenceMemo* memo) {
  arrow::StringBuilder fresh;
  for (int64_t k = 0; k < codes.length(); ++k) {
    if (memo->find(codes.GetView(k)) != memo->end()) continue;
    auto at = memo->emplace(std::string(codes.GetView(k)), std::nullopt).first;
    ARROW_RETURN_NOT_OK(fresh.Append(at->first));
  }
  if (fresh.length() == 0) return arrow::Status::OK();
  ARROW_ASSIGN_OR_RAISE(auto asked, fresh.Finish());
  ARROW_ASSIGN_OR_RAISE(auto labels, ReferenceLabelTexts(lookup, asked));
  const auto& text = static_cast<const arrow::StringArray&>(*asked);
  for (int64_t i = 0; i < text.length(); ++i) {
    if (labels->IsValid(i)) memo->find(text.GetView(i))->second = std::string(labels->GetView(i));
  }
  return arrow::Status::OK();
}

}  // namespace

FileMeaning FileMeaning::Make(std::string_view dataset, int year, const arrow::Schema& dbf_schema,
                              const MeaningOptions& options) {
  FileMeaning meaning;
  meaning.options_ = options;
  auto semantics = std::make_shared<dbf::FieldSemanticsMap>();
  const bool codes_wanted = options.codes_as_dictionary || options.labels != LabelMode::kCodes;
  for (const auto& field : dbf_schema.fields()) {
    const catalog::FieldInfo* info = catalog::FindFieldInfo(dataset, field->name(), year);
    if (info == nullptr) continue;
    const bool text = arrow::is_string(field->type()->id());  // utf8, or large_utf8
    switch (info->kind) {
      case FieldKind::kCode:
        // A field holding several codes in one string is text, not one category.
        if (!codes_wanted || !info->separator.empty()) break;
        if (info->code_list != nullptr) {
          (*semantics)[field->name()] = {.codes = DictionaryCodes(*info->code_list)};
        } else {
          (*semantics)[field->name()] = {.categorical = true,
                                         .many_values = !info->reference.empty()};
        }
        meaning.coded_.push_back({field->name(), info->code_list});
        if (info->code_list == nullptr && !info->reference.empty() &&
            options.labels != LabelMode::kCodes) {
          // A compiled-in table that does not parse is a build error its tests catch: without
          // it the codes are shown as themselves.
          meaning.coded_.back().reference =
              reference::ReferenceLabels(info->reference).ValueOr(nullptr);
        }
        break;
      case FieldKind::kNumber:
        if (options.typed && text) (*semantics)[field->name()] = {.number = true};
        break;
      case FieldKind::kDate:
        if (!options.typed || !text) break;
        if (info->date_format == "YYYY") {
          (*semantics)[field->name()] = {.number = true};
        } else if (auto format = DateFormatOf(info->date_format)) {
          meaning.dates_.push_back({field->name(), *format});
        }
        break;
      case FieldKind::kAge: {
        if (!options.typed || info->age_encoding == AgeEncoding::kNone) break;
        AgeFields fields = AgeFieldsFor(info->age_encoding, field->name(), info->age_unit_field);
        if (!fields.unit.empty() && dbf_schema.GetFieldByName(fields.unit) == nullptr) break;
        const std::string prefix = meaning.ages_.empty() ? kAgePrefix : field->name();
        meaning.ages_.push_back({field->name(), std::move(fields), info->age_encoding, prefix});
        break;
      }
      default:
        break;
    }
  }
  if (!semantics->empty()) meaning.semantics_ = std::move(semantics);
  return meaning;
}

FileMeaning FileMeaning::ForFile(std::string_view name, std::string_view dataset,
                                 const arrow::Schema& dbf_schema, const MeaningOptions& options) {
  const catalog::ParseResult parsed = catalog::Classify(name);
  const bool named = parsed.outcome == catalog::ParseOutcome::kMatched;
  const bool same_dataset =
      named && (dataset.empty() || catalog::FindDataset(dataset) == parsed.ref.dataset);
  if (dataset.empty() && !named) return Make("", 0, dbf_schema, options);
  return Make(dataset.empty() ? parsed.ref.dataset->id : dataset,
              same_dataset ? parsed.ref.year : 0, dbf_schema, options);
}

std::shared_ptr<arrow::Schema> FileMeaning::TypedSchema(
    const std::shared_ptr<arrow::Schema>& read) const {
  return scan::TypedSchema(read, dates_);
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FileMeaning::Type(
    std::shared_ptr<arrow::RecordBatchReader> input, dbf::InvalidPolicy on_invalid,
    std::string file, std::atomic<int64_t>* invalid_dates) const {
  ARROW_ASSIGN_OR_RAISE(
      auto typed, TypeDates(std::move(input), dates_, on_invalid, std::move(file), invalid_dates));
  std::vector<int> coded;
  for (const Coded& c : coded_) {
    const int index = typed->schema()->GetFieldIndex(c.column);
    if (index >= 0 && typed->schema()->field(index)->type()->id() == arrow::Type::DICTIONARY)
      coded.push_back(index);
  }
  if (coded.empty()) return typed;
  auto unifier = std::make_shared<DictionaryUnifier>(std::move(coded));
  auto schema = typed->schema();
  return MapBatches(
      std::move(typed), std::move(schema),
      [unifier](const std::shared_ptr<arrow::RecordBatch>& batch) { return (*unifier)(batch); });
}

const FileMeaning::Coded* FileMeaning::FindCoded(std::string_view column) const {
  for (const Coded& c : coded_) {
    if (c.column == column) return &c;
  }
  return nullptr;
}

const FileMeaning::DecodedAge* FileMeaning::FindAgeColumn(std::string_view column,
                                                          std::string_view suffix) const {
  for (const DecodedAge& age : ages_) {
    if (column == age.prefix + std::string(suffix)) return &age;
  }
  return nullptr;
}

std::shared_ptr<arrow::Schema> FileMeaning::OutputSchema(
    const std::shared_ptr<arrow::Schema>& typed) const {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  const std::string language = options_.language == LabelLanguage::kEnglish ? "en" : "pt";
  for (const auto& field : typed->fields()) {
    const Coded* coded = FindCoded(field->name());
    const bool dictionary = field->type()->id() == arrow::Type::DICTIONARY;
    if (coded != nullptr && dictionary) {
      auto type = options_.codes_as_dictionary ? field->type() : arrow::utf8();
      if (options_.labels == LabelMode::kLabels) {
        fields.push_back(WithMeaningMetadata(field->WithType(type), "arrow_sus.labels", language));
      } else {
        fields.push_back(field->WithType(type));
      }
      if (options_.labels == LabelMode::kBoth) {
        fields.push_back(arrow::field(field->name() + kLabelSuffix, type, true,
                                      arrow::key_value_metadata({"arrow_sus.labels"}, {language})));
      }
    } else {
      fields.push_back(field);
    }
    for (const DecodedAge& age : ages_) {
      // After the last of the age's own fields in the file.
      const std::string& last =
          age.fields.unit.empty() ||
                  typed->GetFieldIndex(age.fields.unit) < typed->GetFieldIndex(age.fields.value)
              ? age.fields.value
              : age.fields.unit;
      if (field->name() != last) continue;
      fields.push_back(arrow::field(age.prefix + kAgeYearsSuffix, arrow::float64()));
      fields.push_back(arrow::field(age.prefix + kAgeUnitSuffix, AgeUnitType()));
      fields.push_back(arrow::field(age.prefix + kAgeValueSuffix, arrow::int16()));
    }
  }
  return arrow::schema(std::move(fields), typed->metadata());
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FileMeaning::Present(
    std::shared_ptr<arrow::RecordBatchReader> typed, UnmappedCodes* unmapped) const {
  auto output = OutputSchema(typed->schema());
  if (output->Equals(*typed->schema(), /*check_metadata=*/true)) return typed;
  auto self = std::make_shared<FileMeaning>(*this);
  auto input_schema = typed->schema();
  // Labels per distinct dictionary: a file's dictionaries change only when new values appear.
  struct LabelCache {
    // Held, not just compared by address: a freed dictionary's address can come back for another.
    std::shared_ptr<arrow::Array> dictionary;
    std::shared_ptr<arrow::Array> labels;  // distinct: pandas refuses repeated categories
    // Code index -> label index, when codes share a label (SIM SEXO 0 and 9: "ignorado"); null
    // when the label of code k is labels[k].
    std::shared_ptr<arrow::Array> label_index;
    std::vector<bool> unmapped;
    // Each code's reference label, once looked up (null: the table lacks it): a file's batches
    // have dictionaries of their own, mostly of the same codes.
    ReferenceMemo reference_labels;
  };
  auto caches = std::make_shared<std::map<std::string, LabelCache>>();
  auto unit_dictionary = AgeUnitDictionary();
  auto transform = [self, output, input_schema, unmapped, caches,
                    unit_dictionary](const std::shared_ptr<arrow::RecordBatch>& batch)
      -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
    std::vector<std::shared_ptr<arrow::Array>> columns;
    const int64_t n = batch->num_rows();
    for (int i = 0; i < batch->num_columns(); ++i) {
      const std::string& name = input_schema->field(i)->name();
      std::shared_ptr<arrow::Array> column = batch->column(i);
      const Coded* coded = self->FindCoded(name);
      if (coded != nullptr && column->type_id() == arrow::Type::DICTIONARY) {
        const auto& dict_array = static_cast<const arrow::DictionaryArray&>(*column);
        LabelCache& cache = (*caches)[name];
        if (cache.dictionary != dict_array.dictionary()) {
          const auto& values = static_cast<const arrow::StringArray&>(*dict_array.dictionary());
          arrow::StringBuilder labels;
          arrow::Int32Builder label_index;
          std::unordered_map<std::string, int32_t> seen;
          bool shared = false;
          cache.unmapped.assign(values.length(), false);
          if (coded->reference) {
            ARROW_RETURN_NOT_OK(LookUpNewCodes(*coded->reference, values, &cache.reference_labels));
          }
          for (int64_t k = 0; k < values.length(); ++k) {
            const catalog::Code* code =
                coded->list ? catalog::LookupCode(*coded->list, values.GetView(k)) : nullptr;
            const std::optional<std::string>* from_table =
                code == nullptr && coded->reference
                    ? &cache.reference_labels.find(values.GetView(k))->second
                    : nullptr;
            std::string label;
            if (code != nullptr) {
              label = LabelOf(*code, self->options_.language);
            } else if (from_table != nullptr && from_table->has_value()) {
              label = **from_table;
            } else {
              label = values.GetView(k);
              cache.unmapped[k] = coded->list != nullptr || coded->reference != nullptr;
            }
            auto [at, added] = seen.emplace(std::move(label), static_cast<int32_t>(seen.size()));
            if (added) ARROW_RETURN_NOT_OK(labels.Append(at->first));
            shared = shared || !added;
            ARROW_RETURN_NOT_OK(label_index.Append(at->second));
          }
          ARROW_ASSIGN_OR_RAISE(cache.labels, labels.Finish());
          cache.label_index = nullptr;
          if (shared) {
            ARROW_ASSIGN_OR_RAISE(auto index, label_index.Finish());
            const auto& type = static_cast<const arrow::DictionaryType&>(*column->type());
            ARROW_ASSIGN_OR_RAISE(cache.label_index,
                                  arrow::compute::Cast(*index, type.index_type()));
          }
          cache.dictionary = dict_array.dictionary();
        }
        if (unmapped != nullptr &&
            std::find(cache.unmapped.begin(), cache.unmapped.end(), true) != cache.unmapped.end()) {
          int64_t count = 0;
          for (int64_t r = 0; r < n; ++r) {
            count += !dict_array.IsNull(r) && cache.unmapped[dict_array.GetValueIndex(r)];
          }
          if (count > 0) unmapped->Add(name, count);
        }
        std::shared_ptr<arrow::Array> labelled;
        if (self->options_.labels != LabelMode::kCodes) {
          std::shared_ptr<arrow::Array> indices = dict_array.indices();
          if (cache.label_index) {  // per row only where codes share a label
            ARROW_ASSIGN_OR_RAISE(arrow::Datum taken,
                                  arrow::compute::Take(cache.label_index, indices));
            indices = taken.make_array();
          }
          ARROW_ASSIGN_OR_RAISE(
              labelled, arrow::DictionaryArray::FromArrays(column->type(), indices, cache.labels));
        }
        auto shown = [&](std::shared_ptr<arrow::Array> array)
            -> arrow::Result<std::shared_ptr<arrow::Array>> {
          if (self->options_.codes_as_dictionary) return array;
          ARROW_ASSIGN_OR_RAISE(auto plain, arrow::compute::Cast(*array, arrow::utf8()));
          return plain;
        };
        ARROW_ASSIGN_OR_RAISE(
            auto first, shown(self->options_.labels == LabelMode::kLabels ? labelled : column));
        columns.push_back(std::move(first));
        if (self->options_.labels == LabelMode::kBoth) {
          ARROW_ASSIGN_OR_RAISE(auto second, shown(labelled));
          columns.push_back(std::move(second));
        }
      } else {
        columns.push_back(column);
      }
      for (const DecodedAge& age : self->ages_) {
        const int value_index = input_schema->GetFieldIndex(age.fields.value);
        const int unit_index =
            age.fields.unit.empty() ? -1 : input_schema->GetFieldIndex(age.fields.unit);
        if (i != std::max(value_index, unit_index)) continue;
        arrow::DoubleBuilder years;
        arrow::Int8Builder units;
        arrow::Int16Builder amounts;
        ARROW_RETURN_NOT_OK(years.Reserve(n));
        ARROW_RETURN_NOT_OK(units.Reserve(n));
        ARROW_RETURN_NOT_OK(amounts.Reserve(n));
        const arrow::Array& values = *batch->column(value_index);
        for (int64_t r = 0; r < n; ++r) {
          std::optional<std::string> value_text = TextAt(values, r);
          std::optional<std::string> unit_text = unit_index < 0
                                                     ? std::optional<std::string>("")
                                                     : TextAt(*batch->column(unit_index), r);
          int32_t unit_code = 0, amount = 0;
          std::optional<Age> decoded;
          if (value_text && unit_text &&
              SplitAgeCode(age.encoding, *value_text, *unit_text, &unit_code, &amount)) {
            decoded = DecodeAge(age.encoding, unit_code, amount);
          }
          if (!decoded) {
            years.UnsafeAppendNull();
            units.UnsafeAppendNull();
            amounts.UnsafeAppendNull();
            continue;
          }
          years.UnsafeAppend(decoded->years);
          units.UnsafeAppend(static_cast<int8_t>(decoded->unit));
          amounts.UnsafeAppend(static_cast<int16_t>(decoded->value));
        }
        ARROW_ASSIGN_OR_RAISE(auto years_array, years.Finish());
        ARROW_ASSIGN_OR_RAISE(auto unit_indices, units.Finish());
        ARROW_ASSIGN_OR_RAISE(auto amount_array, amounts.Finish());
        ARROW_ASSIGN_OR_RAISE(auto unit_array, arrow::DictionaryArray::FromArrays(
                                                   AgeUnitType(), unit_indices, unit_dictionary));
        columns.push_back(std::move(years_array));
        columns.push_back(std::move(unit_array));
        columns.push_back(std::move(amount_array));
      }
    }
    return arrow::RecordBatch::Make(output, n, std::move(columns));
  };
  return MapBatches(std::move(typed), std::move(output), std::move(transform));
}

std::vector<std::string> FileMeaning::SourcesOf(const std::vector<std::string>& columns) const {
  std::vector<std::string> sources;
  auto add = [&](const std::string& name) {
    if (std::find(sources.begin(), sources.end(), name) == sources.end()) sources.push_back(name);
  };
  for (const std::string& column : columns) {
    const DecodedAge* age = nullptr;
    for (const char* suffix : {kAgeYearsSuffix, kAgeUnitSuffix, kAgeValueSuffix}) {
      if (age == nullptr) age = FindAgeColumn(column, suffix);
    }
    if (age != nullptr) {
      add(age->fields.value);
      if (!age->fields.unit.empty()) add(age->fields.unit);
      continue;
    }
    const std::string_view name(column);
    const size_t suffix = std::char_traits<char>::length(kLabelSuffix);
    if (options_.labels == LabelMode::kBoth && name.size() > suffix &&
        name.substr(name.size() - suffix) == kLabelSuffix &&
        FindCoded(name.substr(0, name.size() - suffix)) != nullptr) {
      add(std::string(name.substr(0, name.size() - suffix)));
      continue;
    }
    add(column);
  }
  return sources;
}

bool FileMeaning::ComparesTyped(const dbf::Predicate& raw) const {
  for (const std::string& name : raw.FieldNames()) {
    for (const DateColumn& date : dates_) {
      if (date.name == name) return true;
    }
  }
  return false;
}

std::vector<std::string> FileMeaning::FilterCaveats(const dbf::Predicate& filter) const {
  std::vector<std::string> caveats;
  std::function<void(const dbf::Predicate&)> visit = [&](const dbf::Predicate& p) {
    for (const dbf::Predicate& child : p.children) visit(child);
    if (p.kind != dbf::Predicate::Kind::kCompare || p.op == dbf::CompareOp::kIsNull ||
        p.op == dbf::CompareOp::kNotNull) {
      return;
    }
    for (const DecodedAge& age : ages_) {
      if (p.field != age.fields.value) continue;
      const std::string years = age.prefix + kAgeYearsSuffix;
      std::string message = "the filter compares " + p.field + ", a coded age (" +
                            AgeCodingText(age.encoding, age.fields) + "), not years: filter on " +
                            years + " (decoded years) instead";
      if (std::find(caveats.begin(), caveats.end(), message) == caveats.end()) {
        caveats.push_back(std::move(message));
      }
    }
  };
  visit(filter);
  return caveats;
}

std::optional<dbf::Predicate> FileMeaning::Translate(const dbf::Predicate& predicate) const {
  if (predicate.kind == dbf::Predicate::Kind::kCompare) return TranslateComparison(predicate);
  std::vector<dbf::Predicate> children;
  for (const dbf::Predicate& child : predicate.children) {
    std::optional<dbf::Predicate> translated = Translate(child);
    if (!translated) return std::nullopt;
    children.push_back(std::move(*translated));
  }
  return predicate.kind == dbf::Predicate::Kind::kAnd ? dbf::Predicate::And(std::move(children))
                                                      : dbf::Predicate::Or(std::move(children));
}

namespace {

std::optional<double> NumberOf(const dbf::Literal& literal) {
  if (const auto* i = std::get_if<int64_t>(&literal)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&literal)) return *d;
  if (const auto* s = std::get_if<std::string>(&literal)) {
    double value = 0;
    auto [end, error] = std::from_chars(s->data(), s->data() + s->size(), value);
    if (error == std::errc() && end == s->data() + s->size()) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<dbf::Predicate> FileMeaning::TranslateComparison(const dbf::Predicate& p) const {
  using dbf::CompareOp;
  if (const DecodedAge* age = FindAgeColumn(p.field, kAgeYearsSuffix)) {
    std::vector<double> values;
    for (const dbf::Literal& literal : p.values) {
      std::optional<double> number = NumberOf(literal);
      if (!number) return std::nullopt;
      values.push_back(*number);
    }
    std::function<bool(double)> keep;
    switch (p.op) {
      case CompareOp::kEqual:
        keep = [v = values[0]](double y) { return y == v; };
        break;
      case CompareOp::kNotEqual:
        keep = [v = values[0]](double y) { return y != v; };
        break;
      case CompareOp::kLess:
        keep = [v = values[0]](double y) { return y < v; };
        break;
      case CompareOp::kLessEqual:
        keep = [v = values[0]](double y) { return y <= v; };
        break;
      case CompareOp::kGreater:
        keep = [v = values[0]](double y) { return y > v; };
        break;
      case CompareOp::kGreaterEqual:
        keep = [v = values[0]](double y) { return y >= v; };
        break;
      case CompareOp::kIn:
      case CompareOp::kNotIn: {
        const bool in = p.op == CompareOp::kIn;
        keep = [values, in](double y) {
          return (std::find(values.begin(), values.end(), y) != values.end()) == in;
        };
        break;
      }
      default:  // null tests and starts_with: on the presented column
        return std::nullopt;
    }
    return AgeYearsPredicate(age->encoding, age->fields, keep);
  }
  if (FindAgeColumn(p.field, kAgeUnitSuffix) || FindAgeColumn(p.field, kAgeValueSuffix))
    return std::nullopt;
  // A condition on labels becomes one on the codes that carry them.
  std::string_view column = p.field;
  const size_t suffix = std::char_traits<char>::length(kLabelSuffix);
  bool on_labels = options_.labels == LabelMode::kLabels;
  if (options_.labels == LabelMode::kBoth && column.size() > suffix &&
      column.substr(column.size() - suffix) == kLabelSuffix &&
      FindCoded(column.substr(0, column.size() - suffix)) != nullptr) {
    column = column.substr(0, column.size() - suffix);
    on_labels = true;
  }
  const Coded* coded = FindCoded(column);
  if (!on_labels || coded == nullptr) return p;
  if (coded->list == nullptr) return dbf::Predicate::Compare(std::string(column), p.op, p.values);
  if (p.op != CompareOp::kEqual && p.op != CompareOp::kNotEqual && p.op != CompareOp::kIn &&
      p.op != CompareOp::kNotIn) {
    return std::nullopt;
  }
  std::vector<dbf::Literal> codes;
  for (const dbf::Literal& literal : p.values) {
    const auto* label = std::get_if<std::string>(&literal);
    if (label == nullptr) return std::nullopt;
    for (const catalog::Code& code : coded->list->codes) {
      if (LabelOf(code, options_.language) != *label) continue;
      if (code.first != code.last) return std::nullopt;  // a run: on the presented column
      codes.emplace_back(std::string(code.first));
    }
    // A code the list lacks is shown as itself.
    if (catalog::LookupCode(*coded->list, *label) == nullptr) codes.emplace_back(*label);
  }
  const bool negated = p.op == CompareOp::kNotEqual || p.op == CompareOp::kNotIn;
  if (codes.empty()) {  // no code carries these labels: only the null test of "not in" is left
    return negated ? dbf::Predicate::Compare(std::string(column), CompareOp::kNotNull)
                   : dbf::Predicate::Or({});
  }
  return dbf::Predicate::Compare(std::string(column), negated ? CompareOp::kNotIn : CompareOp::kIn,
                                 std::move(codes));
}

}  // namespace arrow_sus::scan
