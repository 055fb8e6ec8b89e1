// The meaning stage (scan/meaning.h) over the compiled-in SIM dictionary: codes as dictionaries,
// labels, decoded ages, dates and numbers typed, and filters on presented columns translated to
// the raw bytes with the same result as filtering what is presented.
#include "arrow_sus/scan/meaning.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/api.h>
#include <arrow/io/memory.h>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/scan/predicate_expression.h"
#include "core/compute_init.h"
#include "dbf_builder.h"

namespace arrow_sus::scan {
namespace {

using dbf::CompareOp;
using dbf::Predicate;
using testing::DbfBuilder;

DbfBuilder SimSample() {
  DbfBuilder b;
  b.fields = {{"SEXO", 'C', 1},
              {"IDADE", 'C', 3},
              {"RACACOR", 'C', 1},
              {"DTOBITO", 'C', 8},
              {"PESO", 'C', 4}};
  b.records = {{"1", "462", "4", "15032020", "3250"}, {"2", "307", "1", "01012020", ""},
               {"0", "501", "9", "31122020", "0980"}, {"7", "999", "2", "xx", "4000"},
               {"2", "215", "", "", "1200"},          {"1", "460", "5", "29022020", "x"}};
  return b;
}

struct Read {
  std::shared_ptr<arrow::Table> table;
  std::map<std::string, int64_t> unmapped;
};

Read ReadSim(MeaningOptions options, std::shared_ptr<const Predicate> filter = nullptr) {
  auto bytes = SimSample().Build();
  auto open = [&](const dbf::ReadOptions& read) {
    auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
    return dbf::DbfReader::Make(input, read, {"DOXX2020.dbf", {}}).ValueOrDie();
  };
  const FileMeaning meaning = FileMeaning::Make("sim-do", 2020, *open({})->schema(), options);
  dbf::ReadOptions read;
  read.semantics = meaning.semantics();
  read.filter = filter;
  auto typed =
      meaning.Type(open(read), dbf::InvalidPolicy::kNull, "DOXX2020.dbf", nullptr).ValueOrDie();
  UnmappedCodes unmapped;
  auto presented = meaning.Present(typed, &unmapped).ValueOrDie();
  auto table = presented->ToTable().ValueOrDie();
  return {table, unmapped.ByColumn()};
}

std::vector<std::optional<std::string>> Texts(const std::shared_ptr<arrow::ChunkedArray>& column) {
  auto plain = arrow::compute::Cast(column, arrow::utf8()).ValueOrDie().chunked_array();
  std::vector<std::optional<std::string>> out;
  for (const auto& chunk : plain->chunks()) {
    const auto& text = static_cast<const arrow::StringArray&>(*chunk);
    for (int64_t i = 0; i < text.length(); ++i) {
      out.push_back(text.IsNull(i) ? std::nullopt : std::optional<std::string>(text.GetString(i)));
    }
  }
  return out;
}

TEST(MeaningTest, CodesLabelsAndBoth) {
  ASSERT_TRUE(EnsureComputeFunctions().ok());
  Read codes = ReadSim({});
  EXPECT_EQ(codes.table->GetColumnByName("SEXO")->type()->id(), arrow::Type::DICTIONARY);
  EXPECT_EQ(Texts(codes.table->GetColumnByName("SEXO")),
            (std::vector<std::optional<std::string>>{"1", "2", "0", "7", "2", "1"}));
  EXPECT_EQ(codes.unmapped.at("SEXO"), 1);  // the 7

  Read labels = ReadSim({.labels = LabelMode::kLabels});
  EXPECT_EQ(Texts(labels.table->GetColumnByName("SEXO")),
            (std::vector<std::optional<std::string>>{"masculino", "feminino", "ignorado", "7",
                                                     "feminino", "masculino"}));
  Read english = ReadSim({.labels = LabelMode::kLabels, .language = LabelLanguage::kEnglish});
  EXPECT_EQ(Texts(english.table->GetColumnByName("SEXO"))[0], "Male");

  Read both = ReadSim({.labels = LabelMode::kBoth});
  EXPECT_EQ(both.table->schema()->GetFieldIndex("SEXO_label"),
            both.table->schema()->GetFieldIndex("SEXO") + 1);
  EXPECT_EQ(Texts(both.table->GetColumnByName("SEXO_label"))[1], "feminino");
  EXPECT_EQ(Texts(both.table->GetColumnByName("SEXO"))[1], "2");

  Read text = ReadSim({.codes_as_dictionary = false});
  EXPECT_EQ(text.table->GetColumnByName("SEXO")->type()->id(), arrow::Type::STRING);
}

TEST(MeaningTest, CodesSharingALabelShareOneDictionaryEntry) {
  // SIM SEXO: 0 and 9 are both "ignorado"; pandas refuses a categorical with repeated categories.
  ASSERT_TRUE(EnsureComputeFunctions().ok());
  DbfBuilder b;
  b.fields = {{"SEXO", 'C', 1}};
  b.records = {{"9"}, {"0"}, {"1"}, {""}, {"9"}};
  auto bytes = b.Build();
  auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto reader = dbf::DbfReader::Make(input, {}, {"DOXX2020.dbf", {}}).ValueOrDie();
  const FileMeaning meaning =
      FileMeaning::Make("sim-do", 2020, *reader->schema(), {.labels = LabelMode::kLabels});
  dbf::ReadOptions read;
  read.semantics = meaning.semantics();
  input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  reader = dbf::DbfReader::Make(input, read, {"DOXX2020.dbf", {}}).ValueOrDie();
  auto typed =
      meaning.Type(reader, dbf::InvalidPolicy::kNull, "DOXX2020.dbf", nullptr).ValueOrDie();
  auto table = meaning.Present(typed, nullptr).ValueOrDie()->ToTable().ValueOrDie();
  auto sexo = table->GetColumnByName("SEXO");
  EXPECT_EQ(Texts(sexo), (std::vector<std::optional<std::string>>{
                             "ignorado", "ignorado", "masculino", std::nullopt, "ignorado"}));
  const auto& chunk = static_cast<const arrow::DictionaryArray&>(*sexo->chunk(0));
  auto distinct = arrow::compute::Unique(chunk.dictionary()).ValueOrDie();
  EXPECT_EQ(distinct->length(), chunk.dictionary()->length());
}

TEST(MeaningTest, FiltersComparingCodedAgesAreCaveated) {
  auto bytes = SimSample().Build();
  auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto reader = dbf::DbfReader::Make(input, {}, {"DOXX2020.dbf", {}}).ValueOrDie();
  const FileMeaning meaning = FileMeaning::Make("sim-do", 2020, *reader->schema(), {});
  const Predicate on_code = Predicate::Or(
      {Predicate::Compare("IDADE", CompareOp::kGreaterEqual, {int64_t{60}}),
       Predicate::And({Predicate::Compare("SEXO", CompareOp::kEqual, {std::string("1")}),
                       Predicate::Compare("IDADE", CompareOp::kLess, {std::string("410")})})});
  const std::vector<std::string> caveats = meaning.FilterCaveats(on_code);
  ASSERT_EQ(caveats.size(), 1u);  // once per field
  EXPECT_NE(caveats[0].find("IDADE_ANOS"), std::string::npos);
  EXPECT_NE(caveats[0].find("307 is 7 months"), std::string::npos);
  EXPECT_TRUE(
      meaning
          .FilterCaveats(Predicate::Compare("IDADE_ANOS", CompareOp::kGreaterEqual, {int64_t{60}}))
          .empty());
  EXPECT_TRUE(meaning.FilterCaveats(Predicate::Compare("IDADE", CompareOp::kIsNull)).empty());
}

TEST(MeaningTest, ReferenceCodesAreLabelledFromTheirTable) {
  // CAUSABAS names CID-10 codes, CODMUNRES municipalities (6 digits, or IBGE's 7): their labels
  // come from the compiled-in tables; codes a table lacks keep their text and count as unmapped.
  ASSERT_TRUE(EnsureComputeFunctions().ok());
  DbfBuilder b;
  b.fields = {{"CAUSABAS", 'C', 4}, {"CODMUNRES", 'C', 7}};
  b.records = {{"I219", "110001"}, {"A90", "2211308"}, {"ZZ99", "999999"}, {"", ""}};
  auto bytes = b.Build();
  auto open = [&](const dbf::ReadOptions& read) {
    auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
    return dbf::DbfReader::Make(input, read, {"DOXX2020.dbf", {}}).ValueOrDie();
  };
  const FileMeaning meaning =
      FileMeaning::Make("sim-do", 2020, *open({})->schema(), {.labels = LabelMode::kBoth});
  dbf::ReadOptions read;
  read.semantics = meaning.semantics();
  auto typed = meaning.Type(open(read), dbf::InvalidPolicy::kNull, "DOXX2020.dbf", nullptr);
  ASSERT_TRUE(typed.ok()) << typed.status();
  UnmappedCodes unmapped;
  auto table = meaning.Present(*typed, &unmapped).ValueOrDie()->ToTable().ValueOrDie();
  using Texts_ = std::vector<std::optional<std::string>>;
  EXPECT_EQ(Texts(table->GetColumnByName("CAUSABAS_label")),
            (Texts_{"Infarto agudo do miocardio NE", "Dengue", "ZZ99", std::nullopt}));
  EXPECT_EQ(
      Texts(table->GetColumnByName("CODMUNRES_label")),
      (Texts_{"Alta Floresta D'Oeste (RO)", "Valença do Piauí (PI)", "999999", std::nullopt}));
  EXPECT_EQ(Texts(table->GetColumnByName("CAUSABAS")),
            (Texts_{"I219", "A90", "ZZ99", std::nullopt}));
  EXPECT_EQ(unmapped.ByColumn().at("CAUSABAS"), 1);
  EXPECT_EQ(unmapped.ByColumn().at("CODMUNRES"), 1);
}

TEST(MeaningTest, AgesDatesAndNumbers) {
  ASSERT_TRUE(EnsureComputeFunctions().ok());
  Read read = ReadSim({});
  const auto& schema = *read.table->schema();
  const int idade = schema.GetFieldIndex("IDADE");
  ASSERT_EQ(schema.field(idade + 1)->name(), "IDADE_ANOS");
  EXPECT_EQ(schema.field(idade + 2)->name(), "IDADE_UNIDADE");
  EXPECT_EQ(schema.field(idade + 3)->name(), "IDADE_VALOR");
  auto years = std::static_pointer_cast<arrow::DoubleArray>(
      read.table->GetColumnByName("IDADE_ANOS")->chunk(0));
  EXPECT_DOUBLE_EQ(years->Value(0), 62);
  EXPECT_DOUBLE_EQ(years->Value(1), 7 / 12.0);
  EXPECT_DOUBLE_EQ(years->Value(2), 101);  // unit 5: past 100
  EXPECT_TRUE(years->IsNull(3));           // 999: unknown
  EXPECT_DOUBLE_EQ(years->Value(4), 15 / 365.25);
  EXPECT_EQ(Texts(read.table->GetColumnByName("IDADE_UNIDADE"))[1], "meses");
  EXPECT_EQ(read.table->GetColumnByName("DTOBITO")->type()->id(), arrow::Type::DATE32);
  EXPECT_EQ(read.table->GetColumnByName("PESO")->type()->id(), arrow::Type::INT32);
  // Off: the DBF types, nothing added.
  Read untyped = ReadSim({.typed = false, .codes_as_dictionary = false});
  EXPECT_EQ(untyped.table->num_columns(), 5);
  EXPECT_EQ(untyped.table->GetColumnByName("PESO")->type()->id(), arrow::Type::STRING);
}

// Filtering the presented table with Arrow, the reference the translation must match.
int64_t RowsAfter(const Read& read, const Predicate& predicate) {
  auto expression = PredicateToExpression(predicate, *read.table->schema()).ValueOrDie();
  arrow::TableBatchReader batches(*read.table);
  std::shared_ptr<arrow::RecordBatch> batch;
  int64_t rows = 0;
  while (batches.ReadNext(&batch).ok() && batch) {
    auto bound = expression.Bind(*batch->schema()).ValueOrDie();
    rows += SelectRows(batch, bound).ValueOrDie().kept;
  }
  return rows;
}

TEST(MeaningTest, FiltersOnPresentedColumnsAreTranslatedExactly) {
  ASSERT_TRUE(EnsureComputeFunctions().ok());
  const MeaningOptions options{.labels = LabelMode::kBoth};
  const Read all = ReadSim(options);
  const Predicate cases[] = {
      Predicate::Compare("IDADE_ANOS", CompareOp::kGreaterEqual, {int64_t{60}}),
      Predicate::Compare("IDADE_ANOS", CompareOp::kLess, {1.0}),
      Predicate::Compare("IDADE_ANOS", CompareOp::kIn, {int64_t{62}, int64_t{101}}),
      Predicate::Compare("SEXO_label", CompareOp::kEqual, {std::string("feminino")}),
      Predicate::Compare("SEXO_label", CompareOp::kNotEqual, {std::string("masculino")}),
      Predicate::Compare("SEXO_label", CompareOp::kIn, {std::string("7"), std::string("ignorado")}),
      Predicate::And({Predicate::Compare("SEXO", CompareOp::kEqual, {std::string("2")}),
                      Predicate::Compare("IDADE_ANOS", CompareOp::kLess, {int64_t{1}})}),
  };
  const FileMeaning meaning =
      FileMeaning::Make("sim-do", 2020,
                        *dbf::DbfReader::Make(std::make_shared<arrow::io::BufferReader>(
                                                  arrow::Buffer::FromVector(SimSample().Build())),
                                              {}, {"x.dbf", {}})
                             .ValueOrDie()
                             ->schema(),
                        options);
  for (const Predicate& predicate : cases) {
    std::optional<Predicate> raw = meaning.Translate(predicate);
    ASSERT_TRUE(raw.has_value()) << predicate.ToString();
    const Read pushed = ReadSim(options, std::make_shared<Predicate>(*raw));
    EXPECT_EQ(pushed.table->num_rows(), RowsAfter(all, predicate)) << predicate.ToString();
  }
  // Null tests on derived columns stay on the presented column.
  EXPECT_FALSE(meaning.Translate(Predicate::Compare("IDADE_ANOS", CompareOp::kIsNull)).has_value());
  EXPECT_EQ(meaning.SourcesOf({"IDADE_ANOS", "SEXO_label", "PESO"}),
            (std::vector<std::string>{"IDADE", "SEXO", "PESO"}));
}

}  // namespace
}  // namespace arrow_sus::scan
