#include "arrow_sus/scan/semantic_types.h"

#include <gtest/gtest.h>

#include <arrow/api.h>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {
namespace {

std::shared_ptr<arrow::RecordBatchReader> TextColumn(const std::string& name,
                                                     const std::vector<std::string>& values) {
  arrow::StringBuilder builder;
  for (const auto& v : values)
    EXPECT_TRUE((v == "<null>" ? builder.AppendNull() : builder.Append(v)).ok());
  auto schema = arrow::schema({arrow::field(name, arrow::utf8())});
  auto batch =
      arrow::RecordBatch::Make(schema, static_cast<int64_t>(values.size()), {*builder.Finish()});
  return *arrow::RecordBatchReader::Make({batch}, schema);
}

std::vector<std::optional<int32_t>> Days(const std::shared_ptr<arrow::RecordBatchReader>& reader) {
  std::shared_ptr<arrow::RecordBatch> batch;
  EXPECT_TRUE(reader->ReadNext(&batch).ok());
  auto dates = std::static_pointer_cast<arrow::Date32Array>(batch->column(0));
  std::vector<std::optional<int32_t>> out;
  for (int64_t i = 0; i < dates->length(); ++i) {
    out.push_back(dates->IsNull(i) ? std::nullopt : std::optional<int32_t>(dates->Value(i)));
  }
  return out;
}

TEST(SemanticTypesTest, EachSystemsFormat) {
  std::atomic<int64_t> invalid{0};
  auto ymd = *TypeDates(TextColumn("DT_INTER", {"20240131", "", "00000000", "20240230", "<null>"}),
                        {{"DT_INTER", DateFormat::kYmd}}, dbf::InvalidPolicy::kNull, "f", &invalid);
  EXPECT_TRUE(ymd->schema()->field(0)->type()->Equals(arrow::date32()));
  EXPECT_EQ(Days(ymd), (std::vector<std::optional<int32_t>>{19753, {}, {}, {}, {}}));
  EXPECT_EQ(invalid.load(), 1);
  auto dmy = *TypeDates(TextColumn("DTOBITO", {"31012024", "3101202"}),
                        {{"DTOBITO", DateFormat::kDmy}}, dbf::InvalidPolicy::kNull, "f", &invalid);
  EXPECT_EQ(Days(dmy), (std::vector<std::optional<int32_t>>{19753, {}}));
  auto ym = *TypeDates(TextColumn("PA_CMP", {"202401", "202413", "000000"}),
                       {{"PA_CMP", DateFormat::kYm}}, dbf::InvalidPolicy::kNull, "f", &invalid);
  EXPECT_EQ(Days(ym), (std::vector<std::optional<int32_t>>{19723, {}, {}}));
  EXPECT_EQ(invalid.load(), 3);
}

TEST(SemanticTypesTest, RaiseNamesFileRowAndColumn) {
  auto reader =
      *TypeDates(TextColumn("DT_INTER", {"20240131", "2024-1-1"}), {{"DT_INTER", DateFormat::kYmd}},
                 dbf::InvalidPolicy::kRaise, "RDAC2401.dbc", nullptr);
  std::shared_ptr<arrow::RecordBatch> batch;
  arrow::Status status = reader->ReadNext(&batch);
  ASSERT_FALSE(status.ok());
  const ErrorDetail* detail = GetErrorDetail(status);
  ASSERT_NE(detail, nullptr);
  EXPECT_EQ(detail->kind(), ErrorKind::kConversion);
  EXPECT_EQ(detail->location().row, 1);
  EXPECT_EQ(detail->location().field, "DT_INTER");
  EXPECT_NE(status.message().find("RDAC2401.dbc"), std::string::npos);
}

TEST(SemanticTypesTest, ClassifiesTextAsTypingDoes) {
  EXPECT_EQ(ClassifyDateText("20240131", DateFormat::kYmd), DateText::kDate);
  EXPECT_EQ(ClassifyDateText(" 20240131 ", DateFormat::kYmd), DateText::kDate);
  EXPECT_EQ(ClassifyDateText("", DateFormat::kYmd), DateText::kBlank);
  EXPECT_EQ(ClassifyDateText("00000000", DateFormat::kDmy), DateText::kBlank);
  EXPECT_EQ(ClassifyDateText("20240230", DateFormat::kYmd), DateText::kInvalid);
  EXPECT_EQ(ClassifyDateText("2024-1-1", DateFormat::kYmd), DateText::kInvalid);
  EXPECT_EQ(ClassifyDateText("31012024", DateFormat::kDmy), DateText::kDate);
  EXPECT_EQ(ClassifyDateText("202413", DateFormat::kYm), DateText::kInvalid);
  EXPECT_EQ(ClassifyDateText("970531", DateFormat::kShortYmd), DateText::kDate);
}

TEST(SemanticTypesTest, TypedSchemaMarksDates) {
  auto schema =
      arrow::schema({arrow::field("DT_INTER", arrow::utf8()), arrow::field("SEXO", arrow::utf8())});
  auto typed = TypedSchema(schema, {{"DT_INTER", DateFormat::kYmd}});
  EXPECT_TRUE(typed->field(0)->type()->Equals(arrow::date32()));
  EXPECT_EQ(typed->field(0)->metadata()->Get("arrow_sus.format").ValueOrDie(), "YYYYMMDD");
  EXPECT_TRUE(typed->field(1)->type()->Equals(arrow::utf8()));
}

}  // namespace
}  // namespace arrow_sus::scan
