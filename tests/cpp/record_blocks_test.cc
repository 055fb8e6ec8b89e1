// The first stage of the DBF reader alone: fixed-size records pulled out of the byte stream a block
// at a time (block boundaries, the end of the record area, truncation, foreign bytes).
#include "dbf/record_blocks.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <arrow/io/buffered.h>
#include <arrow/memory_pool.h>

#include "dbf_stage_inputs.h"

namespace arrow_sus::dbf::internal {
namespace {

using testing::DbfBuilder;
using testing::DetailOf;
using testing::OpenRecords;

// A one-field DBF whose records hold "0", "1", ... (width 3).
DbfBuilder Numbered(int n) {
  DbfBuilder b;
  b.fields = {{"ID", 'C', 3}};
  for (int i = 0; i < n; ++i) b.records.push_back({std::to_string(i)});
  return b;
}

RecordBlockReader Reader(const testing::StageInput& input, int64_t per_block,
                         TruncatedPolicy policy = TruncatedPolicy::kRaise) {
  return RecordBlockReader(input.records, input.header, per_block, policy,
                           arrow::default_memory_pool());
}

// The ID of record `i` of a block (the record's bytes after its deletion flag, trimmed).
std::string IdOf(const RecordBlock& block, int i, int record_length = 4) {
  std::string id(reinterpret_cast<const char*>(block.data->data()) + i * record_length + 1, 3);
  return id.substr(0, id.find(' '));
}

// Every block's (first record, size), reading to the end.
std::vector<std::pair<int64_t, int32_t>> Blocks(RecordBlockReader& reader) {
  std::vector<std::pair<int64_t, int32_t>> out;
  while (true) {
    auto block = reader.Next();
    EXPECT_TRUE(block.ok()) << block.status().ToString();
    if (!block.ok() || !*block) return out;
    out.emplace_back((*block)->first_record, (*block)->num_records);
  }
}

TEST(RecordBlocksTest, BlocksOfUpToNRecordsNumberedFromTheFileStart) {
  auto input = OpenRecords(Numbered(10));
  auto reader = Reader(input, 4);
  auto first = *reader.Next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->num_records, 4);
  EXPECT_GE(first->data->size(), 4 * 4);
  EXPECT_EQ(IdOf(*first, 0), "0");
  EXPECT_EQ(IdOf(*first, 3), "3");
  auto second = *reader.Next();
  EXPECT_EQ(second->first_record, 4);
  EXPECT_EQ(IdOf(*second, 0), "4");
  auto last = *reader.Next();
  EXPECT_EQ(last->first_record, 8);
  EXPECT_EQ(last->num_records, 2);  // a partial block at the end
  EXPECT_EQ(IdOf(*last, 1), "9");
  EXPECT_FALSE((*reader.Next()).has_value());
  EXPECT_FALSE((*reader.Next()).has_value());  // and stays over
  EXPECT_EQ(reader.records_read(), 10);
  EXPECT_TRUE(reader.eof_marker());
  EXPECT_EQ(reader.trailing_bytes(), 0);
  EXPECT_TRUE(reader.truncation().ok());
}

TEST(RecordBlocksTest, ARecordCountThatFillsTheLastBlockExactly) {
  auto input = OpenRecords(Numbered(8));
  auto reader = Reader(input, 4);
  using Block = std::pair<int64_t, int32_t>;
  EXPECT_EQ(Blocks(reader), (std::vector<Block>{{0, 4}, {4, 4}}));
  EXPECT_TRUE(reader.at_header_count());
}

TEST(RecordBlocksTest, WithoutAnEndMarkerTheStreamEndEndsTheRecords) {
  DbfBuilder b = Numbered(5);
  b.eof_marker = false;
  auto input = OpenRecords(b);
  auto reader = Reader(input, 2);
  using Block = std::pair<int64_t, int32_t>;
  EXPECT_EQ(Blocks(reader), (std::vector<Block>{{0, 2}, {2, 2}, {4, 1}}));
  EXPECT_FALSE(reader.eof_marker());
}

TEST(RecordBlocksTest, NoRecordsNoBlock) {
  auto input = OpenRecords(Numbered(0));
  auto reader = Reader(input, 4);
  EXPECT_FALSE((*reader.Next()).has_value());
  EXPECT_TRUE(reader.eof_marker());
  EXPECT_EQ(reader.records_read(), 0);
}

TEST(RecordBlocksTest, BytesAfterTheEndMarkerAreCountedNotRead) {
  // 0x1A where record 3 would start, then 9 bytes of junk (some files pad to a sector): the
  // record area ends inside the second block, and the junk is drained and counted.
  DbfBuilder b = Numbered(3);
  auto bytes = b.Build();
  for (int i = 0; i < 9; ++i) bytes.push_back(i % 2 ? '*' : 'x');
  auto input = OpenRecords(bytes);
  auto reader = Reader(input, 2);
  using Block = std::pair<int64_t, int32_t>;
  EXPECT_EQ(Blocks(reader), (std::vector<Block>{{0, 2}, {2, 1}}));
  EXPECT_TRUE(reader.eof_marker());
  EXPECT_EQ(reader.trailing_bytes(), 9);
  // With a block big enough to hold everything, the same.
  auto again = OpenRecords(bytes);
  auto whole = Reader(again, 100);
  EXPECT_EQ(Blocks(whole), (std::vector<Block>{{0, 3}}));
  EXPECT_EQ(whole.trailing_bytes(), 9);
}

TEST(RecordBlocksTest, TheEndMarkerAtABlockStartEndsWithoutAnEmptyBlock) {
  auto input = OpenRecords(Numbered(4));
  auto reader = Reader(input, 2);
  EXPECT_EQ(Blocks(reader).size(), 2u);
  EXPECT_TRUE(reader.eof_marker());
}

TEST(RecordBlocksTest, DeletedRecordsAreDeliveredWithTheirFlag) {
  DbfBuilder b = Numbered(3);
  b.deleted = {false, true, false};
  auto input = OpenRecords(b);
  auto reader = Reader(input, 8);
  auto block = *reader.Next();
  ASSERT_EQ(block->num_records, 3);
  EXPECT_EQ(block->data->data()[0], ' ');
  EXPECT_EQ(block->data->data()[4], '*');  // dropping them is the processor's job
}

TEST(RecordBlocksTest, AForeignFlagByteIsAFormatErrorAtItsOffsetAndRow) {
  auto bytes = Numbered(6).Build();
  auto input = OpenRecords(bytes);
  const int64_t record_5 = input.header.header_length + 5 * 4;
  auto corrupted = bytes;
  corrupted[record_5] = 'Q';
  auto bad = OpenRecords(corrupted);
  auto reader = Reader(bad, 4);
  ASSERT_TRUE(reader.Next().ok());  // records 0-3 are fine
  auto status = reader.Next().status();
  const ErrorDetail& detail = DetailOf(status);
  EXPECT_EQ(detail.kind(), ErrorKind::kFormat);
  EXPECT_EQ(detail.location().offset, static_cast<uint64_t>(record_5));
  EXPECT_EQ(detail.location().row, 5);
  EXPECT_NE(status.message().find("0x51"), std::string::npos) << status.message();
}

TEST(RecordBlocksTest, DataEndingInsideARecordIsTruncation) {
  DbfBuilder b = Numbered(5);
  b.eof_marker = false;
  auto bytes = b.Build();
  bytes.resize(bytes.size() - 2);  // record 4 loses 2 of its 4 bytes
  {
    auto input = OpenRecords(bytes);
    auto reader = Reader(input, 2);
    ASSERT_TRUE(reader.Next().ok());
    ASSERT_TRUE(reader.Next().ok());
    auto status = reader.Next().status();  // the end is met in the third block
    const ErrorDetail& detail = DetailOf(status);
    EXPECT_EQ(detail.kind(), ErrorKind::kFormat);
    EXPECT_EQ(detail.location().row, 4);
    EXPECT_EQ(detail.location().offset, static_cast<uint64_t>(input.header.header_length + 16));
    EXPECT_NE(status.message().find("inside a record (2 of 4 bytes)"), std::string::npos)
        << status.message();
  }
  {  // kWarn: the complete records, and the reason kept
    auto input = OpenRecords(bytes);
    auto reader = Reader(input, 2, TruncatedPolicy::kWarn);
    using Block = std::pair<int64_t, int32_t>;
    EXPECT_EQ(Blocks(reader), (std::vector<Block>{{0, 2}, {2, 2}}));
    EXPECT_EQ(DetailOf(reader.truncation()).location().row, 4);
  }
}

TEST(RecordBlocksTest, FewerRecordsThanTheHeaderDeclaresIsTruncation) {
  DbfBuilder b = Numbered(3);
  b.header_record_count = 7;
  {
    auto input = OpenRecords(b);
    auto reader = Reader(input, 10);
    auto status = reader.Next().status();
    EXPECT_EQ(DetailOf(status).kind(), ErrorKind::kFormat);
    EXPECT_EQ(DetailOf(status).location().row, 3);
    EXPECT_NE(status.message().find("declares 7 records but the data holds 3"), std::string::npos)
        << status.message();
  }
  {
    auto input = OpenRecords(b);
    auto reader = Reader(input, 10, TruncatedPolicy::kWarn);
    EXPECT_EQ((*reader.Next())->num_records, 3);
    EXPECT_FALSE(reader.truncation().ok());
    EXPECT_FALSE(reader.at_header_count());
  }
}

TEST(RecordBlocksTest, MoreRecordsThanDeclaredAreReadTheDataIsTrusted) {
  DbfBuilder b = Numbered(6);
  b.header_record_count = 2;
  auto input = OpenRecords(b);
  auto reader = Reader(input, 4);
  ASSERT_TRUE(reader.Next().ok());
  EXPECT_FALSE(reader.at_header_count());  // 4 read, 2 declared: only a hint
  using Block = std::pair<int64_t, int32_t>;
  EXPECT_EQ(Blocks(reader), (std::vector<Block>{{4, 2}}));
  EXPECT_EQ(reader.records_read(), 6);
  EXPECT_TRUE(reader.truncation().ok());
}

TEST(RecordBlocksTest, ABufferHandedBackIsReadIntoWhenTheStreamCopies) {
  auto bytes = Numbered(6).Build();
  auto memory = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto header = *ReadDbfHeader(memory.get());
  // A buffered stream has no zero-copy reads: the reader allocates, or reuses what it is given.
  auto copying = *arrow::io::BufferedInputStream::Create(64, arrow::default_memory_pool(), memory);
  ASSERT_FALSE(copying->supports_zero_copy());
  RecordBlockReader reader(copying, header, 3, TruncatedPolicy::kRaise,
                           arrow::default_memory_pool());
  auto first = *reader.Next();
  auto spare = *arrow::AllocateResizableBuffer(1);
  const arrow::ResizableBuffer* spare_address = spare.get();
  auto second = *reader.Next(std::shared_ptr<arrow::ResizableBuffer>(std::move(spare)));
  EXPECT_EQ(second->data.get(), spare_address);
  EXPECT_EQ(second->first_record, 3);
  EXPECT_EQ(IdOf(*second, 2), "5");
  EXPECT_EQ(IdOf(*first, 0), "0");
}

}  // namespace
}  // namespace arrow_sus::dbf::internal
