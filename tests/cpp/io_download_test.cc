// Source retries and resumption, the download cache, and reading while downloading, against an
// in-memory source that injects failures.
#include <gtest/gtest.h>

#include <arrow/io/interfaces.h>
#include <arrow/record_batch.h>
#include <arrow/util/thread_pool.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/download.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/many_files.h"
#include "arrow_sus/io/remote_file.h"
#include "arrow_sus/io/source.h"
#include "test_support.h"

namespace arrow_sus::io {
namespace {

namespace fs = std::filesystem;

// Files held in memory; each read may be cut after `drop_after` bytes (a reset connection), the
// next `drops` times.
class FlakySource final : public Source {
 public:
  explicit FlakySource(SourceOptions options) : Source(std::move(options)) {}

  const std::string& url() const override { return url_; }

  void Put(const std::string& path, std::vector<uint8_t> bytes, int64_t mtime) {
    std::lock_guard lock(mutex_);
    files_[path] = {std::move(bytes), mtime};
  }
  void DropAfter(int64_t bytes, int times) {
    drop_after_ = bytes;
    drops_ = times;
  }
  int reads() const { return reads_; }
  int stats() const { return stats_; }

 protected:
  arrow::Result<std::vector<RemoteEntry>> ListOnce(std::string_view) override {
    std::vector<RemoteEntry> out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, file] : files_)
      out.push_back({name, int64_t(file.bytes.size()), file.mtime, false});
    return out;
  }

  arrow::Result<RemoteEntry> StatOnce(std::string_view path) override {
    ++stats_;
    std::lock_guard lock(mutex_);
    auto it = files_.find(std::string(path));
    if (it == files_.end())
      return MakeError(ErrorKind::kNotFound, {.file = std::string(path)}, "no such file");
    return RemoteEntry{std::string(path), int64_t(it->second.bytes.size()), it->second.mtime,
                       false};
  }

  arrow::Status ReadOnce(std::string_view path, int64_t offset, std::optional<int64_t> length,
                         const ByteSink& sink) override {
    ++reads_;
    std::vector<uint8_t> bytes;
    {
      std::lock_guard lock(mutex_);
      auto it = files_.find(std::string(path));
      if (it == files_.end())
        return MakeError(ErrorKind::kNotFound, {.file = std::string(path)}, "no such file");
      bytes = it->second.bytes;
    }
    int64_t end = length ? std::min<int64_t>(offset + *length, bytes.size()) : bytes.size();
    bool drop = false;
    if (drops_ > 0 && end - offset > drop_after_) {
      --drops_;
      end = offset + drop_after_;
      drop = true;
    }
    for (int64_t pos = offset; pos < end; pos += 1000) {
      const int64_t n = std::min<int64_t>(1000, end - pos);
      ARROW_RETURN_NOT_OK(sink({bytes.data() + pos, size_t(n)}));
    }
    if (drop) return MakeError(ErrorKind::kNetwork, {.file = std::string(path)}, "reset");
    return arrow::Status::OK();
  }

 private:
  struct File {
    std::vector<uint8_t> bytes;
    int64_t mtime;
  };
  std::string url_ = "memory://";
  std::mutex mutex_;
  std::map<std::string, File> files_;
  std::atomic<int64_t> drop_after_{0};
  std::atomic<int> drops_{0};
  std::atomic<int> reads_{0};
  std::atomic<int> stats_{0};
};

SourceOptions FastOptions() {
  SourceOptions options;
  options.retry.max_attempts = 4;
  options.retry.initial_backoff = std::chrono::milliseconds(1);
  options.retry.max_backoff = std::chrono::milliseconds(2);
  return options;
}

// A DBF with one 8-character field holding the record number, compressed into a .dbc.
std::vector<uint8_t> MakeDbc(int records) {
  std::vector<uint8_t> dbf(32 + 32 + 1, 0);
  dbf[0] = 3;
  std::memcpy(&dbf[4], &records, 4);
  dbf[8] = 65;
  dbf[10] = 9;
  std::memcpy(&dbf[32], "N", 1);
  dbf[32 + 11] = 'C';
  dbf[32 + 16] = 8;
  dbf[64] = 0x0D;
  for (int i = 0; i < records; ++i) {
    char record[10];
    std::snprintf(record, sizeof(record), " %08d", i);
    dbf.insert(dbf.end(), record, record + 9);
  }
  dbf.push_back(0x1A);
  return CompressDbf(dbf, "synthetic.dbc").ValueOrDie();
}

class IoDownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("arrow_sus_io_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<uint8_t> ReadLocal(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  fs::path dir_;
};

TEST(RetryPolicyTest, BackoffGrowsWithJitterAndIsCapped) {
  RetryPolicy policy{.max_attempts = 10,
                     .initial_backoff = std::chrono::milliseconds(100),
                     .max_backoff = std::chrono::milliseconds(1000)};
  for (int attempt = 1; attempt <= 8; ++attempt) {
    const int64_t full = std::min<int64_t>(1000, 100LL << (attempt - 1));
    const auto wait = policy.BackoffBefore(attempt).count();
    EXPECT_GE(wait, full / 2) << attempt;
    EXPECT_LE(wait, full) << attempt;
  }
}

TEST_F(IoDownloadTest, StreamedReadResumesAfterDrops) {
  FlakySource source(FastOptions());
  std::vector<uint8_t> data(50'000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7);
  source.Put("A/x.bin", data, 1000);
  source.DropAfter(12'000, 3);
  std::vector<uint8_t> got;
  auto expected = source.Stat("A/x.bin").ValueOrDie();
  ASSERT_TRUE(source
                  .Read(
                      "A/x.bin", 0,
                      [&](std::span<const uint8_t> b) {
                        got.insert(got.end(), b.begin(), b.end());
                        return arrow::Status::OK();
                      },
                      expected)
                  .ok());
  EXPECT_EQ(got, data);
  EXPECT_EQ(source.reads(), 4);  // cut three times, each resumed where it stopped
}

TEST_F(IoDownloadTest, GivesUpAfterMaxAttemptsAndSaysSo) {
  FlakySource source(FastOptions());
  source.Put("x.bin", std::vector<uint8_t>(10'000, 1), 1000);
  source.DropAfter(100, 100);
  auto st = source.ReadRange("x.bin", 0, 10'000).status();
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(IsTransient(st));
  EXPECT_NE(st.message().find("gave up after 4 attempts"), std::string::npos);
}

TEST_F(IoDownloadTest, PermanentErrorsAreNotRetried) {
  FlakySource source(FastOptions());
  auto st = source.Stat("missing.dbc").status();
  EXPECT_EQ(GetErrorDetail(st)->kind(), ErrorKind::kNotFound);
  EXPECT_EQ(source.stats(), 1);
}

TEST_F(IoDownloadTest, DownloadCommitsVerifiedFilesAndSkipsUpToDateOnes) {
  FlakySource source(FastOptions());
  const auto dbc = MakeDbc(5000);
  source.Put("SIM/DOAC2024.dbc", dbc, 1000);
  FileCache cache(dir_);
  source.DropAfter(20'000, 1);
  auto first = DownloadFile(source, cache, "SIM/DOAC2024.dbc").ValueOrDie();
  EXPECT_FALSE(first.up_to_date);
  EXPECT_EQ(first.identity.records, 5000u);
  EXPECT_EQ(ReadLocal(dir_ / "SIM/DOAC2024.dbc"), dbc);

  const int reads_before = source.reads();
  auto second = DownloadFile(source, cache, "SIM/DOAC2024.dbc").ValueOrDie();
  EXPECT_TRUE(second.up_to_date);
  EXPECT_EQ(second.bytes_fetched, 0);
  // Size and mtime match the record: its record count and CRC are trusted, no byte is read.
  EXPECT_EQ(source.reads() - reads_before, 0);
  EXPECT_EQ(second.identity.records, 5000u);

  // Republished: same name, new content and mtime.
  const auto republished = MakeDbc(6000);
  source.Put("SIM/DOAC2024.dbc", republished, 2000);
  auto third = DownloadFile(source, cache, "SIM/DOAC2024.dbc").ValueOrDie();
  EXPECT_FALSE(third.up_to_date);
  EXPECT_EQ(ReadLocal(dir_ / "SIM/DOAC2024.dbc"), republished);
}

TEST_F(IoDownloadTest, PartialDownloadOfTheSameVersionIsResumed) {
  FlakySource source(FastOptions());
  const auto dbc = MakeDbc(5000);
  source.Put("x.dbc", dbc, 1000);
  FileCache cache(dir_);
  auto id = StatIdentity(source, "x.dbc").ValueOrDie();
  PartialDownload partial;
  {  // a writer that stopped after 10,000 bytes
    auto lock = cache.LockEntry("x.dbc").ValueOrDie();
    partial = cache.BeginWrite(id, lock).ValueOrDie();
    std::ofstream out(partial.temp_path, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(dbc.data()), 10'000);
  }
  // Its writer is gone: the partial download is counted as a temporary file, and kept.
  auto temporaries = cache.Temporaries();
  ASSERT_EQ(temporaries.size(), 2u);  // the bytes and the record of their version
  EXPECT_EQ(temporaries[0].bytes + temporaries[1].bytes, 10'000 + int64_t(id.Serialize().size()));
  auto result = DownloadFile(source, cache, "x.dbc").ValueOrDie();
  EXPECT_EQ(result.resumed_from, 10'000);
  EXPECT_EQ(result.bytes_fetched, int64_t(dbc.size()) - 10'000);
  EXPECT_EQ(ReadLocal(dir_ / "x.dbc"), dbc);
  EXPECT_FALSE(fs::exists(partial.temp_path));
}

TEST_F(IoDownloadTest, CorruptBytesAreNeverCommitted) {
  FlakySource source(FastOptions());
  auto dbc = MakeDbc(5000);
  dbc[dbc.size() / 2] ^= 0x55;
  source.Put("bad.dbc", dbc, 1000);
  FileCache cache(dir_);
  auto st = DownloadFile(source, cache, "bad.dbc").status();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(GetErrorDetail(st)->kind(), ErrorKind::kChecksum) << st;
  EXPECT_FALSE(fs::exists(dir_ / "bad.dbc"));
  EXPECT_FALSE(cache.Recorded("bad.dbc").ValueOrDie().has_value());
}

// Entries lists committed downloads only: partial downloads, identities and locks are the cache's
// own records, and a download the cache lost track of is still bytes it holds.
TEST_F(IoDownloadTest, EntriesListCommittedFilesNotTheCachesRecords) {
  FlakySource source(FastOptions());
  const auto dbc = MakeDbc(100);
  source.Put("SIM/DOAC2024.dbc", dbc, 1000);
  source.Put("SIH/200801_/Dados/RDAC2401.dbc", MakeDbc(50), 1000);
  source.Put("x.dbc", MakeDbc(10), 1000);
  FileCache cache(dir_);
  ASSERT_TRUE(cache.Entries().empty());
  DownloadFile(source, cache, "SIM/DOAC2024.dbc").ValueOrDie();
  DownloadFile(source, cache, "SIH/200801_/Dados/RDAC2401.dbc").ValueOrDie();
  {  // a partial download of another file, left by a writer that is gone
    auto id = StatIdentity(source, "x.dbc").ValueOrDie();
    auto lock = cache.LockEntry("x.dbc").ValueOrDie();
    auto partial = cache.BeginWrite(id, lock).ValueOrDie();
    std::ofstream(partial.temp_path, std::ios::binary) << "partial";
  }
  const auto entries = cache.Entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].path, "SIH/200801_/Dados/RDAC2401.dbc");
  EXPECT_EQ(entries[1].path, "SIM/DOAC2024.dbc");
  EXPECT_EQ(entries[1].bytes, int64_t(dbc.size()));
  EXPECT_GT(entries[1].mtime, 0);

  ASSERT_TRUE(cache.Remove("SIM/DOAC2024.dbc").ok());
  ASSERT_EQ(cache.Entries().size(), 1u);
  EXPECT_TRUE(FileCache(dir_ / "missing").Entries().empty());
}

TEST_F(IoDownloadTest, CacheRefusesUnsafePaths) {
  FileCache cache(dir_);
  for (const char* bad : {"../x.dbc", "/etc/passwd", "a/../../b", ".arrow-sus/identity/x"})
    EXPECT_FALSE(cache.CheckPath(bad).ok()) << bad;
}

TEST_F(IoDownloadTest, ReaderDecodesWhileTheFileDownloads) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  const auto dbc = MakeDbc(20'000);
  source->Put("SIH/RDAC2401.dbc", dbc, 1000);
  source->DropAfter(30'000, 2);
  auto file = OpenRemoteFile(source, FileCache(dir_), "SIH/RDAC2401.dbc").ValueOrDie();
  dbf::ReadOptions options;
  options.batch_size = 1000;
  auto reader = dbf::OpenDbc(file, "RDAC2401.dbc", options).ValueOrDie();
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (true) {
    ASSERT_TRUE(reader->ReadNext(&batch).ok());
    if (!batch) break;
    rows += batch->num_rows();
  }
  EXPECT_EQ(rows, 20'000);
  ASSERT_TRUE(file->Close().ok());  // waits for the verified commit
  EXPECT_EQ(ReadLocal(dir_ / "SIH/RDAC2401.dbc"), dbc);
}

// Reads `file` as a DBC to the end; the row count.
int64_t DecodeAll(std::shared_ptr<arrow::io::RandomAccessFile> file) {
  dbf::ReadOptions options;
  options.batch_size = 1000;
  options.use_threads = false;
  auto reader = dbf::OpenDbc(std::move(file), "RDAC2401.dbc", options).ValueOrDie();
  int64_t rows = 0;
  std::shared_ptr<arrow::RecordBatch> batch;
  while (reader->ReadNext(&batch).ok() && batch != nullptr) rows += batch->num_rows();
  return rows;
}

TEST_F(IoDownloadTest, WithoutThreadsTheReaderRunsTheDownload) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  const auto dbc = MakeDbc(5000);
  source->Put("SIH/RDAC2401.dbc", dbc, 1000);
  auto file = OpenRemoteFile(source, FileCache(dir_), "SIH/RDAC2401.dbc", {},
                             /*use_threads=*/false)
                  .ValueOrDie();
  EXPECT_EQ(source->reads(), 0);  // nothing starts before the first read
  EXPECT_EQ(DecodeAll(file), 5000);
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(ReadLocal(dir_ / "SIH/RDAC2401.dbc"), dbc);
}

TEST_F(IoDownloadTest, ReadingProgressesWhenTheIoPoolIsBusy) {
  // Every IO pool thread waits for this test to read the file: the download cannot start on the
  // pool, so the reader runs it.
  testing::BusyThreads busy(arrow::io::default_io_context().executor(),
                            arrow::io::GetIOThreadPoolCapacity());
  auto source = std::make_shared<FlakySource>(FastOptions());
  const auto dbc = MakeDbc(5000);
  source->Put("SIH/RDAC2401.dbc", dbc, 1000);
  auto file = OpenRemoteFile(source, FileCache(dir_), "SIH/RDAC2401.dbc").ValueOrDie();
  EXPECT_EQ(DecodeAll(file), 5000);
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(ReadLocal(dir_ / "SIH/RDAC2401.dbc"), dbc);
}

TEST_F(IoDownloadTest, ClosingBeforeReadingFetchesNothing) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  source->Put("a.dbc", MakeDbc(100), 1000);
  auto file =
      OpenRemoteFile(source, FileCache(dir_), "a.dbc", {}, /*use_threads=*/false).ValueOrDie();
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(source->reads(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "a.dbc"));
}

TEST_F(IoDownloadTest, DownloadFilesGivesEachFileItsOwnResultInOrder) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  std::vector<std::string> paths;
  for (int i = 0; i < 6; ++i) {
    paths.push_back("SIM/DO" + std::to_string(i) + ".dbc");
    if (i != 3) source->Put(paths.back(), MakeDbc(100 + i), 1000);
  }
  std::atomic<int> finished{0};
  auto results = DownloadFiles(source, FileCache(dir_), paths, {}, [&](size_t) { ++finished; })
                     .result()
                     .ValueOrDie();
  ASSERT_EQ(results.size(), paths.size());
  EXPECT_EQ(finished.load(), 6);
  for (size_t i = 0; i < paths.size(); ++i) {
    if (i == 3) {
      ASSERT_FALSE(results[i].ok());
      ASSERT_NE(GetErrorDetail(results[i].status()), nullptr);
      EXPECT_EQ(GetErrorDetail(results[i].status())->kind(), ErrorKind::kNotFound);
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << results[i].status().ToString();
    EXPECT_EQ(results[i]->identity.path, paths[i]);
    EXPECT_EQ(results[i]->identity.records, uint32_t(100 + i));
  }
}

TEST_F(IoDownloadTest, ListDirectoriesListsEachDirectory) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  source->Put("x.dbc", MakeDbc(10), 1000);
  auto results = ListDirectories(source, {"A", "B", "C"}).result().ValueOrDie();
  ASSERT_EQ(results.size(), 3u);
  for (const auto& listing : results) {
    ASSERT_TRUE(listing.ok());
    ASSERT_EQ(listing->size(), 1u);
    EXPECT_EQ((*listing)[0].name, "x.dbc");
  }
}

TEST_F(IoDownloadTest, ReadingAnUpToDateFileUsesTheCache) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  const auto dbc = MakeDbc(3000);
  source->Put("a.dbc", dbc, 1000);
  FileCache cache(dir_);
  ASSERT_TRUE(DownloadFile(*source, cache, "a.dbc").ok());
  const int reads_before = source->reads();
  auto file = OpenRemoteFile(source, cache, "a.dbc").ValueOrDie();
  EXPECT_EQ(file->GetSize().ValueOrDie(), int64_t(dbc.size()));
  auto all = file->ReadAt(0, int64_t(dbc.size())).ValueOrDie();
  EXPECT_EQ(std::vector<uint8_t>(all->data(), all->data() + all->size()), dbc);
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(source->reads() - reads_before, 0);  // the recorded identity is trusted
}

// Many threads (each with its own FileCache over the same directory, as processes have) fetch one
// cold file at once: one writer downloads it, the others wait and use its committed copy.
TEST_F(IoDownloadTest, ConcurrentDownloadsOfOneFileShareOneTransfer) {
  FlakySource source(FastOptions());
  const auto dbc = MakeDbc(20'000);
  source.Put("SIH/RDAC2401.dbc", dbc, 1000);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0}, transfers{0};
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&] {
      FileCache cache(dir_);
      auto result = DownloadFile(source, cache, "SIH/RDAC2401.dbc");
      if (!result.ok() || ReadLocal(result->local_path) != dbc) ++failures;
      if (result.ok() && !result->up_to_date) ++transfers;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(transfers, 1);
  EXPECT_TRUE(FileCache(dir_).Temporaries().empty());
}

TEST_F(IoDownloadTest, WaitingForAnotherWriterCanBeCancelled) {
  FlakySource source(FastOptions());
  source.Put("a.dbc", MakeDbc(100), 1000);
  FileCache cache(dir_);
  auto held = cache.LockEntry("a.dbc").ValueOrDie();  // another writer, stuck
  DownloadOptions options;
  int calls = 0;
  options.keep_waiting = [&]() -> arrow::Status {
    return ++calls < 5 ? arrow::Status::OK() : MakeError(ErrorKind::kCancelled, {}, "stop");
  };
  auto status = DownloadFile(source, cache, "a.dbc", options).status();
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kCancelled) << status;
  EXPECT_EQ(source.reads(), 0);
}

// A reader closed while its download waits for another writer returns at once.
TEST_F(IoDownloadTest, ClosingAReaderThatWaitsForAnotherWriterDoesNotHang) {
  auto source = std::make_shared<FlakySource>(FastOptions());
  source->Put("a.dbc", MakeDbc(100), 1000);
  FileCache cache(dir_);
  auto held = cache.LockEntry("a.dbc").ValueOrDie();
  auto file = OpenRemoteFile(source, cache, "a.dbc").ValueOrDie();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(file->Close().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST_F(IoDownloadTest, RemovingAnEntryLeavesAPartialBeingWrittenAlone) {
  FlakySource source(FastOptions());
  source.Put("a.dbc", MakeDbc(100), 1000);
  FileCache cache(dir_);
  auto id = StatIdentity(source, "a.dbc").ValueOrDie();
  auto lock = cache.LockEntry("a.dbc").ValueOrDie();
  auto partial = cache.BeginWrite(id, lock).ValueOrDie();
  ASSERT_TRUE(cache.Remove("a.dbc").ok());
  EXPECT_TRUE(fs::exists(partial.temp_path));  // its writer is alive
  EXPECT_TRUE(cache.Temporaries().empty());
  EXPECT_EQ(cache.RemoveTemporaries().ValueOrDie(), 0);
  lock = EntryLock::Acquire(dir_ / "elsewhere.lock").ValueOrDie();  // the writer is gone
  EXPECT_EQ(cache.Temporaries().size(), 2u);
  EXPECT_EQ(cache.RemoveTemporaries(3600).ValueOrDie(), 0);  // not old enough
  EXPECT_EQ(cache.RemoveTemporaries().ValueOrDie(), 2);
  EXPECT_FALSE(fs::exists(partial.temp_path));
}

}  // namespace
}  // namespace arrow_sus::io
