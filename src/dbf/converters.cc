#include "dbf/converters.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <arrow/buffer.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/bitmap_ops.h>
#include <arrow/util/decimal.h>
#include <arrow/util/key_value_metadata.h>

#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "dbf/error_locations.h"
#include "dbf/field_parsing.h"
#include "dbf/text_decoding.h"

namespace arrow_sus::dbf {

namespace {

constexpr int32_t kMaxDecimalPrecision = 38;

int32_t DecimalPrecision(const FieldDescriptor& field) {
  return std::clamp(std::max(field.width, field.decimals), 1, kMaxDecimalPrecision);
}

}  // namespace

std::shared_ptr<arrow::DataType> ArrowTypeFor(const FieldDescriptor& field,
                                              const ReadOptions& options) {
  if (options.raw) return arrow::utf8();
  switch (field.type) {
    case 'C':
      return arrow::utf8();
    case 'D':
      return arrow::date32();
    case 'L':
      return arrow::boolean();
    case 'N':
    case 'F':
      if (field.decimals > 0) {
        return options.decimals == DecimalMode::kExact
                   ? arrow::decimal128(DecimalPrecision(field),
                                       std::min(field.decimals, kMaxDecimalPrecision))
                   : arrow::float64();
      }
      if (field.type == 'F') return arrow::float64();
      if (field.width <= 9) return arrow::int32();
      if (field.width <= 18) return arrow::int64();
      return arrow::decimal128(DecimalPrecision(field), 0);
    default:
      return arrow::binary();
  }
}

namespace internal {

namespace {

using arrow::bit_util::SetBit;

std::string Printable(const uint8_t* data, int32_t width) {
  std::string text;
  for (int32_t i = 0; i < width; ++i) {
    uint8_t c = data[i];
    if (c >= 0x20 && c < 0x7F) {
      text.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      text += "\\x";
      text.push_back(kHex[c >> 4]);
      text.push_back(kHex[c & 15]);
    }
  }
  return text;
}

// Assembles an array from a validity bitmap (dropped when nothing is null) and its value buffers.
std::shared_ptr<arrow::Array> Assemble(std::shared_ptr<arrow::DataType> type, int64_t length,
                                       std::shared_ptr<arrow::Buffer> validity, int64_t null_count,
                                       std::vector<std::shared_ptr<arrow::Buffer>> values) {
  std::vector<std::shared_ptr<arrow::Buffer>> buffers;
  buffers.push_back(null_count > 0 ? std::move(validity) : nullptr);
  for (auto& b : values) buffers.push_back(std::move(b));
  return arrow::MakeArray(
      arrow::ArrayData::Make(std::move(type), length, std::move(buffers), null_count));
}

// Fixed-width outputs (int32, int64, float64, date32, decimal128): `parse(bytes, width, &value)`
// returns a Parsed outcome for each selected record.
template <typename CType, typename ParseFn>
class FixedWidthConverter final : public ColumnConverter {
 public:
  FixedWidthConverter(const FieldDescriptor& field, const ReadOptions& options,
                      arrow::MemoryPool* pool, ParseFn parse)
      : ColumnConverter(field, options, pool), parse_(parse) {}

  arrow::Result<std::shared_ptr<arrow::Array>> Convert(const SelectedRecords& records,
                                                       int64_t* invalid_count) const override {
    const int64_t n = records.size();
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateBuffer(n * sizeof(CType), pool_));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateBitmap(n, pool_));
    auto* out = reinterpret_cast<CType*>(values->mutable_data());
    uint8_t* valid = validity->mutable_data();
    std::memset(valid, 0, static_cast<size_t>(validity->size()));
    int64_t null_count = 0;
    const int32_t offset = descriptor_.offset;
    const int32_t width = descriptor_.width;
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t* bytes = records.record(i) + offset;
      Parsed parsed = parse_(bytes, width, &out[i]);
      if (parsed == Parsed::kValue) {
        SetBit(valid, i);
        continue;
      }
      out[i] = CType{};
      ++null_count;
      if (parsed == Parsed::kInvalid) ARROW_RETURN_NOT_OK(OnInvalid(records, i, invalid_count));
    }
    return Assemble(arrow_field_->type(), n, std::move(validity), null_count, {std::move(values)});
  }

 private:
  ParseFn parse_;
};

template <typename CType, typename ParseFn>
std::unique_ptr<ColumnConverter> MakeFixedWidth(const FieldDescriptor& field,
                                                const ReadOptions& options, arrow::MemoryPool* pool,
                                                ParseFn parse) {
  return std::make_unique<FixedWidthConverter<CType, ParseFn>>(field, options, pool, parse);
}

class BooleanConverter final : public ColumnConverter {
 public:
  using ColumnConverter::ColumnConverter;

  arrow::Result<std::shared_ptr<arrow::Array>> Convert(const SelectedRecords& records,
                                                       int64_t* invalid_count) const override {
    const int64_t n = records.size();
    ARROW_ASSIGN_OR_RAISE(auto values, arrow::AllocateEmptyBitmap(n, pool_));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateEmptyBitmap(n, pool_));
    int64_t null_count = 0;
    for (int64_t i = 0; i < n; ++i) {
      bool value = false;
      Parsed parsed =
          ParseLogical(records.record(i) + descriptor_.offset, descriptor_.width, &value);
      if (parsed == Parsed::kValue) {
        SetBit(validity->mutable_data(), i);
        if (value) SetBit(values->mutable_data(), i);
        continue;
      }
      ++null_count;
      if (parsed == Parsed::kInvalid) ARROW_RETURN_NOT_OK(OnInvalid(records, i, invalid_count));
    }
    return Assemble(arrow::boolean(), n, std::move(validity), null_count, {std::move(values)});
  }
};

// Text fields -> utf8. Trailing blanks are removed (and leading ones too for the right-aligned
// fields of raw mode); an empty result is null.
class TextConverter final : public ColumnConverter {
 public:
  TextConverter(const FieldDescriptor& field, const ReadOptions& options, arrow::MemoryPool* pool,
                bool trim_leading)
      : ColumnConverter(field, options, pool),
        decoder_(options.encoding),
        trim_leading_(trim_leading) {}

  arrow::Result<std::shared_ptr<arrow::Array>> Convert(const SelectedRecords& records,
                                                       int64_t* invalid_count) const override {
    const int64_t n = records.size();
    const int32_t width = descriptor_.width;
    ARROW_ASSIGN_OR_RAISE(auto offsets, arrow::AllocateBuffer((n + 1) * sizeof(int32_t), pool_));
    ARROW_ASSIGN_OR_RAISE(auto validity, arrow::AllocateBitmap(n, pool_));
    uint8_t* valid = validity->mutable_data();
    std::memset(valid, 0, static_cast<size_t>(validity->size()));
    auto* out_offsets = reinterpret_cast<int32_t*>(offsets->mutable_data());
    // Sized for ASCII text (one byte per source byte); grows when characters expand.
    int64_t capacity = n * width + decoder_.MaxDecodedSize(width);
    ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateResizableBuffer(capacity, pool_));
    int64_t size = 0;
    int64_t null_count = 0;
    out_offsets[0] = 0;
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t* bytes = records.record(i) + descriptor_.offset;
      int32_t begin = 0;
      int32_t end = TrimmedLength(bytes, width);
      if (trim_leading_) {
        while (begin < end && IsBlank(bytes[begin])) ++begin;
      }
      if (begin < end) {
        int64_t needed = size + decoder_.MaxDecodedSize(end - begin);
        if (needed > capacity) {
          capacity = std::max(needed, capacity * 2);
          ARROW_RETURN_NOT_OK(data->Resize(capacity, /*shrink_to_fit=*/false));
        }
        int64_t written = decoder_.Decode(bytes + begin, end - begin, data->mutable_data() + size);
        if (written >= 0) {
          size += written;
          SetBit(valid, i);
        } else {
          ++null_count;
          ARROW_RETURN_NOT_OK(OnInvalid(records, i, invalid_count));
        }
      } else {
        ++null_count;
      }
      if (size > INT32_MAX) {
        return MakeError(ErrorKind::kInvalidArgument, AtField(descriptor_.name),
                         "a batch of this column exceeds 2 GiB of text: lower batch_size");
      }
      out_offsets[i + 1] = static_cast<int32_t>(size);
    }
    ARROW_RETURN_NOT_OK(data->Resize(size, /*shrink_to_fit=*/false));
    return Assemble(arrow::utf8(), n, std::move(validity), null_count,
                    {std::move(offsets), std::move(data)});
  }

 private:
  TextDecoder decoder_;
  bool trim_leading_;
};

// Field types the reader does not interpret: the bytes as they are, never null.
class BinaryConverter final : public ColumnConverter {
 public:
  using ColumnConverter::ColumnConverter;

  arrow::Result<std::shared_ptr<arrow::Array>> Convert(const SelectedRecords& records,
                                                       int64_t*) const override {
    const int64_t n = records.size();
    const int32_t width = descriptor_.width;
    ARROW_ASSIGN_OR_RAISE(auto offsets, arrow::AllocateBuffer((n + 1) * sizeof(int32_t), pool_));
    ARROW_ASSIGN_OR_RAISE(auto data, arrow::AllocateBuffer(n * width, pool_));
    auto* out_offsets = reinterpret_cast<int32_t*>(offsets->mutable_data());
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(data->mutable_data() + i * width, records.record(i) + descriptor_.offset, width);
      out_offsets[i] = static_cast<int32_t>(i * width);
    }
    out_offsets[n] = static_cast<int32_t>(n * width);
    return Assemble(arrow::binary(), n, nullptr, 0, {std::move(offsets), std::move(data)});
  }
};

Parsed ParseInt32(const uint8_t* bytes, int32_t width, int32_t* out) {
  int64_t value;
  Parsed parsed = ParseInteger(bytes, width, &value);
  if (parsed == Parsed::kValue) {
    if (value < INT32_MIN || value > INT32_MAX) return Parsed::kInvalid;
    *out = static_cast<int32_t>(value);
  }
  return parsed;
}

}  // namespace

ColumnConverter::ColumnConverter(const FieldDescriptor& field, const ReadOptions& options,
                                 arrow::MemoryPool* pool)
    : descriptor_(field), on_invalid_(options.on_invalid), pool_(pool) {
  auto metadata = arrow::key_value_metadata(
      {kMetaDbfType, kMetaDbfWidth, kMetaDbfDecimals},
      {std::string(1, field.type), std::to_string(field.width), std::to_string(field.decimals)});
  arrow_field_ = arrow::field(field.name, ArrowTypeFor(field, options), true, metadata);
}

arrow::Status ColumnConverter::OnInvalid(const SelectedRecords& records, int64_t i,
                                         int64_t* invalid_count) const {
  if (on_invalid_ == InvalidPolicy::kNull) {
    ++*invalid_count;
    return arrow::Status::OK();
  }
  const uint8_t* bytes = records.record(i) + descriptor_.offset;
  return MakeError(ErrorKind::kConversion,
                   AtRowField(records.first_record + (*records.rows)[i], descriptor_.name),
                   "'" + Printable(bytes, descriptor_.width) + "' is not a valid value of type " +
                       std::string(1, descriptor_.type) + "(" + std::to_string(descriptor_.width) +
                       "," + std::to_string(descriptor_.decimals) + ")");
}

arrow::Result<std::unique_ptr<ColumnConverter>> ColumnConverter::Make(const FieldDescriptor& field,
                                                                      const ReadOptions& options,
                                                                      arrow::MemoryPool* pool) {
  if (options.raw) {
    return std::make_unique<TextConverter>(field, options, pool,
                                           /*trim_leading=*/field.type != 'C');
  }
  auto type = ArrowTypeFor(field, options);
  switch (type->id()) {
    case arrow::Type::STRING:
      return std::make_unique<TextConverter>(field, options, pool, /*trim_leading=*/false);
    case arrow::Type::BINARY:
      return std::make_unique<BinaryConverter>(field, options, pool);
    case arrow::Type::BOOL:
      return std::make_unique<BooleanConverter>(field, options, pool);
    case arrow::Type::DATE32:
      return MakeFixedWidth<int32_t>(field, options, pool, ParseYmd);
    case arrow::Type::INT32:
      return MakeFixedWidth<int32_t>(field, options, pool, ParseInt32);
    case arrow::Type::INT64:
      return MakeFixedWidth<int64_t>(field, options, pool, ParseInteger);
    case arrow::Type::DOUBLE:
      return MakeFixedWidth<double>(field, options, pool, ParseDouble);
    case arrow::Type::DECIMAL128: {
      const auto& decimal = static_cast<const arrow::Decimal128Type&>(*type);
      const int32_t scale = decimal.scale();
      const int32_t precision = decimal.precision();
      return MakeFixedWidth<arrow::Decimal128>(
          field, options, pool,
          [scale, precision](const uint8_t* bytes, int32_t width, arrow::Decimal128* out) {
            __int128 value;
            Parsed parsed = ParseScaled(bytes, width, scale, precision, &value);
            if (parsed == Parsed::kValue) {
              *out = arrow::Decimal128(static_cast<int64_t>(value >> 64),
                                       static_cast<uint64_t>(value));
            }
            return parsed;
          });
    }
    default:
      return MakeError(ErrorKind::kInvalidArgument, AtField(field.name),
                       "no converter for " + type->ToString());
  }
}

}  // namespace internal
}  // namespace arrow_sus::dbf
