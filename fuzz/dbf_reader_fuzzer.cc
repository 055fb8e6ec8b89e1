// Fuzzes the DBF reader: header parsing, record blocks, the raw-byte filter and every converter, on
// the input read as a plain .dbf and as a .dbc. Any input must give batches or a typed error, never
// a crash, a hang or an untyped failure; schema names and error texts must be valid UTF-8 whatever
// bytes the header holds (Python could not take them otherwise).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/utf8.h>

#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"

namespace {

using arrow_sus::dbf::CompareOp;
using arrow_sus::dbf::Predicate;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckText(const std::string& text) {
  arrow::util::InitializeUTF8();  // once per process; the validator needs its tables
  Check(arrow::util::ValidateUTF8(text));
}

void CheckTyped(const arrow::Status& status) {
  const arrow_sus::ErrorDetail* detail = arrow_sus::GetErrorDetail(status);
  Check(detail != nullptr);
  CheckText(status.message());
  CheckText(detail->location().field);
  Check(detail->kind() == arrow_sus::ErrorKind::kFormat ||
        detail->kind() == arrow_sus::ErrorKind::kChecksum ||
        detail->kind() == arrow_sus::ErrorKind::kConversion);
}

std::shared_ptr<arrow::io::BufferReader> Source(const uint8_t* data, size_t size) {
  return std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(data, static_cast<int64_t>(size)));
}

// Options vary with the input so that every converter and filter path gets exercised.
arrow_sus::dbf::ReadOptions OptionsFor(const uint8_t* data, size_t size) {
  arrow_sus::dbf::ReadOptions options;
  const uint8_t knob = size > 0 ? data[size - 1] : 0;
  options.batch_size = (knob & 0x03) == 0 ? 1 + knob % 7 : 512;  // tiny batches now and then
  options.use_threads = false;
  options.raw = knob & 0x08;
  options.keep_deleted = knob & 0x10;
  options.decimals =
      (knob & 0x20) ? arrow_sus::dbf::DecimalMode::kExact : arrow_sus::dbf::DecimalMode::kFloat;
  options.on_invalid =
      (knob & 0x40) ? arrow_sus::dbf::InvalidPolicy::kRaise : arrow_sus::dbf::InvalidPolicy::kNull;
  options.encoding = static_cast<arrow_sus::dbf::Encoding>(knob % 3);
  options.on_truncated = (knob & 0x04) ? arrow_sus::dbf::TruncatedPolicy::kWarn
                                       : arrow_sus::dbf::TruncatedPolicy::kRaise;
  return options;
}

// Reads (at most a few thousand rows: real seeds decompress to megabytes) and checks each batch.
void ReadAll(std::shared_ptr<arrow_sus::dbf::DbfReader> reader) {
  std::shared_ptr<arrow::RecordBatch> batch;
  for (int64_t rows = 0; rows < 4096;) {
    arrow::Status status = reader->ReadNext(&batch);
    if (!status.ok()) {
      CheckTyped(status);
      return;
    }
    if (batch == nullptr) {
      CheckText(reader->stats().truncated);
      return;
    }
    Check(batch->ValidateFull().ok());
    Check(batch->num_rows() > 0);
    rows += batch->num_rows();
  }
}

// Reads once without a filter (to learn the fields), then with a filter over the first and last.
template <typename Open>
void Exercise(const uint8_t* data, size_t size, Open open) {
  auto options = OptionsFor(data, size);
  auto reader = open(options);
  if (!reader.ok()) {
    CheckTyped(reader.status());
    return;
  }
  const auto& fields = (*reader)->header().fields;
  for (const auto& field : (*reader)->schema()->fields()) CheckText(field->name());
  for (const auto& field : fields) CheckText(field.type_text());
  Predicate filter =
      Predicate::Or({Predicate::Compare(fields.front().name, CompareOp::kNotNull),
                     Predicate::And({Predicate::Compare(fields.back().name, CompareOp::kIsNull)})});
  ReadAll(*reader);
  options.filter = std::make_shared<Predicate>(std::move(filter));
  auto filtered = open(options);
  if (!filtered.ok()) {
    CheckTyped(filtered.status());
    return;
  }
  ReadAll(*filtered);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Exercise(data, size, [&](const arrow_sus::dbf::ReadOptions& options) {
    return arrow_sus::dbf::DbfReader::Make(Source(data, size), options, {"fuzz.dbf", {}});
  });
  Exercise(data, size, [&](const arrow_sus::dbf::ReadOptions& options) {
    return arrow_sus::dbf::OpenDbc(Source(data, size), "fuzz.dbc", options);
  });
  return 0;
}
