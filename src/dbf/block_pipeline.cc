#include "dbf/block_pipeline.h"

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include <arrow/util/thread_pool.h>

namespace arrow_sus::dbf::internal {

namespace {

// Block buffers kept for reuse: enough for the blocks in flight on a few cores.
constexpr size_t kMaxSpareBuffers = 4;

// A range of a block's columns offered to the pool. Whoever takes it first converts it: a pool
// thread, or the thread that offered it once its own range is done, so nobody waits for a task
// that has not started (the pool's threads may all be busy, or waiting on the decoding lock).
class ColumnRange {
 public:
  ColumnRange(BlockConversion* conversion, int first, int last)
      : conversion_(conversion), first_(first), last_(last) {}

  void ConvertUnlessTaken() {
    if (taken_.exchange(true, std::memory_order_acq_rel)) return;
    outcome_ = conversion_->ConvertColumns(first_, last_);
    done_.store(true, std::memory_order_release);
    done_.notify_all();
  }

  // After ConvertUnlessTaken() on the offering thread: waits for a range another thread took.
  const BlockConversion::Outcome& Wait() {
    done_.wait(false, std::memory_order_acquire);
    return outcome_;
  }

 private:
  BlockConversion* const conversion_;  // alive until Wait() returns (not touched if not taken)
  const int first_, last_;
  std::atomic<bool> taken_{false};
  std::atomic<bool> done_{false};
  BlockConversion::Outcome outcome_;
};

}  // namespace

std::shared_ptr<BlockPipeline> BlockPipeline::Make(std::unique_ptr<RecordBlockReader> blocks,
                                                   std::shared_ptr<const BlockProcessor> processor,
                                                   int max_in_flight) {
  return std::shared_ptr<BlockPipeline>(
      new BlockPipeline(std::move(blocks), std::move(processor), max_in_flight));
}

BlockPipeline::BlockPipeline(std::unique_ptr<RecordBlockReader> blocks,
                             std::shared_ptr<const BlockProcessor> processor, int max_in_flight)
    : processor_(std::move(processor)),
      max_in_flight_(max_in_flight),
      last_block_ranges_(max_in_flight > 0 ? arrow::internal::GetCpuThreadPool()->GetCapacity()
                                           : 1),
      blocks_(std::move(blocks)) {}

std::shared_ptr<arrow::ResizableBuffer> BlockPipeline::TakeSpareBuffer() {
  std::lock_guard lock(spare_mutex_);
  if (spare_buffers_.empty()) return nullptr;
  auto buffer = std::move(spare_buffers_.back());
  spare_buffers_.pop_back();
  return buffer;
}

void BlockPipeline::Recycle(std::shared_ptr<arrow::Buffer> records) {
  auto buffer = std::dynamic_pointer_cast<arrow::ResizableBuffer>(std::move(records));
  // A slice of the source is not ours to write into; a buffer held elsewhere is still in use.
  if (buffer == nullptr || buffer.use_count() != 1) return;
  std::lock_guard lock(spare_mutex_);
  if (spare_buffers_.size() < kMaxSpareBuffers) spare_buffers_.push_back(std::move(buffer));
}

arrow::Result<PipelineStep> BlockPipeline::ReadAndProcess(int64_t* sequence) {
  auto spare = TakeSpareBuffer();
  std::optional<RecordBlock> block;
  PipelineStep step;
  bool last_block = false;
  {
    std::lock_guard lock(decode_mutex_);
    if (input_over_ || blocks_ == nullptr) return arrow::Status::Cancelled("no block left to read");
    *sequence = next_sequence_++;
    auto read = blocks_->Next(std::move(spare));
    input_over_ = !read.ok() || !*read;
    if (!read.ok()) return read.status();
    block = std::move(*read);
    step.position = {.records_read = blocks_->records_read(),
                     .eof_marker = blocks_->eof_marker(),
                     .trailing_bytes = blocks_->trailing_bytes(),
                     .truncation = blocks_->truncation()};
    last_block = blocks_->at_header_count();
  }
  if (!block) return step;
  const bool split = last_block && last_block_ranges_ > 1 && block->data->size() >= kMinSplitBytes;
  auto processed =
      split ? ProcessInColumnRanges(*block, last_block_ranges_) : processor_->Process(*block);
  block.reset();  // so that the records' buffer has no other owner and can be reused
  if (!processed.ok()) return processed.status();
  Recycle(std::move(processed->records));
  step.block = std::move(*processed);
  return step;
}

arrow::Result<ProcessedBlock> BlockPipeline::ProcessInColumnRanges(const RecordBlock& block,
                                                                   int ranges) const {
  ARROW_ASSIGN_OR_RAISE(auto conversion, processor_->Start(block));
  const int columns = conversion->num_columns();
  ranges = std::max(1, std::min(ranges, columns));
  std::vector<std::shared_ptr<ColumnRange>> offered;
  for (int r = 1; r < ranges; ++r) {
    offered.push_back(std::make_shared<ColumnRange>(conversion.get(), columns * r / ranges,
                                                    columns * (r + 1) / ranges));
    // Not spawned (the pool is shutting down): converted below all the same.
    (void)arrow::internal::GetCpuThreadPool()->Spawn(
        [range = offered.back()] { range->ConvertUnlessTaken(); });
  }
  BlockConversion::Outcome first = conversion->ConvertColumns(0, columns / ranges);
  for (auto& range : offered) range->ConvertUnlessTaken();
  // The error a serial pass would have met first: the earliest tile, then the first column.
  for (auto& range : offered) {
    const BlockConversion::Outcome& outcome = range->Wait();
    if (outcome.failed_tile < first.failed_tile) first = outcome;
  }
  ARROW_RETURN_NOT_OK(first.status);
  return conversion->Finish();
}

void BlockPipeline::RunTask() {
  int64_t sequence = -1;
  auto step = ReadAndProcess(&sequence);
  std::lock_guard lock(results_mutex_);
  if (sequence < 0) return;  // the records were over (or the pipeline closed) before this task
  results_.emplace(sequence, std::move(step));
  result_ready_.notify_all();
}

arrow::Status BlockPipeline::SubmitTasksLocked() {
  auto* pool = arrow::internal::GetCpuThreadPool();
  while (tasks_submitted_ - next_to_hand_out_ < max_in_flight_) {
    ARROW_RETURN_NOT_OK(pool->Spawn([self = shared_from_this()] { self->RunTask(); }));
    ++tasks_submitted_;
  }
  return arrow::Status::OK();
}

arrow::Result<PipelineStep> BlockPipeline::Next() {
  if (max_in_flight_ == 0) {
    int64_t sequence = -1;
    return ReadAndProcess(&sequence);
  }
  arrow::Result<PipelineStep> step;
  {
    std::unique_lock lock(results_mutex_);
    if (ended_) return arrow::Status::Invalid("the block pipeline has ended");
    ARROW_RETURN_NOT_OK(SubmitTasksLocked());
    result_ready_.wait(lock, [&] { return closed_ || results_.count(next_to_hand_out_) > 0; });
    if (closed_) return arrow::Status::Cancelled("the reader was closed");
    auto found = results_.find(next_to_hand_out_);
    step = std::move(found->second);
    results_.erase(found);
    ++next_to_hand_out_;
    ended_ = !step.ok() || !step->block;
  }
  if (!step.ok()) StopReading();  // blocks queued behind a failed one would be read for nothing
  return step;
}

void BlockPipeline::StopReading() {
  std::lock_guard lock(decode_mutex_);
  input_over_ = true;
}

void BlockPipeline::Close() {
  std::unique_ptr<RecordBlockReader> blocks;
  {
    std::lock_guard lock(decode_mutex_);  // waits for a block being read to be read
    blocks = std::move(blocks_);
  }
  blocks.reset();  // the stream (a file, a download) ends here, on the closing thread
  {
    std::lock_guard lock(results_mutex_);
    closed_ = true;
  }
  result_ready_.notify_all();
  std::lock_guard lock(spare_mutex_);
  spare_buffers_.clear();
}

}  // namespace arrow_sus::dbf::internal
