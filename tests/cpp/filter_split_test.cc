// What of an Arrow filter expression is pushed to the reader's predicate, and what is left to
// Arrow.
#include "arrow_sus/scan/filter_split.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/api_scalar.h>

#include "test_support.h"

namespace arrow_sus::scan {
namespace {

namespace cp = arrow::compute;

cp::Expression Date(int32_t days) {
  return cp::literal(arrow::Datum(std::make_shared<arrow::Date32Scalar>(days)));
}

cp::Expression IsIn(const std::string& field, const std::shared_ptr<arrow::Array>& values) {
  return cp::call("is_in", {cp::field_ref(field)}, cp::SetLookupOptions(values));
}

// A utf8 array; nullopt entries are nulls.
std::shared_ptr<arrow::Array> Strings(const std::vector<std::optional<std::string>>& values) {
  arrow::StringBuilder builder;
  for (const auto& v : values) {
    EXPECT_TRUE((v ? builder.Append(*v) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

SplitFilter Split(const cp::Expression& e) {
  auto split = SplitFilterExpression(e);
  EXPECT_TRUE(split.ok()) << split.status().ToString();
  return split.ValueOrDie();
}

std::string Pushed(const cp::Expression& e) {
  SplitFilter split = Split(e);
  EXPECT_FALSE(split.residual.has_value()) << split.residual->ToString();
  return split.pushed ? split.pushed->ToString() : "<none>";
}

TEST(FilterSplitTest, ComparisonsOfFieldsWithLiteralsArePushed) {
  EXPECT_EQ(Pushed(cp::equal(cp::field_ref("SEXO"), cp::literal("3"))), "SEXO = '3'");
  EXPECT_EQ(Pushed(cp::greater_equal(cp::literal(int64_t{60}), cp::field_ref("IDADE"))),
            "IDADE <= 60");
  EXPECT_EQ(Pushed(cp::less(cp::field_ref("VAL"), cp::literal(2.5))), "VAL < 2.500000");
  EXPECT_EQ(Pushed(cp::not_equal(cp::field_ref("OK"), cp::literal(true))), "OK != true");
  EXPECT_EQ(Pushed(cp::less(cp::field_ref("DT"), Date(3))), "DT < date(3)");
  EXPECT_EQ(
      Pushed(cp::call("starts_with", {cp::field_ref("DIAG")}, cp::MatchSubstringOptions("I2"))),
      "DIAG starts_with 'I2'");
  EXPECT_EQ(Pushed(cp::call("is_null", {cp::field_ref("X")}, cp::NullOptions())), "X is_null");
  EXPECT_EQ(Pushed(cp::call("is_valid", {cp::field_ref("X")})), "X not_null");
  EXPECT_EQ(Pushed(cp::not_(cp::call("is_valid", {cp::field_ref("X")}))), "X is_null");
  EXPECT_EQ(Pushed(IsIn("UF", Strings({"SP", "RJ"}))), "UF in ('SP', 'RJ')");
}

TEST(FilterSplitTest, NegatedSetLookupsKeepArrowsNullSemantics) {
  // ~is_in is true on nulls in Arrow: the pushed predicate says so.
  EXPECT_EQ(Pushed(cp::not_(IsIn("UF", Strings({"SP"})))), "(UF is_null or UF not in ('SP'))");
  // valid & ~is_in (the tuple form of "not in") is exactly "not in".
  EXPECT_EQ(Pushed(cp::and_(cp::call("is_valid", {cp::field_ref("UF")}),
                            cp::not_(IsIn("UF", Strings({"SP"}))))),
            "UF not in ('SP')");
  // A set holding a null matches nulls: left to Arrow.
  SplitFilter with_null = Split(IsIn("UF", Strings({"SP", std::nullopt})));
  EXPECT_FALSE(with_null.pushed.has_value());
  EXPECT_TRUE(with_null.residual.has_value());
}

TEST(FilterSplitTest, AndOrTreesArePushedWhole) {
  cp::Expression e = cp::or_(cp::and_(cp::equal(cp::field_ref("A"), cp::literal(int64_t{1})),
                                      cp::equal(cp::field_ref("B"), cp::literal(int64_t{2}))),
                             cp::equal(cp::field_ref("C"), cp::literal("x")));
  EXPECT_EQ(Pushed(e), "((A = 1 and B = 2) or C = 'x')");
  EXPECT_EQ(Pushed(cp::literal(true)), "true");
  EXPECT_EQ(Pushed(cp::literal(false)), "false");
}

TEST(FilterSplitTest, WhatTheReaderCannotProveIsTheResidual) {
  cp::Expression sexo = cp::equal(cp::field_ref("SEXO"), cp::literal("3"));
  cp::Expression sum = cp::greater(cp::call("add", {cp::field_ref("A"), cp::field_ref("B")}),
                                   cp::literal(int64_t{3}));
  cp::Expression fields = cp::equal(cp::field_ref("A"), cp::field_ref("B"));
  SplitFilter split = Split(cp::and_({sexo, sum, fields}));
  ASSERT_TRUE(split.pushed.has_value());
  EXPECT_EQ(split.pushed->ToString(), "SEXO = '3'");
  ASSERT_TRUE(split.residual.has_value());
  EXPECT_TRUE(split.residual->Equals(cp::and_(sum, fields))) << split.residual->ToString();
  EXPECT_EQ(split.FieldNames(), (std::vector<std::string>{"SEXO", "A", "B"}));
  // An OR with one unprovable side stays whole with Arrow.
  split = Split(cp::or_(sexo, sum));
  EXPECT_FALSE(split.pushed.has_value());
  EXPECT_TRUE(split.residual->Equals(cp::or_(sexo, sum)));
  // So do literals the reader does not compare (a timestamp, a null) and case-blind prefixes.
  EXPECT_FALSE(Split(cp::equal(cp::field_ref("T"),
                               cp::literal(arrow::Datum(std::make_shared<arrow::TimestampScalar>(
                                   1, arrow::timestamp(arrow::TimeUnit::SECOND))))))
                   .pushed);
  EXPECT_FALSE(
      Split(cp::equal(cp::field_ref("T"), cp::literal(arrow::MakeNullScalar(arrow::utf8()))))
          .pushed);
  EXPECT_FALSE(Split(cp::call("starts_with", {cp::field_ref("DIAG")},
                              cp::MatchSubstringOptions("i2", /*ignore_case=*/true)))
                   .pushed);
}

TEST(FilterSplitTest, DeepNestingIsAnErrorButLongChainsAreNot) {
  cp::Expression leaf = cp::equal(cp::field_ref("A"), cp::literal(int64_t{1}));
  cp::Expression chain = leaf;
  for (int i = 0; i < 1000; ++i) chain = cp::and_(chain, leaf);  // a & b & c ...: one level
  EXPECT_TRUE(SplitFilterExpression(chain).ok());
  cp::Expression deep = leaf;
  for (int i = 0; i < 70; ++i) deep = i % 2 ? cp::and_(deep, leaf) : cp::or_(deep, leaf);
  auto status = SplitFilterExpression(deep).status();
  EXPECT_TRUE(status.IsInvalid()) << status.ToString();
  EXPECT_NE(status.message().find("more than 64 levels"), std::string::npos);
}

TEST(FilterSplitTest, SerializedExpressionsRoundTripAndGarbageIsAnError) {
  cp::Expression e =
      cp::and_(cp::equal(cp::field_ref("A"), cp::literal("x")), IsIn("B", Strings({"y"})));
  auto bytes = cp::Serialize(e);
  ASSERT_TRUE(bytes.ok());
  auto back = DeserializeFilter(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->Equals(e));
  auto garbage = DeserializeFilter(arrow::Buffer::FromString("not an expression"));
  EXPECT_TRUE(garbage.status().IsInvalid());
}

TEST(FilterSplitTest, AResidualReadsFieldsAFileLacksAsNulls) {
  auto file = arrow::schema({arrow::field("A", arrow::int64())});
  auto full = arrow::schema({arrow::field("A", arrow::int64()), arrow::field("B", arrow::utf8())});
  cp::Expression e = cp::or_(cp::equal(cp::field_ref("A"), cp::field_ref("A")),
                             cp::call("is_null", {cp::field_ref("B")}));
  auto specialised = ResidualForFile(e, *file, *full);
  ASSERT_TRUE(specialised.ok());
  EXPECT_TRUE(specialised->Equals(
      cp::or_(cp::equal(cp::field_ref("A"), cp::field_ref("A")),
              cp::call("is_null", {cp::literal(arrow::MakeNullScalar(arrow::utf8()))}))))
      << specialised->ToString();
}

}  // namespace
}  // namespace arrow_sus::scan
