#include "dbf/block_pipeline.h"

#include <utility>

#include <arrow/util/thread_pool.h>

namespace arrow_sus::dbf::internal {

std::shared_ptr<BlockPipeline> BlockPipeline::Make(RecordBlockReader blocks,
                                                   std::shared_ptr<const BlockProcessor> processor,
                                                   int max_in_flight) {
  return std::shared_ptr<BlockPipeline>(
      new BlockPipeline(std::move(blocks), std::move(processor), max_in_flight));
}

BlockPipeline::BlockPipeline(RecordBlockReader blocks,
                             std::shared_ptr<const BlockProcessor> processor, int max_in_flight)
    : processor_(std::move(processor)), max_in_flight_(max_in_flight), blocks_(std::move(blocks)) {}

arrow::Result<PipelineStep> BlockPipeline::ReadAndProcess(int64_t* sequence) {
  std::optional<RecordBlock> block;
  PipelineStep step;
  {
    std::lock_guard lock(decode_mutex_);
    if (input_over_ || closed_) return arrow::Status::Cancelled("no block left to read");
    *sequence = next_sequence_++;
    auto read = blocks_.Next();
    input_over_ = !read.ok() || !*read;
    if (!read.ok()) return read.status();
    block = std::move(*read);
    step.position = {.records_read = blocks_.records_read(),
                     .eof_marker = blocks_.eof_marker(),
                     .trailing_bytes = blocks_.trailing_bytes()};
  }
  if (!block) return step;
  auto processed = processor_->Process(*block);
  block.reset();  // so that the records' buffer has no other owner and can be recycled
  if (!processed.ok()) return processed.status();
  {
    std::lock_guard lock(decode_mutex_);
    blocks_.Recycle(std::move(processed->records));
  }
  step.block = std::move(*processed);
  return step;
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
  std::unique_lock lock(results_mutex_);
  if (ended_) return arrow::Status::Invalid("the block pipeline has ended");
  ARROW_RETURN_NOT_OK(SubmitTasksLocked());
  result_ready_.wait(lock, [&] { return results_.count(next_to_hand_out_) > 0; });
  auto found = results_.find(next_to_hand_out_);
  arrow::Result<PipelineStep> step = std::move(found->second);
  results_.erase(found);
  ++next_to_hand_out_;
  ended_ = !step.ok() || !step->block;
  return step;
}

void BlockPipeline::Close() {
  std::lock_guard lock(decode_mutex_);
  closed_ = true;
}

}  // namespace arrow_sus::dbf::internal
