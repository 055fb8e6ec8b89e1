#include "arrow_sus/batch_filter.h"

#include <arrow/array.h>
#include <arrow/compute/api_vector.h>
#include <arrow/compute/exec.h>
#include <arrow/scalar.h>
#include <arrow/type.h>

#include "arrow_sus/error.h"
#include "arrow_sus/map_batches.h"
#include "core/compute_init.h"

namespace arrow_sus {

arrow::Result<RowSelection> SelectRows(const std::shared_ptr<arrow::RecordBatch>& batch,
                                       const arrow::compute::Expression& filter) {
  ARROW_ASSIGN_OR_RAISE(arrow::Datum mask,
                        arrow::compute::ExecuteScalarExpression(filter, *batch->schema(), batch));
  if (mask.is_scalar()) {
    const auto& keep = mask.scalar_as<arrow::BooleanScalar>();
    return RowSelection{.kept = keep.is_valid && keep.value ? batch->num_rows() : 0};
  }
  const int64_t kept = static_cast<const arrow::BooleanArray&>(*mask.make_array()).true_count();
  if (kept == 0 || kept == batch->num_rows()) return RowSelection{.kept = kept};
  return RowSelection{.kept = kept, .mask = std::move(mask)};
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> KeepRows(
    const std::shared_ptr<arrow::RecordBatch>& batch, const RowSelection& selection) {
  if (!selection.mask) return selection.kept == 0 ? batch->Slice(0, 0) : batch;
  ARROW_ASSIGN_OR_RAISE(arrow::Datum kept, arrow::compute::Filter(batch, *selection.mask));
  return kept.record_batch();
}

arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> FilterAndProject(
    std::shared_ptr<arrow::RecordBatchReader> input,
    std::optional<arrow::compute::Expression> filter, std::vector<std::string> columns) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  const auto& schema = input->schema();
  if (filter) {
    ARROW_ASSIGN_OR_RAISE(filter, filter->Bind(*schema));
  }
  std::vector<int> indices;
  if (columns.empty()) {
    for (int i = 0; i < schema->num_fields(); ++i) indices.push_back(i);
  } else {
    for (const std::string& name : columns) {
      int index = schema->GetFieldIndex(name);
      if (index < 0) {
        return MakeError(ErrorKind::kInvalidArgument, {.field = name},
                         "no such column in " + schema->ToString());
      }
      indices.push_back(index);
    }
  }
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (int index : indices) fields.push_back(schema->field(index));
  auto projected = arrow::schema(std::move(fields), schema->metadata());
  return MapBatches(std::move(input), std::move(projected),
                    [filter = std::move(filter),
                     indices = std::move(indices)](const std::shared_ptr<arrow::RecordBatch>& batch)
                        -> arrow::Result<std::shared_ptr<arrow::RecordBatch>> {
                      std::shared_ptr<arrow::RecordBatch> kept = batch;
                      if (filter) {
                        ARROW_ASSIGN_OR_RAISE(RowSelection rows, SelectRows(batch, *filter));
                        ARROW_ASSIGN_OR_RAISE(kept, KeepRows(batch, rows));
                      }
                      return kept->SelectColumns(indices);
                    });
}

}  // namespace arrow_sus
