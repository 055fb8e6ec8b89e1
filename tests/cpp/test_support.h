// Helpers shared by the C++ tests: where the real DATASUS corpus is, and reading files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace arrow_sus::testing {

// The corpus directory ($ARROW_SUS_CORPUS, else ../shared/corpus next to the project), or nullopt.
std::optional<std::filesystem::path> CorpusDir();

std::vector<uint8_t> ReadFileBytes(const std::filesystem::path& path);

// Overwrites every occurrence of `pattern` after the first `skip` bytes of the file with 0xEE
// bytes, keeping its size; returns how many were overwritten. With the magic number of a codec's
// frames (kLz4FrameMagic in Arrow IPC buffers, kZstdFrameMagic in Parquet pages) this damages a
// file's data while its size and footer stay intact.
int OverwriteOccurrences(const std::filesystem::path& path, const std::string& pattern,
                         size_t skip);
inline const std::string kLz4FrameMagic("\x04\x22\x4D\x18", 4);
inline const std::string kZstdFrameMagic("\x28\xB5\x2F\xFD", 4);

// Skips the current test with a clear message when the corpus is absent; otherwise sets `dir`.
#define ARROW_SUS_REQUIRE_CORPUS(dir)                                          \
  auto dir##_opt = ::arrow_sus::testing::CorpusDir();                          \
  if (!dir##_opt)                                                              \
    GTEST_SKIP() << "DATASUS corpus not found: set ARROW_SUS_CORPUS or place " \
                    "it at ../shared/corpus";                                  \
  const std::filesystem::path dir = *dir##_opt

}  // namespace arrow_sus::testing
