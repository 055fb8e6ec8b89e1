// Fetching one file into a FileCache: freshness check, resume, verification, atomic commit.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <arrow/result.h>

#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

struct DownloadOptions {
  // Called once the version to fetch is known, before any byte moves: where the bytes go and how
  // many an earlier partial download already holds (they are kept). Called again if the download
  // starts over because the file changed on the server.
  std::function<void(const FileIdentity&, const PartialDownload&)> on_start;
  // Called (from the downloading thread) after each chunk is written to the partial file, with its
  // length. Returning an error stops the download; the partial file stays for a later resume.
  std::function<arrow::Status(int64_t)> on_bytes;
  // Called when all bytes are on disk, before the (CPU-heavy) verification; returning an error
  // stops there and keeps the complete partial file for a later run. Lets a reader decoding the
  // same bytes finish first instead of sharing the CPU with the verification.
  std::function<arrow::Status()> before_verify;
  // Called every few milliseconds while another writer (a process or thread) holds the file's
  // cache entry; returning an error stops waiting (a closed reader, a stopped scan).
  std::function<arrow::Status()> keep_waiting;
  // The identity the caller already stat'ed, to skip the initial stat (nullopt: stat first).
  std::optional<FileIdentity> known_identity;
  // Times a download starts over from byte 0 because the file changed on the server or the
  // finished bytes failed verification.
  int max_restarts = 3;
};

struct DownloadResult {
  FileIdentity identity;  // the version now held locally
  std::filesystem::path local_path;
  bool up_to_date = false;    // the local copy was already this version: nothing was fetched
  int64_t bytes_fetched = 0;  // bytes transferred by this call
  int64_t resumed_from = 0;   // bytes of an earlier partial download that were kept
};

// Brings cache's copy of `path` up to date with the source. Nothing is fetched when the recorded
// identity matches the server's size and mtime (a stat, or the caller's listing: no byte of the
// file is read, the record count and CRC are the recorded ones). A file that must be fetched is not
// prefix-read first: its record count and CRC are taken from the verified download. Otherwise the
// file is streamed into a partial download (resuming one of the same version), verified
// (VerifyDownload), and committed. A copy that fails verification is never committed: the download
// starts over, and after max_restarts a kChecksum error is returned.
//
// The download holds the entry's lock (FileCache::LockEntry) from the first byte to the commit.
// When another process or thread holds it, this call waits (see keep_waiting) and then uses what
// that writer committed, if it is the version wanted.
arrow::Result<DownloadResult> DownloadFile(Source& source, FileCache& cache, std::string_view path,
                                           const DownloadOptions& options = {});

// Checks a finished download against the identity it should have: the size, the record count and
// CRC fields of a .dbc, and the CRC-32 of its whole decompressed content; for a .zip, the size and
// CRC-32 of every member it can read (ZipArchive::Verify).
arrow::Status VerifyDownload(const std::filesystem::path& file, const FileIdentity& expected);

}  // namespace arrow_sus::io
