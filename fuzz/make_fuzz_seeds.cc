// Writes seed inputs for the fuzzers: small streams and .dbc files made by our encoder (every
// dictionary size and literal mode), plus, when a corpus directory is given, its real .dbc files
// and the DCL streams inside them.
//   make_fuzz_seeds OUT_DCL_DIR OUT_DBC_DIR [CORPUS_DIR]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"

namespace fs = std::filesystem;

namespace {

constexpr uintmax_t kMaxSeedSize = 64 * 1024;  // keeps each fuzzing run fast

void Write(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> SmallDbf(int records) {
  std::vector<uint8_t> dbf(65, 0);
  dbf[0] = 0x03;
  dbf[4] = static_cast<uint8_t>(records);
  dbf[8] = 65;
  dbf[10] = 20;
  std::string field = "NAME";
  std::copy(field.begin(), field.end(), dbf.begin() + 32);
  dbf[43] = 'C';
  dbf[48] = 19;
  dbf[64] = 0x0D;
  for (int r = 0; r < records; ++r) {
    std::string rec = " JOSE " + std::to_string(r % 7) + " 2024";
    rec.resize(20, ' ');
    dbf.insert(dbf.end(), rec.begin(), rec.end());
  }
  dbf.push_back(0x1A);
  return dbf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DCL_DIR OUT_DBC_DIR [CORPUS_DIR]\n", argv[0]);
    return 2;
  }
  fs::path dcl_dir = argv[1], dbc_dir = argv[2];
  fs::create_directories(dcl_dir);
  fs::create_directories(dbc_dir);
  int n = 0;
  for (int records : {0, 1, 30, 400}) {
    auto dbf = SmallDbf(records);
    for (int dict : {4, 5, 6}) {
      for (bool coded : {false, true}) {
        auto stream = arrow_sus::DclCompress(std::span(dbf).subspan(65),
                                             {.dictionary_bits = dict, .coded_literals = coded})
                          .ValueOrDie();
        Write(dcl_dir / ("made-" + std::to_string(n++)), stream);
      }
      Write(dbc_dir / ("made-" + std::to_string(n++)),
            arrow_sus::CompressDbf(dbf, "seed", dict).ValueOrDie());
    }
  }
  if (argc > 3 && fs::is_directory(argv[3])) {
    for (const auto& e : fs::directory_iterator(argv[3])) {
      std::string ext = e.path().extension().string();
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      if (ext != ".dbc" || e.file_size() > kMaxSeedSize) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
      std::string name = e.path().filename().string();
      Write(dbc_dir / name, bytes);
      auto prefix = arrow_sus::ParseDbcPrefix(bytes, name);
      if (prefix.ok()) Write(dcl_dir / name, std::span(bytes).subspan(prefix->header.size() + 4));
    }
  }
  return 0;
}
