// Catalog lookups and file-name parsing: how long a lookup or a parse takes, and how the cost of
// Classify grows with the number of datasets it has to try.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/path.h"

namespace arrow_sus::catalog {
namespace {

// A mix of server paths and bare names across systems, like a listing.
const std::vector<std::string>& SampleNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const char* uf : {"SP", "RJ", "AC", "RS"}) {
      for (int month = 1; month <= 12; ++month) {
        for (const char* dataset : {"sih-rd", "sia-pa", "cnes-st", "ciha"}) {
          auto paths = CandidatePaths({.dataset = dataset, .uf = uf, .year = 2020, .month = month});
          if (paths.ok()) out.insert(out.end(), paths->begin(), paths->end());
        }
      }
      for (const char* dataset : {"sim-do", "sinasc-dn", "sinan-deng"}) {
        auto paths = CandidatePaths({.dataset = dataset, .uf = uf, .year = 2018});
        if (paths.ok()) out.insert(out.end(), paths->begin(), paths->end());
      }
    }
    out.push_back("paac9412.dbc");
    out.push_back("DORRO79.DBC");
    out.push_back("not-a-datasus-file.txt");
    return out;
  }();
  return names;
}

void BM_ClassifyPath(benchmark::State& state) {
  const auto& names = SampleNames();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(Classify(names[i]));
    i = (i + 1) % names.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClassifyPath);

void BM_CandidatePaths(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        CandidatePaths({.dataset = "sia-pa", .uf = "SP", .year = 2023, .month = 1}));
  }
}
BENCHMARK(BM_CandidatePaths);

void BM_FindDataset(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(FindDataset("sinan-zika"));
}
BENCHMARK(BM_FindDataset);

void BM_FindMunicipality(benchmark::State& state) {
  const auto all = Municipalities();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(FindMunicipality(all[i].code6));
    i = (i + 97) % all.size();
  }
}
BENCHMARK(BM_FindMunicipality);

void BM_FindSchema(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(FindSchema("sih-rd", 2020, 6));
}
BENCHMARK(BM_FindSchema);

}  // namespace
}  // namespace arrow_sus::catalog

BENCHMARK_MAIN();
