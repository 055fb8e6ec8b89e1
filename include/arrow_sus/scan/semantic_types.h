// Types the DBF does not carry: dates stored as text (which columns hold them is the meaning
// stage's decision, arrow_sus/scan/meaning.h).
//
// DATASUS writes most dates in C fields, each system its own way: SIH "YYYYMMDD", SIM and SINASC
// "DDMMYYYY", SIA competences "YYYYMM" (the first day of the month). With typing on, such columns
// become date32; blank or all-zero text is null, and text that is not a valid date is null and
// counted (or an error naming the file, row and column under InvalidPolicy::kRaise). The typed
// field keeps its DBF metadata and gains "arrow_sus.semantic" = "date" and "arrow_sus.format".
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/dbf/options.h"

namespace arrow_sus::scan {

// YYMMDD (1970s-1990s SIM files) reads years 70-99 as 19YY and 00-69 as 20YY.
enum class DateFormat : uint8_t { kYmd, kDmy, kYm, kShortYmd };

// "YYYYMMDD", "DDMMYYYY", "YYYYMM", "YYMMDD".
arrow::Result<DateFormat> ParseDateFormat(std::string_view format);

struct DateColumn {
  std::string name;
  DateFormat format;
};

// What one text value is in `format`, by the rule typing applies: a date; blank (empty or all
// zeros: no date, null); or not a date (null, and counted as invalid).
enum class DateText : uint8_t { kDate, kBlank, kInvalid };
DateText ClassifyDateText(std::string_view text, DateFormat format);

// `schema` with those columns as date32.
std::shared_ptr<arrow::Schema> TypedSchema(const std::shared_ptr<arrow::Schema>& schema,
                                           const std::vector<DateColumn>& dates);

// Converts the date columns of every batch of `input`. `invalid_values` (optional) counts text that
// is not a date; `file` names the source in errors.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TypeDates(
    std::shared_ptr<arrow::RecordBatchReader> input, std::vector<DateColumn> dates,
    dbf::InvalidPolicy on_invalid, std::string file, std::atomic<int64_t>* invalid_values);

}  // namespace arrow_sus::scan
