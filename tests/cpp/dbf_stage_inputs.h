// Inputs for the tests of the DBF reader's stages taken apart (record blocks, block processor,
// block pipeline, converters): a built DBF's header parsed and its stream left at the first record.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>
#include <gtest/gtest.h>

#include "arrow_sus/dbf/header.h"
#include "arrow_sus/error.h"
#include "dbf_builder.h"

namespace arrow_sus::testing {

struct StageInput {
  dbf::DbfHeader header;
  std::shared_ptr<arrow::io::InputStream> records;  // positioned at the first record
};

inline StageInput OpenRecords(const std::vector<uint8_t>& bytes) {
  auto stream = std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromVector(bytes));
  auto header = dbf::ReadDbfHeader(stream.get());
  EXPECT_TRUE(header.ok()) << header.status().ToString();
  return {header.ValueOr(dbf::DbfHeader{}), stream};
}

inline StageInput OpenRecords(const DbfBuilder& builder) { return OpenRecords(builder.Build()); }

// The ErrorDetail of a failed status (a test failure when it has none).
inline const ErrorDetail& DetailOf(const arrow::Status& status) {
  static const ErrorDetail kNone(ErrorKind::kIo, {});
  EXPECT_FALSE(status.ok());
  const ErrorDetail* detail = GetErrorDetail(status);
  EXPECT_NE(detail, nullptr) << status.ToString();
  return detail != nullptr ? *detail : kNone;
}

}  // namespace arrow_sus::testing
