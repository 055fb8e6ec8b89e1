#include "test_support.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace arrow_sus::testing {

std::optional<std::filesystem::path> CorpusDir() {
  if (const char* env = std::getenv("ARROW_SUS_CORPUS"); env != nullptr && *env != '\0') {
    std::filesystem::path p(env);
    if (std::filesystem::is_directory(p)) return p;
    return std::nullopt;
  }
  std::filesystem::path p =
      std::filesystem::path(ARROW_SUS_SOURCE_DIR) / ".." / "shared" / "corpus";
  if (std::filesystem::is_directory(p)) return std::filesystem::canonical(p);
  return std::nullopt;
}

std::vector<uint8_t> ReadFileBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

int OverwriteOccurrences(const std::filesystem::path& path, const std::string& pattern,
                         size_t skip) {
  std::vector<uint8_t> data = ReadFileBytes(path);
  std::string bytes(data.begin(), data.end());
  int overwritten = 0;
  for (size_t at = bytes.find(pattern, skip); at != std::string::npos;
       at = bytes.find(pattern, at + pattern.size())) {
    bytes.replace(at, pattern.size(), std::string(pattern.size(), '\xEE'));
    ++overwritten;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  return overwritten;
}

}  // namespace arrow_sus::testing
