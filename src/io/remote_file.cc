#include "arrow_sus/io/remote_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <arrow/buffer.h>

#include "arrow_sus/error.h"

namespace arrow_sus::io {

namespace {

// The state shared by the download thread and the reader.
struct Progress {
  std::mutex mutex;
  std::condition_variable changed;
  int fd = -1;               // read side of the partial (later the committed) file
  int generation = 0;        // how many times the download (re)started
  int64_t size = -1;         // total size, once the version is known
  int64_t available = 0;     // bytes [0, available) are on disk
  bool finished = false;     // the download thread is done
  arrow::Status status;      // its result
  bool closing = false;      // the reader is gone: stop downloading
  bool read_to_end = false;  // the reader asked for the last byte
};

class DownloadingFile final : public arrow::io::RandomAccessFile {
 public:
  DownloadingFile(std::shared_ptr<Source> source, FileCache cache, std::string path,
                  DownloadOptions options)
      : path_(std::move(path)), source_(std::move(source)) {
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
    // The thread borrows source_: the last reference must not be dropped on it (a Python-owned
    // Source needs the GIL to be released, and the thread is joined with the GIL held).
    // Verify (decompress everything once more) only after the reader has read to the end or been
    // closed, so the two decodes do not compete for the CPU while the caller waits for its table.
    wrapped.before_verify = [this]() -> arrow::Status {
      std::unique_lock lock(progress_.mutex);
      progress_.changed.wait(lock, [&] { return progress_.read_to_end || progress_.closing; });
      return arrow::Status::OK();
    };
    worker_ = std::thread([this, cache = std::move(cache), wrapped = std::move(wrapped)]() mutable {
      auto result = DownloadFile(*source_, cache, path_, wrapped);
      std::lock_guard lock(progress_.mutex);
      if (result.ok() && (progress_.fd < 0 || result->up_to_date)) {
        // Nothing was fetched (or only verified): read the committed copy.
        if (progress_.fd >= 0) ::close(progress_.fd);
        progress_.fd = ::open(result->local_path.c_str(), O_RDONLY | O_CLOEXEC);
        progress_.size = result->identity.size;
        ++progress_.generation;
      }
      if (result.ok()) progress_.available = progress_.size;
      progress_.status = result.status();
      if (result.ok() && progress_.fd < 0)
        progress_.status = MakeError(ErrorKind::kIo, {.file = result->local_path.string()},
                                     "cannot open the downloaded file");
      progress_.finished = true;
      progress_.changed.notify_all();
    });
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
    std::unique_lock lock(progress_.mutex);
    progress_.changed.wait(lock, [&] { return progress_.size >= 0 || progress_.finished; });
    if (progress_.size < 0) return progress_.status;
    return progress_.size;
  }

  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    int fd;
    int64_t end;
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
  arrow::Status DoClose() {
    if (closed_) return arrow::Status::OK();
    closed_ = true;
    {
      std::lock_guard lock(progress_.mutex);
      progress_.closing = true;
    }
    progress_.changed.notify_all();
    if (worker_.joinable()) worker_.join();
    std::lock_guard lock(progress_.mutex);
    if (progress_.fd >= 0) ::close(progress_.fd);
    progress_.fd = -1;
    return arrow::Status::OK();
  }

  std::string path_;
  std::shared_ptr<Source> source_;
  Progress progress_;
  std::thread worker_;
  int64_t position_ = 0;
  int read_generation_ = 0;
  bool closed_ = false;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenRemoteFile(
    std::shared_ptr<Source> source, FileCache cache, std::string path, DownloadOptions options) {
  ARROW_RETURN_NOT_OK(cache.CheckPath(path));
  return std::make_shared<DownloadingFile>(std::move(source), std::move(cache), std::move(path),
                                           std::move(options));
}

}  // namespace arrow_sus::io
