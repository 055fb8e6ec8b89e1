// Throughput of the DBF reader (.dbc bytes in memory → typed Arrow batches), in bytes of DBF per
// second, on large synthetic .dbc files made by our compressor from the records of real SIH-RD,
// SIA-PA and SINAN files ($ARROW_SUS_BENCH_MB MiB of DBF each, default 256). Cases: every column
// kept as a table (batches held until the end, as read_dbc does) or streamed (each batch dropped),
// on one thread or on the CPU pool, and 5 of SIH-RD's 113 columns; and the fixed cost of a file
// (a one-record SIH-RD file). The Python script bench/bench_reader.py measures the same through
// the bindings, in fresh processes, with peers.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/dbf/reader.h"
#include "bench_inputs.h"

namespace {

using arrow_sus_bench::DbcFile;

struct ReaderCase {
  const DbcFile* file;
  bool use_threads;
  bool keep_batches;  // a table (every batch alive at the end) or a stream (each batch dropped)
  std::optional<std::vector<std::string>> columns;
};

void ReadDbcBench(benchmark::State& state, ReaderCase c) {
  arrow_sus::dbf::ReadOptions options;
  options.use_threads = c.use_threads;
  options.columns = c.columns;
  auto bytes = std::make_shared<arrow::Buffer>(c.file->bytes.data(),
                                               static_cast<int64_t>(c.file->bytes.size()));
  int64_t rows = 0;
  for (auto _ : state) {
    auto reader = arrow_sus::dbf::OpenDbc(std::make_shared<arrow::io::BufferReader>(bytes),
                                          c.file->name, options)
                      .ValueOrDie();
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
    rows = 0;
    for (;;) {
      std::shared_ptr<arrow::RecordBatch> batch;
      if (!reader->ReadNext(&batch).ok()) {
        state.SkipWithError("read failed");
        break;
      }
      if (batch == nullptr) break;
      rows += batch->num_rows();
      if (c.keep_batches) batches.push_back(std::move(batch));
    }
    benchmark::DoNotOptimize(batches.data());
  }
  const int64_t dbf_bytes = static_cast<int64_t>(c.file->stream_start - 4 + c.file->output_size);
  state.SetBytesProcessed(state.iterations() * dbf_bytes);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows * state.iterations()),
                                                benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  static std::vector<DbcFile> corpus = arrow_sus_bench::LoadCorpus();
  if (corpus.empty()) {
    std::fprintf(stderr, "corpus not found at %s: set ARROW_SUS_CORPUS\n",
                 arrow_sus_bench::CorpusDir().string().c_str());
    return 1;
  }
  // $ARROW_SUS_BENCH_FILES (comma-separated .dbc paths) replaces the synthetic files, e.g. with
  // the ones bench/bench_reader.py keeps in its --workdir.
  static std::vector<DbcFile> synthetic;
  if (const char* env = std::getenv("ARROW_SUS_BENCH_FILES")) {
    std::string list = env;
    for (size_t start = 0; start < list.size();) {
      size_t comma = std::min(list.find(',', start), list.size());
      std::filesystem::path path = list.substr(start, comma - start);
      synthetic.push_back(
          arrow_sus_bench::Describe(path.filename().string(), arrow_sus_bench::ReadFile(path)));
      start = comma + 1;
    }
  } else {
    synthetic = arrow_sus_bench::SyntheticFiles(
        corpus, {"RDAC2401.dbc", "PAAC2401.dbc", "ZIKABR16.DBC"}, 256);
  }
  auto add = [](const std::string& label, ReaderCase c) {
    benchmark::RegisterBenchmark((label + "/" + c.file->name).c_str(), ReadDbcBench, c)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  };
  for (const DbcFile& f : synthetic) {
    add("table/1_thread", {&f, false, true, std::nullopt});
    add("table/all_cores", {&f, true, true, std::nullopt});
    add("stream/1_thread", {&f, false, false, std::nullopt});
    add("stream/all_cores", {&f, true, false, std::nullopt});
    if (f.name.find("RDAC2401") != std::string::npos ||
        f.name.find("SIH-RD") != std::string::npos) {
      add("table_5_columns/1_thread",
          {&f, false, true,
           std::vector<std::string>{"DT_INTER", "SEXO", "IDADE", "DIAG_PRINC", "VAL_TOT"}});
    }
  }
  // What every file costs whatever its size (open, schema, converters, one batch): a one-record
  // copy of SIH-RD, 113 columns. Scans of many small files pay it per file.
  static std::optional<DbcFile> one_record;
  if (const DbcFile* sih = arrow_sus_bench::FindFile(corpus, "RDAC2401.dbc")) {
    one_record = arrow_sus_bench::Synthetic(*sih, sih->stream_start - 4 + 1, "one-record-");
    add("per_file/1_thread", {&*one_record, false, true, std::nullopt});
    add("per_file/all_cores", {&*one_record, true, true, std::nullopt});
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
