#include "arrow_sus/io/listing.h"

#include <gtest/gtest.h>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"

namespace arrow_sus::io {
namespace {

const ListingContext kBrasilia{.server_utc_offset_minutes = -180,
                               .now_utc = CivilToUtcSeconds(2026, 4, 30, 12, 0, 0, 0)};

TEST(ListingTest, ParsesIisMsDosStyle) {
  auto entries = ParseFtpListing(
      "04-27-26  02:01PM              5805083 RDAC2401.dbc\r\n"
      "04-27-26  12:05AM       <DIR>          Dados\r\n"
      "11-03-98  12:30PM                  512 OLD FILE.DBF\r\n",
      kBrasilia);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].name, "RDAC2401.dbc");
  EXPECT_EQ((*entries)[0].size, 5805083);
  EXPECT_FALSE((*entries)[0].is_dir);
  // 14:01 in Brasília (UTC-3) is 17:01 UTC.
  EXPECT_EQ((*entries)[0].mtime, CivilToUtcSeconds(2026, 4, 27, 17, 1, 0, 0));
  EXPECT_TRUE((*entries)[1].is_dir);
  EXPECT_EQ((*entries)[1].size, -1);
  EXPECT_EQ((*entries)[1].mtime, CivilToUtcSeconds(2026, 4, 27, 3, 5, 0, 0));  // 12:05AM = 00:05
  EXPECT_EQ((*entries)[2].name, "OLD FILE.DBF");
  EXPECT_EQ((*entries)[2].mtime, CivilToUtcSeconds(1998, 11, 3, 15, 30, 0, 0));
}

TEST(ListingTest, ParsesUnixStyleWithAndWithoutYear) {
  auto entries = ParseFtpListing(
      "total 12\n"
      "drwxr-xr-x   2 ftp ftp        4096 Jan 02  2024 .\n"
      "drwxr-xr-x   2 ftp ftp        4096 Jan 02  2024 ..\n"
      "-rw-r--r--   1 ftp ftp     5805083 Apr 27 14:01 RDAC2401.dbc\n"
      "-rw-r--r--   1 ftp ftp         100 Dec 31 23:59 LATE.dbc\n"
      "-rw-r--r--   1 ftp ftp          10 Mar  5  2019 OLD.dbc\n"
      "drwxr-xr-x   2 ftp         4096 Jan 02  2024 Dados\n",
      kBrasilia);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ((*entries)[0].mtime, CivilToUtcSeconds(2026, 4, 27, 17, 1, 0, 0));
  // December 31 would be in the future in April 2026: it is from 2025.
  EXPECT_EQ((*entries)[1].mtime, CivilToUtcSeconds(2026, 1, 1, 2, 59, 0, 0));
  EXPECT_EQ((*entries)[2].mtime, CivilToUtcSeconds(2019, 3, 5, 3, 0, 0, 0));
  EXPECT_TRUE((*entries)[3].is_dir);
  EXPECT_EQ((*entries)[3].name, "Dados");
}

TEST(ListingTest, ParsesMlsdInUtc) {
  auto entries = ParseFtpListing(
      "type=cdir;modify=20260101000000; .\r\n"
      "type=file;size=5805083;modify=20260427170100; RDAC2401.dbc\r\n"
      "Type=dir;Modify=20240102030405; Dados\r\n",
      kBrasilia);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].size, 5805083);
  EXPECT_EQ((*entries)[0].mtime, CivilToUtcSeconds(2026, 4, 27, 17, 1, 0, 0));
  EXPECT_TRUE((*entries)[1].is_dir);
  EXPECT_EQ((*entries)[1].mtime, CivilToUtcSeconds(2024, 1, 2, 3, 4, 5, 0));
}

TEST(ListingTest, UnrecognisedLineIsAFormatErrorNotASkippedFile) {
  auto entries = ParseFtpListing("04-27-26  02:01PM  5805083 A.dbc\r\ngarbage here\r\n", kBrasilia);
  ASSERT_FALSE(entries.ok());
  EXPECT_EQ(GetErrorDetail(entries.status())->kind(), ErrorKind::kFormat);
  EXPECT_NE(entries.status().message().find("garbage here"), std::string::npos);
}

TEST(ListingTest, RefusesUnsafeNames) {
  for (const char* line :
       {"04-27-26  02:01PM  10 ../../etc/passwd", "04-27-26  02:01PM  10 /abs.dbc",
        "04-27-26  02:01PM  10 ..", "-rw-r--r-- 1 ftp ftp 10 Apr 27 14:01 a/b.dbc",
        "type=file;size=1; x\\y.dbc"}) {
    auto entries = ParseFtpListing(line, kBrasilia);
    EXPECT_FALSE(entries.ok()) << line;
  }
}

TEST(PathSafetyTest, RelativePathsOnly) {
  EXPECT_TRUE(ValidateRelativePath("SIHSUS/200801_/Dados/RDAC2401.dbc").ok());
  for (const char* bad : {"", "/etc/passwd", "a/../b", "..", "a//b", "a/./b", "a/", "a\\b"})
    EXPECT_FALSE(ValidateRelativePath(bad).ok()) << bad;
  auto joined = JoinUnder("/cache/raw", "SIM/DO.dbc");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ(joined->string(), "/cache/raw/SIM/DO.dbc");
  EXPECT_FALSE(JoinUnder("/cache/raw", "../x").ok());
}

}  // namespace
}  // namespace arrow_sus::io
