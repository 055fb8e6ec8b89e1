#include "arrow_sus/io/many_files.h"

#include <arrow/io/interfaces.h>
#include <arrow/util/thread_pool.h>

namespace arrow_sus::io {

namespace {

// Runs `job(index, item)` for every item on the IO pool; a task the pool refuses fails with its
// error.
template <typename T, typename Job>
arrow::Future<std::vector<arrow::Result<T>>> OnIoPool(const std::vector<std::string>& items,
                                                      Job job) {
  arrow::internal::Executor* pool = arrow::io::default_io_context().executor();
  std::vector<arrow::Future<T>> running;
  running.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto submitted =
        pool->Submit([job, i, item = items[i]]() -> arrow::Result<T> { return job(i, item); });
    running.push_back(submitted.ok() ? std::move(*submitted)
                                     : arrow::Future<T>::MakeFinished(submitted.status()));
  }
  return arrow::All(std::move(running));
}

}  // namespace

arrow::Future<std::vector<arrow::Result<DownloadResult>>> DownloadFiles(
    std::shared_ptr<Source> source, FileCache cache, std::vector<std::string> paths,
    DownloadOptions options, std::function<void(size_t)> on_finished) {
  auto shared_options = std::make_shared<const DownloadOptions>(std::move(options));
  auto shared_on_finished = std::make_shared<const std::function<void(size_t)>>(on_finished);
  return OnIoPool<DownloadResult>(paths, [source, cache, shared_options, shared_on_finished](
                                             size_t i, const std::string& path) {
    FileCache own_cache = cache;
    auto result = DownloadFile(*source, own_cache, path, *shared_options);
    if (*shared_on_finished) (*shared_on_finished)(i);
    return result;
  });
}

arrow::Future<std::vector<arrow::Result<std::vector<RemoteEntry>>>> ListDirectories(
    std::shared_ptr<Source> source, std::vector<std::string> directories) {
  return OnIoPool<std::vector<RemoteEntry>>(
      directories,
      [source](size_t, const std::string& directory) { return source->List(directory); });
}

}  // namespace arrow_sus::io
