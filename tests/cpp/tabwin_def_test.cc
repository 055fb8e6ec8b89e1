// The .DEF reader on definitions written here in the documented layout.
#include "arrow_sus/tabwin/def.h"

#include <gtest/gtest.h>

#include "arrow_sus/error.h"
#include "tabwin_test_files.h"

namespace arrow_sus::tabwin {
namespace {

using testing::Bytes;

const std::string kRdDef =
    ";Movimento de AIH - Arquivos Reduzidos - Brasil\r\n"
    "A..\\DADOS\\RD*.DBC\r\n"
    "?\\TAB\\RD.HLP\r\n"
    "IValor Total       ,VAL_TOT\r\n"
    "IFrequ\xEAncia\r\n"
    "LSexo              ,SEXO      ,1        ,SEXO.CNV\r\n"
    "CSexo              ,SEXO      ,1        ,CNV\\SEXO.CNV\r\n"
    "xRegi\xE3o de resid\xEAncia,munic_res ,1   ,REGIAO.CNV\r\n"
    "SUF de resid\xEAncia   ,MUNIC_RES ,1        ,UF.CNV\r\n"
    "DHospital BR       ,CNES      ,RAZAO    ,TCNESBR.DBF\r\n"
    "SAno                ,ANO_CMPT\r\n"
    " SInativo           ,SEXO      ,1        ,SEXO.CNV\r\n"
    "%Uma instru\xE7\xE3o desconhecida\r\n"
    "\r\n";

TEST(TabwinDefTest, ReadsStatementsVariablesAndNotes) {
  auto parsed = ParseDef(Bytes(kRdDef), "TAB_SIH.zip:RD2008.DEF");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const DefFile& def = *parsed;
  EXPECT_EQ(def.title, "Movimento de AIH - Arquivos Reduzidos - Brasil");
  ASSERT_EQ(def.data_files.size(), 1u);
  EXPECT_EQ(def.data_files[0], "..\\DADOS\\RD*.DBC");
  ASSERT_EQ(def.variables.size(), 8u);

  EXPECT_EQ(def.variables[0].marker, 'I');
  EXPECT_EQ(def.variables[0].field, "VAL_TOT");
  EXPECT_EQ(def.variables[1].label, "Frequ\xC3\xAAncia");
  EXPECT_EQ(def.variables[1].field, "");

  const DefVariable& sexo = def.variables[2];
  EXPECT_EQ(sexo.marker, 'L');
  EXPECT_EQ(sexo.label, "Sexo");
  EXPECT_EQ(sexo.field, "SEXO");
  EXPECT_EQ(sexo.position, 1);
  EXPECT_EQ(sexo.conversion, "SEXO.CNV");
  EXPECT_EQ(sexo.kind, ConversionKind::kCnv);
  EXPECT_EQ(sexo.line, 6);
  EXPECT_EQ(def.variables[3].conversion, "CNV\\SEXO.CNV");

  const DefVariable& regiao = def.variables[4];  // a lower-case marker is a statement too
  EXPECT_EQ(regiao.marker, 'X');
  EXPECT_EQ(regiao.field, "MUNIC_RES");
  EXPECT_EQ(regiao.label, "Regi\xC3\xA3o de resid\xC3\xAAncia");

  const DefVariable& hospital = def.variables[6];
  EXPECT_EQ(hospital.kind, ConversionKind::kDbf);
  EXPECT_EQ(hospital.argument, "RAZAO");
  EXPECT_EQ(hospital.position, 0);

  EXPECT_EQ(def.variables[7].kind, ConversionKind::kNone);
  // The help file, the inactive line and the unknown statement are kept as notes.
  ASSERT_EQ(def.notes.size(), 3u);
  EXPECT_EQ(def.notes[0].line, 3);
  EXPECT_EQ(def.notes[1].line, 12);
  EXPECT_EQ(def.notes[2].text, "%Uma instru\xC3\xA7\xC3\xA3o desconhecida");
}

TEST(TabwinDefTest, MalformedVariableLinesAreErrorsNamingFileAndLine) {
  struct Case {
    std::string line;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {"SSexo", "without a DBF field"},
           {"SSexo,   ,1,SEXO.CNV", "without a DBF field"},
           {"SSexo, SEXO DO PACIENTE, 1, SEXO.CNV", "is not a DBF field name"},
           {"SSexo, 1SEXO, 1, SEXO.CNV", "is not a DBF field name"},
           {"SSexo, SEXO, A, SEXO.CNV", "must be a positive number"},
           {"SSexo, SEXO, 0, SEXO.CNV", "must be a positive number"},
           {"SSexo, SEXO, , SEXO.CNV", "must be a positive number"},
       }) {
    auto parsed = ParseDef(Bytes(";t\r\nARD*.DBC\r\n" + c.line + "\r\n"), "TAB_SIH.zip:RD.DEF");
    ASSERT_FALSE(parsed.ok()) << c.line;
    const ErrorDetail* detail = GetErrorDetail(parsed.status());
    ASSERT_NE(detail, nullptr);
    EXPECT_EQ(detail->kind(), ErrorKind::kFormat);
    EXPECT_EQ(detail->location().file, "TAB_SIH.zip:RD.DEF");
    EXPECT_EQ(detail->location().line, 3) << c.line;
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << parsed.status().ToString();
  }
}

TEST(TabwinDefTest, DetectsCp850Text) {
  auto parsed = ParseDef(Bytes("SRa\x87"
                               "a/cor, RACA_COR, 1, RACACOR.CNV\r\n"),
                         "X.DEF");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->encoding, dbf::Encoding::kCp850);
  EXPECT_EQ(parsed->variables[0].label,
            "Ra\xC3\xA7"
            "a/cor");
}

}  // namespace
}  // namespace arrow_sus::tabwin
