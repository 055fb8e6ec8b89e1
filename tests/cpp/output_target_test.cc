// The output rule (arrow_sus/output_target.h): what may be written, and committing over it.
#include "arrow_sus/output_target.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "arrow_sus/error.h"

namespace arrow_sus {
namespace {

namespace fs = std::filesystem;

class OutputTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("arrow-sus-output-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Writes `text` under a temporary name for `target` and commits it.
  arrow::Status WriteOutput(const fs::path& target, const std::string& text,
                            const OutputRules& rules = {}) {
    const fs::path temp = TemporaryOutputPath(target);
    std::ofstream(temp, std::ios::binary) << text;
    arrow::Status status = CommitOutput(temp, target, OutputKind::kFile, rules);
    fs::remove(temp);
    return status;
  }

  static void ExpectRefused(const arrow::Status& status, const std::string& words) {
    ASSERT_FALSE(status.ok());
    const ErrorDetail* detail = GetErrorDetail(status);
    ASSERT_NE(detail, nullptr) << status.ToString();
    EXPECT_EQ(detail->kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(status.message().find(words), std::string::npos) << status.message();
  }

  fs::path dir_;
};

TEST_F(OutputTargetTest, NewTargetsAreWrittenAndMarked) {
  const fs::path out = dir_ / "sub" / "out.parquet";
  fs::create_directories(out.parent_path());
  ASSERT_TRUE(WriteOutput(out, "one").ok());
  EXPECT_EQ(Read(out), "one");
  EXPECT_TRUE(WrittenByArrowSus(out));
  // Its own output is replaced without asking.
  ASSERT_TRUE(WriteOutput(out, "two").ok());
  EXPECT_EQ(Read(out), "two");
}

TEST_F(OutputTargetTest, ForeignFilesNeedOverwrite) {
  const fs::path notes = Write("notes.csv", "mine");
  ExpectRefused(WriteOutput(notes, "theirs"), "overwrite=True");
  EXPECT_EQ(Read(notes), "mine");
  OutputRules rules;
  rules.overwrite_hint = "--overwrite";
  ExpectRefused(CheckOutputTarget(notes, OutputKind::kFile, rules), "--overwrite");
  rules.overwrite = true;
  ASSERT_TRUE(WriteOutput(notes, "theirs", rules).ok());
  EXPECT_EQ(Read(notes), "theirs");
}

TEST_F(OutputTargetTest, TheInputIsNeverWrittenOver) {
  const fs::path input = Write("RDAC2401.dbc", "input bytes");
  OutputRules rules{.overwrite = true, .inputs = {input}};
  ExpectRefused(WriteOutput(input, "output", rules), "one of the inputs");
  EXPECT_EQ(Read(input), "input bytes");
  // Not through another name for it either.
  const fs::path link = dir_ / "link.dbc";
  fs::create_hard_link(input, link);
  ExpectRefused(CheckOutputTarget(link, OutputKind::kFile, rules), "one of the inputs");
  // Nor by replacing the directory that holds it.
  ExpectRefused(CheckOutputTarget(dir_, OutputKind::kDirectory, rules), "holds an input");
}

TEST_F(OutputTargetTest, DevicesAndFifosAreNeverWritten) {
  const fs::path fifo = dir_ / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  OutputRules rules{.overwrite = true};
  ExpectRefused(CheckOutputTarget(fifo, OutputKind::kFile, rules), "a FIFO");
  ExpectRefused(CheckOutputTarget("/dev/null", OutputKind::kFile, rules), "a character device");
  ExpectRefused(CheckOutputTarget("/dev/null", OutputKind::kDirectory, rules), "device");
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST_F(OutputTargetTest, ForeignDirectoriesAndTheCurrentDirectoryAreNeverReplaced) {
  Write("thesis/chapter1.tex", "text");
  OutputRules rules{.overwrite = true};
  ExpectRefused(CheckOutputTarget(dir_ / "thesis", OutputKind::kDirectory, rules), "did not write");
  ExpectRefused(CheckOutputTarget(dir_ / "thesis", OutputKind::kFile, rules), "is a directory");
  const fs::path cwd = fs::current_path();
  fs::current_path(dir_ / "thesis");
  arrow::Status here = CheckOutputTarget(".", OutputKind::kDirectory, rules);
  arrow::Status parent = CheckOutputTarget("..", OutputKind::kDirectory, rules);
  fs::current_path(cwd);
  ExpectRefused(here, "current directory");
  ExpectRefused(parent, "current directory");
  EXPECT_EQ(Read(dir_ / "thesis" / "chapter1.tex"), "text");
  // An empty directory is fine.
  fs::create_directories(dir_ / "empty");
  EXPECT_TRUE(CheckOutputTarget(dir_ / "empty", OutputKind::kDirectory, {}).ok());
}

TEST_F(OutputTargetTest, DirectoriesAreReplacedWholeOnlyWhenOurs) {
  const fs::path target = dir_ / "parts";
  auto write_dataset = [&](const std::string& text) {
    const fs::path temp = TemporaryOutputPath(target);
    fs::create_directories(temp / "uf=AC");
    std::ofstream(temp / "uf=AC" / "part-0.parquet", std::ios::binary) << text;
    return CommitOutput(temp, target, OutputKind::kDirectory, {});
  };
  ASSERT_TRUE(write_dataset("first").ok());
  ASSERT_TRUE(write_dataset("second").ok());
  EXPECT_EQ(Read(target / "uf=AC" / "part-0.parquet"), "second");
  // Nothing is left beside it: the old directory was moved aside and removed.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
  // A file the user added inside makes it need overwrite.
  std::ofstream(target / "README.txt") << "notes";
  ExpectRefused(CheckOutputTarget(target, OutputKind::kDirectory, {}), "README.txt");
  EXPECT_TRUE(CheckOutputTarget(target, OutputKind::kDirectory, {.overwrite = true}).ok());
}

TEST_F(OutputTargetTest, LinksAreReplacedNeverFollowed) {
  const fs::path real = Write("real.csv", "keep me");
  const fs::path link = dir_ / "link.csv";
  fs::create_symlink(real, link);
  ExpectRefused(WriteOutput(link, "new"), "symbolic link");
  ASSERT_TRUE(WriteOutput(link, "new", {.overwrite = true}).ok());
  EXPECT_EQ(Read(real), "keep me");
  EXPECT_FALSE(fs::is_symlink(link));
  EXPECT_EQ(Read(link), "new");
}

TEST_F(OutputTargetTest, ProtectedRootsAreNeverWrittenInto) {
  const fs::path cache = dir_ / "cache";
  fs::create_directories(cache / "raw");
  OutputRules rules{.overwrite = true, .protected_roots = {cache}};
  ExpectRefused(CheckOutputTarget(cache / "raw" / "out.parquet", OutputKind::kFile, rules),
                "keeps for itself");
  ExpectRefused(CheckOutputTarget(dir_, OutputKind::kDirectory, rules), "keeps for itself");
  EXPECT_TRUE(CheckOutputTarget(dir_ / "out.parquet", OutputKind::kFile, rules).ok());
}

TEST_F(OutputTargetTest, TemporaryNamesAreHiddenUniqueSiblings) {
  const fs::path a = TemporaryOutputPath(dir_ / "out.parquet");
  const fs::path b = TemporaryOutputPath(dir_ / "out.parquet");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.parent_path(), fs::weakly_canonical(dir_));
  EXPECT_EQ(a.filename().string().rfind(".out.parquet.", 0), 0u);
  EXPECT_EQ(TemporaryOutputPath(dir_ / "parts/").parent_path(), fs::weakly_canonical(dir_));
}

}  // namespace
}  // namespace arrow_sus
