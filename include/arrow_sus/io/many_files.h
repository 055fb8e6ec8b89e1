// Many downloads or listings at once, on Arrow's IO thread pool.
//
// Transfers block on the network, so they run as tasks of Arrow's IO pool (the pool Arrow's own
// readers use for blocking I/O; its size is pyarrow.set_io_thread_count). The only cap on the
// connections is the source's per-host limit (SourceOptions::max_connections_per_host): a task past
// the limit waits for a connection, and the pool's size bounds how many wait at once. Each item
// gets its own result, in the order asked, so one failure does not hide the others.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <arrow/result.h>
#include <arrow/util/future.h>

#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/download.h"
#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

// DownloadFile of every path into `cache`; `options`' callbacks and `on_finished` (the path's
// index, once its download has ended, well or not) are called from the pool's threads. The source
// is kept alive until every download has ended.
arrow::Future<std::vector<arrow::Result<DownloadResult>>> DownloadFiles(
    std::shared_ptr<Source> source, FileCache cache, std::vector<std::string> paths,
    DownloadOptions options = {}, std::function<void(size_t)> on_finished = {});

// Source::List of every directory.
arrow::Future<std::vector<arrow::Result<std::vector<RemoteEntry>>>> ListDirectories(
    std::shared_ptr<Source> source, std::vector<std::string> directories);

}  // namespace arrow_sus::io
