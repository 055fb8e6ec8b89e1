// Reads many files as one stream of record batches, several files at a time, in bounded memory.
//
// A scan over a dataset is a list of files; each file is opened by a task that returns its own
// arrow::RecordBatchReader (a DBC decoded on the fly, a cached Parquet file...). MultiFileReader
// runs up to `max_concurrent_files` tasks at once on its own threads, each buffering at most
// `max_buffered_batches_per_file` batches, so memory is bounded by
//   max_concurrent_files × max_buffered_batches_per_file × batch size
// whatever the number and size of the files. With `ordered` the batches come out in task order
// (file by file, each file's batches in order); otherwise a batch is delivered as soon as any file
// has one ready.
//
// Closing the reader (or destroying it) cancels the work: the stop token handed to every task is
// triggered, workers stop between batches, and Close() returns once every thread has finished.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/util/cancel.h>

namespace arrow_sus::scan {

struct FileTask {
  // Shown in errors and progress (usually the server path of the file).
  std::string name;
  // Opens the file's batch reader. Runs on a worker thread; long operations should poll `stop`.
  std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
      const arrow::StopToken& stop)>
      open;
};

struct MultiFileReaderOptions {
  // Files read at the same time (0: one per hardware thread, at least 2 so I/O overlaps decoding).
  int max_concurrent_files = 0;
  // Batches a file may have decoded ahead of the consumer.
  int max_buffered_batches_per_file = 4;
  // Deliver batches in file order (deterministic output) rather than as soon as they are ready.
  bool ordered = true;
};

// Counters updated by the workers while the scan runs; safe to read from any thread.
struct MultiFileProgress {
  std::atomic<int64_t> files_started{0};
  std::atomic<int64_t> files_done{0};
  std::atomic<int64_t> batches{0};
  std::atomic<int64_t> rows{0};
};

class MultiFileReader : public arrow::RecordBatchReader {
 public:
  // Every batch a task yields must have `schema` (callers conform files to the unified schema
  // first).
  static arrow::Result<std::shared_ptr<MultiFileReader>> Make(std::shared_ptr<arrow::Schema> schema,
                                                              std::vector<FileTask> tasks,
                                                              MultiFileReaderOptions options = {});
  ~MultiFileReader() override;

  std::shared_ptr<arrow::Schema> schema() const override;
  // The next batch, or nullptr at the end. A failing file ends the stream with its error, the file
  // name added to the message.
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  // Cancels outstanding work and waits for the worker threads. Idempotent.
  arrow::Status Close() override;

  const MultiFileProgress& progress() const;

  class Impl;

 private:
  explicit MultiFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_sus::scan
