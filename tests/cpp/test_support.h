// Helpers shared by the C++ tests: where the real DATASUS corpus is, and reading files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/util/thread_pool.h>

#include "arrow_sus/cache/converted_cache.h"

namespace arrow_sus::testing {

// Keeps `count` threads of `executor` busy until destroyed, then lets them go and waits for them
// (tests that work must progress when a pool is full). The tasks share their state by shared_ptr,
// so a test that ends early, by a failed ASSERT, neither hangs nor leaves a task reading its stack.
class BusyThreads {
 public:
  BusyThreads(arrow::internal::Executor* executor, int count);
  ~BusyThreads();
  BusyThreads(const BusyThreads&) = delete;
  BusyThreads& operator=(const BusyThreads&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

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

// Overwrites the messages of an Arrow IPC file (everything between its leading magic and its
// footer) with 0xEE bytes: the footer, and so the schema, stay readable, the batches do not.
// Returns the number of bytes overwritten. For uncompressed files, which have no codec frames.
int64_t OverwriteIpcMessages(const std::filesystem::path& path);

// Damages the data of a converted cache file in `format` (codec frames, or the IPC messages of an
// uncompressed file) while its size and footer stay intact; false when nothing could be damaged.
bool DamageConvertedData(const std::filesystem::path& path, cache::ConvertedFormat format);

// The checksums a cache file holding `bytes` gets when it is written.
cache::ChunkChecksums ChecksumsOf(const std::string& bytes);

// The lock every writer of the cache file `path` holds (for tests that write cache files).
io::EntryLock WriterLock(const std::string& path);

// A format's name as a GoogleTest parameter name ("ipc-uncompressed" -> "ipc_uncompressed").
std::string FormatTestName(cache::ConvertedFormat format);

// Skips the current test with a clear message when the corpus is absent; otherwise sets `dir`.
#define ARROW_SUS_REQUIRE_CORPUS(dir)                                          \
  auto dir##_opt = ::arrow_sus::testing::CorpusDir();                          \
  if (!dir##_opt)                                                              \
    GTEST_SKIP() << "DATASUS corpus not found: set ARROW_SUS_CORPUS or place " \
                    "it at ../shared/corpus";                                  \
  const std::filesystem::path dir = *dir##_opt

}  // namespace arrow_sus::testing
