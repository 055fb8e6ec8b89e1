#include "arrow_sus/cache/cache.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "arrow_sus/error.h"

namespace arrow_sus::cache {
namespace {

namespace fs = std::filesystem;

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("arrow_sus_cache_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    cache_ = *Cache::Open(root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  static FileIdentity Identity(int64_t size = 5, int64_t mtime = 1000,
                               std::optional<uint32_t> crc = 42) {
    return {.source = "ftp://ftp.datasus.gov.br/dissemin/publicos",
            .path = "SIHSUS/200801_/Dados/RDAC2401.dbc",
            .size = size,
            .mtime = mtime,
            .crc = crc};
  }

  // Writes `content` the way producers must: temporary name, then rename; then commits.
  CacheEntry Store(EntryKind kind, const FileIdentity& identity, const std::string& content,
                   const std::string& converter = "", const std::string& dataset = "sih-rd") {
    std::string final_path = cache_->PathFor(kind, identity, converter);
    fs::create_directories(fs::path(final_path).parent_path());
    std::string temp = Cache::TemporaryPath(final_path);
    { std::ofstream(temp, std::ios::binary) << content; }
    fs::rename(temp, final_path);
    CacheEntry entry{.kind = kind,
                     .identity = identity,
                     .converter = converter,
                     .dataset = dataset,
                     .local_path = final_path};
    EXPECT_TRUE(cache_->Commit(entry).ok());
    return entry;
  }

  fs::path root_;
  std::shared_ptr<Cache> cache_;
};

TEST_F(CacheTest, HitAfterCommit) {
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity())).has_value());
  Store(EntryKind::kRaw, Identity(), "12345");
  auto hit = *cache_->Lookup(EntryKind::kRaw, Identity());
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->bytes, 5);
  EXPECT_EQ(hit->identity.crc, 42u);
  EXPECT_TRUE(fs::path(hit->local_path).string().starts_with(root_.string()));
  // An unknown CRC matches the recorded one: the listing alone (size, mtime) is enough to reuse.
  EXPECT_TRUE((*cache_->Lookup(EntryKind::kRaw, Identity(5, 1000, std::nullopt))).has_value());
  CacheInfo info = *cache_->Info();
  EXPECT_EQ(info.raw_entries, 1);
  EXPECT_EQ(info.raw_bytes, 5);
  EXPECT_EQ(info.hits, 2);
  EXPECT_EQ(info.misses, 1);
}

TEST_F(CacheTest, RepublishedFileIsAMissAndIsForgotten) {
  CacheEntry entry = Store(EntryKind::kRaw, Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity(5, 2000))).has_value());  // new mtime
  EXPECT_FALSE(fs::exists(entry.local_path));
  EXPECT_EQ((*cache_->Info()).raw_entries, 0);
  Store(EntryKind::kRaw, Identity(), "12345");
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity(5, 1000, 7))).has_value());  // new CRC
}

TEST_F(CacheTest, DamagedOrDeletedFileIsAMiss) {
  CacheEntry entry = Store(EntryKind::kRaw, Identity(), "12345");
  { std::ofstream(entry.local_path, std::ios::binary) << "12"; }  // truncated behind our back
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity())).has_value());
  entry = Store(EntryKind::kRaw, Identity(), "12345");
  fs::remove(entry.local_path);
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity())).has_value());
}

TEST_F(CacheTest, ParquetEntriesAreKeyedByConverter) {
  Store(EntryKind::kParquet, Identity(), "parquet-a", "v1;latin-1");
  EXPECT_TRUE((*cache_->Lookup(EntryKind::kParquet, Identity(), "v1;latin-1")).has_value());
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kParquet, Identity(), "v2;latin-1")).has_value());
  EXPECT_FALSE((*cache_->Lookup(EntryKind::kRaw, Identity())).has_value());
  EXPECT_NE(cache_->PathFor(EntryKind::kParquet, Identity(), "v1"),
            cache_->PathFor(EntryKind::kParquet, Identity(), "v2"));
}

TEST_F(CacheTest, ClearByDatasetKindAndAge) {
  Store(EntryKind::kRaw, Identity(), "12345");
  Store(EntryKind::kParquet, Identity(), "pq", "v1");
  FileIdentity other = Identity();
  other.path = "SIM/CID10/DORES/DOAC2022.dbc";
  Store(EntryKind::kRaw, other, "abc", "", "sim-do");
  EXPECT_EQ(*cache_->Clear({.older_than_seconds = 3600}), 0);  // all were used just now
  EXPECT_EQ(*cache_->Clear({.dataset = "sim-do"}), 1);
  EXPECT_EQ(*cache_->Clear({.kind = EntryKind::kParquet}), 1);
  EXPECT_EQ(*cache_->Clear({}), 1);
  EXPECT_EQ((*cache_->Entries()).size(), 0u);
}

TEST_F(CacheTest, RefusesPathsLeavingTheCache) {
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a"}) {
    FileIdentity identity = Identity();
    identity.path = bad;
    auto result = cache_->Lookup(EntryKind::kRaw, identity);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(GetErrorDetail(result.status())->kind(), ErrorKind::kInvalidArgument);
  }
}

TEST_F(CacheTest, ManifestSurvivesReopening) {
  Store(EntryKind::kRaw, Identity(), "12345");
  cache_.reset();
  cache_ = *Cache::Open(root_.string());
  EXPECT_TRUE((*cache_->Lookup(EntryKind::kRaw, Identity())).has_value());
}

TEST_F(CacheTest, TwoProcessesFillingTheSameEntryLeaveOneValidEntry) {
  std::vector<pid_t> children;
  for (int p = 0; p < 2; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto cache = Cache::Open(root_.string());
      if (!cache.ok()) _exit(1);
      for (int i = 0; i < 20; ++i) {
        std::string final_path = (*cache)->PathFor(EntryKind::kRaw, Identity());
        fs::create_directories(fs::path(final_path).parent_path());
        std::string temp = Cache::TemporaryPath(final_path);
        { std::ofstream(temp, std::ios::binary) << "12345"; }
        fs::rename(temp, final_path);
        CacheEntry entry{.kind = EntryKind::kRaw, .identity = Identity(), .local_path = final_path};
        if (!(*cache)->Commit(entry).ok()) _exit(2);
        if (!(*cache)->Lookup(EntryKind::kRaw, Identity()).ok()) _exit(3);
      }
      _exit(0);
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
  auto hit = *cache_->Lookup(EntryKind::kRaw, Identity());
  ASSERT_TRUE(hit.has_value());
  // No temporary file is left behind.
  for (const auto& item : fs::recursive_directory_iterator(root_)) {
    EXPECT_EQ(item.path().string().find(".part-"), std::string::npos) << item.path();
  }
}

}  // namespace
}  // namespace arrow_sus::cache
