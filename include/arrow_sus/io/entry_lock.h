// One writer per cache entry, across processes and threads, and temporary files that can be told
// apart from the live ones.
//
// Every writer of a cache entry (a raw download, a converted file) first takes the entry's lock:
// flock() on a lock file of its own. An flock lock belongs to an open file description, so two
// open()s of the same lock file exclude each other whether they are in two processes or in two
// threads of one. The kernel releases a lock when its holder exits, even by SIGKILL: a temporary
// file whose entry lock is free has no writer any more (an orphan), and can be reclaimed, while one
// whose lock is held is being written and is never touched.
//
// Lock files are removed only by a holder of their lock (EntryLock::RemoveFile); whoever takes a
// lock checks that the file it locked is still the one at the path and tries again otherwise, so a
// removed lock file never lets two writers in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace arrow_sus::io {

class EntryLock {
 public:
  // Takes the lock at `path` (creating the file and its directory), waiting while another process
  // or thread holds it. `keep_waiting` is called every few milliseconds while waiting: an error it
  // returns (a closed reader, a stopped scan) ends the wait and is returned.
  static arrow::Result<EntryLock> Acquire(const std::filesystem::path& path,
                                          const std::function<arrow::Status()>& keep_waiting = {});

  // Takes the lock only if nobody holds it now (nullopt otherwise).
  static arrow::Result<std::optional<EntryLock>> TryAcquire(const std::filesystem::path& path);

  // Whether a live process or thread holds the lock at `path` (false when the file does not exist).
  // Creates nothing.
  static bool IsHeld(const std::filesystem::path& path);

  EntryLock(EntryLock&& other) noexcept;
  EntryLock& operator=(EntryLock&& other) noexcept;
  EntryLock(const EntryLock&) = delete;
  EntryLock& operator=(const EntryLock&) = delete;
  ~EntryLock();  // releases the lock

  const std::filesystem::path& path() const { return path_; }

  // Removes the lock file while the lock is still held (the lock is released on destruction).
  void RemoveFile();

 private:
  EntryLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  void Release();

  int fd_ = -1;
  std::filesystem::path path_;
};

// A fresh name beside `path` for a temporary file: "<path>.tmp-<pid>-<random>". Two writers never
// share one, whichever process or thread they run in.
std::string TemporaryNameFor(const std::filesystem::path& path);

// The file name a temporary name was made for ("X" for "X.tmp-123-ab12" and, as earlier versions
// named them, "X.tmp"); empty when `name` is not a temporary name.
std::string_view TemporaryTarget(std::string_view name);

// A temporary file whose writer is gone.
struct TemporaryFile {
  std::filesystem::path path;
  int64_t bytes = 0;
  int64_t mtime = 0;  // seconds since the epoch
};

// Maps a file under a scanned directory to the lock its writer holds while the file is being
// written, or nullopt when the file is not a temporary one.
using LockOfTemporary =
    std::function<std::optional<std::filesystem::path>(const std::filesystem::path& file)>;

// The files under `dir` (recursively) that `lock_of` calls temporary and whose lock is free. A
// directory that does not exist holds none.
std::vector<TemporaryFile> FindOrphanedTemporaries(const std::filesystem::path& dir,
                                                   const LockOfTemporary& lock_of);

// Removes the orphans FindOrphanedTemporaries finds (only those not modified for
// `older_than_seconds`, when given), each while holding its lock, so a writer that starts meanwhile
// is never robbed of its file; returns how many were removed.
arrow::Result<int64_t> RemoveOrphanedTemporaries(const std::filesystem::path& dir,
                                                 const LockOfTemporary& lock_of,
                                                 std::optional<int64_t> older_than_seconds = {});

// Removes the temporary files made for `path` (TemporaryNameFor(path) names, in its directory).
// Only for a holder of the lock that every writer of `path` holds: their writers are gone.
void RemoveTemporariesOf(const std::filesystem::path& path);

}  // namespace arrow_sus::io
