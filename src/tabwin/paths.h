// Names inside TabWin archives and DEF files, which mix '/' and '\' and letter cases.
#pragma once

#include <string>
#include <string_view>

namespace arrow_sus::tabwin::internal {

std::string Upper(std::string_view text);  // ASCII letters only
// The last component of a path ('/' or '\' separated), and everything before it ("" for none).
std::string_view BaseName(std::string_view path);
std::string_view DirName(std::string_view path);
// A file name without its last extension.
std::string_view Stem(std::string_view name);

}  // namespace arrow_sus::tabwin::internal
