// The DBF reader's block processor alone: one block of raw records -> one batch (deleted records,
// the raw-byte filter, projection, invalid values and where their errors point).
#include "dbf/block_processor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/json/from_string.h>

#include "arrow_sus/dbf/filter.h"
#include "dbf_stage_inputs.h"

namespace arrow_sus::dbf::internal {
namespace {

using testing::DbfBuilder;
using testing::DetailOf;

DbfBuilder People() {
  DbfBuilder b;
  b.fields = {{"NAME", 'C', 6}, {"AGE", 'N', 3}, {"SEX", 'C', 1}};
  b.records = {{"ana", "31", "F"}, {"bia", "7", "F"}, {"caio", "45", "M"}, {"davi", "x9", "M"}};
  return b;
}

// The builder's records as one block whose first record is record `first_record` of the file.
RecordBlock BlockOf(const DbfBuilder& b, int64_t first_record = 0) {
  auto bytes = b.Build();
  auto buffer = arrow::Buffer::FromVector(bytes);
  const int64_t n = static_cast<int64_t>(b.records.size());
  return {arrow::SliceBuffer(buffer, b.HeaderLength(), n * b.RecordLength()), first_record,
          static_cast<int32_t>(n)};
}

std::shared_ptr<const BlockProcessor> Processor(const DbfBuilder& b, const ReadOptions& options) {
  auto header = ParseDbfHeader(b.Build());
  EXPECT_TRUE(header.ok()) << header.status().ToString();
  auto processor = BlockProcessor::Make(*header, options, nullptr);
  EXPECT_TRUE(processor.ok()) << processor.status().ToString();
  return *processor;
}

std::vector<std::string> Names(const ProcessedBlock& block) {
  std::vector<std::string> out;
  auto names = std::static_pointer_cast<arrow::StringArray>(block.batch->GetColumnByName("NAME"));
  for (int64_t i = 0; i < names->length(); ++i) out.push_back(names->GetString(i));
  return out;
}

TEST(BlockProcessorTest, EveryFieldInFileOrderWithInvalidValuesCountedPerColumn) {
  DbfBuilder b = People();
  auto processed = *Processor(b, {})->Process(BlockOf(b));
  ASSERT_EQ(processed.batch->num_rows(), 4);
  EXPECT_EQ(processed.batch->schema()->field_names(),
            (std::vector<std::string>{"NAME", "AGE", "SEX"}));
  EXPECT_EQ(processed.invalid_values, (std::vector<int64_t>{0, 1, 0}));  // "x9"
  auto ages = std::static_pointer_cast<arrow::Int32Array>(processed.batch->column(1));
  EXPECT_EQ(ages->Value(0), 31);
  EXPECT_TRUE(ages->IsNull(3));
  EXPECT_EQ(processed.deleted_records, 0);
  EXPECT_EQ(processed.rows_filtered_out, 0);
  EXPECT_NE(processed.records, nullptr);  // handed back for reuse
}

TEST(BlockProcessorTest, DeletedRecordsAreDroppedAndCountedOrKeptWithAFlag) {
  DbfBuilder b = People();
  b.deleted = {false, true, false, true};
  auto dropped = *Processor(b, {})->Process(BlockOf(b));
  EXPECT_EQ(Names(dropped), (std::vector<std::string>{"ana", "caio"}));
  EXPECT_EQ(dropped.deleted_records, 2);

  auto kept = *Processor(b, {.keep_deleted = true})->Process(BlockOf(b));
  EXPECT_EQ(kept.batch->num_rows(), 4);
  EXPECT_EQ(kept.deleted_records, 2);
  auto flags =
      std::static_pointer_cast<arrow::BooleanArray>(kept.batch->GetColumnByName(kDeletedColumn));
  ASSERT_NE(flags, nullptr);
  EXPECT_EQ(flags->ToString(),
            (*arrow::json::ArrayFromJSONString(arrow::boolean(), "[false, true, false, true]"))
                ->ToString());
}

TEST(BlockProcessorTest, TheFilterSeesOnlyLiveRecordsAndCountsWhatItDrops) {
  DbfBuilder b = People();
  b.deleted = {false, false, true, false};
  ReadOptions options;
  options.filter =
      std::make_shared<Predicate>(Predicate::Compare("SEX", CompareOp::kEqual, {std::string("M")}));
  auto processed = *Processor(b, options)->Process(BlockOf(b));
  EXPECT_EQ(Names(processed), (std::vector<std::string>{"davi"}));
  EXPECT_EQ(processed.deleted_records, 1);
  EXPECT_EQ(processed.rows_filtered_out, 2);  // ana, bia; caio was deleted before
  // Rows filtered out are not converted: their invalid values are not counted.
  options.filter =
      std::make_shared<Predicate>(Predicate::Compare("SEX", CompareOp::kEqual, {std::string("F")}));
  EXPECT_EQ((*Processor(b, options)->Process(BlockOf(b))).invalid_values,
            (std::vector<int64_t>{0, 0, 0}));
}

TEST(BlockProcessorTest, ProjectionInTheOrderAskedUnknownNamesListTheFields) {
  DbfBuilder b = People();
  auto processed =
      *Processor(b, {.columns = std::vector<std::string>{"SEX", "NAME"}})->Process(BlockOf(b));
  EXPECT_EQ(processed.batch->schema()->field_names(), (std::vector<std::string>{"SEX", "NAME"}));
  EXPECT_EQ(processed.invalid_values.size(), 2u);

  auto header = *ParseDbfHeader(b.Build());
  auto status =
      BlockProcessor::Make(header, {.columns = std::vector<std::string>{"AGE", "NOPE"}}, nullptr)
          .status();
  EXPECT_EQ(DetailOf(status).kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(DetailOf(status).location().field, "NOPE");
  EXPECT_NE(status.message().find("available fields: NAME, AGE, SEX"), std::string::npos)
      << status.message();
}

TEST(BlockProcessorTest, AnInvalidValueUnderRaiseNamesItsRowInTheFileAndItsField) {
  DbfBuilder b = People();
  b.deleted = {true, false, false, false};  // the row is the record's number, not the batch's
  auto processor = Processor(b, {.on_invalid = InvalidPolicy::kRaise});
  auto status = processor->Process(BlockOf(b, /*first_record=*/1000)).status();
  const ErrorDetail& detail = DetailOf(status);
  EXPECT_EQ(detail.kind(), ErrorKind::kConversion);
  EXPECT_EQ(detail.location().row, 1003);
  EXPECT_EQ(detail.location().field, "AGE");
  EXPECT_NE(status.message().find("' x9' is not a valid value of type N(3,0)"), std::string::npos)
      << status.message();
}

TEST(BlockProcessorTest, ColumnRangesConvertedApartMakeTheSameBatch) {
  DbfBuilder b = People();
  auto processor = Processor(b, {});
  auto whole = *processor->Process(BlockOf(b));
  auto conversion = *processor->Start(BlockOf(b));
  ASSERT_EQ(conversion->num_columns(), 3);
  // In any order, as pool threads would.
  EXPECT_TRUE(conversion->ConvertColumns(2, 3).status.ok());
  EXPECT_TRUE(conversion->ConvertColumns(0, 2).status.ok());
  auto apart = *conversion->Finish();
  EXPECT_TRUE(apart.batch->Equals(*whole.batch));
  EXPECT_EQ(apart.invalid_values, whole.invalid_values);
}

TEST(BlockProcessorTest, AFailedRangeNamesTheTileItFailedIn) {
  // Tiles hold max(16, 128 KiB / record length) records: 16 with 8 KiB records (33 wide text
  // fields). A bad value in record 20 fails in tile 1, one in the other range's record 3 in tile 0:
  // the serial pass would meet that first.
  DbfBuilder b;
  b.fields = {{"A", 'N', 2}, {"B", 'N', 2}};
  for (int i = 0; i < 33; ++i) b.fields.push_back({"T" + std::to_string(i), 'C', 250});
  std::vector<std::string> record(b.fields.size(), "t");
  record[0] = "1";
  record[1] = "2";
  b.records.assign(40, record);
  b.records[20][0] = "zz";
  b.records[3][1] = "zz";
  auto processor = Processor(b, {.on_invalid = InvalidPolicy::kRaise});
  auto conversion = *processor->Start(BlockOf(b));
  auto a = conversion->ConvertColumns(0, 1);
  auto second = conversion->ConvertColumns(1, 2);
  EXPECT_EQ(a.failed_tile, 1);
  EXPECT_EQ(DetailOf(a.status).location().row, 20);
  EXPECT_EQ(second.failed_tile, 0);
  EXPECT_EQ(DetailOf(second.status).location().row, 3);
  EXPECT_EQ((*processor->Start(BlockOf(b)))->ConvertColumns(0, 0).failed_tile, INT64_MAX);
}

TEST(BlockProcessorTest, AnEmptyBlockMakesAnEmptyBatchOfTheSchema) {
  DbfBuilder b = People();
  b.records.clear();
  auto processor = Processor(b, {});
  auto processed = *processor->Process({std::make_shared<arrow::Buffer>(nullptr, 0), 0, 0});
  EXPECT_EQ(processed.batch->num_rows(), 0);
  EXPECT_TRUE(processed.batch->schema()->Equals(*processor->schema()));
}

}  // namespace
}  // namespace arrow_sus::dbf::internal
