#include "cache/cache_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <deque>
#include <mutex>

#include <arrow/buffer.h>
#include <arrow/io/file.h>

#include "arrow_sus/error.h"
#include "core/forwarding_file.h"

namespace arrow_sus::cache {

namespace {

// Bytes of a mapped file read and not yet handed back to the kernel.
constexpr int64_t kResidentWindow = int64_t{32} << 20;

// The pages of a memory-mapped file count in the process's resident memory from the first read
// until the file is closed: a scan reading every column of 250 MB cache files grew by 250 MB per
// file open at once (a warm `get` of 12 SIH-RD months peaked at 579 MB). Once more than
// kResidentWindow bytes were read after them, the pages read longest ago are handed back
// (madvise MADV_DONTNEED). The map is read-only, so this only drops the process's page table
// entries: a batch still using them reads them again from the page cache, unchanged.
class ReleasingMappedFile final : public ForwardingFile {
 public:
  using ForwardingFile::ForwardingFile;

  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    return Released(ForwardingFile::Read(nbytes));
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    return Released(ForwardingFile::ReadAt(position, nbytes));
  }

 private:
  struct Range {
    const uint8_t* data;
    int64_t size;
  };

  arrow::Result<std::shared_ptr<arrow::Buffer>> Released(
      arrow::Result<std::shared_ptr<arrow::Buffer>> read) {
    if (!read.ok() || (*read)->size() == 0) return read;
    std::lock_guard lock(mutex_);
    ranges_.push_back({(*read)->data(), (*read)->size()});
    resident_ += (*read)->size();
    while (resident_ > kResidentWindow && ranges_.size() > 1) {
      Release(ranges_.front());
      resident_ -= ranges_.front().size;
      ranges_.pop_front();
    }
    return read;
  }

  // The whole pages inside `range` (those it shares with a neighbour stay).
  static void Release(const Range& range) {
    static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(range.data) + page - 1) & ~(page - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(range.data) + range.size) & ~(page - 1);
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  }

  std::mutex mutex_;
  std::deque<Range> ranges_;
  int64_t resident_ = 0;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenCacheFile(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier) {
  auto file = arrow::io::MemoryMappedFile::Open(path, arrow::io::FileMode::READ);
  if (!file.ok()) {
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot map the cache file: " + file.status().message());
  }
  std::shared_ptr<arrow::io::RandomAccessFile> mapped =
      std::make_shared<ReleasingMappedFile>(std::move(*file));
  return verifier ? cache::VerifyReads(std::move(mapped), verifier) : mapped;
}

}  // namespace arrow_sus::cache
