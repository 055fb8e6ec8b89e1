#include "core/dictionary_unifier.h"

#include <string>
#include <unordered_map>

#include <arrow/array.h>
#include <arrow/builder.h>

#include "arrow_sus/error.h"

namespace arrow_sus {

class DictionaryUnifier::Impl {
 public:
  explicit Impl(std::vector<int> columns) : columns_(std::move(columns)) {
    state_.resize(columns_.size());
  }

  arrow::Result<std::shared_ptr<arrow::RecordBatch>> operator()(
      const std::shared_ptr<arrow::RecordBatch>& batch) {
    std::vector<std::shared_ptr<arrow::Array>> arrays = batch->columns();
    for (size_t c = 0; c < columns_.size(); ++c) {
      ARROW_ASSIGN_OR_RAISE(arrays[columns_[c]], Unify(state_[c], arrays[columns_[c]]));
    }
    return arrow::RecordBatch::Make(batch->schema(), batch->num_rows(), std::move(arrays));
  }

 private:
  struct State {
    std::vector<std::string> values;
    std::unordered_map<std::string, int32_t> index;
    std::shared_ptr<arrow::Array> dictionary;  // `values` as an array, rebuilt when they grow
  };

  static arrow::Result<std::shared_ptr<arrow::Array>> Unify(
      State& state, const std::shared_ptr<arrow::Array>& array) {
    const auto& dict_array = static_cast<const arrow::DictionaryArray&>(*array);
    const auto& values = static_cast<const arrow::StringArray&>(*dict_array.dictionary());
    std::vector<int32_t> mapping(values.length());
    bool identity = true;
    const size_t before = state.values.size();
    for (int64_t i = 0; i < values.length(); ++i) {
      std::string value(values.GetView(i));
      auto [found, inserted] =
          state.index.emplace(value, static_cast<int32_t>(state.values.size()));
      if (inserted) state.values.push_back(std::move(value));
      mapping[i] = found->second;
      identity = identity && found->second == i;
    }
    if (state.dictionary == nullptr || state.values.size() != before) {
      arrow::StringBuilder builder;
      ARROW_RETURN_NOT_OK(builder.AppendValues(state.values));
      ARROW_ASSIGN_OR_RAISE(state.dictionary, builder.Finish());
    }
    const auto& type = static_cast<const arrow::DictionaryType&>(*array->type());
    if (identity) {
      return arrow::DictionaryArray::FromArrays(array->type(), dict_array.indices(),
                                                state.dictionary);
    }
    if (static_cast<int64_t>(state.values.size()) > MaxEntries(*type.index_type())) {
      return MakeError(ErrorKind::kConversion, {},
                       "more distinct values than a coded column holds in one file; read the "
                       "column as text (codes_as=\"string\")");
    }
    ARROW_ASSIGN_OR_RAISE(auto indices, Remap(*dict_array.indices(), mapping));
    return arrow::DictionaryArray::FromArrays(array->type(), indices, state.dictionary);
  }

  static int64_t MaxEntries(const arrow::DataType& index_type) {
    switch (index_type.id()) {
      case arrow::Type::INT8:
        return INT8_MAX + 1;
      case arrow::Type::INT16:
        return INT16_MAX + 1;
      default:
        return INT32_MAX;
    }
  }

  template <typename ArrayType, typename BuilderType>
  static arrow::Result<std::shared_ptr<arrow::Array>> RemapAs(const arrow::Array& indices,
                                                              const std::vector<int32_t>& mapping) {
    const auto& typed = static_cast<const ArrayType&>(indices);
    BuilderType builder;
    ARROW_RETURN_NOT_OK(builder.Reserve(typed.length()));
    for (int64_t i = 0; i < typed.length(); ++i) {
      if (typed.IsNull(i)) {
        builder.UnsafeAppendNull();
      } else {
        builder.UnsafeAppend(
            static_cast<typename BuilderType::value_type>(mapping[typed.Value(i)]));
      }
    }
    return builder.Finish();
  }

  static arrow::Result<std::shared_ptr<arrow::Array>> Remap(const arrow::Array& indices,
                                                            const std::vector<int32_t>& mapping) {
    switch (indices.type_id()) {
      case arrow::Type::INT8:
        return RemapAs<arrow::Int8Array, arrow::Int8Builder>(indices, mapping);
      case arrow::Type::INT16:
        return RemapAs<arrow::Int16Array, arrow::Int16Builder>(indices, mapping);
      default:
        return RemapAs<arrow::Int32Array, arrow::Int32Builder>(indices, mapping);
    }
  }

  std::vector<int> columns_;
  std::vector<State> state_;
};

DictionaryUnifier::DictionaryUnifier(std::vector<int> columns)
    : impl_(std::make_unique<Impl>(std::move(columns))) {}
DictionaryUnifier::~DictionaryUnifier() = default;

arrow::Result<std::shared_ptr<arrow::RecordBatch>> DictionaryUnifier::operator()(
    const std::shared_ptr<arrow::RecordBatch>& batch) {
  return (*impl_)(batch);
}

}  // namespace arrow_sus
