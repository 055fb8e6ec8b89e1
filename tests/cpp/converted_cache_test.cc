#include "arrow_sus/cache/converted_cache.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "arrow_sus/error.h"
#include "test_support.h"

namespace arrow_sus::cache {
namespace {

namespace fs = std::filesystem;

constexpr char kSource[] = "ftp://ftp.datasus.gov.br/dissemin/publicos";
constexpr ConvertedFormat kIpc = ConvertedFormat::kArrowIpc;
constexpr ConvertedFormat kParquet = ConvertedFormat::kParquet;

// A cache in a fresh directory; entries are stored and looked up in format_.
class CacheFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(test.begin(), test.end(), '/', '_');  // parametrised: "Name/format"
    root_ =
        fs::temp_directory_path() / ("arrow_sus_cache_" + std::to_string(::getpid()) + "_" + test);
    fs::remove_all(root_);
    cache_ = *ConvertedCache::Open(root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  // Runs `body` in `n` processes forked at once; true when every one exits with status 0.
  static bool InChildren(int n, const std::function<int()>& body) {
    std::vector<pid_t> children;
    bool all_ok = true;
    for (int p = 0; p < n; ++p) {
      pid_t pid = fork();
      if (pid == 0) _exit(body());
      if (pid < 0)
        all_ok = false;
      else
        children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      waitpid(pid, &status, 0);
      all_ok = all_ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return all_ok;
  }

  static io::FileIdentity Identity(int64_t size = 5, std::optional<int64_t> mtime = 1000,
                                   std::optional<uint32_t> crc = 42) {
    return {.path = "SIHSUS/200801_/Dados/RDAC2401.dbc",
            .size = size,
            .mtime = mtime,
            .records = 7,
            .crc32 = crc};
  }

  // Writes a file the way producers must (temporary name, then rename) and commits it.
  ConvertedEntry Store(const io::FileIdentity& identity, const std::string& content,
                       const std::string& converter = "v1", const std::string& dataset = "sih-rd",
                       std::shared_ptr<ConvertedCache> cache = nullptr,
                       std::optional<ConvertedFormat> format_override = std::nullopt) {
    if (cache == nullptr) cache = cache_;
    ConvertedFormat format = format_override.value_or(format_);
    std::string final_path = cache->PathFor(kSource, identity.path, converter, format);
    fs::create_directories(fs::path(final_path).parent_path());
    std::string temp = final_path + ".part-" + std::to_string(::getpid());
    { std::ofstream(temp, std::ios::binary) << content; }
    fs::rename(temp, final_path);
    ConvertedEntry entry{.source = kSource,
                         .identity = identity,
                         .converter = converter,
                         .format = format,
                         .dataset = dataset,
                         .local_path = final_path,
                         .checksums = testing::ChecksumsOf(content)};
    EXPECT_TRUE(cache->Commit(entry).ok());
    return entry;
  }

  fs::path root_;
  std::shared_ptr<ConvertedCache> cache_;
  ConvertedFormat format_ = kIpc;
};

// The behaviour every format shares, run for each.
class ConvertedCacheTest : public CacheFixture,
                           public ::testing::WithParamInterface<ConvertedFormat> {
 protected:
  void SetUp() override {
    format_ = GetParam();
    CacheFixture::SetUp();
  }
};

TEST_P(ConvertedCacheTest, HitAfterCommit) {
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
  Store(Identity(), "12345");
  auto hit = *cache_->Lookup(kSource, Identity(), "v1", format_);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->bytes, 5);
  EXPECT_EQ(hit->identity.crc32, 42u);
  EXPECT_TRUE(hit->local_path.starts_with(root_.string()));
  // From a listing alone (size and mtime, no CRC yet) the entry is still found.
  EXPECT_TRUE(
      (*cache_->Lookup(kSource, Identity(5, 1000, std::nullopt), "v1", format_)).has_value());
  ConvertedCacheInfo info = *cache_->Info();
  EXPECT_EQ(info.entries, 1);
  EXPECT_EQ(info.bytes, 5);
  EXPECT_EQ(info.hits, 2);
  EXPECT_EQ(info.misses, 1);
}

TEST_P(ConvertedCacheTest, RepublishedFileIsAMissAndIsForgotten) {
  ConvertedEntry entry = Store(Identity(), "12345");
  EXPECT_FALSE(
      (*cache_->Lookup(kSource, Identity(5, 999999), "v1", format_)).has_value());  // new mtime
  EXPECT_FALSE(fs::exists(entry.local_path));
  EXPECT_EQ((*cache_->Info()).entries, 0);
  Store(Identity(), "12345");
  EXPECT_FALSE(
      (*cache_->Lookup(kSource, Identity(5, 1000, 7), "v1", format_)).has_value());  // new CRC
  Store(Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(6), "v1", format_)).has_value());  // new size
}

TEST_P(ConvertedCacheTest, DamagedOrDeletedFileIsAMiss) {
  ConvertedEntry entry = Store(Identity(), "12345");
  { std::ofstream(entry.local_path, std::ios::binary) << "12"; }  // truncated behind our back
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
  entry = Store(Identity(), "12345");
  fs::remove(entry.local_path);
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
}

TEST_P(ConvertedCacheTest, ForgetRemovesTheEntryAndItsFile) {
  ConvertedEntry entry = Store(Identity(), "12345");
  ASSERT_TRUE(cache_->Forget(entry).ok());
  EXPECT_FALSE(fs::exists(entry.local_path));
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
  EXPECT_TRUE(cache_->Forget(entry).ok());  // already gone: nothing to do
}

TEST_P(ConvertedCacheTest, KeyedBySourceAndConverter) {
  Store(Identity(), "parquet-a", "v1;latin-1");
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1;latin-1", format_)).has_value());
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v2;latin-1", format_)).has_value());
  EXPECT_FALSE((*cache_->Lookup("file:///mirror", Identity(), "v1;latin-1", format_)).has_value());
  EXPECT_NE(cache_->PathFor(kSource, "a.dbc", "v1", format_),
            cache_->PathFor(kSource, "a.dbc", "v2", format_));
  EXPECT_NE(cache_->PathFor(kSource, "a.dbc", "v1", format_),
            cache_->PathFor("file:///m", "a.dbc", "v1", format_));
}

TEST_F(CacheFixture, FormatIsPartOfTheKey) {
  ConvertedEntry ipc = Store(Identity(), "bytes");
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", kParquet)).has_value());
  ConvertedEntry parquet = Store(Identity(), "parquet", "v1", "sih-rd", nullptr, kParquet);
  EXPECT_NE(ipc.local_path, parquet.local_path);
  EXPECT_TRUE(ipc.local_path.ends_with(".arrow"));
  EXPECT_TRUE(parquet.local_path.ends_with(".parquet"));
  auto hit = *cache_->Lookup(kSource, Identity(), "v1", kParquet);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->format, kParquet);
  EXPECT_EQ(hit->bytes, 7);
  EXPECT_EQ((*cache_->Lookup(kSource, Identity(), "v1", kIpc))->bytes, 5);
  auto entries = *cache_->Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].format, kIpc);  // "ipc" sorts first
  EXPECT_EQ(entries[1].format, kParquet);
}

TEST(ConvertedFormatTest, NamesRoundTrip) {
  for (ConvertedFormat format : {kIpc, kParquet}) {
    EXPECT_EQ(*ParseConvertedFormat(ConvertedFormatName(format)), format);
  }
  auto bad = ParseConvertedFormat("feather");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(GetErrorDetail(bad.status())->kind(), ErrorKind::kInvalidArgument);
}

TEST_F(CacheFixture, ParquetOnlyManifestIsMigrated) {
  cache_.reset();
  fs::remove_all(root_);
  fs::create_directories(root_);
  std::string parquet = (root_ / "old.parquet").string();
  { std::ofstream(parquet, std::ios::binary) << "12345"; }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root_ / "manifest.sqlite").string().c_str(), &db), SQLITE_OK);
  std::string sql =
      "CREATE TABLE parquet_entries (source TEXT NOT NULL, path TEXT NOT NULL, converter TEXT NOT "
      "NULL, size INTEGER NOT NULL, mtime INTEGER, records INTEGER, crc INTEGER, dataset TEXT NOT "
      "NULL, local_path TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL, "
      "last_used INTEGER NOT NULL, PRIMARY KEY (source, path, converter));"
      "INSERT INTO parquet_entries VALUES ('" +
      std::string(kSource) + "', 'SIHSUS/200801_/Dados/RDAC2401.dbc', 'v1', 5, 1000, 7, 42, " +
      "'sih-rd', '" + parquet + "', 5, 1, 1);";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  cache_ = *ConvertedCache::Open(root_.string());
  auto entries = *cache_->Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].local_path, parquet);
  EXPECT_EQ(entries[0].format, kParquet);
  EXPECT_EQ(*cache_->Clear({}), 1);
  EXPECT_FALSE(fs::exists(parquet));
}

// Entries written before entries had checksums cannot be verified: they are misses, converted
// again, never read unverified.
TEST_F(CacheFixture, EntriesWithoutChecksumsAreMisses) {
  ConvertedEntry entry = Store(Identity(), "12345");
  cache_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root_ / "manifest.sqlite").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "UPDATE converted_entries SET checksums = NULL", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  cache_ = *ConvertedCache::Open(root_.string());
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1", kIpc)).has_value());
  EXPECT_FALSE(fs::exists(entry.local_path));
  EXPECT_EQ((*cache_->Entries()).size(), 0u);
}

TEST_F(CacheFixture, ManifestWithoutTheChecksumsColumnGainsIt) {
  cache_.reset();
  fs::remove_all(root_);
  fs::create_directories(root_);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((root_ / "manifest.sqlite").string().c_str(), &db), SQLITE_OK);
  const char* old_schema =
      "CREATE TABLE converted_entries (source TEXT NOT NULL, path TEXT NOT NULL, converter TEXT "
      "NOT NULL, format TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER, records INTEGER, crc "
      "INTEGER, dataset TEXT NOT NULL, local_path TEXT NOT NULL, bytes INTEGER NOT NULL, created "
      "INTEGER NOT NULL, last_used INTEGER NOT NULL, PRIMARY KEY (source, path, converter, "
      "format));";
  ASSERT_EQ(sqlite3_exec(db, old_schema, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  cache_ = *ConvertedCache::Open(root_.string());
  Store(Identity(), "12345");
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1", kIpc)).has_value());
}

TEST_F(CacheFixture, CommitRefusesChecksumsOfAnotherFile) {
  ConvertedEntry entry = Store(Identity(), "12345");
  entry.checksums = testing::ChecksumsOf("123456");
  auto status = cache_->Commit(entry);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kIo);
}

TEST_F(CacheFixture, OneWriterPerEntryAndOrphanedTemporaries) {
  const std::string path = cache_->PathFor(kSource, Identity().path, "v1", kIpc);
  auto first = *ConvertedCache::TryLockEntry(path);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE((*ConvertedCache::TryLockEntry(path)).has_value());  // a second writer: read through
  // The live writer's temporary file is neither counted nor removed.
  const std::string live = io::TemporaryNameFor(path);
  { std::ofstream(live) << "being written"; }
  EXPECT_TRUE(cache_->Temporaries().empty());
  EXPECT_EQ(*cache_->RemoveTemporaries(), 0);
  EXPECT_TRUE(fs::exists(live));
  // Its writer dies (the lock is released): the file is an orphan, counted, then reclaimed by the
  // next writer of the entry.
  first.reset();
  auto orphans = cache_->Temporaries();
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].path, live);
  EXPECT_EQ(orphans[0].bytes, 13);
  auto next = *ConvertedCache::TryLockEntry(path);
  ASSERT_TRUE(next.has_value());
  EXPECT_FALSE(fs::exists(live));
  next.reset();
  // Orphans of other entries are removed by RemoveTemporaries, respecting their age.
  const std::string other = io::TemporaryNameFor(cache_->PathFor(kSource, "a.dbc", "v1", kIpc));
  fs::create_directories(fs::path(other).parent_path());
  { std::ofstream(other) << "x"; }
  EXPECT_EQ(*cache_->RemoveTemporaries(3600), 0);  // written just now
  EXPECT_EQ(cache_->Temporaries().size(), 1u);
  EXPECT_EQ(*cache_->RemoveTemporaries(), 1);
  EXPECT_TRUE(cache_->Temporaries().empty());
}

TEST_P(ConvertedCacheTest, ClearByDatasetAndAge) {
  Store(Identity(), "12345");
  io::FileIdentity other = Identity();
  other.path = "SIM/CID10/DORES/DOAC2022.dbc";
  Store(other, "abc", "v1", "sim-do");
  EXPECT_EQ(*cache_->Clear({.older_than_seconds = 3600}), 0);  // both were used just now
  EXPECT_EQ(*cache_->Clear({.dataset = "sim-do"}), 1);
  EXPECT_EQ(*cache_->Clear({}), 1);
  EXPECT_EQ((*cache_->Entries()).size(), 0u);
}

TEST_P(ConvertedCacheTest, RefusesPathsLeavingTheCache) {
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a"}) {
    io::FileIdentity identity = Identity();
    identity.path = bad;
    auto result = cache_->Lookup(kSource, identity, "v1", format_);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(GetErrorDetail(result.status())->kind(), ErrorKind::kInvalidArgument);
  }
}

TEST_P(ConvertedCacheTest, ManifestSurvivesReopening) {
  Store(Identity(), "12345");
  cache_.reset();
  cache_ = *ConvertedCache::Open(root_.string());
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
}

TEST_P(ConvertedCacheTest, TwoProcessesFillingTheSameEntryLeaveOneValidEntry) {
  EXPECT_TRUE(InChildren(2, [&] {
    auto cache = ConvertedCache::Open(root_.string());
    if (!cache.ok()) return 1;
    for (int i = 0; i < 20; ++i) {
      Store(Identity(), "12345", "v1", "sih-rd", *cache);
      if (!(*cache)->Lookup(kSource, Identity(), "v1", format_).ok()) return 3;
    }
    return ::testing::Test::HasFailure() ? 2 : 0;
  }));
  auto entries = *cache_->Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].bytes, 5);
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1", format_)).has_value());
  for (const auto& item : fs::recursive_directory_iterator(root_)) {
    EXPECT_EQ(item.path().string().find(".part-"), std::string::npos) << item.path();
  }
}

// Processes that create the same new cache at once all open and fill it (the switch of the new
// manifest to WAL can find it locked by another process without SQLite waiting).
TEST_F(CacheFixture, ProcessesCreatingTheCacheAtOnceAllUseIt) {
  cache_.reset();
  for (int round = 0; round < 10; ++round) {
    fs::remove_all(root_);
    EXPECT_TRUE(InChildren(4,
                           [&] {
                             auto cache = ConvertedCache::Open(root_.string());
                             if (!cache.ok()) return 1;
                             Store(Identity(), "12345", "v1", "sih-rd", *cache);
                             bool looked_up =
                                 (*cache)->Lookup(kSource, Identity(), "v1", format_).ok();
                             return looked_up && !::testing::Test::HasFailure() ? 0 : 2;
                           }))
        << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(AllFormats, ConvertedCacheTest,
                         ::testing::Values(kIpc, kParquet, ConvertedFormat::kArrowIpcUncompressed),
                         [](const auto& info) {
                           return arrow_sus::testing::FormatTestName(info.param);
                         });

}  // namespace
}  // namespace arrow_sus::cache
