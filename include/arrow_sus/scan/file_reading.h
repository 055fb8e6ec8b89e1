// One DBF read with the meaning of its columns (scan/meaning.h): what a single-file read
// (arrow_sus.read_dbc) and each file of a scan do when they decode a file.
//
// The asked columns may include presented ones (IDADE_ANOS, COL_label): their sources are read.
// The filter goes to the raw bytes when it translates to the raw fields and compares nothing that
// only compares right once typed (dates); otherwise the columns it reads are read too and it is
// applied after typing, or after presentation.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/dbf/options.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/scan/meaning.h"

namespace arrow_sus::scan {

struct MeaningfulRead {
  std::shared_ptr<dbf::DbfReader> dbf;             // the decoder (its statistics)
  std::shared_ptr<arrow::RecordBatchReader> rows;  // typed, presented, filtered and projected
};

// `names`, then those of `more` it lacks, in order.
std::vector<std::string> AppendMissing(std::vector<std::string> names,
                                       const std::vector<std::string>& more);

// Opens a DBF reader with the given options (the caller's source: a file, bytes, a download).
using DbfOpener =
    std::function<arrow::Result<std::shared_ptr<dbf::DbfReader>>(const dbf::ReadOptions&)>;

// Reads with `options.columns` (output names; nullopt: every column) and `options.filter` (over
// output columns) as the user asked them, then keeps the rows `residual` (the filter's part only
// Arrow evaluates, scan/filter_split.h) selects once presented. `invalid_dates` and `unmapped`
// (optional) count what typing and presentation met; `file` names the source in errors.
arrow::Result<MeaningfulRead> ReadWithMeaning(
    const DbfOpener& open, dbf::ReadOptions options,
    const std::optional<arrow::compute::Expression>& residual, const FileMeaning& meaning,
    const std::string& file, std::atomic<int64_t>* invalid_dates, UnmappedCodes* unmapped);

}  // namespace arrow_sus::scan
