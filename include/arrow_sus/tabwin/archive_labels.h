// The code lists a TabWin archive (TAB_SIH.zip...) gives the fields of the datasets it serves:
// every DEF member is read, matched to its datasets by its data-file patterns, and each of its
// categorical variables with a CNV is read into a list for that dataset and field.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/catalog/dictionary.h"
#include "arrow_sus/io/zip_archive.h"
#include "arrow_sus/tabwin/compare.h"
#include "arrow_sus/tabwin/def.h"
#include "arrow_sus/tabwin/scope.h"

namespace arrow_sus::tabwin {

// One way a DEF converts a field: its variable line and the CNV member it names.
struct FieldConversion {
  std::string def_member;
  DefVariable variable;
  std::string cnv_member;
  std::shared_ptr<const CnvFile> cnv;  // shared by every variable naming the same member
};

struct FieldLists {
  std::string field;
  // The field's own code list first: a CNV as wide as the field, converting it from its first
  // character, named like it, declared for every use (X or D), with the most categories; the
  // others (groupings such as regions of a municipality) after, in DEF order.
  std::vector<FieldConversion> conversions;
};

struct DatasetLabels {
  std::string dataset;
  PeriodRange period;
  std::vector<std::string> defs;   // the DEF members that describe it
  std::vector<FieldLists> fields;  // sorted by field name
};

// A member that could not be used, and why (with collect_errors, errors end up here too).
struct ArchiveProblem {
  std::string member;
  std::string message;
};

struct ArchiveLabels {
  std::string archive;
  std::vector<std::string> defs;            // every DEF member
  std::vector<std::string> unmatched_defs;  // DEFs describing none of the datasets
  std::vector<DatasetLabels> datasets;      // in the order asked
  std::vector<ArchiveProblem> problems;
};

struct ArchiveLabelOptions {
  // A DEF or CNV that fails to parse becomes a problem instead of failing the whole archive.
  bool collect_errors = false;
  TextOptions text;
  int64_t max_member_size = 64 << 20;  // larger DEF/CNV members are problems, not read
};

// Reads the lists `archive` (its server path in `archive_path`) gives `datasets` (catalog ids).
// Errors from DEF and CNV members name the archive and member ("TAB_SIH.zip:CNV/SEXO.CNV") and
// the line.
arrow::Result<ArchiveLabels> ReadArchiveLabels(const io::ZipArchive& archive,
                                               std::string_view archive_path,
                                               std::span<const std::string> datasets,
                                               const ArchiveLabelOptions& options = {});

// A field's preferred list beside the compiled-in dictionary entry for the same dataset, field and
// period (the entry in force in the period's last year; the latest for an open period).
struct FieldComparison {
  std::string field;
  const catalog::FieldInfo* compiled = nullptr;  // nullptr: the dictionary has no entry
  std::vector<LabelComparison> rows;             // empty for fields labelled by a reference table
};
std::vector<FieldComparison> CompareDataset(const DatasetLabels& labels);

}  // namespace arrow_sus::tabwin
