#include "dbf/record_blocks.h"

#include <cstring>
#include <string>

#include "arrow_sus/error.h"
#include "dbf/error_locations.h"
#include "dbf/stream_reading.h"

namespace arrow_sus::dbf::internal {

namespace {

constexpr uint8_t kEndOfFile = 0x1A;
constexpr uint8_t kLiveFlag = ' ';
constexpr uint8_t kDeletedFlag = '*';

std::string Hex(uint8_t byte) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 15];
}

}  // namespace

RecordBlockReader::RecordBlockReader(std::shared_ptr<arrow::io::InputStream> stream,
                                     const DbfHeader& header, int64_t records_per_block,
                                     TruncatedPolicy on_truncated, arrow::MemoryPool* pool)
    : stream_(std::move(stream)),
      header_length_(header.header_length),
      record_length_(header.record_length),
      records_per_block_(records_per_block),
      header_records_(header.record_count),
      on_truncated_(on_truncated),
      pool_(pool) {}

arrow::Status RecordBlockReader::DrainTrailingBytes() {
  constexpr int64_t kChunk = 1 << 16;
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto chunk, stream_->Read(kChunk));
    if (chunk->size() == 0) return arrow::Status::OK();
    trailing_bytes_ += chunk->size();
  }
}

arrow::Status RecordBlockReader::CheckComplete(int64_t cut) {
  const uint64_t data_end = header_length_ + records_read_ * record_length_;
  arrow::Status error;
  if (cut > 0) {
    error =
        MakeError(ErrorKind::kFormat, AtByte(data_end, records_read_),
                  "the data ends inside a record (" + std::to_string(cut) + " of " +
                      std::to_string(record_length_) + " bytes) after " +
                      std::to_string(records_read_) + " complete records (the header declares " +
                      std::to_string(header_records_) + "): the file is truncated");
  } else if (records_read_ < header_records_) {
    error = MakeError(ErrorKind::kFormat, AtByte(data_end, records_read_),
                      "the header declares " + std::to_string(header_records_) +
                          " records but the data holds " + std::to_string(records_read_) +
                          ": the file is truncated");
  }
  if (error.ok() || on_truncated_ == TruncatedPolicy::kRaise) return error;
  truncation_ = std::move(error);
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<arrow::Buffer>> RecordBlockReader::ReadBytes(
    int64_t nbytes, std::shared_ptr<arrow::ResizableBuffer> reuse) {
  if (stream_->supports_zero_copy()) return ReadUpTo(stream_.get(), nbytes, pool_);
  std::shared_ptr<arrow::ResizableBuffer> buffer = std::move(reuse);
  if (buffer == nullptr) {
    ARROW_ASSIGN_OR_RAISE(buffer, arrow::AllocateResizableBuffer(nbytes, pool_));
  } else {
    ARROW_RETURN_NOT_OK(buffer->Resize(nbytes, /*shrink_to_fit=*/false));
  }
  int64_t got = 0;
  while (got < nbytes) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, stream_->Read(nbytes - got, buffer->mutable_data() + got));
    if (n == 0) break;
    got += n;
  }
  ARROW_RETURN_NOT_OK(buffer->Resize(got, /*shrink_to_fit=*/false));
  return buffer;
}

arrow::Result<std::optional<RecordBlock>> RecordBlockReader::Next(
    std::shared_ptr<arrow::ResizableBuffer> reuse) {
  if (done_) return std::nullopt;
  const int64_t wanted = records_per_block_ * record_length_;
  ARROW_ASSIGN_OR_RAISE(auto data, ReadBytes(wanted, std::move(reuse)));
  const bool at_end = data->size() < wanted;
  int64_t complete = data->size() / record_length_;
  const int64_t partial = data->size() % record_length_;

  RecordBlock block;
  block.data = data;
  block.first_record = records_read_;
  for (int64_t i = 0; i < complete; ++i) {
    const uint8_t flag = data->data()[i * record_length_];
    if (flag == kLiveFlag || flag == kDeletedFlag) continue;
    const uint64_t offset = header_length_ + (records_read_ + i) * record_length_;
    if (flag != kEndOfFile) {
      return MakeError(ErrorKind::kFormat, AtByte(offset, records_read_ + i),
                       "record starts with " + Hex(flag) +
                           ", not a deletion flag (' ' or '*'): not the records this DBF header "
                           "describes");
    }
    // 0x1A where a record would start: the record area is over; the rest is ignored.
    eof_marker_ = true;
    trailing_bytes_ = data->size() - i * record_length_ - 1;
    done_ = true;
    block.num_records = static_cast<int32_t>(i);
    records_read_ += i;
    ARROW_RETURN_NOT_OK(DrainTrailingBytes());
    ARROW_RETURN_NOT_OK(CheckComplete(0));
    if (i == 0) return std::nullopt;
    return block;
  }
  int64_t cut = 0;  // bytes of an incomplete last record
  if (at_end) {
    done_ = true;
    if (partial > 0) {
      const uint8_t* tail = data->data() + complete * record_length_;
      if (tail[0] == kEndOfFile) {
        eof_marker_ = true;
        trailing_bytes_ = partial - 1;
      } else {
        cut = partial;
      }
    }
  }
  block.num_records = static_cast<int32_t>(complete);
  records_read_ += complete;
  if (done_) ARROW_RETURN_NOT_OK(CheckComplete(cut));
  if (complete == 0) return std::nullopt;
  return block;
}

}  // namespace arrow_sus::dbf::internal
