#include "arrow_sus/io/remote_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/error.h"
#include "core/synchronous_reads.h"

namespace arrow_sus::io {

namespace {

// The state shared by the download and the reader. The download holds it through a shared_ptr
// (a step queued on the pool may outlive the reader); it borrows the Source, which the reader owns
// and outlives every use of (Close waits for the download).
struct Progress {
  std::mutex mutex;
  std::condition_variable changed;
  int fd = -1;               // read side of the partial (later the committed) file
  int generation = 0;        // how many times the download (re)started
  int64_t size = -1;         // total size, once the version is known
  int64_t available = 0;     // bytes [0, available) are on disk
  bool claimed = false;      // the download has started (on the pool or the reader's thread)
  bool inline_run = false;   // ... on the reader's thread, which waits for all of it
  bool finished = false;     // the download is done
  arrow::Status status;      // its result
  bool closing = false;      // the reader is gone: stop downloading
  bool read_to_end = false;  // the reader asked for the last byte
};

struct DownloadJob {
  DownloadJob(Source* source, FileCache cache, std::string path)
      : source(source), cache(std::move(cache)), path(std::move(path)) {}
  Source* source;
  FileCache cache;
  std::string path;
  DownloadOptions options;
  Progress progress;
};

// Runs the download unless it has started already; true when this call ran it.
bool RunDownload(DownloadJob& job, bool inline_run) {
  Progress& progress = job.progress;
  {
    std::lock_guard lock(progress.mutex);
    if (progress.claimed) return false;
    progress.claimed = true;
    progress.inline_run = inline_run;
    if (progress.closing) {  // closed before it started: nothing to fetch
      progress.finished = true;
      progress.status = MakeError(ErrorKind::kCancelled, {.file = job.path}, "reader closed");
      progress.changed.notify_all();
      return true;
    }
  }
  auto result = DownloadFile(*job.source, job.cache, job.path, job.options);
  std::lock_guard lock(progress.mutex);
  if (result.ok() && (progress.fd < 0 || result->up_to_date)) {
    // Nothing was fetched (or only verified): read the committed copy.
    if (progress.fd >= 0) ::close(progress.fd);
    progress.fd = ::open(result->local_path.c_str(), O_RDONLY | O_CLOEXEC);
    progress.size = result->identity.size;
    ++progress.generation;
  }
  if (result.ok()) progress.available = progress.size;
  progress.status = result.status();
  if (result.ok() && progress.fd < 0)
    progress.status = MakeError(ErrorKind::kIo, {.file = result->local_path.string()},
                                "cannot open the downloaded file");
  progress.finished = true;
  progress.changed.notify_all();
  return true;
}

// Async reads run on the reader's thread (core/synchronous_reads.h).
class DownloadingFile final : public SynchronousReadsFile {
 public:
  DownloadingFile(std::shared_ptr<Source> source, FileCache cache, std::string path,
                  DownloadOptions options, bool use_threads)
      : path_(path),
        source_(std::move(source)),
        job_(std::make_shared<DownloadJob>(source_.get(), std::move(cache), std::move(path))),
        progress_(job_->progress) {
    DownloadOptions wrapped = options;
    wrapped.on_start = [this, on_start = options.on_start](const FileIdentity& id,
                                                           const PartialDownload& partial) {
      {
        std::lock_guard lock(progress_.mutex);
        if (progress_.fd >= 0) ::close(progress_.fd);
        progress_.fd = ::open(partial.temp_path.c_str(), O_RDONLY | O_CLOEXEC);
        ++progress_.generation;
        progress_.size = id.size;
        progress_.available = partial.resume_offset;
      }
      progress_.changed.notify_all();
      if (on_start) on_start(id, partial);
    };
    wrapped.on_bytes = [this, on_bytes = options.on_bytes](int64_t n) -> arrow::Status {
      {
        std::lock_guard lock(progress_.mutex);
        if (progress_.closing)
          return MakeError(ErrorKind::kCancelled, {.file = path_}, "reader closed");
        progress_.available += n;
      }
      progress_.changed.notify_all();
      return on_bytes ? on_bytes(n) : arrow::Status::OK();
    };
    // Another writer of the same cache entry is waited for only while the reader is open.
    wrapped.keep_waiting = [this, keep_waiting = options.keep_waiting]() -> arrow::Status {
      {
        std::lock_guard lock(progress_.mutex);
        if (progress_.closing)
          return MakeError(ErrorKind::kCancelled, {.file = path_}, "reader closed");
      }
      return keep_waiting ? keep_waiting() : arrow::Status::OK();
    };
    // Verify (decompress everything once more) only after the reader has read to the end or been
    // closed, so the two decodes do not compete for the CPU while the caller waits for its table;
    // a download run by the reader itself (no pool thread was free) verifies at once.
    wrapped.before_verify = [this]() -> arrow::Status {
      std::unique_lock lock(progress_.mutex);
      progress_.changed.wait(
          lock, [&] { return progress_.inline_run || progress_.read_to_end || progress_.closing; });
      return arrow::Status::OK();
    };
    // The callbacks use `this`: they run only while the reader is open (Close waits for the
    // download to end once it has started, and stops it from starting otherwise).
    job_->options = std::move(wrapped);
    // A blocking transfer: on Arrow's IO pool (without threads, or when the pool is busy, the first
    // read runs it).
    if (use_threads) {
      ARROW_UNUSED(arrow::io::default_io_context().executor()->Spawn(
          [job = job_] { RunDownload(*job, /*inline_run=*/false); }));
    }
  }

  ~DownloadingFile() override { ARROW_UNUSED(DoClose()); }

  arrow::Status Close() override { return DoClose(); }
  bool closed() const override { return closed_; }

  arrow::Result<int64_t> Tell() const override { return position_; }
  arrow::Status Seek(int64_t position) override {
    position_ = position;
    return arrow::Status::OK();
  }

  arrow::Result<int64_t> GetSize() override {
    RunIfNotStarted();
    std::unique_lock lock(progress_.mutex);
    progress_.changed.wait(lock, [&] { return progress_.size >= 0 || progress_.finished; });
    if (progress_.size < 0) return progress_.status;
    return progress_.size;
  }

  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    int fd;
    int64_t end;
    RunIfNotStarted();
    {
      std::unique_lock lock(progress_.mutex);
      progress_.changed.wait(lock, [&] {
        return progress_.finished ||
               (progress_.size >= 0 &&
                progress_.available >= std::min(position + nbytes, progress_.size));
      });
      if (!progress_.status.ok()) return progress_.status;
      if (progress_.size < 0 || progress_.fd < 0)
        return MakeError(ErrorKind::kIo, {.file = path_}, "download ended without a file");
      if (read_generation_ != 0 && read_generation_ != progress_.generation)
        return MakeError(ErrorKind::kNetwork, {.file = path_},
                         "the file changed on the server while it was being read; read it again");
      read_generation_ = progress_.generation;
      fd = progress_.fd;
      end = std::min(position + nbytes, progress_.size);
      if (end >= progress_.size && !progress_.read_to_end) {
        progress_.read_to_end = true;
        progress_.changed.notify_all();
      }
    }
    int64_t done = 0;
    auto* dst = static_cast<uint8_t*>(out);
    while (position + done < end) {
      ssize_t n = ::pread(fd, dst + done, static_cast<size_t>(end - position - done),
                          static_cast<off_t>(position + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return MakeError(ErrorKind::kIo, {.file = path_, .offset = uint64_t(position + done)},
                         "cannot read the partial download");
      done += n;
    }
    return done;
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(nbytes));
    ARROW_ASSIGN_OR_RAISE(int64_t n, ReadAt(position, nbytes, buffer->mutable_data()));
    ARROW_RETURN_NOT_OK(buffer->Resize(n));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  }

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    ARROW_ASSIGN_OR_RAISE(int64_t n, ReadAt(position_, nbytes, out));
    position_ += n;
    return n;
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, ReadAt(position_, nbytes));
    position_ += buffer->size();
    return buffer;
  }

 private:
  // The reader needs bytes: a download no pool thread has started yet runs here, so reading never
  // depends on a free pool thread.
  void RunIfNotStarted() {
    {
      std::lock_guard lock(progress_.mutex);
      if (progress_.claimed) return;
    }
    RunDownload(*job_, /*inline_run=*/true);
  }

  arrow::Status DoClose() {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    {
      std::lock_guard lock(progress_.mutex);
      progress_.closing = true;
    }
    progress_.changed.notify_all();
    RunDownload(*job_, /*inline_run=*/true);  // not started: it ends at once, as closed
    std::unique_lock lock(progress_.mutex);
    progress_.changed.wait(lock, [&] { return progress_.finished; });
    if (progress_.fd >= 0) ::close(progress_.fd);
    progress_.fd = -1;
    return arrow::Status::OK();
  }

  std::string path_;
  std::shared_ptr<Source> source_;
  std::shared_ptr<DownloadJob> job_;
  Progress& progress_;
  int64_t position_ = 0;
  int read_generation_ = 0;
  bool closed_ = false;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenRemoteFile(
    std::shared_ptr<Source> source, FileCache cache, std::string path, DownloadOptions options,
    bool use_threads) {
  ARROW_RETURN_NOT_OK(cache.CheckPath(path));
  return std::make_shared<DownloadingFile>(std::move(source), std::move(cache), std::move(path),
                                           std::move(options), use_threads);
}

}  // namespace arrow_sus::io
