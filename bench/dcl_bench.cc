// Decompression (and compression) throughput of the DCL codec, in bytes of decompressed data per
// second, over the real corpus and over a large synthetic .dbc made by our compressor from real
// records. Corpus: $ARROW_SUS_CORPUS or ../shared/corpus; synthetic size: $ARROW_SUS_BENCH_MB
// (default 512 MiB of decompressed data).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"

namespace {

namespace fs = std::filesystem;
using arrow_sus::DbcPrefix;

struct DbcFile {
  std::string name;
  std::vector<uint8_t> bytes;
  size_t stream_start = 0;  // H + 4
  size_t output_size = 0;   // decompressed DCL bytes
};

std::vector<uint8_t> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

fs::path CorpusDir() {
  if (const char* env = std::getenv("ARROW_SUS_CORPUS")) return env;
  return fs::path(ARROW_SUS_SOURCE_DIR) / ".." / "shared" / "corpus";
}

DbcFile Describe(std::string name, std::vector<uint8_t> bytes) {
  DbcFile f{std::move(name), std::move(bytes)};
  auto prefix = arrow_sus::ParseDbcPrefix(f.bytes, f.name).ValueOrDie();
  f.stream_start = prefix.header.size() + 4;
  std::vector<uint8_t> out;
  auto st = arrow_sus::DclDecompress(std::span(f.bytes).subspan(f.stream_start), &out);
  if (!st.ok()) std::abort();
  f.output_size = out.size();
  return f;
}

std::vector<DbcFile> LoadCorpus() {
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

// Records of a real file repeated up to `target` bytes, as a DBF, compressed with our encoder.
DbcFile Synthetic(const DbcFile& source, size_t target) {
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
  return Describe("synthetic-" + source.name, std::move(dbc));
}

void DclDecompressBench(benchmark::State& state, const DbcFile* file) {
  std::vector<uint8_t> out;
  out.reserve(file->output_size + 1024);
  std::span<const uint8_t> stream = std::span(file->bytes).subspan(file->stream_start);
  for (auto _ : state) {
    out.clear();
    auto st = arrow_sus::DclDecompress(stream, &out, file->output_size);
    benchmark::DoNotOptimize(out.data());
    if (!st.ok()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file->output_size));
}

void DecompressDbcBench(benchmark::State& state, const DbcFile* file) {
  for (auto _ : state) {
    auto dbf = arrow_sus::DecompressDbc(file->bytes, file->name);
    benchmark::DoNotOptimize(dbf);
    if (!dbf.ok()) state.SkipWithError("decode failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file->output_size));
}

void DbcStreamBench(benchmark::State& state, const DbcFile* file) {
  std::vector<uint8_t> chunk(1 << 20);
  for (auto _ : state) {
    auto source = std::make_shared<arrow::io::BufferReader>(std::make_shared<arrow::Buffer>(
        file->bytes.data(), static_cast<int64_t>(file->bytes.size())));
    auto stream = arrow_sus::OpenDbcStream(source, file->name).ValueOrDie();
    for (;;) {
      auto n = stream->Read(static_cast<int64_t>(chunk.size()), chunk.data());
      if (!n.ok()) state.SkipWithError("decode failed");
      if (!n.ok() || *n == 0) break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * file->output_size));
}

void CorpusBench(benchmark::State& state, const std::vector<DbcFile>* files) {
  std::vector<uint8_t> out;
  size_t total = 0;
  for (const auto& f : *files) total += f.output_size;
  for (auto _ : state) {
    for (const auto& f : *files) {
      out.clear();
      auto st =
          arrow_sus::DclDecompress(std::span(f.bytes).subspan(f.stream_start), &out, f.output_size);
      benchmark::DoNotOptimize(out.data());
      if (!st.ok()) state.SkipWithError("decode failed");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total));
}

void CompressBench(benchmark::State& state, const DbcFile* file) {
  auto dbf = arrow_sus::DecompressDbc(file->bytes, file->name).ValueOrDie();
  size_t compressed = 0;
  for (auto _ : state) {
    auto dbc = arrow_sus::CompressDbf(dbf, file->name).ValueOrDie();
    compressed = dbc.size();
    benchmark::DoNotOptimize(dbc.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * dbf.size()));
  state.counters["ratio_vs_original"] =
      static_cast<double>(compressed) / static_cast<double>(file->bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  static std::vector<DbcFile> corpus = LoadCorpus();
  static std::vector<DbcFile> synthetic;
  if (corpus.empty()) {
    std::fprintf(stderr, "corpus not found at %s: set ARROW_SUS_CORPUS\n",
                 CorpusDir().string().c_str());
    return 1;
  }
  size_t mb = 512;
  if (const char* env = std::getenv("ARROW_SUS_BENCH_MB")) mb = std::strtoull(env, nullptr, 10);
  for (const char* name : {"RDSC0907.dbc", "PAAC2401.dbc", "ZIKABR21.dbc"}) {
    auto it = std::find_if(corpus.begin(), corpus.end(),
                           [&](const DbcFile& f) { return f.name == name; });
    if (it != corpus.end()) synthetic.push_back(Synthetic(*it, mb << 20));
  }

  benchmark::RegisterBenchmark("corpus/all_files", CorpusBench, &corpus);
  for (size_t i = 0; i < std::min<size_t>(5, corpus.size()); ++i) {
    benchmark::RegisterBenchmark(("dcl_decompress/" + corpus[i].name).c_str(), DclDecompressBench,
                                 &corpus[i]);
    benchmark::RegisterBenchmark(("compress/" + corpus[i].name).c_str(), CompressBench, &corpus[i]);
  }
  for (const DbcFile& f : synthetic) {
    benchmark::RegisterBenchmark(("dcl_decompress/" + f.name).c_str(), DclDecompressBench, &f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decompress_dbc_with_crc/" + f.name).c_str(), DecompressDbcBench,
                                 &f)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("dbc_stream_with_crc/" + f.name).c_str(), DbcStreamBench, &f)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
