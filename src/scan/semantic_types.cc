#include "arrow_sus/scan/semantic_types.h"

#include <arrow/array/array_binary.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/type.h>
#include <arrow/type_traits.h>
#include <arrow/util/key_value_metadata.h>

#include "arrow_sus/error.h"
#include "arrow_sus/map_batches.h"
#include "dbf/field_parsing.h"

namespace arrow_sus::scan {

namespace {

using dbf::internal::Parsed;

// Parses one value in `format` by rearranging its digits into YYYYMMDD for the reader's own parser,
// so typed dates follow exactly the rules of D fields (blank and all-zero text are no date).
Parsed ParseDate(std::string_view text, DateFormat format, int32_t* days) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\0')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
  if (text.find_first_not_of('0') == std::string_view::npos)
    return Parsed::kBlank;  // "" or "00000000"
  const size_t width = format == DateFormat::kYm || format == DateFormat::kShortYmd ? 6u : 8u;
  if (text.size() != width) return Parsed::kInvalid;
  char ymd[8] = {};  // every format fills all 8 (the compiler cannot see it through the switch)
  switch (format) {
    case DateFormat::kYmd:
      std::copy(text.begin(), text.end(), ymd);
      break;
    case DateFormat::kDmy:
      std::copy(text.begin() + 4, text.begin() + 8, ymd);
      std::copy(text.begin() + 2, text.begin() + 4, ymd + 4);
      std::copy(text.begin(), text.begin() + 2, ymd + 6);
      break;
    case DateFormat::kYm:
      std::copy(text.begin(), text.end(), ymd);
      ymd[6] = '0';
      ymd[7] = '1';
      break;
    case DateFormat::kShortYmd:
      ymd[0] = text[0] >= '7' ? '1' : '2';
      ymd[1] = text[0] >= '7' ? '9' : '0';
      std::copy(text.begin(), text.end(), ymd + 2);
      break;
  }
  return dbf::internal::ParseYmd(reinterpret_cast<const uint8_t*>(ymd), 8, days);
}

std::string_view FormatName(DateFormat format) {
  switch (format) {
    case DateFormat::kYmd:
      return "YYYYMMDD";
    case DateFormat::kDmy:
      return "DDMMYYYY";
    case DateFormat::kYm:
      return "YYYYMM";
    case DateFormat::kShortYmd:
      return "YYMMDD";
  }
  return "";
}

// Converts the date columns of one file's batches, counting rows to name them in errors.
class DateTyping {
 public:
  DateTyping(std::vector<DateColumn> dates, std::vector<int> indices,
             std::shared_ptr<arrow::Schema> schema, dbf::InvalidPolicy on_invalid, std::string file,
             std::atomic<int64_t>* invalid_values)
      : dates_(std::move(dates)),
        indices_(std::move(indices)),
        schema_(std::move(schema)),
        on_invalid_(on_invalid),
        file_(std::move(file)),
        invalid_values_(invalid_values) {}

  arrow::Result<std::shared_ptr<arrow::RecordBatch>> operator()(
      const std::shared_ptr<arrow::RecordBatch>& batch) {
    std::vector<std::shared_ptr<arrow::Array>> columns = batch->columns();
    for (size_t d = 0; d < dates_.size(); ++d) {
      ARROW_ASSIGN_OR_RAISE(columns[indices_[d]], Convert(*columns[indices_[d]], dates_[d]));
    }
    rows_seen_ += batch->num_rows();
    return arrow::RecordBatch::Make(schema_, batch->num_rows(), std::move(columns));
  }

 private:
  arrow::Result<std::shared_ptr<arrow::Array>> Convert(const arrow::Array& array,
                                                       const DateColumn& column) {
    if (array.type_id() == arrow::Type::LARGE_STRING) {
      return ConvertText(static_cast<const arrow::LargeStringArray&>(array), column);
    }
    return ConvertText(static_cast<const arrow::StringArray&>(array), column);
  }

  template <typename TextArray>
  arrow::Result<std::shared_ptr<arrow::Array>> ConvertText(const TextArray& text,
                                                           const DateColumn& column) {
    arrow::Date32Builder builder;
    ARROW_RETURN_NOT_OK(builder.Reserve(text.length()));
    int64_t invalid = 0;
    for (int64_t i = 0; i < text.length(); ++i) {
      int32_t days;
      Parsed parsed =
          text.IsNull(i) ? Parsed::kBlank : ParseDate(text.GetView(i), column.format, &days);
      if (parsed == Parsed::kValue) {
        builder.UnsafeAppend(days);
        continue;
      }
      if (parsed == Parsed::kInvalid) {
        if (on_invalid_ == dbf::InvalidPolicy::kRaise) {
          return MakeError(ErrorKind::kConversion,
                           {.file = file_, .row = rows_seen_ + i, .field = column.name},
                           "'" + std::string(text.GetView(i)) + "' is not a date in the " +
                               std::string(FormatName(column.format)) + " format");
        }
        ++invalid;
      }
      builder.UnsafeAppendNull();
    }
    if (invalid != 0 && invalid_values_ != nullptr)
      invalid_values_->fetch_add(invalid, std::memory_order_relaxed);
    return builder.Finish();
  }

  std::vector<DateColumn> dates_;
  std::vector<int> indices_;
  std::shared_ptr<arrow::Schema> schema_;
  dbf::InvalidPolicy on_invalid_;
  std::string file_;
  std::atomic<int64_t>* invalid_values_;
  int64_t rows_seen_ = 0;
};

}  // namespace

arrow::Result<DateFormat> ParseDateFormat(std::string_view format) {
  if (format == "YYYYMMDD") return DateFormat::kYmd;
  if (format == "DDMMYYYY") return DateFormat::kDmy;
  if (format == "YYYYMM") return DateFormat::kYm;
  if (format == "YYMMDD") return DateFormat::kShortYmd;
  return MakeError(ErrorKind::kInvalidArgument, {},
                   "unknown date format '" + std::string(format) + "'");
}

DateText ClassifyDateText(std::string_view text, DateFormat format) {
  int32_t days;
  switch (ParseDate(text, format, &days)) {
    case Parsed::kValue:
      return DateText::kDate;
    case Parsed::kBlank:
      return DateText::kBlank;
    case Parsed::kInvalid:
      break;
  }
  return DateText::kInvalid;
}

std::shared_ptr<arrow::Schema> TypedSchema(const std::shared_ptr<arrow::Schema>& schema,
                                           const std::vector<DateColumn>& dates) {
  std::vector<std::shared_ptr<arrow::Field>> fields = schema->fields();
  for (const DateColumn& date : dates) {
    int index = schema->GetFieldIndex(date.name);
    if (index < 0) continue;
    auto metadata = fields[index]->metadata() ? fields[index]->metadata()->Copy()
                                              : std::make_shared<arrow::KeyValueMetadata>();
    metadata->Append("arrow_sus.semantic", "date");
    metadata->Append("arrow_sus.format", std::string(FormatName(date.format)));
    fields[index] = fields[index]->WithType(arrow::date32())->WithMetadata(metadata);
  }
  return arrow::schema(std::move(fields), schema->metadata());
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TypeDates(
    std::shared_ptr<arrow::RecordBatchReader> input, std::vector<DateColumn> dates,
    dbf::InvalidPolicy on_invalid, std::string file, std::atomic<int64_t>* invalid_values) {
  std::vector<DateColumn> present;
  std::vector<int> indices;
  for (DateColumn& date : dates) {
    int index = input->schema()->GetFieldIndex(date.name);
    if (index < 0 || !arrow::is_string(input->schema()->field(index)->type()->id())) continue;
    indices.push_back(index);
    present.push_back(std::move(date));
  }
  if (present.empty()) return input;
  auto schema = TypedSchema(input->schema(), present);
  auto typing = std::make_shared<DateTyping>(std::move(present), std::move(indices), schema,
                                             on_invalid, std::move(file), invalid_values);
  return MapBatches(
      std::move(input), std::move(schema),
      [typing](const std::shared_ptr<arrow::RecordBatch>& batch) { return (*typing)(batch); });
}

}  // namespace arrow_sus::scan
