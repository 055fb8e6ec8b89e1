// Reading a converted cache file with a way out: when the file turns out damaged part-way, the
// rest of its rows come from decoding the original file instead.
#pragma once

#include <functional>
#include <memory>

#include <arrow/record_batch.h>
#include <arrow/result.h>

namespace arrow_sus::scan {

// Opens a file's reader: its converted copy, or the same rows (same projection and filter) decoded
// from the original.
using OpenRows = std::function<arrow::Result<std::shared_ptr<arrow::RecordBatchReader>>()>;

// The rows of `open_cached` while its file is sound. When opening it or reading it fails with
// damage (a kFormat or kChecksum error: the file's bytes are verified before any batch built on
// them is handed out, so every batch delivered so far was right), the reader switches to `decode`
// and continues with its rows, skipping as many as were already delivered: the decoder produces the
// same rows in the same order. Cancellation and other errors pass through. Batches may come in
// another field order after the switch; callers conform them by name.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> ReadCachedElseDecode(
    const OpenRows& open_cached, OpenRows decode);

}  // namespace arrow_sus::scan
