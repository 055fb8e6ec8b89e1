#include "python/completions.h"

#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/vector.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <arrow/record_batch.h>

#include "arrow_sus/error.h"
#include "python/c_stream.h"

namespace arrow_sus::python {

arrow::Result<std::shared_ptr<CompletionQueue>> CompletionQueue::Make() {
  const int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    return MakeError(ErrorKind::kIo, {}, std::string("eventfd: ") + std::strerror(errno));
  }
  return std::shared_ptr<CompletionQueue>(new CompletionQueue(fd));
}

CompletionQueue::~CompletionQueue() { close(fd_); }

void CompletionQueue::Post(uint64_t token) {
  {
    std::lock_guard lock(mutex_);
    tokens_.push_back(token);
  }
  const uint64_t one = 1;
  // Fails only when the counter would overflow (2^64 - 2 unread posts): it is readable anyway.
  ARROW_UNUSED(write(fd_, &one, sizeof one));
}

std::vector<uint64_t> CompletionQueue::Drain() {
  uint64_t count;
  ARROW_UNUSED(read(fd_, &count, sizeof count));  // EAGAIN when nothing was posted since
  std::lock_guard lock(mutex_);
  return std::exchange(tokens_, {});
}

void BindCompletions(nb::module_& m) {
  nb::class_<CompletionQueue>(m, "CompletionQueue",
                              "Tokens of finished native operations, announced by an eventfd that "
                              "an event loop watches (arrow_sus._aio_loop).")
      .def("fileno", &CompletionQueue::fileno)
      .def("drain", &CompletionQueue::Drain);
  m.def("completion_queue", [] { return ValueOrThrow(CompletionQueue::Make()); });

  nb::class_<PendingBatch>(m, "PendingBatch", "A batch read without waiting: take() once posted.")
      .def("take", [](PendingBatch& self) -> nb::object {
        std::shared_ptr<arrow::RecordBatch> batch = ValueOrThrow(self.Take());
        if (batch == nullptr) return nb::none();
        return ExportBatchArray(*batch);
      });
  nb::class_<PendingStatus>(m, "PendingStatus", "Work done without waiting: take() once posted.")
      .def("take", [](PendingStatus& self) { ThrowIfError(self.Take().status()); });
}

}  // namespace arrow_sus::python
