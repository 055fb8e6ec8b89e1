// A TabWin archive written here (DEFs and CNVs in a zip) read into code lists per dataset and
// field, scoped by the DEF's data files and the archive's period, and compared with the
// compiled-in dictionary.
#include "arrow_sus/tabwin/archive_labels.h"

#include <gtest/gtest.h>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/error.h"
#include "tabwin_test_files.h"
#include "zip_builder.h"

namespace arrow_sus::tabwin {
namespace {

using testing::CnvLine;
using testing::ZipBuilder;

constexpr std::string_view kTabSih = "/dissemin/publicos/SIHSUS/200801_/Auxiliar/TAB_SIH.zip";

std::shared_ptr<io::ZipArchive> Archive(const std::vector<testing::ZipEntrySpec>& entries) {
  ZipBuilder builder;
  auto bytes = arrow::Buffer::FromString(builder.Build(entries));
  return io::ZipArchive::Open(std::make_shared<arrow::io::BufferReader>(bytes), "TAB_SIH.zip")
      .ValueOrDie();
}

std::vector<testing::ZipEntrySpec> SihArchive() {
  const std::string regiao =
      "2 6\r\n" + CnvLine(1, "Norte", "110000-179999") + CnvLine(2, "Sudeste", "310000-359999");
  return {
      {.name = "TAB/RD2008.DEF",
       .data = ";AIH reduzida\r\nA..\\DADOS\\RD*.DBC\r\n"
               "LRegi\xE3o,MUNIC_RES,1,..\\CNV\\REGIAO.CNV\r\n"
               "SSexo,SEXO,1,..\\CNV\\SEXO.CNV\r\n"
               "XSexo,SEXO,1,..\\CNV\\SEXO.CNV\r\n"
               "SSexo (grupo),SEXO,1,..\\CNV\\SEXOGRP.CNV\r\n"
               "SRa\xE7"
               "a,RACA_COR,1,..\\CNV\\SUMIU.CNV\r\n"},
      {.name = "TAB/SP2008.DEF", .data = "ASP*.DBC\r\nSSexo,SEXO,1,sexo.cnv\r\n"},
      {.name = "TAB/GENERICO.DEF", .data = "A*.DBF\r\nSSexo,SEXO,1,SEXO.CNV\r\n"},
      {.name = "CNV/SEXO.CNV", .data = testing::SihSexoCnv()},
      {.name = "CNV/SEXOGRP.CNV", .data = "1 1\r\n" + CnvLine(1, "Todos", "0-9")},
      {.name = "CNV/REGIAO.CNV", .data = regiao},
  };
}

TEST(TabwinArchiveTest, ListsAreScopedByTheDefsDataFiles) {
  auto archive = Archive(SihArchive());
  std::vector<std::string> datasets = {"sih-rd", "sih-sp", "sih-rj"};
  auto labels = ReadArchiveLabels(*archive, kTabSih, datasets).ValueOrDie();
  EXPECT_EQ(labels.defs.size(), 3u);
  ASSERT_EQ(labels.unmatched_defs.size(), 1u);  // "*.DBF" names no dataset of three
  EXPECT_EQ(labels.unmatched_defs[0], "TAB/GENERICO.DEF");
  ASSERT_EQ(labels.datasets.size(), 3u);

  const DatasetLabels& rd = labels.datasets[0];
  EXPECT_EQ(rd.dataset, "sih-rd");
  EXPECT_EQ(rd.defs, std::vector<std::string>{"TAB/RD2008.DEF"});
  EXPECT_EQ(rd.period.first, 200801);  // the dataset folders beside Auxiliar/
  EXPECT_EQ(rd.period.last, 0);
  ASSERT_EQ(rd.fields.size(), 2u);
  EXPECT_EQ(rd.fields[0].field, "MUNIC_RES");
  const FieldLists& sexo = rd.fields[1];
  EXPECT_EQ(sexo.field, "SEXO");
  // SEXO.CNV (named like the field, declared with X) before the grouping; L/S/X of one CNV once.
  ASSERT_EQ(sexo.conversions.size(), 2u);
  EXPECT_EQ(sexo.conversions[0].cnv_member, "CNV/SEXO.CNV");
  EXPECT_EQ(sexo.conversions[0].variable.marker, 'X');
  EXPECT_EQ(sexo.conversions[0].def_member, "TAB/RD2008.DEF");
  EXPECT_EQ(sexo.conversions[0].variable.line, 5);
  EXPECT_EQ(sexo.conversions[1].cnv_member, "CNV/SEXOGRP.CNV");
  // A CNV is parsed once however many variables and datasets use it.
  const DatasetLabels& sp = labels.datasets[1];
  ASSERT_EQ(sp.fields.size(), 1u);
  EXPECT_EQ(sp.fields[0].conversions[0].cnv_member, "CNV/SEXO.CNV");
  EXPECT_EQ(sp.fields[0].conversions[0].cnv.get(), sexo.conversions[0].cnv.get());
  EXPECT_TRUE(labels.datasets[2].fields.empty());  // no DEF describes RJ files here
  // The CNV the archive lacks is reported, not fatal.
  ASSERT_EQ(labels.problems.size(), 1u);
  EXPECT_NE(labels.problems[0].message.find("TAB_SIH.zip:TAB/RD2008.DEF, line 7"),
            std::string::npos);
  EXPECT_NE(labels.problems[0].message.find("SUMIU.CNV is not in the archive"), std::string::npos);
}

TEST(TabwinArchiveTest, AGenericPatternDescribesTheOnlyDataset) {
  auto archive = Archive(SihArchive());
  std::vector<std::string> datasets = {"sih-rj"};
  auto labels = ReadArchiveLabels(*archive, kTabSih, datasets).ValueOrDie();
  EXPECT_EQ(labels.datasets[0].defs, std::vector<std::string>{"TAB/GENERICO.DEF"});
}

TEST(TabwinArchiveTest, ComparesWithTheCompiledListOfTheSameSystemAndPeriod) {
  auto archive = Archive(SihArchive());
  std::vector<std::string> datasets = {"sih-rd"};
  auto labels = ReadArchiveLabels(*archive, kTabSih, datasets).ValueOrDie();
  auto fields = CompareDataset(labels.datasets[0]);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_TRUE(fields[0].rows.empty());  // MUNIC_RES: a reference table, compared elsewhere
  const FieldComparison& sexo = fields[1];
  ASSERT_NE(sexo.compiled, nullptr);
  ASSERT_NE(sexo.compiled->code_list, nullptr);
  EXPECT_EQ(sexo.compiled->code_list->id, "sih-sexo");
  std::map<std::string, LabelStatus> status;
  for (const LabelComparison& row : sexo.rows) status[row.code] = row.status;
  EXPECT_EQ(status["1"], LabelStatus::kSame);  // "masculino" vs "Masculino": case aside, same
  EXPECT_EQ(status["3"], LabelStatus::kSame);
  EXPECT_EQ(status["2"], LabelStatus::kOnlyTabwin);
  EXPECT_EQ(status["0"], LabelStatus::kOnlyTabwin);
  EXPECT_EQ(status["9"], LabelStatus::kOnlyTabwin);
  EXPECT_EQ(sexo.rows.size(), 10u);  // 1 and 3 compared; 0, 2, 4-9 only in TabWin

  // The 1992-1997 archive is compared with the 1992-1997 list (codes 0, 1, 3).
  labels = ReadArchiveLabels(*archive,
                             "/dissemin/publicos/SIHSUS/200801_/Auxiliar/TAB_SIH_199201-199712.zip",
                             datasets)
               .ValueOrDie();
  EXPECT_EQ(labels.datasets[0].period.first, 199201);
  EXPECT_EQ(labels.datasets[0].period.last, 199712);
  fields = CompareDataset(labels.datasets[0]);
  EXPECT_EQ(fields[1].compiled->code_list->id, "sih-sexo-0");
}

TEST(TabwinArchiveTest, DifferentLabelsAndCodesOnlyCompiledInAreReported) {
  auto archive =
      Archive({{.name = "RD.DEF", .data = "ARD*.DBC\r\nSSexo,SEXO,1,SEXO.CNV\r\n"},
               {.name = "SEXO.CNV",
                .data = "2 1\r\n" + CnvLine(1, "Homens", "1") + CnvLine(2, "Outro", "7")}});
  std::vector<std::string> datasets = {"sih-rd"};
  auto labels = ReadArchiveLabels(*archive, kTabSih, datasets).ValueOrDie();
  auto rows = CompareDataset(labels.datasets[0])[0].rows;
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].code, "1");
  EXPECT_EQ(rows[0].status, LabelStatus::kDifferentLabel);
  EXPECT_EQ(rows[0].compiled_label, "masculino");
  EXPECT_EQ(rows[0].tabwin_label, "Homens");
  EXPECT_EQ(rows[0].tabwin_line, 2);
  EXPECT_EQ(rows[1].code, "3");
  EXPECT_EQ(rows[1].status, LabelStatus::kOnlyCompiled);
  EXPECT_EQ(rows[2].code, "7");
  EXPECT_EQ(rows[2].status, LabelStatus::kOnlyTabwin);
}

TEST(TabwinArchiveTest, AMalformedCnvFailsTheArchiveOrIsCollected) {
  auto entries = SihArchive();
  entries.push_back({.name = "CNV/RACA.CNV",
                     .data = "2 2\r\n" + CnvLine(1, "Branca", "01") + "  Parda      02\r\n"});
  entries[0].data +=
      "SRa\xE7"
      "a,RACA_COR,1,..\\CNV\\RACA.CNV\r\n";
  auto archive = Archive(entries);
  std::vector<std::string> datasets = {"sih-rd"};
  auto failed = ReadArchiveLabels(*archive, kTabSih, datasets);
  ASSERT_FALSE(failed.ok());
  const ErrorDetail* detail = GetErrorDetail(failed.status());
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->kind(), ErrorKind::kFormat);
  EXPECT_EQ(detail->location().file, "TAB_SIH.zip:CNV/RACA.CNV");
  EXPECT_EQ(detail->location().line, 3);

  auto collected = ReadArchiveLabels(*archive, kTabSih, datasets, {.collect_errors = true});
  ASSERT_TRUE(collected.ok()) << collected.status().ToString();
  ASSERT_EQ(collected->problems.size(), 2u);
  EXPECT_EQ(collected->problems[1].member, "CNV/RACA.CNV");
  EXPECT_NE(collected->problems[1].message.find("line 3"), std::string::npos);
}

TEST(TabwinArchiveTest, UnknownDatasetsAreInvalidArguments) {
  auto archive = Archive(SihArchive());
  std::vector<std::string> datasets = {"sih-nope"};
  auto labels = ReadArchiveLabels(*archive, kTabSih, datasets);
  ASSERT_FALSE(labels.ok());
  EXPECT_EQ(GetErrorDetail(labels.status())->kind(), ErrorKind::kInvalidArgument);
}

TEST(TabwinScopeTest, ArchivePeriodsFromNamesAndFolders) {
  const catalog::Dataset* sim = catalog::FindDataset("sim-do");
  const catalog::Dataset* sinasc = catalog::FindDataset("sinasc-dn");
  auto cid9 = ArchivePeriod("/dissemin/publicos/SIM/CID9/TAB/OBITOS_CID9_TAB.zip", *sim);
  EXPECT_EQ(cid9.first, 197900);
  EXPECT_EQ(cid9.last, 199512);
  auto cid10 = ArchivePeriod("/dissemin/publicos/SIM/CID10/TAB/OBITOS_CID10_TAB.zip", *sim);
  EXPECT_EQ(cid10.first, 199600);
  EXPECT_EQ(cid10.last, 0);
  auto until = ArchivePeriod(
      "/dissemin/publicos/SINASC/1994_1995/Auxiliar/Arq_Para_Tabulacao_Ate_1995.zip", *sinasc);
  EXPECT_EQ(until.first, 0);
  EXPECT_EQ(until.last, 199512);
  auto since = ArchivePeriod(
      "/dissemin/publicos/SINASC/1996_/Auxiliar/Arq_Para_Tabulacao_A_Partir_1996.zip", *sinasc);
  EXPECT_EQ(since.first, 199600);
  EXPECT_EQ(since.last, 0);
  auto nowhere = ArchivePeriod("/elsewhere/TAB.zip", *sim);
  EXPECT_EQ(nowhere.first, 0);
  EXPECT_EQ(nowhere.last, 0);
}

TEST(TabwinScopeTest, DefPatternsMatchTheCatalogsFileNames) {
  DefFile def;
  def.data_files = {"..\\DADOS\\DO*.DBC"};
  for (const char* id : {"sim-do", "sim-dofet", "sim-doext"})
    EXPECT_TRUE(DefDescribes(def, *catalog::FindDataset(id), false)) << id;
  EXPECT_FALSE(DefDescribes(def, *catalog::FindDataset("sinasc-dn"), false));
  def.data_files = {"C:\\DADOS\\rd??????.dbc"};
  EXPECT_TRUE(DefDescribes(def, *catalog::FindDataset("sih-rd"), false));
  EXPECT_FALSE(DefDescribes(def, *catalog::FindDataset("sih-rj"), false));
  def.data_files = {"*.dbf"};
  EXPECT_FALSE(DefDescribes(def, *catalog::FindDataset("sih-rd"), false));
  EXPECT_TRUE(DefDescribes(def, *catalog::FindDataset("sih-rd"), true));
}

}  // namespace
}  // namespace arrow_sus::tabwin
