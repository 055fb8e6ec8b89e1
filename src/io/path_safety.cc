#include "arrow_sus/io/path_safety.h"

#include <string>

#include "arrow_sus/error.h"

namespace arrow_sus::io {

arrow::Status ValidateEntryName(std::string_view name) {
  auto refuse = [&](std::string_view why) {
    return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(name)},
                     "unsafe name refused: " + std::string(why));
  };
  if (name.empty()) return refuse("empty name");
  if (name == "." || name == "..") return refuse("it names a directory, not an entry");
  if (name.find_first_of(std::string_view("/\\\0", 3)) != std::string_view::npos)
    return refuse("a name may not contain '/', '\\' or NUL");
  return arrow::Status::OK();
}

arrow::Status ValidateRelativePath(std::string_view path) {
  if (path.empty()) return MakeError(ErrorKind::kInvalidArgument, {}, "empty path refused");
  if (path.front() == '/')
    return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                     "absolute path refused: paths are relative to the source root");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    arrow::Status st = ValidateEntryName(path.substr(start, end - start));
    if (!st.ok())
      return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                       "unsafe path refused: every component must be a plain name");
    start = end + 1;
  }
  return arrow::Status::OK();
}

arrow::Result<std::filesystem::path> JoinUnder(const std::filesystem::path& root,
                                               std::string_view path) {
  ARROW_RETURN_NOT_OK(ValidateRelativePath(path));
  return root / std::filesystem::path(std::string(path));
}

}  // namespace arrow_sus::io
