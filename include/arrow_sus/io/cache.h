// A directory of verified downloads, laid out like the source tree, each with its identity.
//
//   <root>/<relative path>                                  the verified file
//   <root>/.arrow-sus/identity/<relative path>              its FileIdentity (key=value lines)
//   <root>/.arrow-sus/partial/<relative path>               a download in progress
//   <root>/.arrow-sus/partial/<relative path>.identity      the version that download is of
//   <root>/.arrow-sus/lock/<relative path>.lock             held by the one writer of the entry
//
// A file appears under its real name only after its size and checksum were verified (Commit
// renames it into place), so readers never see a partial or corrupt copy; a partial download of
// the same version is resumed by the next attempt, even from another process. The download cache
// is FileCache(CacheDir() / "raw"); `download(dest=...)` uses FileCache(dest), which makes the
// destination usable as a file:// mirror.
//
// Any number of processes and threads share one cache: an entry has one writer at a time, the
// holder of its EntryLock (entry_lock.h), and only the holder touches the entry's partial download
// and records. Others wait for the lock, then find the committed copy. Lookups take no lock: every
// record is replaced by a rename, so a lookup sees the old record or the new one. A partial
// download whose lock is free was left by a writer that is gone: Temporaries() counts it, and
// RemoveTemporaries() reclaims it (the next writer of the same version resumes it otherwise).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "arrow_sus/io/entry_lock.h"
#include "arrow_sus/io/identity.h"

namespace arrow_sus::io {

// $ARROW_SUS_CACHE, else $XDG_CACHE_HOME/arrow-sus, else ~/.cache/arrow-sus.
std::filesystem::path CacheDir();

// A verified download in a FileCache: its path under the root ("/"-separated, as on the server),
// size and modification time (seconds since the epoch, the time it was committed).
struct CachedFile {
  std::string path;
  int64_t bytes = 0;
  int64_t mtime = 0;
};

struct PartialDownload {
  std::filesystem::path temp_path;  // append bytes here
  int64_t resume_offset = 0;        // bytes already present from an earlier attempt
};

class FileCache {
 public:
  explicit FileCache(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }

  // Refuses paths that are unsafe or that would land in the cache's own bookkeeping.
  arrow::Status CheckPath(std::string_view path) const { return FinalPath(path).status(); }

  // The local copy of `id.path` when its recorded identity matches `id`.
  arrow::Result<std::optional<std::filesystem::path>> Lookup(const FileIdentity& id) const;

  // The identity recorded for a cached path, if any.
  arrow::Result<std::optional<FileIdentity>> Recorded(std::string_view path) const;

  // Takes the lock of `path`'s entry, waiting while another writer holds it (`keep_waiting` as in
  // EntryLock::Acquire), and removes the temporary files a writer that died left for it. The
  // methods below that write take the lock as proof that the caller holds it.
  arrow::Result<EntryLock> LockEntry(std::string_view path,
                                     const std::function<arrow::Status()>& keep_waiting = {});

  // Where to write a download of `id`: resumes an earlier partial download of the same version,
  // otherwise starts an empty one.
  arrow::Result<PartialDownload> BeginWrite(const FileIdentity& id, const EntryLock& lock);

  // Moves the finished partial download of `id` into place and records its identity. The caller
  // has verified the bytes.
  arrow::Status Commit(const FileIdentity& id, const EntryLock& lock);

  // Drops the partial download of `path` (a corrupt or superseded one).
  arrow::Status DiscardPartial(std::string_view path, const EntryLock& lock);

  // Removes the cached copy of `path` and its identity, and its partial download unless a writer is
  // busy with it.
  arrow::Status Remove(std::string_view path);

  // Every downloaded file under the root (the cache's own records left out), sorted by path;
  // files removed meanwhile by another process are skipped.
  std::vector<CachedFile> Entries() const;

  // Partial downloads and temporary records whose writer is gone (resumable partial downloads
  // included: they are bytes the cache holds outside its entries).
  std::vector<TemporaryFile> Temporaries() const;
  // Removes them (only those unmodified for `older_than_seconds`, when given); returns how many.
  arrow::Result<int64_t> RemoveTemporaries(std::optional<int64_t> older_than_seconds = {});

 private:
  arrow::Result<std::filesystem::path> FinalPath(std::string_view path) const;
  arrow::Result<std::filesystem::path> IdentityPath(std::string_view path) const;
  arrow::Result<std::filesystem::path> PartialPath(std::string_view path) const;
  arrow::Result<std::filesystem::path> LockPath(std::string_view path) const;
  // The lock a file under .arrow-sus belongs to, when it is a partial download or a temporary
  // record.
  std::optional<std::filesystem::path> LockOfTemporary(const std::filesystem::path& file) const;

  std::filesystem::path root_;
};

}  // namespace arrow_sus::io
