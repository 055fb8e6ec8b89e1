// A scan: many DATASUS files (one dataset, several states and periods) read as one stream.
//
// The files come from a Dataset (dataset.h) or a caller's list. Planning (Plan) finds, for every
// file, what it is (its identity: size, mtime, and for .dbc the record count and CRC-32) and its
// columns — from the disk cache when it holds a conversion of this very version, otherwise from a
// local copy or one ranged read of the file's header — and unifies the files' schemas (SchemaMode).
// Execution (Execute) then runs one task per file on a MultiFileReader, so several files are
// fetched, decoded and converted at once in bounded memory:
//
//   cached conversion of this version (Arrow IPC by default, or Parquet)
//             ──► read with projection + filter (IPC batches / Parquet row groups skipped), every
//                 byte verified against the entry's checksums; damaged: the path below instead
//   otherwise ──► local mirror file or download (decoded while it downloads; raw copy cached)
//             ──► .dbc container ──► DBF reader
//                 with the cache:    all columns ─► converted cache (tee) ─► filter, project
//                                    (another writer of the entry busy: as without the cache)
//                 without the cache: projection and filter pushed down to the raw bytes
//   ──► dates typed (catalog) ──► unified schema (+ source columns) ──► the caller
//
// A filter on a column that some files lack treats the column as null in those files.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/util/future.h>

#include "arrow_sus/cache/converted_cache.h"
#include "arrow_sus/dbf/options.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/meaning.h"
#include "arrow_sus/scan/multi_file_reader.h"
#include "arrow_sus/scan/read_warning.h"
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
  // read.filter holds the pushed part of the scan's filter (scan/filter_split.h).
  dbf::ReadOptions read;
  // The rest of the filter, evaluated by Arrow on each file's presented columns.
  std::optional<arrow::compute::Expression> residual_filter;
  SchemaMode schema_mode = SchemaMode::kUnion;
  bool use_cache = true;
  std::string cache_dir;         // empty: io::CacheDir()
  bool ordered = true;           // batches in file order; otherwise as soon as they are ready
  int max_concurrent_files = 0;  // 0: one per core, at least 2
  bool with_source = false;      // add columns uf, year, month and file to every row
  bool verify_crc = true;
  // What the catalog's data dictionary says about the columns (scan/meaning.h): dates and numbers
  // stored as text typed, coded columns as dictionary arrays, labels, decoded ages.
  MeaningOptions meaning;
  // How conversions are cached: uncompressed Arrow IPC (the fastest re-read, ~10x the .dbc on
  // disk), Arrow IPC with LZ4 (3-8x the .dbc) or Parquet (~0.5x the .dbc, about as slow to read
  // back as decoding the .dbc). Entries in another format are not used.
  cache::ConvertedFormat cache_format = cache::ConvertedFormat::kArrowIpcUncompressed;

  // An InvalidArgument error naming the first option out of range and what it allows: read's and
  // source_options' own checks, max_concurrent_files >= 0, no large_strings.
  arrow::Status Validate() const;
};

// What one execution reads of a planned scan: the parts of ScanOptions that do not change which
// files are read, what they are or how they are converted (Scan::Narrow).
struct ScanRequest {
  std::optional<std::vector<std::string>> columns;  // in this order; nullopt: every column
  std::shared_ptr<const dbf::Predicate> filter;     // rows to keep on the raw bytes; null: all
  std::optional<arrow::compute::Expression> residual_filter;  // the rest, applied by Arrow
  int64_t batch_size = dbf::ReadOptions{}.batch_size;
  bool with_source = false;
  bool ordered = true;
};

// How a pass would read one planned file, decided before anything runs (Scan::Explain).
struct FileExplanation {
  std::string path;
  int64_t size = 0;
  std::string read_from;     // "converted cache", "raw cache", "mirror" or "download"
  bool fills_cache = false;  // the file's conversion is written to the converted cache on the way
  // Columns converted from the DBF (every column when the cache is filled) or read from the
  // converted cache.
  std::vector<std::string> columns;
  std::string filter_pushed;  // the filter evaluated before presentation (raw bytes, typed values)
  std::string filter_after;   // the filter applied to presented columns (labels)
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

// Counters of a pass (Execute starts each pass at zero); safe to read from any thread while it
// runs. They grow as the work happens, per batch or per file (never per row), so they can drive
// progress bars and show what the pushed-down projection and filter saved. Headers read while
// planning are not counted. When a pass is read to the end:
//   rows == records_scanned - deleted_records_skipped - rows_filtered_out.
struct ScanCounters {
  std::atomic<int64_t> files_done{0};  // files finished (read to the end, or abandoned)
  // Files whose data ended before their header's record count, read anyway (on_truncated = kWarn;
  // Scan::warnings() says which).
  std::atomic<int64_t> truncated_files{0};
  std::atomic<int64_t> invalid_dates{0};  // non-blank text in typed date columns that is not a date
  std::atomic<int64_t> files_from_cache{0};  // files read from their converted copy
  std::atomic<int64_t> bytes_downloaded{0};  // bytes fetched from a remote source
  // Bytes read from files: the .dbc/.dbf bytes the decoder consumed (from the local mirror, the raw
  // cache or a download) plus the bytes read from converted-cache files (footer and the column
  // chunks of the columns decoded).
  std::atomic<int64_t> bytes_read{0};
  // DBF fields converted to Arrow, summed over the files decoded: with the projection pushed down,
  // only the asked columns (a filter tests its fields on the raw bytes, without converting them,
  // except date fields, compared once typed); every column when the conversion is written to the
  // cache.
  std::atomic<int64_t> columns_converted{0};
  // Columns decoded from converted-cache files (asked plus filter-only), summed over those files.
  std::atomic<int64_t> columns_read_from_cache{0};
  // Records the scan went through: DBF records read (deleted ones included) and rows of the cached
  // files (those in row groups skipped by their statistics included; a cached file abandoned before
  // its end counts only the rows it delivered).
  std::atomic<int64_t> records_scanned{0};
  std::atomic<int64_t> deleted_records_skipped{0};  // records flagged deleted (0 with keep_deleted)
  // Records the scan's filter rejected: on the raw bytes, after typing dates, or in the cache
  // reader.
  std::atomic<int64_t> rows_filtered_out{0};
  std::atomic<int64_t> rows{0};     // rows delivered
  std::atomic<int64_t> batches{0};  // batches delivered
  // Values of coded columns that their code list lacks (delivered rows; per column in
  // Scan::unmapped_codes()).
  std::atomic<int64_t> unmapped_codes{0};

  // Calls f(name, counter) for every counter, in declaration order.
  template <typename F>
  void ForEach(F&& f) {
    ForEachOf(*this, f);
  }
  template <typename F>
  void ForEach(F&& f) const {
    ForEachOf(*this, f);
  }
  void Reset() {
    ForEach([](const char*, std::atomic<int64_t>& counter) { counter.store(0); });
  }

 private:
  template <typename Self, typename F>
  static void ForEachOf(Self& self, F& f) {
    f("files_done", self.files_done);
    f("truncated_files", self.truncated_files);
    f("invalid_dates", self.invalid_dates);
    f("files_from_cache", self.files_from_cache);
    f("bytes_downloaded", self.bytes_downloaded);
    f("bytes_read", self.bytes_read);
    f("columns_converted", self.columns_converted);
    f("columns_read_from_cache", self.columns_read_from_cache);
    f("records_scanned", self.records_scanned);
    f("deleted_records_skipped", self.deleted_records_skipped);
    f("rows_filtered_out", self.rows_filtered_out);
    f("rows", self.rows);
    f("batches", self.batches);
    f("unmapped_codes", self.unmapped_codes);
  }
};

class Scan {
 public:
  static arrow::Result<std::shared_ptr<Scan>> Make(std::vector<ScanFile> files,
                                                   ScanOptions options);
  ~Scan();

  // Plans once (later calls return the first outcome). Errors name the file.
  arrow::Status Plan();
  // Plan() without waiting: the header reads run on Arrow's IO pool and the future finishes after
  // the last one (at once when planned already).
  arrow::Future<> PlanAsync();
  // The stream's schema: the unified columns (projected as asked) plus the source columns.
  arrow::Result<std::shared_ptr<arrow::Schema>> schema();
  arrow::Result<std::vector<PlannedFile>> files();
  // A new pass over every planned file (the counters start again at zero), read synchronously
  // (a RecordBatchReader) or asynchronously (ReadNextAsync). Closing the reader early cancels
  // downloads and threads; the cache keeps only complete entries.
  arrow::Result<std::shared_ptr<MultiFileReader>> Execute();
  // The same planned files under another request: planning is shared (nothing is listed, stat'ed
  // or read again, whichever scan plans first), the projection, filter and counters are the new
  // scan's own.
  arrow::Result<std::shared_ptr<Scan>> Narrow(const ScanRequest& request) const;
  // How a pass would read each planned file (plans first).
  arrow::Result<std::vector<FileExplanation>> Explain();

  const ScanCounters& counters() const;
  // Values of coded columns their code list lacks, per column, in the latest pass.
  std::map<std::string, int64_t> unmapped_codes() const;
  const ScanOptions& options() const;
  // What the latest pass reported without failing: each file read although truncated
  // (on_truncated = kWarn), naming it, in the order the files finished; each filter caveat
  // (FileMeaning::FilterCaveats) once. Safe from any thread.
  std::vector<ReadWarning> warnings() const;

  class Impl;

 private:
  explicit Scan(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the readers Execute returns
};

// The converter key of the converted cache for these options: conversions made with other options,
// or by another converter version, are never reused.
std::string ConverterKey(const dbf::ReadOptions& options, const MeaningOptions& meaning);

}  // namespace arrow_sus::scan
