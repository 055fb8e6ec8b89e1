// Column converters: the bytes of one field in the selected records of a block -> one Arrow array.
// One converter per DBF type (and per output type); each writes the Arrow buffers directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <arrow/array.h>
#include <arrow/memory_pool.h>
#include <arrow/result.h>
#include <arrow/type.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/dbf/options.h"

namespace arrow_sus::dbf::internal {

// The records of one block that survived deletion and filtering. Plain pointers, no container:
// converters copy it into a local, whose fields then stay in registers while they store bytes
// (a store through uint8_t* may alias anything the compiler has to reload from memory).
struct SelectedRecords {
  const uint8_t* block = nullptr;  // first record of the block
  const uint8_t* end = nullptr;    // one past the block's last record: wide loads stop before it
  int32_t record_length = 0;
  const int32_t* rows = nullptr;  // indices of the kept records inside the block
  int64_t count = 0;              // how many
  int64_t first_record = 0;       // number (0-based, in the file) of the block's first record

  int64_t size() const { return count; }
  const uint8_t* record(int64_t i) const {
    return block + static_cast<int64_t>(rows[i]) * record_length;
  }
};

// Converts one field into Arrow arrays. A block is converted in tiles of records small enough to
// stay in cache while every projected column takes its values from them (a column at a time over a
// whole block would stream the block from memory once per column), so a conversion is started for
// the block, fed the tiles in order, and finished into one array.
class ColumnConverter {
 public:
  static arrow::Result<std::unique_ptr<ColumnConverter>> Make(const FieldDescriptor& field,
                                                              const ReadOptions& options,
                                                              arrow::MemoryPool* pool);
  ColumnConverter(const FieldDescriptor& field, const ReadOptions& options,
                  arrow::MemoryPool* pool);
  virtual ~ColumnConverter() = default;

  // One block's array under construction.
  class Output {
   public:
    virtual ~Output() = default;
    // Converts selected records [begin, end). Unparsable values become nulls and are added to
    // `*invalid_count`, or fail with a ConversionError under InvalidPolicy::kRaise.
    virtual arrow::Status Append(const SelectedRecords& records, int64_t begin, int64_t end,
                                 int64_t* invalid_count) = 0;
    virtual arrow::Result<std::shared_ptr<arrow::Array>> Finish() = 0;
  };

  // Starts the array for a block of `num_rows` selected records, to be appended in tiles of at
  // most `tile_rows`. Thread-safe (the converter is immutable; each Output belongs to one task).
  virtual arrow::Result<std::unique_ptr<Output>> Start(int64_t num_rows,
                                                       int64_t tile_rows) const = 0;

  const std::shared_ptr<arrow::Field>& field() const { return arrow_field_; }

  // Called for each invalid value: counts it, or returns the error naming the row and field.
  arrow::Status OnInvalid(const SelectedRecords& records, int64_t i, int64_t* invalid_count) const;

 protected:
  FieldDescriptor descriptor_;
  InvalidPolicy on_invalid_;
  arrow::MemoryPool* pool_;
  std::shared_ptr<arrow::Field> arrow_field_;
};

// A converter of a coded field into an Arrow dictionary array whose dictionary starts with `codes`
// (UTF-8, in this order), followed by the other values of each block (code_converter.cc). The
// field's Arrow type (ArrowTypeFor) is the dictionary type.
arrow::Result<std::unique_ptr<ColumnConverter>> MakeCodeConverter(
    const FieldDescriptor& field, const ReadOptions& options, arrow::MemoryPool* pool,
    const std::vector<std::string>& codes);

}  // namespace arrow_sus::dbf::internal
