// The expression used on cached conversions (Arrow IPC and Parquet) must select exactly the rows
// the raw-byte filter selects.
#include "arrow_sus/scan/predicate_expression.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/io/memory.h>

#include <cstdio>
#include <random>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/cache/ipc_files.h"
#include "arrow_sus/cache/parquet_files.h"
#include "arrow_sus/dbf/reader.h"
#include "dbf_builder.h"
#include "test_support.h"

namespace arrow_sus::scan {
namespace {

using cache::BatchFileWriterFactory;
using cache::ConvertedReadOptions;
using cache::IpcWriterFactory;
using cache::OpenIpcFile;
using cache::OpenParquetFile;
using cache::ParquetWriterFactory;
using cache::TeeToFile;
using dbf::CompareOp;
using dbf::Literal;
using dbf::Predicate;

std::vector<uint8_t> RandomDbf(std::mt19937& rng, int rows) {
  testing::DbfBuilder b;
  b.fields = {{"ID", 'C', 5}, {"DIAG", 'C', 4}, {"IDADE", 'N', 3}, {"VAL", 'N', 7, 2},
              {"DT", 'D', 8}, {"OK", 'L', 1},   {"CODE", 'C', 3}};
  const std::vector<std::string> diag = {"I21", "I20", "J18", "A00", "", "  ", "Z", "i21"};
  const std::vector<std::string> idade = {"60", "5", "99", "", "***", "-3", "0", "x1"};
  const std::vector<std::string> val = {"1.50", "0.00", "99.99", "", "-2.25", "**.**", "10"};
  const std::vector<std::string> dates = {"20200131", "", "20201399", "19991231", "20240229"};
  const std::vector<std::string> logic = {"T", "F", "Y", "n", " ", "?"};
  const std::vector<std::string> codes = {"12", "007", "", "4.5", "abc", "-1"};
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (int r = 0; r < rows; ++r) {
    b.records.push_back({std::to_string(r), pick(diag), pick(idade), pick(val), pick(dates),
                         pick(logic), pick(codes)});
  }
  return b.Build();
}

Predicate RandomComparison(std::mt19937& rng) {
  const std::vector<std::pair<std::string, std::vector<Literal>>> choices = {
      {"DIAG", {std::string("I21"), std::string("I2"), std::string("J"), std::string("A00")}},
      {"IDADE", {int64_t{60}, int64_t{5}, 50.5, std::string("60")}},
      {"VAL", {1.5, int64_t{0}, std::string("10"), -2.25}},
      {"DT", {dbf::DateLiteral{18262}, std::string("2020-01-31"), std::string("19991231")}},
      {"OK", {true, false}},
      {"CODE", {int64_t{12}, 7.0, std::string("007"), int64_t{-1}}},
  };
  const auto& [field, literals] = choices[rng() % choices.size()];
  std::vector<CompareOp> ops = {
      CompareOp::kEqual,   CompareOp::kNotEqual,     CompareOp::kLess,      CompareOp::kLessEqual,
      CompareOp::kGreater, CompareOp::kGreaterEqual, CompareOp::kIn,        CompareOp::kNotIn,
      CompareOp::kIsNull,  CompareOp::kNotNull,      CompareOp::kStartsWith};
  CompareOp op = ops[rng() % ops.size()];
  if (field == "OK" && op != CompareOp::kIsNull && op != CompareOp::kNotNull)
    op = CompareOp::kEqual;
  std::vector<Literal> values;
  if (op == CompareOp::kIn || op == CompareOp::kNotIn) {
    size_t n = rng() % 3;
    Literal first = literals[rng() % literals.size()];
    values.push_back(first);
    for (size_t i = 1; i < n; ++i) {
      Literal v = literals[rng() % literals.size()];
      if (v.index() == first.index()) values.push_back(v);  // keep one literal kind per list
    }
  } else if (op != CompareOp::kIsNull && op != CompareOp::kNotNull) {
    values.push_back(literals[rng() % literals.size()]);
  }
  return Predicate::Compare(field, op, values);
}

Predicate RandomPredicate(std::mt19937& rng, int depth) {
  if (depth == 0 || rng() % 3 == 0) return RandomComparison(rng);
  std::vector<Predicate> children;
  int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) children.push_back(RandomPredicate(rng, depth - 1));
  return rng() % 2 ? Predicate::And(std::move(children)) : Predicate::Or(std::move(children));
}

std::shared_ptr<arrow::io::InputStream> Stream(const std::vector<uint8_t>& bytes) {
  return std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
}

// The ID column of every row the reader yields, or the error message.
arrow::Result<std::vector<std::string>> Ids(std::shared_ptr<arrow::RecordBatchReader> reader) {
  std::vector<std::string> ids;
  while (true) {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(reader->ReadNext(&batch));
    if (batch == nullptr) break;
    auto column = std::static_pointer_cast<arrow::StringArray>(batch->GetColumnByName("ID"));
    for (int64_t i = 0; i < column->length(); ++i) ids.push_back(column->GetString(i));
  }
  return ids;
}

TEST(PredicateExpressionTest, SelectsTheSameRowsAsTheRawFilter) {
  std::mt19937 rng(20261124);
  int compared = 0;
  for (int iteration = 0; iteration < 400; ++iteration) {
    auto bytes = RandomDbf(rng, 1 + static_cast<int>(rng() % 60));
    auto predicate = std::make_shared<Predicate>(RandomPredicate(rng, 2));
    dbf::ReadOptions options;
    options.use_threads = false;
    options.batch_size = 16;
    if (rng() % 4 == 0) options.decimals = dbf::DecimalMode::kExact;

    dbf::ReadOptions filtered = options;
    filtered.filter = predicate;
    auto raw_reader = dbf::DbfReader::Make(Stream(bytes), filtered, {.name = "t.dbf"});
    auto all_reader = *dbf::DbfReader::Make(Stream(bytes), options, {.name = "t.dbf"});
    auto expression = PredicateToExpression(*predicate, *all_reader->schema());
    if (!raw_reader.ok()) {  // an invalid filter must be invalid both ways
      EXPECT_FALSE(expression.ok())
          << predicate->ToString() << ": " << raw_reader.status().ToString();
      continue;
    }
    ASSERT_TRUE(expression.ok()) << predicate->ToString() << ": " << expression.status().ToString();
    auto expected = Ids(*raw_reader);
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    auto actual = Ids(*FilterAndProject(all_reader, *expression, {}));
    ASSERT_TRUE(actual.ok()) << actual.status().ToString();
    EXPECT_EQ(*actual, *expected) << predicate->ToString();
    if (iteration % 8 == 0) {  // the same through the cache files: IPC batches, Parquet row groups
      struct Format {
        const char* extension;
        BatchFileWriterFactory writer;
        arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> (*open)(
            const std::string&, const ConvertedReadOptions&);
      };
      for (const Format& format :
           {Format{".arrow", IpcWriterFactory(arrow::Compression::LZ4_FRAME), &OpenIpcFile},
            Format{".uncompressed.arrow", IpcWriterFactory(arrow::Compression::UNCOMPRESSED),
                   &OpenIpcFile},
            Format{".parquet", ParquetWriterFactory({.row_group_rows = 8}), &OpenParquetFile}}) {
        std::string path = ::testing::TempDir() + "predicate_expression_" +
                           std::to_string(iteration) + format.extension;
        auto tee = *TeeToFile(*dbf::DbfReader::Make(Stream(bytes), options, {.name = "t.dbf"}),
                              path, format.writer, testing::WriterLock(path), nullptr);
        ASSERT_TRUE(Ids(tee).ok());
        ConvertedReadOptions read{.filter = *expression, .batch_size = 5, .use_threads = false};
        auto from_cache = Ids(*format.open(path, read));
        ASSERT_TRUE(from_cache.ok()) << from_cache.status().ToString();
        EXPECT_EQ(*from_cache, *expected) << format.extension << ": " << predicate->ToString();
        std::remove(path.c_str());
        std::remove((path + ".lock").c_str());
      }
    }
    ++compared;
  }
  EXPECT_GT(compared, 200);
}

TEST(PredicateExpressionTest, UnknownFieldListsTheColumns) {
  auto schema = arrow::schema({arrow::field("SEXO", arrow::utf8())});
  auto result =
      PredicateToExpression(Predicate::Compare("IDADE", CompareOp::kEqual, {int64_t{1}}), *schema);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("available fields: SEXO"), std::string::npos);
}

}  // namespace
}  // namespace arrow_sus::scan
