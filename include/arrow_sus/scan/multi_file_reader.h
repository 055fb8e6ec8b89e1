// Reads many files as one stream of record batches, several files at a time, in bounded memory.
//
// A scan over a dataset is a list of files; each file is opened by a task that returns its own
// arrow::RecordBatchReader (a DBC decoded on the fly, a cached Parquet file...). MultiFileReader
// keeps up to `max_concurrent_files` files open at once, each buffering at most
// `max_buffered_batches_per_file` batches, so memory is bounded by
//   max_concurrent_files × max_buffered_batches_per_file × batch size
// whatever the number and size of the files. Files read ahead of a reader's current one also
// count against a budget shared by every reader of the process (ReadAheadLimit()), so that many
// readers at once hold one open file each plus the shared read-ahead. With `ordered` the batches
// come out in task order (file by file, each file's batches in order); otherwise a batch is
// delivered as soon as any file has one ready.
//
// Threads: opening a file and reading its batches block (downloads, disk, waits for the blocks the
// DBF reader converts on Arrow's CPU pool), so they run as steps on Arrow's IO thread pool, as
// Arrow's own readers do: a step opens a file or reads batches until the file's buffer is full,
// then gives the thread back; the consumer schedules the next step when it frees room. No pool
// thread ever waits for the consumer, and a step still queued when the consumer needs its batch
// (the pool busy elsewhere) is run by the consumer itself, so the scan progresses whatever the
// pool's size. Without threads (`use_threads = false`) every step runs on the consumer's thread,
// one file after the other.
//
// Asynchronous consumers (an event loop) call ReadNextAsync instead: its future is finished by the
// pool step that produces the batch, so no thread waits for the consumer nor for the steps. Both
// ways read the same buffers under the same bounds; a slow consumer holds at most the buffered
// batches.
//
// Closing the reader (or destroying it) cancels the work: the stop token handed to every task is
// triggered, no new step starts, and Close() returns once the running steps have finished and the
// open files are closed (CloseAsync: its future finishes then, nobody waiting).
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
#include <arrow/util/future.h>
#include <arrow/util/type_fwd.h>

namespace arrow_sus::scan {

struct FileTask {
  // Shown in errors and progress (usually the server path of the file).
  std::string name;
  // Opens the file's batch reader. Runs on a pool thread (or the consumer's); long operations
  // should poll `stop`.
  std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
      const arrow::StopToken& stop)>
      open;
};

struct MultiFileReaderOptions {
  // Files read at the same time (0: one per hardware thread, at least 2 so I/O overlaps decoding).
  int max_concurrent_files = 0;
  // Batches a file may have decoded ahead of the consumer.
  int max_buffered_batches_per_file = 2;
  // Deliver batches in file order (deterministic output) rather than as soon as they are ready.
  bool ordered = true;
  // Run the files' steps on `executor` (nullptr: Arrow's IO thread pool); false: on the consumer's
  // thread, serially.
  bool use_threads = true;
  arrow::internal::Executor* executor = nullptr;
};

// Counters updated by the steps while the scan runs; safe to read from any thread.
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
  // Cancels outstanding work and waits for the running steps. Idempotent.
  arrow::Status Close() override;

  // The next batch (nullptr at the end) without waiting: the future is finished by the step that
  // produces it, on a pool thread, or is returned finished when a batch is ready. One read at a
  // time: reading again before the future finished is an error. Without threads the read runs on
  // the caller's thread and the future is returned finished.
  arrow::Future<std::shared_ptr<arrow::RecordBatch>> ReadNextAsync();
  // Close() without waiting: the future finishes once the running steps have ended and the open
  // files are closed; a pending ReadNextAsync finishes at once, at the end of the stream.
  arrow::Future<> CloseAsync();

  const MultiFileProgress& progress() const;

  // Files read ahead of their reader's current file, across every reader of the process (twice the
  // cores, at least 4): a reader's current file never waits for it.
  static int ReadAheadLimit();

  class Impl;

 private:
  explicit MultiFileReader(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the steps queued on the pool
};

}  // namespace arrow_sus::scan
