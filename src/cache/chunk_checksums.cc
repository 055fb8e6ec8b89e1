#include "arrow_sus/cache/chunk_checksums.h"

#include <algorithm>
#include <span>
#include <utility>

#include <arrow/buffer.h>
#include <arrow/util/parallel.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/crc32.h"
#include "arrow_sus/error.h"
#include "core/forwarding_file.h"

namespace arrow_sus::cache {

namespace {

void AppendWord(std::string& out, uint32_t word) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((word >> (8 * i)) & 0xFF));
}

uint32_t WordAt(std::string_view blob, size_t index) {
  uint32_t word = 0;
  for (int i = 0; i < 4; ++i)
    word |= uint32_t(static_cast<uint8_t>(blob[4 * index + i])) << (8 * i);
  return word;
}

// Runs of this many chunks (4 MiB) or more are verified in parallel.
constexpr int64_t kParallelChunks = 64;

int64_t ChunkCount(int64_t file_bytes, int64_t chunk_bytes) {
  return (file_bytes + chunk_bytes - 1) / chunk_bytes;
}

// Reads through a cache file, verifying every range before returning its bytes.
class VerifyingFile final : public ForwardingFile {
 public:
  VerifyingFile(std::shared_ptr<arrow::io::RandomAccessFile> inner,
                std::shared_ptr<ChunkVerifier> verifier)
      : ForwardingFile(std::move(inner)), verifier_(std::move(verifier)) {}

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    ARROW_RETURN_NOT_OK(VerifyFromHere(nbytes));
    return ForwardingFile::Read(nbytes, out);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_RETURN_NOT_OK(VerifyFromHere(nbytes));
    return ForwardingFile::Read(nbytes);
  }
  arrow::Result<int64_t> ReadAt(int64_t position, int64_t nbytes, void* out) override {
    ARROW_RETURN_NOT_OK(verifier_->Verify(inner(), position, nbytes));
    return ForwardingFile::ReadAt(position, nbytes, out);
  }
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadAt(int64_t position, int64_t nbytes) override {
    ARROW_RETURN_NOT_OK(verifier_->Verify(inner(), position, nbytes));
    return ForwardingFile::ReadAt(position, nbytes);
  }

 private:
  arrow::Status VerifyFromHere(int64_t nbytes) {
    ARROW_ASSIGN_OR_RAISE(int64_t position, Tell());
    return verifier_->Verify(inner(), position, nbytes);
  }

  std::shared_ptr<ChunkVerifier> verifier_;
};

}  // namespace

std::string ChunkChecksums::Serialize() const {
  std::string out;
  out.reserve(4 * (crcs.size() + 1));
  AppendWord(out, static_cast<uint32_t>(chunk_bytes));
  for (uint32_t crc : crcs) AppendWord(out, crc);
  return out;
}

arrow::Result<ChunkChecksums> ChunkChecksums::Parse(std::string_view blob, int64_t file_bytes) {
  ChunkChecksums out;
  out.file_bytes = file_bytes;
  if (blob.size() >= 4 && blob.size() % 4 == 0) {
    out.chunk_bytes = WordAt(blob, 0);
    const size_t count = blob.size() / 4 - 1;
    if (out.chunk_bytes > 0 && file_bytes >= 0 &&
        static_cast<int64_t>(count) == ChunkCount(file_bytes, out.chunk_bytes)) {
      out.crcs.reserve(count);
      for (size_t i = 0; i < count; ++i) out.crcs.push_back(WordAt(blob, i + 1));
      return out;
    }
  }
  return MakeError(ErrorKind::kFormat, {},
                   "the cache manifest's checksums do not describe a file of " +
                       std::to_string(file_bytes) + " bytes");
}

ChecksummingOutputStream::ChecksummingOutputStream(std::shared_ptr<arrow::io::OutputStream> inner)
    : inner_(std::move(inner)) {}

arrow::Status ChecksummingOutputStream::Write(const void* data, int64_t nbytes) {
  ARROW_RETURN_NOT_OK(inner_->Write(data, nbytes));
  std::span<const uint8_t> rest(static_cast<const uint8_t*>(data), static_cast<size_t>(nbytes));
  while (!rest.empty()) {
    const int64_t room = kChunkBytes - written_ % kChunkBytes;
    const size_t take = static_cast<size_t>(std::min<int64_t>(room, rest.size()));
    current_ = Crc32Update(current_, rest.first(take));
    rest = rest.subspan(take);
    written_ += static_cast<int64_t>(take);
    if (written_ % kChunkBytes == 0) crcs_.push_back(std::exchange(current_, 0));
  }
  return arrow::Status::OK();
}

ChunkChecksums ChecksummingOutputStream::checksums() const {
  ChunkChecksums out{.chunk_bytes = kChunkBytes, .file_bytes = written_, .crcs = crcs_};
  if (written_ % kChunkBytes != 0) out.crcs.push_back(current_);
  return out;
}

ChunkVerifier::ChunkVerifier(std::string path, ChunkChecksums checksums)
    : path_(std::move(path)),
      checksums_(std::move(checksums)),
      verified_(new std::atomic<bool>[checksums_.crcs.size()]) {
  for (size_t i = 0; i < checksums_.crcs.size(); ++i) verified_[i] = false;
}

arrow::Status ChunkVerifier::Verify(arrow::io::RandomAccessFile& file, int64_t offset,
                                    int64_t length) {
  const int64_t end = std::min(offset + std::max<int64_t>(length, 0), checksums_.file_bytes);
  if (offset < 0 || offset >= end) return arrow::Status::OK();
  const int64_t chunk = checksums_.chunk_bytes;
  const int64_t last = (end - 1) / chunk;
  // Runs of chunks not verified yet are read and checked together, one read each.
  for (int64_t i = offset / chunk; i <= last;) {
    if (verified_[i].load(std::memory_order_acquire)) {
      ++i;
      continue;
    }
    int64_t run_end = i + 1;
    while (run_end <= last && !verified_[run_end].load(std::memory_order_acquire)) ++run_end;
    ARROW_RETURN_NOT_OK(VerifyRun(file, i, run_end));
    i = run_end;
  }
  return arrow::Status::OK();
}

arrow::Status ChunkVerifier::VerifyRun(arrow::io::RandomAccessFile& file, int64_t first,
                                       int64_t end) {
  const int64_t chunk = checksums_.chunk_bytes;
  const int64_t start = first * chunk;
  const int64_t stop = std::min(end * chunk, checksums_.file_bytes);
  ARROW_ASSIGN_OR_RAISE(std::shared_ptr<arrow::Buffer> bytes, file.ReadAt(start, stop - start));
  auto check = [&](int64_t from, int64_t to) -> arrow::Status {
    for (int64_t i = from; i < to; ++i) {
      const int64_t at = (i - first) * chunk;
      const int64_t size = std::min(chunk, stop - start - at);
      const bool complete = bytes->size() >= at + size;
      if (!complete ||
          Crc32({bytes->data() + at, static_cast<size_t>(size)}) != checksums_.crcs[i]) {
        arrow::Status mismatch =
            MakeError(ErrorKind::kChecksum, {.file = path_, .offset = uint64_t(i * chunk)},
                      "damaged cache file: these " + std::to_string(size) +
                          " bytes do not match the checksum recorded when it was written");
        std::lock_guard lock(mutex_);
        if (failure_.ok()) failure_ = mismatch;
        return mismatch;
      }
      verified_[i].store(true, std::memory_order_release);
    }
    return arrow::Status::OK();
  };
  // A long run (a whole batch of a full read) is checked on every core of Arrow's CPU pool, unless
  // this is one of its threads: waiting there for the pool could starve it.
  auto* pool = arrow::internal::GetCpuThreadPool();
  const int64_t count = end - first;
  if (count < kParallelChunks || pool->OwnsThisThread()) return check(first, end);
  const int tasks = static_cast<int>(std::min<int64_t>(pool->GetCapacity(), count / 16));
  return arrow::internal::ParallelFor(tasks, [&](int task) {
    return check(first + count * task / tasks, first + count * (task + 1) / tasks);
  });
}

arrow::Status ChunkVerifier::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::shared_ptr<arrow::io::RandomAccessFile> VerifyReads(
    std::shared_ptr<arrow::io::RandomAccessFile> inner, std::shared_ptr<ChunkVerifier> verifier) {
  return std::make_shared<VerifyingFile>(std::move(inner), std::move(verifier));
}

}  // namespace arrow_sus::cache
