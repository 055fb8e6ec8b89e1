#include "arrow_sus/dbc.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/crc32.h"
#include "arrow_sus/error.h"
#include "test_support.h"

namespace arrow_sus {
namespace {

namespace fs = std::filesystem;
using testing::ReadFileBytes;

struct ManifestRow {
  std::string file;
  int64_t records = -1;
  int64_t header_len = -1;
  int64_t record_len = -1;
  std::string quirks;
};

std::vector<ManifestRow> ReadManifest(const fs::path& dir) {
  std::ifstream in(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // column names
  std::vector<ManifestRow> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    cols.resize(8);
    auto num = [](const std::string& s) { return s.empty() ? -1 : std::stoll(s); };
    rows.push_back({cols[0], num(cols[3]), num(cols[4]), num(cols[5]), cols[6]});
  }
  return rows;
}

bool IsDbc(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
  return ext == ".dbc" && name != "not-a-dbc.dbc";
}

ErrorKind KindOf(const arrow::Status& st) {
  const ErrorDetail* detail = GetErrorDetail(st);
  EXPECT_NE(detail, nullptr) << st.ToString();
  return detail != nullptr ? detail->kind() : ErrorKind::kIo;
}

// A small DBF: header of 33 bytes (one pseudo field list terminator) and fixed records.
std::vector<uint8_t> MakeDbf(uint32_t records, uint16_t record_length, uint32_t seed) {
  std::vector<uint8_t> dbf(65, 0);
  dbf[0] = 0x03;
  dbf[4] = records & 0xFF;
  dbf[5] = (records >> 8) & 0xFF;
  dbf[6] = (records >> 16) & 0xFF;
  dbf[8] = 65;
  dbf[10] = record_length & 0xFF;
  dbf[11] = record_length >> 8;
  std::memcpy(&dbf[32], "NAME\0\0\0\0\0\0\0C", 12);
  dbf[64] = 0x0D;
  std::mt19937 rng(seed);
  for (uint32_t r = 0; r < records; ++r) {
    std::string rec = " " + std::to_string(1000000 + rng() % 30) + "MARIA DA SILVA";
    rec.resize(record_length, ' ');
    dbf.insert(dbf.end(), rec.begin(), rec.end());
  }
  dbf.push_back(0x1A);
  return dbf;
}

arrow::Result<std::vector<uint8_t>> ReadAllFromStream(std::span<const uint8_t> dbc,
                                                      size_t read_size, DbcOptions options = {},
                                                      std::string name = "test.dbc") {
  auto source = std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(dbc.data(), static_cast<int64_t>(dbc.size())));
  ARROW_ASSIGN_OR_RAISE(auto stream, OpenDbcStream(source, name, options));
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(read_size);
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, stream->Read(static_cast<int64_t>(read_size), buf.data()));
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  return out;
}

TEST(DbcCorpusTest, EveryDbcDecompressesAndVerifies) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  int checked = 0;
  for (const ManifestRow& row : ReadManifest(dir)) {
    if (!IsDbc(row.file)) continue;
    auto bytes = ReadFileBytes(dir / row.file);
    auto dbf = DecompressDbc(bytes, row.file);
    ASSERT_TRUE(dbf.ok()) << row.file << ": " << dbf.status().ToString();
    bool has_eof = row.quirks.find("no 0x1A") == std::string::npos;
    EXPECT_EQ(dbf->size(), row.header_len + row.records * row.record_len + (has_eof ? 1 : 0))
        << row.file;
    if (has_eof) EXPECT_EQ(dbf->back(), 0x1A) << row.file;
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST(DbcCorpusTest, ReferenceFilesAreByteIdentical) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  for (const char* stem : {"COLEBR15", "DIFTBR20", "PAIRBR06"}) {
    auto dbc = ReadFileBytes(dir / (std::string(stem) + ".dbc"));
    auto expected = ReadFileBytes(dir / (std::string(stem) + ".dbf"));
    auto dbf = DecompressDbc(dbc, stem);
    ASSERT_TRUE(dbf.ok()) << dbf.status().ToString();
    EXPECT_EQ(*dbf, expected) << stem;
    auto streamed = ReadAllFromStream(dbc, 7);
    ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
    EXPECT_EQ(*streamed, expected) << stem;
  }
}

TEST(DbcCorpusTest, StreamEqualsOneShotOnLargestFiles) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  std::vector<std::pair<uintmax_t, fs::path>> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (IsDbc(entry.path().filename().string()))
      files.emplace_back(entry.file_size(), entry.path());
  std::sort(files.rbegin(), files.rend());
  files.resize(std::min<size_t>(files.size(), 3));
  for (const auto& [size, path] : files) {
    auto dbc = ReadFileBytes(path);
    auto one_shot = DecompressDbc(dbc, path.string());
    ASSERT_TRUE(one_shot.ok());
    for (size_t read_size : {size_t{1000}, size_t{1} << 20}) {
      auto streamed = ReadAllFromStream(dbc, read_size);
      ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
      EXPECT_EQ(*streamed, *one_shot) << path;
    }
  }
}

TEST(DbcCorpusTest, StrayTrailingBytesAreIgnored) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  auto plain = DecompressDbc(ReadFileBytes(dir / "sids.dbc"), "sids.dbc");
  auto trailing =
      DecompressDbc(ReadFileBytes(dir / "sids-trailing-newline.dbc"), "sids-trailing-newline");
  ASSERT_TRUE(plain.ok() && trailing.ok());
  EXPECT_EQ(*plain, *trailing);
  EXPECT_EQ(*plain, ReadFileBytes(dir / "sids.dbf"));
}

TEST(DbcCorpusTest, NotADbcIsAFormatError) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  auto bytes = ReadFileBytes(dir / "not-a-dbc.dbc");
  auto result = DecompressDbc(bytes, "not-a-dbc.dbc");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(KindOf(result.status()), ErrorKind::kFormat);
  EXPECT_NE(result.status().message().find("not-a-dbc.dbc"), std::string::npos);
  EXPECT_FALSE(ReadAllFromStream(bytes, 100).ok());
}

// Every cut of a real file before the end of its stream is an error of kind kFormat (never a crash
// and never a silent partial result); cuts after it only drop stray bytes.
TEST(DbcCorpusTest, TruncationsAreFormatErrors) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  for (const char* name : {"DIFTBR20.dbc", "PAIRBR06.dbc", "sids-trailing-newline.dbc"}) {
    auto dbc = ReadFileBytes(dir / name);
    size_t complete = dbc.size() - (std::string(name).find("trailing") != std::string::npos);
    for (size_t len = 0; len < dbc.size(); ++len) {
      std::span<const uint8_t> cut(dbc.data(), len);
      auto result = DecompressDbc(cut, name);
      if (len >= complete) {
        EXPECT_TRUE(result.ok()) << name << " cut at " << len;
        continue;
      }
      ASSERT_FALSE(result.ok()) << name << " cut at " << len;
      EXPECT_EQ(KindOf(result.status()), ErrorKind::kFormat) << result.status().ToString();
      if (len % 97 == 0) {
        auto streamed = ReadAllFromStream(cut, 333, {}, name);
        ASSERT_FALSE(streamed.ok());
        EXPECT_EQ(streamed.status().message(), result.status().message());
      }
    }
  }
}

TEST(DbcCorpusTest, BitFlipsAreDetected) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  auto dbc = ReadFileBytes(dir / "PAIRBR06.dbc");
  auto expected = ReadFileBytes(dir / "PAIRBR06.dbf");
  for (size_t bit = 0; bit < dbc.size() * 8; bit += 5) {
    auto bad = dbc;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    auto result = DecompressDbc(bad, "PAIRBR06.dbc");
    if (result.ok()) {
      // A flip can go unnoticed only where it changes nothing: padding bits after the end code, or
      // a distance that now points at identical bytes. The CRC makes sure of that.
      EXPECT_EQ(*result, expected) << "bit " << bit;
      continue;
    }
    ErrorKind kind = KindOf(result.status());
    EXPECT_TRUE(kind == ErrorKind::kFormat || kind == ErrorKind::kChecksum);
  }
}

TEST(DbcTest, BadPrefixes) {
  auto empty = DecompressDbc({}, "empty.dbc");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(KindOf(empty.status()), ErrorKind::kFormat);

  auto dbf = MakeDbf(10, 40, 1);
  auto dbc = CompressDbf(dbf, "x").ValueOrDie();
  // Header length past the end of the data.
  auto past = dbc;
  past[8] = 0xFF;
  past[9] = 0xFF;
  auto result = DecompressDbc(past, "past.dbc");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(KindOf(result.status()), ErrorKind::kFormat);
  EXPECT_NE(result.status().message().find("past.dbc"), std::string::npos);
  // Header length too small to be a DBF.
  auto small = dbc;
  small[8] = 5;
  small[9] = 0;
  EXPECT_FALSE(DecompressDbc(small, "small.dbc").ok());
  EXPECT_FALSE(ParseDbcPrefix(std::span(dbc).first(68), "x").ok());

  auto prefix = ParseDbcPrefix(std::span(dbc).first(69), "x");
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix->header, std::vector<uint8_t>(dbf.begin(), dbf.begin() + 65));
  EXPECT_EQ(prefix->crc, Crc32(dbf));
}

TEST(DbcTest, CompressRoundTripsEveryDictionary) {
  for (int dict : {4, 5, 6}) {
    for (uint32_t records : {0u, 1u, 5000u}) {
      auto dbf = MakeDbf(records, 57, records);
      auto dbc = CompressDbf(dbf, "x", dict);
      ASSERT_TRUE(dbc.ok());
      EXPECT_EQ((*dbc)[65 + 4 + 1], dict);
      auto back = DecompressDbc(*dbc, "x");
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(*back, dbf);
    }
  }
  EXPECT_FALSE(CompressDbf(MakeDbf(1, 10, 1), "x", 9).ok());
}

TEST(DbcTest, ChecksumMismatchNamesBothValues) {
  auto dbf = MakeDbf(100, 30, 2);
  auto dbc = CompressDbf(dbf, "x").ValueOrDie();
  dbc[65] ^= 0x01;  // the stored CRC
  auto result = DecompressDbc(dbc, "bad-crc.dbc");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(KindOf(result.status()), ErrorKind::kChecksum);
  const std::string& msg = result.status().message();
  EXPECT_NE(msg.find("bad-crc.dbc"), std::string::npos) << msg;
  char expected[16], actual[16];
  std::snprintf(expected, sizeof expected, "0x%08X", Crc32(dbf) ^ 1);
  std::snprintf(actual, sizeof actual, "0x%08X", Crc32(dbf));
  EXPECT_NE(msg.find(expected), std::string::npos) << msg;
  EXPECT_NE(msg.find(actual), std::string::npos) << msg;

  EXPECT_TRUE(DecompressDbc(dbc, "bad-crc.dbc", {.verify_crc = false}).ok());
  auto streamed = ReadAllFromStream(dbc, 64);
  ASSERT_FALSE(streamed.ok());
  EXPECT_EQ(KindOf(streamed.status()), ErrorKind::kChecksum);
  auto unchecked = ReadAllFromStream(dbc, 64, {.verify_crc = false});
  ASSERT_TRUE(unchecked.ok());
  EXPECT_EQ(*unchecked, dbf);
}

// A header claiming 1 record used to inflate a .dbc without bound (629 MB from a small file):
// every path now stops at the header's size plus the slack, with the same error.
TEST(DbcTest, OutputPastTheDeclaredSizeIsAFormatError) {
  auto dbf = MakeDbf(20000, 50, 4);  // 1 MB of records
  auto dbc = CompressDbf(dbf, "x").ValueOrDie();
  dbc[4] = 1;  // the header now claims one record
  dbc[5] = dbc[6] = dbc[7] = 0;
  const uint64_t limit = 65 + 50 + 1 + kDecompressedSlack;
  EXPECT_EQ(MaxDecompressedSize(ParseDbcPrefix(dbc, "x").ValueOrDie()), limit);
  auto one_shot = DecompressDbc(dbc, "liar.dbc");
  ASSERT_FALSE(one_shot.ok());
  EXPECT_EQ(KindOf(one_shot.status()), ErrorKind::kFormat);
  EXPECT_EQ(GetErrorDetail(one_shot.status())->location().file, "liar.dbc");
  EXPECT_EQ(GetErrorDetail(one_shot.status())->location().offset, limit);
  EXPECT_NE(one_shot.status().message().find("the most its header allows"), std::string::npos);
  for (size_t read_size : {1, 7, 4096, 1 << 20}) {
    auto streamed = ReadAllFromStream(dbc, read_size, {}, "liar.dbc");
    ASSERT_FALSE(streamed.ok()) << read_size;
    EXPECT_EQ(streamed.status().message(), one_shot.status().message()) << read_size;
  }
  std::vector<uint8_t> big(dbf.size());
  auto into = DecompressDbcInto(dbc, big, "liar.dbc");
  ASSERT_FALSE(into.ok());
  EXPECT_EQ(into.status().message(), one_shot.status().message());
  // Output small enough for the caller's buffer only: not an error, the caller needs more room.
  std::vector<uint8_t> small(100);
  EXPECT_EQ(DecompressDbcInto(dbc, small, "liar.dbc").ValueOrDie(), std::nullopt);
}

// Found by the fuzzer: a stream that fails before producing anything (here its header) reports
// that failure on every path, not the bound.
TEST(DbcTest, AStreamFailingEarlyIsNotReportedAsPastTheBound) {
  auto dbc = CompressDbf(MakeDbf(10, 50, 6), "x").ValueOrDie();
  dbc[65 + 4 + 1] = 9;  // dictionary bits: not 4, 5 or 6
  auto one_shot = DecompressDbc(dbc, "bad.dbc");
  ASSERT_FALSE(one_shot.ok());
  EXPECT_NE(one_shot.status().message().find("not a PKWare DCL implode stream"), std::string::npos)
      << one_shot.status();
  auto streamed = ReadAllFromStream(dbc, 630, {}, "bad.dbc");
  ASSERT_FALSE(streamed.ok());
  EXPECT_EQ(streamed.status().message(), one_shot.status().message());
}

TEST(DbcTest, OutputWithinTheSlackIsDelivered) {
  const uint16_t record_length = 50;
  const uint32_t extra = kDecompressedSlack / record_length;  // records the header does not count
  auto dbf = MakeDbf(100 + extra, record_length, 5);
  auto dbc = CompressDbf(dbf, "x").ValueOrDie();
  dbc[4] = 100;
  auto one_shot = DecompressDbc(dbc, "x", {.verify_crc = false});
  ASSERT_TRUE(one_shot.ok()) << one_shot.status();
  EXPECT_EQ(one_shot->size(), dbf.size());
  auto streamed = ReadAllFromStream(dbc, 333, {.verify_crc = false});
  ASSERT_TRUE(streamed.ok()) << streamed.status();
  EXPECT_EQ(streamed->size(), dbf.size());
  // One record more is past the bound.
  auto more = CompressDbf(MakeDbf(100 + extra + 1, record_length, 5), "x").ValueOrDie();
  more[4] = 100;
  EXPECT_FALSE(DecompressDbc(more, "x", {.verify_crc = false}).ok());
  EXPECT_FALSE(ReadAllFromStream(more, 333, {.verify_crc = false}).ok());
}

TEST(DbcTest, StreamReportsPositionAndStaysFailed) {
  auto dbf = MakeDbf(3000, 50, 3);
  auto dbc = CompressDbf(dbf, "x").ValueOrDie();
  auto source = std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(dbc.data(), static_cast<int64_t>(dbc.size() - 10)));
  auto stream = OpenDbcStream(source, "cut.dbc").ValueOrDie();
  auto first = stream->Read(100).ValueOrDie();
  EXPECT_EQ(first->size(), 100);
  EXPECT_EQ(stream->Tell().ValueOrDie(), 100);
  auto rest = stream->Read(10'000'000);
  ASSERT_FALSE(rest.ok());
  EXPECT_NE(rest.status().message().find("cut.dbc"), std::string::npos);
  EXPECT_FALSE(stream->Read(10).ok());
}

class DbcFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("arrow_sus_dbc_test_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> Listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  void WriteFile(const fs::path& path, std::span<const uint8_t> bytes) {
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  fs::path dir_;
};

TEST_F(DbcFilesTest, ConvertsBothWays) {
  auto dbf = MakeDbf(100000, 64, 4);  // several MB: crosses the 1 MiB chunks
  WriteFile(dir_ / "in.dbf", dbf);
  ASSERT_TRUE(DbfToDbc((dir_ / "in.dbf").string(), (dir_ / "out.dbc").string()).ok());
  ASSERT_TRUE(DbcToDbf((dir_ / "out.dbc").string(), (dir_ / "back.dbf").string()).ok());
  EXPECT_EQ(ReadFileBytes(dir_ / "back.dbf"), dbf);
  EXPECT_EQ(ReadFileBytes(dir_ / "out.dbc"), CompressDbf(dbf, "x").ValueOrDie());
  EXPECT_EQ(Listing(), (std::vector<std::string>{"back.dbf", "in.dbf", "out.dbc"}));
}

TEST_F(DbcFilesTest, FailuresLeaveNoFile) {
  auto dbc = CompressDbf(MakeDbf(1000, 64, 5), "x").ValueOrDie();
  dbc.resize(dbc.size() - 20);
  WriteFile(dir_ / "cut.dbc", dbc);
  arrow::Status st = DbcToDbf((dir_ / "cut.dbc").string(), (dir_ / "out.dbf").string());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(KindOf(st), ErrorKind::kFormat);
  EXPECT_NE(st.message().find("cut.dbc"), std::string::npos);

  st = DbcToDbf((dir_ / "missing.dbc").string(), (dir_ / "out.dbf").string());
  EXPECT_EQ(KindOf(st), ErrorKind::kNotFound);
  WriteFile(dir_ / "empty.dbf", {});
  st = DbfToDbc((dir_ / "empty.dbf").string(), (dir_ / "out.dbc").string());
  EXPECT_EQ(KindOf(st), ErrorKind::kFormat);
  EXPECT_EQ(Listing(), (std::vector<std::string>{"cut.dbc", "empty.dbf"}));
}

}  // namespace
}  // namespace arrow_sus
