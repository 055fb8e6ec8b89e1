// Filtering and projecting batches that are already in memory (a conversion on its way to the
// cache, a batch read back from it).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/datum.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus {

// Which rows of a batch a filter keeps: how many, and the mask selecting them (none when the filter
// keeps every row or none, e.g. a constant filter on a column this file lacks).
struct RowSelection {
  int64_t kept = 0;
  std::optional<arrow::Datum> mask;
};

// Evaluates `filter`, which must be bound to the batch's schema, on `batch`.
arrow::Result<RowSelection> SelectRows(const std::shared_ptr<arrow::RecordBatch>& batch,
                                       const arrow::compute::Expression& filter);

// The rows of `batch` (or of a batch with the same rows, e.g. other columns of them) `selection`
// keeps: the batch itself, an empty slice, or a filtered copy.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> KeepRows(
    const std::shared_ptr<arrow::RecordBatch>& batch, const RowSelection& selection);

// Keeps the rows matching `filter` (when given) and then only `columns` (when not empty), in that
// order.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FilterAndProject(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::optional<arrow::compute::Expression> filter, std::vector<std::string> columns);

}  // namespace arrow_sus
