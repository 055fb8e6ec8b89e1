// arrow_sus::Query: a complete query yields the discovery arguments scan() would take and discovers
// the same files; the catalog checks what the compiler cannot (the dataset's partitioning, codes,
// ranges). That an incomplete query does not compile is checked by tests/cpp/query_compile/.
#include "arrow_sus/query.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "arrow_sus/error.h"

namespace arrow_sus {
namespace {

namespace fs = std::filesystem;

// What the compiler accepts, as the compile-failure tests see it from the other side.
static_assert(CompleteQuery<decltype(query::Sih("RD").Uf({"SP"}).Year(2023).Month(1))>);
static_assert(CompleteQuery<decltype(query::Sih("RD").AllUfs().YearRange(2019, 2023).AllMonths())>);
static_assert(CompleteQuery<decltype(query::Sim("DO").Year(2022))>);
static_assert(CompleteQuery<query::UnpartitionedQuery>);
static_assert(!CompleteQuery<decltype(query::Sih("RD").Uf({"SP"}).Year(2023))>);
static_assert(!CompleteQuery<decltype(query::Sih("RD").Year(2023).Month(1))>);
static_assert(!CompleteQuery<query::YearlyQuery>);
static_assert(!CompleteQuery<query::NationalMonthlyQuery>);

ErrorKind KindOf(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  EXPECT_NE(detail, nullptr) << status.ToString();
  return detail ? detail->kind() : ErrorKind::kIo;
}

TEST(QueryTest, ACompleteQueryGivesDiscoveryItsArguments) {
  auto built = query::Sih("rd").Uf({"rj", "SP", "RJ"}).YearRange(2019, 2021).Month(1).Build();
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->dataset, "sih-rd");
  EXPECT_EQ(built->ufs,
            (std::vector<std::string>{"RJ", "SP"}));  // the catalog's codes, sorted, once
  EXPECT_EQ(built->years, (std::vector<int32_t>{2019, 2020, 2021}));
  EXPECT_EQ(built->months, (std::vector<int32_t>{1}));
  EXPECT_TRUE(built->require_year);

  auto every = query::Cnes("ST").AllUfs().Years({2023, 2022, 2023}).AllMonths().Build();
  ASSERT_TRUE(every.ok()) << every.status().ToString();
  EXPECT_FALSE(every->ufs.has_value());  // every state, as scan(uf=None)
  EXPECT_EQ(every->years, (std::vector<int32_t>{2022, 2023}));
  EXPECT_FALSE(every->months.has_value());

  auto deaths = query::Sim("DO").Year(2022).Build();  // yearly: states optional
  ASSERT_TRUE(deaths.ok()) << deaths.status().ToString();
  EXPECT_FALSE(deaths->ufs.has_value());
  EXPECT_TRUE(query::Sim("DOFET").Year(2022).Build().ok());  // a national group of SIM
  EXPECT_TRUE(query::NationalMonthly("sih-ch").Year(2020).Month(1).Build().ok());
  EXPECT_TRUE(query::Unpartitioned("aux-tabuf").Build().ok());
}

TEST(QueryTest, TheCatalogChecksWhatTheCompilerCannot) {
  auto unknown = query::Sih("XX").Uf({"SP"}).Year(2023).Month(1).Build();
  EXPECT_EQ(KindOf(unknown.status()), ErrorKind::kNotFound);
  EXPECT_NE(unknown.status().message().find("sih-xx"), std::string::npos);

  auto wrong_shape = query::Monthly("sim-do").Uf({"SP"}).Year(2023).Month(1).Build();
  EXPECT_EQ(KindOf(wrong_shape.status()), ErrorKind::kInvalidArgument);
  EXPECT_NE(
      wrong_shape.status().message().find(
          "sim-do has yearly files (states optional), not the query's monthly files per state"),
      std::string::npos)
      << wrong_shape.status().ToString();

  auto national = query::Sim("DOFET").Uf({"SP"}).Year(2022).Build();
  EXPECT_EQ(KindOf(national.status()), ErrorKind::kInvalidArgument);
  EXPECT_NE(national.status().message().find("sim-dofet is national"), std::string::npos);

  EXPECT_EQ(KindOf(query::Sih("RD").Uf({"XX"}).Year(2023).Month(1).Build().status()),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf(query::Sih("RD").Uf({"SP"}).Year(23).Month(1).Build().status()),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf(query::Sih("RD").Uf({"SP"}).Year(2023).Month(13).Build().status()),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf(query::Sih("RD").Uf({}).Year(2023).Month(1).Build().status()),
            ErrorKind::kInvalidArgument);
}

TEST(QueryTest, DiscoversTheFilesDatasetDiscoveryFinds) {
  std::random_device random;
  const fs::path root =
      fs::temp_directory_path() / ("arrow-sus-query-test-" + std::to_string(random()));
  for (const char* path : {"SIHSUS/200801_/Dados/RDSP2301.dbc", "SIHSUS/200801_/Dados/RDSP2302.dbc",
                           "SIHSUS/200801_/Dados/RDRJ2301.dbc"}) {
    fs::create_directories((root / path).parent_path());
    std::ofstream(root / path) << "x";  // discovery reads names only
  }
  auto source = io::OpenSource("file://" + root.string());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto found = query::Sih("RD").Uf({"SP"}).Year(2023).Month(1).Discover(**source);
  auto direct = scan::Dataset::Discover(
      **source, {.dataset = "sih-rd", .ufs = {{"SP"}}, .years = {{2023}}, .months = {{1}}});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  ASSERT_EQ(found->files().size(), 1u);
  EXPECT_EQ(found->files()[0].file.path, "SIHSUS/200801_/Dados/RDSP2301.dbc");
  EXPECT_EQ(found->files()[0].file.path, direct->files()[0].file.path);
  fs::remove_all(root);
}

}  // namespace
}  // namespace arrow_sus
