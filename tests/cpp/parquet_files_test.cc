// The Parquet writer of the cache and of the outputs (cache/parquet_files.h): row groups end at a
// number of rows or of bytes, whichever comes first, so a wide table cannot make a row group (kept
// in memory until it is complete) of hundreds of MB.
#include "arrow_sus/cache/parquet_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <parquet/arrow/reader.h>
#include <parquet/metadata.h>

namespace arrow_sus::cache {
namespace {

namespace fs = std::filesystem;

// `rows` rows of `columns` int64 columns (8 bytes a value: rows * columns * 8 bytes).
std::shared_ptr<arrow::RecordBatch> Wide(int64_t rows, int columns, int64_t first = 0) {
  arrow::FieldVector fields;
  arrow::ArrayVector arrays;
  for (int c = 0; c < columns; ++c) {
    arrow::Int64Builder values;
    for (int64_t i = 0; i < rows; ++i) EXPECT_TRUE(values.Append((first + i) * (c + 1)).ok());
    fields.push_back(arrow::field("C" + std::to_string(c), arrow::int64()));
    arrays.push_back(*values.Finish());
  }
  return arrow::RecordBatch::Make(arrow::schema(fields), rows, arrays);
}

class ParquetOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("arrow_sus_pqout_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `batches` and returns the file's metadata; checks the rows read back.
  std::shared_ptr<parquet::FileMetaData> Write(
      const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches,
      const ParquetWriteOptions& options) {
    const std::string path = (dir_ / "out.parquet").string();
    auto writer = OpenParquetOutput(path, batches[0]->schema(), options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    for (const auto& batch : batches) EXPECT_TRUE((*writer)->Write(*batch).ok());
    EXPECT_TRUE((*writer)->Close().ok());
    auto file = *arrow::io::ReadableFile::Open(path);
    auto reader = *parquet::arrow::OpenFile(file, arrow::default_memory_pool());
    std::shared_ptr<arrow::Table> table;
    EXPECT_TRUE(reader->ReadTable(&table).ok());
    auto expected = *arrow::Table::FromRecordBatches(batches);
    EXPECT_TRUE(table->Equals(*expected));
    return reader->parquet_reader()->metadata();
  }

  fs::path dir_;
};

TEST_F(ParquetOutputTest, AWideBatchIsSplitIntoRowGroupsOfTheByteBudget) {
  // 20,000 rows of 40 int64 columns: 6.4 MB, with a budget of 1 MB: 7 row groups, none empty, each
  // within the budget give or take a row (rows are counted at the batch's average size).
  auto metadata =
      Write({Wide(20'000, 40)}, {.row_group_rows = 1 << 20, .row_group_bytes = 1 << 20});
  EXPECT_EQ(metadata->num_row_groups(), 7);
  for (int g = 0; g < metadata->num_row_groups(); ++g) {
    EXPECT_GT(metadata->RowGroup(g)->num_rows(), 0);
    EXPECT_LE(metadata->RowGroup(g)->num_rows(), (1 << 20) / (40 * 8) + 1);
  }
}

TEST_F(ParquetOutputTest, SmallBatchesAreGatheredUntilABoundIsReached) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int i = 0; i < 50; ++i) batches.push_back(Wide(100, 2, i * 100));
  // 5,000 rows of 16 bytes: one row group when neither bound is met...
  EXPECT_EQ(Write(batches, {})->num_row_groups(), 1);
  // ...rows bound it...
  auto by_rows = Write(batches, {.row_group_rows = 1'200});
  EXPECT_EQ(by_rows->num_row_groups(), 5);
  EXPECT_EQ(by_rows->RowGroup(0)->num_rows(), 1'200);
  // ...and so do bytes: 16 KB is 1,024 rows of 16 bytes.
  auto by_bytes = Write(batches, {.row_group_bytes = 16 * 1024});
  EXPECT_EQ(by_bytes->num_row_groups(), 5);
  EXPECT_EQ(by_bytes->RowGroup(0)->num_rows(), 1'024);
}

TEST_F(ParquetOutputTest, TheCompressionAsked) {
  auto metadata = Write({Wide(1'000, 2)}, {.compression = arrow::Compression::SNAPPY});
  EXPECT_EQ(metadata->RowGroup(0)->ColumnChunk(0)->compression(), arrow::Compression::SNAPPY);
}

TEST_F(ParquetOutputTest, AnUnwritablePathIsAnIoError) {
  auto writer =
      OpenParquetOutput((dir_ / "no" / "such" / "dir.parquet").string(), Wide(1, 1)->schema(), {});
  ASSERT_FALSE(writer.ok());
}

}  // namespace
}  // namespace arrow_sus::cache
