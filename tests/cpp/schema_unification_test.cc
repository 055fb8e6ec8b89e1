#include "arrow_sus/scan/schema_unification.h"

#include <gtest/gtest.h>

#include <arrow/api.h>

#include "arrow_sus/error.h"

namespace arrow_sus::scan {
namespace {

using arrow::decimal128;
using arrow::field;
using arrow::float64;
using arrow::int32;
using arrow::int64;
using arrow::utf8;

TEST(PromoteTypesTest, Rules) {
  EXPECT_TRUE(PromoteTypes(int32(), int32())->Equals(int32()));
  EXPECT_TRUE(PromoteTypes(int32(), int64())->Equals(int64()));
  EXPECT_TRUE(PromoteTypes(int64(), float64())->Equals(float64()));
  EXPECT_TRUE(PromoteTypes(decimal128(10, 2), decimal128(12, 4))->Equals(decimal128(12, 4)));
  EXPECT_TRUE(PromoteTypes(decimal128(10, 2), decimal128(9, 0))->Equals(decimal128(11, 2)));
  EXPECT_TRUE(PromoteTypes(int32(), decimal128(5, 2))->Equals(decimal128(12, 2)));
  EXPECT_TRUE(PromoteTypes(decimal128(5, 2), float64())->Equals(float64()));
  EXPECT_TRUE(PromoteTypes(decimal128(30, 10), int64())->Equals(decimal128(30, 10)));
  // 19 integer digits + 20 decimals do not fit 38 digits
  EXPECT_TRUE(PromoteTypes(decimal128(38, 20), int64())->Equals(float64()));
  EXPECT_TRUE(PromoteTypes(utf8(), int32())->Equals(utf8()));
  EXPECT_TRUE(PromoteTypes(arrow::date32(), utf8())->Equals(utf8()));
  EXPECT_TRUE(PromoteTypes(arrow::boolean(), arrow::boolean())->Equals(arrow::boolean()));
  EXPECT_TRUE(PromoteTypes(arrow::null(), int32())->Equals(int32()));
}

TEST(UnifySchemasTest, UnionKeepsFirstSeenOrderAndPromotes) {
  auto s2009 = arrow::schema({field("A", int32()), field("B", utf8())});
  auto s2013 = arrow::schema({field("A", int64()), field("C", float64()), field("B", utf8())});
  auto unified = *UnifySchemas({s2009, s2013}, {"x09", "x13"}, SchemaMode::kUnion);
  EXPECT_TRUE(unified->Equals(
      *arrow::schema({field("A", int64()), field("B", utf8()), field("C", float64())})));
}

TEST(UnifySchemasTest, IntersectionKeepsCommonColumns) {
  auto a = arrow::schema({field("A", int32()), field("B", utf8())});
  auto b = arrow::schema({field("B", utf8()), field("C", float64())});
  auto unified = *UnifySchemas({a, b}, {"a", "b"}, SchemaMode::kIntersection);
  EXPECT_TRUE(unified->Equals(*arrow::schema({field("B", utf8())})));
}

TEST(UnifySchemasTest, StrictNamesTheDifferingFiles) {
  auto a = arrow::schema({field("A", int32())});
  auto b = arrow::schema({field("A", int64())});
  auto result = UnifySchemas({a, a, b}, {"RDAC0901.dbc", "RDAC0902.dbc", "RDAC1301.dbc"},
                             SchemaMode::kStrict);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("RDAC1301.dbc"), std::string::npos);
  EXPECT_EQ(result.status().message().find("RDAC0902.dbc"), std::string::npos);
  EXPECT_EQ(GetErrorDetail(result.status())->kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE((*UnifySchemas({a, a}, {}, SchemaMode::kStrict))->Equals(*a));
}

TEST(ConformBatchTest, ReordersCastsAndFillsNulls) {
  auto schema = arrow::schema({field("B", utf8()), field("A", int32())});
  arrow::Int32Builder ints;
  ASSERT_TRUE(ints.AppendValues({1, 2}).ok());
  arrow::StringBuilder strings;
  ASSERT_TRUE(strings.AppendValues({"x", "y"}).ok());
  auto batch = arrow::RecordBatch::Make(schema, 2, {*strings.Finish(), *ints.Finish()});
  auto target = arrow::schema({field("A", int64()), field("B", utf8()), field("C", float64())});
  auto conformed = *ConformBatch(batch, target);
  ASSERT_TRUE(conformed->schema()->Equals(*target));
  EXPECT_EQ(std::static_pointer_cast<arrow::Int64Array>(conformed->column(0))->Value(1), 2);
  EXPECT_EQ(conformed->column(2)->null_count(), 2);
}

TEST(ConformBatchTest, NumbersBecomeText) {
  auto schema = arrow::schema({field("A", int32())});
  arrow::Int32Builder ints;
  ASSERT_TRUE(ints.AppendValues({7, 42}).ok());
  auto batch = arrow::RecordBatch::Make(schema, 2, {*ints.Finish()});
  auto conformed = *ConformBatch(batch, arrow::schema({field("A", utf8())}));
  EXPECT_EQ(std::static_pointer_cast<arrow::StringArray>(conformed->column(0))->GetString(1), "42");
}

TEST(SchemaModeTest, Parse) {
  EXPECT_EQ(*ParseSchemaMode("union"), SchemaMode::kUnion);
  EXPECT_FALSE(ParseSchemaMode("loose").ok());
}

}  // namespace
}  // namespace arrow_sus::scan
