// Writes seed inputs for the fuzzers: small streams and .dbc files made by our encoder (every
// dictionary size and literal mode), plain DBFs for the reader (field names and type bytes that are
// not UTF-8, a header that declares more records than the data holds), plus, when a corpus
// directory is given, its real .dbc files and the DCL streams inside them.
//   make_fuzz_seeds OUT_DCL_DIR OUT_DBC_DIR OUT_DBF_DIR [CORPUS_DIR]
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

// One C field of 19 bytes named `name` (up to 11 bytes, any of them) with type byte `type`;
// `declared` records in the header (-1: as many as written).
std::vector<uint8_t> SmallDbf(int records, const std::string& name = "NAME", char type = 'C',
                              int declared = -1) {
  std::vector<uint8_t> dbf(65, 0);
  dbf[0] = 0x03;
  dbf[4] = static_cast<uint8_t>(declared < 0 ? records : declared);
  dbf[8] = 65;
  dbf[10] = 20;
  std::copy(name.begin(), name.begin() + std::min<size_t>(name.size(), 11), dbf.begin() + 32);
  dbf[43] = type;
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
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s OUT_DCL_DIR OUT_DBC_DIR OUT_DBF_DIR [CORPUS_DIR]\n", argv[0]);
    return 2;
  }
  fs::path dcl_dir = argv[1], dbc_dir = argv[2], dbf_dir = argv[3];
  fs::create_directories(dcl_dir);
  fs::create_directories(dbc_dir);
  fs::create_directories(dbf_dir);
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
  // Names and types that are not UTF-8 (Latin-1 text, stray bytes, a lone continuation byte), and
  // files whose header declares more records than they hold: as plain DBFs and as .dbc files.
  const std::string names[] = {"N\xC9ME", "\xFF\xFE\x80", "A\xED\xA0\x80_Z", "CODIGO\xC7\xC3O"};
  for (const std::string& name : names) {
    for (char type : {'C', 'N', '\xE9'}) {
      for (int declared : {-1, 30}) {
        auto dbf = SmallDbf(7, name, type, declared);
        Write(dbf_dir / ("names-" + std::to_string(n)), dbf);
        Write(dbc_dir / ("names-" + std::to_string(n++)),
              arrow_sus::CompressDbf(dbf, "seed").ValueOrDie());
      }
    }
  }
  if (argc > 4 && fs::is_directory(argv[4])) {
    for (const auto& e : fs::directory_iterator(argv[4])) {
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
