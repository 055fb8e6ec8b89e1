#include "arrow_sus/dbf/reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <arrow/util/decimal.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/error.h"
#include "dbf_builder.h"
#include "test_support.h"

namespace arrow_sus::dbf {
namespace {

using testing::DbfBuilder;
using testing::TestField;

std::shared_ptr<arrow::io::BufferReader> InMemory(const std::vector<uint8_t>& bytes) {
  return std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
}

struct ReadResult {
  std::shared_ptr<arrow::Table> table;
  ReadStats stats;
};

arrow::Result<ReadResult> ReadAll(const std::vector<uint8_t>& bytes, ReadOptions options = {}) {
  ARROW_ASSIGN_OR_RAISE(auto reader, DbfReader::Make(InMemory(bytes), options, {"test.dbf", {}}));
  ARROW_ASSIGN_OR_RAISE(auto table, reader->ToTable());
  return ReadResult{table, reader->stats()};
}

ErrorKind KindOf(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  EXPECT_NE(detail, nullptr) << status.ToString();
  return detail ? detail->kind() : ErrorKind::kIo;
}

DbfBuilder TypesSample() {
  DbfBuilder b;
  b.fields = {{"NAME", 'C', 8},  {"SMALL", 'N', 4},   {"BIG", 'N', 12},
              {"HUGE", 'N', 20}, {"VAL", 'N', 10, 2}, {"RATE", 'F', 8, 3},
              {"DT", 'D', 8},    {"OK", 'L', 1},      {"MEMO", 'M', 4}};
  b.records = {
      {"0012", "12", "-12345678901", "12345678901234567890", "1.50", "0.125", "20240131", "T",
       "ab"},
      {"", "", "", "", "", "", "", "?", ""},
      {"Jo\xe3o", "****", "12a", "x", "1.234", "-", "20230230", "X", "cd"},
      {"  lead", "-7", "0", "0", "-0.05", "1e3", "00000000", "f", "ef"},
  };
  return b;
}

TEST(DbfReaderTest, ConvertsEveryTypeByTheRules) {
  auto result = ReadAll(TypesSample().Build());
  ASSERT_TRUE(result.ok()) << result.status();
  const auto& t = *result->table;
  ASSERT_EQ(t.num_rows(), 4);
  EXPECT_EQ(t.schema()->field(0)->type()->id(), arrow::Type::STRING);
  EXPECT_EQ(t.schema()->field(1)->type()->id(), arrow::Type::INT32);
  EXPECT_EQ(t.schema()->field(2)->type()->id(), arrow::Type::INT64);
  EXPECT_TRUE(t.schema()->field(3)->type()->Equals(arrow::decimal128(20, 0)));
  EXPECT_EQ(t.schema()->field(4)->type()->id(), arrow::Type::DOUBLE);
  EXPECT_EQ(t.schema()->field(5)->type()->id(), arrow::Type::DOUBLE);
  EXPECT_EQ(t.schema()->field(6)->type()->id(), arrow::Type::DATE32);
  EXPECT_EQ(t.schema()->field(7)->type()->id(), arrow::Type::BOOL);
  EXPECT_EQ(t.schema()->field(8)->type()->id(), arrow::Type::BINARY);

  auto name = std::static_pointer_cast<arrow::StringArray>(t.column(0)->chunk(0));
  EXPECT_EQ(name->GetString(0), "0012");         // leading zeros kept
  EXPECT_TRUE(name->IsNull(1));                  // blank -> null
  EXPECT_EQ(name->GetString(2), "Jo\xc3\xa3o");  // Latin-1 -> UTF-8
  EXPECT_EQ(name->GetString(3), "  lead");       // leading blanks kept in C fields

  auto small = std::static_pointer_cast<arrow::Int32Array>(t.column(1)->chunk(0));
  EXPECT_EQ(small->Value(0), 12);
  EXPECT_TRUE(small->IsNull(1));
  EXPECT_TRUE(small->IsNull(2));  // ****
  EXPECT_EQ(small->Value(3), -7);
  auto big = std::static_pointer_cast<arrow::Int64Array>(t.column(2)->chunk(0));
  EXPECT_EQ(big->Value(0), -12345678901);
  EXPECT_TRUE(big->IsNull(2));
  auto huge = std::static_pointer_cast<arrow::Decimal128Array>(t.column(3)->chunk(0));
  EXPECT_EQ(huge->FormatValue(0), "12345678901234567890");
  auto val = std::static_pointer_cast<arrow::DoubleArray>(t.column(4)->chunk(0));
  EXPECT_EQ(val->Value(0), 1.5);
  EXPECT_EQ(val->Value(2), 1.234);
  EXPECT_EQ(val->Value(3), -0.05);
  auto rate = std::static_pointer_cast<arrow::DoubleArray>(t.column(5)->chunk(0));
  EXPECT_EQ(rate->Value(0), 0.125);
  EXPECT_TRUE(rate->IsNull(2));
  EXPECT_EQ(rate->Value(3), 1000.0);
  auto dt = std::static_pointer_cast<arrow::Date32Array>(t.column(6)->chunk(0));
  EXPECT_EQ(dt->Value(0), 19753);  // 2024-01-31
  EXPECT_TRUE(dt->IsNull(1));
  EXPECT_TRUE(dt->IsNull(2));  // February 30th
  EXPECT_TRUE(dt->IsNull(3));  // 00000000 = no date
  auto ok = std::static_pointer_cast<arrow::BooleanArray>(t.column(7)->chunk(0));
  EXPECT_TRUE(ok->Value(0));
  EXPECT_TRUE(ok->IsNull(1));
  EXPECT_TRUE(ok->IsNull(2));
  EXPECT_FALSE(ok->Value(3));
  auto memo = std::static_pointer_cast<arrow::BinaryArray>(t.column(8)->chunk(0));
  EXPECT_EQ(memo->GetString(0), "  ab");

  // Invalid (not blank) values are counted per column; blanks are not.
  const auto& invalid = result->stats.invalid_values;
  EXPECT_EQ(invalid.at("NAME"), 0);
  EXPECT_EQ(invalid.at("SMALL"), 1);
  EXPECT_EQ(invalid.at("BIG"), 1);
  EXPECT_EQ(invalid.at("HUGE"), 1);
  EXPECT_EQ(invalid.at("VAL"), 0);   // float64 keeps 1.234 although VAL declares 2 decimals
  EXPECT_EQ(invalid.at("RATE"), 1);  // "-"
  EXPECT_EQ(invalid.at("DT"), 1);    // February 30th ("00000000" is blank)
  EXPECT_EQ(invalid.at("OK"), 1);    // "X" ("?" is blank)
}

TEST(DbfReaderTest, ExactDecimalsAndRawMode) {
  ReadOptions exact;
  exact.decimals = DecimalMode::kExact;
  auto result = ReadAll(TypesSample().Build(), exact);
  ASSERT_TRUE(result.ok()) << result.status();
  auto val = std::static_pointer_cast<arrow::Decimal128Array>(result->table->column(4)->chunk(0));
  EXPECT_TRUE(val->type()->Equals(arrow::decimal128(10, 2)));
  EXPECT_EQ(val->FormatValue(0), "1.50");
  EXPECT_TRUE(val->IsNull(2));  // three decimals in a field with two
  EXPECT_EQ(val->FormatValue(3), "-0.05");

  ReadOptions raw;
  raw.raw = true;
  auto raw_result = ReadAll(TypesSample().Build(), raw);
  ASSERT_TRUE(raw_result.ok()) << raw_result.status();
  for (const auto& field : raw_result->table->schema()->fields()) {
    EXPECT_EQ(field->type()->id(), arrow::Type::STRING);
  }
  auto small = std::static_pointer_cast<arrow::StringArray>(raw_result->table->column(1)->chunk(0));
  EXPECT_EQ(small->GetString(2), "****");
  EXPECT_EQ(small->GetString(3), "-7");
}

TEST(DbfReaderTest, FieldAndSchemaMetadata) {
  auto reader = DbfReader::Make(InMemory(TypesSample().Build()), {}, {"x.dbf", 0xDEADBEEF});
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto schema = (*reader)->schema();
  EXPECT_EQ(schema->metadata()->Get(kMetaSource).ValueOrDie(), "x.dbf");
  EXPECT_EQ(schema->metadata()->Get(kMetaHeaderRecords).ValueOrDie(), "4");
  EXPECT_EQ(schema->metadata()->Get(kMetaCrc32).ValueOrDie(), "deadbeef");
  auto val = schema->GetFieldByName("VAL");
  EXPECT_EQ(val->metadata()->Get(kMetaDbfType).ValueOrDie(), "N");
  EXPECT_EQ(val->metadata()->Get(kMetaDbfWidth).ValueOrDie(), "10");
  EXPECT_EQ(val->metadata()->Get(kMetaDbfDecimals).ValueOrDie(), "2");
}

TEST(DbfReaderTest, RaiseOnInvalidNamesRowAndField) {
  ReadOptions options;
  options.on_invalid = InvalidPolicy::kRaise;
  options.columns = std::vector<std::string>{"NAME", "SMALL"};
  auto result = ReadAll(TypesSample().Build(), options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(KindOf(result.status()), ErrorKind::kConversion);
  const auto& loc = GetErrorDetail(result.status())->location();
  EXPECT_EQ(loc.row, 2);
  EXPECT_EQ(loc.field, "SMALL");
  EXPECT_EQ(loc.file, "test.dbf");
  EXPECT_NE(result.status().message().find("****"), std::string::npos);
}

DbfBuilder People(int n) {
  DbfBuilder b;
  b.fields = {{"ID", 'N', 7}, {"SEXO", 'C', 1}, {"IDADE", 'N', 3}, {"CID", 'C', 4}, {"DT", 'D', 8}};
  for (int i = 0; i < n; ++i) {
    b.records.push_back(
        {std::to_string(i), std::to_string(1 + i % 3), std::to_string(i % 97),
         i % 11 == 0 ? "" : std::string(1, "AIJK"[i % 4]) + std::to_string(i % 90),
         "2020" + std::string(i % 12 < 9 ? "0" : "") + std::to_string(i % 12 + 1) + "15"});
    b.deleted.push_back(i % 17 == 5);
  }
  return b;
}

TEST(DbfReaderTest, DeletedRecordsSkippedOrFlagged) {
  auto bytes = People(100).Build();
  auto result = ReadAll(bytes);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->table->num_rows(), 94);
  EXPECT_EQ(result->stats.deleted_records, 6);
  EXPECT_EQ(result->stats.records_read, 100);

  ReadOptions keep;
  keep.keep_deleted = true;
  auto kept = ReadAll(bytes, keep);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->table->num_rows(), 100);
  auto flags = std::static_pointer_cast<arrow::BooleanArray>(
      kept->table->GetColumnByName(kDeletedColumn)->chunk(0));
  EXPECT_TRUE(flags->Value(5));
  EXPECT_FALSE(flags->Value(6));
}

TEST(DbfReaderTest, ProjectionKeepsRequestedOrderAndRejectsUnknownNames) {
  ReadOptions options;
  options.columns = std::vector<std::string>{"IDADE", "ID"};
  auto result = ReadAll(People(10).Build(), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->table->schema()->field_names(), (std::vector<std::string>{"IDADE", "ID"}));

  options.columns = std::vector<std::string>{"NOPE"};
  auto bad = ReadAll(People(10).Build(), options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(KindOf(bad.status()), ErrorKind::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("ID, SEXO, IDADE, CID, DT"), std::string::npos);
}

int64_t CountRows(const std::vector<uint8_t>& bytes, Predicate predicate) {
  ReadOptions options;
  options.columns = std::vector<std::string>{"ID"};
  options.filter = std::make_shared<Predicate>(std::move(predicate));
  auto result = ReadAll(bytes, options);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? result->table->num_rows() : -1;
}

TEST(DbfReaderTest, FiltersOnRawBytes) {
  DbfBuilder b = People(300);
  b.deleted.clear();
  auto bytes = b.Build();
  using P = Predicate;
  auto cmp = [](std::string f, CompareOp op, std::vector<Literal> v = {}) {
    return P::Compare(std::move(f), op, std::move(v));
  };
  EXPECT_EQ(CountRows(bytes, cmp("SEXO", CompareOp::kEqual, {std::string("3")})), 100);
  EXPECT_EQ(CountRows(bytes, cmp("IDADE", CompareOp::kGreaterEqual, {int64_t{60}})),
            3 * 37);                                                       // i % 97 in [60, 96]
  EXPECT_EQ(CountRows(bytes, cmp("IDADE", CompareOp::kLess, {2.5})), 12);  // i % 97 in {0, 1, 2}
  EXPECT_EQ(CountRows(bytes, cmp("CID", CompareOp::kIsNull)), 28);
  EXPECT_EQ(CountRows(bytes, cmp("CID", CompareOp::kNotNull)), 272);
  EXPECT_EQ(CountRows(bytes, cmp("SEXO", CompareOp::kIn, {std::string("1"), std::string("2")})),
            200);
  EXPECT_EQ(CountRows(bytes, cmp("SEXO", CompareOp::kNotIn, {std::string("1")})), 200);
  EXPECT_EQ(CountRows(bytes, P::And({cmp("SEXO", CompareOp::kEqual, {std::string("1")}),
                                     cmp("ID", CompareOp::kLess, {int64_t{30}})})),
            10);
  EXPECT_EQ(CountRows(bytes, P::Or({cmp("ID", CompareOp::kLess, {int64_t{10}}),
                                    cmp("ID", CompareOp::kGreaterEqual, {int64_t{290}})})),
            20);
  EXPECT_EQ(CountRows(bytes, P::Or({})), 0);
  EXPECT_EQ(CountRows(bytes, P::And({})), 300);
  // Dates compare as dates, from a date literal or ISO text.
  EXPECT_EQ(CountRows(bytes, cmp("DT", CompareOp::kLess, {std::string("2020-02-01")})), 25);
  EXPECT_EQ(CountRows(bytes, cmp("DT", CompareOp::kEqual, {DateLiteral{18276}})),
            25);  // 2020-01-15
  // starts_with on text (CID-10 chapters).
  int64_t i_codes = CountRows(bytes, cmp("CID", CompareOp::kStartsWith, {std::string("I")}));
  EXPECT_GT(i_codes, 0);
  EXPECT_LT(i_codes, 300);
  // Numbers written in C fields compare numerically when the literal is a number.
  EXPECT_EQ(CountRows(bytes, cmp("SEXO", CompareOp::kGreater, {int64_t{1}})), 200);
}

TEST(DbfReaderTest, FilterErrors) {
  auto bytes = People(5).Build();
  ReadOptions options;
  options.filter = std::make_shared<Predicate>(
      Predicate::Compare("NOPE", CompareOp::kEqual, {std::string("1")}));
  auto r = ReadAll(bytes, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(KindOf(r.status()), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.status().message().find("available fields"), std::string::npos);

  options.filter = std::make_shared<Predicate>(
      Predicate::Compare("IDADE", CompareOp::kEqual, {std::string("abc")}));
  EXPECT_EQ(KindOf(ReadAll(bytes, options).status()), ErrorKind::kInvalidArgument);
  options.filter = std::make_shared<Predicate>(
      Predicate::Compare("IDADE", CompareOp::kStartsWith, {std::string("1")}));
  EXPECT_EQ(KindOf(ReadAll(bytes, options).status()), ErrorKind::kInvalidArgument);
}

TEST(DbfReaderTest, HeaderQuirks) {
  DbfBuilder b = People(20);
  b.terminator = 0x00;             // CNES-ST
  b.padding_after_terminator = 1;  // 1990s SIA
  b.eof_marker = false;
  b.year_byte = 20;  // bare two-digit year
  auto reader = DbfReader::Make(InMemory(b.Build()), {}, {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->header().fields.size(), 5u);
  EXPECT_EQ((*reader)->header().year, 2020);
  auto table = (*reader)->ToTable();
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)->num_rows(), 19);
  EXPECT_FALSE((*reader)->stats().eof_marker);
}

// Field names used to reach the schema as raw bytes, which are not UTF-8 when they hold Latin-1.
TEST(DbfReaderTest, FieldNamesAndTypesAreLatin1Text) {
  DbfBuilder b;
  b.fields = {{"NA\xC7\xC3O", 'C', 3}, {"X", '\xE9', 2}};
  b.records = {{"abc", "zz"}};
  auto reader = DbfReader::Make(InMemory(b.Build()), {}, {"latin1.dbf", {}});
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->schema()->field(0)->name(), "NAÇÃO");
  EXPECT_EQ((*reader)->header().fields[1].type_text(), "é");
  EXPECT_EQ((*reader)->schema()->field(1)->metadata()->Get(kMetaDbfType).ValueOrDie(), "é");
  ReadOptions by_name;
  by_name.columns = std::vector<std::string>{"NAÇÃO"};
  auto result = ReadAll(b.Build(), by_name);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->table->num_columns(), 1);
}

TEST(DbfReaderTest, MoreRecordsThanTheHeaderDeclaresAreRead) {
  DbfBuilder b = People(30);
  b.deleted.clear();
  b.header_record_count = 25;
  auto result = ReadAll(b.Build());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->table->num_rows(), 30);
  EXPECT_EQ(result->stats.header_record_count, 25);
  EXPECT_EQ(result->stats.record_count_difference(), 5);
  EXPECT_TRUE(result->stats.truncated.empty());
}

// A file cut at a record boundary used to read as complete; the header's count says it is not.
TEST(DbfReaderTest, FewerRecordsThanTheHeaderDeclaresIsTruncation) {
  DbfBuilder b = People(30);
  b.deleted.clear();
  b.header_record_count = 1000;
  for (bool eof_marker : {true, false}) {
    b.eof_marker = eof_marker;
    for (int64_t batch_size : {7, 65536}) {
      for (bool threads : {false, true}) {
        ReadOptions options;
        options.batch_size = batch_size;
        options.use_threads = threads;
        auto result = ReadAll(b.Build(), options);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(KindOf(result.status()), ErrorKind::kFormat);
        const ErrorLocation& where = GetErrorDetail(result.status())->location();
        EXPECT_EQ(where.file, "test.dbf");
        EXPECT_EQ(where.offset, uint64_t(b.HeaderLength() + 30 * b.RecordLength()));
        EXPECT_NE(result.status().message().find("declares 1000 records but the data holds 30"),
                  std::string::npos)
            << result.status();

        options.on_truncated = TruncatedPolicy::kWarn;
        result = ReadAll(b.Build(), options);
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_EQ(result->table->num_rows(), 30);
        EXPECT_EQ(result->stats.record_count_difference(), -970);
        EXPECT_NE(result->stats.truncated.find("test.dbf"), std::string::npos);
        EXPECT_NE(result->stats.truncated.find("the data holds 30"), std::string::npos);
      }
    }
  }
}

TEST(DbfReaderTest, ACutRecordIsTruncationAndWarnDropsIt) {
  DbfBuilder b = People(10);
  b.eof_marker = false;
  std::vector<uint8_t> bytes = b.Build();
  bytes.resize(bytes.size() - 5);
  auto result = ReadAll(bytes);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("ends inside a record"), std::string::npos);
  ReadOptions warn;
  warn.on_truncated = TruncatedPolicy::kWarn;
  result = ReadAll(bytes, warn);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stats.records_read, 9);
  EXPECT_FALSE(result->stats.truncated.empty());
}

// A .dbc is decompressed as it is read: its size is unknown until the stream ends, where a short
// record area shows.
TEST(DbfReaderTest, ATruncatedDbfInsideADbcIsDetectedAtTheEndOfTheStream) {
  DbfBuilder b = People(40);
  b.header_record_count = 100;
  auto dbc = CompressDbf(b.Build(), "short.dbc").ValueOrDie();
  auto reader = OpenDbc(InMemory(dbc), "short.dbc", {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto table = (*reader)->ToTable();
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(GetErrorDetail(table.status())->location().file, "short.dbc");
  EXPECT_NE(table.status().message().find("declares 100 records but the data holds 40"),
            std::string::npos)
      << table.status();
}

TEST(DbfReaderTest, ZeroRecordsAndBytesAfterTheEndMarker) {
  DbfBuilder empty = People(0);
  auto result = ReadAll(empty.Build());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->table->num_rows(), 0);
  EXPECT_EQ(result->table->num_columns(), 5);

  auto bytes = People(3).Build();
  bytes.insert(bytes.end(), {'j', 'u', 'n', 'k'});
  result = ReadAll(bytes);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stats.trailing_bytes, 4);
  EXPECT_TRUE(result->stats.eof_marker);
}

TEST(DbfReaderTest, BadInputIsATypedFormatError) {
  auto bytes = People(10).Build();
  // Truncated inside a record.
  std::vector<uint8_t> truncated(bytes.begin(), bytes.end() - 10);
  auto r = ReadAll(truncated);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(KindOf(r.status()), ErrorKind::kFormat);
  EXPECT_EQ(GetErrorDetail(r.status())->location().file, "test.dbf");
  // Truncated inside the header.
  EXPECT_EQ(KindOf(ReadAll({bytes.begin(), bytes.begin() + 50}).status()), ErrorKind::kFormat);
  EXPECT_EQ(KindOf(ReadAll({bytes.begin(), bytes.begin() + 5}).status()), ErrorKind::kFormat);
  // A record that does not start with a deletion flag (e.g. a .dbc read as a .dbf).
  auto corrupt = bytes;
  corrupt[32 + 32 * 5 + 1 + 3 * 24] = 'Q';
  r = ReadAll(corrupt);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetErrorDetail(r.status())->location().row, 3);
  // Field widths larger than the record.
  auto wide = bytes;
  wide[10] = 5;
  EXPECT_EQ(KindOf(ReadAll(wide).status()), ErrorKind::kFormat);
}

TEST(DbfReaderTest, EncodingsDecodeTextAndFilterLiterals) {
  DbfBuilder b;
  b.fields = {{"ID", 'N', 2}, {"NOME", 'C', 6}};
  b.records = {{"1", "S\xc3\xa3o"}, {"2", "\x87\xc6o"}, {"3", "\xff\xfe"}};
  auto bytes = b.Build();
  ReadOptions cp850;
  cp850.encoding = Encoding::kCp850;
  auto r = ReadAll(bytes, cp850);
  ASSERT_TRUE(r.ok());
  auto names = std::static_pointer_cast<arrow::StringArray>(r->table->column(1)->chunk(0));
  EXPECT_EQ(names->GetString(1), "\xc3\xa7\xc3\xa3o");  // "ção" in CP850
  ReadOptions utf8;
  utf8.encoding = Encoding::kUtf8;
  r = ReadAll(bytes, utf8);
  ASSERT_TRUE(r.ok());
  names = std::static_pointer_cast<arrow::StringArray>(r->table->column(1)->chunk(0));
  EXPECT_EQ(names->GetString(0), "S\xc3\xa3o");
  EXPECT_TRUE(names->IsNull(1));  // not UTF-8: null and counted
  EXPECT_EQ(r->stats.invalid_values.at("NOME"), 2);
  // A Latin-1 filter literal matches the Latin-1 bytes.
  ReadOptions filtered;
  filtered.filter = std::make_shared<Predicate>(
      Predicate::Compare("NOME", CompareOp::kEqual, {std::string("S\xc3\x83\xc2\xa3o")}));
  r = ReadAll(bytes, filtered);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->table->num_rows(), 1);
}

// Windows-1252 (TB_SIGTAP): Latin-1 letters, printable quotes and dashes at 0x80-0x9F, and the
// bytes the code page leaves undefined kept as their C1 controls; filter literals are encoded back.
TEST(DbfReaderTest, Cp1252DecodesQuotesAndDashesAndFiltersOnThem) {
  DbfBuilder b;
  b.fields = {{"DS", 'C', 12}};
  b.records = {{"\x93"
                "CRACK\x94"},
               {"A\x96 B\x80"},
               {"\xc7\xc3O\x81"}};
  ReadOptions options;
  ASSERT_TRUE(ParseEncoding("Windows-1252").ok());
  options.encoding = *ParseEncoding("cp1252");
  EXPECT_EQ(EncodingName(options.encoding), "cp1252");
  auto r = ReadAll(b.Build(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  auto text = std::static_pointer_cast<arrow::StringArray>(r->table->column(0)->chunk(0));
  EXPECT_EQ(text->GetString(0),
            "\xe2\x80\x9c"
            "CRACK\xe2\x80\x9d");                                // “CRACK”
  EXPECT_EQ(text->GetString(1), "A\xe2\x80\x93 B\xe2\x82\xac");  // A– B€
  EXPECT_EQ(text->GetString(2), "\xc3\x87\xc3\x83O\xc2\x81");    // ÇÃO + U+0081
  options.filter = std::make_shared<Predicate>(
      Predicate::Compare("DS", CompareOp::kEqual, {std::string("A\xe2\x80\x93 B\xe2\x82\xac")}));
  r = ReadAll(b.Build(), options);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->table->num_rows(), 1);
}

// The text buffer is sized from the values seen so far: a block whose first records are blank or
// short and whose later ones fill the field (with characters that expand in UTF-8) must grow it.
TEST(DbfReaderTest, TextLongerLaterInTheBlockIsKeptWhole) {
  DbfBuilder b;
  b.fields = {{"NOME", 'C', 30}, {"UF", 'C', 2}};
  const std::string long_latin1(30, '\xe7');  // "ç" x 30: 60 bytes of UTF-8
  constexpr int kRecords = 20000;
  for (int i = 0; i < kRecords; ++i) {
    const bool late = i >= kRecords / 2;
    b.records.push_back({late ? long_latin1 : (i % 2 ? "" : "A"), late ? "SP" : ""});
  }
  for (Encoding encoding : {Encoding::kLatin1, Encoding::kCp850}) {
    ReadOptions options;
    options.encoding = encoding;
    options.batch_size = kRecords;  // one block, many tiles
    auto r = ReadAll(b.Build(), options);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_EQ(r->table->num_rows(), kRecords);
    auto names = std::static_pointer_cast<arrow::StringArray>(
        r->table->column(0)->Slice(kRecords - 1)->chunk(0));
    const std::string expected = encoding == Encoding::kLatin1 ? "\xc3\xa7" : "\xc3\xbe";
    std::string whole;
    for (int k = 0; k < 30; ++k) whole += expected;
    EXPECT_EQ(names->GetString(0), whole);
    int64_t text_bytes = 0;
    for (const auto& chunk : r->table->column(0)->chunks()) {
      const auto& strings = static_cast<const arrow::StringArray&>(*chunk);
      text_bytes += strings.value_offset(strings.length()) - strings.value_offset(0);
    }
    EXPECT_EQ(text_bytes, kRecords / 4 + int64_t{kRecords / 2} * 60);
  }
}

// Random text in fields of every short width and some wide ones, with deleted records and a filter
// so that the converted rows skip around, and record lengths and batch sizes that start tiles and
// blocks mid-byte of the validity bitmap and leave the last records of a block too close to its end
// for 16-byte loads: every value and null against a Latin-1 decoding written here.
TEST(DbfReaderTest, RandomTextMatchesAStraightforwardDecoding) {
  std::mt19937 random(20261124);
  const auto utf8 = [](const std::string& latin1) {
    std::string out;
    for (unsigned char c : latin1) {
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
      } else {
        out.push_back(static_cast<char>(0xC0 | (c >> 6)));
        out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    return out;
  };
  const auto text = [&](int width) {
    static constexpr char kChars[] = {'A', 'z', '0', ' ', '\xe7', '\xb0', '\0', '\xff'};
    switch (random() % 4) {
      case 0:
        return std::string(width, ' ');
      case 1:
        return std::string(width, 'X');
      default: {
        std::string s(random() % (width + 1), ' ');
        for (char& c : s) c = kChars[random() % sizeof kChars];
        return s;
      }
    }
  };
  for (int round = 0; round < 12; ++round) {
    DbfBuilder b;
    b.fields = {{"KEEP", 'C', 1}};
    const int text_fields = 1 + round % 4;
    for (int f = 0; f < text_fields; ++f) {
      const int width = f == 0 ? 1 + round : 1 + static_cast<int>(random() % 30);
      b.fields.push_back({"T" + std::to_string(f), 'C', width});
    }
    const int records = 3000 + static_cast<int>(random() % 9000);
    for (int r = 0; r < records; ++r) {
      std::vector<std::string> values = {random() % 5 ? "1" : "0"};
      for (int f = 0; f < text_fields; ++f) values.push_back(text(b.fields[f + 1].width));
      b.records.push_back(std::move(values));
      b.deleted.push_back(random() % 7 == 0);
    }
    ReadOptions options;
    options.batch_size = std::vector<int>{1, 7, 9, 100, 1001, 65536}[round % 6];
    options.filter = std::make_shared<Predicate>(
        Predicate::Compare("KEEP", CompareOp::kEqual, {std::string("1")}));
    options.large_strings = round % 2 == 1;  // 64-bit offsets: the same text
    auto r = ReadAll(b.Build(), options);
    ASSERT_TRUE(r.ok()) << r.status();
    ASSERT_TRUE(r->table->ValidateFull().ok());
    ASSERT_TRUE(r->table->schema()->field(1)->type()->Equals(
        options.large_strings ? arrow::large_utf8() : arrow::utf8()));
    int64_t row = 0;
    for (int rec = 0; rec < records; ++rec) {
      if (b.deleted[rec] || b.records[rec][0] != "1") continue;
      for (int f = 0; f < text_fields; ++f) {
        std::string expected = b.records[rec][f + 1];
        while (!expected.empty() && (expected.back() == ' ' || expected.back() == '\0')) {
          expected.pop_back();
        }
        auto scalar = r->table->column(f + 1)->GetScalar(row);
        ASSERT_TRUE(scalar.ok());
        if (expected.empty()) {
          ASSERT_FALSE((*scalar)->is_valid) << "round " << round << " record " << rec;
        } else {
          ASSERT_TRUE((*scalar)->is_valid) << "round " << round << " record " << rec;
          ASSERT_EQ((*scalar)->ToString(), utf8(expected))
              << "round " << round << " record " << rec;
        }
      }
      ++row;
    }
    EXPECT_EQ(row, r->table->num_rows());
  }
}

TEST(DbfReaderTest, ThreadedAndSerialReadsAreIdentical) {
  auto bytes = People(20000).Build();
  ReadOptions serial;
  serial.use_threads = false;
  serial.batch_size = 777;
  ReadOptions threaded = serial;
  threaded.use_threads = true;
  auto a = ReadAll(bytes, serial);
  auto b = ReadAll(bytes, threaded);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->table->Equals(*b->table));
  EXPECT_EQ(a->stats.deleted_records, b->stats.deleted_records);
  EXPECT_EQ(a->stats.records_read, b->stats.records_read);
  EXPECT_EQ(a->stats.rows_emitted, b->stats.rows_emitted);
  EXPECT_EQ(a->stats.eof_marker, b->stats.eof_marker);
  EXPECT_EQ(a->stats.invalid_values, b->stats.invalid_values);
  EXPECT_TRUE(a->stats.finished && b->stats.finished);
  // Batches never exceed batch_size.
  auto reader = DbfReader::Make(InMemory(bytes), threaded, {}).ValueOrDie();
  std::shared_ptr<arrow::RecordBatch> batch;
  int batches = 0;
  while (reader->ReadNext(&batch).ok() && batch) {
    EXPECT_LE(batch->num_rows(), 777);
    ++batches;
  }
  EXPECT_EQ(batches, (20000 + 776) / 777);
}

// Threaded, the last block's columns are converted in ranges on several threads; an error must
// still be the one a serial read meets first (earliest tile, then first column), whichever range
// finishes first.
TEST(DbfReaderTest, TheLastBlockConvertedInColumnRangesFailsLikeASerialRead) {
  struct PoolCapacity {  // at least 2 threads for this test, as it was afterwards
    int before = arrow::GetCpuThreadPoolCapacity();
    ~PoolCapacity() { (void)arrow::SetCpuThreadPoolCapacity(before); }
  } capacity;
  ASSERT_TRUE(arrow::SetCpuThreadPoolCapacity(std::max(2, capacity.before)).ok());
  // 260-byte records: tiles of 504 rows, all 3000 records in one (last) block.
  DbfBuilder b;
  b.fields = {{"A", 'N', 4}, {"PAD", 'C', 250}, {"B", 'N', 4}};
  for (int i = 0; i < 3000; ++i) b.records.push_back({"1", "x", "2"});
  struct Case {
    int bad_a, bad_b;
    const char* field;
    int64_t row;
  };
  for (const Case& c : {Case{2000, 100, "B", 100},  // B's tile comes first
                        Case{120, 100, "A", 120},   // the same tile: A is the first column
                        Case{100, 2000, "A", 100}}) {
    DbfBuilder bad = b;
    bad.records[c.bad_a][0] = "?";
    bad.records[c.bad_b][2] = "?";
    for (bool use_threads : {false, true}) {
      ReadOptions options;
      options.on_invalid = InvalidPolicy::kRaise;
      options.use_threads = use_threads;
      for (int run = 0; run < 20; ++run) {
        auto result = ReadAll(bad.Build(), options);
        ASSERT_FALSE(result.ok());
        const auto& loc = GetErrorDetail(result.status())->location();
        EXPECT_EQ(loc.field, c.field) << "threads " << use_threads;
        EXPECT_EQ(loc.row, c.row) << "threads " << use_threads;
      }
    }
  }
  ReadOptions serial, threaded;
  serial.use_threads = false;
  auto a = ReadAll(b.Build(), serial);
  auto t = ReadAll(b.Build(), threaded);
  ASSERT_TRUE(a.ok() && t.ok());
  EXPECT_TRUE(a->table->Equals(*t->table));
}

TEST(DbfReaderTest, AnErrorComesAfterTheBlocksBeforeItInBothModes) {
  auto bytes = People(20000).Build();
  const int64_t header_length = bytes[8] | (bytes[9] << 8);
  const int64_t record_length = bytes[10] | (bytes[11] << 8);
  constexpr int64_t kBadRecord = 15000;
  bytes[header_length + kBadRecord * record_length] = 'Q';
  std::vector<int64_t> rows_before_error;
  for (bool use_threads : {false, true}) {
    ReadOptions options;
    options.use_threads = use_threads;
    options.batch_size = 777;
    auto reader = DbfReader::Make(InMemory(bytes), options, {"test.dbf", {}}).ValueOrDie();
    std::shared_ptr<arrow::RecordBatch> batch;
    arrow::Status status;
    int64_t rows = 0;
    while ((status = reader->ReadNext(&batch)).ok() && batch != nullptr) rows += batch->num_rows();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(GetErrorDetail(status)->location().row, kBadRecord);
    EXPECT_EQ(GetErrorDetail(status)->location().file, "test.dbf");
    EXPECT_FALSE(reader->ReadNext(&batch).ok());  // the error again, never a quiet end
    EXPECT_FALSE(reader->stats().finished);
    rows_before_error.push_back(rows);
  }
  EXPECT_GT(rows_before_error[0], 0);
  EXPECT_EQ(rows_before_error[0], rows_before_error[1]);
}

TEST(DbfReaderTest, ClosingAThreadedReadMidwayEndsIt) {
  auto bytes = People(20000).Build();
  ReadOptions options;
  options.batch_size = 500;
  auto reader = DbfReader::Make(InMemory(bytes), options, {"test.dbf", {}}).ValueOrDie();
  std::shared_ptr<arrow::RecordBatch> batch;
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  ASSERT_NE(batch, nullptr);
  ASSERT_TRUE(reader->Close().ok());
  ASSERT_TRUE(reader->ReadNext(&batch).ok());
  EXPECT_EQ(batch, nullptr);
  reader.reset();  // blocks still converting on the pool finish and are dropped on their own
}

// A stream that records on which thread it is destroyed.
class WatchedStream : public arrow::io::InputStream {
 public:
  WatchedStream(std::shared_ptr<arrow::Buffer> bytes, std::thread::id* destroyed_on)
      : inner_(std::make_shared<arrow::io::BufferReader>(std::move(bytes))),
        destroyed_on_(destroyed_on) {}
  ~WatchedStream() override { *destroyed_on_ = std::this_thread::get_id(); }
  arrow::Status Close() override { return inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  arrow::Result<int64_t> Tell() const override { return inner_->Tell(); }
  arrow::Result<int64_t> Read(int64_t n, void* out) override { return inner_->Read(n, out); }
  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t n) override { return inner_->Read(n); }

 private:
  std::shared_ptr<arrow::io::BufferReader> inner_;
  std::thread::id* destroyed_on_;
};

// Pool tasks may outlive a threaded reader; its stream (a file, a download whose scratch files the
// caller removes next) must not: it goes with the reader, on the caller's thread.
TEST(DbfReaderTest, ThreadedReaderReleasesItsStreamOnTheClosingThread) {
  auto bytes = arrow::Buffer::FromVector(People(20000).Build());
  for (bool read_to_the_end : {false, true}) {
    std::thread::id destroyed_on;
    ReadOptions options;
    options.batch_size = 500;
    auto reader = DbfReader::Make(std::make_shared<WatchedStream>(bytes, &destroyed_on), options,
                                  {"test.dbf", {}})
                      .ValueOrDie();
    std::shared_ptr<arrow::RecordBatch> batch;
    do {
      ASSERT_TRUE(reader->ReadNext(&batch).ok());
    } while (read_to_the_end && batch != nullptr);
    reader.reset();
    EXPECT_EQ(destroyed_on, std::this_thread::get_id()) << "read to the end: " << read_to_the_end;
  }
}

// Close() from another thread ends a ReadNext that waits for blocks, even when the pool is busy
// with other work and has not started this reader's tasks.
TEST(DbfReaderTest, CloseFromAnotherThreadEndsAWaitingRead) {
  // Keep every pool thread busy until the end of the test (and wait for them to be running).
  auto* pool = arrow::internal::GetCpuThreadPool();
  auto started = std::make_shared<std::atomic<int>>(0);
  auto release = std::make_shared<std::atomic<bool>>(false);
  std::vector<arrow::Future<>> busy;
  for (int i = 0; i < pool->GetCapacity(); ++i) {
    busy.push_back(*pool->Submit([started, release] {
      ++*started;
      while (!*release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }));
  }
  while (*started < pool->GetCapacity()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  auto bytes = People(20000).Build();
  ReadOptions options;
  options.batch_size = 500;
  auto reader = DbfReader::Make(InMemory(bytes), options, {"test.dbf", {}}).ValueOrDie();
  std::atomic<bool> returned{false};
  arrow::Status status;
  std::shared_ptr<arrow::RecordBatch> batch;
  std::thread consumer([&] {
    status = reader->ReadNext(&batch);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const arrow::Status closed = reader->Close();
  for (int i = 0; i < 500 && !returned; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const bool ended = returned;
  *release = true;  // let the pool go, whatever happened
  consumer.join();
  for (auto& f : busy) f.Wait();
  EXPECT_TRUE(closed.ok()) << closed;
  EXPECT_TRUE(ended) << "ReadNext still waiting 1 s after Close";
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(batch, nullptr);
}

TEST(DbfReaderTest, DbcThroughOpenDbcMatchesTheDbf) {
  auto dbf = People(5000).Build();
  auto dbc = CompressDbf(dbf, "people.dbc").ValueOrDie();
  auto reader = OpenDbc(InMemory(dbc), "people.dbc", {});
  ASSERT_TRUE(reader.ok()) << reader.status();
  auto from_dbc = (*reader)->ToTable().ValueOrDie();
  EXPECT_TRUE(from_dbc->Equals(*ReadAll(dbf)->table));
  EXPECT_TRUE((*reader)->schema()->metadata()->Contains(kMetaCrc32));
  // A corrupt stream fails with a typed error naming the file.
  dbc[dbc.size() - 30] ^= 0x5A;
  auto bad = OpenDbc(InMemory(dbc), "people.dbc", {});
  arrow::Status status = bad.ok() ? (*bad)->ToTable().status() : bad.status();
  ASSERT_FALSE(status.ok());
  const ErrorDetail* detail = GetErrorDetail(status);
  ASSERT_NE(detail, nullptr) << status;
  EXPECT_TRUE(detail->kind() == ErrorKind::kFormat || detail->kind() == ErrorKind::kChecksum);
  EXPECT_EQ(detail->location().file, "people.dbc");
}

struct ManifestEntry {
  std::string file;
  int64_t records;
};

std::vector<ManifestEntry> Manifest(const std::filesystem::path& dir) {
  std::ifstream in(dir / "MANIFEST.tsv");
  std::string line;
  std::getline(in, line);
  std::vector<ManifestEntry> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    rows.push_back({cols[0], cols.size() > 3 && !cols[3].empty() ? std::stoll(cols[3]) : -1});
  }
  return rows;
}

TEST(DbfReaderCorpusTest, EveryFileReadsWithTheManifestRecordCount) {
  ARROW_SUS_REQUIRE_CORPUS(dir);
  int files = 0;
  for (const auto& entry : Manifest(dir)) {
    const std::string path = (dir / entry.file).string();
    std::string ext = std::filesystem::path(entry.file).extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(c));
    auto reader = ext == ".dbc" ? OpenDbcFile(path, {}) : OpenDbfFile(path, {});
    if (entry.records < 0) {  // not-a-dbc.dbc: must be rejected
      ASSERT_FALSE(reader.ok()) << entry.file;
      EXPECT_EQ(KindOf(reader.status()), ErrorKind::kFormat);
      continue;
    }
    ASSERT_TRUE(reader.ok()) << entry.file << ": " << reader.status();
    auto table = (*reader)->ToTable();
    ASSERT_TRUE(table.ok()) << entry.file << ": " << table.status();
    ReadStats stats = (*reader)->stats();
    EXPECT_EQ(stats.records_read, entry.records) << entry.file;
    EXPECT_EQ((*table)->num_rows(), entry.records - stats.deleted_records) << entry.file;
    EXPECT_EQ((*table)->num_columns(), static_cast<int>((*reader)->header().fields.size()));
    ++files;
  }
  EXPECT_GT(files, 250);
}

}  // namespace
}  // namespace arrow_sus::dbf
