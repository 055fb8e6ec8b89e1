// A TabWin code list beside the compiled-in one for the same field and period: code by code, the
// same label, a different label, or a code only one of them has. Nothing is merged: the result
// is a report.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_sus/catalog/dictionary.h"
#include "arrow_sus/tabwin/cnv.h"

namespace arrow_sus::tabwin {

enum class LabelStatus : uint8_t { kSame, kDifferentLabel, kOnlyTabwin, kOnlyCompiled };

struct LabelComparison {
  std::string code;  // a code, or "first-last" / a wildcard pattern left unexpanded
  std::string compiled_label;
  std::string tabwin_label;
  LabelStatus status = LabelStatus::kSame;
  int64_t tabwin_line = 0;  // the CNV line of the TabWin entry, 0 when TabWin has none
};

// Compares `tabwin` with `compiled` (nullptr: no compiled-in list, so every TabWin code is only
// in TabWin). Each compiled code is looked up in TabWin by TabWin's rule (the entry written last
// decides); then every TabWin code the compiled list lacks is listed. Numeric ranges of at most
// `max_expanded` codes are compared code by code; larger or alphanumeric ranges and wildcards
// stand as one row.
std::vector<LabelComparison> CompareWithCompiled(const CnvFile& tabwin,
                                                 const catalog::CodeList* compiled,
                                                 int64_t max_expanded = 10000);

// Labels are the same when they differ only in letter case and in runs of blanks.
bool SameLabel(std::string_view a, std::string_view b);

std::string_view LabelStatusName(LabelStatus status);

}  // namespace arrow_sus::tabwin
