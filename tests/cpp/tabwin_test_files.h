// Writers of TabWin text in the documented layout (docs/labels.md, "TabWin files"), shared by the
// .CNV, .DEF and archive tests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>

namespace arrow_sus::testing {

// A category line: the number right-aligned in 7 columns, two blanks, the label padded to 50
// columns, a blank, the codes (which so start at column 61). Labels are single-byte text.
inline std::string CnvLine(int number, std::string_view label, std::string_view codes) {
  char line[512];
  std::snprintf(line, sizeof line, "%7d  %-50.*s %.*s\r\n", number, static_cast<int>(label.size()),
                label.data(), static_cast<int>(codes.size()), codes.data());
  return line;
}

inline std::span<const uint8_t> Bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// SEXO.CNV as SIH writes it: a catch-all range first, refined by the later lines.
inline std::string SihSexoCnv() {
  return "3 1\r\n" + CnvLine(3, "Ignorado", "0-9") + CnvLine(1, "Masculino", "1") +
         CnvLine(2, "Feminino", "2,3");
}

}  // namespace arrow_sus::testing
