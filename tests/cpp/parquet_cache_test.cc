#include "arrow_sus/cache/parquet_cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "arrow_sus/error.h"

namespace arrow_sus::cache {
namespace {

namespace fs = std::filesystem;

constexpr char kSource[] = "ftp://ftp.datasus.gov.br/dissemin/publicos";

class ParquetCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("arrow_sus_cache_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    cache_ = *ParquetCache::Open(root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  static io::FileIdentity Identity(int64_t size = 5, std::optional<int64_t> mtime = 1000,
                                   std::optional<uint32_t> crc = 42) {
    return {.path = "SIHSUS/200801_/Dados/RDAC2401.dbc",
            .size = size,
            .mtime = mtime,
            .records = 7,
            .crc32 = crc};
  }

  // Writes a file the way producers must (temporary name, then rename) and commits it.
  ParquetEntry Store(const io::FileIdentity& identity, const std::string& content,
                     const std::string& converter = "v1", const std::string& dataset = "sih-rd",
                     std::shared_ptr<ParquetCache> cache = nullptr) {
    if (cache == nullptr) cache = cache_;
    std::string final_path = cache->PathFor(kSource, identity.path, converter);
    fs::create_directories(fs::path(final_path).parent_path());
    std::string temp = final_path + ".part-" + std::to_string(::getpid());
    { std::ofstream(temp, std::ios::binary) << content; }
    fs::rename(temp, final_path);
    ParquetEntry entry{.source = kSource,
                       .identity = identity,
                       .converter = converter,
                       .dataset = dataset,
                       .local_path = final_path};
    EXPECT_TRUE(cache->Commit(entry).ok());
    return entry;
  }

  fs::path root_;
  std::shared_ptr<ParquetCache> cache_;
};

TEST_F(ParquetCacheTest, HitAfterCommit) {
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1")).has_value());
  Store(Identity(), "12345");
  auto hit = *cache_->Lookup(kSource, Identity(), "v1");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->bytes, 5);
  EXPECT_EQ(hit->identity.crc32, 42u);
  EXPECT_TRUE(hit->local_path.starts_with(root_.string()));
  // From a listing alone (size and mtime, no CRC yet) the entry is still found.
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(5, 1000, std::nullopt), "v1")).has_value());
  ParquetCacheInfo info = *cache_->Info();
  EXPECT_EQ(info.entries, 1);
  EXPECT_EQ(info.bytes, 5);
  EXPECT_EQ(info.hits, 2);
  EXPECT_EQ(info.misses, 1);
}

TEST_F(ParquetCacheTest, RepublishedFileIsAMissAndIsForgotten) {
  ParquetEntry entry = Store(Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(5, 999999), "v1")).has_value());  // new mtime
  EXPECT_FALSE(fs::exists(entry.local_path));
  EXPECT_EQ((*cache_->Info()).entries, 0);
  Store(Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(5, 1000, 7), "v1")).has_value());  // new CRC
  Store(Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(6), "v1")).has_value());  // new size
}

TEST_F(ParquetCacheTest, DamagedOrDeletedFileIsAMiss) {
  ParquetEntry entry = Store(Identity(), "12345");
  { std::ofstream(entry.local_path, std::ios::binary) << "12"; }  // truncated behind our back
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1")).has_value());
  entry = Store(Identity(), "12345");
  fs::remove(entry.local_path);
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v1")).has_value());
}

TEST_F(ParquetCacheTest, KeyedBySourceAndConverter) {
  Store(Identity(), "parquet-a", "v1;latin-1");
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1;latin-1")).has_value());
  EXPECT_FALSE((*cache_->Lookup(kSource, Identity(), "v2;latin-1")).has_value());
  EXPECT_FALSE((*cache_->Lookup("file:///mirror", Identity(), "v1;latin-1")).has_value());
  EXPECT_NE(cache_->PathFor(kSource, "a.dbc", "v1"), cache_->PathFor(kSource, "a.dbc", "v2"));
  EXPECT_NE(cache_->PathFor(kSource, "a.dbc", "v1"), cache_->PathFor("file:///m", "a.dbc", "v1"));
}

TEST_F(ParquetCacheTest, ClearByDatasetAndAge) {
  Store(Identity(), "12345");
  io::FileIdentity other = Identity();
  other.path = "SIM/CID10/DORES/DOAC2022.dbc";
  Store(other, "abc", "v1", "sim-do");
  EXPECT_EQ(*cache_->Clear({.older_than_seconds = 3600}), 0);  // both were used just now
  EXPECT_EQ(*cache_->Clear({.dataset = "sim-do"}), 1);
  EXPECT_EQ(*cache_->Clear({}), 1);
  EXPECT_EQ((*cache_->Entries()).size(), 0u);
}

TEST_F(ParquetCacheTest, RefusesPathsLeavingTheCache) {
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a"}) {
    io::FileIdentity identity = Identity();
    identity.path = bad;
    auto result = cache_->Lookup(kSource, identity, "v1");
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(GetErrorDetail(result.status())->kind(), ErrorKind::kInvalidArgument);
  }
}

TEST_F(ParquetCacheTest, ManifestSurvivesReopening) {
  Store(Identity(), "12345");
  cache_.reset();
  cache_ = *ParquetCache::Open(root_.string());
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1")).has_value());
}

TEST_F(ParquetCacheTest, TwoProcessesFillingTheSameEntryLeaveOneValidEntry) {
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto cache = ParquetCache::Open(root_.string());
      if (!cache.ok()) _exit(1);
      for (int i = 0; i < 20; ++i) {
        Store(Identity(), "12345", "v1", "sih-rd", *cache);
        if (!(*cache)->Lookup(kSource, Identity(), "v1").ok()) _exit(3);
      }
      _exit(::testing::Test::HasFailure() ? 2 : 0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  auto entries = *cache_->Entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].bytes, 5);
  EXPECT_TRUE((*cache_->Lookup(kSource, Identity(), "v1")).has_value());
  for (const auto& item : fs::recursive_directory_iterator(root_)) {
    EXPECT_EQ(item.path().string().find(".part-"), std::string::npos) << item.path();
  }
}

}  // namespace
}  // namespace arrow_sus::cache
