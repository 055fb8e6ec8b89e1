// Dataset discovery over a local directory source: partitions, final over preliminary, split parts
// and the errors a query without a year or without files gets.
#include "arrow_sus/scan/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {
namespace {

namespace fs = std::filesystem;

class DatasetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    root_ = fs::temp_directory_path() / ("arrow-sus-dataset-test-" + std::to_string(random()));
    // Discovery reads names only: the files' contents do not matter.
    for (const char* path :
         {"SIASUS/200801_/Dados/PASP2301a.dbc", "SIASUS/200801_/Dados/PASP2301b.dbc",
          "SIASUS/200801_/Dados/PASP2302.dbc", "SIASUS/200801_/Dados/PASP2302a.dbc",
          "SIASUS/200801_/Dados/PARJ2301.dbc", "SIASUS/200801_/Dados/PASP2201.dbc",
          "SIASUS/200801_/Dados/notes.txt", "SINAN/DADOS/FINAIS/ZIKABR21.dbc",
          "SINAN/DADOS/PRELIM/ZIKABR21.dbc", "SINAN/DADOS/PRELIM/ZIKABR22.dbc",
          "SIASUS/200801_/Dados/PAAC2303a.dbc", "SIASUS/200801_/Dados/PAAC2303c.dbc"}) {
      fs::create_directories((root_ / path).parent_path());
      std::ofstream(root_ / path) << "x";
    }
    source_ = *io::OpenSource("file://" + root_.string());
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> Paths(const DatasetQuery& query) {
    auto dataset = Dataset::Discover(*source_, query);
    EXPECT_TRUE(dataset.ok()) << dataset.status().ToString();
    std::vector<std::string> paths;
    if (dataset.ok()) {
      for (const DatasetFile& f : dataset->files()) paths.push_back(f.file.path);
    }
    return paths;
  }

  fs::path root_;
  std::shared_ptr<io::Source> source_;
};

TEST_F(DatasetTest, PartitionsSelectStatesYearsAndMonths) {
  EXPECT_EQ(Paths({.dataset = "sia-pa", .ufs = {{"RJ"}}, .years = {{2023}}}),
            std::vector<std::string>{"SIASUS/200801_/Dados/PARJ2301.dbc"});
  EXPECT_EQ(Paths({.dataset = "SIA-PA", .ufs = {{"SP"}}, .years = {{2022}}, .months = {{1}}}),
            std::vector<std::string>{"SIASUS/200801_/Dados/PASP2201.dbc"});
  auto dataset = Dataset::Discover(*source_, {.dataset = "sia-pa", .years = {{2022}}});
  ASSERT_TRUE(dataset.ok());
  EXPECT_EQ(dataset->id(), "sia-pa");
  const ScanFile& file = dataset->files()[0].file;
  EXPECT_EQ(file.uf, "SP");
  EXPECT_EQ(file.year, 2022);
  EXPECT_EQ(file.month, 1);
  EXPECT_EQ(file.dataset, "sia-pa");
  ASSERT_TRUE(file.listed.has_value());
  EXPECT_EQ(file.listed->size, 1);
}

TEST_F(DatasetTest, OneCompleteSetOfSplitPartsPerMonth) {
  // 2023-01: parts a and b; 2023-02: the whole file wins over its part.
  EXPECT_EQ(Paths({.dataset = "sia-pa", .ufs = {{"SP"}}, .years = {{2023}}}),
            (std::vector<std::string>{"SIASUS/200801_/Dados/PASP2301a.dbc",
                                      "SIASUS/200801_/Dados/PASP2301b.dbc",
                                      "SIASUS/200801_/Dados/PASP2302.dbc"}));
  // Listing alone keeps every file.
  auto listed =
      ListDatasetFiles(*source_, {.dataset = "sia-pa", .ufs = {{"SP"}}, .years = {{2023}}});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 4u);
  EXPECT_EQ((*listed)[3].part, "a");
}

TEST_F(DatasetTest, AGapInTheSplitPartsIsAnError) {
  auto dataset =
      Dataset::Discover(*source_, {.dataset = "sia-pa", .ufs = {{"AC"}}, .years = {{2023}}});
  ASSERT_FALSE(dataset.ok());
  EXPECT_NE(dataset.status().message().find("split part 2"), std::string::npos)
      << dataset.status().ToString();
}

TEST_F(DatasetTest, FinalFilesWinOverPreliminaryOnes) {
  EXPECT_EQ(Paths({.dataset = "sinan-zika", .years = {{2021, 2022}}}),
            (std::vector<std::string>{"SINAN/DADOS/FINAIS/ZIKABR21.dbc",
                                      "SINAN/DADOS/PRELIM/ZIKABR22.dbc"}));
  auto listed = ListDatasetFiles(*source_, {.dataset = "sinan-zika", .years = {{2021}}});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].preliminary, false);
  EXPECT_EQ((*listed)[1].preliminary, true);
}

TEST_F(DatasetTest, APeriodicDatasetNeedsAYearUnlessTheQuerySaysOtherwise) {
  auto scan = Dataset::Discover(*source_, {.dataset = "sia-pa"});
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(GetErrorDetail(scan.status())->kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(scan.status().message().find("sia-pa is monthly: pass year (a year, a list or a range; "
                                         "data starts in 1994-07), e.g. year=2023"),
            std::string::npos)
      << scan.status().ToString();
  auto cli =
      Dataset::Discover(*source_, {.dataset = "sia-pa", .style = ArgumentStyle::kCommandLine});
  EXPECT_NE(cli.status().message().find("pass --year (a year"), std::string::npos);
  EXPECT_NE(cli.status().message().find("e.g. --year 2023"), std::string::npos);
  auto everything =
      Dataset::Discover(*source_, {.dataset = "sia-pa", .ufs = {{"SP"}}, .require_year = false});
  ASSERT_TRUE(everything.ok()) << everything.status().ToString();
  EXPECT_EQ(everything->files().size(), 4u);
}

TEST_F(DatasetTest, NoFilesNamesThePartitionsAndTheSource) {
  auto none = Dataset::Discover(
      *source_,
      {.dataset = "sia-pa", .ufs = {{"AC", "AL"}}, .years = {{2023}}, .months = {{1, 2}}});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(GetErrorDetail(none.status())->kind(), ErrorKind::kNotFound);
  EXPECT_NE(none.status().message().find("no sia-pa files for uf=['AC', 'AL'] year=[2023] "
                                         "month=[1, 2] on file://"),
            std::string::npos)
      << none.status().ToString();
  auto cli = Dataset::Discover(*source_, {.dataset = "sia-pa",
                                          .ufs = {{"AL", "RR"}},
                                          .years = {{2023}},
                                          .style = ArgumentStyle::kCommandLine});
  EXPECT_NE(cli.status().message().find("for --uf AL,RR --year 2023 on"), std::string::npos);
  EXPECT_FALSE(Dataset::Discover(*source_, {.dataset = "nope", .years = {{2023}}}).ok());
}

}  // namespace
}  // namespace arrow_sus::scan
