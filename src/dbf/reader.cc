#include "arrow_sus/dbf/reader.h"

#include <algorithm>
#include <deque>
#include <string>

#include <arrow/util/future.h>
#include <arrow/util/key_value_metadata.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/error.h"
#include "dbf/block_processor.h"
#include "dbf/record_blocks.h"

namespace arrow_sus::dbf {

namespace {

// Blocks waiting in the threaded pipeline hold their raw records and, once converted, their
// arrays: bound them by bytes as well as by count so that wide records do not blow up memory.
constexpr int64_t kMaxInFlightBytes = int64_t{32} << 20;
// Raw records per block at most: with SIH-RD's 702-byte records a 65,536-record block would be 46
// MB, and a few blocks in flight plus their arrays would take hundreds of MB.
constexpr int64_t kMaxBlockBytes = int64_t{8} << 20;
// A file is cut into at least this many blocks (down to kMinBlockBytes each), so that a file of a
// few blocks still keeps every core busy: a 16 MB file read as two 8 MB blocks would convert
// them one after the other, behind their decompression.
constexpr int64_t kMinBlocksPerFile = 8;
constexpr int64_t kMinBlockBytes = int64_t{1} << 20;

// batch_size records, unless that is more raw bytes than the block size the file calls for.
int64_t RecordsPerBlock(const ReadOptions& options, const DbfHeader& header) {
  const int64_t data_bytes = header.record_count * header.record_length;
  const int64_t block_bytes =
      std::clamp<int64_t>(data_bytes / kMinBlocksPerFile, kMinBlockBytes, kMaxBlockBytes);
  return std::clamp<int64_t>(block_bytes / header.record_length, 1, options.batch_size);
}

std::string Crc32Hex(uint32_t crc) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 7; i >= 0; --i, crc >>= 4) out[i] = kDigits[crc & 15];
  return out;
}

std::shared_ptr<const arrow::KeyValueMetadata> SchemaMetadata(const DbfHeader& header,
                                                              const SourceInfo& source) {
  auto metadata = std::make_shared<arrow::KeyValueMetadata>();
  metadata->Append(kMetaSource, source.name);
  metadata->Append(kMetaHeaderRecords, std::to_string(header.record_count));
  if (source.crc32) metadata->Append(kMetaCrc32, Crc32Hex(*source.crc32));
  return metadata;
}

}  // namespace

class DbfReader::Impl {
 public:
  Impl(SourceInfo source, DbfHeader header, ReadOptions options,
       std::shared_ptr<const internal::BlockProcessor> processor,
       std::shared_ptr<arrow::io::InputStream> stream)
      : source_(std::move(source)),
        header_(std::move(header)),
        processor_(std::move(processor)),
        blocks_(std::move(stream), header_, RecordsPerBlock(options, header_),
                arrow::default_memory_pool()) {
    stats_.header_record_count = header_.record_count;
    for (const auto& name : processor_->column_names()) stats_.invalid_values[name] = 0;
    auto* pool = arrow::internal::GetCpuThreadPool();
    if (options.use_threads && pool->GetCapacity() > 1) {
      const int64_t block_bytes = RecordsPerBlock(options, header_) * header_.record_length;
      const int64_t by_memory =
          std::max<int64_t>(2, kMaxInFlightBytes / std::max<int64_t>(1, block_bytes));
      max_in_flight_ = static_cast<int>(std::min<int64_t>(pool->GetCapacity() + 1, by_memory));
    }
  }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
    *batch = nullptr;
    while (!closed_) {
      ARROW_ASSIGN_OR_RAISE(std::optional<internal::ProcessedBlock> block, NextProcessed());
      if (!block) {
        std::lock_guard<std::mutex> lock(mutex_);
        stats_.finished = true;
        return arrow::Status::OK();
      }
      Account(*block);
      blocks_.Recycle(std::move(block->records));
      if (block->batch->num_rows() > 0) {
        *batch = std::move(block->batch);
        return arrow::Status::OK();
      }
    }
    return arrow::Status::OK();
  }

  void Close() {
    closed_ = true;
    in_flight_.clear();  // running tasks own what they use; their results are dropped
  }

  const std::shared_ptr<arrow::Schema>& schema() const { return processor_->schema(); }
  const DbfHeader& header() const { return header_; }

  ReadStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // Serial: read and convert here. Threaded: keep up to max_in_flight_ blocks converting on the CPU
  // pool while this thread reads (and decompresses) the next ones; hand them out in file order.
  arrow::Result<std::optional<internal::ProcessedBlock>> NextProcessed() {
    if (max_in_flight_ == 0) {
      ARROW_ASSIGN_OR_RAISE(auto block, ReadBlock());
      if (!block) return std::nullopt;
      return WithFile(processor_->Process(*block));
    }
    while (read_error_.ok() && !input_done_ &&
           static_cast<int>(in_flight_.size()) < max_in_flight_) {
      auto block = ReadBlock();
      if (!block.ok()) {
        read_error_ = block.status();  // reported after the blocks read before it
        break;
      }
      if (!*block) {
        input_done_ = true;
        break;
      }
      ARROW_ASSIGN_OR_RAISE(auto future,
                            arrow::internal::GetCpuThreadPool()->Submit(
                                [processor = processor_, b = std::move(**block)]() mutable {
                                  // Dropped before the result is published, so the
                                  // block's bytes can be recycled.
                                  internal::RecordBlock block = std::move(b);
                                  return processor->Process(block);
                                }));
      in_flight_.push_back(std::move(future));
    }
    if (in_flight_.empty()) {
      if (!read_error_.ok()) return read_error_;
      return std::nullopt;
    }
    auto future = std::move(in_flight_.front());
    in_flight_.pop_front();
    return WithFile(future.result());
  }

  arrow::Result<std::optional<internal::RecordBlock>> ReadBlock() {
    auto block = blocks_.Next();
    if (!block.ok()) return arrow_sus::WithFile(block.status(), source_.name);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.records_read = blocks_.records_read();
    stats_.eof_marker = blocks_.eof_marker();
    stats_.trailing_bytes = blocks_.trailing_bytes();
    return block;
  }

  arrow::Result<internal::ProcessedBlock> WithFile(
      arrow::Result<internal::ProcessedBlock> r) const {
    if (!r.ok()) return arrow_sus::WithFile(r.status(), source_.name);
    return r;
  }

  void Account(const internal::ProcessedBlock& block) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.deleted_records += block.deleted_records;
    stats_.rows_filtered_out += block.rows_filtered_out;
    stats_.rows_emitted += block.batch->num_rows();
    const auto& names = processor_->column_names();
    for (size_t c = 0; c < names.size(); ++c)
      stats_.invalid_values[names[c]] += block.invalid_values[c];
  }

  SourceInfo source_;
  DbfHeader header_;
  std::shared_ptr<const internal::BlockProcessor> processor_;
  internal::RecordBlockReader blocks_;
  int max_in_flight_ = 0;  // 0 = serial
  std::deque<arrow::Future<internal::ProcessedBlock>> in_flight_;
  arrow::Status read_error_;
  bool input_done_ = false;
  bool closed_ = false;
  mutable std::mutex mutex_;
  ReadStats stats_;
};

DbfReader::DbfReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DbfReader::~DbfReader() = default;

arrow::Result<std::shared_ptr<DbfReader>> DbfReader::Make(
    std::shared_ptr<arrow::io::InputStream> dbf_bytes, ReadOptions options, SourceInfo source) {
  auto with_file = [&](const arrow::Status& s) { return arrow_sus::WithFile(s, source.name); };
  if (auto st = options.Validate(); !st.ok()) return with_file(st);
  auto header = ReadDbfHeader(dbf_bytes.get());
  if (!header.ok()) return with_file(header.status());
  auto processor =
      internal::BlockProcessor::Make(*header, options, SchemaMetadata(*header, source));
  if (!processor.ok()) return with_file(processor.status());
  auto impl = std::make_unique<Impl>(std::move(source), std::move(*header), std::move(options),
                                     std::move(*processor), std::move(dbf_bytes));
  return std::shared_ptr<DbfReader>(new DbfReader(std::move(impl)));
}

std::shared_ptr<arrow::Schema> DbfReader::schema() const { return impl_->schema(); }

arrow::Status DbfReader::ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
  return impl_->ReadNext(batch);
}

arrow::Status DbfReader::Close() {
  impl_->Close();
  return arrow::Status::OK();
}

const DbfHeader& DbfReader::header() const { return impl_->header(); }

ReadStats DbfReader::stats() const { return impl_->stats(); }

}  // namespace arrow_sus::dbf
