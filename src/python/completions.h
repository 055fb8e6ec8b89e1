// Work finished on Arrow's pools, handed to an asyncio event loop without the GIL.
//
// A pool thread never takes the GIL to give Python a result: it would stall the pool behind the
// interpreter, and taking the GIL while the interpreter shuts down aborts the process. The outcome
// is kept in a Pending<T> instead and a token is posted to a CompletionQueue, whose eventfd the
// loop watches (loop.add_reader); on its own thread the loop drains the tokens and takes each
// outcome (arrow_sus/_aio_loop.py). One queue serves every operation of a loop, however many.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <arrow/result.h>
#include <arrow/util/future.h>

#include "python/bindings.h"

namespace arrow_sus::python {

// Made by Make() and shared with the pools' callbacks as a C++ owner (enable_shared_from_this: a
// queue passed back from Python is not owned by the Python object, see io::Source).
class CompletionQueue : public std::enable_shared_from_this<CompletionQueue> {
 public:
  static arrow::Result<std::shared_ptr<CompletionQueue>> Make();
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  // The eventfd the loop watches: readable while tokens wait.
  int fileno() const { return fd_; }
  // From any thread, without the GIL.
  void Post(uint64_t token);
  // The tokens posted since the last drain (the eventfd is read empty).
  std::vector<uint64_t> Drain();

 private:
  explicit CompletionQueue(int fd) : fd_(fd) {}
  int fd_;
  std::mutex mutex_;
  std::vector<uint64_t> tokens_;
};

// The outcome of one asynchronous operation, set by a pool thread and taken by the loop.
template <typename T>
class Pending {
 public:
  void Set(arrow::Result<T> outcome) {
    std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
  }
  // The outcome, once: an error if it has not come yet or was taken already.
  arrow::Result<T> Take() {
    std::lock_guard lock(mutex_);
    if (!outcome_) return arrow::Status::Invalid("no outcome to take: wait for its token");
    arrow::Result<T> outcome = std::move(*outcome_);
    outcome_.reset();
    return outcome;
  }

 private:
  std::mutex mutex_;
  std::optional<arrow::Result<T>> outcome_;
};

// Keeps what `future` finishes with in a new Pending and posts `token` once it is there.
template <typename T>
std::shared_ptr<Pending<T>> Announce(const arrow::Future<T>& future,
                                     std::shared_ptr<CompletionQueue> queue, uint64_t token) {
  auto pending = std::make_shared<Pending<T>>();
  future.AddCallback([pending, queue = std::move(queue), token](const arrow::Result<T>& outcome) {
    pending->Set(outcome);
    queue->Post(token);
  });
  return pending;
}

using PendingBatch = Pending<std::shared_ptr<arrow::RecordBatch>>;
using PendingStatus = Pending<arrow::internal::Empty>;

}  // namespace arrow_sus::python
