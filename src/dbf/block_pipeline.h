// Record blocks → converted blocks, in file order: serially on the caller's thread, or on Arrow's
// CPU thread pool.
//
// Threaded, each pool task pulls the next block out of the byte stream (one task at a time:
// decompression is sequential) and then converts that block itself, so a block's bytes are
// converted on the core that has just written them and no thread exists only to decompress. With
// two cores, one task decompresses while the other converts, and the roles alternate.
//
// Once the last block is read there is nothing left to decompress, and the other threads would sit
// idle while that block converts: its columns are converted in one range per thread instead.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/result.h>

#include "dbf/block_processor.h"
#include "dbf/record_blocks.h"

namespace arrow_sus::dbf::internal {

// Where the record stream stood after a block was read.
struct StreamPosition {
  int64_t records_read = 0;
  bool eof_marker = false;
  int64_t trailing_bytes = 0;
  arrow::Status truncation;  // RecordBlockReader::truncation()
};

// One step through the file: the next converted block, or none once the records are over.
struct PipelineStep {
  std::optional<ProcessedBlock> block;
  StreamPosition position;
};

// A last block smaller than this converts faster than its column ranges would be handed out.
inline constexpr int64_t kMinSplitBytes = 64 * 1024;

class BlockPipeline : public std::enable_shared_from_this<BlockPipeline> {
 public:
  // max_in_flight 0: serial. Otherwise at most that many blocks are read and not yet handed out
  // (each holds its raw bytes and then its arrays).
  static std::shared_ptr<BlockPipeline> Make(std::unique_ptr<RecordBlockReader> blocks,
                                             std::shared_ptr<const BlockProcessor> processor,
                                             int max_in_flight);

  // The next step in file order. An error ends the pipeline; the blocks before it come first.
  arrow::Result<PipelineStep> Next();

  // Stops reading and releases the byte stream on the calling thread (tasks still queued may
  // outlive the reader, its stream must not). Tasks converting a block finish and drop it; a
  // Next() waiting on another thread returns Cancelled. Idempotent.
  void Close();

 private:
  BlockPipeline(std::unique_ptr<RecordBlockReader> blocks,
                std::shared_ptr<const BlockProcessor> processor, int max_in_flight);

  // Reads one block under the decoding lock, converts it and recycles its bytes.
  arrow::Result<PipelineStep> ReadAndProcess(int64_t* sequence);
  // Converts a block's columns in `ranges` ranges, on the pool's threads and on this one.
  arrow::Result<ProcessedBlock> ProcessInColumnRanges(const RecordBlock& block, int ranges) const;
  // A pool task: one ReadAndProcess, published under its sequence number.
  void RunTask();
  arrow::Status SubmitTasksLocked();
  // No block is read after this (the end is handed out, or an error).
  void StopReading();

  // Block buffers nobody holds any more, for the next blocks to read into.
  std::shared_ptr<arrow::ResizableBuffer> TakeSpareBuffer();
  void Recycle(std::shared_ptr<arrow::Buffer> records);

  const std::shared_ptr<const BlockProcessor> processor_;
  const int max_in_flight_;
  const int last_block_ranges_;  // column ranges the last block is converted in (1: not split)

  std::mutex decode_mutex_;                    // guards blocks_ and what follows
  std::unique_ptr<RecordBlockReader> blocks_;  // null once closed
  int64_t next_sequence_ = 0;                  // of the next block read
  bool input_over_ = false;                    // the end of the records, or an error, was reached

  std::mutex spare_mutex_;  // guards spare_buffers_ (never held with the other two)
  std::vector<std::shared_ptr<arrow::ResizableBuffer>> spare_buffers_;

  std::mutex results_mutex_;  // guards what follows
  std::condition_variable result_ready_;
  std::map<int64_t, arrow::Result<PipelineStep>> results_;  // by sequence, not yet handed out
  int64_t next_to_hand_out_ = 0;
  int64_t tasks_submitted_ = 0;
  bool ended_ = false;   // the last step (end or error) was handed out
  bool closed_ = false;  // Close() was called
};

}  // namespace arrow_sus::dbf::internal
