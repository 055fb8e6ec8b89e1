// File-name grammar in both directions, driven by the layout patterns of the generated catalog.
#include "arrow_sus/catalog/path.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "arrow_sus/error.h"
#include "catalog/text.h"

namespace arrow_sus::catalog {

namespace {

constexpr std::string_view kMonths[] = {"JAN", "FEV", "MAR", "ABR", "MAI", "JUN",
                                        "JUL", "AGO", "SET", "OUT", "NOV", "DEZ"};
// Split-part letters are reported in lower case whatever the spelling of the name.
constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyz";
// Two-digit years at or above this pivot are 19YY (SIM CID-9 starts in 1979), below it 20YY.
constexpr int kCenturyPivot = 70;

// Values a pattern (and its directory) bound while matching a name.
struct Bindings {
  std::string_view uf;
  int year = 0;
  int month = 0;
  std::string_view part;
};

int ReadDigits(std::string_view text, size_t pos, size_t count) {
  if (pos + count > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// A value bound twice (a year in the directory and in the name, a month as number and as
// abbreviation) must agree.
bool Bind(int& slot, int value) {
  if (slot != 0 && slot != value) return false;
  slot = value;
  return true;
}

// Matches one `{TOKEN}` at text[*pos]; advances *pos on success.
bool MatchToken(std::string_view token, std::string_view text, size_t* pos, Bindings* b) {
  size_t t = *pos;
  if (token == "UF" || token == "UFBR" || token == "BR") {
    if (t + 2 > text.size()) return false;
    const Uf* uf = FindUf(text.substr(t, 2));
    if (uf == nullptr || (token == "UF" && uf->code == "BR") || (token == "BR" && uf->code != "BR"))
      return false;
    if (!b->uf.empty() && b->uf != uf->code) return false;
    b->uf = uf->code;
    *pos = t + 2;
    return true;
  }
  if (token == "YY" || token == "YYYY") {
    const int value = ReadDigits(text, t, token.size());
    if (value < 0) return false;
    const int year = token.size() == 4 ? value : value + (value >= kCenturyPivot ? 1900 : 2000);
    *pos = t + token.size();
    return Bind(b->year, year);
  }
  if (token == "MM") {
    const int value = ReadDigits(text, t, 2);
    if (value < 1 || value > 12) return false;
    *pos = t + 2;
    return Bind(b->month, value);
  }
  if (token == "MON") {
    if (t + 3 > text.size()) return false;
    for (int m = 0; m < 12; ++m) {
      if (CompareIgnoringCase(text.substr(t, 3), kMonths[m]) == 0) {
        *pos = t + 3;
        return Bind(b->month, m + 1);
      }
    }
    return false;
  }
  if (token == "PART") {  // optional: a single letter, only at the end of a name
    if (t == text.size()) return true;
    const char c = static_cast<char>(ToUpperAscii(text[t]) - 'A' + 'a');
    if (c < 'a' || c > 'z') return false;
    b->part = kLetters.substr(static_cast<size_t>(c - 'a'), 1);
    *pos = t + 1;
    return true;
  }
  if (token == "PARTN") {  // optional: _1 .. _99
    if (t == text.size()) return true;
    if (text[t] != '_') return false;
    size_t end = t + 1;
    while (end < text.size() && end < t + 3 && text[end] >= '0' && text[end] <= '9') ++end;
    if (end == t + 1 || text[t + 1] == '0') return false;
    b->part = text.substr(t, end - t);
    *pos = end;
    return true;
  }
  return false;
}

// Matches a whole name stem or directory against a pattern, ignoring case.
bool MatchPattern(std::string_view pattern, std::string_view text, Bindings* b) {
  size_t p = 0;
  size_t t = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '{') {
      const size_t close = pattern.find('}', p);
      if (!MatchToken(pattern.substr(p + 1, close - p - 1), text, &t, b)) return false;
      p = close + 1;
    } else {
      if (t >= text.size() || ToUpperAscii(text[t]) != ToUpperAscii(pattern[p])) return false;
      ++p;
      ++t;
    }
  }
  return t == text.size();
}

bool InPeriod(const Layout& layout, const Bindings& b) {
  if (b.year == 0) return layout.first == 0 && layout.last == 0;
  const int32_t key = PeriodKey(b.year, b.month);
  return (layout.first == 0 || key >= layout.first) && (layout.last == 0 || key <= layout.last);
}

bool ExtensionFits(const Dataset& dataset, const Layout& layout, std::string_view extension) {
  // A .dbf is the decompressed (or extracted) copy of any DATASUS file.
  if (CompareIgnoringCase(extension, "dbf") == 0) return true;
  if (CompareIgnoringCase(extension, dataset.file_type) == 0) return true;
  return std::any_of(layout.extensions.begin(), layout.extensions.end(),
                     [&](std::string_view e) { return CompareIgnoringCase(e, extension) == 0; });
}

// The server directory of a path (without scheme, host and trailing slash), or "" when the path
// is not a DATASUS server path (a local copy: only its name counts).
std::string_view ServerDirectory(std::string_view directory) {
  for (std::string_view scheme : {"ftp://", "http://", "https://"}) {
    if (StartsWithIgnoringCase(directory, scheme)) {
      const size_t slash = directory.find('/', scheme.size());
      directory = slash == std::string_view::npos ? std::string_view() : directory.substr(slash);
      break;
    }
  }
  while (!directory.empty() && directory.back() == '/') directory.remove_suffix(1);
  if (StartsWithIgnoringCase(directory, "/dissemin/") ||
      StartsWithIgnoringCase(directory, "/territorio/")) {
    return directory;
  }
  return {};
}

void AppendTwoDigits(std::string* out, int value) {
  out->push_back(static_cast<char>('0' + value / 10 % 10));
  out->push_back(static_cast<char>('0' + value % 10));
}

// Writes a pattern with its tokens filled in; false when a token has no value.
bool Render(std::string_view pattern, const Bindings& b, std::string* out) {
  size_t p = 0;
  while (p < pattern.size()) {
    if (pattern[p] != '{') {
      out->push_back(pattern[p++]);
      continue;
    }
    const size_t close = pattern.find('}', p);
    const std::string_view token = pattern.substr(p + 1, close - p - 1);
    p = close + 1;
    if (token == "BR") {
      out->append("BR");
    } else if (token == "UF" || token == "UFBR") {
      if (b.uf.empty()) return false;
      out->append(b.uf);
    } else if (token == "YY" || token == "YYYY") {
      if (b.year == 0) return false;
      if (token.size() == 4) {
        AppendTwoDigits(out, b.year / 100);
      }
      AppendTwoDigits(out, b.year % 100);
    } else if (token == "MM" || token == "MON") {
      if (b.month == 0) return false;
      if (token == "MM") {
        AppendTwoDigits(out, b.month);
      } else {
        out->append(kMonths[b.month - 1]);
      }
    } else if (token == "PART" || token == "PARTN") {
      out->append(b.part);
    }
  }
  return true;
}

bool HasToken(std::string_view pattern, std::string_view token) {
  for (size_t p = pattern.find('{'); p != std::string_view::npos; p = pattern.find('{', p + 1)) {
    const size_t close = pattern.find('}', p);
    if (pattern.substr(p + 1, close - p - 1) == token) return true;
  }
  return false;
}

ErrorLocation FileLocation(std::string_view file) {
  ErrorLocation location;
  location.file = std::string(file);
  return location;
}

bool SamePartition(const FileRef& a, const Bindings& b) {
  return a.uf == b.uf && a.year == b.year && a.month == b.month && a.part == b.part;
}

}  // namespace

std::string FileRef::Directory() const {
  if (layout == nullptr) return {};
  std::string out;
  Bindings b{uf, year, month, part};
  if (!Render(layout->directory, b, &out)) return {};
  return out;
}

std::string FileRef::CanonicalPath() const {
  if (layout == nullptr || pattern.empty()) return {};
  std::string out = Directory();
  if (!out.empty()) out.push_back('/');
  if (!Render(pattern, Bindings{uf, year, month, part}, &out)) return {};
  out.push_back('.');
  out.append(layout->extensions.empty() ? dataset->file_type : layout->extensions.front());
  return out;
}

ParseResult Classify(std::string_view path_or_name) {
  ParseResult result;
  const size_t slash = path_or_name.find_last_of("/\\");
  const std::string_view name =
      slash == std::string_view::npos ? path_or_name : path_or_name.substr(slash + 1);
  const std::string_view server_dir = slash == std::string_view::npos
                                          ? std::string_view()
                                          : ServerDirectory(path_or_name.substr(0, slash));
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return result;
  const std::string_view stem = name.substr(0, dot);
  const std::string_view extension = name.substr(dot + 1);

  bool matched = false;
  for (const Dataset& dataset : Datasets()) {
    for (const Layout& layout : dataset.layouts) {
      if (!ExtensionFits(dataset, layout, extension)) continue;
      Bindings dir_bindings;
      if (!server_dir.empty() && (layout.directory.empty() ||
                                  !MatchPattern(layout.directory, server_dir, &dir_bindings))) {
        continue;
      }
      for (std::string_view pattern : layout.patterns) {
        Bindings b = dir_bindings;
        if (!MatchPattern(pattern, stem, &b) || !InPeriod(layout, b)) continue;
        if (!matched) {
          matched = true;
          result.outcome = ParseOutcome::kMatched;
          result.ref = FileRef{&dataset,
                               &layout,
                               pattern,
                               b.uf,
                               b.year,
                               b.month,
                               b.part,
                               static_cast<int8_t>(layout.preliminary ? 1 : 0),
                               layout.placeholder,
                               name,
                               extension};
          continue;
        }
        FileRef& ref = result.ref;
        if (ref.dataset != &dataset || !SamePartition(ref, b)) {
          result.outcome = ParseOutcome::kAmbiguous;
          result.other = &dataset;
          return result;
        }
        // The same file fits several directories of one dataset (a bare SINAN name: FINAIS or
        // PRELIM): the partition is certain, the directory is not.
        if (ref.layout != &layout) {
          if (ref.preliminary != (layout.preliminary ? 1 : 0)) ref.preliminary = -1;
          ref.layout = nullptr;
        }
      }
    }
  }
  return result;
}

arrow::Result<FileRef> ParsePath(std::string_view path_or_name) {
  ParseResult result = Classify(path_or_name);
  switch (result.outcome) {
    case ParseOutcome::kMatched:
      return result.ref;
    case ParseOutcome::kAmbiguous:
      return MakeError(ErrorKind::kInvalidArgument, FileLocation(path_or_name),
                       "ambiguous DATASUS file name: fits both " +
                           std::string(result.ref.dataset->id) + " and " +
                           std::string(result.other->id));
    case ParseOutcome::kUnrecognized:
      break;
  }
  return MakeError(ErrorKind::kInvalidArgument, FileLocation(path_or_name),
                   "not a DATASUS file name known to the catalog");
}

arrow::Result<std::vector<std::string>> CandidatePaths(const PathQuery& query) {
  const Dataset* dataset = FindDataset(query.dataset);
  if (dataset == nullptr) {
    return MakeError(ErrorKind::kNotFound, {},
                     "unknown dataset '" + std::string(query.dataset) + "'");
  }
  const Uf* uf = nullptr;
  if (!query.uf.empty() && (uf = FindUf(query.uf)) == nullptr) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "unknown state '" + std::string(query.uf) + "'");
  }
  if (dataset->periodicity != Periodicity::kNone && query.year == 0) {
    return MakeError(ErrorKind::kInvalidArgument, {}, std::string(dataset->id) + " needs a year");
  }
  if (query.month < 0 || query.month > 12) {
    return MakeError(ErrorKind::kInvalidArgument, {}, "month must be 1-12 (0 for none)");
  }
  const bool national = uf == nullptr || uf->code == "BR";
  Bindings b;
  b.uf = uf ? uf->code : std::string_view();
  b.year = query.year;
  b.month = query.month;
  b.part = query.part;
  std::vector<std::string> paths;
  for (const Layout& layout : dataset->layouts) {
    if (layout.placeholder || !InPeriod(layout, b)) continue;
    for (std::string_view pattern : layout.patterns) {
      // A pattern without a location token is a national (or location-free) file.
      const bool state_only = HasToken(pattern, "UF");
      const bool any_location = HasToken(pattern, "UFBR");
      const bool national_only = HasToken(pattern, "BR");
      if (state_only && national) continue;
      if (!state_only && !any_location && !national) continue;
      if (national_only && !national) continue;
      const bool letter_part =
          query.part.size() == 1 && query.part[0] >= 'a' && query.part[0] <= 'z';
      if (!query.part.empty() &&
          !(letter_part ? HasToken(pattern, "PART") : HasToken(pattern, "PARTN"))) {
        continue;
      }
      Bindings filled = b;
      if ((any_location || national_only) && filled.uf.empty()) filled.uf = "BR";
      std::string path;
      if (!Render(layout.directory, filled, &path)) continue;
      if (!path.empty()) path.push_back('/');
      if (!Render(pattern, filled, &path)) continue;
      path.push_back('.');
      path.append(layout.extensions.empty() ? dataset->file_type : layout.extensions.front());
      // Round trip: the rendered name must parse back to the query (rejects e.g. a bad part).
      if (Classify(path).outcome != ParseOutcome::kMatched) continue;
      paths.push_back(std::move(path));
    }
  }
  if (paths.empty()) {
    const bool month_missing = dataset->periodicity == Periodicity::kMonthly && query.month == 0;
    return MakeError(ErrorKind::kNotFound, {},
                     "no file of " + std::string(dataset->id) +
                         " is published for that state and period" +
                         (month_missing ? " (a monthly dataset: give a month)" : ""));
  }
  return paths;
}

arrow::Result<std::vector<size_t>> SelectParts(std::span<const FileRef> refs) {
  // Files of one (dataset, state, period, directory) form one group.
  using GroupKey = std::tuple<const Dataset*, std::string_view, int, int, int8_t, std::string>;
  std::map<GroupKey, std::vector<size_t>> groups;
  for (size_t i = 0; i < refs.size(); ++i) {
    const FileRef& r = refs[i];
    groups[{r.dataset, r.uf, r.year, r.month, r.preliminary, r.Directory()}].push_back(i);
  }
  // Order of parts: letters a..z, then _1.._99 by number.
  auto part_rank = [](std::string_view part) {
    if (part.size() == 1) return part[0] - 'a' + 1;
    int n = 0;
    for (char c : part.substr(1)) n = n * 10 + (c - '0');
    return n;
  };
  std::vector<size_t> chosen;
  for (auto& [key, members] : groups) {
    auto whole = std::find_if(members.begin(), members.end(),
                              [&](size_t i) { return refs[i].part.empty(); });
    if (whole != members.end()) {
      chosen.push_back(*whole);
      continue;
    }
    std::stable_sort(members.begin(), members.end(), [&](size_t a, size_t b) {
      return part_rank(refs[a].part) < part_rank(refs[b].part);
    });
    int expected = 1;
    for (size_t i : members) {
      const int rank = part_rank(refs[i].part);
      if (rank < expected) continue;  // the same part listed twice (.dbc and .DBC): keep the first
      if (rank > expected) {
        return MakeError(ErrorKind::kNotFound, FileLocation(refs[i].name),
                         "split part " + std::to_string(expected) + " of this file set is missing");
      }
      chosen.push_back(i);
      ++expected;
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace arrow_sus::catalog
