#include "tabwin/text_lines.h"

#include <algorithm>

namespace arrow_sus::tabwin::internal {

namespace {

constexpr uint8_t kDosEndOfFile = 0x1A;
constexpr size_t kTabStop = 8;

dbf::Encoding Detect(std::span<const uint8_t> bytes) {
  const bool cp850 =
      std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b >= 0x80 && b <= 0x9F; });
  return cp850 ? dbf::Encoding::kCp850 : dbf::Encoding::kLatin1;
}

std::string ExpandTabs(std::string_view line) {
  std::string out;
  for (char c : line) {
    if (c == '\t') {
      out.append(kTabStop - out.size() % kTabStop, ' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::span<const uint8_t> BeforeEndOfFile(std::span<const uint8_t> bytes) {
  auto eof = std::find(bytes.begin(), bytes.end(), kDosEndOfFile);
  return bytes.first(static_cast<size_t>(eof - bytes.begin()));
}

}  // namespace

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }

TextLines::TextLines(std::span<const uint8_t> bytes, const TextOptions& options)
    : decoder_(options.encoding.value_or(Detect(BeforeEndOfFile(bytes)))) {
  bytes = BeforeEndOfFile(bytes);
  std::string_view rest(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  while (!rest.empty()) {
    size_t end = rest.find_first_of("\r\n");
    std::string_view line = rest.substr(0, end);
    lines_.push_back(line.find('\t') == std::string_view::npos ? std::string(line)
                                                               : ExpandTabs(line));
    if (end == std::string_view::npos) break;
    // CR LF is one line end; a lone CR or LF is one too.
    end += (rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n') ? 2 : 1;
    rest.remove_prefix(end);
  }
}

std::string TextLines::ToUtf8(std::string_view raw) const {
  std::string out(static_cast<size_t>(decoder_.MaxDecodedSize(static_cast<int64_t>(raw.size()))),
                  '\0');
  int64_t n =
      decoder_.Decode(reinterpret_cast<const uint8_t*>(raw.data()),
                      static_cast<int64_t>(raw.size()), reinterpret_cast<uint8_t*>(out.data()));
  if (n < 0) {  // invalid UTF-8 (only when UTF-8 was asked for): keep the bytes as Latin-1
    dbf::internal::TextDecoder latin1(dbf::Encoding::kLatin1);
    out.resize(static_cast<size_t>(latin1.MaxDecodedSize(static_cast<int64_t>(raw.size()))));
    n = latin1.Decode(reinterpret_cast<const uint8_t*>(raw.data()),
                      static_cast<int64_t>(raw.size()), reinterpret_cast<uint8_t*>(out.data()));
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

std::vector<Token> Tokenize(std::string_view line) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i == line.size()) break;
    size_t begin = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    tokens.push_back({line.substr(begin, i - begin), begin, i});
  }
  return tokens;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsBlank(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
  return text;
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace arrow_sus::tabwin::internal
