// The option structs' defaults and checks (dbf::ReadOptions, io::SourceOptions, scan::ScanOptions):
// defined once in C++ and bound as-is to Python (src/python/bind_options.cc).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "arrow_sus/dbf/options.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/source.h"
#include "arrow_sus/scan/scan.h"

namespace arrow_sus {
namespace {

// The status is an InvalidArgument error whose message starts with `option`.
void ExpectInvalidOption(const arrow::Status& status, const std::string& option,
                         const std::string& allowed) {
  ASSERT_FALSE(status.ok()) << option;
  const ErrorDetail* detail = GetErrorDetail(status);
  ASSERT_NE(detail, nullptr) << status.ToString();
  EXPECT_EQ(detail->kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(status.message().rfind(option + " must be", 0), 0u) << status.message();
  EXPECT_NE(status.message().find(allowed), std::string::npos) << status.message();
}

TEST(OptionsTest, DefaultsAreValid) {
  EXPECT_TRUE(dbf::ReadOptions{}.Validate().ok());
  EXPECT_TRUE(io::SourceOptions{}.Validate().ok());
  EXPECT_TRUE(scan::ScanOptions{}.Validate().ok());
  EXPECT_EQ(dbf::ReadOptions{}.batch_size, 65536);
  EXPECT_EQ(io::SourceOptions{}.max_connections_per_host, 3);
  EXPECT_EQ(scan::ScanRequest{}.batch_size, dbf::ReadOptions{}.batch_size);
}

TEST(OptionsTest, ReadOptionsNameWhatIsAllowed) {
  dbf::ReadOptions options;
  options.batch_size = 0;
  ExpectInvalidOption(options.Validate(), "batch_size", "between 1 and 2^30");
  ExpectInvalidOption(dbf::ParseEncoding("klingon").status(), "encoding",
                      "'latin-1', 'cp850', 'cp1252', 'utf-8'");
  ExpectInvalidOption(dbf::ParseDecimalMode("double").status(), "decimals", "'float', 'exact'");
  ExpectInvalidOption(dbf::ParseInvalidPolicy("skip").status(), "on_invalid", "'null', 'raise'");
  ExpectInvalidOption(dbf::ParseTruncatedPolicy("ignore").status(), "on_truncated",
                      "'raise', 'warn'");
}

TEST(OptionsTest, EnumNamesRoundTrip) {
  for (auto mode : {dbf::DecimalMode::kFloat, dbf::DecimalMode::kExact}) {
    EXPECT_EQ(*dbf::ParseDecimalMode(dbf::DecimalModeName(mode)), mode);
  }
  for (auto policy : {dbf::InvalidPolicy::kNull, dbf::InvalidPolicy::kRaise}) {
    EXPECT_EQ(*dbf::ParseInvalidPolicy(dbf::InvalidPolicyName(policy)), policy);
  }
  for (auto policy : {dbf::TruncatedPolicy::kRaise, dbf::TruncatedPolicy::kWarn}) {
    EXPECT_EQ(*dbf::ParseTruncatedPolicy(dbf::TruncatedPolicyName(policy)), policy);
  }
  for (auto mode :
       {scan::SchemaMode::kUnion, scan::SchemaMode::kIntersection, scan::SchemaMode::kStrict}) {
    EXPECT_EQ(*scan::ParseSchemaMode(scan::SchemaModeName(mode)), mode);
  }
  ExpectInvalidOption(scan::ParseSchemaMode("outer").status(), "schema",
                      "'union', 'intersection', 'strict'");
  ExpectInvalidOption(cache::ParseConvertedFormat("csv").status(), "cache_format",
                      "'ipc', 'parquet', 'ipc-uncompressed'");
}

TEST(OptionsTest, SourceOptionsNameWhatIsAllowed) {
  auto check = [](auto change, const std::string& option, const std::string& allowed) {
    io::SourceOptions options;
    change(options);
    ExpectInvalidOption(options.Validate(), option, allowed);
  };
  using std::chrono::milliseconds;
  check([](io::SourceOptions& o) { o.max_connections_per_host = 0; }, "max_connections", ">= 1");
  check([](io::SourceOptions& o) { o.connect_timeout = milliseconds(-1000); }, "connect_timeout",
        ">= 0, got -1");
  check([](io::SourceOptions& o) { o.timeout = milliseconds(-1); }, "timeout", ">= 0");
  check([](io::SourceOptions& o) { o.low_speed_bytes_per_second = -1; },
        "low_speed_bytes_per_second", ">= 0");
  check([](io::SourceOptions& o) { o.retry.max_attempts = 0; }, "max_attempts", ">= 1");
  check([](io::SourceOptions& o) { o.retry.initial_backoff = milliseconds(-1); }, "initial_backoff",
        ">= 0");
  check([](io::SourceOptions& o) { o.retry.max_backoff = milliseconds(-1); }, "max_backoff",
        ">= 0");
  check([](io::SourceOptions& o) { o.server_utc_offset_minutes = 2000; },
        "server_utc_offset_minutes", "between -1440 and 1440");
  check([](io::SourceOptions& o) { o.ftp_list_command = "NLST"; }, "list_command",
        "'LIST', 'MLSD'");
}

TEST(OptionsTest, OpeningASourceChecksItsOptions) {
  io::SourceOptions options;
  options.retry.max_attempts = 0;
  ExpectInvalidOption(io::OpenSource("file:///nonexistent", options).status(), "max_attempts",
                      ">= 1");
}

TEST(OptionsTest, ScanOptionsCheckTheirPartsAndTheirOwn) {
  scan::ScanOptions options;
  options.max_concurrent_files = -1;
  ExpectInvalidOption(options.Validate(), "max_concurrent_files", ">= 0");
  options = {};
  options.read.batch_size = -5;
  ExpectInvalidOption(options.Validate(), "batch_size", "between 1 and 2^30");
  options = {};
  options.source_options.max_connections_per_host = 0;
  ExpectInvalidOption(options.Validate(), "max_connections", ">= 1");
  options = {};
  options.read.large_strings = true;
  const arrow::Status large = options.Validate();
  ASSERT_NE(GetErrorDetail(large), nullptr);
  EXPECT_EQ(GetErrorDetail(large)->kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(large.message().find("large_strings"), std::string::npos);
  // A scan is never made from options that fail their checks.
  options = {};
  options.source_url = "file:///nonexistent";
  options.max_concurrent_files = -1;
  ExpectInvalidOption(scan::Scan::Make({}, options).status(), "max_concurrent_files", ">= 0");
}

}  // namespace
}  // namespace arrow_sus
