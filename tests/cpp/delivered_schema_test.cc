// DeliveredSchema: the schema a read delivers for a field list, without a file, equals the schema
// of an actual read of a DBF with those fields (the meaning stage decides both).
#include "arrow_sus/scan/delivered_schema.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/io/memory.h>

#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/scan/file_reading.h"
#include "dbf_builder.h"

namespace arrow_sus::scan {
namespace {

using testing::DbfBuilder;

DbfBuilder SimFields() {
  DbfBuilder b;
  b.fields = {{"SEXO", 'C', 1},       {"IDADE", 'C', 3},     {"DTOBITO", 'C', 8},
              {"PESO", 'C', 4},       {"CAUSABAS", 'C', 4},  {"CODMUNRES", 'C', 6},
              {"QTDFILVIVO", 'C', 2}, {"NOT_KNOWN", 'N', 5}, {"VALOR", 'N', 10, 2}};
  b.records = {{"1", "462", "15032020", "3250", "I219", "110001", "01", "1", "12.50"}};
  return b;
}

std::vector<dbf::FieldDescriptor> Descriptors(const DbfBuilder& b) {
  std::vector<dbf::FieldDescriptor> out;
  for (const auto& f : b.fields) {
    out.push_back({.name = f.name, .type = f.type, .width = f.width, .decimals = f.decimals});
  }
  return out;
}

std::shared_ptr<arrow::Schema> ReadSchema(const DbfBuilder& b, const MeaningOptions& options) {
  auto bytes = b.Build();
  auto open = [&](const dbf::ReadOptions& read) {
    auto input = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
    return dbf::DbfReader::Make(input, read, {"DOXX2020.dbf", {}});
  };
  const FileMeaning meaning = FileMeaning::Make("sim-do", 2020, *(*open({}))->schema(), options);
  auto read = ReadWithMeaning(open, {}, std::nullopt, meaning, "DOXX2020.dbf", nullptr, nullptr)
                  .ValueOrDie();
  return read.rows->schema();
}

TEST(DeliveredSchemaTest, EqualsWhatAReadDelivers) {
  const DbfBuilder b = SimFields();
  for (LabelMode labels : {LabelMode::kCodes, LabelMode::kLabels, LabelMode::kBoth}) {
    for (bool dictionary : {true, false}) {
      MeaningOptions options{.codes_as_dictionary = dictionary, .labels = labels};
      auto expected = ReadSchema(b, options);
      auto delivered = DeliveredSchema("sim-do", 2020, Descriptors(b), options);
      ASSERT_EQ(delivered->num_fields(), expected->num_fields());
      for (int i = 0; i < expected->num_fields(); ++i) {
        EXPECT_EQ(delivered->field(i)->name(), expected->field(i)->name());
        EXPECT_TRUE(delivered->field(i)->type()->Equals(expected->field(i)->type()))
            << expected->field(i)->name() << ": " << delivered->field(i)->type()->ToString()
            << " vs " << expected->field(i)->type()->ToString();
      }
    }
  }
}

TEST(DeliveredSchemaTest, TypesFromTheDictionaryAndDerivedColumnsNamed) {
  auto schema = DeliveredSchema("sim-do", 2020, Descriptors(SimFields()), {});
  EXPECT_EQ(schema->GetFieldByName("SEXO")->type()->id(), arrow::Type::DICTIONARY);
  EXPECT_TRUE(schema->GetFieldByName("DTOBITO")->type()->Equals(arrow::date32()));
  // Codes of a reference table (CID-10): a dictionary with int32 indices (many distinct values).
  EXPECT_TRUE(schema->GetFieldByName("CAUSABAS")
                  ->type()
                  ->Equals(arrow::dictionary(arrow::int32(), arrow::utf8())));
  EXPECT_TRUE(schema->GetFieldByName("NOT_KNOWN")->type()->Equals(arrow::int32()));
  EXPECT_TRUE(schema->GetFieldByName("VALOR")->type()->Equals(arrow::float64()));
  auto years = schema->GetFieldByName("IDADE_ANOS");
  ASSERT_NE(years, nullptr);
  EXPECT_TRUE(years->type()->Equals(arrow::float64()));
  EXPECT_EQ(years->metadata()->Get(kMetaDerivedFrom).ValueOrDie(), "IDADE");
  EXPECT_EQ(years->metadata()->Get(kMetaDerivedAs).ValueOrDie(), "age_years");
  EXPECT_EQ(schema->GetFieldByName("IDADE_UNIDADE")->metadata()->Get(kMetaDerivedAs).ValueOrDie(),
            "age_unit");
  EXPECT_EQ(schema->GetFieldByName("SEXO")->metadata(), nullptr);
  // An unknown dataset: every field as its DBF type.
  auto plain = DeliveredSchema("no-such-dataset", 2020, Descriptors(SimFields()), {});
  EXPECT_TRUE(plain->GetFieldByName("SEXO")->type()->Equals(arrow::utf8()));
  EXPECT_EQ(plain->GetFieldByName("IDADE_ANOS"), nullptr);
}

TEST(DeliveredSchemaTest, LabelColumnsNameTheirCodes) {
  auto schema =
      DeliveredSchema("sim-do", 2020, Descriptors(SimFields()), {.labels = LabelMode::kBoth});
  auto label = schema->GetFieldByName("SEXO_label");
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(label->metadata()->Get(kMetaDerivedFrom).ValueOrDie(), "SEXO");
  EXPECT_EQ(label->metadata()->Get(kMetaDerivedAs).ValueOrDie(), "label");
}

}  // namespace
}  // namespace arrow_sus::scan
