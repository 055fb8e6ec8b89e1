// What a file's columns mean, from the catalog's data dictionary (arrow_sus/catalog/dictionary.h)
// for its dataset and year, and how the reader shows it (docs/labels.md):
//
//   1. in the DBF reader (dbf::FieldSemantics): coded columns as dictionary arrays whose
//      dictionary starts with the code list; numbers stored as text read as numbers;
//   2. typing, kept in the converted cache: dates stored as text as date32; each coded column's
//      dictionary made one per file (growing, never replaced), as Arrow IPC files require;
//   3. presentation, never cached: labels (the codes' dictionary swapped for their labels, or a
//      COL_label column beside COL with the same indices) and decoded ages (IDADE_ANOS,
//      IDADE_UNIDADE, IDADE_VALOR beside the coded age). Codes the list lacks keep their text and
//      are counted per column.
//
// A filter on a presented column (IDADE_ANOS >= 60, SEXO_label = 'Feminino') is translated into one
// on the raw fields, evaluated on the bytes like any other; what cannot be translated is applied
// after presentation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/catalog/dictionary.h"
#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/options.h"
#include "arrow_sus/reference/lookup.h"
#include "arrow_sus/scan/ages.h"
#include "arrow_sus/scan/semantic_types.h"

namespace arrow_sus::scan {

enum class LabelMode : uint8_t {
  kCodes,   // the codes (as dictionary arrays, or text with codes_as_dictionary off)
  kLabels,  // the labels in place of the codes
  kBoth,    // the codes, and COL_label beside each coded column
};

enum class LabelLanguage : uint8_t { kPortuguese, kEnglish };

struct MeaningOptions {
  // Types from the dictionary: dates and numbers stored as text, decoded ages.
  bool typed = true;
  // Coded columns as dictionary arrays (indices into the code list); false: plain text.
  bool codes_as_dictionary = true;
  LabelMode labels = LabelMode::kCodes;
  LabelLanguage language = LabelLanguage::kPortuguese;
};

// Parses "pt" / "en".
arrow::Result<LabelLanguage> ParseLabelLanguage(std::string_view name);

// The columns a decoded age adds, after the age's own field(s). The first age of a file takes these
// names; another one (rare) takes its field's name as prefix: NU_IDADE_N_ANOS.
inline constexpr char kAgeYearsSuffix[] = "_ANOS";
inline constexpr char kAgeUnitSuffix[] = "_UNIDADE";
inline constexpr char kAgeValueSuffix[] = "_VALOR";
inline constexpr char kAgePrefix[] = "IDADE";
// The column labels=both adds beside each coded column.
inline constexpr char kLabelSuffix[] = "_label";

// Codes met that their column's list lacks, per column; shared by the files of a scan.
class UnmappedCodes {
 public:
  // `total` (optional) is kept equal to the sum over columns.
  explicit UnmappedCodes(std::atomic<int64_t>* total = nullptr) : total_(total) {}
  void Add(const std::string& column, int64_t count);
  std::map<std::string, int64_t> ByColumn() const;
  int64_t Total() const;
  void Reset();

 private:
  std::atomic<int64_t>* total_;
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> counts_;
};

// `columns` with, under LabelMode::kBoth, each coded column's COL_label right after it (when
// `has_column` says it exists and it was not asked already): "both" shows every asked coded column
// with its labels.
std::vector<std::string> WithLabelColumns(
    const std::vector<std::string>& columns, LabelMode mode,
    const std::function<bool(const std::string&)>& has_column);

class FileMeaning {
 public:
  // Nothing known: every column as its DBF type.
  FileMeaning() = default;

  // The meaning of `dbf_schema`'s fields in `dataset` for `year` (0: the latest entries). Unknown
  // datasets, and raw reads, get an empty meaning.
  static FileMeaning Make(std::string_view dataset, int year, const arrow::Schema& dbf_schema,
                          const MeaningOptions& options);

  // For one file read on its own: its dataset is `dataset` when given, else the one its name shows
  // (arrow_sus/catalog/path.h), and its year the one its name shows (0 when none).
  static FileMeaning ForFile(std::string_view name, std::string_view dataset,
                             const arrow::Schema& dbf_schema, const MeaningOptions& options);

  const MeaningOptions& options() const { return options_; }

  // Stage 1: what the DBF reader applies (nullptr when nothing).
  std::shared_ptr<const dbf::FieldSemanticsMap> semantics() const { return semantics_; }

  // Stage 2: the typed schema of a DBF schema read with semantics(), and the typing itself.
  // `invalid_dates` counts text that is not a date; `file` names the source in errors.
  std::shared_ptr<arrow::Schema> TypedSchema(const std::shared_ptr<arrow::Schema>& read) const;
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Type(
      std::shared_ptr<arrow::RecordBatchReader> input, dbf::InvalidPolicy on_invalid,
      std::string file, std::atomic<int64_t>* invalid_dates) const;

  // Stage 3: the presented schema of a typed schema, and the presentation itself.
  std::shared_ptr<arrow::Schema> OutputSchema(const std::shared_ptr<arrow::Schema>& typed) const;
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Present(
      std::shared_ptr<arrow::RecordBatchReader> typed, UnmappedCodes* unmapped) const;

  // Whether `column` is coded in this file (read as a dictionary, labelled on request).
  bool IsCoded(std::string_view column) const { return FindCoded(column) != nullptr; }

  // The typed columns presentation needs to produce `columns` (output names; derived columns
  // become their sources), in order, without duplicates.
  std::vector<std::string> SourcesOf(const std::vector<std::string>& columns) const;

  // `predicate` (over output columns) over the raw fields instead, or nullopt when some part of it
  // can only be evaluated on presented columns.
  std::optional<dbf::Predicate> Translate(const dbf::Predicate& predicate) const;

  // Why `filter` (over output columns) may not select what it seems to: one message per coded age
  // field it compares (`IDADE >= 60` on SIM compares codes: 307, seven months, passes), naming the
  // decoded column to filter on instead. Empty when nothing is suspicious.
  std::vector<std::string> FilterCaveats(const dbf::Predicate& filter) const;

  // Whether a raw predicate reads a column that compares as it should only once typed (a date
  // stored as text): such a filter is applied after typing, not on the bytes.
  bool ComparesTyped(const dbf::Predicate& raw) const;

 private:
  struct Coded {
    std::string column;
    const catalog::CodeList* list;  // nullptr: categories without a list
    // The codes of a reference table (CID-10, municipalities...) are labelled from it, when labels
    // are asked and a compiled-in table has the reference; codes it lacks count as unmapped.
    std::shared_ptr<const reference::Lookup> reference = nullptr;
  };
  struct DecodedAge {
    std::string field;  // the age field (its value)
    AgeFields fields;
    catalog::AgeEncoding encoding;
    std::string prefix;  // of the derived columns
  };

  const Coded* FindCoded(std::string_view column) const;
  const DecodedAge* FindAgeColumn(std::string_view column, std::string_view suffix) const;
  std::optional<dbf::Predicate> TranslateComparison(const dbf::Predicate& p) const;

  MeaningOptions options_;
  std::shared_ptr<dbf::FieldSemanticsMap> semantics_;
  std::vector<DateColumn> dates_;
  std::vector<Coded> coded_;
  std::vector<DecodedAge> ages_;
};

}  // namespace arrow_sus::scan
