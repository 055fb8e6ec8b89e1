// Inputs shared by the benchmarks: the real corpus ($ARROW_SUS_CORPUS or ../shared/corpus) and
// large synthetic .dbc files made by our compressor from a real file's records repeated.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"

namespace arrow_sus_bench {

namespace fs = std::filesystem;

struct DbcFile {
  std::string name;
  std::vector<uint8_t> bytes;
  size_t stream_start = 0;  // H + 4
  size_t output_size = 0;   // decompressed DCL bytes
};

inline std::vector<uint8_t> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

inline fs::path CorpusDir() {
  if (const char* env = std::getenv("ARROW_SUS_CORPUS")) return env;
  return fs::path(ARROW_SUS_SOURCE_DIR) / ".." / "shared" / "corpus";
}

inline DbcFile Describe(std::string name, std::vector<uint8_t> bytes) {
  DbcFile f{std::move(name), std::move(bytes)};
  auto prefix = arrow_sus::ParseDbcPrefix(f.bytes, f.name).ValueOrDie();
  f.stream_start = prefix.header.size() + 4;
  std::vector<uint8_t> out;
  auto st = arrow_sus::DclDecompress(std::span(f.bytes).subspan(f.stream_start), &out);
  if (!st.ok()) std::abort();
  f.output_size = out.size();
  return f;
}

// Every .dbc of the corpus, largest output first (empty without the corpus).
inline std::vector<DbcFile> LoadCorpus() {
  std::vector<DbcFile> files;
  if (!fs::is_directory(CorpusDir())) return files;
  for (const auto& e : fs::directory_iterator(CorpusDir())) {
    std::string name = e.path().filename().string();
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (e.path().extension().string().size() != 4 || !lower.ends_with(".dbc") ||
        name == "not-a-dbc.dbc")
      continue;
    files.push_back(Describe(name, ReadFile(e.path())));
  }
  std::sort(files.begin(), files.end(),
            [](const DbcFile& a, const DbcFile& b) { return a.output_size > b.output_size; });
  return files;
}

// A corpus file by name, or nullptr.
inline const DbcFile* FindFile(const std::vector<DbcFile>& corpus, std::string_view name) {
  auto it =
      std::find_if(corpus.begin(), corpus.end(), [&](const DbcFile& f) { return f.name == name; });
  return it == corpus.end() ? nullptr : &*it;
}

// Records of a real file repeated up to `target` bytes (at least one record), as a DBF,
// compressed with our encoder, named `prefix` + the source's name.
inline DbcFile Synthetic(const DbcFile& source, size_t target,
                         std::string_view prefix = "synthetic-") {
  auto dbf = arrow_sus::DecompressDbc(source.bytes, source.name).ValueOrDie();
  size_t header = source.stream_start - 4;
  size_t record_length = dbf[10] | (dbf[11] << 8);
  size_t records = (dbf.size() - header) / record_length;
  std::vector<uint8_t> big(dbf.begin(), dbf.begin() + header);
  big.reserve(target + record_length * 2);
  size_t count = 0;
  while (big.size() < target) {
    size_t r = count % records;
    big.insert(big.end(), dbf.begin() + header + r * record_length,
               dbf.begin() + header + (r + 1) * record_length);
    ++count;
  }
  big.push_back(0x1A);
  big[4] = count & 0xFF;
  big[5] = (count >> 8) & 0xFF;
  big[6] = (count >> 16) & 0xFF;
  big[7] = (count >> 24) & 0xFF;
  auto dbc = arrow_sus::CompressDbf(big, "synthetic").ValueOrDie();
  return Describe(std::string(prefix) + source.name, std::move(dbc));
}

// Synthetic files of $ARROW_SUS_BENCH_MB MiB (default `default_mb`) from these corpus files.
inline std::vector<DbcFile> SyntheticFiles(const std::vector<DbcFile>& corpus,
                                           std::initializer_list<const char*> names,
                                           size_t default_mb) {
  size_t mb = default_mb;
  if (const char* env = std::getenv("ARROW_SUS_BENCH_MB")) mb = std::strtoull(env, nullptr, 10);
  std::vector<DbcFile> out;
  for (const char* name : names) {
    if (const DbcFile* source = FindFile(corpus, name)) out.push_back(Synthetic(*source, mb << 20));
  }
  return out;
}

}  // namespace arrow_sus_bench
