// A directory of verified downloads, laid out like the source tree, each with its identity.
//
//   <root>/<relative path>                                  the verified file
//   <root>/.arrow-sus/identity/<relative path>              its FileIdentity (key=value lines)
//   <root>/.arrow-sus/partial/<relative path>               a download in progress
//   <root>/.arrow-sus/partial/<relative path>.identity      the version that download is of
//
// A file appears under its real name only after its size and checksum were verified (Commit
// renames it into place), so readers never see a partial or corrupt copy; a partial download of
// the same version is resumed by the next attempt, even from another process. The download cache
// is FileCache(CacheDir() / "raw"); `download(dest=...)` uses FileCache(dest), which makes the
// destination usable as a file:// mirror.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include <arrow/result.h>
#include <arrow/status.h>

#include "arrow_sus/io/identity.h"

namespace arrow_sus::io {

// $ARROW_SUS_CACHE, else $XDG_CACHE_HOME/arrow-sus, else ~/.cache/arrow-sus.
std::filesystem::path CacheDir();

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

  // Where to write a download of `id`: resumes an earlier partial download of the same version,
  // otherwise starts an empty one.
  arrow::Result<PartialDownload> BeginWrite(const FileIdentity& id);

  // Moves the finished partial download of `id` into place and records its identity. The caller
  // has verified the bytes.
  arrow::Status Commit(const FileIdentity& id);

  // Drops the partial download of `path` (a corrupt or superseded one).
  arrow::Status DiscardPartial(std::string_view path);

  // Removes the cached copy of `path`, its identity and any partial download.
  arrow::Status Remove(std::string_view path);

 private:
  arrow::Result<std::filesystem::path> FinalPath(std::string_view path) const;
  arrow::Result<std::filesystem::path> IdentityPath(std::string_view path) const;
  arrow::Result<std::filesystem::path> PartialPath(std::string_view path) const;

  std::filesystem::path root_;
};

}  // namespace arrow_sus::io
