#include "cache/dictionary_placeholders.h"

#include <utility>

#include <arrow/array.h>
#include <arrow/array/concatenate.h>
#include <arrow/compute/api_scalar.h>
#include <arrow/compute/exec.h>
#include <arrow/scalar.h>

#include "core/compute_init.h"

namespace arrow_sus::cache {

namespace {

// The indices moved by `delta` (nulls stay null); overflow is an error, never a wrap.
arrow::Result<std::shared_ptr<arrow::Array>> Shift(const std::shared_ptr<arrow::Array>& indices,
                                                   int delta) {
  ARROW_RETURN_NOT_OK(EnsureComputeFunctions());
  ARROW_ASSIGN_OR_RAISE(auto step, arrow::MakeScalar(indices->type(), delta));
  ARROW_ASSIGN_OR_RAISE(arrow::Datum shifted,
                        arrow::compute::CallFunction("add_checked", {indices, step}));
  return shifted.make_array();
}

}  // namespace

arrow::Result<std::shared_ptr<arrow::RecordBatch>> DictionaryPlaceholders::ForWriting(
    const arrow::RecordBatch& batch) {
  columns_.resize(batch.num_columns());
  std::vector<std::shared_ptr<arrow::Array>> arrays = batch.columns();
  bool changed = false;
  for (int c = 0; c < batch.num_columns(); ++c) {
    if (arrays[c]->type_id() != arrow::Type::DICTIONARY) continue;
    const auto& column = static_cast<const arrow::DictionaryArray&>(*arrays[c]);
    Column& state = columns_[c];
    if (!state.decided) {
      state.decided = true;
      state.placeholder = column.dictionary()->length() == 0;
    }
    if (!state.placeholder) continue;
    if (state.written == nullptr || state.source != column.dictionary()) {
      ARROW_ASSIGN_OR_RAISE(auto null_entry,
                            arrow::MakeArrayOfNull(column.dictionary()->type(), 1));
      ARROW_ASSIGN_OR_RAISE(state.written, arrow::Concatenate({null_entry, column.dictionary()}));
      state.source = column.dictionary();
    }
    ARROW_ASSIGN_OR_RAISE(auto indices, Shift(column.indices(), 1));
    ARROW_ASSIGN_OR_RAISE(
        arrays[c], arrow::DictionaryArray::FromArrays(column.type(), indices, state.written));
    changed = true;
  }
  if (!changed) return nullptr;
  return arrow::RecordBatch::Make(batch.schema(), batch.num_rows(), std::move(arrays));
}

arrow::Result<std::shared_ptr<arrow::RecordBatch>> WithoutPlaceholders(
    const std::shared_ptr<arrow::RecordBatch>& batch) {
  std::vector<std::shared_ptr<arrow::Array>> arrays = batch->columns();
  bool changed = false;
  for (auto& array : arrays) {
    if (array->type_id() != arrow::Type::DICTIONARY) continue;
    const auto& column = static_cast<const arrow::DictionaryArray&>(*array);
    const std::shared_ptr<arrow::Array>& dictionary = column.dictionary();
    if (dictionary->length() == 0 || !dictionary->IsNull(0)) continue;
    ARROW_ASSIGN_OR_RAISE(auto indices, Shift(column.indices(), -1));
    // FromArrays checks every index against the dictionary: a damaged file fails here.
    ARROW_ASSIGN_OR_RAISE(
        array, arrow::DictionaryArray::FromArrays(column.type(), indices, dictionary->Slice(1)));
    changed = true;
  }
  if (!changed) return batch;
  return arrow::RecordBatch::Make(batch->schema(), batch->num_rows(), std::move(arrays));
}

}  // namespace arrow_sus::cache
