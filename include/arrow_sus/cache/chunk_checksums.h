// Checksums of converted cache files, computed while a file is written and verified while it is
// read, a fixed-size chunk at a time.
//
// Arrow IPC files carry no checksums, and a cache file is read in pieces: an uncompressed IPC file
// is memory-mapped and only the buffers of the asked columns are touched, a Parquet file only the
// asked column chunks. So the file is cut into chunks of kChunkBytes, the CRC-32 of each is kept in
// the cache manifest with the entry, and a reader verifies a chunk the first time a read touches
// it: verification costs what is read (plus at most one chunk at each end of a read), and a byte
// that changed on disk is never handed to a consumer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>

namespace arrow_sus::cache {

// 64 KiB: a 65,536-row batch of a one-byte column is one chunk, so a projected read verifies
// little more than it reads; the manifest keeps 4 bytes per chunk (12 KiB for a 192 MB file).
inline constexpr int64_t kChunkBytes = 64 * 1024;

struct ChunkChecksums {
  int64_t chunk_bytes = kChunkBytes;
  int64_t file_bytes = 0;
  std::vector<uint32_t> crcs;  // one per chunk; the last chunk may be shorter

  // The manifest's form: chunk_bytes, then each CRC, as little-endian 32-bit words.
  std::string Serialize() const;
  // Parses the manifest's form for a file of `file_bytes`; kFormat when it cannot describe it.
  static arrow::Result<ChunkChecksums> Parse(std::string_view blob, int64_t file_bytes);
};

// Passes everything written to `inner` and checksums it on the way (files are written from the
// first byte to the last, as Arrow's IPC and Parquet writers do).
class ChecksummingOutputStream final : public arrow::io::OutputStream {
 public:
  explicit ChecksummingOutputStream(std::shared_ptr<arrow::io::OutputStream> inner);

  arrow::Status Write(const void* data, int64_t nbytes) override;
  arrow::Status Flush() override { return inner_->Flush(); }
  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return written_; }

  // The checksums of every byte written so far.
  ChunkChecksums checksums() const;

 private:
  std::shared_ptr<arrow::io::OutputStream> inner_;
  int64_t written_ = 0;
  uint32_t current_ = 0;  // CRC of the chunk being filled
  std::vector<uint32_t> crcs_;
};

// Which chunks of one cache file have been verified, shared by every reader of the file in a scan
// (several column groups, Parquet's reopened files), so each chunk is verified once.
class ChunkVerifier {
 public:
  ChunkVerifier(std::string path, ChunkChecksums checksums);

  // Checks the chunks of [offset, offset + length) not verified yet, reading them from `file` (the
  // cache file); a mismatch is a kChecksum error naming the file and the chunk's bytes.
  arrow::Status Verify(arrow::io::RandomAccessFile& file, int64_t offset, int64_t length);

  const std::string& path() const { return path_; }

  // The first mismatch found (OK when none): readers above may wrap the error they got from the
  // file in one of their own, and this recovers what it was.
  arrow::Status failure() const;

 private:
  arrow::Status VerifyRun(arrow::io::RandomAccessFile& file, int64_t first, int64_t end);

  std::string path_;
  ChunkChecksums checksums_;
  std::unique_ptr<std::atomic<bool>[]> verified_;
  mutable std::mutex mutex_;
  arrow::Status failure_;
};

// `inner` (the cache file) with every read verified by `verifier` before its bytes are returned.
std::shared_ptr<arrow::io::RandomAccessFile> VerifyReads(
    std::shared_ptr<arrow::io::RandomAccessFile> inner, std::shared_ptr<ChunkVerifier> verifier);

}  // namespace arrow_sus::cache
