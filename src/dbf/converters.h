// Column converters: the bytes of one field in the selected records of a block -> one Arrow array.
// One converter per DBF type (and per output type); each writes the Arrow buffers directly.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/array.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>
#include <arrow/type.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf::internal {

// The records of one block that survived deletion and filtering.
struct SelectedRecords {
  const uint8_t* block = nullptr;  // first record of the block
  int32_t record_length = 0;
  const std::vector<int32_t>* rows = nullptr;  // indices of the kept records inside the block
  int64_t first_record = 0;  // number (0-based, in the file) of the block's first record

  int64_t size() const { return static_cast<int64_t>(rows->size()); }
  const uint8_t* record(int64_t i) const {
    return block + static_cast<int64_t>((*rows)[i]) * record_length;
  }
};

class ColumnConverter {
 public:
  static arrow::Result<std::unique_ptr<ColumnConverter>> Make(const FieldDescriptor& field,
                                                              const ReadOptions& options,
                                                              arrow::MemoryPool* pool);
  virtual ~ColumnConverter() = default;

  // Converts the field in every selected record. Unparsable values become nulls and are added to
  // `*invalid_count`, or fail with a ConversionError under InvalidPolicy::kRaise. Thread-safe.
  virtual arrow::Result<std::shared_ptr<arrow::Array>> Convert(const SelectedRecords& records,
                                                               int64_t* invalid_count) const = 0;

  const std::shared_ptr<arrow::Field>& field() const { return arrow_field_; }

  ColumnConverter(const FieldDescriptor& field, const ReadOptions& options,
                  arrow::MemoryPool* pool);

 protected:
  // Called for each invalid value: counts it, or returns the error naming the row and field.
  arrow::Status OnInvalid(const SelectedRecords& records, int64_t i, int64_t* invalid_count) const;

  FieldDescriptor descriptor_;
  InvalidPolicy on_invalid_;
  arrow::MemoryPool* pool_;
  std::shared_ptr<arrow::Field> arrow_field_;
};

}  // namespace arrow_sus::dbf::internal
