// The compiled-in reference tables (every one parses into its declared schema, keys are unique,
// known facts are there) and the auxiliary tables of a TAB archive written here (which members are
// which dataset; a member's records read through the ZIP and DBF readers; errors naming the
// member).
#include <gtest/gtest.h>

#include <arrow/array.h>
#include <arrow/array/builder_dict.h>
#include <arrow/array/builder_primitive.h>
#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <arrow/scalar.h>
#include <arrow/table.h>

#include <set>
#include <string>
#include <vector>

#include "arrow_sus/error.h"
#include "arrow_sus/reference/archive_tables.h"
#include "arrow_sus/reference/compiled.h"
#include "arrow_sus/reference/lookup.h"
#include "arrow_sus/reference/reference_labels.h"
#include "dbf_builder.h"
#include "zip_builder.h"

namespace arrow_sus::reference {
namespace {

std::shared_ptr<arrow::Table> Compiled(std::string_view dataset) {
  const ReferenceTableInfo* info = FindCompiledTable(dataset);
  EXPECT_NE(info, nullptr) << dataset;
  auto table = CompiledTable(*info);
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

// The row of `table` whose `key` column holds `value`, as text cells (null -> "<null>").
std::vector<std::string> Row(const arrow::Table& table, std::string_view key,
                             std::string_view value) {
  auto keys = std::static_pointer_cast<arrow::StringArray>(
      table.GetColumnByName(std::string(key))->chunk(0));
  for (int64_t i = 0; i < keys->length(); ++i) {
    if (keys->IsValid(i) && keys->GetView(i) == value) {
      std::vector<std::string> cells;
      for (const auto& column : table.columns()) {
        auto scalar = column->GetScalar(i).ValueOrDie();
        cells.push_back(scalar->is_valid ? scalar->ToString() : "<null>");
      }
      return cells;
    }
  }
  ADD_FAILURE() << "no row " << value;
  return {};
}

TEST(CompiledReferenceTest, EveryTableParsesIntoItsSchemaWithUniqueKeys) {
  auto tables = CompiledTables();
  ASSERT_GE(tables.size(), 11u);
  for (size_t i = 1; i < tables.size(); ++i) EXPECT_LT(tables[i - 1].dataset, tables[i].dataset);
  for (const ReferenceTableInfo& info : tables) {
    auto table = CompiledTable(info);
    ASSERT_TRUE(table.ok()) << info.dataset << ": " << table.status();
    EXPECT_EQ((*table)->num_rows(), info.rows) << info.dataset;
    EXPECT_TRUE((*table)->schema()->Equals(*CompiledSchema(info), /*check_metadata=*/true));
    EXPECT_GT(info.sources.size(), 0u) << info.dataset;
    auto key = (*table)->GetColumnByName(std::string(info.key));
    ASSERT_NE(key, nullptr) << info.dataset << " has no key column " << info.key;
    std::set<std::string> seen;
    for (const auto& chunk : key->chunks()) {
      const auto& keys = static_cast<const arrow::StringArray&>(*chunk);
      for (int64_t r = 0; r < keys.length(); ++r) {
        ASSERT_TRUE(keys.IsValid(r)) << info.dataset << " row " << r;
        EXPECT_TRUE(seen.insert(std::string(keys.GetView(r))).second)
            << info.dataset << ": key " << keys.GetView(r) << " twice";
      }
    }
    for (std::string_view column : info.lookup)
      EXPECT_NE((*table)->GetColumnByName(std::string(column)), nullptr) << column;
    // Every table can be looked up by its key kind, with its default lookup columns.
    auto kind = ParseKeyKind(info.key_kind);
    ASSERT_TRUE(kind.ok()) << info.dataset << ": " << kind.status();
    auto lookup = Lookup::Make(
        *table, {std::string(info.dataset), std::string(info.key), *kind, info.key_width, "CODE",
                 std::vector<std::string>(info.lookup.begin(), info.lookup.end())});
    EXPECT_TRUE(lookup.ok()) << info.dataset << ": " << lookup.status();
    // Parsed once, then shared.
    EXPECT_EQ(CompiledTable(info)->get(), table->get());
  }
}

TEST(ReferenceLabelsTest, EveryDictionaryReferenceHasLabelsAndKnownCodes) {
  for (const char* reference :
       {"cid10", "cid9", "municipality", "cnes", "cbo", "procedure", "country", "uf"}) {
    auto labels = ReferenceLabels(reference);
    ASSERT_TRUE(labels.ok()) << labels.status();
    EXPECT_NE(*labels, nullptr) << reference;
  }
  auto known = KnownReferenceCodes("municipality", {"110001", "1100015", "999999", ""});
  ASSERT_TRUE(known.ok()) << known.status();
  EXPECT_EQ(*known, (std::vector<bool>{true, true, false, false}));
  EXPECT_EQ(*KnownReferenceCodes("cid10", {"I219", "I21.9", "ZZ99"}),
            (std::vector<bool>{true, true, false}));
  auto unknown = KnownReferenceCodes("no-such-table", {"1"});
  ASSERT_FALSE(unknown.ok());
  ASSERT_NE(GetErrorDetail(unknown.status()), nullptr);
  EXPECT_EQ(GetErrorDetail(unknown.status())->kind(), ErrorKind::kInvalidArgument);
}

TEST(CompiledReferenceTest, FindsTablesInAnyCase) {
  ASSERT_NE(FindCompiledTable("AUX-CID10"), nullptr);
  EXPECT_EQ(FindCompiledTable("AUX-CID10")->dataset, "aux-cid10");
  EXPECT_EQ(FindCompiledTable("aux-area"), nullptr);  // kept only on the server
  EXPECT_EQ(FindCompiledTable("sih-rd"), nullptr);
}

TEST(CompiledReferenceTest, HoldsTheFactsOfTheCorpusFiles) {
  auto cid10 = Compiled("aux-cid10");
  // code, category, subcategory, description, category_description, chapter, chapter_number, ...
  auto a000 = Row(*cid10, "code", "A000");
  EXPECT_EQ(a000[1], "A00");
  EXPECT_EQ(a000[2], "A000");
  EXPECT_EQ(a000[3], "Colera dev Vibrio cholerae 01 biot cholerae");
  EXPECT_EQ(a000[4], "Colera");
  EXPECT_EQ(a000[5], "I");
  EXPECT_EQ(a000[6], "1");
  EXPECT_EQ(Row(*cid10, "code", "I21")[2], "<null>");  // a category row
  EXPECT_EQ(Row(*cid10, "code", "U071")[5], "XXII");

  auto municipalities = Compiled("aux-cadmun");
  // code6, code7, name, uf, uf_code, region, region_name, capital, status, successor,
  // health_region, latitude, longitude
  auto sp = Row(*municipalities, "code6", "355030");
  EXPECT_EQ(sp[1], "3550308");
  EXPECT_EQ(sp[2], "São Paulo");
  EXPECT_EQ(sp[3], "SP");
  EXPECT_EQ(sp[5], "SE");
  EXPECT_EQ(sp[7], "true");
  EXPECT_EQ(sp[11], "-23.548");
  EXPECT_EQ(Row(*municipalities, "code6", "000000")[11], "<null>");  // 0,0 is no coordinate

  auto procedures = Compiled("aux-sigtap");  // Windows-1252 in the file
  auto crack = Row(*procedures, "code", "0303170174");
  EXPECT_NE(crack[1].find("\xe2\x80\x9c"
                          "CRACK\xe2\x80\x9d"),
            std::string::npos)
      << crack[1];
}

std::string Bytes(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

std::shared_ptr<io::ZipArchive> Archive(const std::vector<testing::ZipEntrySpec>& entries) {
  testing::ZipBuilder builder;
  auto buffer = arrow::Buffer::FromString(builder.Build(entries));
  return io::ZipArchive::Open(std::make_shared<arrow::io::BufferReader>(buffer), "TAB_CNES.zip")
      .ValueOrDie();
}

std::string Establishments() {
  testing::DbfBuilder dbf;
  dbf.fields = {{"CNES", 'C', 7}, {"FANTASIA", 'C', 20}};
  dbf.records = {{"0000001", "POSTO S\x80O JOS\x90"}, {"0000002", "HOSPITAL"}};
  return Bytes(dbf.Build());
}

TEST(ArchiveTablesTest, NamesTheAuxiliaryMembersWhereverTheySit) {
  auto archive = Archive({{.name = "DBF/CADGERAC.dbf", .data = Establishments()},
                          {.name = "DBF/CADGERBR.DBF", .data = Establishments()},
                          {.name = "CNV/SEXO.CNV", .data = "2 1\n"},
                          {.name = "TAB/", .data = ""},
                          {.name = "cid10.dbf", .data = "x"},
                          {.name = "PROJBR00.DBF", .data = "x"},
                          {.name = "DOAC2013.dbc", .data = "x"},
                          {.name = "NOTAUX.DBF", .data = "x"}});
  auto tables = ListArchiveTables(*archive);
  ASSERT_EQ(tables.size(), 4u);
  EXPECT_EQ(tables[0].member, "DBF/CADGERAC.dbf");
  EXPECT_EQ(tables[0].dataset, "aux-cadger");
  EXPECT_EQ(tables[0].uf, "AC");
  EXPECT_EQ(tables[1].uf, "BR");
  EXPECT_EQ(tables[2].dataset, "aux-cid10");
  EXPECT_EQ(tables[2].uf, "");
  EXPECT_EQ(tables[3].dataset, "aux-proj");
  EXPECT_EQ(tables[3].year, 2000);
}

TEST(ArchiveTablesTest, ReadsAMemberInItsEncoding) {
  auto archive = Archive({{.name = "DBF/CADGERAC.dbf", .data = Establishments()}});
  dbf::ReadOptions options;
  options.encoding = dbf::Encoding::kCp850;
  auto reader = OpenArchiveTable(*archive, "dbf\\cadgerac.DBF", options);
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto table = (*reader)->ToTable();
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ((*table)->num_rows(), 2);
  auto names = std::static_pointer_cast<arrow::StringArray>((*table)->column(1)->chunk(0));
  EXPECT_EQ(names->GetString(0), "POSTO S\xc3\x87O JOS\xc3\x89");  // "POSTO SÇO JOSÉ"
}

TEST(ArchiveTablesTest, ErrorsNameTheArchiveAndMember) {
  auto missing =
      OpenArchiveTable(*Archive({{.name = "CID10.DBF", .data = Establishments()}}), "CID9.DBF", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(GetErrorDetail(missing.status())->kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.status().message().find("TAB_CNES.zip"), std::string::npos);

  auto not_dbf =
      OpenArchiveTable(*Archive({{.name = "CID10.DBF", .data = "not a DBF"}}), "CID10.DBF", {});
  ASSERT_FALSE(not_dbf.ok());
  EXPECT_EQ(GetErrorDetail(not_dbf.status())->kind(), ErrorKind::kFormat);
  EXPECT_NE(not_dbf.status().message().find("TAB_CNES.zip:CID10.DBF"), std::string::npos)
      << not_dbf.status();

  // A member whose CRC-32 does not match fails when its end is read (at once for a small one).
  auto lying = Archive({{.name = "CID10.DBF", .data = Establishments(), .crc = 1234}});
  auto reader = OpenArchiveTable(*lying, "CID10.DBF", {});
  arrow::Status failed = reader.status();
  if (reader.ok()) failed = (*reader)->ToTable().status();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(GetErrorDetail(failed)->kind(), ErrorKind::kChecksum) << failed;
  EXPECT_NE(failed.message().find("CID10.DBF"), std::string::npos) << failed;
}

TEST(LookupTest, NormalisesEachKindOfCode) {
  EXPECT_EQ(NormalizeCode(" 3550308 ", KeyKind::kMunicipality, 6), "355030");
  EXPECT_EQ(NormalizeCode("355030", KeyKind::kMunicipality, 6), "355030");
  EXPECT_EQ(NormalizeCode("1100", KeyKind::kMunicipality, 6), "001100");
  EXPECT_EQ(NormalizeCode("a16.9", KeyKind::kCid10, 0), "A169");
  EXPECT_EQ(NormalizeCode("I10X", KeyKind::kCid10, 0), "I10");
  EXPECT_EQ(NormalizeCode("I10-", KeyKind::kCid10, 0), "I10");
  EXPECT_EQ(NormalizeCode("I219", KeyKind::kCid10, 0), "I219");
  EXPECT_EQ(NormalizeCode("E8190", KeyKind::kCid9, 0), "819");
  EXPECT_EQ(NormalizeCode("436X", KeyKind::kCid9, 0), "436");
  EXPECT_EQ(NormalizeCode("007", KeyKind::kNumber, 0), "7");
  EXPECT_EQ(NormalizeCode("000", KeyKind::kNumber, 0), "0");
  EXPECT_EQ(NormalizeCode("10105", KeyKind::kCode, 6), "010105");
  EXPECT_EQ(NormalizeCode("2231A1", KeyKind::kCode, 6), "2231A1");
  EXPECT_EQ(NormalizeCode("  ", KeyKind::kCode, 6), std::nullopt);
  EXPECT_EQ(*ParseKeyKind("municipality"), KeyKind::kMunicipality);
  EXPECT_EQ(GetErrorDetail(ParseKeyKind("zip").status())->kind(), ErrorKind::kInvalidArgument);
}

std::shared_ptr<const Lookup> MakeLookup(std::string_view dataset, std::string code_column,
                                         std::vector<std::string> columns) {
  const ReferenceTableInfo* info = FindCompiledTable(dataset);
  EXPECT_NE(info, nullptr);
  auto lookup =
      Lookup::Make(*CompiledTable(*info), {std::string(info->dataset), std::string(info->key),
                                           *ParseKeyKind(info->key_kind), info->key_width,
                                           std::move(code_column), std::move(columns)});
  EXPECT_TRUE(lookup.ok()) << lookup.status();
  return *lookup;
}

std::shared_ptr<arrow::Array> Json(const std::shared_ptr<arrow::DataType>& type, const char* json) {
  return arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
}

std::vector<std::string> Texts(const arrow::Array& array) {
  std::vector<std::string> out;
  for (int64_t i = 0; i < array.length(); ++i) {
    auto scalar = array.GetScalar(i).ValueOrDie();
    out.push_back(scalar->is_valid ? scalar->ToString() : "<null>");
  }
  return out;
}

// 6- and 7-digit codes, as text or integers, or a dictionary: the same rows; unknown codes and
// nulls get nulls and keep their rows.
TEST(LookupTest, MatchesMunicipalitiesWrittenAnyWay) {
  auto lookup = MakeLookup("aux-cadmun", "CODMUNRES", {"name", "uf"});
  EXPECT_EQ(lookup->AddedNames(), (std::vector<std::string>{"CODMUNRES_name", "CODMUNRES_uf"}));
  const std::vector<std::string> expected = {"São Paulo", "São Paulo", "Rio Branco", "<null>",
                                             "<null>"};
  auto text = Json(arrow::utf8(), R"(["355030", "3550308", "120040", "999999", null])");
  EXPECT_EQ(Texts(*(*lookup->Columns(text))[0]), expected);
  auto numbers = Json(arrow::int32(), "[355030, 3550308, 120040, 999999, null]");
  EXPECT_EQ(Texts(*(*lookup->Columns(numbers))[0]), expected);
  auto floats = Json(arrow::float64(), "[355030, 3550308.0, 120040, 999999.5, null]");
  EXPECT_EQ(Texts(*(*lookup->Columns(floats))[0]), expected);
  auto dictionary = arrow::DictionaryArray::FromArrays(
                        arrow::dictionary(arrow::int8(), arrow::utf8()),
                        Json(arrow::int8(), "[0, 1, 2, 3, null]"),
                        Json(arrow::utf8(), R"(["355030", "3550308", "120040", "9"])"))
                        .ValueOrDie();
  auto columns = *lookup->Columns(dictionary);
  EXPECT_EQ(Texts(*columns[0]), expected);
  EXPECT_EQ(Texts(*columns[1]), (std::vector<std::string>{"SP", "SP", "AC", "<null>", "<null>"}));
}

TEST(LookupTest, AddsColumnsBesideTheCodeColumnOfEveryBatch) {
  auto cid = MakeLookup("aux-cid10", "CAUSABAS", {"chapter", "description"});
  auto states = MakeLookup("aux-tabuf", "UF", {"name"});  // by IBGE code or letters
  auto batch = arrow::RecordBatch::Make(
      arrow::schema({arrow::field("CAUSABAS", arrow::utf8()), arrow::field("UF", arrow::utf8()),
                     arrow::field("N", arrow::int32())}),
      5,
      {Json(arrow::utf8(), R"(["I219", "A16.9", "XYZ1", "U071", "C619"])"),
       Json(arrow::utf8(), R"(["SP", "35", "rj", "XX", null])"),
       Json(arrow::int32(), "[1, 2, 3, 4, 5]")});
  auto out = ApplyLookups(batch, {cid, states});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ((*out)->schema()->field_names(),
            (std::vector<std::string>{"CAUSABAS", "CAUSABAS_chapter", "CAUSABAS_description", "UF",
                                      "UF_name", "N"}));
  EXPECT_EQ(Texts(*(*out)->column(1)),
            (std::vector<std::string>{"IX", "I", "<null>", "XXII", "II"}));
  EXPECT_EQ(
      Texts(*(*out)->column(4)),
      (std::vector<std::string>{"São Paulo", "São Paulo", "Rio de Janeiro", "<null>", "<null>"}));
  EXPECT_EQ(Texts(*(*out)->column(5)), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST(LookupTest, BadNamesAndTypesAreInvalidArguments) {
  const ReferenceTableInfo* info = FindCompiledTable("aux-cid10");
  auto missing = Lookup::Make(*CompiledTable(*info),
                              {"aux-cid10", "code", KeyKind::kCid10, 0, "CAUSABAS", {"chapitre"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(GetErrorDetail(missing.status())->kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("no column chapitre: its columns are code, category"),
            std::string::npos)
      << missing.status();

  auto lookup = MakeLookup("aux-cid10", "CAUSABAS", {"chapter"});
  auto no_code = lookup->OutputSchema(*arrow::schema({arrow::field("CAUSA", arrow::utf8())}));
  ASSERT_FALSE(no_code.ok());
  EXPECT_NE(no_code.status().message().find("no column CAUSABAS to look up in aux-cid10 (columns: "
                                            "CAUSA)"),
            std::string::npos)
      << no_code.status();
  auto taken = lookup->OutputSchema(*arrow::schema(
      {arrow::field("CAUSABAS", arrow::utf8()), arrow::field("CAUSABAS_chapter", arrow::utf8())}));
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.status().message().find("already has"), std::string::npos);
  auto dates = lookup->OutputSchema(*arrow::schema({arrow::field("CAUSABAS", arrow::date32())}));
  ASSERT_FALSE(dates.ok());
  EXPECT_EQ(GetErrorDetail(dates.status())->kind(), ErrorKind::kInvalidArgument);

  // A reader refuses at once, before any batch is read.
  auto reader =
      arrow::RecordBatchReader::Make({}, arrow::schema({arrow::field("X", arrow::utf8())}));
  auto refused = LookupReader(*reader, {lookup});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(GetErrorDetail(refused.status())->kind(), ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace arrow_sus::reference
