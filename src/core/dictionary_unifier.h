// One dictionary per column for a stream of batches: the entries met so far, in order, growing as
// new values appear. Arrow IPC files accept growth ("deltas") but no replacement, and consumers
// (Polars, pandas) map each new dictionary again: the meaning stage unifies each file's coded
// columns, the IPC output of `get` its whole stream. A batch whose dictionary is a prefix of the
// unified one keeps its indices; another has them remapped.
#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus {

class DictionaryUnifier {
 public:
  // `columns`: indices of the batches' dictionary columns of strings to unify.
  explicit DictionaryUnifier(std::vector<int> columns);
  ~DictionaryUnifier();

  // The batch with those columns over the unified dictionaries. Errors: more distinct values than
  // the index type holds.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> operator()(
      const std::shared_ptr<arrow::RecordBatch>& batch);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_sus
