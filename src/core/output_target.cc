#include "arrow_sus/output_target.h"

#include <sys/stat.h>
#include <sys/xattr.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <random>
#include <system_error>

#include "arrow_sus/error.h"

namespace arrow_sus {

namespace fs = std::filesystem;

namespace {

// The extended attribute CommitOutput sets on what it commits. It moves with the inode through
// renames and is dropped by copies, so a file the user copied over an output is not "ours".
constexpr char kMark[] = "user.arrow_sus.output";

arrow::Status Refuse(const fs::path& target, const std::string& why) {
  return MakeError(ErrorKind::kInvalidArgument, {.file = target.string()}, why);
}

// The path with symbolic links resolved as far as it exists (the rest kept as written).
fs::path Canonical(const fs::path& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return path;
  fs::path canonical = fs::weakly_canonical(absolute, error);
  return error ? absolute.lexically_normal() : canonical;
}

// The target as an absolute path whose directories have their links resolved but whose last
// component is kept: a link at the target itself is what gets replaced, never what it points to.
// "out/", "." and ".." name the directories themselves.
fs::path Resolve(const fs::path& target) {
  fs::path path = Canonical(target.parent_path().empty() ? fs::path(".") : target.parent_path());
  const fs::path name = target.filename();
  if (name.empty() || name == ".") return path;
  if (name == "..") return path.parent_path();
  return path / name;
}

// Whether `inner` is `outer` or lies under it (both absolute).
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  auto tidy = [](const fs::path& path) {
    fs::path normal = path.lexically_normal();
    return normal.has_relative_path() && normal.filename().empty() ? normal.parent_path() : normal;
  };
  const fs::path in_path = tidy(inner);
  auto in = in_path.begin();
  for (const fs::path& part : tidy(outer)) {
    if (in == in_path.end() || *in != part) return false;
    ++in;
  }
  return true;
}

const char* SpecialFileKind(mode_t mode) {
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return nullptr;
}

bool SameFile(const struct stat& a, const fs::path& b) {
  struct stat other;
  return ::stat(b.c_str(), &other) == 0 && other.st_dev == a.st_dev && other.st_ino == a.st_ino;
}

// The first entry of a directory that a partitioned write would not have made (its directories are
// named key=value and its files end in .parquet), if any.
std::optional<fs::path> ForeignEntry(const fs::path& directory) {
  std::error_code error;
  for (fs::recursive_directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    const fs::path name = it->path().filename();
    const bool is_directory = it->is_directory(error) && !it->is_symlink(error);
    if (is_directory ? name.string().find('=') == std::string::npos
                     : name.extension() != ".parquet") {
      return it->path();
    }
  }
  if (error) return directory;  // unreadable: treat as not ours
  return std::nullopt;
}

bool IsEmptyDirectory(const fs::path& directory) {
  std::error_code error;
  return fs::is_empty(directory, error) && !error;
}

void Mark(const fs::path& path) {
  // Where the file system keeps no extended attributes, nothing is marked: replacing the output
  // later then needs the caller's explicit overwrite, which is the safe side.
  (void)::lsetxattr(path.c_str(), kMark, "1", 1, 0);
}

arrow::Status CheckExisting(const fs::path& target, const struct stat& st, OutputKind kind,
                            const OutputRules& rules) {
  if (const char* special = SpecialFileKind(st.st_mode)) {
    return Refuse(target, std::string("is ") + special +
                              ": arrow-sus never writes over one; name a regular file instead");
  }
  for (const fs::path& input : rules.inputs) {
    if (SameFile(st, input)) {
      return Refuse(target, "is one of the inputs (" + input.string() +
                                "): arrow-sus never writes over its input; name another file");
    }
    if (kind == OutputKind::kDirectory && S_ISDIR(st.st_mode) &&
        IsWithin(Canonical(input), target)) {
      return Refuse(target, "holds an input (" + input.string() +
                                "): replacing the directory would delete it; name another one");
    }
  }
  if (S_ISLNK(st.st_mode)) {
    if (rules.overwrite) return arrow::Status::OK();
    return Refuse(target, "is a symbolic link: arrow-sus replaces a link only with " +
                              rules.overwrite_hint +
                              ", and then replaces the link itself, never what it points to");
  }
  if (S_ISDIR(st.st_mode)) {
    if (kind == OutputKind::kFile) {
      return Refuse(target,
                    "is a directory: name a file (a directory receives one file per "
                    "input, or a partitioned dataset, only where the command offers it)");
    }
    if (IsEmptyDirectory(target)) return arrow::Status::OK();
    if (!WrittenByArrowSus(target)) {
      return Refuse(target,
                    "is a directory with files arrow-sus did not write: arrow-sus never replaces "
                    "it, even with " +
                        rules.overwrite_hint + "; name a new or empty directory");
    }
    auto foreign = ForeignEntry(target);
    if (!foreign || rules.overwrite) return arrow::Status::OK();
    return Refuse(target, "was written by arrow-sus but now also holds " + foreign->string() +
                              ": pass " + rules.overwrite_hint +
                              " to replace the whole directory, or name another one");
  }
  if (WrittenByArrowSus(target) || rules.overwrite) return arrow::Status::OK();
  return Refuse(target, "already exists and arrow-sus did not write it: pass " +
                            rules.overwrite_hint + " to replace it, or name another file");
}

arrow::Status RenameError(const fs::path& from, const fs::path& to, const std::error_code& error) {
  return MakeError(ErrorKind::kIo, {.file = to.string()},
                   "cannot move " + from.string() + " into place: " + error.message());
}

}  // namespace

arrow::Status CheckOutputTarget(const fs::path& target, OutputKind kind, const OutputRules& rules) {
  if (target.empty()) return Refuse(target, "no output name given");
  const fs::path resolved = Resolve(target);
  std::error_code error;
  const fs::path cwd = Canonical(fs::current_path(error));
  if (!error && IsWithin(cwd, resolved)) {
    return Refuse(target,
                  "is the current directory or contains it: arrow-sus never replaces it; "
                  "name a new directory inside it");
  }
  for (const fs::path& root : rules.protected_roots) {
    const fs::path protected_root = Canonical(root);
    if (IsWithin(resolved, protected_root) || IsWithin(protected_root, resolved)) {
      return Refuse(target, "is inside (or holds) " + protected_root.string() +
                                ", which arrow-sus keeps for itself (the cache); name a path "
                                "outside it");
    }
  }
  struct stat st;
  if (::lstat(resolved.c_str(), &st) != 0) {
    if (errno == ENOENT) return arrow::Status::OK();
    return MakeError(ErrorKind::kIo, {.file = target.string()},
                     std::string("cannot inspect the output: ") + std::strerror(errno));
  }
  return CheckExisting(resolved, st, kind, rules);
}

fs::path TemporaryOutputPath(const fs::path& target) {
  const fs::path resolved = Resolve(target);
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device random;
  std::string tag;
  for (int i = 0; i < 3; ++i) {
    for (uint32_t bits = random(), n = 0; n < 4; ++n, bits >>= 8) {
      tag += kHex[(bits >> 4) & 0xF];
      tag += kHex[bits & 0xF];
    }
  }
  return resolved.parent_path() / ("." + resolved.filename().string() + "." + tag + ".tmp");
}

arrow::Status CommitOutput(const fs::path& temp, const fs::path& target, OutputKind kind,
                           const OutputRules& rules) {
  ARROW_RETURN_NOT_OK(CheckOutputTarget(target, kind, rules));
  const fs::path resolved = Resolve(target);
  Mark(temp);
  std::error_code error;
  struct stat st;
  const bool exists = ::lstat(resolved.c_str(), &st) == 0;
  if (!exists || kind == OutputKind::kFile) {
    fs::rename(temp, resolved, error);  // atomic; over a link, replaces the link
    return error ? RenameError(temp, resolved, error) : arrow::Status::OK();
  }
  // A directory cannot be renamed over a non-empty directory (or a file): move the old one aside,
  // put the new one in place, then delete the old one.
  const fs::path aside = TemporaryOutputPath(resolved);
  fs::rename(resolved, aside, error);
  if (error) return RenameError(resolved, aside, error);
  fs::rename(temp, resolved, error);
  if (error) {
    std::error_code ignored;
    fs::rename(aside, resolved, ignored);
    return RenameError(temp, resolved, error);
  }
  fs::remove_all(aside, error);  // a link is removed, not followed
  if (error) {
    return MakeError(
        ErrorKind::kIo, {.file = aside.string()},
        "the new output is in place, but the old one could not be removed: " + error.message());
  }
  return arrow::Status::OK();
}

bool WrittenByArrowSus(const fs::path& path) {
  char value;
  return ::lgetxattr(path.c_str(), kMark, &value, 1) >= 0;
}

}  // namespace arrow_sus
