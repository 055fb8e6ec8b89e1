// Cache files in both formats: written through the tee, read back with projection and filters,
// damaged files reported as format errors.
#include "arrow_sus/scan/converted_files.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/expression.h>
#include <arrow/io/file.h>
#include <arrow/ipc/writer.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/cache/ipc_files.h"
#include "arrow_sus/cache/parquet_files.h"
#include "arrow_sus/error.h"
#include "test_support.h"

namespace arrow_sus::scan {
namespace {

namespace cp = arrow::compute;
namespace fs = std::filesystem;
using cache::ConvertedFormat;
using cache::IpcWriterFactory;
using cache::OpenIpcFile;
using cache::OpenParquetFile;
using cache::ParquetWriterFactory;
using cache::TeeToFile;

// Two batches: AGE 0..99 and 100..199, SEX alternating "1"/"3", NAME "n<AGE>".
std::shared_ptr<arrow::RecordBatchReader> Input() {
  auto schema =
      arrow::schema({arrow::field("AGE", arrow::int32()), arrow::field("SEX", arrow::utf8()),
                     arrow::field("NAME", arrow::utf8())});
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (int b = 0; b < 2; ++b) {
    arrow::Int32Builder ages;
    arrow::StringBuilder sexes, names;
    for (int i = 0; i < 100; ++i) {
      EXPECT_TRUE(ages.Append(b * 100 + i).ok());
      EXPECT_TRUE(sexes.Append(i % 2 == 0 ? "1" : "3").ok());
      EXPECT_TRUE(names.Append("n" + std::to_string(b * 100 + i)).ok());
    }
    batches.push_back(
        arrow::RecordBatch::Make(schema, 100, {*ages.Finish(), *sexes.Finish(), *names.Finish()}));
  }
  return *arrow::RecordBatchReader::Make(batches, schema);
}

std::shared_ptr<arrow::Table> ReadAll(arrow::RecordBatchReader* reader) {
  auto table = reader->ToTable();
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return *table;
}

class ConvertedFilesTest : public ::testing::TestWithParam<ConvertedFormat> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("arrow_sus_converted_" + std::to_string(::getpid()) + "_" +
                                        std::string(cache::ConvertedFormatName(GetParam())));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes Input() to `name` through the tee and returns its path (and its checksums).
  std::string Write(const std::string& name, cache::ChunkChecksums* checksums = nullptr) {
    std::string path = (dir_ / name).string();
    auto tee = *TeeToConvertedFile(GetParam(), Input(), path, testing::WriterLock(path),
                                   [&](const std::string&, const cache::ChunkChecksums& sums) {
                                     if (checksums != nullptr) *checksums = sums;
                                     return arrow::Status::OK();
                                   });
    ReadAll(tee.get());
    return path;
  }

  fs::path dir_;
};

TEST_P(ConvertedFilesTest, TeeWritesWhilePassingThrough) {
  std::string path = (dir_ / "sub" / "x").string();
  std::string completed;
  auto tee = *TeeToConvertedFile(GetParam(), Input(), path, testing::WriterLock(path),
                                 [&](const std::string& p, const cache::ChunkChecksums& sums) {
                                   completed = p;
                                   EXPECT_EQ(sums.file_bytes, int64_t(fs::file_size(p)));
                                   return arrow::Status::OK();
                                 });
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(ReadAll(tee.get())->num_rows(), 200);
  EXPECT_EQ(completed, path);
  ASSERT_TRUE(fs::exists(path));
  // The file and its (now free) lock, nothing else.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "sub"), fs::directory_iterator{}), 2);
  EXPECT_FALSE(io::EntryLock::IsHeld(path + ".lock"));

  EXPECT_TRUE((*ConvertedFileSchema(GetParam(), path))->Equals(*Input()->schema()));
  auto all = ReadAll((*OpenConvertedFile(GetParam(), path, {})).get());
  EXPECT_TRUE(all->Equals(*ReadAll(Input().get())));
}

TEST_P(ConvertedFilesTest, ProjectionAndFilter) {
  std::string path = Write("x");
  ConvertedReadOptions options;
  options.columns = {"NAME", "SEX"};  // not in file order
  options.filter = cp::and_(cp::greater_equal(cp::field_ref("AGE"), cp::literal(150)),
                            cp::equal(cp::field_ref("SEX"), cp::literal("3")));
  auto reader = *OpenConvertedFile(GetParam(), path, options);
  EXPECT_EQ(reader->schema()->num_fields(), 2);
  EXPECT_EQ(reader->schema()->field(0)->name(), "NAME");
  auto table = ReadAll(reader.get());
  ASSERT_EQ(table->num_rows(), 25);
  EXPECT_EQ(table->num_columns(), 2);
  auto first = *table->GetColumnByName("NAME")->GetScalar(0);
  EXPECT_EQ(first->ToString(), "n151");
}

TEST_P(ConvertedFilesTest, FilterMatchingNothingAndConstantFilters) {
  std::string path = Write("x");
  ConvertedReadOptions none;
  none.filter = cp::greater(cp::field_ref("AGE"), cp::literal(1000));
  EXPECT_EQ(ReadAll((*OpenConvertedFile(GetParam(), path, none)).get())->num_rows(), 0);
  ConvertedReadOptions always;
  always.columns = {"SEX"};
  always.filter = cp::literal(true);
  EXPECT_EQ(ReadAll((*OpenConvertedFile(GetParam(), path, always)).get())->num_rows(), 200);
  ConvertedReadOptions never;
  never.filter = cp::literal(false);
  EXPECT_EQ(ReadAll((*OpenConvertedFile(GetParam(), path, never)).get())->num_rows(), 0);
}

TEST_P(ConvertedFilesTest, BatchesAreAtMostBatchSize) {
  std::string path = Write("x");
  ConvertedReadOptions options;
  options.batch_size = 30;
  auto reader = *OpenConvertedFile(GetParam(), path, options);
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (reader->ReadNext(&batch).ok() && batch != nullptr) {
    EXPECT_LE(batch->num_rows(), 30);
    rows += batch->num_rows();
  }
  EXPECT_EQ(rows, 200);
}

TEST_P(ConvertedFilesTest, AbandonedTeeLeavesNoFile) {
  std::string path = (dir_ / "y").string();
  bool completed = false;
  {
    auto tee = *TeeToConvertedFile(GetParam(), Input(), path, testing::WriterLock(path),
                                   [&](const std::string&, const cache::ChunkChecksums&) {
                                     completed = true;
                                     return arrow::Status::OK();
                                   });
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE(tee->ReadNext(&batch).ok());
    EXPECT_TRUE(io::EntryLock::IsHeld(path + ".lock"));
  }  // destroyed half-way
  EXPECT_FALSE(completed);
  EXPECT_FALSE(io::EntryLock::IsHeld(path + ".lock"));
  for (const auto& entry : fs::directory_iterator(dir_))  // the lock file alone
    EXPECT_EQ(entry.path().filename(), "y.lock");
}

TEST_P(ConvertedFilesTest, GarbageAndTruncatedFilesAreFormatErrors) {
  std::string garbage = (dir_ / "bad").string();
  { std::ofstream(garbage) << "not a cache file at all"; }
  std::string truncated = Write("truncated");
  fs::resize_file(truncated, fs::file_size(truncated) / 2);
  for (const std::string& path : {garbage, truncated}) {
    auto schema = ConvertedFileSchema(GetParam(), path);
    ASSERT_FALSE(schema.ok()) << path;
    EXPECT_EQ(GetErrorDetail(schema.status())->kind(), ErrorKind::kFormat) << path;
    EXPECT_NE(schema.status().message().find(fs::path(path).filename().string()), std::string::npos)
        << schema.status().ToString();
    EXPECT_FALSE(OpenConvertedFile(GetParam(), path, {}).ok()) << path;
  }
}

TEST_P(ConvertedFilesTest, DamagedDataIsAFormatErrorReportedOnce) {
  std::string path = Write("damaged");
  ASSERT_TRUE(testing::DamageConvertedData(path, GetParam()));
  ASSERT_TRUE(ConvertedFileSchema(GetParam(), path).ok());  // the footer is intact
  int reported = 0;
  arrow::Status status;
  auto reader = OpenConvertedFile(GetParam(), path, {}, [&] { ++reported; });
  if (reader.ok()) {
    std::shared_ptr<arrow::RecordBatch> batch;
    do {
      status = (*reader)->ReadNext(&batch);
    } while (status.ok() && batch != nullptr);
  } else {
    status = reader.status();
  }
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kFormat) << status.ToString();
  EXPECT_NE(status.message().find("damaged"), std::string::npos) << status.ToString();
  EXPECT_EQ(reported, 1);
}

// Random damage anywhere in a cache file, the size kept: every read either succeeds or fails with a
// kFormat error; nothing crashes or reads out of bounds (run under ASan by tools/sanitize.sh), even
// when the filter's kernels and the projection consume what was read.
TEST_P(ConvertedFilesTest, RandomDamageIsNeverACrash) {
  const std::string original = Write("original");
  std::vector<uint8_t> bytes = testing::ReadFileBytes(original);
  std::mt19937 rng(20261124);
  int failures = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    size_t at = rng() % damaged.size();
    for (size_t i = at; i < std::min(damaged.size(), at + 1 + rng() % 8); ++i) {
      damaged[i] ^= static_cast<uint8_t>(1 + rng() % 255);
    }
    std::string path = (dir_ / "damaged").string();
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(damaged.data()), damaged.size());
    ConvertedReadOptions options;
    options.columns = {"NAME", "AGE"};
    options.filter = cp::equal(cp::field_ref("SEX"), cp::literal("3"));
    arrow::Status status = ConvertedFileSchema(GetParam(), path).status();
    if (status.ok()) {
      auto reader = OpenConvertedFile(GetParam(), path, options);
      status = reader.ok() ? (*reader)->ToTable().status() : reader.status();
    }
    if (!status.ok()) {
      ++failures;
      const ErrorDetail* detail = GetErrorDetail(status);
      ASSERT_NE(detail, nullptr) << status.ToString();
      EXPECT_TRUE(detail->kind() == ErrorKind::kFormat ||
                  detail->kind() == ErrorKind::kInvalidArgument)  // a column name damaged
          << status.ToString();
    }
  }
  EXPECT_GT(failures, 0);
}

// With the checksums recorded when the file was written, one flipped byte anywhere is never read
// as a value: a read either fails with a kChecksum error or never touched that byte.
TEST_P(ConvertedFilesTest, VerifiedReadsNeverReturnDamagedValues) {
  cache::ChunkChecksums sums;
  const std::string original = Write("original", &sums);
  const auto expected = ReadAll(Input().get());
  std::vector<uint8_t> bytes = testing::ReadFileBytes(original);
  std::mt19937 rng(20261126);
  int detected = 0;
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<uint8_t> damaged = bytes;
    damaged[rng() % damaged.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
    const std::string path = (dir_ / ("damaged" + std::to_string(trial))).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(damaged.data()), damaged.size());
    auto verifier = std::make_shared<cache::ChunkVerifier>(path, sums);
    arrow::Status status = ConvertedFileSchema(GetParam(), path, verifier).status();
    std::shared_ptr<arrow::Table> table;
    if (status.ok()) {
      auto reader = OpenConvertedFile(GetParam(), path, {.verifier = verifier});
      auto read = reader.ok() ? (*reader)->ToTable() : reader.status();
      status = read.status();
      if (read.ok()) table = *read;
    }
    if (status.ok()) {
      EXPECT_TRUE(table->Equals(*expected)) << "trial " << trial;
    } else {
      ++detected;
      EXPECT_EQ(GetErrorDetail(status)->kind() == ErrorKind::kChecksum ||
                    status.message().find("match the checksum") != std::string::npos,
                true)
          << status.ToString();
    }
  }
  EXPECT_GT(detected, 40);  // all but flips in bytes no read touches (the leading schema copy)
}

TEST_P(ConvertedFilesTest, AskingForAMissingColumnIsNotDamage) {
  std::string path = Write("x");
  int reported = 0;
  ConvertedReadOptions options;
  options.columns = {"NOPE"};
  EXPECT_FALSE(OpenConvertedFile(GetParam(), path, options, [&] { ++reported; }).ok());
  EXPECT_EQ(reported, 0);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ConvertedFilesTest,
                         ::testing::Values(ConvertedFormat::kArrowIpc, ConvertedFormat::kParquet,
                                           ConvertedFormat::kArrowIpcUncompressed),
                         [](const auto& info) { return testing::FormatTestName(info.param); });

// An uncompressed IPC file whose string offsets were damaged: reading it must fail cleanly, since
// consumers index the data with these offsets.
TEST(IpcFilesTest, DamagedOffsetsAreAFormatError) {
  fs::path dir = fs::temp_directory_path() / ("arrow_sus_ipc_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string path = (dir / "x.arrow").string();
  arrow::StringBuilder names;
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(names.Append("abcd").ok());
  auto schema = arrow::schema({arrow::field("NAME", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(schema, 64, {*names.Finish()});
  {
    auto sink = *arrow::io::FileOutputStream::Open(path);
    auto writer = *arrow::ipc::MakeFileWriter(sink, schema);  // no compression: offsets in place
    ASSERT_TRUE(writer->WriteRecordBatch(*batch).ok());
    ASSERT_TRUE(writer->Close().ok());
    ASSERT_TRUE(sink->Close().ok());
  }
  ASSERT_TRUE(ReadAll((*OpenIpcFile(path, {})).get())
                  ->Equals(*arrow::Table::Make(schema, {batch->column(0)})));
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Offsets 0, 4, 8, 12, ...: make the 4 a 200 (still within the data, but out of order).
  const int32_t run[3] = {0, 4, 8};
  size_t at = bytes.find(std::string(reinterpret_cast<const char*>(run), sizeof(run)));
  ASSERT_NE(at, std::string::npos);
  const int32_t damaged = 200;
  bytes.replace(at + 4, 4, std::string(reinterpret_cast<const char*>(&damaged), 4));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  auto reader = *OpenIpcFile(path, {});
  std::shared_ptr<arrow::RecordBatch> read;
  arrow::Status status = reader->ReadNext(&read);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kFormat) << status.ToString();
  fs::remove_all(dir);
}

// Writes `batch` to `path` as the uncompressed IPC cache format does; returns the file's checksums.
cache::ChunkChecksums WriteUncompressedIpc(const std::string& path,
                                           const std::shared_ptr<arrow::RecordBatch>& batch) {
  cache::ChunkChecksums sums;
  auto tee =
      *TeeToFile(*arrow::RecordBatchReader::Make({batch}, batch->schema()), path,
                 IpcWriterFactory(arrow::Compression::UNCOMPRESSED), testing::WriterLock(path),
                 [&](const std::string&, const cache::ChunkChecksums& written) {
                   sums = written;
                   return arrow::Status::OK();
                 });
  ReadAll(tee.get());
  return sums;
}

// Replaces the file at `path` (never rewriting it in place) with `bytes`.
void ReplaceFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  fs::remove(path);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Verification follows what is read: damage in one column's pages fails a read of that column and
// leaves a projection without it alone.
TEST(IpcFilesTest, VerificationCostsWhatIsRead) {
  fs::path dir = fs::temp_directory_path() / ("arrow_sus_ipc_verify_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "x.uncompressed.arrow").string();
  constexpr int kRows = 200'000;  // AGE alone spans 13 chunks
  arrow::Int32Builder ages;
  arrow::StringBuilder names;
  for (int i = 0; i < kRows; ++i) {
    ASSERT_TRUE(ages.Append(i).ok());
    ASSERT_TRUE(names.Append("n" + std::to_string(i)).ok());
  }
  auto schema =
      arrow::schema({arrow::field("AGE", arrow::int32()), arrow::field("NAME", arrow::utf8())});
  auto batch = arrow::RecordBatch::Make(schema, kRows, {*ages.Finish(), *names.Finish()});
  const cache::ChunkChecksums sums = WriteUncompressedIpc(path, batch);
  std::vector<uint8_t> bytes = testing::ReadFileBytes(path);
  const int32_t run[2] = {150'000, 150'001};
  auto at = std::search(bytes.begin(), bytes.end(), reinterpret_cast<const uint8_t*>(run),
                        reinterpret_cast<const uint8_t*>(run) + sizeof(run));
  ASSERT_NE(at, bytes.end());
  *at ^= 0x01;  // AGE 150000 -> 150001
  ReplaceFile(path, bytes);

  auto verifier = std::make_shared<cache::ChunkVerifier>(path, sums);
  constexpr auto kFormat = ConvertedFormat::kArrowIpcUncompressed;
  auto names_only = ReadAll(
      (*OpenConvertedFile(kFormat, path, {.columns = {"NAME"}, .verifier = verifier})).get());
  EXPECT_EQ(names_only->num_rows(), kRows);
  auto ages_read =
      (*OpenConvertedFile(kFormat, path, {.columns = {"AGE"}, .verifier = verifier}))->ToTable();
  ASSERT_FALSE(ages_read.ok());
  EXPECT_EQ(GetErrorDetail(ages_read.status())->kind(), ErrorKind::kChecksum) << ages_read.status();
  // Unverified, the damage would have been read as a value.
  auto unverified = ReadAll((*OpenIpcFile(path, {.columns = {"AGE"}})).get());
  EXPECT_EQ(unverified->column(0)->GetScalar(150'000).ValueOrDie()->ToString(), "150001");
  fs::remove_all(dir);
}

// A full read verifies whole batches at once, on every core: a sound file reads back equal, and one
// flipped byte in the middle of a long run is found.
TEST(IpcFilesTest, LongRunsAreVerifiedInParallel) {
  fs::path dir = fs::temp_directory_path() / ("arrow_sus_ipc_long_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "x.uncompressed.arrow").string();
  constexpr int kRows = 1'500'000;  // 12 MB of int64: runs of ~180 chunks
  arrow::Int64Builder values;
  for (int i = 0; i < kRows; ++i) ASSERT_TRUE(values.Append(int64_t(i) * 7).ok());
  auto schema = arrow::schema({arrow::field("V", arrow::int64())});
  auto batch = arrow::RecordBatch::Make(schema, kRows, {*values.Finish()});
  const cache::ChunkChecksums sums = WriteUncompressedIpc(path, batch);
  constexpr auto kFormat = ConvertedFormat::kArrowIpcUncompressed;
  auto sound = OpenConvertedFile(kFormat, path,
                                 {.verifier = std::make_shared<cache::ChunkVerifier>(path, sums)});
  EXPECT_TRUE(ReadAll(sound->get())->Equals(*arrow::Table::Make(schema, {batch->column(0)})));

  std::vector<uint8_t> bytes = testing::ReadFileBytes(path);
  bytes[bytes.size() / 2] ^= 0x10;
  ReplaceFile(path, bytes);
  auto damaged =
      (*OpenConvertedFile(kFormat, path,
                          {.verifier = std::make_shared<cache::ChunkVerifier>(path, sums)}))
          ->ToTable();
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(GetErrorDetail(damaged.status())->kind(), ErrorKind::kChecksum) << damaged.status();
  fs::remove_all(dir);
}

TEST(ParquetFilesTest, SmallRowGroupsAreKept) {
  fs::path dir = fs::temp_directory_path() / ("arrow_sus_pq_" + std::to_string(::getpid()));
  std::string path = (dir / "x.parquet").string();
  auto tee = *TeeToFile(Input(), path, ParquetWriterFactory({.row_group_rows = 100}),
                        testing::WriterLock(path), nullptr);
  ReadAll(tee.get());
  ConvertedReadOptions options;
  options.filter = cp::greater_equal(cp::field_ref("AGE"), cp::literal(150));
  EXPECT_EQ(ReadAll((*OpenParquetFile(path, options)).get())->num_rows(), 50);
  fs::remove_all(dir);
}

TEST(BatchFilterTest, FilterAndProject) {
  auto reader =
      *FilterAndProject(Input(), cp::less(cp::field_ref("AGE"), cp::literal(10)), {"SEX", "AGE"});
  EXPECT_EQ(reader->schema()->field(0)->name(), "SEX");
  EXPECT_EQ(ReadAll(reader.get())->num_rows(), 10);
  EXPECT_FALSE(FilterAndProject(Input(), std::nullopt, {"NOPE"}).ok());
}

}  // namespace
}  // namespace arrow_sus::scan
