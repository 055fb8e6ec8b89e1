// The converted cache's IPC files keep a dictionary that grows from empty
// (cache/dictionary_placeholders.h).
#include "cache/dictionary_placeholders.h"

#include <gtest/gtest.h>

#include <arrow/api.h>
#include <arrow/compute/cast.h>
#include <arrow/io/memory.h>
#include <arrow/ipc/reader.h>
#include <arrow/ipc/writer.h>

#include "core/compute_init.h"

namespace arrow_sus::cache {
namespace {

std::shared_ptr<arrow::Field> CodeField() {
  return arrow::field("DIAGSEC2", arrow::dictionary(arrow::int32(), arrow::utf8()));
}

std::shared_ptr<arrow::RecordBatch> Batch(const std::vector<std::optional<int32_t>>& indices,
                                          const std::vector<std::string>& dictionary) {
  arrow::Int32Builder index_builder;
  for (const auto& i : indices) {
    EXPECT_TRUE((i ? index_builder.Append(*i) : index_builder.AppendNull()).ok());
  }
  arrow::StringBuilder dictionary_builder;
  EXPECT_TRUE(dictionary_builder.AppendValues(dictionary).ok());
  auto column = arrow::DictionaryArray::FromArrays(CodeField()->type(), *index_builder.Finish(),
                                                   *dictionary_builder.Finish())
                    .ValueOrDie();
  return arrow::RecordBatch::Make(arrow::schema({CodeField()}), column->length(), {column});
}

// The codes a batch holds, as text: an IPC file hands every batch the file's whole dictionary
// (deltas applied when it is opened), so the values are compared, not the dictionaries.
std::shared_ptr<arrow::Array> Codes(const arrow::RecordBatch& batch) {
  EXPECT_TRUE(EnsureComputeFunctions().ok());
  return arrow::compute::Cast(*batch.column(0), arrow::utf8()).ValueOrDie();
}

// Writes the batches as the converted cache does (deltas, placeholders) and reads them back.
std::vector<std::shared_ptr<arrow::RecordBatch>> RoundTrip(
    const std::vector<std::shared_ptr<arrow::RecordBatch>>& batches) {
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  arrow::ipc::IpcWriteOptions options;
  options.emit_dictionary_deltas = true;
  auto writer =
      arrow::ipc::MakeFileWriter(sink, arrow::schema({CodeField()}), options).ValueOrDie();
  DictionaryPlaceholders placeholders;
  for (const auto& batch : batches) {
    auto written = placeholders.ForWriting(*batch).ValueOrDie();
    EXPECT_TRUE(writer->WriteRecordBatch(written ? *written : *batch).ok());
  }
  EXPECT_TRUE(writer->Close().ok());
  auto buffer = sink->Finish().ValueOrDie();
  auto reader =
      arrow::ipc::RecordBatchFileReader::Open(std::make_shared<arrow::io::BufferReader>(buffer))
          .ValueOrDie();
  std::vector<std::shared_ptr<arrow::RecordBatch>> out;
  for (int i = 0; i < reader->num_record_batches(); ++i) {
    out.push_back(WithoutPlaceholders(reader->ReadRecordBatch(i).ValueOrDie()).ValueOrDie());
  }
  return out;
}

TEST(DictionaryPlaceholdersTest, ArrowRefusesGrowthFromAnEmptyDictionaryByItself) {
  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  arrow::ipc::IpcWriteOptions options;
  options.emit_dictionary_deltas = true;
  auto writer =
      arrow::ipc::MakeFileWriter(sink, arrow::schema({CodeField()}), options).ValueOrDie();
  ASSERT_TRUE(writer->WriteRecordBatch(*Batch({std::nullopt}, {})).ok());
  EXPECT_FALSE(writer->WriteRecordBatch(*Batch({0}, {"I10"})).ok());  // why the placeholder exists
}

TEST(DictionaryPlaceholdersTest, GrowthFromEmptyRoundTripsUnchanged) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches = {
      Batch({std::nullopt, std::nullopt}, {}), Batch({0, std::nullopt}, {"I10"}),
      Batch({1, 0}, {"I10", "J189"}), Batch({1}, {"I10", "J189"})};
  auto read = RoundTrip(batches);
  ASSERT_EQ(read.size(), batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    EXPECT_TRUE(Codes(*read[i])->Equals(*Codes(*batches[i]))) << i << ": " << read[i]->ToString();
    const auto& column = static_cast<const arrow::DictionaryArray&>(*read[i]->column(0));
    EXPECT_EQ(column.dictionary()->null_count(), 0);
  }
}

TEST(DictionaryPlaceholdersTest, ANonEmptyFirstDictionaryIsWrittenAsItIs) {
  DictionaryPlaceholders placeholders;
  EXPECT_EQ(placeholders.ForWriting(*Batch({0}, {"I10"})).ValueOrDie(), nullptr);
  EXPECT_EQ(placeholders.ForWriting(*Batch({1}, {"I10", "J189"})).ValueOrDie(), nullptr);
  auto read = RoundTrip({Batch({0}, {"I10"}), Batch({1}, {"I10", "J189"})});
  EXPECT_TRUE(Codes(*read[1])->Equals(*Codes(*Batch({1}, {"I10", "J189"}))));
}

TEST(DictionaryPlaceholdersTest, AnIndexOnThePlaceholderIsADamagedFileNotAWildRead) {
  // Index 0 of a dictionary whose first entry is null would become -1 without the placeholder.
  arrow::StringBuilder dictionary_builder;
  ASSERT_TRUE(dictionary_builder.AppendNull().ok());
  ASSERT_TRUE(dictionary_builder.Append("I10").ok());
  auto damaged = arrow::DictionaryArray::FromArrays(
                     CodeField()->type(), *arrow::MakeArrayFromScalar(arrow::Int32Scalar(0), 1),
                     *dictionary_builder.Finish())
                     .ValueOrDie();
  auto batch = arrow::RecordBatch::Make(arrow::schema({CodeField()}), 1, {damaged});
  EXPECT_FALSE(WithoutPlaceholders(batch).ok());
}

}  // namespace
}  // namespace arrow_sus::cache
