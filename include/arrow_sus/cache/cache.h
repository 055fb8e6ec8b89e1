// The disk cache (L2): downloaded .dbc files and their converted Parquet, keyed by what the file
// is.
//
// A remote file is identified by its source, path, size and modification time, plus the CRC-32 its
// .dbc header carries; a Parquet conversion also by the converter version and the options that
// shape its output. An entry is used only while all of these match, so a file DATASUS republishes
// under the same name is fetched and converted again.
//
// Files are written under a temporary name and renamed into place before the entry is committed,
// and the manifest is an SQLite database in WAL mode: a crash leaves either the old entry or the
// new one, never a half-written file under an entry, and several processes can fill the same cache
// at once (the last complete writer of an entry wins; every reader sees one valid entry).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace arrow_sus::cache {

// The cache directory: $ARROW_SUS_CACHE, else $XDG_CACHE_HOME/arrow-sus, else ~/.cache/arrow-sus.
std::string DefaultCacheDir();

enum class EntryKind : uint8_t { kRaw, kParquet };

// What a remote file is; two identities are the same file content when every known field matches.
struct FileIdentity {
  std::string
      source;  // the source URL it came from (e.g. ftp://ftp.datasus.gov.br/dissemin/publicos)
  std::string path;  // relative path on that source, '/'-separated
  int64_t size = -1;
  int64_t mtime = -1;           // seconds since the epoch, UTC; -1 when unknown
  std::optional<uint32_t> crc;  // from the .dbc header, when known
};

struct CacheEntry {
  EntryKind kind = EntryKind::kRaw;
  FileIdentity identity;
  std::string converter;   // "" for raw files; converter version and output options for Parquet
  std::string dataset;     // catalog id, for clear(dataset=...) ("" when unknown)
  std::string local_path;  // absolute path of the cached file
  int64_t bytes = 0;
  int64_t created = 0;  // seconds since the epoch
  int64_t last_used = 0;
};

struct CacheInfo {
  int64_t raw_entries = 0;
  int64_t raw_bytes = 0;
  int64_t parquet_entries = 0;
  int64_t parquet_bytes = 0;
  int64_t hits = 0;    // lookups that found a valid entry, since the cache was created
  int64_t misses = 0;  // lookups that did not
};

struct ClearOptions {
  std::optional<int64_t> older_than_seconds;  // only entries not used for this long
  std::optional<std::string> dataset;         // only this dataset's entries
  std::optional<EntryKind> kind;              // only raw or only Parquet entries
};

class Cache {
 public:
  // Opens (creating if needed) the cache rooted at `root`.
  static arrow::Result<std::shared_ptr<Cache>> Open(const std::string& root);
  ~Cache();

  const std::string& root() const;

  // The valid entry for this identity and converter, if any. An entry whose file is missing or has
  // another size, or whose identity differs (a republished file), is removed and reported as a
  // miss. `identity.crc` unset matches any recorded CRC.
  arrow::Result<std::optional<CacheEntry>> Lookup(EntryKind kind, const FileIdentity& identity,
                                                  const std::string& converter = "");

  // Where the file for this identity belongs (write it to TemporaryPath(...) first, then rename).
  std::string PathFor(EntryKind kind, const FileIdentity& identity,
                      const std::string& converter = "") const;
  // A unique temporary name in the same directory as `final_path`.
  static std::string TemporaryPath(const std::string& final_path);

  // Records an entry whose file is already in place at entry.local_path, replacing any previous
  // entry for the same kind, source, path and converter.
  arrow::Status Commit(const CacheEntry& entry);

  arrow::Result<CacheInfo> Info();
  arrow::Result<std::vector<CacheEntry>> Entries();
  // Removes matching entries and their files; returns how many were removed.
  arrow::Result<int64_t> Clear(const ClearOptions& options);

  class Impl;

 private:
  explicit Cache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace arrow_sus::cache
