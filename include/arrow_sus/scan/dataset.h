// A dataset on a source: which of its files a query reads, decided once for every front end.
//
// Discovery lists the catalog's directories of the dataset on the source (a directory the source
// lacks is skipped), keeps the names the catalog reads as this dataset (placeholders aside) in the
// asked states, years and months, and then selects what a read takes:
//   - a period published both as final and as preliminary is read from the final file;
//   - one complete, non-overlapping set of split parts per file set (catalog::SelectParts).
// Scans (scan.h) plan and execute over the files a Dataset found; downloads fetch the same files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/scan.h"

namespace arrow_sus::scan {

// How error messages name the caller's arguments: Python keywords (`year=2023`) or command-line
// flags (`--year 2023`).
enum class ArgumentStyle : uint8_t { kPython, kCommandLine };

struct DatasetQuery {
  std::string dataset;                          // catalog id, any case
  std::optional<std::vector<std::string>> ufs;  // upper case; nullopt: every state (or national)
  std::optional<std::vector<int32_t>> years;    // nullopt: every year
  std::optional<std::vector<int32_t>> months;   // nullopt: every month
  // A monthly or yearly dataset read without a year is an error (a scan of every period is never
  // what was meant); a download may take every period.
  bool require_year = true;
  ArgumentStyle style = ArgumentStyle::kPython;
};

// One file of a dataset on the source, with what its name says.
struct DatasetFile {
  ScanFile file;     // path relative to the source root, listed size and mtime, partition
  std::string part;  // "" for a whole file, "a".."z" or "_1".."_99" for a split part
  std::optional<bool> preliminary;  // nullopt when the name alone cannot tell
};

// Every file of the dataset on the source in the asked partitions, sorted by path, before any
// selection (what `arrow_sus.list_files` shows). The dataset id must be known to the catalog.
arrow::Result<std::vector<DatasetFile>> ListDatasetFiles(io::Source& source,
                                                         const DatasetQuery& query);

class Dataset {
 public:
  // Lists and selects (see above). Errors: an unknown dataset (kNotFound), a periodic dataset
  // without a year when the query requires one (kInvalidArgument), no file in the asked partitions
  // (kNotFound, naming them and the source), a split part missing (kNotFound).
  static arrow::Result<Dataset> Discover(io::Source& source, const DatasetQuery& query);

  const std::string& id() const { return id_; }  // the catalog's spelling
  const std::vector<DatasetFile>& files() const { return files_; }
  // The files as a scan takes them.
  std::vector<ScanFile> ScanFiles() const;

 private:
  Dataset(std::string id, std::vector<DatasetFile> files)
      : id_(std::move(id)), files_(std::move(files)) {}

  std::string id_;
  std::vector<DatasetFile> files_;
};

}  // namespace arrow_sus::scan
