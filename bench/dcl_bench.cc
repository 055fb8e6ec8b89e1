// Decompression (and compression) throughput of the DCL codec, in bytes of decompressed data per
// second, over the real corpus and over a large synthetic .dbc made by our compressor from real
// records. Corpus: $ARROW_SUS_CORPUS or ../shared/corpus; synthetic size: $ARROW_SUS_BENCH_MB
// (default 512 MiB of decompressed data).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"
#include "bench_inputs.h"

namespace {

using arrow_sus_bench::CorpusDir;
using arrow_sus_bench::DbcFile;

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
  static std::vector<DbcFile> corpus = arrow_sus_bench::LoadCorpus();
  static std::vector<DbcFile> synthetic;
  if (corpus.empty()) {
    std::fprintf(stderr, "corpus not found at %s: set ARROW_SUS_CORPUS\n",
                 CorpusDir().string().c_str());
    return 1;
  }
  synthetic = arrow_sus_bench::SyntheticFiles(
      corpus, {"RDSC0907.dbc", "PAAC2401.dbc", "ZIKABR21.dbc"}, 512);

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
