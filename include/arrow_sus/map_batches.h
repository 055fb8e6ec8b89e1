// A RecordBatchReader stage that transforms each batch of another reader (the building block of the
// scan's per-file pipeline: filter and project, type dates, ...).
#pragma once

#include <functional>
#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus {

using BatchTransform = std::function<arrow::Result<std::shared_ptr<arrow::RecordBatch>>(
    const std::shared_ptr<arrow::RecordBatch>&)>;

// Yields transform(batch) for every batch of `input`; every result must have `schema`. Closing
// closes the input.
std::shared_ptr<arrow::RecordBatchReader> MapBatches(
    std::shared_ptr<arrow::RecordBatchReader> input, std::shared_ptr<arrow::Schema> schema,
    BatchTransform transform);

}  // namespace arrow_sus
