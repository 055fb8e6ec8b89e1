// ZIP member reading: inflate (Arrow's GZIP codec in raw-deflate mode) + CRC-32 throughput of a
// member streamed in 64 KiB reads, and how much the process's peak memory grows while a member far
// larger than the stream's chunks is read. The archives are built in memory by the tests' writer:
// text in the layout of a TabWin .CNV (DATASUS's largest archive, TAB_CNES.zip, is 125 MB).
//   build/tests/bench/zip_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
// (configured with -DARROW_SUS_BUILD_BENCHMARKS=ON)
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "../tests/cpp/zip_builder.h"
#include "arrow_sus/io/zip_archive.h"

namespace {

std::string CnvText(size_t bytes) {
  std::string text = "5570 6\r\n";
  for (size_t i = 0; text.size() < bytes; ++i) {
    std::string label = "Municipio " + std::to_string(i % 5570) + " - UF " + std::to_string(i % 27);
    label.resize(50, ' ');
    std::string number = std::to_string(i % 5570 + 1);
    text += std::string(7 - number.size(), ' ') + number + "  " + label + " " +
            std::to_string(110000 + i % 890000) + "\r\n";
  }
  text.resize(bytes);
  return text;
}

std::shared_ptr<arrow_sus::io::ZipArchive> Archive(size_t bytes, bool deflate) {
  arrow_sus::testing::ZipBuilder builder;
  auto zip = builder.Build({{.name = "CNV/BIG.CNV", .data = CnvText(bytes), .deflate = deflate}});
  return arrow_sus::io::ZipArchive::Open(
             std::make_shared<arrow::io::BufferReader>(arrow::Buffer::FromString(std::move(zip))),
             "bench.zip")
      .ValueOrDie();
}

long ResidentKiB() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Reads the member in 64 KiB pieces; with `peak`, samples the resident memory after each piece.
int64_t ReadMember(const arrow_sus::io::ZipArchive& archive, long* peak = nullptr) {
  auto stream = archive.OpenMember(archive.members()[0]).ValueOrDie();
  std::vector<uint8_t> buffer(64 << 10);
  int64_t total = 0;
  while (int64_t n =
             stream->Read(static_cast<int64_t>(buffer.size()), buffer.data()).ValueOrDie()) {
    total += n;
    if (peak != nullptr) *peak = std::max(*peak, ResidentKiB());
  }
  return total;
}

void BM_ReadMember(benchmark::State& state) {
  const bool deflate = state.range(0) != 0;
  auto archive = Archive(64 << 20, deflate);
  for (auto _ : state) benchmark::DoNotOptimize(ReadMember(*archive));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(64 << 20));
  state.counters["compressed_MB"] =
      static_cast<double>(archive->members()[0].compressed_size) / (1 << 20);
  state.SetLabel(deflate ? "deflate" : "stored");
}
BENCHMARK(BM_ReadMember)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// Resident memory added while a 512 MiB member is read, its archive (about 60 MiB compressed)
// already in memory: the stream holds one 64 KiB input and one 64 KiB output chunk.
void BM_MemoryOfAStreamedMember(benchmark::State& state) {
  auto archive = Archive(512 << 20, true);
  const long before = ResidentKiB();
  long peak = before;
  for (auto _ : state) benchmark::DoNotOptimize(ReadMember(*archive, &peak));
  state.counters["resident_growth_KiB"] = static_cast<double>(peak - before);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(512 << 20));
}
BENCHMARK(BM_MemoryOfAStreamedMember)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
