// The .CNV reader on files written here in the documented layout: codes, ranges, wildcards,
// continuation lines, TabWin's last-entry-decides rule, the overlap report, and every malformed
// line as a typed error naming the file and the line.
#include "arrow_sus/tabwin/cnv.h"

#include <gtest/gtest.h>

#include <string>

#include "arrow_sus/error.h"
#include "tabwin_test_files.h"

namespace arrow_sus::tabwin {
namespace {

using testing::Bytes;
using testing::CnvLine;

CnvFile Parse(const std::string& text) {
  auto cnv = ParseCnv(Bytes(text), "TAB_TEST.zip:CNV/TEST.CNV");
  EXPECT_TRUE(cnv.ok()) << cnv.status().ToString();
  return cnv.ok() ? std::move(cnv).ValueUnsafe() : CnvFile{};
}

std::string LabelOf(const CnvFile& cnv, std::string_view code) {
  const CnvEntry* entry = CnvResolver(cnv).Resolve(code);
  return entry == nullptr ? "<none>" : cnv.categories[static_cast<size_t>(entry->category)].label;
}

void ExpectLineError(const std::string& text, int64_t line, std::string_view message) {
  auto cnv = ParseCnv(Bytes(text), "TAB_TEST.zip:CNV/BAD.CNV");
  ASSERT_FALSE(cnv.ok()) << "line " << line;
  const ErrorDetail* detail = GetErrorDetail(cnv.status());
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->kind(), ErrorKind::kFormat);
  EXPECT_EQ(detail->location().file, "TAB_TEST.zip:CNV/BAD.CNV");
  EXPECT_EQ(detail->location().line, line) << cnv.status().ToString();
  EXPECT_NE(cnv.status().message().find(message), std::string::npos) << cnv.status().ToString();
  EXPECT_NE(cnv.status().message().find("TAB_TEST.zip:CNV/BAD.CNV, line " + std::to_string(line)),
            std::string::npos)
      << cnv.status().ToString();
}

TEST(TabwinCnvTest, TheLastEntryCoveringACodeDecides) {
  CnvFile cnv = Parse(testing::SihSexoCnv());
  EXPECT_EQ(cnv.declared_categories, 3);
  EXPECT_EQ(cnv.code_width, 1);
  ASSERT_EQ(cnv.categories.size(), 3u);
  ASSERT_EQ(cnv.entries.size(), 4u);
  EXPECT_EQ(cnv.entries[0].kind, CodeKind::kRange);
  EXPECT_EQ(cnv.entries[0].line, 2);
  EXPECT_EQ(LabelOf(cnv, "1"), "Masculino");
  EXPECT_EQ(LabelOf(cnv, "3"), "Feminino");
  EXPECT_EQ(LabelOf(cnv, "2"), "Feminino");
  EXPECT_EQ(LabelOf(cnv, "0"), "Ignorado");
  EXPECT_EQ(LabelOf(cnv, "7 "), "Ignorado");  // trailing blanks of the field do not count
  EXPECT_EQ(LabelOf(cnv, "X"), "<none>");
  // The catch-all is refined on purpose, but every overlap is reported, with both lines.
  ASSERT_EQ(cnv.issues.size(), 2u);
  EXPECT_EQ(cnv.issues[0].kind, CnvIssueKind::kOverlap);
  EXPECT_EQ(cnv.issues[0].line, 3);
  EXPECT_EQ(cnv.issues[0].other_line, 2);
  EXPECT_EQ(cnv.issues[1].line, 4);
  EXPECT_NE(cnv.issues[0].message.find("\"Ignorado\""), std::string::npos);
}

TEST(TabwinCnvTest, CommentsBlankLinesLineEndsTabsAndEndOfFileByte) {
  std::string text = "; Sexo - SIH\n;\n\n  2   1  \r" + CnvLine(1, "Masculino", "1") + "\n" +
                     "; a comment between categories\n" + "      2\tFeminino\t\t3\n\x1A" +
                     "garbage after the DOS end of file";
  CnvFile cnv = Parse(text);
  ASSERT_EQ(cnv.categories.size(), 2u);
  EXPECT_EQ(cnv.categories[1].label, "Feminino");
  EXPECT_EQ(cnv.categories[1].line, 8);
  EXPECT_EQ(LabelOf(cnv, "3"), "Feminino");
  EXPECT_TRUE(cnv.issues.empty());
}

TEST(TabwinCnvTest, DecodesLatin1AndDetectsCp850) {
  CnvFile latin1 = Parse("1 2\r\n" + CnvLine(1, "Regi\xE3o Norte", "11"));
  EXPECT_EQ(latin1.encoding, dbf::Encoding::kLatin1);
  EXPECT_EQ(latin1.categories[0].label, "Regi\xC3\xA3o Norte");
  EXPECT_EQ(LabelOf(latin1, "11"), "Regi\xC3\xA3o Norte");  // the accent did not shift the codes
  CnvFile cp850 = Parse("1 2\r\n" + CnvLine(1,
                                            "Ra\x87"
                                            "a/cor n\xC6o informada",
                                            "99"));
  EXPECT_EQ(cp850.encoding, dbf::Encoding::kCp850);
  EXPECT_EQ(cp850.categories[0].label,
            "Ra\xC3\xA7"
            "a/cor n\xC3\xA3o informada");
  auto forced = ParseCnv(Bytes("1 2\r\n" + CnvLine(1, "Regi\xE3o", "11")), "X.CNV",
                         {.encoding = dbf::Encoding::kCp850});
  EXPECT_EQ(forced->categories[0].label, "Regi\xC3\x92o");  // 0xE3 is "Ò" in CP850
}

TEST(TabwinCnvTest, RangesListsAndZeroPadding) {
  CnvFile cnv =
      Parse("4 2\r\n" + CnvLine(1, "Um a nove", "1-9") + CnvLine(2, "Dez a doze", "10 - 12") +
            CnvLine(3, "Treze, quinze", "13, 15") + CnvLine(4, "Ignorado", "99"));
  ASSERT_EQ(cnv.entries.size(), 5u);
  EXPECT_EQ(cnv.entries[0].first, "01");
  EXPECT_EQ(cnv.entries[0].last, "09");
  EXPECT_EQ(LabelOf(cnv, "05"), "Um a nove");
  EXPECT_EQ(LabelOf(cnv, "5"), "Um a nove");
  EXPECT_EQ(LabelOf(cnv, "11"), "Dez a doze");
  EXPECT_EQ(LabelOf(cnv, "15"), "Treze, quinze");
  EXPECT_EQ(LabelOf(cnv, "14"), "<none>");
  EXPECT_TRUE(cnv.issues.empty());
}

TEST(TabwinCnvTest, AlphanumericRangesAndWildcards) {
  CnvFile cnv = Parse("3 3\r\n" + CnvLine(1, "Cap I", "A00-B99") + CnvLine(2, "Neoplasias", "C??") +
                      CnvLine(3, "Diabetes", "E1*"));
  EXPECT_EQ(LabelOf(cnv, "A15"), "Cap I");
  EXPECT_EQ(LabelOf(cnv, "B99"), "Cap I");
  EXPECT_EQ(LabelOf(cnv, "C50"), "Neoplasias");
  EXPECT_EQ(LabelOf(cnv, "C5"), "<none>");  // "?" is exactly one character
  EXPECT_EQ(LabelOf(cnv, "E14"), "Diabetes");
  EXPECT_EQ(LabelOf(cnv, "E1"), "Diabetes");  // a final "*" matches any ending, even none
  EXPECT_EQ(LabelOf(cnv, "D10"), "<none>");
  EXPECT_EQ(cnv.entries[1].kind, CodeKind::kWildcard);
}

TEST(TabwinCnvTest, CategoriesContinueOverSeveralLines) {
  std::string text = "2 6\r\n" + CnvLine(1, "AC Rio Branco e vizinhos", "120001,120005,") +
                     CnvLine(1, "", "120010-120013") + CnvLine(2, "AM Manaus", "") +
                     CnvLine(2, "", "130260");
  // Written without padding, the label-only line is just "      2  AM Manaus".
  text.replace(text.find("AM Manaus"), 60 - 9 + 2, "AM Manaus\r\n");
  CnvFile cnv = Parse(text);
  ASSERT_EQ(cnv.categories.size(), 2u);
  EXPECT_EQ(LabelOf(cnv, "120012"), "AC Rio Branco e vizinhos");
  EXPECT_EQ(LabelOf(cnv, "120005"), "AC Rio Branco e vizinhos");
  EXPECT_EQ(LabelOf(cnv, "130260"), "AM Manaus");
  EXPECT_EQ(cnv.entries.size(), 4u);
  EXPECT_TRUE(cnv.issues.empty());
}

TEST(TabwinCnvTest, ASubtotalMarkBeforeTheNumberIsPartOfTheCategory) {
  std::string text = "3 3\r\n" + CnvLine(1, "Cap I", "A00-B99") + CnvLine(2, "Cap II", "C00-D48");
  text += "S" + CnvLine(1, "Caps I e II", "A00-D48").substr(1);  // "S     1  Caps I e II ..."
  CnvFile cnv = Parse(text);
  ASSERT_EQ(cnv.categories.size(), 3u);
  EXPECT_EQ(cnv.categories[2].subtotal, "S");
  EXPECT_EQ(cnv.categories[2].number, 1);
  EXPECT_EQ(cnv.categories[0].subtotal, "");
  EXPECT_EQ(cnv.entries[2].category, 2);
}

TEST(TabwinCnvTest, ABlankCodesColumnIsTheBlankValue) {
  CnvFile cnv =
      Parse("2 2\r\n" + CnvLine(1, "Em branco", "  ") + CnvLine(2, "Preenchido", "01-99"));
  ASSERT_EQ(cnv.entries.size(), 2u);
  EXPECT_EQ(cnv.entries[0].first, "");
  EXPECT_EQ(LabelOf(cnv, "  "), "Em branco");
}

TEST(TabwinCnvTest, ReportsDuplicatesConflictingLabelsAndCounts) {
  CnvFile cnv = Parse("3 2\r\n" + CnvLine(1, "Sim", "01") + CnvLine(2, "N\xE3o", "02,01") +
                      CnvLine(1, "Yes", "03"));
  ASSERT_EQ(cnv.issues.size(), 3u);
  EXPECT_EQ(cnv.issues[0].kind, CnvIssueKind::kCountMismatch);
  EXPECT_EQ(cnv.issues[1].kind, CnvIssueKind::kOverlap);
  EXPECT_EQ(cnv.issues[1].line, 3);
  EXPECT_EQ(cnv.issues[1].other_line, 2);
  EXPECT_NE(cnv.issues[1].message.find("code \"01\""), std::string::npos);
  EXPECT_EQ(cnv.issues[2].kind, CnvIssueKind::kConflictingLabel);
  EXPECT_EQ(cnv.issues[2].line, 4);
  EXPECT_EQ(LabelOf(cnv, "01"), "N\xC3\xA3o");
  EXPECT_EQ(LabelOf(cnv, "03"), "Sim");
}

TEST(TabwinCnvTest, HeadersWithATitleOrFlags) {
  CnvFile titled = Parse("2 Tabela de teste revista em 2010 1\r\n" + CnvLine(1, "A", "1") +
                         CnvLine(2, "B", "2"));
  EXPECT_EQ(titled.title, "Tabela de teste revista em 2010");
  EXPECT_EQ(titled.code_width, 1);
  CnvFile classes = Parse("3 3 F\r\n" + CnvLine(1, "Menos de 1 ano", "000") +
                          CnvLine(2, "1 a 4 anos", "004") + CnvLine(3, "5 anos e mais", "999"));
  EXPECT_TRUE(classes.numeric_classes());
  EXPECT_EQ(classes.flags, "F");
}

TEST(TabwinCnvTest, ALabelRunningPastTheCodesColumnStillSplits) {
  std::string long_label(58, 'x');
  CnvFile cnv = Parse("2 1\r\n" + CnvLine(1, "Masculino", "1") +
                      "      2  Feminino com um r\xF3tulo " + long_label + "    2\r\n");
  EXPECT_EQ(LabelOf(cnv, "2"), "Feminino com um r\xC3\xB3tulo " + long_label);
}

TEST(TabwinCnvTest, MalformedLinesAreErrorsNamingFileAndLine) {
  const std::string ok = "2 2\r\n" + CnvLine(1, "Um", "01");
  ExpectLineError("", 1, "no header line");
  ExpectLineError("; only a comment\r\n", 1, "no header line");
  ExpectLineError("; title\r\nSEXO\r\n" + CnvLine(1, "Um", "1"), 2, "expected the header");
  ExpectLineError("2 x 1 y\r\n", 1, "expected the header");
  ExpectLineError("2 0\r\n", 1, "code width 0 is outside");
  ExpectLineError(ok + "   Dois  02\r\n", 3, "expected a category number");
  ExpectLineError(ok + "      7\r\n", 3, "neither a label nor codes");
  ExpectLineError(ok + CnvLine(2, "Longo", "123"), 3, "longer than the code width 2");
  ExpectLineError(ok + CnvLine(2, "De tras", "09-01"), 3, "run upwards");
  ExpectLineError(ok + CnvLine(2, "Larguras", "A1-B10"), 3, "longer than the code width");
  ExpectLineError(ok + CnvLine(2, "Larguras", "A-B1"), 3, "one width");
  ExpectLineError(ok + CnvLine(2, "Faixa", "01-02-03"), 3, "malformed range");
  ExpectLineError(ok + CnvLine(2, "Curinga", "*1"), 3, "'*' may only end a code");
  ExpectLineError(ok + CnvLine(2, "Vazio", "01,,02"), 3, "an empty code between commas");
}

}  // namespace
}  // namespace arrow_sus::tabwin
