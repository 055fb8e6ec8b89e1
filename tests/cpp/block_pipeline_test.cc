// The DBF reader's block pipeline alone: record blocks -> converted blocks in file order, serially
// or on Arrow's CPU pool (order, positions, errors after the blocks before them, the split last
// block, closing).
#include "dbf/block_pipeline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/util/thread_pool.h>

#include "dbf_stage_inputs.h"

namespace arrow_sus::dbf::internal {
namespace {

using testing::DbfBuilder;
using testing::DetailOf;
using testing::OpenRecords;

// `n` records of an ID, a number and a 60-byte text (so that a few thousand make a block bigger
// than kMinSplitBytes).
DbfBuilder Records(int n) {
  DbfBuilder b;
  b.fields = {{"ID", 'N', 7}, {"HALF", 'N', 7}, {"TEXT", 'C', 60}, {"ODD", 'L', 1}};
  for (int i = 0; i < n; ++i) {
    b.records.push_back(
        {std::to_string(i), std::to_string(i / 2), "row " + std::to_string(i), i % 2 ? "T" : "F"});
  }
  return b;
}

std::shared_ptr<BlockPipeline> Pipeline(const std::vector<uint8_t>& bytes, int64_t per_block,
                                        int max_in_flight, ReadOptions options = {}) {
  auto input = OpenRecords(bytes);
  auto blocks = std::make_unique<RecordBlockReader>(
      input.records, input.header, per_block, options.on_truncated, arrow::default_memory_pool());
  auto processor = *BlockProcessor::Make(input.header, options, nullptr);
  return BlockPipeline::Make(std::move(blocks), std::move(processor), max_in_flight);
}

struct Run {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  std::vector<int64_t> records_read;  // after each step, the end included
  StreamPosition end;
  arrow::Status error;
};

Run Drain(BlockPipeline& pipeline) {
  Run run;
  while (true) {
    auto step = pipeline.Next();
    if (!step.ok()) {
      run.error = step.status();
      return run;
    }
    run.records_read.push_back(step->position.records_read);
    if (!step->block) {
      run.end = step->position;
      return run;
    }
    run.batches.push_back(step->block->batch);
  }
}

std::vector<int32_t> Ids(const Run& run) {
  std::vector<int32_t> ids;
  for (const auto& batch : run.batches) {
    auto column = std::static_pointer_cast<arrow::Int32Array>(batch->GetColumnByName("ID"));
    for (int64_t i = 0; i < column->length(); ++i) ids.push_back(column->Value(i));
  }
  return ids;
}

class BlockPipelineTest : public ::testing::TestWithParam<int> {};  // max_in_flight

TEST_P(BlockPipelineTest, BlocksComeInFileOrderWithTheirPositions) {
  auto run = Drain(*Pipeline(Records(1000).Build(), 64, GetParam()));
  ASSERT_TRUE(run.error.ok()) << run.error.ToString();
  ASSERT_EQ(run.batches.size(), 16u);  // 15 full blocks and one of 40
  EXPECT_EQ(run.batches.back()->num_rows(), 1000 - 15 * 64);
  std::vector<int32_t> expected(1000);
  for (int i = 0; i < 1000; ++i) expected[i] = i;
  EXPECT_EQ(Ids(run), expected);
  for (size_t i = 0; i + 1 < run.batches.size(); ++i) {
    EXPECT_EQ(run.records_read[i], static_cast<int64_t>(64 * (i + 1)));
  }
  EXPECT_EQ(run.end.records_read, 1000);
  EXPECT_TRUE(run.end.eof_marker);
  EXPECT_TRUE(run.end.truncation.ok());
}

TEST_P(BlockPipelineTest, ABadBlockFailsAfterTheBlocksBeforeIt) {
  auto bytes = Records(1000).Build();
  auto input = OpenRecords(bytes);
  const int64_t record_length = input.header.record_length;
  const int64_t bad = 300;  // in the fifth block of 64
  bytes[input.header.header_length + bad * record_length] = 0x00;
  auto run = Drain(*Pipeline(bytes, 64, GetParam()));
  EXPECT_EQ(run.batches.size(), 4u);
  EXPECT_EQ(Ids(run).back(), 255);
  const ErrorDetail& detail = DetailOf(run.error);
  EXPECT_EQ(detail.kind(), ErrorKind::kFormat);
  EXPECT_EQ(detail.location().row, bad);
  EXPECT_EQ(detail.location().offset,
            static_cast<uint64_t>(input.header.header_length + bad * record_length));
}

TEST_P(BlockPipelineTest, AConversionErrorNamesItsRowAcrossBlocks) {
  DbfBuilder b = Records(500);
  b.records[333][1] = "3x3";
  ReadOptions options{.on_invalid = InvalidPolicy::kRaise};
  auto run = Drain(*Pipeline(b.Build(), 100, GetParam(), options));
  EXPECT_EQ(run.batches.size(), 3u);
  EXPECT_EQ(DetailOf(run.error).kind(), ErrorKind::kConversion);
  EXPECT_EQ(DetailOf(run.error).location().row, 333);
  EXPECT_EQ(DetailOf(run.error).location().field, "HALF");
}

TEST_P(BlockPipelineTest, ABigLastBlockSplitInColumnRangesConvertsLikeAWholeOne) {
  // 4,000 records of 76 bytes: one block over kMinSplitBytes, read when the header count is
  // reached, so it is converted in one column range per pool thread (4: one per column).
  ASSERT_TRUE(arrow::SetCpuThreadPoolCapacity(4).ok());
  auto bytes = Records(4000).Build();
  ASSERT_GT(4000 * 76, kMinSplitBytes);
  auto split = Drain(*Pipeline(bytes, 4000, GetParam()));
  auto serial = Drain(*Pipeline(bytes, 4000, 0));
  ASSERT_TRUE(split.error.ok()) << split.error.ToString();
  ASSERT_EQ(split.batches.size(), 1u);
  EXPECT_TRUE(split.batches[0]->Equals(*serial.batches[0]));
  // An invalid value in the split block is still the first a serial pass meets.
  DbfBuilder b = Records(4000);
  b.records[3990][0] = "x";  // a late tile of the first range
  b.records[3000][3] = "Q";  // an earlier tile of the last range
  auto failed =
      Drain(*Pipeline(b.Build(), 4000, GetParam(), {.on_invalid = InvalidPolicy::kRaise}));
  EXPECT_EQ(DetailOf(failed.error).location().row, 3000);
  EXPECT_EQ(DetailOf(failed.error).location().field, "ODD");
}

TEST_P(BlockPipelineTest, TruncationUnderWarnEndsWithTheReason) {
  DbfBuilder b = Records(300);
  b.header_record_count = 400;
  auto run = Drain(*Pipeline(b.Build(), 128, GetParam(), {.on_truncated = TruncatedPolicy::kWarn}));
  ASSERT_TRUE(run.error.ok()) << run.error.ToString();
  EXPECT_EQ(Ids(run).size(), 300u);
  EXPECT_EQ(run.end.records_read, 300);
  EXPECT_EQ(DetailOf(run.end.truncation).location().row, 300);
}

TEST_P(BlockPipelineTest, AFileWithNoRecordsEndsAtOnce) {
  auto run = Drain(*Pipeline(Records(0).Build(), 64, GetParam()));
  EXPECT_TRUE(run.error.ok());
  EXPECT_TRUE(run.batches.empty());
  EXPECT_EQ(run.end.records_read, 0);
}

TEST_P(BlockPipelineTest, ClosedNoMoreBlocks) {
  auto pipeline = Pipeline(Records(1000).Build(), 64, GetParam());
  ASSERT_TRUE(pipeline->Next().ok());
  pipeline->Close();
  pipeline->Close();  // idempotent
  auto next = pipeline->Next();
  EXPECT_TRUE(next.status().IsCancelled()) << next.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(SerialAndThreaded, BlockPipelineTest, ::testing::Values(0, 1, 4),
                         [](const auto& info) {
                           return "in_flight_" + std::to_string(info.param);
                         });

}  // namespace
}  // namespace arrow_sus::dbf::internal
