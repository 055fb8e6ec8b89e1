// Files of the converted cache, whatever their format (cache::ConvertedFormat): reading them with
// projection and filters, reading their schema, and writing them while a conversion streams past.
// Each format lives in its own file (cache/parquet_files.h, cache/ipc_files.h); this is what the
// scan calls.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <arrow/compute/expression.h>
#include <arrow/record_batch.h>
#include <arrow/result.h>

#include "arrow_sus/cache/chunk_checksums.h"
#include "arrow_sus/cache/converted_cache.h"
#include "arrow_sus/cache/converted_read_options.h"
#include "arrow_sus/cache/tee_to_file.h"
#include "arrow_sus/io/entry_lock.h"

namespace arrow_sus::scan {

using cache::ConvertedReadOptions;
using cache::OnTeeComplete;

// Reads a cache file. A cache file was complete when it was committed, so any failure to read it
// (other than cancellation) means it was damaged (or removed) since: it becomes a kFormat error
// naming the file (kChecksum when the checksums caught it), and `on_damaged` (when given) is called
// once first, e.g. to drop the cache entry so that the file is converted again.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenConvertedFile(
    cache::ConvertedFormat format, const std::string& path, const ConvertedReadOptions& options,
    std::function<void()> on_damaged = nullptr);

// The schema stored in the file (read through `verifier`, when given); a file that is not a
// complete file of this format is an error.
arrow::Result<std::shared_ptr<arrow::Schema>> ConvertedFileSchema(
    cache::ConvertedFormat format, const std::string& path,
    const std::shared_ptr<cache::ChunkVerifier>& verifier = nullptr);

// Writes `input` to `path` in `format` with that format's cache settings while passing it through
// (see TeeToFile in tee_to_file.h: temporary name, checksums, rename, then `on_complete`), holding
// the entry's `lock` until then.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> TeeToConvertedFile(
    cache::ConvertedFormat format, std::shared_ptr<arrow::RecordBatchReader> input,
    std::string path, io::EntryLock lock, OnTeeComplete on_complete);

}  // namespace arrow_sus::scan
