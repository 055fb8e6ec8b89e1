// Arrow IPC files (Feather v2) of the converted cache: the default format. Buffers are LZ4-frame
// compressed; files are memory-mapped when read, and only the columns a scan needs are
// decompressed.
#pragma once

#include <memory>
#include <string>

#include <arrow/record_batch.h>
#include <arrow/result.h>
#include <arrow/util/type_fwd.h>

#include "arrow_sus/cache/converted_read_options.h"
#include "arrow_sus/cache/tee_to_file.h"

namespace arrow_sus::cache {

// Streams an Arrow IPC file, memory-mapped. Only `columns` are decompressed. With a filter (an
// unbound expression), each batch's filter columns are read first and the batch is skipped, its
// other columns never touched, when no row matches (late materialisation: IPC files have no
// statistics to prune with, and this costs one filter evaluation per 65,536-row batch). Batches
// keep the size they were written with, cut to at most options.batch_size rows.
arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenIpcFile(
    const std::string& path, const ConvertedReadOptions& options);

// The schema in the file's footer (read through `verifier`, when given).
arrow::Result<std::shared_ptr<arrow::Schema>> IpcFileSchema(
    const std::string& path, const std::shared_ptr<ChunkVerifier>& verifier = nullptr);

// Writers of Arrow IPC files for TeeToFile, their buffers compressed with `compression` (LZ4_FRAME
// for the "ipc" cache format) or not (UNCOMPRESSED: "ipc-uncompressed").
BatchFileWriterFactory IpcWriterFactory(arrow::Compression::type compression);

// An Arrow IPC file for users (`get -o x.arrow`) at `path` (an output's temporary name: the caller
// commits it), written batch by batch. An IPC file holds one dictionary per column, so coded
// columns are unified over the whole stream (files included: each file has its own dictionaries)
// and written as deltas; a dictionary column whose first batch has an empty dictionary (Arrow
// cannot grow it from empty, and a placeholder entry would show as a category) is written as its
// values' type. The file's schema is therefore decided by the first batch.
arrow::Result<std::unique_ptr<BatchFileWriter>> OpenIpcOutput(
    const std::string& path, std::shared_ptr<arrow::Schema> schema);

}  // namespace arrow_sus::cache
