// Streaming DBF reader: DBF bytes in, typed Arrow record batches out.
//
// Pipeline (see docs/reader.md): the header is parsed, then fixed-size records are pulled from the
// byte stream in blocks of batch_size records; deleted records are dropped and the filter is
// evaluated on the raw bytes; the selected records of the projected fields are converted into Arrow
// arrays. The serial path does all of this on the caller's thread; the threaded path runs it on
// Arrow's CPU thread pool, each task reading (one at a time: decompression is sequential) and then
// converting its own block, with a bounded number of blocks in flight, handed out in file order.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <arrow/io/file.h>
#include <arrow/io/interfaces.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf {

// What happened while reading, beyond the data itself.
struct ReadStats {
  int64_t header_record_count = 0;  // the count stored in the header
  int64_t records_read = 0;         // complete records found in the data so far (deleted included)
  int64_t deleted_records = 0;      // records flagged 0x2A (skipped unless keep_deleted)
  int64_t rows_filtered_out = 0;    // records the filter rejected
  int64_t rows_emitted = 0;         // rows in the batches returned
  bool finished = false;            // the whole record area was read
  bool eof_marker = false;          // a 0x1A byte ended the record area
  int64_t trailing_bytes = 0;       // bytes after the records (and the 0x1A) that were ignored
  // With on_truncated = kWarn, why the data is incomplete (the FormatError kRaise would have given:
  // the header declares more records than the data holds, or the data ends inside a record);
  // empty otherwise.
  std::string truncated;
  // Per converted column: values that were not blank but could not be parsed (became null).
  std::map<std::string, int64_t> invalid_values;

  // records_read - header_record_count once finished (0 when the header was right).
  int64_t record_count_difference() const { return records_read - header_record_count; }
};

// Where the bytes came from, kept in the schema metadata.
struct SourceInfo {
  std::string name;               // file name (used in error messages too)
  std::optional<uint32_t> crc32;  // the CRC-32 stored in a .dbc
};

// Schema metadata keys.
inline constexpr char kMetaSource[] = "arrow_sus.source";
inline constexpr char kMetaHeaderRecords[] = "arrow_sus.header_record_count";
inline constexpr char kMetaCrc32[] = "arrow_sus.crc32";
// Field metadata keys.
inline constexpr char kMetaDbfType[] = "dbf.type";
inline constexpr char kMetaDbfWidth[] = "dbf.width";
inline constexpr char kMetaDbfDecimals[] = "dbf.decimals";

// The Arrow type a field converts to under `options` (see docs/reader.md for the rules).
std::shared_ptr<arrow::DataType> ArrowTypeFor(const FieldDescriptor& field,
                                              const ReadOptions& options);

class DbfReader : public arrow::RecordBatchReader {
 public:
  // Reads the header from `dbf_bytes` (decompressed DBF bytes, e.g. from OpenDbcStream) and
  // prepares projection, filter and converters. Errors name `source.name`.
  static arrow::Result<std::shared_ptr<DbfReader>> Make(
      std::shared_ptr<arrow::io::InputStream> dbf_bytes, ReadOptions options,
      SourceInfo source = {});

  ~DbfReader() override;

  std::shared_ptr<arrow::Schema> schema() const override;
  // Next batch, or nullptr at the end. Batches are never empty.
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) override;
  arrow::Status Close() override;

  const DbfHeader& header() const;
  // A consistent snapshot; safe to call from another thread while reading.
  ReadStats stats() const;

  class Impl;

 private:
  explicit DbfReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Opens a plain .dbf file.
// A local file opened for reading: kNotFound when it is not a regular file, kIo otherwise.
arrow::Result<std::shared_ptr<arrow::io::ReadableFile>> OpenLocalFile(const std::string& path);

arrow::Result<std::shared_ptr<DbfReader>> OpenDbfFile(const std::string& path, ReadOptions options);

// Opens a .dbc held by `file` (a local file, or bytes in memory via arrow::io::BufferReader): its
// stored CRC goes into the schema metadata, and the records are decompressed as they are read (the
// CRC is checked when the end is reached, unless dbc_options.verify_crc is false).
arrow::Result<std::shared_ptr<DbfReader>> OpenDbc(std::shared_ptr<arrow::io::RandomAccessFile> file,
                                                  std::string name, ReadOptions options,
                                                  DbcOptions dbc_options = {});

// Opens a .dbc file.
arrow::Result<std::shared_ptr<DbfReader>> OpenDbcFile(const std::string& path, ReadOptions options,
                                                      DbcOptions dbc_options = {});

}  // namespace arrow_sus::dbf
