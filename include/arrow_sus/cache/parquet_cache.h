// The converted half of the disk cache: Parquet files made from downloaded .dbc/.dbf files.
//
// The raw half (the downloaded files themselves) is io::FileCache under <cache>/raw. Each Parquet
// entry records the identity of the file it was converted from (io::FileIdentity: path, size,
// mtime, and the record count and CRC-32 of a .dbc), the source it came from, and a converter key
// (converter version plus the options that shape the output: encoding, decimals, semantic types).
// An entry is used only while all of these match, so a file DATASUS republishes under the same
// name is converted again.
//
// Files are written under a temporary name and renamed into place before the entry is committed;
// the manifest is an SQLite database in WAL mode. A crash leaves either the old entry or the new
// one, never a half-written file under an entry, and several processes can fill the same cache at
// once (the last complete writer of an entry wins; every reader sees one valid entry).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

#include "arrow_sus/io/identity.h"

namespace arrow_sus::cache {

struct ParquetEntry {
  std::string source;         // the source URL the original came from
  io::FileIdentity identity;  // the original file's identity (path relative to the source)
  std::string converter;      // converter version and output options
  std::string dataset;        // catalog id, for clearing by dataset ("" when unknown)
  std::string local_path;     // absolute path of the Parquet file
  int64_t bytes = 0;
  int64_t created = 0;  // seconds since the epoch
  int64_t last_used = 0;
};

struct ParquetCacheInfo {
  int64_t entries = 0;
  int64_t bytes = 0;
  int64_t hits = 0;    // lookups that found a valid entry, since the cache was created
  int64_t misses = 0;  // lookups that did not
};

struct ClearOptions {
  std::optional<int64_t> older_than_seconds;  // only entries not used for this long
  std::optional<std::string> dataset;         // only this dataset's entries
};

class ParquetCache {
 public:
  // Opens (creating if needed) the cache rooted at `root` (the arrow-sus cache directory).
  static arrow::Result<std::shared_ptr<ParquetCache>> Open(const std::string& root);
  ~ParquetCache();

  const std::string& root() const;

  // The valid entry converted from this version of the file with this converter, if any. An
  // entry whose original changed (a republished file), or whose Parquet file is missing or has
  // another size, is removed and counted as a miss.
  arrow::Result<std::optional<ParquetEntry>> Lookup(const std::string& source,
                                                    const io::FileIdentity& identity,
                                                    const std::string& converter);

  // Where the Parquet file for this original and converter belongs. Write it under a temporary
  // name beside it, rename it into place, then Commit.
  std::string PathFor(const std::string& source, const std::string& path,
                      const std::string& converter) const;

  // Records an entry whose file is already in place at entry.local_path, replacing any previous
  // entry for the same source, path and converter.
  arrow::Status Commit(const ParquetEntry& entry);

  arrow::Result<ParquetCacheInfo> Info();
  arrow::Result<std::vector<ParquetEntry>> Entries();
  // Removes matching entries and their files; returns how many were removed.
  arrow::Result<int64_t> Clear(const ClearOptions& options);

  class Impl;

 private:
  explicit ParquetCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_sus::cache
