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

TEST(ErrorTest, PlainStatusHasNoDetail) {
  EXPECT_EQ(GetErrorDetail(arrow::Status::Invalid("x")), nullptr);
}

}  // namespace
}  // namespace arrow_sus
