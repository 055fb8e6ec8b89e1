#include "arrow_sus/scan/parquet_files.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/expression.h>

#include <filesystem>
#include <fstream>

namespace arrow_sus::scan {
namespace {

namespace cp = arrow::compute;
namespace fs = std::filesystem;

class ParquetFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("arrow_sus_parquet_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Two batches: AGE 0..99 and 100..199, SEX alternating "1"/"3".
  static std::shared_ptr<arrow::RecordBatchReader> Input() {
    auto schema =
        arrow::schema({arrow::field("AGE", arrow::int32()), arrow::field("SEX", arrow::utf8())});
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
    for (int b = 0; b < 2; ++b) {
      arrow::Int32Builder ages;
      arrow::StringBuilder sexes;
      for (int i = 0; i < 100; ++i) {
        EXPECT_TRUE(ages.Append(b * 100 + i).ok());
        EXPECT_TRUE(sexes.Append(i % 2 == 0 ? "1" : "3").ok());
      }
      batches.push_back(arrow::RecordBatch::Make(schema, 100, {*ages.Finish(), *sexes.Finish()}));
    }
    return *arrow::RecordBatchReader::Make(batches, schema);
  }

  static int64_t CountRows(arrow::RecordBatchReader* reader) {
    int64_t rows = 0;
    std::shared_ptr<arrow::RecordBatch> batch;
    while (reader->ReadNext(&batch).ok() && batch != nullptr) rows += batch->num_rows();
    return rows;
  }

  fs::path dir_;
};

TEST_F(ParquetFilesTest, TeeWritesWhilePassingThrough) {
  std::string path = (dir_ / "sub" / "x.parquet").string();
  std::string completed;
  auto tee = *TeeToParquet(Input(), path, {.row_group_rows = 100}, [&](const std::string& p) {
    completed = p;
    return arrow::Status::OK();
  });
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(CountRows(tee.get()), 200);
  EXPECT_EQ(completed, path);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "sub"), fs::directory_iterator{}), 1);

  auto all = *OpenParquetFile(path, {});
  EXPECT_EQ(CountRows(all.get()), 200);

  ParquetReadOptions options;
  options.columns = {"SEX"};
  options.filter = cp::and_(cp::greater_equal(cp::field_ref("AGE"), cp::literal(150)),
                            cp::equal(cp::field_ref("SEX"), cp::literal("3")));
  auto filtered = *OpenParquetFile(path, options);
  EXPECT_EQ(filtered->schema()->num_fields(), 1);
  EXPECT_EQ(CountRows(filtered.get()), 25);
}

TEST_F(ParquetFilesTest, AbandonedTeeLeavesNoFile) {
  std::string path = (dir_ / "y.parquet").string();
  bool completed = false;
  {
    auto tee = *TeeToParquet(Input(), path, {}, [&](const std::string&) {
      completed = true;
      return arrow::Status::OK();
    });
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE(tee->ReadNext(&batch).ok());
  }  // destroyed half-way
  EXPECT_FALSE(completed);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(ParquetFilesTest, CorruptParquetIsAFormatError) {
  std::string path = (dir_ / "bad.parquet").string();
  { std::ofstream(path) << "not parquet at all"; }
  auto result = OpenParquetFile(path, {});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("bad.parquet"), std::string::npos);
}

TEST_F(ParquetFilesTest, FilterAndProject) {
  auto reader =
      *FilterAndProject(Input(), cp::less(cp::field_ref("AGE"), cp::literal(10)), {"SEX", "AGE"});
  EXPECT_EQ(reader->schema()->field(0)->name(), "SEX");
  EXPECT_EQ(CountRows(reader.get()), 10);
  EXPECT_FALSE(FilterAndProject(Input(), std::nullopt, {"NOPE"}).ok());
}

}  // namespace
}  // namespace arrow_sus::scan
