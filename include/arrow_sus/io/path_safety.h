// Path checks for everything that arrives from a server and ends up on the local disk.
//
// A listing or a caller may hand us names such as "../../.bashrc" or "/etc/passwd"; nothing may be
// written outside the cache or destination directory because of them.
#pragma once

#include <filesystem>
#include <string_view>

#include <arrow/result.h>
#include <arrow/status.h>

namespace arrow_sus::io {

// A single path component: not empty, not "." or "..", no '/', '\\' or NUL.
arrow::Status ValidateEntryName(std::string_view name);

// A relative '/'-separated path whose every component passes ValidateEntryName (a leading '/' is
// refused: paths are relative to a source root).
arrow::Status ValidateRelativePath(std::string_view path);

// root / path, after ValidateRelativePath; the result is guaranteed to lie inside root.
arrow::Result<std::filesystem::path> JoinUnder(const std::filesystem::path& root,
                                               std::string_view path);

}  // namespace arrow_sus::io
