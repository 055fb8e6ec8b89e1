#include "test_support.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include <arrow/io/memory.h>

namespace arrow_sus::testing {

struct BusyThreads::State {
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  std::atomic<int> running{0};
};

BusyThreads::BusyThreads(arrow::internal::Executor* executor, int count)
    : state_(std::make_shared<State>()) {
  for (int i = 0; i < count; ++i) {
    ++state_->running;
    auto spawned = executor->Spawn([state = state_] {
      ++state->started;
      while (!state->release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      --state->running;
    });
    if (!spawned.ok()) {
      --state_->running;
      throw std::runtime_error("BusyThreads: " + spawned.ToString());
    }
  }
  while (state_->started < count) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

BusyThreads::~BusyThreads() {
  state_->release = true;
  while (state_->running > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

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

int64_t OverwriteIpcMessages(const std::filesystem::path& path) {
  std::vector<uint8_t> data = ReadFileBytes(path);
  constexpr size_t kLeadingMagic = 8;  // "ARROW1" + padding
  constexpr size_t kTrailer = 10;      // footer length (int32) + "ARROW1"
  if (data.size() < kLeadingMagic + kTrailer) return 0;
  int32_t footer_length;
  std::memcpy(&footer_length, data.data() + data.size() - kTrailer, sizeof(footer_length));
  const size_t body_end = data.size() - kTrailer - static_cast<size_t>(footer_length);
  if (footer_length < 0 || body_end <= kLeadingMagic) return 0;
  std::fill(data.begin() + kLeadingMagic, data.begin() + body_end, 0xEE);
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return static_cast<int64_t>(body_end - kLeadingMagic);
}

cache::ChunkChecksums ChecksumsOf(const std::string& bytes) {
  cache::ChecksummingOutputStream stream(*arrow::io::BufferOutputStream::Create());
  if (!stream.Write(bytes.data(), static_cast<int64_t>(bytes.size())).ok())
    throw std::runtime_error("cannot checksum");
  return stream.checksums();
}

io::EntryLock WriterLock(const std::string& path) {
  auto lock = io::EntryLock::Acquire(path + ".lock");
  if (!lock.ok()) throw std::runtime_error(lock.status().ToString());
  return std::move(*lock);
}

std::string FormatTestName(cache::ConvertedFormat format) {
  std::string name = cache::ConvertedFormatName(format);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

bool DamageConvertedData(const std::filesystem::path& path, cache::ConvertedFormat format) {
  switch (format) {
    case cache::ConvertedFormat::kArrowIpc:
      return OverwriteOccurrences(path, kLz4FrameMagic, 8) > 0;
    case cache::ConvertedFormat::kParquet:
      return OverwriteOccurrences(path, kZstdFrameMagic, 8) > 0;
    case cache::ConvertedFormat::kArrowIpcUncompressed:
      break;
  }
  return OverwriteIpcMessages(path) > 0;
}

}  // namespace arrow_sus::testing
