// arrow_sus._core.io: sources (FTP, HTTP, file, S3), identities, the download cache.
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/download.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/many_files.h"
#include "arrow_sus/io/remote_file.h"
#include "arrow_sus/io/source.h"
#include "python/bindings.h"
#include "python/completions.h"

namespace arrow_sus::python {

namespace {

using io::FileIdentity;
using io::RemoteEntry;
using io::Source;

nb::dict EntryToDict(const RemoteEntry& e) {
  nb::dict d;
  d["name"] = e.name;
  d["size"] = e.size;
  d["mtime"] = e.mtime ? nb::cast(*e.mtime) : nb::none();
  d["is_dir"] = e.is_dir;
  return d;
}

nb::dict IdentityToDict(const FileIdentity& id) {
  nb::dict d;
  d["path"] = id.path;
  d["size"] = id.size;
  d["mtime"] = id.mtime ? nb::cast(*id.mtime) : nb::none();
  d["records"] = id.records ? nb::cast(*id.records) : nb::none();
  d["crc32"] = id.crc32 ? nb::cast(*id.crc32) : nb::none();
  return d;
}

std::shared_ptr<Source> Open(const std::optional<std::string>& url,
                             const io::SourceOptions& options) {
  const std::string target = url.value_or(io::DefaultSourceUrl());
  nb::gil_scoped_release release;
  return ValueOrThrow(io::OpenSource(target, options));
}

nb::dict DownloadToDict(const io::DownloadResult& result) {
  nb::dict d = IdentityToDict(result.identity);
  d["local_path"] = result.local_path.string();
  d["up_to_date"] = result.up_to_date;
  d["bytes_fetched"] = result.bytes_fetched;
  d["resumed_from"] = result.resumed_from;
  return d;
}

// Waits for work on Arrow's IO pool with the GIL released (its tasks may call back into Python),
// looking for Ctrl-C every 100 ms: then `cancel` is set for the tasks to stop, the rest is awaited
// and the KeyboardInterrupt raised.
template <typename T>
T WaitInterruptibly(const arrow::Future<T>& future, std::atomic<bool>* cancel) {
  bool interrupted = false;
  while (true) {
    bool done;
    {
      nb::gil_scoped_release release;
      done = future.Wait(0.1);
    }
    if (done) break;
    if (!interrupted && PyErr_CheckSignals() != 0) {
      interrupted = true;
      if (cancel != nullptr) cancel->store(true);
    }
  }
  if (interrupted) throw nb::python_error();
  return ValueOrThrow(future.result());
}

// One list per item: the item's value converted, or its error as an exception object.
template <typename T, typename Convert>
nb::list PerItem(const std::vector<arrow::Result<T>>& results, Convert convert) {
  nb::list out;
  for (const auto& result : results) {
    out.append(result.ok() ? convert(*result) : ErrorObject(result.status()));
  }
  return out;
}

nb::list DownloadMany(std::shared_ptr<Source> source, const std::vector<std::string>& paths,
                      const std::string& root, std::function<void(nb::dict, int64_t)> on_start,
                      std::function<void(int64_t)> on_bytes,
                      std::function<void(std::string)> on_done) {
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  auto cancelled = [cancel]() {
    return cancel->load() ? MakeError(ErrorKind::kCancelled, {}, "download interrupted")
                          : arrow::Status::OK();
  };
  // A failing progress callback stops its download rather than unwinding through the transfer.
  auto call_python = [cancelled](auto&& call) -> arrow::Status {
    nb::gil_scoped_acquire acquire;
    try {
      call();
    } catch (nb::python_error& error) {
      return MakeError(ErrorKind::kCancelled, {},
                       std::string("progress callback: ") + error.what());
    }
    return cancelled();
  };
  // The callbacks borrow the Python callables, which live here until every download has ended:
  // the options may be released on a pool thread, without the GIL.
  io::DownloadOptions options;
  if (on_start) {
    options.on_start = [python = &on_start, call_python](const FileIdentity& id,
                                                         const io::PartialDownload& partial) {
      ARROW_UNUSED(call_python([&] { (*python)(IdentityToDict(id), partial.resume_offset); }));
    };
  }
  options.on_bytes = [python = &on_bytes, call_python, cancelled](int64_t n) {
    return *python ? call_python([&] { (*python)(n); }) : cancelled();
  };
  options.keep_waiting = cancelled;  // another process or thread downloads the same file
  std::function<void(size_t)> finished;
  if (on_done) {
    finished = [python = &on_done, &paths, call_python](size_t i) {
      ARROW_UNUSED(call_python([&] { (*python)(paths[i]); }));
    };
  }
  auto future = io::DownloadFiles(std::move(source), io::FileCache{std::filesystem::path(root)},
                                  paths, std::move(options), std::move(finished));
  auto results = WaitInterruptibly(future, cancel.get());
  return PerItem(results, DownloadToDict);
}

// Downloads read by an event loop: the outcome is announced on its completion queue, and progress
// is counted here for the loop to show (no pool thread calls into Python).
class AsyncDownloads {
 public:
  using Outcomes = std::vector<arrow::Result<io::DownloadResult>>;

  AsyncDownloads(std::shared_ptr<Source> source, std::vector<std::string> paths,
                 const std::string& root, std::shared_ptr<CompletionQueue> queue, uint64_t token)
      : paths_(std::move(paths)) {
    io::DownloadOptions options;
    options.on_start = [progress = progress_](const FileIdentity& id,
                                              const io::PartialDownload& partial) {
      progress->expected += id.size;
      progress->done += partial.resume_offset;
    };
    options.on_bytes = [progress = progress_, cancel = cancel_](int64_t n) {
      progress->done += n;
      return cancel->load() ? MakeError(ErrorKind::kCancelled, {}, "download cancelled")
                            : arrow::Status::OK();
    };
    options.keep_waiting = [cancel = cancel_] {
      return cancel->load() ? MakeError(ErrorKind::kCancelled, {}, "download cancelled")
                            : arrow::Status::OK();
    };
    auto finished = [progress = progress_](size_t) { ++progress->files; };
    pending_ =
        Announce(io::DownloadFiles(std::move(source), io::FileCache{std::filesystem::path(root)},
                                   paths_, std::move(options), std::move(finished)),
                 std::move(queue), token);
  }

  // Each file's result dict or error object, in order (once announced).
  nb::list Take() { return PerItem(ValueOrThrow(pending_->Take()), DownloadToDict); }
  // Stops every download (partial files stay for a later resume); the outcome is still announced.
  void Cancel() { cancel_->store(true); }
  nb::dict Progress() const {
    nb::dict d;
    d["expected_bytes"] = progress_->expected.load();
    d["bytes"] = progress_->done.load();
    d["files"] = progress_->files.load();
    return d;
  }

 private:
  struct Counters {
    std::atomic<int64_t> expected{0};
    std::atomic<int64_t> done{0};
    std::atomic<int64_t> files{0};
  };
  std::vector<std::string> paths_;
  std::shared_ptr<Counters> progress_ = std::make_shared<Counters>();
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<Pending<Outcomes>> pending_;
};

nb::list ListMany(std::shared_ptr<Source> source, const std::vector<std::string>& directories) {
  auto results =
      WaitInterruptibly(io::ListDirectories(std::move(source), directories), /*cancel=*/nullptr);
  return PerItem(results, [](const std::vector<RemoteEntry>& entries) {
    nb::list out;
    for (const auto& e : entries) out.append(EntryToDict(e));
    return out;
  });
}

}  // namespace

void BindIo(nb::module_& m) {
  nb::module_ io = m.def_submodule("io", "Remote sources, file identities and the download cache");

  io.attr("IDENTITY_PREFIX_BYTES") = io::kIdentityPrefixBytes;
  io.def("default_source_url", &io::DefaultSourceUrl);
  io.def("cache_dir", [] { return io::CacheDir().string(); });

  nb::class_<AsyncDownloads>(io, "AsyncDownloads", "Downloads announced on an event loop's queue")
      .def("take", &AsyncDownloads::Take)
      .def("cancel", &AsyncDownloads::Cancel)
      .def("progress", &AsyncDownloads::Progress);

  nb::class_<RandomAccessFileHandle>(io, "RemoteFile",
                                     "A remote file being downloaded; readable while it arrives")
      .def_ro("name", &RandomAccessFileHandle::name)
      .def("close", [](RandomAccessFileHandle& h) {
        nb::gil_scoped_release release;
        ThrowIfError(h.file->Close());
      });

  nb::class_<Source>(io, "Source")
      .def_prop_ro("url", &Source::url)
      .def(
          "list",
          [](Source& s, const std::string& dir) {
            std::vector<RemoteEntry> entries;
            {
              nb::gil_scoped_release release;
              entries = ValueOrThrow(s.List(dir));
            }
            nb::list out;
            for (const auto& e : entries) out.append(EntryToDict(e));
            return out;
          },
          nb::arg("dir"))
      .def(
          "stat",
          [](Source& s, const std::string& path) {
            FileIdentity id;
            {
              nb::gil_scoped_release release;
              id = ValueOrThrow(io::StatIdentity(s, path));
            }
            return IdentityToDict(id);
          },
          nb::arg("path"))
      .def(
          "read_range",
          [](Source& s, const std::string& path, int64_t offset, int64_t length) {
            std::shared_ptr<arrow::Buffer> buffer;
            {
              nb::gil_scoped_release release;
              buffer = ValueOrThrow(s.ReadRange(path, offset, length));
            }
            return nb::bytes(reinterpret_cast<const char*>(buffer->data()),
                             static_cast<size_t>(buffer->size()));
          },
          nb::arg("path"), nb::arg("offset"), nb::arg("length"))
      .def(
          "read",
          [](Source& s, const std::string& path) {
            std::string bytes;
            {
              nb::gil_scoped_release release;
              ThrowIfError(s.Read(path, 0, [&bytes](std::span<const uint8_t> chunk) {
                bytes.append(reinterpret_cast<const char*>(chunk.data()), chunk.size());
                return arrow::Status::OK();
              }));
            }
            return nb::bytes(bytes.data(), bytes.size());
          },
          nb::arg("path"), "The whole file (small files: a file index, a listing document)")
      .def(
          "download",
          [](Source& s, const std::string& path, const std::string& root,
             std::function<void(nb::dict, int64_t)> on_start,
             std::function<void(int64_t)> on_bytes) {
            io::FileCache cache{std::filesystem::path(root)};
            io::DownloadOptions options;
            if (on_start) {
              options.on_start = [&on_start](const FileIdentity& id,
                                             const io::PartialDownload& partial) {
                nb::gil_scoped_acquire acquire;
                on_start(IdentityToDict(id), partial.resume_offset);
              };
            }
            // Ctrl-C while another process or thread downloads the same file: stop waiting.
            options.keep_waiting = [] {
              nb::gil_scoped_acquire acquire;
              if (PyErr_CheckSignals() != 0) {
                PyErr_Clear();
                return MakeError(ErrorKind::kCancelled, {}, "download interrupted");
              }
              return arrow::Status::OK();
            };
            if (on_bytes) {
              options.on_bytes = [&on_bytes](int64_t n) {
                nb::gil_scoped_acquire acquire;
                on_bytes(n);
                // Ctrl-C while downloading: stop, keeping the partial file for a later resume.
                if (PyErr_CheckSignals() != 0) {
                  PyErr_Clear();
                  return MakeError(ErrorKind::kCancelled, {}, "download interrupted");
                }
                return arrow::Status::OK();
              };
            }
            io::DownloadResult result;
            {
              nb::gil_scoped_release release;
              result = ValueOrThrow(io::DownloadFile(s, cache, path, options));
            }
            return DownloadToDict(result);
          },
          nb::arg("path"), nb::arg("root"), nb::arg("on_start").none() = nb::none(),
          nb::arg("on_bytes").none() = nb::none())
      .def(
          "download_many", &DownloadMany, nb::arg("paths"), nb::arg("root"),
          nb::arg("on_start").none() = nb::none(), nb::arg("on_bytes").none() = nb::none(),
          nb::arg("on_done").none() = nb::none(),
          "Downloads every path as download() does, on Arrow's IO thread pool, as many at once as "
          "the source's connection limit allows; returns, in order, each file's result dict or its "
          "error (an exception object, not raised). Ctrl-C stops them all, keeping partial files")
      .def(
          "download_many_async",
          [](std::shared_ptr<Source> s, std::vector<std::string> paths, const std::string& root,
             std::shared_ptr<CompletionQueue> queue, uint64_t token) {
            return new AsyncDownloads(std::move(s), std::move(paths), root, std::move(queue),
                                      token);
          },
          nb::arg("paths"), nb::arg("root"), nb::arg("queue"), nb::arg("token"),
          nb::rv_policy::take_ownership,
          "download_many() announced on `queue` (arrow_sus.aio): take() the outcomes once posted")
      .def("list_many", &ListMany, nb::arg("directories"),
           "Lists every directory on Arrow's IO thread pool within the source's connection limit; "
           "returns, in order, each directory's entries or its error (an exception object)")
      .def(
          "open",
          [](std::shared_ptr<Source> s, const std::string& path, const std::string& root) {
            nb::gil_scoped_release release;
            auto file = ValueOrThrow(
                io::OpenRemoteFile(std::move(s), io::FileCache{std::filesystem::path(root)}, path));
            return RandomAccessFileHandle{std::move(file), path};
          },
          nb::arg("path"), nb::arg("root"),
          "Starts downloading `path` into `root` and returns it as a RemoteFile readable at once");

  io.def("open_source", &Open, nb::arg("url").none() = nb::none(),
         nb::arg("options") = io::SourceOptions{},
         "Opens a source by URL (None: the default source) with these SourceOptions.");
}

}  // namespace arrow_sus::python
