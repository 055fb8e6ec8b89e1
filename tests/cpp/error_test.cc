#include "arrow_sus/error.h"

#include <gtest/gtest.h>

namespace arrow_sus {
namespace {

TEST(ErrorTest, MessageNamesFileAndOffset) {
  arrow::Status st =
      MakeError(ErrorKind::kFormat, {.file = "RDAC2401.dbc", .offset = 1234}, "bad code");
  EXPECT_EQ(st.message(), "RDAC2401.dbc, byte offset 1234: bad code");
  const ErrorDetail* detail = GetErrorDetail(st);
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->kind(), ErrorKind::kFormat);
  EXPECT_EQ(detail->location().offset, 1234u);
}

TEST(ErrorTest, WithFileAddsTheFileOnce) {
  arrow::Status st = MakeError(ErrorKind::kChecksum, {.offset = 7}, "crc mismatch");
  arrow::Status named = WithFile(st, "x.dbc");
  EXPECT_EQ(named.message(), "x.dbc, byte offset 7: crc mismatch");
  EXPECT_EQ(WithFile(named, "y.dbc").message(), named.message());
}

// Field names and paths come from files: an error must still be valid UTF-8 (Python refuses
// anything else), whatever bytes they hold.
TEST(ErrorTest, MessageFileAndFieldAreValidUtf8) {
  arrow::Status st = MakeError(
      ErrorKind::kConversion,
      {.file = "D\xC9.dbf", .offset = std::nullopt, .row = 3, .field = "N\xC9ME\xED\xA0\x80"},
      "bad \xFF value");
  const ErrorDetail* detail = GetErrorDetail(st);
  EXPECT_EQ(detail->location().file, "D\uFFFD.dbf");
  EXPECT_EQ(detail->location().field, "N\uFFFDME\uFFFD\uFFFD\uFFFD");  // a surrogate is 3 bytes
  EXPECT_EQ(st.message(),
            "D\uFFFD.dbf, row 3, field N\uFFFDME\uFFFD\uFFFD\uFFFD: bad \uFFFD value");
  // Valid UTF-8 (2, 3 and 4 bytes) is kept as it is.
  arrow::Status ok = MakeError(ErrorKind::kFormat, {.field = "NAÇÃO€😀"}, "x");
  EXPECT_EQ(GetErrorDetail(ok)->location().field, "NAÇÃO€😀");
  EXPECT_EQ(WithFile(st, "other").message(), st.message());
}

TEST(ErrorTest, NotRetryableKeepsEverythingElse) {
  arrow::Status st = MakeError(ErrorKind::kNetwork, {.offset = 5}, "silent server");
  EXPECT_TRUE(GetErrorDetail(st)->retryable());
  arrow::Status final_error = NotRetryable(st);
  EXPECT_FALSE(GetErrorDetail(final_error)->retryable());
  EXPECT_EQ(final_error.message(), st.message());
  EXPECT_EQ(GetErrorDetail(final_error)->kind(), ErrorKind::kNetwork);
  EXPECT_FALSE(GetErrorDetail(WithFile(final_error, "f.dbc"))->retryable());
}

TEST(ErrorTest, PlainStatusHasNoDetail) {
  EXPECT_EQ(GetErrorDetail(arrow::Status::Invalid("x")), nullptr);
}

}  // namespace
}  // namespace arrow_sus
