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

// Skips the current test with a clear message when the corpus is absent; otherwise sets `dir`.
#define ARROW_SUS_REQUIRE_CORPUS(dir)                                          \
  auto dir##_opt = ::arrow_sus::testing::CorpusDir();                          \
  if (!dir##_opt)                                                              \
    GTEST_SKIP() << "DATASUS corpus not found: set ARROW_SUS_CORPUS or place " \
                    "it at ../shared/corpus";                                  \
  const std::filesystem::path dir = *dir##_opt

}  // namespace arrow_sus::testing
