// The DBF reader's column converters alone: the bytes of one field in the selected records of a
// block -> one Arrow array (types, blanks, invalid values and their errors, tiles, encodings,
// selections that skip records).
#include "dbf/converters.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <vector>

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <arrow/util/decimal.h>

#include "dbf_stage_inputs.h"

namespace arrow_sus::dbf::internal {
namespace {

using testing::DbfBuilder;
using testing::DetailOf;
using testing::TestField;

struct Converted {
  std::shared_ptr<arrow::Array> array;
  int64_t invalid = 0;
  arrow::Status status;
};

// Converts field `field` of the builder's records, keeping `rows` (every record when empty), in
// tiles of `tile_rows`; the block's first record is record `first_record` of the file.
Converted Convert(const DbfBuilder& b, const std::string& field, ReadOptions options = {},
                  std::vector<int32_t> rows = {}, int64_t tile_rows = 1 << 20,
                  int64_t first_record = 0) {
  auto bytes = b.Build();
  auto header = *ParseDbfHeader(bytes);
  if (rows.empty()) {
    rows.resize(b.records.size());
    std::iota(rows.begin(), rows.end(), 0);
  }
  const uint8_t* block = bytes.data() + header.header_length;
  SelectedRecords records{block,
                          block + b.records.size() * header.record_length,
                          header.record_length,
                          rows.data(),
                          static_cast<int64_t>(rows.size()),
                          first_record};
  Converted out;
  auto converter = ColumnConverter::Make(header.fields[header.FieldIndex(field)], options,
                                         arrow::default_memory_pool());
  if (!converter.ok()) return {nullptr, 0, converter.status()};
  auto output = *(*converter)->Start(records.size(), tile_rows);
  for (int64_t begin = 0; begin < records.size() && out.status.ok(); begin += tile_rows) {
    out.status =
        output->Append(records, begin, std::min(records.size(), begin + tile_rows), &out.invalid);
  }
  if (out.status.ok()) {
    auto array = output->Finish();
    out.status = array.status();
    if (array.ok()) out.array = *array;
  }
  if (out.array) EXPECT_TRUE(out.array->ValidateFull().ok()) << out.array->ToString();
  return out;
}

DbfBuilder Column(TestField field, std::vector<std::string> values) {
  DbfBuilder b;
  b.fields = {{"PAD", 'C', 1}, field};  // not at offset 1: offsets must be honoured
  for (auto& v : values) b.records.push_back({"p", std::move(v)});
  return b;
}

void ExpectArray(const Converted& got, const std::shared_ptr<arrow::DataType>& type,
                 const std::string& json) {
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  auto expected = *arrow::json::ArrayFromJSONString(type, json);
  EXPECT_TRUE(got.array->Equals(*expected)) << got.array->ToString() << "\nexpected\n"
                                            << expected->ToString();
}

TEST(ConvertersTest, IntegersBlanksAreNullsInvalidValuesAreCountedNulls) {
  auto b = Column({"N", 'N', 5}, {"12", "", "-7", "1x", "00042"});
  auto got = Convert(b, "N");
  ExpectArray(got, arrow::int32(), "[12, null, -7, null, 42]");
  EXPECT_EQ(got.invalid, 1);  // the blank is no error
  ExpectArray(Convert(Column({"W", 'N', 12}, {"123456789012"}), "W"), arrow::int64(),
              "[123456789012]");
  ExpectArray(Convert(Column({"H", 'N', 20}, {"12345678901234567890"}), "H"),
              arrow::decimal128(20, 0), R"(["12345678901234567890"])");
}

TEST(ConvertersTest, AnInvalidValueUnderRaiseNamesTheRecordInTheFileAndTheField) {
  auto b = Column({"N", 'N', 4}, {"1", "2", "??", "4"});
  auto got = Convert(b, "N", {.on_invalid = InvalidPolicy::kRaise}, {0, 2, 3}, 1 << 20, 500);
  const ErrorDetail& detail = DetailOf(got.status);
  EXPECT_EQ(detail.kind(), ErrorKind::kConversion);
  EXPECT_EQ(detail.location().row, 502);  // first_record + the record's index, not the output row
  EXPECT_EQ(detail.location().field, "N");
  EXPECT_NE(got.status.message().find("'  ??' is not a valid value of type N(4,0)"),
            std::string::npos)
      << got.status.message();
}

TEST(ConvertersTest, DecimalsAsFloatOrExact) {
  auto b = Column({"V", 'N', 8, 2}, {"1.50", "-0.25", "", "12345.67"});
  ExpectArray(Convert(b, "V"), arrow::float64(), "[1.5, -0.25, null, 12345.67]");
  ExpectArray(Convert(b, "V", {.decimals = DecimalMode::kExact}), arrow::decimal128(8, 2),
              R"(["1.50", "-0.25", null, "12345.67"])");
  ExpectArray(Convert(Column({"F", 'F', 6, 1}, {"2.5"}), "F"), arrow::float64(), "[2.5]");
}

TEST(ConvertersTest, DatesZeroesAndBlanksAreNullImpossibleDatesInvalid) {
  auto b = Column({"D", 'D', 8}, {"20240131", "00000000", "", "20241340", "19000101"});
  auto got = Convert(b, "D");
  ExpectArray(got, arrow::date32(), "[19753, null, null, null, -25567]");
  EXPECT_EQ(got.invalid, 1);
}

TEST(ConvertersTest, LogicalsTrueFalseUnknownAndInvalid) {
  auto got = Convert(Column({"L", 'L', 1}, {"T", "f", "?", "", "y", "X"}), "L");
  ExpectArray(got, arrow::boolean(), "[true, false, null, null, true, null]");
  EXPECT_EQ(got.invalid, 1);
}

TEST(ConvertersTest, TextIsTrimmedOnTheRightBlankIsNull) {
  auto b = Column({"C", 'C', 20}, {"  lead", "trail   ", "", "a  b"});
  ExpectArray(Convert(b, "C"), arrow::utf8(), R"(["  lead", "trail", null, "a  b"])");
  ExpectArray(Convert(b, "C", {.large_strings = true}), arrow::large_utf8(),
              R"(["  lead", "trail", null, "a  b"])");
}

TEST(ConvertersTest, TextInEachEncodingBecomesUtf8) {
  // "São José" as each encoding writes it; short (SSE path) and long fields.
  const std::string latin1 = "S\xE3o Jos\xE9";
  const std::string cp850 = "S\xC6o Jos\x82";
  for (int width : {10, 40}) {
    ExpectArray(Convert(Column({"C", 'C', width}, {latin1}), "C"), arrow::utf8(),
                R"(["São José"])");
    ExpectArray(Convert(Column({"C", 'C', width}, {cp850}), "C", {.encoding = Encoding::kCp850}),
                arrow::utf8(), R"(["São José"])");
    ExpectArray(
        Convert(Column({"C", 'C', width}, {"\x80 5"}), "C", {.encoding = Encoding::kCp1252}),
        arrow::utf8(), R"(["€ 5"])");
  }
}

TEST(ConvertersTest, InvalidUtf8IsAnInvalidValue) {
  auto b = Column({"C", 'C', 6}, {"ok", "a\xC3", "S\xC3\xA3o"});
  auto got = Convert(b, "C", {.encoding = Encoding::kUtf8});
  ExpectArray(got, arrow::utf8(), R"(["ok", null, "São"])");
  EXPECT_EQ(got.invalid, 1);
  auto raised = Convert(b, "C", {.encoding = Encoding::kUtf8, .on_invalid = InvalidPolicy::kRaise});
  EXPECT_EQ(DetailOf(raised.status).location().row, 1);
  EXPECT_NE(raised.status.message().find("a\\xc3"), std::string::npos) << raised.status.message();
}

TEST(ConvertersTest, OnlyTheSelectedRecordsInTheirOrder) {
  auto b = Column({"N", 'N', 3}, {"0", "1", "2", "3", "4", "5"});
  ExpectArray(Convert(b, "N", {}, {1, 4, 5}), arrow::int32(), "[1, 4, 5]");
  ExpectArray(Convert(b, "N", {}, {5, 0}), arrow::int32(), "[5, 0]");
}

TEST(ConvertersTest, TilesOfAnySizeMakeTheSameArray) {
  std::vector<std::string> numbers, texts;
  for (int i = 0; i < 1000; ++i) {
    numbers.push_back(i % 7 == 0 ? "" : std::to_string(i * 31));
    texts.push_back(i % 5 == 0 ? "" : std::string(i % 23, 'a' + i % 26) + "\xE9");
  }
  auto n = Column({"N", 'N', 6}, numbers);
  auto c = Column({"C", 'C', 24}, texts);
  auto whole_n = Convert(n, "N");
  auto whole_c = Convert(c, "C");
  for (int64_t tile : {1, 7, 16, 999}) {
    EXPECT_TRUE(Convert(n, "N", {}, {}, tile).array->Equals(*whole_n.array)) << tile;
    EXPECT_TRUE(Convert(c, "C", {}, {}, tile).array->Equals(*whole_c.array)) << tile;
  }
}

TEST(ConvertersTest, RawModeKeepsEveryFieldAsTrimmedText) {
  auto b = Column({"N", 'N', 5}, {"  12", "1x", ""});
  ExpectArray(Convert(b, "N", {.raw = true}), arrow::utf8(), R"(["12", "1x", null])");
}

TEST(ConvertersTest, UnknownTypesAreBinary) {
  auto b = Column({"M", 'M', 4}, {"ab"});
  auto got = Convert(b, "M");
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_EQ(got.array->type_id(), arrow::Type::BINARY);
}

TEST(ConvertersTest, CodesBecomeADictionaryStartingWithTheKnownCodes) {
  auto b = Column({"SEXO", 'C', 1}, {"3", "1", "", "9", "1"});
  auto header = *ParseDbfHeader(b.Build());
  ReadOptions options;
  options.semantics = std::make_shared<FieldSemanticsMap>(
      FieldSemanticsMap{{"SEXO", FieldSemantics{.codes = {"0", "1", "3"}}}});
  auto converter =
      *MakeCodeConverter(header.fields[1], options, arrow::default_memory_pool(), {"0", "1", "3"});
  auto got = Convert(b, "SEXO", options);
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  const auto& dictionary = static_cast<const arrow::DictionaryArray&>(*got.array);
  EXPECT_TRUE(dictionary.dictionary()->Equals(
      **arrow::json::ArrayFromJSONString(arrow::utf8(), R"(["0", "1", "3", "9"])")))
      << dictionary.dictionary()->ToString();
  EXPECT_EQ(dictionary.indices()->ToString(),
            (*arrow::json::ArrayFromJSONString(arrow::int8(), "[2, 1, null, 3, 1]"))->ToString());
  EXPECT_TRUE(converter->field()->type()->Equals(*got.array->type()));
}

}  // namespace
}  // namespace arrow_sus::dbf::internal
