#include "arrow_sus/io/cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"

namespace arrow_sus::io {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMetaDir = ".arrow-sus";
constexpr std::string_view kIdentitySuffix = ".identity";
constexpr std::string_view kLockSuffix = ".lock";

arrow::Status IoError(const fs::path& file, std::string_view what, const std::error_code& ec) {
  return MakeError(ErrorKind::kIo, {.file = file.string()},
                   std::string(what) + ": " + ec.message());
}

arrow::Result<std::optional<std::string>> ReadSmallFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::optional<std::string>();
  std::stringstream text;
  text << in.rdbuf();
  return std::optional<std::string>(text.str());
}

// Writes `text` to a temporary name of its own, flushes it to disk, then renames it over `file`.
arrow::Status WriteFileAtomically(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return IoError(file.parent_path(), "cannot create directory", ec);
  const fs::path temp = TemporaryNameFor(file);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return IoError(temp, "cannot create", std::error_code(errno, std::generic_category()));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (written) fs::rename(temp, file, ec);
  if (!written || ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    if (!written)
      return IoError(temp, "cannot write", std::error_code(saved, std::generic_category()));
    return IoError(file, "cannot rename into place", ec);
  }
  return arrow::Status::OK();
}

}  // namespace

fs::path CacheDir() {
  if (const char* env = std::getenv("ARROW_SUS_CACHE"); env != nullptr && *env != '\0')
    return fs::path(env);
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return fs::path(xdg) / "arrow-sus";
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : ".") / ".cache" / "arrow-sus";
}

arrow::Result<fs::path> FileCache::FinalPath(std::string_view path) const {
  ARROW_ASSIGN_OR_RAISE(fs::path final_path, JoinUnder(root_, path));
  if (path.substr(0, path.find('/')) == kMetaDir)
    return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                     "paths under .arrow-sus are reserved for the cache's own records");
  return final_path;
}

arrow::Result<fs::path> FileCache::IdentityPath(std::string_view path) const {
  ARROW_RETURN_NOT_OK(FinalPath(path).status());
  return JoinUnder(root_ / kMetaDir / "identity", path);
}

arrow::Result<fs::path> FileCache::PartialPath(std::string_view path) const {
  ARROW_RETURN_NOT_OK(FinalPath(path).status());
  return JoinUnder(root_ / kMetaDir / "partial", path);
}

arrow::Result<fs::path> FileCache::LockPath(std::string_view path) const {
  ARROW_RETURN_NOT_OK(FinalPath(path).status());
  ARROW_ASSIGN_OR_RAISE(fs::path lock, JoinUnder(root_ / kMetaDir / "lock", path));
  return lock += kLockSuffix;
}

std::optional<fs::path> FileCache::LockOfTemporary(const fs::path& file) const {
  const fs::path meta = root_ / kMetaDir;
  const fs::path relative = file.lexically_relative(meta);
  const auto first = relative.begin();
  if (first == relative.end()) return std::nullopt;
  const bool partial = *first == "partial";
  if (!partial && *first != "identity") return std::nullopt;  // locks are not temporary
  std::string entry = relative.lexically_relative(*first).generic_string();
  const std::string name = file.filename().string();
  const std::string_view target = TemporaryTarget(name);
  if (!target.empty()) {
    entry.resize(entry.size() - name.size() + target.size());
  } else if (!partial) {
    return std::nullopt;  // a committed identity record
  }
  // A partial download "X", its record "X.identity", or a temporary name of either.
  if (partial && entry.ends_with(kIdentitySuffix))
    entry.resize(entry.size() - kIdentitySuffix.size());
  return (meta / "lock" / entry) += kLockSuffix;
}

arrow::Result<EntryLock> FileCache::LockEntry(std::string_view path,
                                              const std::function<arrow::Status()>& keep_waiting) {
  ARROW_ASSIGN_OR_RAISE(fs::path lock_path, LockPath(path));
  ARROW_ASSIGN_OR_RAISE(fs::path identity_path, IdentityPath(path));
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(path));
  ARROW_ASSIGN_OR_RAISE(EntryLock lock, EntryLock::Acquire(lock_path, keep_waiting));
  // Records a writer killed between writing and renaming them left behind.
  RemoveTemporariesOf(identity_path);
  RemoveTemporariesOf(partial);
  RemoveTemporariesOf(partial.string() + std::string(kIdentitySuffix));
  return lock;
}

arrow::Result<std::optional<FileIdentity>> FileCache::Recorded(std::string_view path) const {
  ARROW_ASSIGN_OR_RAISE(fs::path identity_path, IdentityPath(path));
  ARROW_ASSIGN_OR_RAISE(auto text, ReadSmallFile(identity_path));
  if (!text) return std::optional<FileIdentity>();
  auto id = FileIdentity::Parse(*text);
  // An unreadable record only means the copy cannot be trusted; it is fetched again.
  if (!id.ok() || id->path != path) return std::optional<FileIdentity>();
  return std::optional<FileIdentity>(*id);
}

arrow::Result<std::optional<fs::path>> FileCache::Lookup(const FileIdentity& id) const {
  ARROW_ASSIGN_OR_RAISE(fs::path final_path, FinalPath(id.path));
  ARROW_ASSIGN_OR_RAISE(std::optional<FileIdentity> recorded, Recorded(id.path));
  if (!recorded || !recorded->Matches(id)) return std::optional<fs::path>();
  std::error_code ec;
  const auto size = fs::file_size(final_path, ec);
  if (ec || static_cast<int64_t>(size) != id.size) return std::optional<fs::path>();
  return std::optional<fs::path>(final_path);
}

arrow::Result<PartialDownload> FileCache::BeginWrite(const FileIdentity& id, const EntryLock&) {
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(id.path));
  const fs::path partial_identity = partial.string() + std::string(kIdentitySuffix);
  PartialDownload out{partial, 0};
  ARROW_ASSIGN_OR_RAISE(auto text, ReadSmallFile(partial_identity));
  std::error_code ec;
  if (text) {
    auto earlier = FileIdentity::Parse(*text);
    const auto size = fs::file_size(partial, ec);
    if (earlier.ok() && earlier->Matches(id) && !ec && static_cast<int64_t>(size) <= id.size) {
      out.resume_offset = static_cast<int64_t>(size);
      return out;
    }
  }
  // A different version (or none): start over.
  fs::create_directories(partial.parent_path(), ec);
  if (ec) return IoError(partial.parent_path(), "cannot create directory", ec);
  ARROW_RETURN_NOT_OK(WriteFileAtomically(partial, ""));
  ARROW_RETURN_NOT_OK(WriteFileAtomically(partial_identity, id.Serialize()));
  return out;
}

arrow::Status FileCache::Commit(const FileIdentity& id, const EntryLock&) {
  ARROW_ASSIGN_OR_RAISE(fs::path final_path, FinalPath(id.path));
  ARROW_ASSIGN_OR_RAISE(fs::path identity_path, IdentityPath(id.path));
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(id.path));
  std::error_code ec;
  // Forget the old identity first: a crash between the two renames must leave a file without an
  // identity (fetched again), never new bytes under an old identity.
  fs::remove(identity_path, ec);
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return IoError(final_path.parent_path(), "cannot create directory", ec);
  fs::rename(partial, final_path, ec);
  if (ec) return IoError(final_path, "cannot move the download into place", ec);
  fs::remove(partial.string() + std::string(kIdentitySuffix), ec);
  return WriteFileAtomically(identity_path, id.Serialize());
}

arrow::Status FileCache::DiscardPartial(std::string_view path, const EntryLock&) {
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(path));
  std::error_code ec;
  fs::remove(partial, ec);
  fs::remove(partial.string() + std::string(kIdentitySuffix), ec);
  return arrow::Status::OK();
}

arrow::Status FileCache::Remove(std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(fs::path final_path, FinalPath(path));
  ARROW_ASSIGN_OR_RAISE(fs::path identity_path, IdentityPath(path));
  ARROW_ASSIGN_OR_RAISE(fs::path lock_path, LockPath(path));
  std::error_code ec;
  fs::remove(identity_path, ec);
  fs::remove(final_path, ec);
  ARROW_ASSIGN_OR_RAISE(std::optional<EntryLock> lock, EntryLock::TryAcquire(lock_path));
  if (!lock) return arrow::Status::OK();  // being downloaded: the writer owns its partial file
  ARROW_RETURN_NOT_OK(DiscardPartial(path, *lock));
  lock->RemoveFile();
  return arrow::Status::OK();
}

std::vector<CachedFile> FileCache::Entries() const {
  std::vector<CachedFile> found;
  std::error_code error;
  fs::recursive_directory_iterator it(root_, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it.depth() == 0 && it->path().filename() == kMetaDir) {
      it.disable_recursion_pending();
      continue;
    }
    struct stat st;
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back({it->path().lexically_relative(root_).generic_string(),
                     static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtime)});
  }
  std::sort(found.begin(), found.end(),
            [](const CachedFile& a, const CachedFile& b) { return a.path < b.path; });
  return found;
}

std::vector<TemporaryFile> FileCache::Temporaries() const {
  return FindOrphanedTemporaries(root_ / kMetaDir,
                                 [this](const fs::path& file) { return LockOfTemporary(file); });
}

arrow::Result<int64_t> FileCache::RemoveTemporaries(std::optional<int64_t> older_than_seconds) {
  return RemoveOrphanedTemporaries(
      root_ / kMetaDir, [this](const fs::path& file) { return LockOfTemporary(file); },
      older_than_seconds);
}

}  // namespace arrow_sus::io
