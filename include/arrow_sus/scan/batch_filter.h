// Filtering and projecting batches that are already in memory (a conversion on its way to the
// cache, a batch read back from it).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus::scan {

// The rows of `batch` matching `filter`, which must be bound to the batch's schema. A constant
// mask (e.g. a filter on a column this file lacks) keeps all rows or none.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> KeepMatching(
    const std::shared_ptr<arrow::RecordBatch>& batch, const arrow::compute::Expression& filter);

// Keeps the rows matching `filter` (when given) and then only `columns` (when not empty), in that
// order.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FilterAndProject(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::optional<arrow::compute::Expression> filter, std::vector<std::string> columns);

}  // namespace arrow_sus::scan
