// Scans over a local mirror made by the test: planning, schema unification, cache reuse.
#include "arrow_sus/scan/scan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <arrow/api.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/error.h"
#include "arrow_sus/scan/converted_files.h"
#include "dbf_builder.h"
#include "test_support.h"

namespace arrow_sus::scan {
namespace {

namespace fs = std::filesystem;

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parametrised: "Name/format"
    root_ =
        fs::temp_directory_path() / ("arrow_sus_scan_" + std::to_string(::getpid()) + "_" + test);
    fs::remove_all(root_);
    WriteDbc("SIHSUS/200801_/Dados/RDAC1301.dbc", /*with_extra=*/false, 40);
    WriteDbc("SIHSUS/200801_/Dados/RDAC1302.dbc", /*with_extra=*/true, 25);
  }
  void TearDown() override { fs::remove_all(root_); }

  void WriteDbc(const std::string& rel, bool with_extra, int rows, std::vector<bool> deleted = {}) {
    testing::DbfBuilder b;
    b.deleted = std::move(deleted);
    b.fields = {{"SEXO", 'C', 1}, {"IDADE", 'N', 3}};
    if (with_extra) b.fields.push_back({"EXTRA", 'C', 2});
    for (int i = 0; i < rows; ++i) {
      std::vector<std::string> row = {i % 2 ? "3" : "1", std::to_string(i)};
      if (with_extra) row.push_back("xy");
      b.records.push_back(row);
    }
    auto dbf = b.Build();
    auto dbc = *CompressDbf(dbf, rel);
    fs::path target = root_ / "mirror" / rel;
    fs::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary)
        .write(reinterpret_cast<const char*>(dbc.data()), dbc.size());
  }

  ScanOptions Options(bool use_cache) {
    ScanOptions options;
    options.source_url = "file://" + (root_ / "mirror").string();
    options.cache_dir = (root_ / "cache").string();
    options.use_cache = use_cache;
    options.read.batch_size = 8;
    return options;
  }

  static std::vector<ScanFile> Files() {
    return {{.path = "SIHSUS/200801_/Dados/RDAC1301.dbc",
             .dataset = "sih-rd",
             .uf = "AC",
             .year = 2013,
             .month = 1},
            {.path = "SIHSUS/200801_/Dados/RDAC1302.dbc",
             .dataset = "sih-rd",
             .uf = "AC",
             .year = 2013,
             .month = 2}};
  }

  static std::shared_ptr<arrow::Table> ReadAll(Scan& scan) {
    auto reader = scan.Execute();
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    auto table = (*reader)->ToTable();
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return *table;
  }

  fs::path root_;
};

TEST_F(ScanTest, UnionOfDriftingFilesWithoutCache) {
  auto scan = *Scan::Make(Files(), Options(false));
  auto schema = *scan->schema();
  EXPECT_EQ(schema->num_fields(), 3);
  auto table = ReadAll(*scan);
  EXPECT_EQ(table->num_rows(), 65);
  EXPECT_EQ(table->GetColumnByName("EXTRA")->null_count(), 40);
}

// The cache paths in each converted format.
class ScanCacheTest : public ScanTest,
                      public ::testing::WithParamInterface<cache::ConvertedFormat> {
 protected:
  ScanOptions CachedOptions() {
    ScanOptions options = Options(true);
    options.cache_format = GetParam();
    return options;
  }
};

TEST_P(ScanCacheTest, CacheIsFilledThenUsed) {
  auto first = *Scan::Make(Files(), CachedOptions());
  auto cold = ReadAll(*first);
  auto second = *Scan::Make(Files(), CachedOptions());
  auto planned = *second->files();
  ASSERT_EQ(planned.size(), 2u);
  ASSERT_TRUE(planned[0].cached_converted.has_value());
  EXPECT_TRUE(planned[0].cached_converted->ends_with(
      GetParam() == cache::ConvertedFormat::kParquet ? ".parquet" : ".arrow"));
  auto warm = ReadAll(*second);
  EXPECT_TRUE(warm->Equals(*cold));
  EXPECT_EQ(second->counters().files_from_cache.load(), 2);
}

TEST_P(ScanCacheTest, AnEntryInTheOtherFormatIsNotUsed) {
  ReadAll(**Scan::Make(Files(), CachedOptions()));
  ScanOptions other = CachedOptions();
  other.cache_format = GetParam() == cache::ConvertedFormat::kParquet
                           ? cache::ConvertedFormat::kArrowIpc
                           : cache::ConvertedFormat::kParquet;
  auto scan = *Scan::Make(Files(), other);
  EXPECT_FALSE((*scan->files())[0].cached_converted.has_value());
  EXPECT_EQ(ReadAll(*scan)->num_rows(), 65);
  EXPECT_EQ(scan->counters().files_from_cache.load(), 0);
}

TEST_P(ScanCacheTest, ProjectionFilterAndSourceColumns) {
  ScanOptions options = CachedOptions();
  options.read.columns = std::vector<std::string>{"IDADE", "EXTRA"};
  options.read.filter = std::make_shared<dbf::Predicate>(
      dbf::Predicate::Compare("SEXO", dbf::CompareOp::kEqual, {std::string("3")}));
  options.with_source = true;
  for (int pass = 0; pass < 2; ++pass) {  // cold, then from the converted cache
    auto scan = *Scan::Make(Files(), options);
    auto table = ReadAll(*scan);
    EXPECT_EQ(table->num_rows(), 20 + 12) << "pass " << pass;
    EXPECT_EQ(table->schema()->field_names(),
              (std::vector<std::string>{"IDADE", "EXTRA", "uf", "year", "month", "file"}));
    EXPECT_EQ(scan->counters().files_from_cache.load(), pass == 0 ? 0 : 2);
  }
}

// IDADE of the women (SEXO "3": every odd record): 20 of 40 and 12 of 25 records.
ScanOptions WomensAges(ScanOptions options) {
  options.read.columns = std::vector<std::string>{"IDADE"};
  options.read.filter = std::make_shared<dbf::Predicate>(
      dbf::Predicate::Compare("SEXO", dbf::CompareOp::kEqual, {std::string("3")}));
  return options;
}

TEST_F(ScanTest, CountersShowProjectionAndFilterPushedDownToTheBytes) {
  auto scan = *Scan::Make(Files(), WomensAges(Options(false)));
  for (int pass = 0; pass < 2; ++pass) {  // each pass starts the counters again
    auto table = ReadAll(*scan);
    const ScanCounters& c = scan->counters();
    EXPECT_EQ(table->num_rows(), 32);
    EXPECT_EQ(c.rows.load(), 32);
    // IDADE in each file: the filter tests SEXO on the raw bytes, without converting it.
    EXPECT_EQ(c.columns_converted.load(), 2);
    EXPECT_EQ(c.columns_read_from_cache.load(), 0);
    EXPECT_EQ(c.records_scanned.load(), 65);
    EXPECT_EQ(c.rows_filtered_out.load(), 33);
    EXPECT_EQ(c.deleted_records_skipped.load(), 0);
    EXPECT_EQ(c.files_done.load(), 2);
    const auto mirror = root_ / "mirror" / "SIHSUS/200801_/Dados";
    EXPECT_EQ(c.bytes_read.load(), static_cast<int64_t>(fs::file_size(mirror / "RDAC1301.dbc") +
                                                        fs::file_size(mirror / "RDAC1302.dbc")));
  }
}

TEST_P(ScanCacheTest, CountersOfTheCacheFillAndTheCacheRead) {
  auto cold = *Scan::Make(Files(), WomensAges(CachedOptions()));
  ReadAll(*cold);
  EXPECT_EQ(cold->counters().columns_converted.load(), 2 + 3);  // all columns go to the cache
  EXPECT_EQ(cold->counters().rows_filtered_out.load(), 33);
  auto warm = *Scan::Make(Files(), WomensAges(CachedOptions()));
  auto table = ReadAll(*warm);
  const ScanCounters& c = warm->counters();
  EXPECT_EQ(table->num_rows(), 32);
  EXPECT_EQ(c.files_from_cache.load(), 2);
  EXPECT_EQ(c.columns_converted.load(), 0);
  EXPECT_EQ(c.columns_read_from_cache.load(), 2 * 2);
  EXPECT_EQ(c.records_scanned.load(), 65);
  EXPECT_EQ(c.rows_filtered_out.load(), 33);
  EXPECT_GT(c.bytes_read.load(), 0);
  EXPECT_EQ(c.rows.load(), c.records_scanned.load() - c.rows_filtered_out.load());
}

// bytes_read counts what was read: every column of a cached file is at most the file (counting its
// rows must not count its batches as well), and one column reads less. (Parquet's reader reads a
// small file's tail speculatively for the footer, then the column chunks again: more than the
// file.)
TEST_P(ScanCacheTest, CacheReadsCountEachByteOnce) {
  ReadAll(**Scan::Make(Files(), CachedOptions()));
  auto all = *Scan::Make(Files(), CachedOptions());
  ReadAll(*all);
  int64_t cached_bytes = 0;
  for (const auto& f : *all->files()) cached_bytes += fs::file_size(*f.cached_converted);
  const int64_t all_columns = all->counters().bytes_read.load();
  EXPECT_GT(all_columns, 0);
  if (GetParam() != cache::ConvertedFormat::kParquet) EXPECT_LE(all_columns, cached_bytes);
  ScanOptions one_column = CachedOptions();
  one_column.read.columns = std::vector<std::string>{"IDADE"};
  auto some = *Scan::Make(Files(), one_column);
  ReadAll(*some);
  EXPECT_LT(some->counters().bytes_read.load(), all_columns);
}

TEST_F(ScanTest, CountersStopWhereTheReaderStopped) {
  auto scan = *Scan::Make(Files(), Options(false));
  auto reader = *scan->Execute();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  ASSERT_TRUE(reader->Close().ok());
  const ScanCounters& c = scan->counters();
  EXPECT_GT(c.records_scanned.load(), 0);
  EXPECT_LT(c.records_scanned.load(), 65);
  EXPECT_EQ(c.rows_filtered_out.load(), 0);
}

TEST_F(ScanTest, CountersOfDeletedRecords) {
  // Records 0, 3, 6... of RDAC1301 flagged deleted: 14 of its 40.
  std::vector<bool> deleted(40);
  for (size_t i = 0; i < deleted.size(); i += 3) deleted[i] = true;
  WriteDbc("SIHSUS/200801_/Dados/RDAC1301.dbc", /*with_extra=*/false, 40, deleted);
  auto dropped = *Scan::Make(Files(), Options(false));
  EXPECT_EQ(ReadAll(*dropped)->num_rows(), 65 - 14);
  const ScanCounters& c = dropped->counters();
  EXPECT_EQ(c.records_scanned.load(), 65);
  EXPECT_EQ(c.deleted_records_skipped.load(), 14);
  EXPECT_EQ(c.rows_filtered_out.load(), 0);
  EXPECT_EQ(c.columns_converted.load(), 2 + 3);

  ScanOptions options = Options(false);
  options.read.keep_deleted = true;
  auto kept = *Scan::Make(Files(), options);
  auto table = ReadAll(*kept);
  ASSERT_EQ(table->num_rows(), 65);
  int64_t flagged = 0;
  for (const auto& chunk : table->GetColumnByName(dbf::kDeletedColumn)->chunks()) {
    flagged += std::static_pointer_cast<arrow::BooleanArray>(chunk)->true_count();
  }
  EXPECT_EQ(flagged, 14);
  EXPECT_EQ(kept->counters().deleted_records_skipped.load(), 0);
  EXPECT_EQ(kept->counters().columns_converted.load(), 2 + 3);  // _deleted is not a DBF field
}

// A damaged cache file (its size kept) is never read as values: the scan that finds it decodes the
// original instead and converts it again, so the next scan reads a sound entry.
TEST_P(ScanCacheTest, DamagedCacheFileIsDecodedInsteadThenRebuilt) {
  auto cold = ReadAll(**Scan::Make(Files(), CachedOptions()));
  auto warm = *Scan::Make(Files(), CachedOptions());
  const std::string damaged = *(*warm->files())[0].cached_converted;
  ASSERT_TRUE(testing::DamageConvertedData(damaged, GetParam()));

  auto finding = *Scan::Make(Files(), CachedOptions());
  EXPECT_TRUE(ReadAll(*finding)->Equals(*cold));
  auto rebuilt = *Scan::Make(Files(), CachedOptions());
  EXPECT_TRUE((*rebuilt->files())[0].cached_converted.has_value());
  EXPECT_TRUE(ReadAll(*rebuilt)->Equals(*cold));
  EXPECT_EQ(rebuilt->counters().files_from_cache.load(), 2);
}

// One flipped byte in the middle of a large cache file, found after batches were delivered: the
// rest of the file comes from decoding the original, the rows already delivered skipped.
TEST_P(ScanCacheTest, DamageFoundPartWayContinuesFromTheOriginal) {
  WriteDbc("SIHSUS/200801_/Dados/RDAC1301.dbc", /*with_extra=*/false, 60'000);
  ScanOptions options = CachedOptions();
  options.read.batch_size = 1000;
  auto cold = ReadAll(**Scan::Make(Files(), options));
  auto warm = *Scan::Make(Files(), options);
  const std::string path = *(*warm->files())[0].cached_converted;
  std::vector<uint8_t> bytes = testing::ReadFileBytes(path);
  // (A Parquet file of these rows is one chunk: its damage shows already at planning.)
  const bool several_chunks = bytes.size() > 4 * size_t(cache::kChunkBytes);
  ASSERT_EQ(several_chunks, cache::IsArrowIpc(GetParam()));
  bytes[bytes.size() / 2] ^= 0x20;
  fs::remove(path);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());

  auto finding = *Scan::Make(Files(), options);
  // The footer is sound: the damage shows only once batches were delivered.
  ASSERT_EQ((*finding->files())[0].cached_converted.has_value(), several_chunks);
  auto reader = *finding->Execute();
  auto table = reader->ToTable();
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_TRUE((*table)->Equals(*cold));
  EXPECT_EQ(finding->counters().rows.load(), 60'025);
  auto rebuilt = *Scan::Make(Files(), options);
  EXPECT_TRUE((*rebuilt->files())[0].cached_converted.has_value());
  EXPECT_TRUE(ReadAll(*rebuilt)->Equals(*cold));
}

TEST_P(ScanCacheTest, DroppingTheReaderEarlyLeavesOnlyCompleteEntries) {
  {
    auto scan = *Scan::Make(Files(), CachedOptions());
    auto reader = *scan->Execute();
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE(reader->ReadNext(&batch).ok());
    ASSERT_NE(batch, nullptr);
  }  // reader and scan dropped after one 8-row batch
  for (const auto& item : fs::recursive_directory_iterator(root_ / "cache")) {
    EXPECT_EQ(item.path().filename().string().find(".tmp-"), std::string::npos) << item.path();
  }
  auto cache = *cache::ConvertedCache::Open((root_ / "cache").string());
  for (const cache::ConvertedEntry& entry : *cache->Entries()) {
    auto reader = OpenConvertedFile(GetParam(), entry.local_path, {});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_TRUE((*reader)->ToTable().ok()) << entry.local_path;
  }
  auto cold = ReadAll(**Scan::Make(Files(), Options(false)));
  EXPECT_TRUE(ReadAll(**Scan::Make(Files(), CachedOptions()))->Equals(*cold));
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ScanCacheTest,
                         ::testing::Values(cache::ConvertedFormat::kArrowIpc,
                                           cache::ConvertedFormat::kParquet,
                                           cache::ConvertedFormat::kArrowIpcUncompressed),
                         [](const auto& info) { return testing::FormatTestName(info.param); });

TEST_F(ScanTest, UnknownColumnListsAvailable) {
  ScanOptions options = Options(false);
  options.read.columns = std::vector<std::string>{"NOPE"};
  auto scan = *Scan::Make(Files(), options);
  auto schema = scan->schema();
  ASSERT_FALSE(schema.ok());
  EXPECT_NE(schema.status().message().find("available columns: SEXO, IDADE, EXTRA"),
            std::string::npos);
}

TEST_F(ScanTest, LargeStringsAreAReaderOptionOnly) {
  ScanOptions options = Options(false);
  options.read.large_strings = true;
  auto scan = Scan::Make(Files(), options);
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.status().message().find("large_strings"), std::string::npos);
}

TEST_F(ScanTest, MissingFileIsAnErrorNamingIt) {
  auto files = Files();
  files[1].path = "SIHSUS/200801_/Dados/RDAC1303.dbc";
  auto scan = *Scan::Make(files, Options(false));
  auto schema = scan->schema();
  ASSERT_FALSE(schema.ok());
  EXPECT_NE(schema.status().message().find("RDAC1303.dbc"), std::string::npos);
}

}  // namespace
}  // namespace arrow_sus::scan
