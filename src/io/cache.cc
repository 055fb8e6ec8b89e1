#include "arrow_sus/io/cache.h"

#include <fcntl.h>
#include <unistd.h>

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

// Writes `text` to a temporary name, flushes it to disk, then renames it over `file`.
arrow::Status WriteFileAtomically(const fs::path& file, const std::string& text) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (ec) return IoError(file.parent_path(), "cannot create directory", ec);
  const fs::path temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return IoError(temp, "cannot create", std::error_code(errno, std::generic_category()));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!written)
    return IoError(temp, "cannot write", std::error_code(saved, std::generic_category()));
  fs::rename(temp, file, ec);
  if (ec) return IoError(file, "cannot rename into place", ec);
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

arrow::Result<PartialDownload> FileCache::BeginWrite(const FileIdentity& id) {
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(id.path));
  const fs::path partial_identity = partial.string() + ".identity";
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

arrow::Status FileCache::Commit(const FileIdentity& id) {
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
  fs::remove(partial.string() + ".identity", ec);
  return WriteFileAtomically(identity_path, id.Serialize());
}

arrow::Status FileCache::DiscardPartial(std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(fs::path partial, PartialPath(path));
  std::error_code ec;
  fs::remove(partial, ec);
  fs::remove(partial.string() + ".identity", ec);
  return arrow::Status::OK();
}

arrow::Status FileCache::Remove(std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(fs::path final_path, FinalPath(path));
  ARROW_ASSIGN_OR_RAISE(fs::path identity_path, IdentityPath(path));
  std::error_code ec;
  fs::remove(identity_path, ec);
  fs::remove(final_path, ec);
  return DiscardPartial(path);
}

}  // namespace arrow_sus::io
