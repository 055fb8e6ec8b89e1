// One writer per cache entry (threads and processes), cancellable waits, unique temporary names,
// and orphaned temporary files told apart from live ones.
#include "arrow_sus/io/entry_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "arrow_sus/error.h"

namespace arrow_sus::io {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class EntryLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("arrow_sus_lock_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(EntryLockTest, ExcludesOtherHoldersInTheSameProcess) {
  const fs::path path = dir_ / "sub" / "a.lock";
  auto first = EntryLock::TryAcquire(path).ValueOrDie();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(EntryLock::IsHeld(path));
  EXPECT_FALSE(EntryLock::TryAcquire(path).ValueOrDie().has_value());
  first.reset();
  EXPECT_FALSE(EntryLock::IsHeld(path));
  EXPECT_TRUE(EntryLock::TryAcquire(path).ValueOrDie().has_value());
  EXPECT_FALSE(EntryLock::IsHeld(dir_ / "missing.lock"));
  EXPECT_FALSE(fs::exists(dir_ / "missing.lock"));  // probing creates nothing
}

// Threads counting inside the lock: never two at once, and every one gets in.
TEST_F(EntryLockTest, ThreadsWaitForTheHolder) {
  const fs::path path = dir_ / "a.lock";
  std::atomic<int> inside{0}, most{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto lock = EntryLock::Acquire(path);
      ASSERT_TRUE(lock.ok()) << lock.status();
      const int now = ++inside;
      most = std::max(most.load(), now);
      std::this_thread::sleep_for(2ms);
      --inside;
      ++done;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(most, 1);
  EXPECT_EQ(done, 16);
}

TEST_F(EntryLockTest, WaitingStopsWhenAskedTo) {
  const fs::path path = dir_ / "a.lock";
  auto held = EntryLock::Acquire(path).ValueOrDie();
  int calls = 0;
  auto waited = EntryLock::Acquire(path, [&]() -> arrow::Status {
    return ++calls < 3 ? arrow::Status::OK() : MakeError(ErrorKind::kCancelled, {}, "closed");
  });
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(GetErrorDetail(waited.status())->kind(), ErrorKind::kCancelled);
  EXPECT_EQ(calls, 3);
}

// A lock file removed by its holder while another waits: the waiter never shares the lock with a
// writer that locked the new file.
TEST_F(EntryLockTest, ARemovedLockFileNeverAdmitsTwo) {
  const fs::path path = dir_ / "a.lock";
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> inside{0}, most{0};
    auto body = [&] {
      auto lock = EntryLock::Acquire(path).ValueOrDie();
      const int now = ++inside;
      most = std::max(most.load(), now);
      std::this_thread::sleep_for(100us);
      --inside;
      lock.RemoveFile();
    };
    std::thread a(body), b(body), c(body);
    a.join();
    b.join();
    c.join();
    ASSERT_EQ(most, 1) << "round " << round;
  }
}

// The kernel releases the lock of a process that was killed: what it was writing is an orphan.
TEST_F(EntryLockTest, AKilledHolderReleasesItsLock) {
  const fs::path lock_path = dir_ / "a.lock";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    auto lock = EntryLock::Acquire(lock_path);
    std::ofstream(TemporaryNameFor(dir_ / "a")) << "half written";
    char byte = lock.ok() ? 1 : 0;
    (void)::write(ready[1], &byte, 1);
    ::pause();  // until killed
    _exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 1);
  auto lock_of = [&](const fs::path& file) -> std::optional<fs::path> {
    if (TemporaryTarget(file.filename().string()) != "a") return std::nullopt;
    return lock_path;
  };
  EXPECT_TRUE(EntryLock::IsHeld(lock_path));
  EXPECT_TRUE(FindOrphanedTemporaries(dir_, lock_of).empty());  // its writer is alive
  EXPECT_EQ(RemoveOrphanedTemporaries(dir_, lock_of).ValueOrDie(), 0);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_FALSE(EntryLock::IsHeld(lock_path));
  auto orphans = FindOrphanedTemporaries(dir_, lock_of);
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].bytes, 12);
  EXPECT_EQ(RemoveOrphanedTemporaries(dir_, lock_of, 3600).ValueOrDie(), 0);  // too recent
  EXPECT_EQ(RemoveOrphanedTemporaries(dir_, lock_of).ValueOrDie(), 1);
  EXPECT_TRUE(FindOrphanedTemporaries(dir_, lock_of).empty());
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(EntryLockTest, TemporaryNamesAreUniqueAndKnowTheirTarget) {
  std::mutex mutex;
  std::set<std::string> names;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        std::string name = TemporaryNameFor(dir_ / "x.arrow");
        std::lock_guard lock(mutex);
        names.insert(std::move(name));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(names.size(), 16000u);
  const std::string one = fs::path(*names.begin()).filename().string();
  EXPECT_EQ(TemporaryTarget(one), "x.arrow");
  EXPECT_EQ(TemporaryTarget("RDAC2401.dbc.identity.tmp"), "RDAC2401.dbc.identity");  // older name
  EXPECT_EQ(TemporaryTarget("RDAC2401.dbc"), "");
  EXPECT_EQ(TemporaryTarget(".tmp-1-2"), "");
}

TEST_F(EntryLockTest, RemoveTemporariesOfTakesOnlyThatFilesTemporaries) {
  std::ofstream(TemporaryNameFor(dir_ / "a")) << "1";
  std::ofstream(TemporaryNameFor(dir_ / "a")) << "2";
  std::ofstream(TemporaryNameFor(dir_ / "ab")) << "3";
  std::ofstream(dir_ / "a") << "final";
  RemoveTemporariesOf(dir_ / "a");
  std::set<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    left.insert(std::string(TemporaryTarget(entry.path().filename().string())));
  }
  EXPECT_EQ(left, (std::set<std::string>{"", "ab"}));  // "a" itself and the other file's
}

}  // namespace
}  // namespace arrow_sus::io
