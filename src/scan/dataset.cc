#include "arrow_sus/scan/dataset.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <tuple>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/path.h"
#include "arrow_sus/error.h"

namespace arrow_sus::scan {

namespace {

// Where dataset directories live on the DATASUS FTP: catalog directories start with it, paths on a
// source (whose root is that directory) do not.
constexpr std::string_view kPublicPrefix = "/dissemin/publicos/";

// An argument as the caller wrote it: `name` from Python, `--name` on the command line.
std::string ArgumentName(ArgumentStyle style, std::string_view name) {
  if (style == ArgumentStyle::kPython) return std::string(name);
  std::string flag = "--" + std::string(name);
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

// An argument with a value: `year=[2013]` / `uf=['SP', 'RJ']` from Python (its repr), `--year 2013`
// / `--uf SP,RJ` on the command line.
template <typename T>
std::string ArgumentList(ArgumentStyle style, std::string_view name, const std::vector<T>& values) {
  const bool python = style == ArgumentStyle::kPython;
  std::string text;
  for (const T& v : values) {
    if (!text.empty()) text += python ? ", " : ",";
    if constexpr (std::is_same_v<T, std::string>) {
      text += python ? "'" + v + "'" : v;
    } else {
      text += std::to_string(v);
    }
  }
  return python ? ArgumentName(style, name) + "=[" + text + "]"
                : ArgumentName(style, name) + " " + text;
}

// The first period of a layout as the catalog shows it: "1996" for yearly datasets, "2008-01" for
// monthly ones; "" when unbounded.
std::string FirstPeriod(const catalog::Layout& layout, const catalog::Dataset& dataset) {
  if (layout.first == 0) return "";
  const int year = layout.first / 100;
  const int month = layout.first % 100;
  char text[16];
  if (dataset.periodicity != catalog::Periodicity::kMonthly || month == 0) {
    std::snprintf(text, sizeof text, "%04d", year);
  } else {
    std::snprintf(text, sizeof text, "%04d-%02d", year, month);
  }
  return text;
}

arrow::Status YearRequired(const catalog::Dataset& dataset, ArgumentStyle style) {
  std::string first;
  for (const catalog::Layout& layout : dataset.layouts) {
    const std::string period = FirstPeriod(layout, dataset);
    if (!period.empty() && (first.empty() || period < first)) first = period;
  }
  const std::string example = style == ArgumentStyle::kPython
                                  ? ArgumentName(style, "year") + "=2023"
                                  : ArgumentName(style, "year") + " 2023";
  return MakeError(ErrorKind::kInvalidArgument, {},
                   std::string(dataset.id) + " is " +
                       std::string(catalog::PeriodicityName(dataset.periodicity)) + ": pass " +
                       ArgumentName(style, "year") + " (a year, a list or a range" +
                       (first.empty() ? "" : "; data starts in " + first) + "), e.g. " + example);
}

arrow::Status NothingFound(const catalog::Dataset& dataset, const DatasetQuery& query,
                           const io::Source& source) {
  std::string wanted;
  auto add = [&](std::string text) { wanted += (wanted.empty() ? "" : " ") + text; };
  if (query.ufs && !query.ufs->empty()) add(ArgumentList(query.style, "uf", *query.ufs));
  if (query.years && !query.years->empty()) add(ArgumentList(query.style, "year", *query.years));
  if (query.months && !query.months->empty())
    add(ArgumentList(query.style, "month", *query.months));
  const std::string id(dataset.id);
  return MakeError(ErrorKind::kNotFound, {},
                   "no " + id + " files for " + (wanted.empty() ? "any partition" : wanted) +
                       " on " + source.url() + ": check the period (arrow-sus describe " + id +
                       " / arrow_sus.describe('" + id + "') shows what exists) or the source");
}

// The directories (relative to the source root) that can hold the dataset's files in `years`.
std::vector<std::string> DatasetDirectories(const catalog::Dataset& dataset,
                                            const std::optional<std::vector<int32_t>>& years) {
  std::vector<std::string> directories;
  for (const catalog::Layout& layout : dataset.layouts) {
    const int first = layout.first / 100;
    const int last = layout.last == 0 ? 9999 : layout.last / 100;
    if (years && layout.first != 0 && std::none_of(years->begin(), years->end(), [&](int32_t y) {
          return first <= y && y <= last;
        })) {
      continue;
    }
    if (!layout.directory.starts_with(kPublicPrefix)) continue;  // only inside archives
    std::string directory(layout.directory.substr(kPublicPrefix.size()));
    if (std::find(directories.begin(), directories.end(), directory) == directories.end()) {
      directories.push_back(std::move(directory));
    }
  }
  return directories;
}

template <typename T>
bool Allowed(const std::optional<std::vector<T>>& asked, const T& value) {
  return !asked || std::find(asked->begin(), asked->end(), value) != asked->end();
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const catalog::Dataset* Known(const DatasetQuery& query, arrow::Status* error) {
  const catalog::Dataset* dataset = catalog::FindDataset(query.dataset);
  if (dataset == nullptr) {
    *error = MakeError(ErrorKind::kNotFound, {}, "unknown dataset '" + query.dataset + "'");
  }
  return dataset;
}

}  // namespace

arrow::Result<std::vector<DatasetFile>> ListDatasetFiles(io::Source& source,
                                                         const DatasetQuery& query) {
  arrow::Status unknown;
  const catalog::Dataset* dataset = Known(query, &unknown);
  if (dataset == nullptr) return unknown;
  std::vector<DatasetFile> found;
  for (const std::string& directory : DatasetDirectories(*dataset, query.years)) {
    arrow::Result<std::vector<io::RemoteEntry>> entries = source.List(directory);
    if (!entries.ok()) {
      const ErrorDetail* detail = GetErrorDetail(entries.status());
      if (detail != nullptr && detail->kind() == ErrorKind::kNotFound) continue;  // not mirrored
      return entries.status();
    }
    for (const io::RemoteEntry& entry : *entries) {
      if (entry.is_dir) continue;
      const std::string server_path = std::string(kPublicPrefix) + directory + "/" + entry.name;
      const catalog::ParseResult parsed = catalog::Classify(server_path);
      const catalog::FileRef& ref = parsed.ref;
      if (parsed.outcome != catalog::ParseOutcome::kMatched || ref.dataset != dataset ||
          ref.placeholder) {
        continue;
      }
      std::optional<int32_t> year, month;
      if (ref.year != 0) year = ref.year;
      if (ref.month != 0) month = ref.month;
      // A name without a period (or a state) never matches a query asking for one.
      if ((query.ufs && !Allowed(query.ufs, Upper(ref.uf))) ||
          (query.years && (!year || !Allowed(query.years, *year))) ||
          (query.months && (!month || !Allowed(query.months, *month)))) {
        continue;
      }
      DatasetFile file;
      file.file.path = directory + "/" + entry.name;
      file.file.listed = entry;
      file.file.dataset = std::string(dataset->id);
      file.file.uf = std::string(ref.uf);
      file.file.year = year;
      file.file.month = month;
      file.part = std::string(ref.part);
      if (ref.preliminary >= 0) file.preliminary = ref.preliminary == 1;
      found.push_back(std::move(file));
    }
  }
  std::sort(found.begin(), found.end(),
            [](const DatasetFile& a, const DatasetFile& b) { return a.file.path < b.file.path; });
  return found;
}

arrow::Result<Dataset> Dataset::Discover(io::Source& source, const DatasetQuery& query) {
  arrow::Status unknown;
  const catalog::Dataset* dataset = Known(query, &unknown);
  if (dataset == nullptr) return unknown;
  if (query.require_year && !query.years && dataset->kind == catalog::DatasetKind::kData &&
      dataset->periodicity != catalog::Periodicity::kNone) {
    return YearRequired(*dataset, query.style);
  }
  ARROW_ASSIGN_OR_RAISE(std::vector<DatasetFile> found, ListDatasetFiles(source, query));
  if (found.empty()) return NothingFound(*dataset, query, source);
  // A period published both as final and as preliminary (during the move) is read from the final
  // file; a file that cannot tell counts as final.
  using Period = std::tuple<std::string, std::optional<int32_t>, std::optional<int32_t>>;
  auto period = [](const DatasetFile& f) { return Period{f.file.uf, f.file.year, f.file.month}; };
  std::set<Period> final_periods;
  for (const DatasetFile& f : found) {
    if (f.preliminary != true) final_periods.insert(period(f));
  }
  std::erase_if(found, [&](const DatasetFile& f) {
    return f.preliminary == true && final_periods.contains(period(f));
  });
  // Split parts are chosen by name (as for files given by name), within each file set.
  std::vector<catalog::FileRef> refs;
  refs.reserve(found.size());
  for (const DatasetFile& f : found) {
    ARROW_ASSIGN_OR_RAISE(catalog::FileRef ref, catalog::ParsePath(f.file.path));
    refs.push_back(ref);
  }
  ARROW_ASSIGN_OR_RAISE(std::vector<size_t> chosen, catalog::SelectParts(refs));
  std::vector<DatasetFile> selected;
  selected.reserve(chosen.size());
  for (size_t i : chosen) selected.push_back(std::move(found[i]));
  return Dataset(std::string(dataset->id), std::move(selected));
}

std::vector<ScanFile> Dataset::ScanFiles() const {
  std::vector<ScanFile> out;
  out.reserve(files_.size());
  for (const DatasetFile& f : files_) out.push_back(f.file);
  return out;
}

}  // namespace arrow_sus::scan
