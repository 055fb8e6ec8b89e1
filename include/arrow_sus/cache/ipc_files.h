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

}  // namespace arrow_sus::cache
