#include "arrow_sus/dbf/reader.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>

#include <arrow/util/key_value_metadata.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/error.h"
#include "dbf/block_pipeline.h"

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
      : source_(std::move(source)), header_(std::move(header)), processor_(std::move(processor)) {
    stats_.header_record_count = header_.record_count;
    for (const auto& name : processor_->column_names()) stats_.invalid_values[name] = 0;
    const int64_t records_per_block = RecordsPerBlock(options, header_);
    int max_in_flight = 0;  // serial
    auto* pool = arrow::internal::GetCpuThreadPool();
    const int64_t block_bytes = records_per_block * header_.record_length;
    // Records that fit in one block too small to split in column ranges: the pool would convert
    // them on one of its threads while this one waits, for the cost of handing them over. (A header
    // that undercounts its records only costs speed: the data is read whole all the same.)
    const bool one_small_block =
        header_.record_count <= records_per_block &&
        header_.record_count * header_.record_length < internal::kMinSplitBytes;
    if (options.use_threads && pool->GetCapacity() > 1 && !one_small_block) {
      const int64_t by_memory =
          std::max<int64_t>(2, kMaxInFlightBytes / std::max<int64_t>(1, block_bytes));
      max_in_flight = static_cast<int>(std::min<int64_t>(pool->GetCapacity() + 1, by_memory));
    }
    pipeline_ =
        internal::BlockPipeline::Make(std::make_unique<internal::RecordBlockReader>(
                                          std::move(stream), header_, records_per_block,
                                          options.on_truncated, arrow::default_memory_pool()),
                                      processor_, max_in_flight);
  }

  ~Impl() { Close(); }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* batch) {
    *batch = nullptr;
    while (!closed_ && !ended_.has_value()) {
      auto step = pipeline_->Next();
      if (!step.ok()) {
        ended_ = arrow_sus::WithFile(step.status(), source_.name);
        break;
      }
      std::optional<internal::ProcessedBlock>& block = step->block;
      Account(step->position, block ? &*block : nullptr);
      if (!block) {
        ended_ = arrow::Status::OK();
        break;
      }
      if (block->batch->num_rows() > 0) {
        *batch = std::move(block->batch);
        return arrow::Status::OK();
      }
    }
    return closed_ ? arrow::Status::OK() : *ended_;
  }

  // May be called from another thread while ReadNext waits: that call then ends the stream.
  void Close() {
    if (closed_.exchange(true)) return;
    pipeline_->Close();  // tasks still running finish their block and drop it
  }

  const std::shared_ptr<arrow::Schema>& schema() const { return processor_->schema(); }
  const DbfHeader& header() const { return header_; }

  ReadStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  // Counts a step: where the stream stands, and what the block (if any) held.
  void Account(const internal::StreamPosition& position, const internal::ProcessedBlock* block) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.records_read = position.records_read;
    stats_.eof_marker = position.eof_marker;
    stats_.trailing_bytes = position.trailing_bytes;
    if (!position.truncation.ok() && stats_.truncated.empty())
      stats_.truncated = arrow_sus::WithFile(position.truncation, source_.name).message();
    if (block == nullptr) {
      stats_.finished = true;
      return;
    }
    stats_.deleted_records += block->deleted_records;
    stats_.rows_filtered_out += block->rows_filtered_out;
    stats_.rows_emitted += block->batch->num_rows();
    const auto& names = processor_->column_names();
    for (size_t c = 0; c < names.size(); ++c)
      stats_.invalid_values[names[c]] += block->invalid_values[c];
  }

  SourceInfo source_;
  DbfHeader header_;
  std::shared_ptr<const internal::BlockProcessor> processor_;
  std::shared_ptr<internal::BlockPipeline> pipeline_;
  std::optional<arrow::Status> ended_;  // how the records ended: OK, or the error (given again)
  std::atomic<bool> closed_ = false;
  mutable std::mutex mutex_;  // stats() may be called from another thread
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
