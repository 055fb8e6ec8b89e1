// Writes seed inputs for the ZIP and TabWin fuzzers: small archives from the test ZIP writer
// (stored, deflated, ZIP64, a comment, a directory entry) and .CNV/.DEF texts in the layouts the
// tests use.
//   make_tabwin_seeds OUT_ZIP_DIR OUT_TEXT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tabwin_test_files.h"
#include "zip_builder.h"

namespace fs = std::filesystem;

namespace {

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_ZIP_DIR OUT_TEXT_DIR\n", argv[0]);
    return 2;
  }
  fs::path zip_dir = argv[1], text_dir = argv[2];
  fs::create_directories(zip_dir);
  fs::create_directories(text_dir);
  using arrow_sus::testing::CnvLine;
  const std::vector<std::string> texts = {
      arrow_sus::testing::SihSexoCnv(),
      "; comment\r\n4 2\r\n" + CnvLine(1, "Um a nove", "1-9") + CnvLine(2, "Dez", "10,11,") +
          CnvLine(2, "", "12") + CnvLine(3, "Curinga", "2?") + CnvLine(4, "Em branco", "  "),
      "2 Titulo da tabela 3\r\n" + CnvLine(1, "Cap I", "A00-B99") + CnvLine(2, "Cap II", "C*"),
      ";Titulo\r\nA..\\DADOS\\RD*.DBC\r\n?\\TAB\\RD.HLP\r\nIValor, VAL_TOT\r\n"
      "SSexo, SEXO, 1, SEXO.CNV\r\nxRegiao, MUNIC_RES, 1, ..\\CNV\\REGIAO.CNV\r\n"
      "DHospital, CNES, RAZAO, TCNESBR.DBF\r\n",
  };
  for (size_t i = 0; i < texts.size(); ++i)
    Write(text_dir / ("text-" + std::to_string(i)), texts[i]);
  arrow_sus::testing::ZipBuilder builder;
  Write(zip_dir / "plain",
        builder.Build({{.name = "RD.DEF", .data = texts[3]},
                       {.name = "CNV/", .data = "", .deflate = false},
                       {.name = "CNV/SEXO.CNV", .data = texts[0]},
                       {.name = "CNV/A.CNV", .data = texts[1], .deflate = false}}));
  Write(zip_dir / "zip64", builder.Build({{.name = "A.CNV", .data = texts[2], .zip64 = true}},
                                         "a comment", /*zip64_end=*/true));
  Write(zip_dir / "cp437", builder.Build({{.name = "RA\x87\xA2.CNV", .data = texts[1]}}));
  Write(zip_dir / "utf8", builder.Build({{.name = "Ra\xC3\xA7"
                                                  "a.cnv",
                                          .data = "x",
                                          .flags = 0x0800}}));
  Write(zip_dir / "empty", builder.Build({}));
  return 0;
}
