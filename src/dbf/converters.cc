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

const FieldSemantics* SemanticsOf(const FieldDescriptor& field, const ReadOptions& options) {
  if (options.semantics == nullptr) return nullptr;
  auto found = options.semantics->find(field.name);
  return found == options.semantics->end() ? nullptr : &found->second;
}

int32_t DecimalPrecision(const FieldDescriptor& field) {
  return std::clamp(std::max(field.width, field.decimals), 1, kMaxDecimalPrecision);
}

}  // namespace

// The index type of a coded field's dictionary: room for its codes and, past them, for the values
// a block holds that the list does not (an int8 list keeps at least 64 entries free).
std::shared_ptr<arrow::DataType> CodeIndexType(const FieldSemantics& semantics) {
  if (semantics.codes.empty()) {  // categories without a list
    return semantics.many_values ? arrow::int32() : arrow::int16();
  }
  if (semantics.codes.size() <= 64) return arrow::int8();
  if (semantics.codes.size() <= 16384) return arrow::int16();
  return arrow::int32();
}

std::shared_ptr<arrow::DataType> ArrowTypeFor(const FieldDescriptor& field,
                                              const ReadOptions& options) {
  auto text = options.large_strings ? arrow::large_utf8() : arrow::utf8();
  if (options.raw) return text;
  if (const FieldSemantics* semantics = SemanticsOf(field, options)) {
    if (!semantics->codes.empty() || semantics->categorical) {
      return arrow::dictionary(CodeIndexType(*semantics), arrow::utf8());
    }
    if (semantics->number && field.type == 'C') {
      FieldDescriptor as_number = field;
      as_number.type = 'N';
      return ArrowTypeFor(as_number, ReadOptions{});
    }
  }
  switch (field.type) {
    case 'C':
      return text;
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

  class FixedOutput final : public Output {
   public:
    explicit FixedOutput(const FixedWidthConverter* converter) : c_(converter) {}

    arrow::Status Init(int64_t n) {
      n_ = n;
      ARROW_ASSIGN_OR_RAISE(values_, arrow::AllocateBuffer(n * sizeof(CType), c_->pool_));
      ARROW_ASSIGN_OR_RAISE(validity_, arrow::AllocateEmptyBitmap(n, c_->pool_));
      return arrow::Status::OK();
    }

    arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                         int64_t* invalid_count) override {
      auto* out = reinterpret_cast<CType*>(values_->mutable_data());
      uint8_t* valid = validity_->mutable_data();
      const SelectedRecords r = records;  // locals: see SelectedRecords
      const ParseFn parse = c_->parse_;
      const int32_t offset = c_->descriptor_.offset;
      const int32_t width = c_->descriptor_.width;
      int64_t nulls = 0;
      for (int64_t i = begin; i < end; ++i) {
        Parsed parsed = parse(r.record(i) + offset, width, &out[i]);
        if (parsed == Parsed::kValue) {
          SetBit(valid, i);
          continue;
        }
        out[i] = CType{};
        ++nulls;
        if (parsed == Parsed::kInvalid) {
          ARROW_RETURN_NOT_OK(c_->OnInvalid(records, i, invalid_count));
        }
      }
      null_count_ += nulls;
      return arrow::Status::OK();
    }

    arrow::Result<std::shared_ptr<arrow::Array>> Finish() override {
      return Assemble(c_->arrow_field_->type(), n_, std::move(validity_), null_count_,
                      {std::move(values_)});
    }

   private:
    const FixedWidthConverter* c_;
    int64_t n_ = 0;
    int64_t null_count_ = 0;
    std::shared_ptr<arrow::Buffer> values_, validity_;
  };

  arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows, int64_t tile_rows) const override {
    auto out = std::make_unique<FixedOutput>(this);
    ARROW_RETURN_NOT_OK(out->Init(num_rows));
    return out;
  }

 private:
  ParseFn parse_;
};

// A parse function as a type of its own, so that the converter's loop inlines it (through a
// function pointer it would be an indirect call per value).
template <auto Fn>
constexpr auto kInlined =
    [](const uint8_t* bytes, int32_t width, auto* out) { return Fn(bytes, width, out); };

template <typename CType, typename ParseFn>
std::unique_ptr<ColumnConverter> MakeFixedWidth(const FieldDescriptor& field,
                                                const ReadOptions& options, arrow::MemoryPool* pool,
                                                ParseFn parse) {
  return std::make_unique<FixedWidthConverter<CType, ParseFn>>(field, options, pool, parse);
}

class BooleanConverter final : public ColumnConverter {
 public:
  using ColumnConverter::ColumnConverter;

  class BooleanOutput final : public Output {
   public:
    explicit BooleanOutput(const BooleanConverter* converter) : c_(converter) {}

    arrow::Status Init(int64_t n) {
      n_ = n;
      ARROW_ASSIGN_OR_RAISE(values_, arrow::AllocateEmptyBitmap(n, c_->pool_));
      ARROW_ASSIGN_OR_RAISE(validity_, arrow::AllocateEmptyBitmap(n, c_->pool_));
      return arrow::Status::OK();
    }

    arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                         int64_t* invalid_count) override {
      for (int64_t i = begin; i < end; ++i) {
        bool value = false;
        Parsed parsed =
            ParseLogical(records.record(i) + c_->descriptor_.offset, c_->descriptor_.width, &value);
        if (parsed == Parsed::kValue) {
          SetBit(validity_->mutable_data(), i);
          if (value) SetBit(values_->mutable_data(), i);
          continue;
        }
        ++null_count_;
        if (parsed == Parsed::kInvalid) {
          ARROW_RETURN_NOT_OK(c_->OnInvalid(records, i, invalid_count));
        }
      }
      return arrow::Status::OK();
    }

    arrow::Result<std::shared_ptr<arrow::Array>> Finish() override {
      return Assemble(arrow::boolean(), n_, std::move(validity_), null_count_,
                      {std::move(values_)});
    }

   private:
    const BooleanConverter* c_;
    int64_t n_ = 0;
    int64_t null_count_ = 0;
    std::shared_ptr<arrow::Buffer> values_, validity_;
  };

  arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows, int64_t tile_rows) const override {
    auto out = std::make_unique<BooleanOutput>(this);
    ARROW_RETURN_NOT_OK(out->Init(num_rows));
    return out;
  }
};

// Text fields -> utf8 (large_utf8 with ReadOptions::large_strings: the offsets are int64_t).
// Trailing blanks are removed (and leading ones too for the right-aligned fields of raw mode); an
// empty result is null.
class TextConverter final : public ColumnConverter {
 public:
  TextConverter(const FieldDescriptor& field, const ReadOptions& options, arrow::MemoryPool* pool,
                bool trim_leading)
      : ColumnConverter(field, options, pool),
        decoder_(options.encoding),
        trim_leading_(trim_leading) {}

  template <typename Offset>
  class TextOutput final : public Output {
   public:
    explicit TextOutput(const TextConverter* converter) : c_(converter) {}

    arrow::Status Init(int64_t n, int64_t tile_rows) {
      n_ = n;
      ARROW_ASSIGN_OR_RAISE(offsets_, arrow::AllocateBuffer((n + 1) * sizeof(Offset), c_->pool_));
      ARROW_ASSIGN_OR_RAISE(validity_, arrow::AllocateEmptyBitmap(n, c_->pool_));
      reinterpret_cast<Offset*>(offsets_->mutable_data())[0] = 0;
      // The first tile at its worst; Append sizes the rest from the text it has seen.
      capacity_ =
          std::min(n, tile_rows) * c_->decoder_.MaxDecodedSize(c_->descriptor_.width) + kStoreSlack;
      ARROW_ASSIGN_OR_RAISE(data_, arrow::AllocateResizableBuffer(capacity_, c_->pool_));
      return arrow::Status::OK();
    }

    arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                         int64_t* invalid_count) override {
      const int32_t width = c_->descriptor_.width;
      const int32_t field_offset = c_->descriptor_.offset;
      // Room for the whole tile up front, so the loop below never checks or grows the buffer.
      const int64_t tile_max = (end - begin) * c_->decoder_.MaxDecodedSize(width);
      if (sizeof(Offset) == 4 && ARROW_PREDICT_FALSE(size_ + tile_max > INT32_MAX)) {
        return MakeError(
            ErrorKind::kInvalidArgument, AtField(c_->descriptor_.name),
            "a batch of this column may exceed 2 GiB of text: lower batch_size (a single "
            "file can also be read with large_strings, 64-bit offsets)");
      }
      if (size_ + tile_max + kStoreSlack > capacity_) {
        // This tile at its worst, and the rest of the block at the average length so far plus an
        // eighth: sized from the text, not from the field width, so that blank padding takes no
        // memory (sizing by width left 18% of a SINAN table's memory allocated and unused, and
        // zeroed by the kernel all the same). At least 1.5x, so that growing stays rare.
        const int64_t rows_after = n_ - end;
        // (Never on the first tile, which Init made room for: begin > 0.)
        const int64_t rest = size_ * rows_after / std::max<int64_t>(begin, 1) * 9 / 8;
        capacity_ = std::max(size_ + tile_max + kStoreSlack + rest, capacity_ + capacity_ / 2);
        ARROW_RETURN_NOT_OK(data_->Resize(capacity_, /*shrink_to_fit=*/false));
      }
      const bool single_byte_source = c_->decoder_.encoding() != Encoding::kUtf8;
      auto* out_offsets = reinterpret_cast<Offset*>(offsets_->mutable_data());
      uint8_t* valid = validity_->mutable_data();
      uint8_t* data = data_->mutable_data();
      // The loops store bytes: keep their state in locals (see SelectedRecords), written back once.
      const SelectedRecords r = records;
      int64_t size = size_;
      int64_t nulls = 0;
      int64_t i = begin;
#if defined(__SSE2__)
      if (single_byte_source && !c_->trim_leading_ && width <= 16) {
        // Short fields (most DATASUS text is codes): the field is loaded as 16 bytes, its length
        // found from a mask of non-blank bytes and the 16 bytes stored whole (the bytes past the
        // value are overwritten by the next one, or fall in the slack) — no loop per character.
        const uint32_t in_field = (1u << width) - 1;
        // Validity bits gather in a register, stored a byte at a time (setting them one by one
        // in memory would chain every record on the previous one's store).
        uint32_t bits = valid[i >> 3];
        for (; i < end; ++i) {
          const uint8_t* bytes = r.record(i) + field_offset;
          if (ARROW_PREDICT_FALSE(bytes + 16 > r.end)) break;  // the block's last records
          const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
          const uint32_t kept = NonBlankMask16(v) & in_field;
          const int32_t length = kept == 0 ? 0 : 32 - __builtin_clz(kept);
          uint8_t* dst = data + size;
          _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
          const uint32_t high = static_cast<uint32_t>(_mm_movemask_epi8(v)) & ((1u << length) - 1);
          size += ARROW_PREDICT_TRUE(high == 0) ? length : c_->decoder_.Decode(bytes, length, dst);
          bits |= static_cast<uint32_t>(length > 0) << (i & 7);
          nulls += length == 0;
          out_offsets[i + 1] = static_cast<Offset>(size);
          if ((i & 7) == 7) {
            valid[i >> 3] = static_cast<uint8_t>(bits);
            bits = 0;
          }
        }
        if (i & 7) valid[i >> 3] = static_cast<uint8_t>(bits);
      }
#endif
      for (; i < end; ++i) {
        const uint8_t* bytes = r.record(i) + field_offset;
        int32_t first = 0;
        int32_t last = TrimmedLength(bytes, width);
        if (c_->trim_leading_) {
          while (first < last && IsBlank(bytes[first])) ++first;
        }
        const int32_t length = last - first;
        if (length > 0) {
          uint8_t* dst = data + size;
          if (single_byte_source) {
            // Copy as if ASCII (a loop the compiler vectorizes); decode only when a byte is not.
            uint8_t high = 0;
            for (int32_t k = 0; k < length; ++k) {
              dst[k] = bytes[first + k];
              high |= bytes[first + k];
            }
            size += (high & 0x80) ? c_->decoder_.Decode(bytes + first, length, dst) : length;
            SetBit(valid, i);
          } else if (int64_t written = c_->decoder_.Decode(bytes + first, length, dst);
                     written >= 0) {
            size += written;
            SetBit(valid, i);
          } else {
            ++nulls;
            // On an error the block fails: the state left behind is never used.
            ARROW_RETURN_NOT_OK(c_->OnInvalid(records, i, invalid_count));
          }
        } else {
          ++nulls;
        }
        out_offsets[i + 1] = static_cast<Offset>(size);
      }
      size_ = size;
      null_count_ += nulls;
      return arrow::Status::OK();
    }

    arrow::Result<std::shared_ptr<arrow::Array>> Finish() override {
      ARROW_RETURN_NOT_OK(data_->Resize(size_, /*shrink_to_fit=*/false));
      return Assemble(c_->field()->type(), n_, std::move(validity_), null_count_,
                      {std::move(offsets_), std::move(data_)});
    }

   private:
    // Room past the text for one 16-byte store beyond the last value.
    static constexpr int64_t kStoreSlack = 16;

    const TextConverter* c_;
    int64_t n_ = 0;
    int64_t null_count_ = 0;
    int64_t size_ = 0;
    int64_t capacity_ = 0;
    std::shared_ptr<arrow::Buffer> offsets_, validity_;
    std::shared_ptr<arrow::ResizableBuffer> data_;
  };

  arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows, int64_t tile_rows) const override {
    if (field()->type()->id() == arrow::Type::LARGE_STRING)
      return Started<int64_t>(num_rows, tile_rows);
    return Started<int32_t>(num_rows, tile_rows);
  }

 private:
  template <typename Offset>
  arrow::Result<std::unique_ptr<Output>> Started(int64_t num_rows, int64_t tile_rows) const {
    auto out = std::make_unique<TextOutput<Offset>>(this);
    ARROW_RETURN_NOT_OK(out->Init(num_rows, tile_rows));
    return out;
  }

  TextDecoder decoder_;
  bool trim_leading_;
};

// Field types the reader does not interpret: the bytes as they are, never null.
class BinaryConverter final : public ColumnConverter {
 public:
  using ColumnConverter::ColumnConverter;

  class BinaryOutput final : public Output {
   public:
    explicit BinaryOutput(const BinaryConverter* converter) : c_(converter) {}

    arrow::Status Init(int64_t n) {
      n_ = n;
      const int32_t width = c_->descriptor_.width;
      ARROW_ASSIGN_OR_RAISE(offsets_, arrow::AllocateBuffer((n + 1) * sizeof(int32_t), c_->pool_));
      ARROW_ASSIGN_OR_RAISE(data_, arrow::AllocateBuffer(n * width, c_->pool_));
      auto* out_offsets = reinterpret_cast<int32_t*>(offsets_->mutable_data());
      for (int64_t i = 0; i <= n; ++i) out_offsets[i] = static_cast<int32_t>(i * width);
      return arrow::Status::OK();
    }

    arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                         int64_t*) override {
      const int32_t width = c_->descriptor_.width;
      for (int64_t i = begin; i < end; ++i) {
        std::memcpy(data_->mutable_data() + i * width, records.record(i) + c_->descriptor_.offset,
                    width);
      }
      return arrow::Status::OK();
    }

    arrow::Result<std::shared_ptr<arrow::Array>> Finish() override {
      return Assemble(arrow::binary(), n_, nullptr, 0, {std::move(offsets_), std::move(data_)});
    }

   private:
    const BinaryConverter* c_;
    int64_t n_ = 0;
    std::shared_ptr<arrow::Buffer> offsets_, data_;
  };

  arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows, int64_t tile_rows) const override {
    auto out = std::make_unique<BinaryOutput>(this);
    ARROW_RETURN_NOT_OK(out->Init(num_rows));
    return out;
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
      {field.type_text(), std::to_string(field.width), std::to_string(field.decimals)});
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
                   AtRowField(records.first_record + records.rows[i], descriptor_.name),
                   "'" + Printable(bytes, descriptor_.width) + "' is not a valid value of type " +
                       descriptor_.type_text() + "(" + std::to_string(descriptor_.width) + "," +
                       std::to_string(descriptor_.decimals) + ")");
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
    case arrow::Type::DICTIONARY:
      return MakeCodeConverter(field, options, pool, SemanticsOf(field, options)->codes);
    case arrow::Type::STRING:
    case arrow::Type::LARGE_STRING:
      return std::make_unique<TextConverter>(field, options, pool, /*trim_leading=*/false);
    case arrow::Type::BINARY:
      return std::make_unique<BinaryConverter>(field, options, pool);
    case arrow::Type::BOOL:
      return std::make_unique<BooleanConverter>(field, options, pool);
    case arrow::Type::DATE32:
      return MakeFixedWidth<int32_t>(field, options, pool, kInlined<ParseYmd>);
    case arrow::Type::INT32:
      return MakeFixedWidth<int32_t>(field, options, pool, kInlined<ParseInt32>);
    case arrow::Type::INT64:
      return MakeFixedWidth<int64_t>(field, options, pool, kInlined<ParseInteger>);
    case arrow::Type::DOUBLE:
      return MakeFixedWidth<double>(field, options, pool, kInlined<ParseDouble>);
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
