#include "arrow_sus/tabwin/scope.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "tabwin/paths.h"

namespace arrow_sus::tabwin {

namespace {

using internal::BaseName;
using internal::DirName;
using internal::Stem;
using internal::Upper;

// '*' any run of characters, '?' any one (both strings upper case).
bool GlobMatches(std::string_view glob, std::string_view text) {
  if (glob.empty()) return text.empty();
  if (glob[0] == '*') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (GlobMatches(glob.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  return !text.empty() && (glob[0] == '?' || glob[0] == text[0]) &&
         GlobMatches(glob.substr(1), text.substr(1));
}

// A file name of the pattern, tokens replaced by one valid value each.
std::string SampleName(std::string_view pattern) {
  static constexpr std::pair<std::string_view, std::string_view> kValues[] = {
      {"{UFBR}", "SP"}, {"{UF}", "SP"},   {"{BR}", "BR"},  {"{YYYY}", "2008"}, {"{YY}", "08"},
      {"{MM}", "01"},   {"{MON}", "JAN"}, {"{PARTN}", ""}, {"{PART}", ""}};
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    bool replaced = false;
    for (auto [token, value] : kValues) {
      if (pattern.substr(i, token.size()) == token) {
        out += value;
        i += token.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(pattern[i++]);
  }
  return out;
}

// Finds "YYYYMM-YYYYMM" in a name.
bool MonthSpan(std::string_view name, int32_t* first, int32_t* last) {
  for (size_t i = 0; i + 13 <= name.size(); ++i) {
    auto digits = [&](size_t at) {
      return std::all_of(name.begin() + at, name.begin() + at + 6,
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    };
    if (name[i + 6] == '-' && digits(i) && digits(i + 7)) {
      *first = std::stoi(std::string(name.substr(i, 6)));
      *last = std::stoi(std::string(name.substr(i + 7, 6)));
      return true;
    }
  }
  return false;
}

// The year after `marker` ("ATE_1995" -> 1995), or 0.
int YearAfter(std::string_view upper_name, std::string_view marker) {
  const size_t at = upper_name.find(marker);
  if (at == std::string_view::npos || at + marker.size() + 4 > upper_name.size()) return 0;
  std::string_view year = upper_name.substr(at + marker.size(), 4);
  if (!std::all_of(year.begin(), year.end(), [](char c) { return c >= '0' && c <= '9'; })) return 0;
  return std::stoi(std::string(year));
}

}  // namespace

bool DefDescribes(const DefFile& def, const catalog::Dataset& dataset, bool only_dataset) {
  for (const std::string& data_file : def.data_files) {
    const std::string glob = Upper(Stem(BaseName(data_file)));
    if (glob.empty()) continue;
    if (glob.find_first_not_of("*?") == std::string::npos) {
      if (only_dataset) return true;
      continue;
    }
    for (const catalog::Layout& layout : dataset.layouts) {
      for (std::string_view pattern : layout.patterns) {
        if (GlobMatches(glob, Upper(SampleName(pattern)))) return true;
      }
    }
  }
  return false;
}

PeriodRange ArchivePeriod(std::string_view archive_path, const catalog::Dataset& dataset) {
  const std::string name = Upper(Stem(BaseName(archive_path)));
  PeriodRange range;
  if (MonthSpan(name, &range.first, &range.last)) return range;
  if (int year = YearAfter(name, "ATE_"); year) return {0, catalog::PeriodKey(year, 12)};
  if (int year = YearAfter(name, "A_PARTIR_"); year) return {catalog::PeriodKey(year, 0), 0};
  // The directory holding the archive's folder (SIM/CID9 for SIM/CID9/TAB) also holds the
  // folders of the data it describes.
  const std::string parent = Upper(DirName(DirName(archive_path)));
  bool found = false, open_start = false, open_end = false;
  for (const catalog::Layout& layout : dataset.layouts) {
    if (parent.empty() || Upper(DirName(layout.directory)) != parent) continue;
    open_start |= layout.first == 0;
    open_end |= layout.last == 0;
    range.first = found ? std::min(range.first, layout.first) : layout.first;
    range.last = found ? std::max(range.last, layout.last) : layout.last;
    found = true;
  }
  if (!found) return {};
  if (open_start) range.first = 0;
  if (open_end) range.last = 0;
  return range;
}

}  // namespace arrow_sus::tabwin
