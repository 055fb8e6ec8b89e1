#include "arrow_sus/scan/multi_file_reader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include <arrow/type.h>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {

namespace {

// Adds the file name to an error that does not name it yet.
arrow::Status NameFile(const arrow::Status& status, const std::string& name) {
  if (GetErrorDetail(status) != nullptr) return WithFile(status, name);
  if (status.message().find(name) != std::string::npos) return status;
  return status.WithMessage(name + ": " + status.message());
}

}  // namespace

class MultiFileReader::Impl {
 public:
  Impl(std::shared_ptr<arrow::Schema> schema, std::vector<FileTask> tasks,
       MultiFileReaderOptions options)
      : schema_(std::move(schema)),
        tasks_(std::move(tasks)),
        options_(options),
        slots_(tasks_.size()) {
    if (options_.max_concurrent_files <= 0) {
      options_.max_concurrent_files = std::max(2u, std::thread::hardware_concurrency());
    }
    options_.max_buffered_batches_per_file = std::max(1, options_.max_buffered_batches_per_file);
  }

  ~Impl() { Stop(); }

  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const MultiFileProgress& progress() const { return progress_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
    std::unique_lock lock(mutex_);
    if (!final_status_.ok()) return final_status_;
    StartWorkersLocked();
    while (true) {
      if (consumed_files_ == tasks_.size() || stopping_) {
        *out = nullptr;
        return arrow::Status::OK();
      }
      // The files the consumer may take from: only the current one when ordered, any started one
      // otherwise.
      size_t window_end = options_.ordered ? next_unconsumed_ + 1 : next_task_;
      window_end = std::min(window_end, tasks_.size());
      bool file_finished = false;
      for (size_t i = next_unconsumed_; i < window_end && !file_finished; ++i) {
        Slot& slot = slots_[i];
        if (slot.consumed) continue;
        if (!slot.batches.empty()) {
          *out = std::move(slot.batches.front());
          slot.batches.pop_front();
          producer_cv_.notify_all();
          return arrow::Status::OK();
        }
        if (!slot.finished) continue;
        if (!slot.error.ok()) {
          final_status_ = NameFile(slot.error, tasks_[i].name);
          lock.unlock();
          Stop();
          return final_status_;
        }
        MarkConsumedLocked(i);
        file_finished = true;  // the window moved: look again before waiting
      }
      if (!file_finished) consumer_cv_.wait(lock);
    }
  }

  void Stop() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && workers_.empty()) return;
      stopping_ = true;
    }
    stop_source_.RequestStop();
    producer_cv_.notify_all();
    consumer_cv_.notify_all();
    for (std::thread& worker : workers_) {
      if (worker.joinable()) worker.join();
    }
    std::lock_guard lock(mutex_);
    workers_.clear();
    for (Slot& slot : slots_) slot.batches.clear();
  }

 private:
  struct Slot {
    std::deque<std::shared_ptr<arrow::RecordBatch>> batches;
    bool finished = false;
    bool consumed = false;
    arrow::Status error;
  };

  void MarkConsumedLocked(size_t index) {
    slots_[index].consumed = true;
    ++consumed_files_;
    while (next_unconsumed_ < tasks_.size() && slots_[next_unconsumed_].consumed)
      ++next_unconsumed_;
  }

  void StartWorkersLocked() {
    if (started_) return;
    started_ = true;
    size_t count = std::min<size_t>(options_.max_concurrent_files, tasks_.size());
    for (size_t i = 0; i < count; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void WorkerLoop() {
    while (true) {
      size_t index;
      {
        std::lock_guard lock(mutex_);
        if (stopping_ || next_task_ >= tasks_.size()) return;
        index = next_task_++;
      }
      arrow::Status status = RunTask(index);
      std::lock_guard lock(mutex_);
      slots_[index].finished = true;
      slots_[index].error = std::move(status);
      progress_.files_done.fetch_add(1, std::memory_order_relaxed);
      consumer_cv_.notify_all();
    }
  }

  arrow::Status RunTask(size_t index) {
    progress_.files_started.fetch_add(1, std::memory_order_relaxed);
    arrow::StopToken stop = stop_source_.token();
    ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::RecordBatchReader> reader,
                          tasks_[index].open(stop));
    while (true) {
      if (stop.IsStopRequested()) break;
      std::shared_ptr<arrow::RecordBatch> batch;
      ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
      if (batch == nullptr) break;
      if (!batch->schema()->Equals(*schema_, /*check_metadata=*/false)) {
        return arrow::Status::Invalid("batch schema ", batch->schema()->ToString(),
                                      " differs from the scan schema ", schema_->ToString());
      }
      progress_.batches.fetch_add(1, std::memory_order_relaxed);
      progress_.rows.fetch_add(batch->num_rows(), std::memory_order_relaxed);
      std::unique_lock lock(mutex_);
      Slot& slot = slots_[index];
      producer_cv_.wait(lock, [&] {
        return stopping_ ||
               slot.batches.size() < static_cast<size_t>(options_.max_buffered_batches_per_file);
      });
      if (stopping_) break;
      slot.batches.push_back(std::move(batch));
      consumer_cv_.notify_all();
    }
    return reader->Close();
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<FileTask> tasks_;
  MultiFileReaderOptions options_;
  MultiFileProgress progress_;
  arrow::StopSource stop_source_;

  std::mutex mutex_;
  std::condition_variable consumer_cv_;  // a batch arrived or a file finished
  std::condition_variable producer_cv_;  // a buffer slot was freed, or stop
  std::vector<Slot> slots_;
  std::vector<std::thread> workers_;
  size_t next_task_ = 0;        // next file a worker will take
  size_t next_unconsumed_ = 0;  // first file the consumer has not finished
  size_t consumed_files_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  arrow::Status final_status_;
};

MultiFileReader::MultiFileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MultiFileReader::~MultiFileReader() = default;

arrow::Result<std::shared_ptr<MultiFileReader>> MultiFileReader::Make(
    std::shared_ptr<arrow::Schema> schema, std::vector<FileTask> tasks,
    MultiFileReaderOptions options) {
  if (schema == nullptr) return arrow::Status::Invalid("MultiFileReader needs a schema");
  for (const FileTask& task : tasks) {
    if (!task.open) return arrow::Status::Invalid("file task '", task.name, "' has no opener");
  }
  return std::shared_ptr<MultiFileReader>(
      new MultiFileReader(std::make_unique<Impl>(std::move(schema), std::move(tasks), options)));
}

std::shared_ptr<arrow::Schema> MultiFileReader::schema() const { return impl_->schema(); }

arrow::Status MultiFileReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  return impl_->ReadNext(batch);
}

arrow::Status MultiFileReader::Close() {
  impl_->Stop();
  return arrow::Status::OK();
}

const MultiFileProgress& MultiFileReader::progress() const { return impl_->progress(); }

}  // namespace arrow_sus::scan
