#include "cache/cache_file.h"

#include <arrow/io/file.h>

#include "arrow_sus/error.h"

namespace arrow_sus::cache {

arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenCacheFile(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier) {
  auto file = arrow::io::MemoryMappedFile::Open(path, arrow::io::FileMode::READ);
  if (!file.ok()) {
    return MakeError(ErrorKind::kIo, {.file = path},
                     "cannot map the cache file: " + file.status().message());
  }
  std::shared_ptr<arrow::io::RandomAccessFile> mapped = *file;
  return verifier ? cache::VerifyReads(std::move(mapped), verifier) : mapped;
}

}  // namespace arrow_sus::cache
