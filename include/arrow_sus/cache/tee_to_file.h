// Writing a cache file while a converted file streams past. This is the part every cache file
// format shares: a temporary name, the rename into place once the input is exhausted, the commit
// callback, and the cleanup when the input fails or the reader is dropped early. The formats
// themselves (parquet_files.h, ipc_files.h) only say how to write batches.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <arrow/io/interfaces.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/cache/chunk_checksums.h"
#include "arrow_sus/io/entry_lock.h"

namespace arrow_sus::cache {

// Writes one file's batches in some format; Close finishes the file (footer, buffered data).
class BatchFileWriter {
 public:
  virtual ~BatchFileWriter() = default;
  virtual arrow::Status Write(const arrow::RecordBatch& batch) = 0;
  virtual arrow::Status Close() = 0;
};

// Adapts a format's own writer (Parquet's FileWriter, IPC's RecordBatchWriter: both have
// WriteRecordBatch and Close) held through `WriterPtr` (a unique_ptr or shared_ptr).
template <typename WriterPtr>
class BatchFileWriterOf : public BatchFileWriter {
 public:
  explicit BatchFileWriterOf(WriterPtr writer) : writer_(std::move(writer)) {}
  arrow::Status Write(const arrow::RecordBatch& batch) override {
    return writer_->WriteRecordBatch(batch);
  }
  arrow::Status Close() override { return writer_->Close(); }

 private:
  WriterPtr writer_;
};

// Makes the writer of one format over an open output file, for batches of `schema`.
using BatchFileWriterFactory = std::function<arrow::Result<std::unique_ptr<BatchFileWriter>>(
    std::shared_ptr<arrow::io::OutputStream> sink, const std::shared_ptr<arrow::Schema>& schema)>;

// Records a finished file: its final path and the checksums of its bytes.
using OnTeeComplete =
    std::function<arrow::Status(const std::string& path, const ChunkChecksums& checksums)>;

// Passes `input` through unchanged while writing every batch to `path` with the writer
// `make_writer` makes. The data goes to a temporary file of its own beside `path`
// (io::TemporaryNameFor), checksummed as it is written; only when the input is exhausted is it
// closed, renamed onto `path`, and `on_complete(path, checksums)` called (to record it in the
// cache manifest). If the input fails, or the reader is closed or destroyed before the end, the
// temporary file is removed: no partial file is ever visible under `path`. `lock`, the entry's
// lock, is held until the file is committed or removed.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToFile(
    std::shared_ptr<arrow::RecordBatchReader> input, std::string path,
    const BatchFileWriterFactory& make_writer, io::EntryLock lock, OnTeeComplete on_complete);

}  // namespace arrow_sus::cache
