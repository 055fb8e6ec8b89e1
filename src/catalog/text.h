// ASCII case folding for catalog keys (dataset ids, UF codes, file names). Locale-independent on
// purpose: DATASUS names are ASCII, and a locale must not change how a file name parses.
#pragma once

#include <string_view>

namespace arrow_sus::catalog {

constexpr char ToUpperAscii(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

constexpr int CompareIgnoringCase(std::string_view a, std::string_view b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    const char x = ToUpperAscii(a[i]);
    const char y = ToUpperAscii(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

constexpr bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         CompareIgnoringCase(text.substr(0, prefix.size()), prefix) == 0;
}

}  // namespace arrow_sus::catalog
