#include "arrow_sus/scan/multi_file_reader.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/util/thread_pool.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "arrow_sus/error.h"
#include "test_support.h"

namespace arrow_sus::scan {
namespace {

std::shared_ptr<arrow::Schema> TestSchema() {
  return arrow::schema(
      {arrow::field("file", arrow::int32()), arrow::field("batch", arrow::int32())});
}

// Yields `count` one-row batches (file, i); -1 means forever. Counts what it produced.
class GeneratedReader : public arrow::RecordBatchReader {
 public:
  GeneratedReader(int file, int count, std::atomic<int>* produced, arrow::Status fail_with = {})
      : file_(file), count_(count), produced_(produced), fail_with_(std::move(fail_with)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return TestSchema(); }
  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    if (count_ >= 0 && next_ == count_) {
      if (!fail_with_.ok()) return fail_with_;
      *out = nullptr;
      return arrow::Status::OK();
    }
    arrow::Int32Builder files, batches;
    ARROW_RETURN_NOT_OK(files.Append(file_));
    ARROW_RETURN_NOT_OK(batches.Append(next_++));
    ARROW_ASSIGN_OR_RAISE(auto f, files.Finish());
    ARROW_ASSIGN_OR_RAISE(auto b, batches.Finish());
    if (produced_ != nullptr) produced_->fetch_add(1);
    *out = arrow::RecordBatch::Make(TestSchema(), 1, {f, b});
    return arrow::Status::OK();
  }

 private:
  int file_;
  int count_;
  int next_ = 0;
  std::atomic<int>* produced_;
  arrow::Status fail_with_;
};

std::vector<FileTask> MakeTasks(const std::vector<int>& counts,
                                std::atomic<int>* produced = nullptr) {
  std::vector<FileTask> tasks;
  for (size_t f = 0; f < counts.size(); ++f) {
    int count = counts[f];
    tasks.push_back({"file" + std::to_string(f), [f, count, produced](const arrow::StopToken&) {
                       return arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
                           std::make_shared<GeneratedReader>(static_cast<int>(f), count, produced));
                     }});
  }
  return tasks;
}

// A file whose opening sets `started`, waits for the stop token, then sets `saw_stop` and fails as
// cancelled.
FileTask OpensOnlyWhenStopped(std::atomic<bool>* started, std::atomic<bool>* saw_stop) {
  return {"slow", [started, saw_stop](const arrow::StopToken& stop) {
            *started = true;
            while (!stop.IsStopRequested())
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            *saw_stop = true;
            return arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
                arrow::Status::Cancelled("stopped"));
          }};
}

// Waits (up to 5 s) for a pool thread to have started a step: closing before would find it only
// queued, and it would never run.
// RDAC2401.dbc: one batch, then a FormatError at byte 99.
FileTask FailsAfterOneBatch() {
  return {"RDAC2401.dbc", [](const arrow::StopToken&) {
            return arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
                std::make_shared<GeneratedReader>(
                    1, 1, nullptr, MakeError(ErrorKind::kFormat, {.offset = 99}, "bad code")));
          }};
}

void WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 5000 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void WaitUntil(const std::atomic<bool>& flag) {
  WaitUntil([&flag] { return flag.load(); });
  ASSERT_TRUE(flag.load());
}

std::vector<std::pair<int, int>> Drain(arrow::RecordBatchReader* reader) {
  std::vector<std::pair<int, int>> rows;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    EXPECT_TRUE(reader->ReadNext(&batch).ok());
    if (batch == nullptr) break;
    auto file = std::static_pointer_cast<arrow::Int32Array>(batch->column(0));
    auto index = std::static_pointer_cast<arrow::Int32Array>(batch->column(1));
    rows.emplace_back(file->Value(0), index->Value(0));
  }
  return rows;
}

TEST(MultiFileReaderTest, OrderedKeepsFileOrder) {
  std::vector<int> counts = {3, 0, 5, 1, 0, 7, 2};
  auto reader =
      *MultiFileReader::Make(TestSchema(), MakeTasks(counts), {.max_concurrent_files = 3});
  std::vector<std::pair<int, int>> expected;
  for (size_t f = 0; f < counts.size(); ++f) {
    for (int i = 0; i < counts[f]; ++i) expected.emplace_back(static_cast<int>(f), i);
  }
  EXPECT_EQ(Drain(reader.get()), expected);
  EXPECT_EQ(reader->progress().files_done.load(), static_cast<int64_t>(counts.size()));
  EXPECT_EQ(reader->progress().rows.load(), 18);
}

TEST(MultiFileReaderTest, UnorderedDeliversEverythingOnceInPerFileOrder) {
  std::vector<int> counts = {4, 9, 0, 3, 6};
  auto reader = *MultiFileReader::Make(TestSchema(), MakeTasks(counts), {.ordered = false});
  auto rows = Drain(reader.get());
  ASSERT_EQ(rows.size(), 22u);
  std::vector<int> next(counts.size(), 0);
  for (auto [file, index] : rows) EXPECT_EQ(index, next[file]++);
  for (size_t f = 0; f < counts.size(); ++f) EXPECT_EQ(next[f], counts[f]);
}

TEST(MultiFileReaderTest, NoFilesIsAnEmptyStream) {
  auto reader = *MultiFileReader::Make(TestSchema(), {});
  EXPECT_TRUE(Drain(reader.get()).empty());
}

TEST(MultiFileReaderTest, BufferingIsBounded) {
  std::atomic<int> produced{0};
  auto reader =
      *MultiFileReader::Make(TestSchema(), MakeTasks({-1, -1, -1}, &produced),
                             {.max_concurrent_files = 2, .max_buffered_batches_per_file = 4});
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Two files in flight, each with at most 4 buffered batches plus one waiting for room, plus the
  // one read.
  EXPECT_LE(produced.load(), 2 * (4 + 1) + 1);
  ASSERT_TRUE(reader->Close().ok());
}

TEST(MultiFileReaderTest, CloseCancelsEndlessFilesPromptly) {
  std::atomic<bool> started{false}, saw_stop{false};
  std::vector<FileTask> tasks;
  tasks.push_back(OpensOnlyWhenStopped(&started, &saw_stop));
  auto endless = MakeTasks({-1});
  tasks.push_back(endless[0]);
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks), {.ordered = false});
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  ASSERT_NE(batch, nullptr);
  WaitUntil(started);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(reader->Close().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(saw_stop.load());
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  EXPECT_EQ(batch, nullptr);
}

TEST(MultiFileReaderTest, ErrorNamesTheFileAndEndsTheStream) {
  std::vector<FileTask> tasks = MakeTasks({2});
  tasks.push_back(FailsAfterOneBatch());
  auto more = MakeTasks({3});
  tasks.push_back(more[0]);
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks));
  std::shared_ptr<arrow::RecordBatch> batch;
  int good = 0;
  arrow::Status status;
  while ((status = reader->ReadNext(&batch)).ok() && batch != nullptr) ++good;
  EXPECT_EQ(good, 3);  // two from the first file, one from the failing file before its error
  EXPECT_EQ(status.message(), "RDAC2401.dbc, byte offset 99: bad code");
  ASSERT_NE(GetErrorDetail(status), nullptr);
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kFormat);
  EXPECT_FALSE(reader->ReadNext(&batch).ok());
}

TEST(MultiFileReaderTest, WithoutThreadsEverythingRunsOnTheCallingThread) {
  std::mutex mutex;
  std::set<std::thread::id> threads;
  std::vector<FileTask> tasks;
  for (int f = 0; f < 4; ++f) {
    tasks.push_back({"file" + std::to_string(f), [f, &mutex, &threads](const arrow::StopToken&) {
                       std::lock_guard lock(mutex);
                       threads.insert(std::this_thread::get_id());
                       return arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
                           std::make_shared<GeneratedReader>(f, 3, nullptr));
                     }});
  }
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks),
                                       {.max_concurrent_files = 3, .use_threads = false});
  EXPECT_EQ(Drain(reader.get()).size(), 12u);
  EXPECT_EQ(threads, std::set<std::thread::id>{std::this_thread::get_id()});
}

TEST(MultiFileReaderTest, ProgressesWhenThePoolIsBusy) {
  // A pool whose only thread waits for the scan to end: the consumer runs the steps itself.
  auto pool = *arrow::internal::ThreadPool::Make(1);
  testing::BusyThreads busy(pool.get(), 1);
  std::vector<int> counts = {3, 2, 4};
  auto reader = *MultiFileReader::Make(TestSchema(), MakeTasks(counts),
                                       {.max_concurrent_files = 2, .executor = pool.get()});
  EXPECT_EQ(Drain(reader.get()).size(), 9u);
  ASSERT_TRUE(reader->Close().ok());
}

TEST(MultiFileReaderTest, FilesReadAheadStayBoundedWhateverTheirNumber) {
  // The first file waits; the 50 one-batch files behind it may not all be read ahead, each
  // keeping its batch.
  std::atomic<bool> release{false};
  std::atomic<int> produced{0};
  std::vector<FileTask> tasks = MakeTasks(std::vector<int>(51, 1), &produced);
  auto first_open = tasks[0].open;
  tasks[0].open = [&release, first_open](const arrow::StopToken& stop) {
    while (!release && !stop.IsStopRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return first_open(stop);
  };
  auto reader =
      *MultiFileReader::Make(TestSchema(), std::move(tasks),
                             {.max_concurrent_files = 3, .max_buffered_batches_per_file = 2});
  std::thread consumer([&] { EXPECT_EQ(Drain(reader.get()).size(), 51u); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_LE(produced.load(), 3 * 2);
  release = true;
  consumer.join();
}

TEST(MultiFileReaderTest, ReadAheadIsSharedAcrossReaders) {
  // Many readers of endless files, each allowed 4 open files: each holds its current file, and the
  // files read ahead across all of them stay within the process's budget.
  std::atomic<int> opened{0};
  auto counted = [&opened](int f) {
    return FileTask{"file" + std::to_string(f), [&opened, f](const arrow::StopToken&) {
                      ++opened;
                      return arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>(
                          std::make_shared<GeneratedReader>(f, -1, nullptr));
                    }};
  };
  const int readers_count = MultiFileReader::ReadAheadLimit() + 8;
  std::vector<std::shared_ptr<MultiFileReader>> readers;
  for (int r = 0; r < readers_count; ++r) {
    std::vector<FileTask> tasks;
    for (int f = 0; f < 4; ++f) tasks.push_back(counted(f));
    readers.push_back(*MultiFileReader::Make(TestSchema(), std::move(tasks),
                                             {.max_concurrent_files = 4, .ordered = false}));
    std::shared_ptr<arrow::RecordBatch> batch;
    ASSERT_TRUE(readers.back()->ReadNext(&batch).ok());
    ASSERT_NE(batch, nullptr);  // the current file always reads
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LE(opened.load(), readers_count + MultiFileReader::ReadAheadLimit());
  for (const auto& reader : readers) ASSERT_TRUE(reader->Close().ok());
  readers.clear();
  // Closed readers give their places back: one reader alone reads ahead fully again.
  opened = 0;
  std::vector<FileTask> tasks;
  for (int f = 0; f < 4; ++f) tasks.push_back(counted(f));
  auto alone = *MultiFileReader::Make(TestSchema(), std::move(tasks),
                                      {.max_concurrent_files = 4, .ordered = false});
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(alone->ReadNext(&batch).ok());
  WaitUntil([&opened] { return opened >= 4; });
  EXPECT_EQ(opened.load(), 4);
  ASSERT_TRUE(alone->Close().ok());
}

TEST(MultiFileReaderTest, SchemaMismatchIsAnError) {
  std::vector<FileTask> tasks = MakeTasks({1});
  auto other = arrow::schema({arrow::field("x", arrow::int64())});
  auto reader = *MultiFileReader::Make(other, std::move(tasks));
  std::shared_ptr<arrow::RecordBatch> batch;
  arrow::Status status = reader->ReadNext(&batch);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("file0"), std::string::npos);
}

// Reads the stream to its end through ReadNextAsync: each future is finished by the pool step that
// produced its batch (or returned finished), this thread only waits for it.
std::vector<std::pair<int, int>> DrainAsync(MultiFileReader* reader, arrow::Status* status) {
  std::vector<std::pair<int, int>> rows;
  while (true) {
    auto batch = reader->ReadNextAsync().result();
    *status = batch.status();
    if (!batch.ok() || *batch == nullptr) return rows;
    auto file = std::static_pointer_cast<arrow::Int32Array>((*batch)->column(0));
    auto index = std::static_pointer_cast<arrow::Int32Array>((*batch)->column(1));
    rows.emplace_back(file->Value(0), index->Value(0));
  }
}

TEST(MultiFileReaderAsyncTest, AsyncReadsEqualSynchronousReads) {
  std::vector<int> counts = {3, 0, 5, 1, 0, 7, 2};
  for (bool ordered : {true, false}) {
    auto sync = *MultiFileReader::Make(TestSchema(), MakeTasks(counts), {.ordered = ordered});
    auto async = *MultiFileReader::Make(TestSchema(), MakeTasks(counts), {.ordered = ordered});
    arrow::Status status;
    auto rows = DrainAsync(async.get(), &status);
    ASSERT_TRUE(status.ok()) << status.ToString();
    auto expected = Drain(sync.get());
    if (!ordered) {
      std::sort(rows.begin(), rows.end());
      std::sort(expected.begin(), expected.end());
    }
    EXPECT_EQ(rows, expected);
  }
}

TEST(MultiFileReaderAsyncTest, NoThreadWaitsForTheConsumer) {
  // A one-thread pool: every read is finished by the step producing it, none waits on a thread.
  auto pool = *arrow::internal::ThreadPool::Make(1);
  auto reader = *MultiFileReader::Make(TestSchema(), MakeTasks({4, 6, 5}),
                                       {.max_concurrent_files = 3, .executor = pool.get()});
  arrow::Status status;
  EXPECT_EQ(DrainAsync(reader.get(), &status).size(), 15u);
  EXPECT_TRUE(status.ok());
}

TEST(MultiFileReaderAsyncTest, ACallbackMayReadAgain) {
  std::shared_ptr<MultiFileReader> reader = *MultiFileReader::Make(TestSchema(), MakeTasks({5}));
  auto done = arrow::Future<int64_t>::Make();
  reader->ReadNextAsync().AddCallback(
      [reader, done](const arrow::Result<std::shared_ptr<arrow::RecordBatch>>& first) mutable {
        if (!first.ok()) return done.MarkFinished(first.status());
        reader->ReadNextAsync().AddCallback(
            [done](const arrow::Result<std::shared_ptr<arrow::RecordBatch>>& second) mutable {
              if (!second.ok()) return done.MarkFinished(second.status());
              done.MarkFinished(*second == nullptr ? -1 : (*second)->num_rows());
            });
      });
  ASSERT_TRUE(done.Wait(5));
  EXPECT_EQ(*done.result(), 1);
}

TEST(MultiFileReaderAsyncTest, OneReadAtATime) {
  std::atomic<bool> release{false};
  std::vector<FileTask> tasks = MakeTasks({1});
  auto open = tasks[0].open;
  tasks[0].open = [&release, open](const arrow::StopToken& stop) {
    while (!release && !stop.IsStopRequested())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return open(stop);
  };
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks));
  auto first = reader->ReadNextAsync();
  auto second = reader->ReadNextAsync();
  ASSERT_TRUE(second.is_finished());
  EXPECT_TRUE(second.status().IsInvalid());
  release = true;
  ASSERT_TRUE(first.status().ok());
  EXPECT_NE(*first.result(), nullptr);
}

TEST(MultiFileReaderAsyncTest, ClosingEndsAPendingReadAndStopsTheWork) {
  std::atomic<bool> started{false}, saw_stop{false};
  std::vector<FileTask> tasks;
  tasks.push_back(OpensOnlyWhenStopped(&started, &saw_stop));
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks));
  auto pending = reader->ReadNextAsync();
  WaitUntil(started);
  EXPECT_FALSE(pending.is_finished());
  auto closed = reader->CloseAsync();
  ASSERT_TRUE(pending.is_finished());  // at once, at the end of the stream
  ASSERT_TRUE(pending.status().ok());
  EXPECT_EQ(*pending.result(), nullptr);
  ASSERT_TRUE(closed.Wait(5));
  EXPECT_TRUE(saw_stop.load());
  EXPECT_EQ(*reader->ReadNextAsync().result(), nullptr);
}

TEST(MultiFileReaderAsyncTest, AnErrorNamesTheFile) {
  std::vector<FileTask> tasks = MakeTasks({2});
  tasks.push_back(FailsAfterOneBatch());
  auto reader = *MultiFileReader::Make(TestSchema(), std::move(tasks));
  arrow::Status status;
  EXPECT_EQ(DrainAsync(reader.get(), &status).size(), 3u);
  EXPECT_EQ(status.message(), "RDAC2401.dbc, byte offset 99: bad code");
  ASSERT_NE(GetErrorDetail(status), nullptr);
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kFormat);
}

TEST(MultiFileReaderAsyncTest, ManyReadersShareTheBoundedPool) {
  auto pool = *arrow::internal::ThreadPool::Make(2);
  std::vector<std::shared_ptr<MultiFileReader>> readers;
  for (int r = 0; r < 100; ++r) {
    readers.push_back(*MultiFileReader::Make(TestSchema(), MakeTasks({3, 2}),
                                             {.max_concurrent_files = 2, .executor = pool.get()}));
  }
  for (const auto& reader : readers) {
    arrow::Status status;
    EXPECT_EQ(DrainAsync(reader.get(), &status).size(), 5u);
    EXPECT_TRUE(status.ok());
  }
  EXPECT_EQ(pool->GetCapacity(), 2);
}

}  // namespace
}  // namespace arrow_sus::scan
