// Field semantics in the DBF reader (ReadOptions::semantics): coded fields as dictionary arrays
// whose dictionary starts with the code list, numbers stored as text, and filters that see both
// as the converted columns show them.
#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>

#include "arrow_sus/dbf/filter.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "dbf_builder.h"

namespace arrow_sus::dbf {
namespace {

using testing::DbfBuilder;

// The text form of an array given as JSON, to compare with an array's ToString().
std::string Json(const std::shared_ptr<arrow::DataType>& type, const std::string& json) {
  return arrow::json::ArrayFromJSONString(type, json).ValueOrDie()->ToString();
}

DbfBuilder Sample() {
  DbfBuilder b;
  b.fields = {{"SEXO", 'C', 1}, {"RACA", 'N', 2}, {"PESO", 'C', 4}, {"UF", 'C', 2}};
  b.records = {{"1", "1", "3250", "SP"}, {"2", " 4", "0980", "RJ"}, {"9", "99", "x", "SP"},
               {" ", "", "", "MG"},      {"1", "2", "4100", "SP"},  {"7", "4", "2500", "RJ"}};
  return b;
}

ReadOptions WithSemantics(int64_t batch_size = 65536) {
  auto semantics = std::make_shared<FieldSemanticsMap>();
  (*semantics)["SEXO"] = {.codes = {"1", "2", "0"}};
  (*semantics)["RACA"] = {.codes = {"1", "2", "3", "4", "5", "99"}};
  (*semantics)["PESO"] = {.number = true};
  (*semantics)["UF"] = {.categorical = true};
  ReadOptions options;
  options.semantics = semantics;
  options.batch_size = batch_size;
  return options;
}

std::shared_ptr<arrow::Table> Read(const DbfBuilder& b, ReadOptions options) {
  auto bytes = b.Build();
  auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto reader = DbfReader::Make(input, options, {"test.dbf", {}});
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  auto table = (*reader)->ToTable();
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return *table;
}

TEST(DbfSemanticsTest, CodedFieldsAreDictionariesStartingWithTheirList) {
  auto table = Read(Sample(), WithSemantics());
  auto sexo = table->GetColumnByName("SEXO");
  ASSERT_EQ(sexo->type()->ToString(), "dictionary<values=string, indices=int8, ordered=0>");
  auto chunk = std::static_pointer_cast<arrow::DictionaryArray>(sexo->chunk(0));
  // The list's codes first, in list order; the values the list lacks after them, as met.
  EXPECT_EQ(chunk->dictionary()->ToString(), Json(arrow::utf8(), R"(["1", "2", "0", "9", "7"])"));
  EXPECT_EQ(chunk->indices()->ToString(), Json(arrow::int8(), "[0, 1, 3, null, 0, 4]"));
  // An N field's codes are trimmed on both sides.
  auto raca =
      std::static_pointer_cast<arrow::DictionaryArray>(table->GetColumnByName("RACA")->chunk(0));
  EXPECT_EQ(raca->indices()->ToString(), Json(arrow::int8(), "[0, 3, 5, null, 1, 3]"));
  // Categories without a list take int16 indices, in order of appearance.
  auto uf =
      std::static_pointer_cast<arrow::DictionaryArray>(table->GetColumnByName("UF")->chunk(0));
  EXPECT_EQ(uf->indices()->type()->id(), arrow::Type::INT16);
  EXPECT_EQ(uf->dictionary()->ToString(), Json(arrow::utf8(), R"(["SP", "RJ", "MG"])"));
}

TEST(DbfSemanticsTest, NumbersStoredAsTextAreNumbers) {
  auto table = Read(Sample(), WithSemantics());
  auto peso = table->GetColumnByName("PESO");
  ASSERT_EQ(peso->type()->id(), arrow::Type::INT32);
  EXPECT_EQ(peso->chunk(0)->ToString(),
            Json(arrow::int32(), "[3250, 980, null, null, 4100, 2500]"));
  EXPECT_EQ(table->field(2)->metadata()->Get("dbf.type").ValueOrDie(), "C");
}

TEST(DbfSemanticsTest, FiltersSeeCodesAndNumbersAsConverted) {
  ReadOptions options = WithSemantics();
  options.filter = std::make_shared<Predicate>(Predicate::And(
      {Predicate::Compare("RACA", CompareOp::kIn, {std::string("4"), std::string("99")}),
       Predicate::Compare("PESO", CompareOp::kGreaterEqual, {int64_t{1000}})}));
  auto table = Read(Sample(), options);
  EXPECT_EQ(table->num_rows(), 1);  // RACA " 4" with PESO 2500 (0980 is below 1000; 99 has no PESO)
  EXPECT_EQ(table->GetColumnByName("PESO")->chunk(0)->ToString(), Json(arrow::int32(), "[2500]"));
}

TEST(DbfSemanticsTest, EveryBatchKeepsTheListIndices) {
  auto table = Read(Sample(), WithSemantics(/*batch_size=*/2));
  auto sexo = table->GetColumnByName("SEXO");
  ASSERT_GT(sexo->num_chunks(), 1);
  for (const auto& chunk : sexo->chunks()) {
    auto dictionary = std::static_pointer_cast<arrow::DictionaryArray>(chunk)->dictionary();
    ASSERT_GE(dictionary->length(), 3);
    EXPECT_EQ(dictionary->Slice(0, 3)->ToString(), Json(arrow::utf8(), R"(["1", "2", "0"])"));
  }
}

TEST(DbfSemanticsTest, TooManyValuesForACodedColumnIsAConversionError) {
  DbfBuilder b;
  b.fields = {{"X", 'C', 3}};
  for (int i = 0; i < 300; ++i) b.records.push_back({std::to_string(i)});
  auto semantics = std::make_shared<FieldSemanticsMap>();
  (*semantics)["X"] = {.codes = {"1"}};
  ReadOptions options;
  options.semantics = semantics;
  auto bytes = b.Build();
  auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto reader = DbfReader::Make(input, options, {"test.dbf", {}});
  ASSERT_TRUE(reader.ok());
  auto table = (*reader)->ToTable();
  ASSERT_FALSE(table.ok());
  const ErrorDetail* detail = GetErrorDetail(table.status());
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->kind(), ErrorKind::kConversion);
  EXPECT_NE(table.status().message().find("codes_as"), std::string::npos);
}

}  // namespace
}  // namespace arrow_sus::dbf
