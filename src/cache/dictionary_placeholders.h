// Dictionary columns in the converted cache's Arrow IPC files.
//
// A file's coded columns carry one dictionary each that grows as new codes appear (the meaning
// stage's unifier), which Arrow's IPC file writer stores as deltas. It cannot store growth from an
// empty dictionary, though (a delta from offset 0 reads to it as a replacement, which IPC files
// forbid), and a column whose first batch is all null (DIAGSEC2 of most SIH files) has one. Such a
// column is written with a null entry in front of its dictionary and its indices shifted by one;
// reading removes it. No index points at that entry, and codes are never null dictionary entries,
// so a null first entry marks the placeholder by itself.
#pragma once

#include <memory>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus::cache {

// The batches of one file as they are written: call once per batch, in order. Null when the
// batch is written as it is.
class DictionaryPlaceholders {
 public:
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> ForWriting(const arrow::RecordBatch& batch);

 private:
  struct Column {
    bool decided = false;                   // the first batch has been seen
    bool placeholder = false;               // its first dictionary was empty
    std::shared_ptr<arrow::Array> source;   // the last dictionary given
    std::shared_ptr<arrow::Array> written;  // null + source
  };
  std::vector<Column> columns_;
};

// A batch read from a cached IPC file without the placeholders (unchanged when it has none).
// Indices out of their dictionary's range are an error (a damaged file), not a wild read.
arrow::Result<std::shared_ptr<arrow::RecordBatch>> WithoutPlaceholders(
    const std::shared_ptr<arrow::RecordBatch>& batch);

}  // namespace arrow_sus::cache
