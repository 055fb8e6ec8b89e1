// A scan: many DATASUS files (one dataset, several states and periods) read as one stream.
//
// Planning (Plan) finds, for every file, what it is (its identity: size, mtime, and for .dbc the
// record count and CRC-32) and its columns — from the disk cache when it holds a conversion of
// this very version, otherwise from a local copy or one ranged read of the file's header — and
// unifies the files' schemas (SchemaMode). Execution (Execute) then runs one task per file on a
// MultiFileReader, so several files are fetched, decoded and converted at once in bounded memory:
//
//   cached conversion of this version (Arrow IPC by default, or Parquet)
//             ──► read with projection + filter (IPC batches / Parquet row groups skipped)
//   otherwise ──► local mirror file or download (decoded while it downloads; raw copy cached)
//             ──► .dbc container ──► DBF reader
//                 with the cache:    all columns ─► converted cache (tee) ─► filter, project
//                 without the cache: projection and filter pushed down to the raw bytes
//   ──► dates typed (catalog) ──► unified schema (+ source columns) ──► the caller
//
// A filter on a column that some files lack treats the column as null in those files.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/cache/converted_cache.h"
#include "arrow_sus/dbf/options.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/schema_unification.h"

namespace arrow_sus::scan {

// One file to scan, with what the caller already knows about it.
struct ScanFile {
  std::string path;                       // relative to the source root
  std::optional<io::RemoteEntry> listed;  // size and mtime from a listing (saves a stat)
  std::string dataset;                    // catalog id, recorded with cache entries
  // Partition values, added as columns with ScanOptions::with_source.
  std::string uf;
  std::optional<int32_t> year;
  std::optional<int32_t> month;
};

struct ScanOptions {
  std::string source_url;  // empty: io::DefaultSourceUrl() ($ARROW_SUS_SOURCE or the DATASUS FTP)
  io::SourceOptions source_options;
  // Columns (in this order), filter, encoding, decimals, raw, batch size, ... as for one file.
  dbf::ReadOptions read;
  SchemaMode schema_mode = SchemaMode::kUnion;
  bool use_cache = true;
  std::string cache_dir;         // empty: io::CacheDir()
  bool ordered = true;           // batches in file order; otherwise as soon as they are ready
  int max_concurrent_files = 0;  // 0: one per core, at least 2
  bool with_source = false;      // add columns uf, year, month and file to every row
  bool verify_crc = true;
  // Semantic types from the catalog (see semantic_types.h): date columns stored as text become
  // date32.
  bool typed = true;
  // How conversions are cached: Arrow IPC (fast to read back, 3-8x the .dbc on disk) or Parquet
  // (~0.5x the .dbc, about as slow to read back as decoding the .dbc). Entries in the other format
  // are not used.
  cache::ConvertedFormat cache_format = cache::ConvertedFormat::kArrowIpc;
};

// Names of the columns with_source adds.
inline constexpr const char* kSourceColumns[] = {"uf", "year", "month", "file"};

// What planning found about one file.
struct PlannedFile {
  ScanFile file;
  io::FileIdentity identity;
  std::shared_ptr<arrow::Schema> schema;  // every column of this file, as converted
  // A conversion of this version in the cache, in ScanOptions::cache_format.
  std::optional<std::string> cached_converted;
  bool cached_raw = false;  // a verified local copy of this version
};

// Counters updated while a scan runs; safe to read from any thread.
struct ScanCounters {
  std::atomic<int64_t> files_done{0};
  std::atomic<int64_t> invalid_dates{0};  // non-blank text in typed date columns that is not a date
  std::atomic<int64_t> files_from_parquet_cache{0};
  std::atomic<int64_t> bytes_downloaded{0};
  std::atomic<int64_t> rows{0};
  std::atomic<int64_t> batches{0};
};

class Scan {
 public:
  static arrow::Result<std::shared_ptr<Scan>> Make(std::vector<ScanFile> files,
                                                   ScanOptions options);
  ~Scan();

  // Plans once (later calls return the first outcome). Errors name the file.
  arrow::Status Plan();
  // The stream's schema: the unified columns (projected as asked) plus the source columns.
  arrow::Result<std::shared_ptr<arrow::Schema>> schema();
  arrow::Result<std::vector<PlannedFile>> files();
  // A new pass over every planned file. Closing the reader early cancels downloads and threads;
  // the cache keeps only complete entries.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Execute();

  const ScanCounters& counters() const;
  const ScanOptions& options() const;

  class Impl;

 private:
  explicit Scan(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the readers Execute returns
};

// The converter key of the converted cache for these options: conversions made with other options,
// or by another converter version, are never reused.
std::string ConverterKey(const dbf::ReadOptions& options, bool typed);

}  // namespace arrow_sus::scan
