#include "arrow_sus/io/entry_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <random>
#include <system_error>
#include <thread>

#include "arrow_sus/error.h"

namespace arrow_sus::io {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTemporaryMarker = ".tmp-";
constexpr std::string_view kLegacyTemporarySuffix = ".tmp";

arrow::Status LockError(const fs::path& path, std::string_view what, int error) {
  return MakeError(ErrorKind::kIo, {.file = path.string()},
                   std::string(what) + ": " + std::generic_category().message(error));
}

// Whether `fd` (just locked) is still the file at `path`: a holder may have removed the lock file
// between our open() and flock(), and a lock on a removed file excludes nobody.
bool StillAtPath(int fd, const fs::path& path) {
  struct stat held, current;
  if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &current) != 0) return false;
  return held.st_ino == current.st_ino && held.st_dev == current.st_dev;
}

enum class Attempt { kTaken, kBusy, kRetry };

// One try at the lock: kTaken with *fd set, kBusy when someone holds it.
arrow::Result<Attempt> TryOnce(const fs::path& path, int* fd) {
  const int opened = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (opened < 0) return LockError(path, "cannot open the cache lock file", errno);
  if (::flock(opened, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(opened);
    if (error == EWOULDBLOCK || error == EINTR) return Attempt::kBusy;
    return LockError(path, "cannot lock the cache lock file", error);
  }
  if (!StillAtPath(opened, path)) {
    ::close(opened);
    return Attempt::kRetry;
  }
  *fd = opened;
  return Attempt::kTaken;
}

arrow::Status MakeParent(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error)
    return MakeError(ErrorKind::kIo, {.file = path.parent_path().string()},
                     "cannot create the cache directory: " + error.message());
  return arrow::Status::OK();
}

int64_t ModifiedSeconds(const fs::path& file, std::error_code& error) {
  struct stat st;
  if (::stat(file.c_str(), &st) != 0) {
    error = std::error_code(errno, std::generic_category());
    return 0;
  }
  return static_cast<int64_t>(st.st_mtime);
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

arrow::Result<EntryLock> EntryLock::Acquire(const fs::path& path,
                                            const std::function<arrow::Status()>& keep_waiting) {
  ARROW_RETURN_NOT_OK(MakeParent(path));
  // Polling keeps the wait cancellable (a blocking flock could not be interrupted by a closed
  // reader); waits grow from 1 to 50 ms, so a lock freed early is noticed early.
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    int fd = -1;
    ARROW_ASSIGN_OR_RAISE(Attempt attempt, TryOnce(path, &fd));
    if (attempt == Attempt::kTaken) return EntryLock(fd, path);
    if (attempt == Attempt::kRetry) continue;
    if (keep_waiting) ARROW_RETURN_NOT_OK(keep_waiting());
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

arrow::Result<std::optional<EntryLock>> EntryLock::TryAcquire(const fs::path& path) {
  ARROW_RETURN_NOT_OK(MakeParent(path));
  while (true) {
    int fd = -1;
    ARROW_ASSIGN_OR_RAISE(Attempt attempt, TryOnce(path, &fd));
    if (attempt == Attempt::kTaken) return std::optional<EntryLock>(EntryLock(fd, path));
    if (attempt == Attempt::kBusy) return std::optional<EntryLock>();
  }
}

bool EntryLock::IsHeld(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // also releases the probe's own lock
  return held;
}

EntryLock::EntryLock(EntryLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

EntryLock& EntryLock::operator=(EntryLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

EntryLock::~EntryLock() { Release(); }

void EntryLock::Release() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor of the description unlocks it
  fd_ = -1;
}

void EntryLock::RemoveFile() {
  if (fd_ < 0) return;
  std::error_code ignored;
  fs::remove(path_, ignored);
}

std::string TemporaryNameFor(const fs::path& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t bits = random() ^ counter.fetch_add(1, std::memory_order_relaxed);
  std::string tag(16, '0');
  for (char& c : tag) {
    c = kHex[bits & 0xF];
    bits >>= 4;
  }
  return path.string() + std::string(kTemporaryMarker) + std::to_string(::getpid()) + "-" + tag;
}

std::string_view TemporaryTarget(std::string_view name) {
  if (name.size() > kLegacyTemporarySuffix.size() && name.ends_with(kLegacyTemporarySuffix))
    return name.substr(0, name.size() - kLegacyTemporarySuffix.size());
  const size_t marker = name.rfind(kTemporaryMarker);
  if (marker == std::string_view::npos || marker == 0) return {};
  return name.substr(0, marker);
}

std::vector<TemporaryFile> FindOrphanedTemporaries(const fs::path& dir,
                                                   const LockOfTemporary& lock_of) {
  std::vector<TemporaryFile> found;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::error_code file_error;
    if (!it->is_regular_file(file_error) || file_error) continue;
    std::optional<fs::path> lock = lock_of(it->path());
    if (!lock || EntryLock::IsHeld(*lock)) continue;
    // A file that vanished meanwhile (its writer finished, or another cleaner) is simply skipped.
    const auto bytes = fs::file_size(it->path(), file_error);
    const int64_t mtime = ModifiedSeconds(it->path(), file_error);
    if (file_error) continue;
    found.push_back({it->path(), static_cast<int64_t>(bytes), mtime});
  }
  return found;
}

arrow::Result<int64_t> RemoveOrphanedTemporaries(const fs::path& dir,
                                                 const LockOfTemporary& lock_of,
                                                 std::optional<int64_t> older_than_seconds) {
  const int64_t cutoff = older_than_seconds ? NowSeconds() - *older_than_seconds : INT64_MAX;
  int64_t removed = 0;
  for (const TemporaryFile& orphan : FindOrphanedTemporaries(dir, lock_of)) {
    if (orphan.mtime > cutoff) continue;
    ARROW_ASSIGN_OR_RAISE(std::optional<EntryLock> lock,
                          EntryLock::TryAcquire(*lock_of(orphan.path)));
    if (!lock)
      continue;  // a writer started since: the file may be its own again (a resumed download)
    std::error_code error;
    if (fs::remove(orphan.path, error)) ++removed;
    lock->RemoveFile();  // the next writer makes a new one
  }
  return removed;
}

void RemoveTemporariesOf(const fs::path& path) {
  const std::string name = path.filename().string();
  std::error_code error;
  fs::directory_iterator it(path.parent_path(), error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    if (TemporaryTarget(it->path().filename().string()) != name) continue;
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

}  // namespace arrow_sus::io
