// Read-only ZIP archives: DATASUS publishes its tabulation files (TabWin .DEF/.CNV, auxiliary
// DBFs) as TAB_*.zip archives of up to 125 MB.
//
// Open reads only the central directory (the table of contents at the end of the archive);
// members are read on demand, stored or deflated (inflated with Arrow's GZIP codec in raw-deflate
// mode), as streams of bounded memory whose size and CRC-32 are checked when they end. ZIP64
// archives are read too. Anything the reader cannot trust is a typed error naming the archive,
// the member and the byte offset: a truncated or corrupt directory, a member name that escapes the
// archive's root (absolute, drive letter, "..", NUL), encrypted members, compression methods other
// than stored and deflate, a member that inflates past its declared size (a "zip bomb") or stops
// short of it, and a CRC-32 that does not match (kChecksum).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/result.h>

namespace arrow_sus::io {

struct ZipMember {
  // UTF-8 (from CP437 unless the archive flags UTF-8 names), '/'-separated: backslashes written
  // by some Windows tools are read as separators.
  std::string name;
  bool is_directory = false;
  uint16_t method = 0;  // 0 stored, 8 deflate (Open refuses others only when the member is read)
  uint16_t flags = 0;   // general-purpose bit flags
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t directory_offset = 0;  // where its central-directory entry starts (for errors)
};

class ZipArchive {
 public:
  // Reads the central directory of `file`; `name` names the archive in errors. The file stays
  // open (shared) for reading members.
  static arrow::Result<std::shared_ptr<ZipArchive>> Open(
      std::shared_ptr<arrow::io::RandomAccessFile> file, std::string name);
  static arrow::Result<std::shared_ptr<ZipArchive>> OpenFile(const std::filesystem::path& path);

  const std::string& name() const { return name_; }
  std::span<const ZipMember> members() const { return members_; }

  // The member called `name` ('/' or '\' separators), comparing ASCII letters case-insensitively
  // (DEF files name their CNVs in any case); an exact-case match wins. nullptr when there is none;
  // kInvalidArgument when several members differ only in case.
  arrow::Result<const ZipMember*> Find(std::string_view name) const;

  // The member's bytes as a stream, read and inflated `chunk_size` bytes at a time; the stream
  // fails at its end when the size or the CRC-32 is not the declared one.
  arrow::Result<std::shared_ptr<arrow::io::InputStream>> OpenMember(
      const ZipMember& member, int64_t chunk_size = 64 * 1024) const;

  // The whole member in memory; members declaring more than `max_size` bytes are refused
  // (kInvalidArgument) before anything is read.
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadMember(const ZipMember& member,
                                                           int64_t max_size = 64 << 20) const;

  // Reads every member this reader supports (stored or deflated, not encrypted) to its end, so
  // that a corrupt or truncated archive is found now; other members cannot be checked and are
  // skipped (they are still errors when read).
  arrow::Status Verify() const;

 private:
  ZipArchive(std::shared_ptr<arrow::io::RandomAccessFile> file, std::string name,
             std::vector<ZipMember> members)
      : file_(std::move(file)), name_(std::move(name)), members_(std::move(members)) {}

  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  std::string name_;
  std::vector<ZipMember> members_;
};

// True for names ending in ".zip" (any case): the downloads VerifyDownload reads as archives.
bool HasZipSuffix(std::string_view path);

}  // namespace arrow_sus::io
