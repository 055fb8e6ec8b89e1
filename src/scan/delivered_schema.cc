#include "arrow_sus/scan/delivered_schema.h"

#include <algorithm>

#include <arrow/type.h>
#include <arrow/util/key_value_metadata.h>

#include "arrow_sus/dbf/reader.h"

namespace arrow_sus::scan {

namespace {

// The schema the DBF reader gives these fields under `options` (its own per-field rule).
std::shared_ptr<arrow::Schema> ReadSchema(const std::vector<dbf::FieldDescriptor>& fields,
                                          const dbf::ReadOptions& options) {
  arrow::FieldVector out;
  out.reserve(fields.size());
  for (const dbf::FieldDescriptor& field : fields) {
    out.push_back(arrow::field(field.name, dbf::ArrowTypeFor(field, options)));
  }
  return arrow::schema(std::move(out));
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// What an added column is, from the suffix the meaning stage gives it.
std::string_view DerivedAs(std::string_view name) {
  if (EndsWith(name, kLabelSuffix)) return "label";
  if (EndsWith(name, kAgeYearsSuffix)) return "age_years";
  if (EndsWith(name, kAgeUnitSuffix)) return "age_unit";
  return "age_value";
}

}  // namespace

std::shared_ptr<arrow::Schema> DeliveredSchema(std::string_view dataset, int year,
                                               const std::vector<dbf::FieldDescriptor>& fields,
                                               const MeaningOptions& options) {
  // As a single-file read does it: the meaning is decided from the fields' DBF types, then the
  // fields are read with its semantics, typed and presented.
  dbf::ReadOptions read;
  const FileMeaning meaning = FileMeaning::Make(dataset, year, *ReadSchema(fields, read), options);
  read.semantics = meaning.semantics();
  auto presented = meaning.OutputSchema(meaning.TypedSchema(ReadSchema(fields, read)));
  arrow::FieldVector out;
  for (const auto& field : presented->fields()) {
    const bool from_dbf = std::any_of(fields.begin(), fields.end(),
                                      [&](const auto& f) { return f.name == field->name(); });
    if (from_dbf) {
      out.push_back(field);
      continue;
    }
    std::string sources;
    for (const std::string& source : meaning.SourcesOf({field->name()})) {
      sources += (sources.empty() ? "" : ",") + source;
    }
    out.push_back(field->WithMergedMetadata(arrow::key_value_metadata(
        {kMetaDerivedFrom, kMetaDerivedAs}, {sources, std::string(DerivedAs(field->name()))})));
  }
  return arrow::schema(std::move(out));
}

}  // namespace arrow_sus::scan
