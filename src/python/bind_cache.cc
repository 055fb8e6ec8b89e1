// arrow_sus.cache: the disk cache's manifest (info, entries, clear).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_sus/cache/cache.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

cache::EntryKind ParseKind(const std::string& kind) {
  if (kind == "raw") return cache::EntryKind::kRaw;
  if (kind == "parquet") return cache::EntryKind::kParquet;
  throw nb::value_error("kind must be \"raw\" or \"parquet\"");
}

nb::dict EntryToDict(const cache::CacheEntry& entry) {
  nb::dict d;
  d["kind"] = entry.kind == cache::EntryKind::kRaw ? "raw" : "parquet";
  d["source"] = entry.identity.source;
  d["path"] = entry.identity.path;
  d["size"] = entry.identity.size;
  d["mtime"] = entry.identity.mtime;
  d["crc"] = entry.identity.crc ? nb::cast(*entry.identity.crc) : nb::none();
  d["converter"] = entry.converter;
  d["dataset"] = entry.dataset;
  d["local_path"] = entry.local_path;
  d["bytes"] = entry.bytes;
  d["created"] = entry.created;
  d["last_used"] = entry.last_used;
  return d;
}

}  // namespace

void BindCache(nb::module_& m) {
  m.def("default_cache_dir", &cache::DefaultCacheDir);

  nb::class_<cache::Cache>(m, "Cache")
      .def_static(
          "open",
          [](const std::string& root) {
            nb::gil_scoped_release release;
            return ValueOrThrow(cache::Cache::Open(root));
          },
          nb::arg("root"))
      .def_prop_ro("root", &cache::Cache::root)
      .def("info",
           [](cache::Cache& self) {
             cache::CacheInfo info;
             {
               nb::gil_scoped_release release;
               info = ValueOrThrow(self.Info());
             }
             nb::dict d;
             d["raw_entries"] = info.raw_entries;
             d["raw_bytes"] = info.raw_bytes;
             d["parquet_entries"] = info.parquet_entries;
             d["parquet_bytes"] = info.parquet_bytes;
             d["hits"] = info.hits;
             d["misses"] = info.misses;
             return d;
           })
      .def("entries",
           [](cache::Cache& self) {
             std::vector<cache::CacheEntry> entries;
             {
               nb::gil_scoped_release release;
               entries = ValueOrThrow(self.Entries());
             }
             nb::list out;
             for (const auto& entry : entries) out.append(EntryToDict(entry));
             return out;
           })
      .def(
          "clear",
          [](cache::Cache& self, std::optional<int64_t> older_than_seconds,
             std::optional<std::string> dataset, std::optional<std::string> kind) {
            cache::ClearOptions options{.older_than_seconds = older_than_seconds,
                                        .dataset = dataset};
            if (kind) options.kind = ParseKind(*kind);
            nb::gil_scoped_release release;
            return ValueOrThrow(self.Clear(options));
          },
          nb::arg("older_than_seconds") = nb::none(), nb::arg("dataset") = nb::none(),
          nb::arg("kind") = nb::none());
}

}  // namespace arrow_sus::python
