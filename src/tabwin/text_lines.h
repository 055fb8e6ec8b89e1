// The lines of a TabWin text file (.CNV, .DEF). Parsing works on the source bytes, where one byte
// is one column (the files are column-aligned in a single-byte encoding: Latin-1 or CP850); the
// pieces kept (labels, codes) are then turned into UTF-8. Lines end with CR LF, LF or CR; a DOS
// end-of-file byte (0x1A) ends the text; tabs are expanded to stops of 8 columns.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "arrow_sus/tabwin/cnv.h"
#include "dbf/text_decoding.h"

namespace arrow_sus::tabwin::internal {

class TextLines {
 public:
  TextLines(std::span<const uint8_t> bytes, const TextOptions& options);

  dbf::Encoding encoding() const { return decoder_.encoding(); }
  // lines()[i] is line i + 1, in the source encoding.
  const std::vector<std::string>& lines() const { return lines_; }
  // A piece of a line as UTF-8.
  std::string ToUtf8(std::string_view raw) const;

 private:
  dbf::internal::TextDecoder decoder_;
  std::vector<std::string> lines_;
};

// Whitespace-separated tokens of a line, with where each starts and ends.
struct Token {
  std::string_view text;
  size_t begin = 0;
  size_t end = 0;
};
std::vector<Token> Tokenize(std::string_view line);

std::string_view Trim(std::string_view text);
bool AllDigits(std::string_view text);
bool IsBlank(char c);

}  // namespace arrow_sus::tabwin::internal
