// The ZIP reader against archives written here (zip_builder.h): stored and deflated members,
// names in CP437 and UTF-8, ZIP64, streaming in small chunks, and every kind of bad archive.
#include "arrow_sus/io/zip_archive.h"

#include <gtest/gtest.h>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include <string>
#include <vector>

#include "arrow_sus/error.h"
#include "zip_builder.h"

namespace arrow_sus::io {
namespace {

using testing::ZipBuilder;
using testing::ZipEntrySpec;

std::shared_ptr<arrow::io::BufferReader> Reader(const std::string& bytes) {
  return std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromString(bytes));
}

arrow::Result<std::shared_ptr<ZipArchive>> OpenBytes(const std::string& bytes) {
  return ZipArchive::Open(Reader(bytes), "TAB_TEST.zip");
}

std::string ReadAll(const ZipArchive& archive, std::string_view name) {
  const ZipMember* member = archive.Find(name).ValueOrDie();
  EXPECT_NE(member, nullptr) << name;
  auto buffer = archive.ReadMember(*member).ValueOrDie();
  return buffer->ToString();
}

// The error kind of a failed status, and its message, checked in one place.
void ExpectError(const arrow::Status& status, ErrorKind kind, std::string_view text) {
  ASSERT_FALSE(status.ok());
  const ErrorDetail* detail = GetErrorDetail(status);
  ASSERT_NE(detail, nullptr) << status.ToString();
  EXPECT_EQ(detail->kind(), kind) << status.ToString();
  EXPECT_EQ(detail->location().file, "TAB_TEST.zip") << status.ToString();
  EXPECT_TRUE(detail->location().offset.has_value()) << status.ToString();
  EXPECT_NE(status.message().find(text), std::string::npos) << status.ToString();
}

// Reads a member to its end through a stream, returning the failure if any.
arrow::Status DrainMember(const ZipArchive& archive, const ZipMember& member) {
  ARROW_ASSIGN_OR_RAISE(auto stream, archive.OpenMember(member, 1024));
  std::vector<uint8_t> sink(777);
  while (true) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, stream->Read(static_cast<int64_t>(sink.size()), sink.data()));
    if (n == 0) return arrow::Status::OK();
  }
}

std::string TextOf(size_t bytes) {
  std::string text;
  for (size_t i = 0; text.size() < bytes; ++i)
    text += "      " + std::to_string(i % 97) + "  Categoria " + std::to_string(i) + "\r\n";
  text.resize(bytes);
  return text;
}

TEST(ZipArchiveTest, ReadsStoredAndDeflatedMembers) {
  const std::string cnv = "2 1\r\n      1  Masculino   1\r\n      2  Feminino    3\r\n";
  ZipBuilder builder;
  auto bytes = builder.Build({{.name = "CNV/SEXO.CNV", .data = cnv},
                              {.name = "RD2008.DEF", .data = "ARD*.DBC\r\n", .deflate = false},
                              {.name = "CNV/", .data = "", .deflate = false},
                              {.name = "EMPTY.TXT", .data = ""}});
  auto archive = OpenBytes(bytes).ValueOrDie();
  ASSERT_EQ(archive->members().size(), 4u);
  EXPECT_EQ(archive->members()[0].name, "CNV/SEXO.CNV");
  EXPECT_EQ(archive->members()[0].method, 8);
  EXPECT_EQ(archive->members()[1].method, 0);
  EXPECT_TRUE(archive->members()[2].is_directory);
  EXPECT_EQ(ReadAll(*archive, "CNV/SEXO.CNV"), cnv);
  EXPECT_EQ(ReadAll(*archive, "RD2008.DEF"), "ARD*.DBC\r\n");
  EXPECT_EQ(ReadAll(*archive, "EMPTY.TXT"), "");
  EXPECT_TRUE(archive->Verify().ok());
}

TEST(ZipArchiveTest, LookupIgnoresCaseAndSeparatorsButPrefersTheExactName) {
  ZipBuilder builder;
  auto bytes = builder.Build({{.name = "CNV/Sexo.cnv", .data = "a"},
                              {.name = "Dup.txt", .data = "1"},
                              {.name = "DUP.TXT", .data = "2"}});
  auto archive = OpenBytes(bytes).ValueOrDie();
  EXPECT_EQ(ReadAll(*archive, "cnv\\SEXO.CNV"), "a");
  EXPECT_EQ(ReadAll(*archive, "DUP.TXT"), "2");
  EXPECT_EQ(archive->Find("missing.cnv").ValueOrDie(), nullptr);
  auto ambiguous = archive->Find("dup.txt");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(GetErrorDetail(ambiguous.status())->kind(), ErrorKind::kInvalidArgument);
}

TEST(ZipArchiveTest, StreamsALargeMemberInSmallChunks) {
  const std::string text = TextOf(3 << 20);
  ZipBuilder builder;
  auto archive = OpenBytes(builder.Build({{.name = "BIG.CNV", .data = text}})).ValueOrDie();
  auto stream = archive->OpenMember(archive->members()[0], 4096).ValueOrDie();
  std::string back;
  std::vector<uint8_t> piece(1000);
  while (true) {
    int64_t n = stream->Read(static_cast<int64_t>(piece.size()), piece.data()).ValueOrDie();
    if (n == 0) break;
    back.append(reinterpret_cast<const char*>(piece.data()), static_cast<size_t>(n));
    EXPECT_EQ(stream->Tell().ValueOrDie(), static_cast<int64_t>(back.size()));
  }
  EXPECT_EQ(back, text);
}

TEST(ZipArchiveTest, DecodesCp437AndUtf8Names) {
  ZipBuilder builder;
  // 0x87 is "ç" and 0xA2 "ó" in CP437 (they would be other letters in Latin-1 or CP850).
  auto bytes = builder.Build({{.name = "CNV/RA\x87\xA2.CNV", .data = "x"},
                              {.name = "CNV/Ra\xC3\xA7"
                                       "a.cnv",
                               .data = "y",
                               .flags = 0x0800}});
  auto archive = OpenBytes(bytes).ValueOrDie();
  EXPECT_EQ(archive->members()[0].name, "CNV/RA\xC3\xA7\xC3\xB3.CNV");
  EXPECT_EQ(archive->members()[1].name,
            "CNV/Ra\xC3\xA7"
            "a.cnv");
  EXPECT_EQ(ReadAll(*archive, "cnv/RA\xC3\xA7\xC3\xB3.cnv"), "x");

  auto bad = builder.Build({{.name = "CNV/\xFF\xFE.CNV", .data = "z", .flags = 0x0800}});
  ExpectError(OpenBytes(bad).status(), ErrorKind::kFormat, "not valid UTF-8");
}

TEST(ZipArchiveTest, UsesTheUnicodePathFieldWhileItMatchesTheName) {
  const std::string raw = "OLD.CNV";
  std::string extra;
  const std::string utf8 =
      "Sa\xC3\xBA"
      "de.cnv";
  ZipBuilder::Put16(extra, 0x7075);
  ZipBuilder::Put16(extra, static_cast<uint16_t>(5 + utf8.size()));
  extra.push_back(1);
  ZipBuilder::Put32(extra, Crc32({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}));
  extra += utf8;
  ZipBuilder builder;
  auto archive =
      OpenBytes(builder.Build({{.name = raw, .data = "x", .extra = extra}})).ValueOrDie();
  EXPECT_EQ(archive->members()[0].name, utf8);
}

TEST(ZipArchiveTest, ReadsZip64RecordsAndExtraFields) {
  ZipBuilder builder;
  auto bytes =
      builder.Build({{.name = "A.CNV", .data = TextOf(5000), .zip64 = true},
                     {.name = "B.DEF", .data = "SSexo,SEXO,1,A.CNV\r\n", .deflate = false}},
                    "", /*zip64_end=*/true);
  auto archive = OpenBytes(bytes).ValueOrDie();
  ASSERT_EQ(archive->members().size(), 2u);
  EXPECT_EQ(archive->members()[0].uncompressed_size, 5000u);
  EXPECT_EQ(ReadAll(*archive, "A.CNV"), TextOf(5000));
  EXPECT_EQ(ReadAll(*archive, "B.DEF"), "SSexo,SEXO,1,A.CNV\r\n");
}

TEST(ZipArchiveTest, FindsTheEndRecordPastACommentThatLooksLikeOne) {
  ZipBuilder builder;
  std::string comment = "generated PK\x05\x06 by a test";
  auto archive = OpenBytes(builder.Build({{.name = "A.CNV", .data = "abc"}}, comment)).ValueOrDie();
  EXPECT_EQ(ReadAll(*archive, "A.CNV"), "abc");
}

TEST(ZipArchiveTest, RefusesNamesThatEscapeTheRoot) {
  for (const std::string& name :
       std::vector<std::string>{"../evil.cnv", "/etc/passwd", "C:/x.cnv", "a/../../b", "a//b.cnv",
                                "CNV\\..\\..\\x.cnv", std::string("a\0b", 3), "./a", ""}) {
    ZipBuilder builder;
    auto status =
        OpenBytes(builder.Build({{.name = "ok.cnv", .data = "1"}, {.name = name, .data = "2"}}))
            .status();
    ExpectError(status, ErrorKind::kFormat, "inside the archive's root");
    EXPECT_EQ(*GetErrorDetail(status)->location().offset,
              builder.directory_offset + 46 + std::string("ok.cnv").size())
        << name;
  }
}

TEST(ZipArchiveTest, UnsupportedMethodsAndEncryptionAreErrorsOfThatMember) {
  ZipBuilder builder;
  auto archive = OpenBytes(builder.Build({{.name = "BZ.CNV", .data = "x", .method = 12},
                                          {.name = "LOCKED.CNV", .data = "y", .flags = 1},
                                          {.name = "FINE.CNV", .data = "z"}}))
                     .ValueOrDie();
  ExpectError(archive->OpenMember(archive->members()[0]).status(), ErrorKind::kFormat,
              "member \"BZ.CNV\": compression method 12 (bzip2) is not supported");
  ExpectError(archive->OpenMember(archive->members()[1]).status(), ErrorKind::kFormat,
              "member \"LOCKED.CNV\": is encrypted");
  EXPECT_EQ(ReadAll(*archive, "FINE.CNV"), "z");
  EXPECT_TRUE(archive->Verify().ok());  // members it cannot read are not corruption
}

TEST(ZipArchiveTest, AWrongCrcIsAChecksumError) {
  for (bool deflate : {true, false}) {
    ZipBuilder builder;
    auto archive =
        OpenBytes(
            builder.Build(
                {{.name = "A.CNV", .data = TextOf(10000), .deflate = deflate, .crc = 0x12345678}}))
            .ValueOrDie();
    ExpectError(DrainMember(*archive, archive->members()[0]), ErrorKind::kChecksum,
                "does not match the 12345678");
    ExpectError(archive->ReadMember(archive->members()[0]).status(), ErrorKind::kChecksum,
                "member \"A.CNV\"");
  }
}

TEST(ZipArchiveTest, AMemberInflatingPastItsDeclaredSizeIsCaught) {
  // 10 MB of zeros deflate to about 10 kB; the entry declares 1,000 bytes.
  ZipBuilder builder;
  auto archive =
      OpenBytes(
          builder.Build(
              {{.name = "BOMB.CNV", .data = std::string(10 << 20, '0'), .declared_size = 1000}}))
          .ValueOrDie();
  auto stream = archive->OpenMember(archive->members()[0], 4096).ValueOrDie();
  std::vector<uint8_t> sink(1 << 20);
  auto status = stream->Read(static_cast<int64_t>(sink.size()), sink.data()).status();
  ExpectError(status, ErrorKind::kFormat, "inflates past the 1000 bytes");
}

TEST(ZipArchiveTest, AMemberShorterThanDeclaredIsAnError) {
  ZipBuilder builder;
  auto archive =
      OpenBytes(builder.Build({{.name = "SHORT.CNV", .data = "abc", .declared_size = 10}}))
          .ValueOrDie();
  ExpectError(DrainMember(*archive, archive->members()[0]), ErrorKind::kFormat,
              "holds 3 bytes but its directory entry declares 10");
  auto stored =
      OpenBytes(
          builder.Build({{.name = "S.CNV", .data = "abc", .deflate = false, .declared_size = 10}}))
          .ValueOrDie();
  ExpectError(stored->OpenMember(stored->members()[0]).status(), ErrorKind::kFormat,
              "sizes differ");
}

TEST(ZipArchiveTest, CorruptAndTruncatedDeflateDataAreErrors) {
  const std::string text = TextOf(20000);
  std::string deflated = testing::RawDeflate(text);
  ZipBuilder builder;
  auto truncated = OpenBytes(builder.Build({{.name = "T.CNV",
                                             .data = text,
                                             .payload = deflated.substr(0, deflated.size() / 2)}}))
                       .ValueOrDie();
  ExpectError(DrainMember(*truncated, truncated->members()[0]), ErrorKind::kFormat, "truncated");

  std::string garbage = deflated;
  for (size_t i = 10; i < garbage.size(); i += 7) garbage[i] = static_cast<char>(0xFF);
  auto corrupt =
      OpenBytes(builder.Build({{.name = "C.CNV", .data = text, .payload = garbage}})).ValueOrDie();
  auto status = DrainMember(*corrupt, corrupt->members()[0]);
  ASSERT_FALSE(status.ok());
  const ErrorDetail* detail = GetErrorDetail(status);
  ASSERT_NE(detail, nullptr);
  EXPECT_TRUE(detail->kind() == ErrorKind::kFormat || detail->kind() == ErrorKind::kChecksum)
      << status.ToString();
  EXPECT_NE(status.message().find("member \"C.CNV\""), std::string::npos) << status.ToString();

  auto trailing =
      OpenBytes(builder.Build({{.name = "X.CNV", .data = text, .payload = deflated + "tail"}}))
          .ValueOrDie();
  ExpectError(DrainMember(*trailing, trailing->members()[0]), ErrorKind::kFormat,
              "ends before the member's compressed data does");
}

TEST(ZipArchiveTest, TruncatedOrForeignFilesAreFormatErrors) {
  ZipBuilder builder;
  const std::string good = builder.Build(
      {{.name = "A.CNV", .data = TextOf(3000)}, {.name = "B.CNV", .data = TextOf(2000)}});
  ExpectError(OpenBytes("").status(), ErrorKind::kFormat, "too short");
  ExpectError(OpenBytes("not a zip archive, just some text of some length").status(),
              ErrorKind::kFormat, "no end-of-central-directory record");
  // Cut anywhere: the end record is gone, or the directory no longer fits before it.
  for (size_t cut = 1; cut < good.size(); cut += 97) {
    auto archive = OpenBytes(good.substr(0, good.size() - cut));
    ASSERT_FALSE(archive.ok()) << cut;
    EXPECT_EQ(GetErrorDetail(archive.status())->kind(), ErrorKind::kFormat) << cut;
  }
  // A directory entry whose data offset points past the directory.
  std::string bad_offset = good;
  const size_t second_entry = builder.directory_offset + 46 + 5;
  bad_offset[second_entry + 45] = static_cast<char>(0x7F);
  ExpectError(OpenBytes(bad_offset).status(), ErrorKind::kFormat,
              "does not lie before the central directory");
  // A directory entry with a broken signature.
  std::string bad_entry = good;
  bad_entry[builder.directory_offset] = 'X';
  ExpectError(OpenBytes(bad_entry).status(), ErrorKind::kFormat,
              "expected a central-directory entry");
  // A local header overwritten: found when the member is opened.
  std::string bad_local = good;
  bad_local[builder.local_offsets[1]] = 'X';
  auto archive = OpenBytes(bad_local).ValueOrDie();
  ExpectError(archive->OpenMember(archive->members()[1]).status(), ErrorKind::kFormat,
              "no local file header");
}

TEST(ZipArchiveTest, EntryCountsThatCannotFitAreRefusedBeforeAllocating) {
  ZipBuilder builder;
  std::string bytes = builder.Build({{.name = "A.CNV", .data = "x"}});
  const size_t end = bytes.size() - 22;
  bytes[end + 8] = bytes[end + 10] = static_cast<char>(0xFE);
  bytes[end + 9] = bytes[end + 11] = static_cast<char>(0xFF);
  ExpectError(OpenBytes(bytes).status(), ErrorKind::kFormat, "entries cannot fit");
}

TEST(ZipArchiveTest, ReadMemberRefusesMembersLargerThanTheLimit) {
  ZipBuilder builder;
  auto archive = OpenBytes(builder.Build({{.name = "A.CNV", .data = TextOf(5000)}})).ValueOrDie();
  auto status = archive->ReadMember(archive->members()[0], 4999).status();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(GetErrorDetail(status)->kind(), ErrorKind::kInvalidArgument);
}

TEST(ZipArchiveTest, RecognisesZipSuffixes) {
  EXPECT_TRUE(HasZipSuffix("SIHSUS/200801_/Auxiliar/TAB_SIH.zip"));
  EXPECT_TRUE(HasZipSuffix("Tab_CMD.ZIP"));
  EXPECT_FALSE(HasZipSuffix("RDAC2401.dbc"));
  EXPECT_FALSE(HasZipSuffix("zip"));
}

}  // namespace
}  // namespace arrow_sus::io
