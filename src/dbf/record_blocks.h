// Pulls fixed-size records out of a stream of DBF bytes, a block of up to N records at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/interfaces.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf::internal {

struct RecordBlock {
  std::shared_ptr<arrow::Buffer> data;  // num_records * record_length bytes (at least)
  int64_t first_record = 0;             // number of the first record in the file (0-based)
  int32_t num_records = 0;
};

class RecordBlockReader {
 public:
  RecordBlockReader(std::shared_ptr<arrow::io::InputStream> stream, const DbfHeader& header,
                    int64_t records_per_block, TruncatedPolicy on_truncated,
                    arrow::MemoryPool* pool);

  // The next block, or nullopt once the record area is over. The record area ends at the end of
  // the stream or at a 0x1A byte where a record would start; the bytes after it are read (so a
  // .dbc stream still checks its CRC) and counted, not interpreted. A record whose deletion flag is
  // neither ' ' nor '*' is a FormatError: the bytes are not the records the header describes (for
  // instance a .dbc read as a .dbf). So is a truncated file: one whose records end before the
  // count its header declares (more records than declared are read: the data is trusted), or
  // inside a record; with TruncatedPolicy::kWarn the records present are delivered instead and the
  // error is kept in truncation(). The check happens at the end of the records, so it holds for
  // streams of unknown size (a .dbc being decompressed) too.
  //
  // `reuse`, when given, is an earlier block's buffer that nobody else holds: the records are read
  // into it instead of into fresh pages (which the kernel would have to zero). Streams that hand
  // out slices of their own memory ignore it.
  arrow::Result<std::optional<RecordBlock>> Next(
      std::shared_ptr<arrow::ResizableBuffer> reuse = {});

  int64_t records_read() const { return records_read_; }
  // The records read so far are exactly as many as the header announces: the last block was just
  // read, most likely. Only a hint (the data is trusted over the header).
  bool at_header_count() const { return records_read_ == header_records_; }
  bool eof_marker() const { return eof_marker_; }
  int64_t trailing_bytes() const { return trailing_bytes_; }
  // Why the data is incomplete, when it is and the policy is kWarn; OK otherwise.
  const arrow::Status& truncation() const { return truncation_; }

 private:
  arrow::Status DrainTrailingBytes();
  // At the end of the records: the error for a truncated file (`cut` bytes of an incomplete record
  // after the complete ones), returned or kept in truncation_ as the policy says.
  arrow::Status CheckComplete(int64_t cut);
  // Up to `nbytes` of the stream: zero-copy slices when the stream has them, else read into `reuse`
  // or a new buffer.
  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadBytes(
      int64_t nbytes, std::shared_ptr<arrow::ResizableBuffer> reuse);

  std::shared_ptr<arrow::io::InputStream> stream_;
  int64_t header_length_;
  int32_t record_length_;
  int64_t records_per_block_;
  int64_t header_records_;
  TruncatedPolicy on_truncated_;
  arrow::MemoryPool* pool_;
  int64_t records_read_ = 0;
  bool done_ = false;
  bool eof_marker_ = false;
  int64_t trailing_bytes_ = 0;
  arrow::Status truncation_;
};

}  // namespace arrow_sus::dbf::internal
