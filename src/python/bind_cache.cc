// arrow_sus._core.cache: the converted (Arrow IPC / Parquet) cache manifest and removal of raw
// downloads.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_sus/cache/converted_cache.h"
#include "arrow_sus/io/cache.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

nb::dict EntryToDict(const cache::ConvertedEntry& entry) {
  nb::dict d;
  d["source"] = entry.source;
  d["path"] = entry.identity.path;
  d["size"] = entry.identity.size;
  d["mtime"] = entry.identity.mtime ? nb::cast(*entry.identity.mtime) : nb::none();
  d["records"] = entry.identity.records ? nb::cast(*entry.identity.records) : nb::none();
  d["crc32"] = entry.identity.crc32 ? nb::cast(*entry.identity.crc32) : nb::none();
  d["converter"] = entry.converter;
  d["format"] = cache::ConvertedFormatName(entry.format);
  d["dataset"] = entry.dataset;
  d["local_path"] = entry.local_path;
  d["bytes"] = entry.bytes;
  d["created"] = entry.created;
  d["last_used"] = entry.last_used;
  return d;
}

// Files of the raw cache (entries or temporaries) as dicts: path, bytes, mtime.
template <typename File>
nb::list FilesToList(const std::vector<File>& files) {
  nb::list out;
  for (const File& file : files) {
    nb::dict d;
    d["path"] = std::filesystem::path(file.path).string();
    d["bytes"] = file.bytes;
    d["mtime"] = file.mtime;
    out.append(d);
  }
  return out;
}

// What `list` finds in the raw cache at `root`, found without the GIL.
template <typename List>
nb::list ListRaw(const std::string& root, const List& list) {
  const io::FileCache cache{std::filesystem::path(root)};
  decltype(list(cache)) files;
  {
    nb::gil_scoped_release release;
    files = list(cache);
  }
  return FilesToList(files);
}

}  // namespace

void BindCache(nb::module_& m) {
  nb::module_ mod = m.def_submodule("cache", "The disk cache: converted entries and raw downloads");

  mod.def(
      "remove_raw",
      [](const std::string& root, const std::string& path) {
        io::FileCache cache{std::filesystem::path(root)};
        nb::gil_scoped_release release;
        ThrowIfError(cache.Remove(path));
      },
      nb::arg("root"), nb::arg("path"),
      "Removes a downloaded file, its identity and any partial download not being written.");

  mod.def(
      "raw_entries",
      [](const std::string& root) {
        return ListRaw(root, [](const io::FileCache& cache) { return cache.Entries(); });
      },
      nb::arg("root"),
      "The downloaded files under `root` (path on the server, bytes, mtime), sorted by path.");
  mod.def(
      "raw_temporaries",
      [](const std::string& root) {
        return ListRaw(root, [](const io::FileCache& cache) { return cache.Temporaries(); });
      },
      nb::arg("root"),
      "Partial downloads and temporary records under `root` whose writer is gone.");
  mod.def(
      "remove_raw_temporaries",
      [](const std::string& root, std::optional<int64_t> older_than_seconds) {
        io::FileCache cache{std::filesystem::path(root)};
        nb::gil_scoped_release release;
        return ValueOrThrow(cache.RemoveTemporaries(older_than_seconds));
      },
      nb::arg("root"), nb::arg("older_than_seconds") = nb::none(),
      "Removes what raw_temporaries finds; returns how many files were removed.");

  nb::class_<cache::ConvertedCache>(mod, "ConvertedCache")
      .def_static(
          "open",
          [](const std::string& root) {
            nb::gil_scoped_release release;
            return ValueOrThrow(cache::ConvertedCache::Open(root));
          },
          nb::arg("root"))
      .def_prop_ro("root", &cache::ConvertedCache::root)
      .def("info",
           [](cache::ConvertedCache& self) {
             cache::ConvertedCacheInfo info;
             {
               nb::gil_scoped_release release;
               info = ValueOrThrow(self.Info());
             }
             nb::dict d;
             d["entries"] = info.entries;
             d["bytes"] = info.bytes;
             nb::dict by_format;
             for (const auto& [format, usage] : info.by_format) {
               nb::dict u;
               u["entries"] = usage.entries;
               u["bytes"] = usage.bytes;
               by_format[cache::ConvertedFormatName(format)] = u;
             }
             d["by_format"] = by_format;
             d["hits"] = info.hits;
             d["misses"] = info.misses;
             return d;
           })
      .def("entries",
           [](cache::ConvertedCache& self) {
             std::vector<cache::ConvertedEntry> entries;
             {
               nb::gil_scoped_release release;
               entries = ValueOrThrow(self.Entries());
             }
             nb::list out;
             for (const auto& entry : entries) out.append(EntryToDict(entry));
             return out;
           })
      .def("temporaries",
           [](cache::ConvertedCache& self) {
             std::vector<io::TemporaryFile> files;
             {
               nb::gil_scoped_release release;
               files = self.Temporaries();
             }
             return FilesToList(files);
           })
      .def(
          "remove_temporaries",
          [](cache::ConvertedCache& self, std::optional<int64_t> older_than_seconds) {
            nb::gil_scoped_release release;
            return ValueOrThrow(self.RemoveTemporaries(older_than_seconds));
          },
          nb::arg("older_than_seconds") = nb::none())
      .def(
          "clear",
          [](cache::ConvertedCache& self, std::optional<int64_t> older_than_seconds,
             std::optional<std::string> dataset, std::optional<std::string> format) {
            cache::ClearOptions options{.older_than_seconds = older_than_seconds,
                                        .dataset = dataset};
            if (format) options.format = ValueOrThrow(cache::ParseConvertedFormat(*format));
            nb::gil_scoped_release release;
            return ValueOrThrow(self.Clear(options));
          },
          nb::arg("older_than_seconds") = nb::none(), nb::arg("dataset") = nb::none(),
          nb::arg("format") = nb::none());
}

}  // namespace arrow_sus::python
