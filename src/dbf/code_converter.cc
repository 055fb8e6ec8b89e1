// Coded fields (sex, race, exit reason...) as Arrow dictionary arrays: each value becomes an index
// into a dictionary that starts with the field's code list, in list order, followed by the other
// values met in the block (codes the list does not have, kept as their text). The known codes keep
// their indices in every batch and every file, so labelling a column is swapping its dictionary
// and pandas and Polars get categoricals without looking at the rows again.
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include <arrow/array.h>
#include <arrow/builder.h>
#include <arrow/util/bit_util.h>

#include "arrow_sus/error.h"
#include "dbf/converters.h"
#include "dbf/error_locations.h"
#include "dbf/field_parsing.h"
#include "dbf/text_decoding.h"

namespace arrow_sus::dbf::internal {

namespace {

// Trimmed bytes of up to 8 packed into one integer, with the length in the top byte so that "1"
// and "01" differ.
uint64_t PackKey(const uint8_t* bytes, int32_t length) {
  uint64_t key = static_cast<uint64_t>(length) << 56;
  for (int32_t i = 0; i < length; ++i) key |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  return key;
}

constexpr int32_t kMaxPackedWidth = 7;  // the top byte holds the length

class CodeConverter final : public ColumnConverter {
 public:
  CodeConverter(const FieldDescriptor& field, const ReadOptions& options, arrow::MemoryPool* pool,
                const std::vector<std::string>& codes)
      : ColumnConverter(field, options, pool), decoder_(options.encoding) {
    const auto& type = static_cast<const arrow::DictionaryType&>(*field_type());
    max_entries_ = type.index_type()->id() == arrow::Type::INT8    ? INT8_MAX + 1
                   : type.index_type()->id() == arrow::Type::INT16 ? INT16_MAX + 1
                                                                   : INT32_MAX;
    by_byte_.fill(-1);
    for (const std::string& code : codes) {
      const int32_t index = static_cast<int32_t>(codes_.size());
      codes_.push_back(code);
      // Codes are written in UTF-8; the file's bytes are in its own encoding.
      std::optional<std::string> raw = decoder_.Encode(code);
      if (!raw || raw->empty()) continue;  // no such bytes can occur: the code never matches
      const auto* bytes = reinterpret_cast<const uint8_t*>(raw->data());
      const int32_t length = static_cast<int32_t>(raw->size());
      if (length == 1) by_byte_[bytes[0]] = index;
      if (length <= kMaxPackedWidth) by_packed_.emplace(PackKey(bytes, length), index);
      by_text_.emplace(*raw, index);
    }
  }

  template <typename Index>
  class CodeOutput final : public Output {
   public:
    explicit CodeOutput(const CodeConverter* converter) : c_(converter) {}

    arrow::Status Init(int64_t n) {
      n_ = n;
      ARROW_ASSIGN_OR_RAISE(indices_, arrow::AllocateBuffer(n * sizeof(Index), c_->pool_));
      ARROW_ASSIGN_OR_RAISE(validity_, arrow::AllocateEmptyBitmap(n, c_->pool_));
      return arrow::Status::OK();
    }

    arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                         int64_t* invalid_count) override {
      auto* out = reinterpret_cast<Index*>(indices_->mutable_data());
      uint8_t* valid = validity_->mutable_data();
      const SelectedRecords r = records;  // locals: see SelectedRecords
      const int32_t offset = c_->descriptor_.offset;
      const int32_t width = c_->descriptor_.width;
      for (int64_t i = begin; i < end; ++i) {
        const uint8_t* bytes = r.record(i) + offset;
        int32_t first = 0;
        const int32_t last = TrimmedLength(bytes, width);
        while (first < last && IsBlank(bytes[first])) ++first;
        const int32_t length = last - first;
        if (length == 0) {
          out[i] = 0;
          ++null_count_;
          continue;
        }
        int32_t index = length == 1 ? c_->by_byte_[bytes[first]] : c_->Find(bytes + first, length);
        if (index < 0) {
          ARROW_ASSIGN_OR_RAISE(index, Extra(records, i, bytes + first, length, invalid_count));
          if (index < 0) {  // not valid text in the file's encoding: null, counted
            out[i] = 0;
            ++null_count_;
            continue;
          }
        }
        out[i] = static_cast<Index>(index);
        arrow::bit_util::SetBit(valid, i);
      }
      return arrow::Status::OK();
    }

    arrow::Result<std::shared_ptr<arrow::Array>> Finish() override {
      arrow::StringBuilder values(c_->pool_);
      ARROW_RETURN_NOT_OK(values.AppendValues(c_->codes_));
      ARROW_RETURN_NOT_OK(values.AppendValues(extras_));
      ARROW_ASSIGN_OR_RAISE(auto dictionary, values.Finish());
      std::vector<std::shared_ptr<arrow::Buffer>> buffers = {
          null_count_ > 0 ? std::move(validity_) : nullptr, std::move(indices_)};
      auto index_type = static_cast<const arrow::DictionaryType&>(*c_->field_type()).index_type();
      auto indices =
          arrow::MakeArray(arrow::ArrayData::Make(index_type, n_, std::move(buffers), null_count_));
      return arrow::DictionaryArray::FromArrays(c_->field_type(), indices, dictionary);
    }

   private:
    // The index of a value the list does not have: the next free one for a value first met in
    // this block. -1 for bytes that are not text in the file's encoding (counted as invalid).
    arrow::Result<int32_t> Extra(const SelectedRecords& records, int64_t i, const uint8_t* bytes,
                                 int32_t length, int64_t* invalid_count) {
      std::string raw(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length));
      if (auto found = seen_.find(raw); found != seen_.end()) return found->second;
      std::string text(static_cast<size_t>(c_->decoder_.MaxDecodedSize(length)), '\0');
      const int64_t written =
          c_->decoder_.Decode(bytes, length, reinterpret_cast<uint8_t*>(text.data()));
      if (written < 0) {
        ARROW_RETURN_NOT_OK(c_->OnInvalid(records, i, invalid_count));
        return -1;
      }
      text.resize(static_cast<size_t>(written));
      const int64_t index = static_cast<int64_t>(c_->codes_.size() + extras_.size());
      if (index >= c_->max_entries_) {
        return MakeError(ErrorKind::kConversion,
                         AtRowField(records.first_record + records.rows[i], c_->descriptor_.name),
                         "more distinct values than a coded column holds in one batch (" +
                             std::to_string(c_->max_entries_) +
                             "): the code list does not fit this file; read the column as text "
                             "(codes_as=\"string\")");
      }
      extras_.push_back(std::move(text));
      seen_.emplace(std::move(raw), static_cast<int32_t>(index));
      return static_cast<int32_t>(index);
    }

    const CodeConverter* c_;
    int64_t n_ = 0;
    int64_t null_count_ = 0;
    std::shared_ptr<arrow::Buffer> indices_, validity_;
    std::vector<std::string> extras_;                // UTF-8, in order of first appearance
    std::unordered_map<std::string, int32_t> seen_;  // raw bytes -> index
  };

  arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows, int64_t tile_rows) const override {
    const auto& type = static_cast<const arrow::DictionaryType&>(*field_type());
    switch (type.index_type()->id()) {
      case arrow::Type::INT8:
        return Started<int8_t>(num_rows);
      case arrow::Type::INT16:
        return Started<int16_t>(num_rows);
      default:
        return Started<int32_t>(num_rows);
    }
  }

 private:
  template <typename Index>
  arrow::Result<std::unique_ptr<Output>> Started(int64_t num_rows) const {
    auto out = std::make_unique<CodeOutput<Index>>(this);
    ARROW_RETURN_NOT_OK(out->Init(num_rows));
    return out;
  }

  const std::shared_ptr<arrow::DataType>& field_type() const { return arrow_field_->type(); }

  // The index of a trimmed value of 2 or more bytes, or -1.
  int32_t Find(const uint8_t* bytes, int32_t length) const {
    if (length <= kMaxPackedWidth) {
      auto found = by_packed_.find(PackKey(bytes, length));
      return found == by_packed_.end() ? -1 : found->second;
    }
    auto found = by_text_.find(
        std::string(reinterpret_cast<const char*>(bytes), static_cast<size_t>(length)));
    return found == by_text_.end() ? -1 : found->second;
  }

  TextDecoder decoder_;
  std::vector<std::string> codes_;  // UTF-8, the dictionary's first entries
  int64_t max_entries_ = 0;
  std::array<int32_t, 256> by_byte_{};
  std::unordered_map<uint64_t, int32_t> by_packed_;
  std::unordered_map<std::string, int32_t> by_text_;
};

}  // namespace

arrow::Result<std::unique_ptr<ColumnConverter>> MakeCodeConverter(
    const FieldDescriptor& field, const ReadOptions& options, arrow::MemoryPool* pool,
    const std::vector<std::string>& codes) {
  return std::make_unique<CodeConverter>(field, options, pool, codes);
}

}  // namespace arrow_sus::dbf::internal
