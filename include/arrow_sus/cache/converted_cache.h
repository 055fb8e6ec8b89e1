// The converted half of the disk cache: Arrow IPC or Parquet files made from downloaded .dbc/.dbf
// files.
//
// The raw half (the downloaded files themselves) is io::FileCache under <cache>/raw. Each converted
// entry records the identity of the file it was converted from (io::FileIdentity: path, size,
// mtime, and the record count and CRC-32 of a .dbc), the source it came from, and a converter key
// (converter version plus the options that shape the output: encoding, decimals, semantic types).
// An entry is used only while all of these match, so a file DATASUS republishes under the same
// name is converted again. The file format is part of the key too: an entry in the other format is
// a miss, never read as this one.
//
// Files are written under a temporary name and renamed into place before the entry is committed;
// the manifest is an SQLite database in WAL mode. A crash leaves either the old entry or the new
// one, never a half-written file under an entry. Any number of processes and threads share a
// cache: an entry has one writer at a time, the holder of its lock (TryLockEntry); the others read
// through (they decode without writing) instead of waiting. A file is never rewritten or truncated
// in place, only replaced by a rename or removed, so a reader's memory map of it stays valid.
//
// Every entry records the checksums of its file (chunk_checksums.h), which readers verify as they
// read; an entry without them (made by an earlier version) is a miss. Temporary files whose writer
// is gone (killed before it could remove them) are found by Temporaries() and removed by
// RemoveTemporaries(), and by the next writer of the same entry.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "arrow_sus/cache/chunk_checksums.h"
#include "arrow_sus/io/entry_lock.h"
#include "arrow_sus/io/identity.h"

namespace arrow_sus::cache {

// How a conversion is stored. Arrow IPC (LZ4 frame buffers, memory-mapped when read) is the
// default: reading it back costs a fraction of decoding the .dbc, at 3-8x the .dbc's size on disk.
// Parquet (zstd) is ~0.5x the .dbc's size, but reading its text columns back costs about as much as
// decoding the .dbc again (measurements in docs/scan.md). Uncompressed Arrow IPC is the fastest to
// read back (the columns are the mapped file's pages, nothing is decompressed) and the largest on
// disk (~10x the .dbc).
enum class ConvertedFormat { kArrowIpc, kParquet, kArrowIpcUncompressed };

// Both kinds of Arrow IPC files, which one reader reads.
inline bool IsArrowIpc(ConvertedFormat format) { return format != ConvertedFormat::kParquet; }

// "ipc", "parquet" or "ipc-uncompressed": the name used in the manifest, the Python API and the
// CLI.
const char* ConvertedFormatName(ConvertedFormat format);
arrow::Result<ConvertedFormat> ParseConvertedFormat(std::string_view name);

struct ConvertedEntry {
  std::string source;         // the source URL the original came from
  io::FileIdentity identity;  // the original file's identity (path relative to the source)
  std::string converter;      // converter version and output options
  ConvertedFormat format = ConvertedFormat::kArrowIpc;
  std::string dataset;     // catalog id, for clearing by dataset ("" when unknown)
  std::string local_path;  // absolute path of the converted file
  int64_t bytes = 0;
  int64_t created = 0;  // seconds since the epoch
  int64_t last_used = 0;
  ChunkChecksums checksums;  // of the file at local_path, recorded when it was written
};

struct ConvertedUsage {
  int64_t entries = 0;
  int64_t bytes = 0;
};

struct ConvertedCacheInfo {
  int64_t entries = 0;  // all formats together
  int64_t bytes = 0;
  std::map<ConvertedFormat, ConvertedUsage> by_format;  // the formats that have entries
  int64_t hits = 0;    // lookups that found a valid entry, since the cache was created
  int64_t misses = 0;  // lookups that did not
};

struct ClearOptions {
  std::optional<int64_t> older_than_seconds;  // only entries not used for this long
  std::optional<std::string> dataset;         // only this dataset's entries
  std::optional<ConvertedFormat> format;      // only entries in this format
};

class ConvertedCache {
 public:
  // Opens (creating if needed) the cache rooted at `root` (the arrow-sus cache directory).
  static arrow::Result<std::shared_ptr<ConvertedCache>> Open(const std::string& root);
  ~ConvertedCache();

  const std::string& root() const;

  // The valid entry converted from this version of the file with this converter into this format,
  // if any. An entry whose original changed (a republished file), or whose file is missing or has
  // another size, is removed and counted as a miss.
  arrow::Result<std::optional<ConvertedEntry>> Lookup(const std::string& source,
                                                      const io::FileIdentity& identity,
                                                      const std::string& converter,
                                                      ConvertedFormat format);

  // Where the file for this original, converter and format belongs. Write it under a temporary
  // name beside it (io::TemporaryNameFor) while holding TryLockEntry's lock, rename it into place,
  // then Commit.
  std::string PathFor(const std::string& source, const std::string& path,
                      const std::string& converter, ConvertedFormat format) const;

  // The lock of the entry whose file is `local_path`, when no other writer holds it (nullopt: a
  // process or thread is writing it now). Temporary files of the entry that a writer which died
  // left behind are removed on the way.
  static arrow::Result<std::optional<io::EntryLock>> TryLockEntry(const std::string& local_path);

  // Records an entry whose file is already in place at entry.local_path, with its checksums,
  // replacing any previous entry for the same source, path, converter and format.
  arrow::Status Commit(const ConvertedEntry& entry);

  // Removes the entry for entry's source, path, converter and format, and its file: one found
  // damaged while it was read, so that the next lookup is a miss and the file is converted again.
  arrow::Status Forget(const ConvertedEntry& entry);

  arrow::Result<ConvertedCacheInfo> Info();
  arrow::Result<std::vector<ConvertedEntry>> Entries();
  // Removes matching entries and their files; returns how many were removed.
  arrow::Result<int64_t> Clear(const ClearOptions& options);

  // Temporary files under converted/ whose writer is gone, and their removal (only those
  // unmodified for `older_than_seconds`, when given; returns how many were removed).
  std::vector<io::TemporaryFile> Temporaries() const;
  arrow::Result<int64_t> RemoveTemporaries(std::optional<int64_t> older_than_seconds = {});

  class Impl;

 private:
  explicit ConvertedCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_sus::cache
