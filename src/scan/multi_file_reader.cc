#include "arrow_sus/scan/multi_file_reader.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <arrow/io/interfaces.h>
#include <arrow/type.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {

namespace {

// Adds the file name to an error that does not name it yet.
arrow::Status NameFile(const arrow::Status& status, const std::string& name) {
  if (GetErrorDetail(status) != nullptr) return WithFile(status, name);
  if (status.message().find(name) != std::string::npos) return status;
  return status.WithMessage(name + ": " + status.message());
}

// How long a queued step may wait for a pool thread before the waiting consumer runs it itself.
constexpr auto kRunQueuedStepAfter = std::chrono::milliseconds(20);

// Files read ahead of their reader's current file, counted across every reader of the process. A
// reader alone reads ahead as far as its options allow; hundreds at once (async streams) share
// these, so memory grows with the number of readers by one open file each, not by
// max_concurrent_files each. The current file never waits for the budget: a reader always
// progresses, whatever the others hold.
class ReadAheadBudget {
 public:
  static ReadAheadBudget& Global() {
    static ReadAheadBudget budget(
        2 * static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
    return budget;
  }
  int limit() const { return limit_; }
  bool TryAcquire() {
    int used = used_.load(std::memory_order_relaxed);
    while (used < limit_) {
      if (used_.compare_exchange_weak(used, used + 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }
  void Release() { used_.fetch_sub(1, std::memory_order_acq_rel); }

 private:
  explicit ReadAheadBudget(int limit) : limit_(limit) {}
  const int limit_;
  std::atomic<int> used_{0};
};

}  // namespace

class MultiFileReader::Impl : public std::enable_shared_from_this<Impl> {
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
    if (!options_.use_threads) {
      options_.max_concurrent_files = 1;  // serial: one file after the other
    } else {
      executor_ = options_.executor != nullptr ? options_.executor
                                               : arrow::io::default_io_context().executor();
    }
  }

  ~Impl() { Stop(); }

  const std::shared_ptr<arrow::Schema>& schema() const { return schema_; }
  const MultiFileProgress& progress() const { return progress_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) {
    std::unique_lock lock(mutex_);
    while (true) {
      switch (TakeLocked(out)) {
        case Take::kBatch:
        case Take::kEnd:
          return arrow::Status::OK();
        case Take::kError: {
          arrow::Status error = final_status_;
          lock.unlock();
          Stop();
          return error;
        }
        case Take::kWait:
          break;
      }
      if (executor_ != nullptr &&
          consumer_cv_.wait_for(lock, kRunQueuedStepAfter) == std::cv_status::no_timeout) {
        continue;
      }
      // Nothing arrived: run a step the pool has not started (all of them without threads).
      const auto now = std::chrono::steady_clock::now();
      for (size_t i = next_unconsumed_; i < WindowEndLocked(); ++i) {
        Slot& slot = slots_[i];
        if (slot.queued && !slot.running &&
            (executor_ == nullptr || now - slot.queued_at >= kRunQueuedStepAfter)) {
          RunStepLocked(lock, i);
          break;
        }
      }
    }
  }

  arrow::Future<std::shared_ptr<arrow::RecordBatch>> ReadNextAsync() {
    using BatchFuture = arrow::Future<std::shared_ptr<arrow::RecordBatch>>;
    std::shared_ptr<arrow::RecordBatch> batch;
    if (executor_ == nullptr) {  // no pool: the steps run here
      arrow::Status status = ReadNext(&batch);
      return status.ok() ? BatchFuture::MakeFinished(std::move(batch))
                         : BatchFuture::MakeFinished(std::move(status));
    }
    std::unique_lock lock(mutex_);
    if (pending_.is_valid()) {
      return BatchFuture::MakeFinished(
          arrow::Status::Invalid("a read is pending: wait for its future before reading again"));
    }
    switch (TakeLocked(&batch)) {
      case Take::kBatch:
      case Take::kEnd:
        return BatchFuture::MakeFinished(std::move(batch));
      case Take::kError: {
        arrow::Status error = final_status_;
        lock.unlock();
        ARROW_UNUSED(StopAsync());
        return BatchFuture::MakeFinished(std::move(error));
      }
      case Take::kWait:
        break;
    }
    pending_ = BatchFuture::Make();
    return pending_;
  }

  void Stop() { StopAsync().Wait(); }

  // Stops the work: no new step starts, the running ones see their stop token; whoever finds no
  // step running any more (this call or the last step) closes the open files and finishes the
  // future.
  arrow::Future<> StopAsync() {
    arrow::Future<std::shared_ptr<arrow::RecordBatch>> pending;
    std::unique_lock lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      stopped_ = arrow::Future<>::Make();
      stop_source_.RequestStop();
      consumer_cv_.notify_all();
      pending = std::exchange(pending_, {});
    }
    arrow::Future<> stopped = stopped_;
    if (running_ == 0) CleanUpLocked(lock);
    lock.unlock();
    // A pending read ends with the stream.
    if (pending.is_valid()) pending.MarkFinished(std::shared_ptr<arrow::RecordBatch>{});
    return stopped;
  }

 private:
  // What the consumer may have now.
  enum class Take { kBatch, kEnd, kError, kWait };
  struct Slot {
    std::string name;
    std::shared_ptr<arrow::RecordBatchReader> reader;  // open between the first and last step
    std::deque<std::shared_ptr<arrow::RecordBatch>> batches;
    bool queued = false;   // a step waits to run
    bool running = false;  // a step runs (one at a time per file)
    std::chrono::steady_clock::time_point queued_at;
    bool finished = false;
    bool consumed = false;
    bool read_ahead = false;  // started beyond the reader's current file: holds a budget place
    arrow::Status error;
  };

  // What one step did without the lock held.
  struct StepResult {
    arrow::Status status;
    std::shared_ptr<arrow::RecordBatch> batch;
    bool end = false;
  };

  // The files the consumer may take from: only the current one when ordered, any started one
  // otherwise.
  size_t WindowEndLocked() const {
    return std::min(options_.ordered ? next_unconsumed_ + 1 : next_task_, slots_.size());
  }

  // Takes the next batch the consumer may have (`out`), or says that the stream ended (`out`
  // nullptr), failed (final_status_) or has nothing ready yet (its steps are scheduled).
  Take TakeLocked(std::shared_ptr<arrow::RecordBatch>* out) {
    *out = nullptr;
    if (!final_status_.ok()) return Take::kError;
    while (true) {
      if (consumed_files_ == slots_.size() || stopping_) return Take::kEnd;
      ScheduleLocked();
      bool file_finished = false;
      for (size_t i = next_unconsumed_; i < WindowEndLocked() && !file_finished; ++i) {
        Slot& slot = slots_[i];
        if (slot.consumed) continue;
        if (!slot.batches.empty()) {
          *out = std::move(slot.batches.front());
          slot.batches.pop_front();
          if (slot.finished && slot.error.ok() && slot.batches.empty()) MarkConsumedLocked(i);
          ScheduleLocked();  // room freed: the file (or the next one) reads on
          return Take::kBatch;
        }
        if (!slot.finished) continue;
        if (!slot.error.ok()) {
          final_status_ = NameFile(slot.error, slot.name);
          return Take::kError;
        }
        MarkConsumedLocked(i);
        file_finished = true;  // the window moved: look again before waiting
      }
      if (!file_finished) return Take::kWait;
    }
  }

  // A step changed what the consumer may have: a pending asynchronous read gets it. The future's
  // callbacks run here, on the step's thread, without the lock (they may read again).
  void ServePendingLocked(std::unique_lock<std::mutex>& lock) {
    if (!pending_.is_valid()) return;
    std::shared_ptr<arrow::RecordBatch> batch;
    const Take take = TakeLocked(&batch);
    if (take == Take::kWait) return;
    auto pending = std::exchange(pending_, {});
    arrow::Status error = take == Take::kError ? final_status_ : arrow::Status::OK();
    lock.unlock();
    if (error.ok()) {
      pending.MarkFinished(std::move(batch));
    } else {
      ARROW_UNUSED(StopAsync());
      pending.MarkFinished(std::move(error));
    }
    lock.lock();
  }

  // Stopping and no step running: closes the open files and releases the openers, once.
  void CleanUpLocked(std::unique_lock<std::mutex>& lock) {
    if (cleaning_) return;
    cleaning_ = true;
    std::vector<std::shared_ptr<arrow::RecordBatchReader>> open_readers;
    for (Slot& slot : slots_) {
      if (slot.reader != nullptr) open_readers.push_back(std::move(slot.reader));
      slot.batches.clear();
      ReleaseReadAheadLocked(slot);
    }
    // A step still queued keeps this object alive: the openers and what they own go now.
    std::vector<FileTask> tasks = std::move(tasks_);
    arrow::Future<> stopped = stopped_;
    lock.unlock();
    for (const auto& reader : open_readers) ARROW_UNUSED(reader->Close());
    open_readers.clear();
    tasks.clear();
    stopped.MarkFinished();
    lock.lock();
  }

  void MarkConsumedLocked(size_t index) {
    ReleaseReadAheadLocked(slots_[index]);
    slots_[index].consumed = true;
    ++consumed_files_;
    while (next_unconsumed_ < slots_.size() && slots_[next_unconsumed_].consumed)
      ++next_unconsumed_;
  }

  // Starts files while fewer than max_concurrent_files hold a place (open, or finished with
  // batches not yet taken: a file read ahead keeps its place until its batches are consumed, so the
  // batches held stay bounded whatever the number of files), and queues a step for every file with
  // room in its buffer.
  void ScheduleLocked() {
    if (stopping_) return;
    size_t holding = 0;
    for (size_t i = next_unconsumed_; i < next_task_; ++i) {
      Slot& slot = slots_[i];
      if (!slot.consumed && !(slot.finished && slot.batches.empty())) {
        ++holding;
      } else {
        ReleaseReadAheadLocked(slot);
      }
    }
    while (holding < static_cast<size_t>(options_.max_concurrent_files) &&
           next_task_ < slots_.size()) {
      // Beyond the first file holding a place, a file is read ahead: only within the budget.
      const bool read_ahead = holding > 0;
      if (read_ahead && !ReadAheadBudget::Global().TryAcquire()) break;
      slots_[next_task_].read_ahead = read_ahead;
      slots_[next_task_].name = tasks_[next_task_].name;
      ++next_task_;
      ++holding;
    }
    for (size_t i = next_unconsumed_; i < next_task_; ++i) {
      Slot& slot = slots_[i];
      if (slot.finished || slot.queued || slot.running ||
          slot.batches.size() >= static_cast<size_t>(options_.max_buffered_batches_per_file))
        continue;
      slot.queued = true;
      slot.queued_at = std::chrono::steady_clock::now();
      if (executor_ == nullptr) continue;  // the consumer runs it
      // A refused spawn (the pool shutting down) leaves the step to the consumer.
      ARROW_UNUSED(executor_->Spawn([weak = weak_from_this(), i] {
        if (auto self = weak.lock()) self->RunQueuedStep(i);
      }));
    }
  }

  void ReleaseReadAheadLocked(Slot& slot) {
    if (!slot.read_ahead) return;
    slot.read_ahead = false;
    ReadAheadBudget::Global().Release();
  }

  void RunQueuedStep(size_t index) {
    std::unique_lock lock(mutex_);
    const Slot& slot = slots_[index];
    if (stopping_ || !slot.queued || slot.running) return;  // run by the consumer already
    RunStepLocked(lock, index);
  }

  // Opens the file, or reads its batches until its buffer is full; `lock` is released meanwhile.
  void RunStepLocked(std::unique_lock<std::mutex>& lock, size_t index) {
    Slot& slot = slots_[index];
    slot.queued = false;
    slot.running = true;
    ++running_;
    while (!stopping_ && !slot.finished &&
           slot.batches.size() < static_cast<size_t>(options_.max_buffered_batches_per_file)) {
      std::shared_ptr<arrow::RecordBatchReader> reader = slot.reader;
      const FileTask* task = reader == nullptr ? &tasks_[index] : nullptr;
      lock.unlock();
      StepResult result = task != nullptr ? Open(*task, &reader) : ReadOne(*reader);
      lock.lock();
      slot.reader = std::move(reader);
      if (result.status.ok() && result.batch != nullptr) {
        slot.batches.push_back(std::move(result.batch));
      } else if (!result.status.ok() || result.end) {
        FinishLocked(lock, slot, result.status);
      }
      consumer_cv_.notify_all();
      ServePendingLocked(lock);
    }
    slot.running = false;
    --running_;
    ScheduleLocked();
    consumer_cv_.notify_all();
    if (stopping_ && running_ == 0) CleanUpLocked(lock);
  }

  StepResult Open(const FileTask& task, std::shared_ptr<arrow::RecordBatchReader>* reader) {
    progress_.files_started.fetch_add(1, std::memory_order_relaxed);
    auto opened = task.open(stop_source_.token());
    if (!opened.ok()) return {.status = opened.status()};
    *reader = std::move(*opened);
    return {};
  }

  StepResult ReadOne(arrow::RecordBatchReader& reader) {
    StepResult result;
    result.status = reader.ReadNext(&result.batch);
    if (!result.status.ok()) return result;
    if (result.batch == nullptr) {
      result.end = true;
      return result;
    }
    if (!result.batch->schema()->Equals(*schema_, /*check_metadata=*/false)) {
      result.status = arrow::Status::Invalid("batch schema ", result.batch->schema()->ToString(),
                                             " differs from the scan schema ", schema_->ToString());
      result.batch = nullptr;
      return result;
    }
    progress_.batches.fetch_add(1, std::memory_order_relaxed);
    progress_.rows.fetch_add(result.batch->num_rows(), std::memory_order_relaxed);
    return result;
  }

  // The file ended (`status` its error, if any): its reader is closed (which may report an error
  // of its own, e.g. a cache write that failed) without the lock held.
  void FinishLocked(std::unique_lock<std::mutex>& lock, Slot& slot, arrow::Status status) {
    std::shared_ptr<arrow::RecordBatchReader> reader = std::move(slot.reader);
    if (reader != nullptr) {
      lock.unlock();
      arrow::Status closed = reader->Close();
      reader.reset();
      lock.lock();
      if (status.ok()) status = closed;
    }
    slot.finished = true;
    slot.error = std::move(status);
    progress_.files_done.fetch_add(1, std::memory_order_relaxed);
  }

  std::shared_ptr<arrow::Schema> schema_;
  std::vector<FileTask> tasks_;
  MultiFileReaderOptions options_;
  arrow::internal::Executor* executor_ = nullptr;  // nullptr: steps run on the consumer's thread
  MultiFileProgress progress_;
  arrow::StopSource stop_source_;

  std::mutex mutex_;
  // A batch arrived, a file finished, a step ended or the reader stopped (synchronous reads).
  std::condition_variable consumer_cv_;
  std::vector<Slot> slots_;
  size_t next_task_ = 0;        // files started: [0, next_task_)
  size_t next_unconsumed_ = 0;  // first file the consumer has not finished
  size_t consumed_files_ = 0;
  int running_ = 0;  // steps running now
  bool stopping_ = false;
  bool cleaning_ = false;    // the open files are being (or have been) closed
  arrow::Future<> stopped_;  // valid once stopping: finished when the work has ended
  arrow::Future<std::shared_ptr<arrow::RecordBatch>> pending_;  // an asynchronous read waiting
  arrow::Status final_status_;
};

MultiFileReader::MultiFileReader(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

// Steps still queued on the pool may hold the state a little longer; the work ends here.
MultiFileReader::~MultiFileReader() { impl_->Stop(); }

arrow::Result<std::shared_ptr<MultiFileReader>> MultiFileReader::Make(
    std::shared_ptr<arrow::Schema> schema, std::vector<FileTask> tasks,
    MultiFileReaderOptions options) {
  if (schema == nullptr) return arrow::Status::Invalid("MultiFileReader needs a schema");
  for (const FileTask& task : tasks) {
    if (!task.open) return arrow::Status::Invalid("file task '", task.name, "' has no opener");
  }
  return std::shared_ptr<MultiFileReader>(
      new MultiFileReader(std::make_shared<Impl>(std::move(schema), std::move(tasks), options)));
}

std::shared_ptr<arrow::Schema> MultiFileReader::schema() const { return impl_->schema(); }

arrow::Status MultiFileReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  return impl_->ReadNext(batch);
}

arrow::Status MultiFileReader::Close() {
  impl_->Stop();
  return arrow::Status::OK();
}

arrow::Future<std::shared_ptr<arrow::RecordBatch>> MultiFileReader::ReadNextAsync() {
  return impl_->ReadNextAsync();
}

arrow::Future<> MultiFileReader::CloseAsync() { return impl_->StopAsync(); }

const MultiFileProgress& MultiFileReader::progress() const { return impl_->progress(); }

int MultiFileReader::ReadAheadLimit() { return ReadAheadBudget::Global().limit(); }

}  // namespace arrow_sus::scan
