// The .CNV reader: header, category lines (label and codes split at the file's codes column),
// code expressions, and the overlap report.
#include "arrow_sus/tabwin/cnv.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "arrow_sus/error.h"
#include "tabwin/paths.h"
#include "tabwin/text_lines.h"

namespace arrow_sus::tabwin {

namespace {

using internal::AllDigits;
using internal::IsBlank;
using internal::TextLines;
using internal::Token;
using internal::Tokenize;
using internal::Trim;

constexpr int kMaxCodeWidth = 255;

bool IsCommentOrBlank(std::string_view line) {
  std::string_view text = Trim(line);
  return text.empty() || text.front() == ';';
}

class CnvParser {
 public:
  CnvParser(std::span<const uint8_t> bytes, std::string name, const TextOptions& options)
      : text_(bytes, options) {
    out_.name = std::move(name);
    out_.encoding = text_.encoding();
  }

  arrow::Result<CnvFile> Parse() {
    const auto& lines = text_.lines();
    size_t i = 0;
    while (i < lines.size() && IsCommentOrBlank(lines[i])) ++i;
    if (i == lines.size())
      return Fail(static_cast<int64_t>(std::max<size_t>(lines.size(), 1)),
                  "no header line: the file holds no categories");
    ARROW_RETURN_NOT_OK(ParseHeader(lines[i], static_cast<int64_t>(i + 1)));
    std::vector<size_t> body;
    for (size_t j = i + 1; j < lines.size(); ++j) {
      if (!IsCommentOrBlank(lines[j])) body.push_back(j);
    }
    codes_column_ = CodesColumn(body);
    for (size_t j : body)
      ARROW_RETURN_NOT_OK(ParseCategoryLine(lines[j], static_cast<int64_t>(j + 1)));
    if (static_cast<int64_t>(out_.categories.size()) != out_.declared_categories)
      out_.issues.push_back({CnvIssueKind::kCountMismatch, static_cast<int64_t>(i + 1), 0,
                             "the header announces " + std::to_string(out_.declared_categories) +
                                 " categories; the file holds " +
                                 std::to_string(out_.categories.size())});
    DropPaddingBlanks();
    ReportOverlaps();
    return std::move(out_);
  }

 private:
  arrow::Status Fail(int64_t line, std::string_view message) const {
    return MakeError(ErrorKind::kFormat, {.file = out_.name, .line = line}, message);
  }

  // "<categories> <width> [flags]", or "<categories> <title> <width>".
  arrow::Status ParseHeader(std::string_view line, int64_t number) {
    auto tokens = Tokenize(line);
    auto bad = [&] {
      return Fail(number, "expected the header \"<number of categories> <code width>\", found \"" +
                              text_.ToUtf8(Trim(line)) + "\"");
    };
    if (tokens.size() < 2 || !AllDigits(tokens[0].text) || tokens[0].text.size() > 9) return bad();
    out_.declared_categories = std::stoll(std::string(tokens[0].text));
    std::string_view width;
    if (AllDigits(tokens[1].text)) {
      width = tokens[1].text;
      for (size_t k = 2; k < tokens.size(); ++k) {
        const bool letters = std::all_of(tokens[k].text.begin(), tokens[k].text.end(), [](char c) {
          return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        });
        if (!letters) return bad();
        out_.flags += internal::Upper(tokens[k].text);
      }
    } else if (tokens.size() >= 3 && AllDigits(tokens.back().text)) {
      width = tokens.back().text;
      out_.title =
          text_.ToUtf8(Trim(line.substr(tokens[0].end, tokens.back().begin - tokens[0].end)));
    } else {
      return bad();
    }
    if (width.size() > 3 || std::stoi(std::string(width)) < 1 ||
        std::stoi(std::string(width)) > kMaxCodeWidth)
      return Fail(number, "code width " + std::string(width) + " is outside 1.." +
                              std::to_string(kMaxCodeWidth));
    out_.code_width = std::stoi(std::string(width));
    return arrow::Status::OK();
  }

  // The column where codes start: the most common start of the last token among lines with a
  // number, a label and codes set apart by at least two blanks (ties: the leftmost). Labels are
  // padded to it, so a line whose label is empty or runs long can still be split.
  size_t CodesColumn(const std::vector<size_t>& body) const {
    std::map<size_t, int> starts;
    for (size_t j : body) {
      auto tokens = Tokenize(text_.lines()[j]);
      if (tokens.size() >= 3 && tokens.back().begin - tokens[tokens.size() - 2].end >= 2)
        ++starts[tokens.back().begin];
    }
    size_t best = 0;
    int votes = 0;
    for (auto [column, count] : starts) {
      if (count > votes) best = column, votes = count;
    }
    return best;
  }

  // A codes text is an expression when no blank is left once blanks around ',' and '-' go.
  static std::string CompactExpression(std::string_view text, bool* ok) {
    std::string out;
    for (size_t k = 0; k < text.size(); ++k) {
      if (!IsBlank(text[k])) {
        out.push_back(text[k]);
        continue;
      }
      size_t after = k;
      while (after < text.size() && IsBlank(text[after])) ++after;
      const bool glue = (!out.empty() && (out.back() == ',' || out.back() == '-')) ||
                        (after < text.size() && (text[after] == ',' || text[after] == '-'));
      if (!glue && !out.empty() && after < text.size()) *ok = false;
      k = after - 1;
    }
    return out;
  }

  arrow::Status ParseCategoryLine(std::string_view line, int64_t number) {
    // A ';' after the codes starts a comment (codes never contain one).
    std::string_view content = line.substr(0, line.find(';'));
    auto tokens = Tokenize(content);
    if (tokens.empty()) return arrow::Status::OK();
    // A mark of one or two characters in the first three columns, before the number, is the
    // category's subtotal mark (part of its identity).
    std::string_view mark;
    if (tokens.size() >= 2 && !AllDigits(tokens[0].text) && tokens[0].text.size() <= 2 &&
        tokens[0].end <= 3 && AllDigits(tokens[1].text)) {
      mark = tokens[0].text;
      tokens.erase(tokens.begin());
    }
    if (!AllDigits(tokens[0].text) || tokens[0].text.size() > 9)
      return Fail(number, "expected a category number at the start of the line, found \"" +
                              text_.ToUtf8(tokens[0].text) + "\"");
    const int64_t category_number = std::stoll(std::string(tokens[0].text));
    const size_t after = tokens[0].end;
    const size_t column = codes_column_;
    // The line reaches the codes column: the label is before it, the codes from it on.
    const bool reaches = column > after && content.size() > column;
    if (reaches && IsBlank(content[column - 1])) {
      bool expression = true;
      std::string codes = CompactExpression(Trim(content.substr(column)), &expression);
      if (expression) {
        const int32_t category =
            CategoryFor(mark, category_number, Trim(content.substr(after, column - after)), number);
        return ParseCodes(codes, category, number);
      }
    }
    // Otherwise split on tokens: the last one holds the codes when the label ran past the codes
    // column, or when at least two blanks set it apart (words of a label are one blank apart).
    if (tokens.size() >= 3 &&
        (reaches || tokens.back().begin - tokens[tokens.size() - 2].end >= 2)) {
      const int32_t category = CategoryFor(
          mark, category_number, Trim(content.substr(after, tokens.back().begin - after)), number);
      return ParseCodes(tokens.back().text, category, number);
    }
    if (tokens.size() == 2 && column > 0 && tokens[1].begin >= column) {  // codes only
      return ParseCodes(tokens[1].text, CategoryFor(mark, category_number, {}, number), number);
    }
    if (tokens.size() >= 2) {  // a label whose codes follow on the next lines
      CategoryFor(mark, category_number, Trim(content.substr(after)), number);
      return arrow::Status::OK();
    }
    return Fail(number, "a category number with neither a label nor codes");
  }

  int32_t CategoryFor(std::string_view mark, int64_t category_number, std::string_view raw_label,
                      int64_t line) {
    std::string label = text_.ToUtf8(raw_label);
    auto [it, inserted] = index_.try_emplace({std::string(mark), category_number},
                                             static_cast<int32_t>(out_.categories.size()));
    if (inserted) {
      out_.categories.push_back({category_number, std::move(label), line, text_.ToUtf8(mark)});
      return it->second;
    }
    CnvCategory& category = out_.categories[static_cast<size_t>(it->second)];
    if (category.label.empty() && !label.empty()) {
      category.label = std::move(label);
      category.line = line;
    } else if (!label.empty() && label != category.label) {
      out_.issues.push_back({CnvIssueKind::kConflictingLabel, line, category.line,
                             "category " + std::to_string(category_number) + " is \"" +
                                 category.label + "\" on line " + std::to_string(category.line) +
                                 " and \"" + label + "\" here; the first label is kept"});
    }
    return it->second;
  }

  arrow::Status ParseCodes(std::string_view text, int32_t category, int64_t line) {
    if (text.empty()) {  // the codes column is there but blank: the blank value
      out_.entries.push_back({CodeKind::kCode, "", "", category, line});
      return arrow::Status::OK();
    }
    size_t start = 0;
    while (start <= text.size()) {
      size_t comma = text.find(',', start);
      std::string_view item =
          text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
      const bool last_item = comma == std::string_view::npos;
      if (item.empty()) {
        // A trailing comma announces codes on the next line; an empty item inside is an error.
        if (last_item && start > 0) break;
        return Fail(line, "an empty code between commas in \"" + text_.ToUtf8(text) + "\"");
      }
      ARROW_RETURN_NOT_OK(ParseItem(item, category, line));
      if (last_item) break;
      start = comma + 1;
    }
    return arrow::Status::OK();
  }

  arrow::Status ParseItem(std::string_view item, int32_t category, int64_t line) {
    const int width = out_.code_width;
    auto too_long = [&](std::string_view code) {
      return Fail(line, "code \"" + text_.ToUtf8(code) + "\" is longer than the code width " +
                            std::to_string(width) + " the header declares");
    };
    const size_t dash = item.find('-');
    if (dash != std::string_view::npos) {
      std::string_view a = item.substr(0, dash), b = item.substr(dash + 1);
      if (a.empty() || b.empty() || b.find('-') != std::string_view::npos ||
          item.find_first_of("?*") != std::string_view::npos)
        return Fail(line, "malformed range \"" + text_.ToUtf8(item) +
                              "\": expected first-last, two codes of one width");
      std::string first = NormalizeCode(a, width), last = NormalizeCode(b, width);
      if (first.size() > static_cast<size_t>(width)) return too_long(a);
      if (last.size() > static_cast<size_t>(width)) return too_long(b);
      if (first.size() != last.size() || first > last)
        return Fail(line, "malformed range \"" + text_.ToUtf8(item) +
                              "\": its ends must have one width and run upwards");
      out_.entries.push_back(
          {CodeKind::kRange, text_.ToUtf8(first), text_.ToUtf8(last), category, line});
      return arrow::Status::OK();
    }
    if (item.find_first_of("?*") != std::string_view::npos) {
      const size_t star = item.find('*');
      if (star != std::string_view::npos && star + 1 != item.size())
        return Fail(line, "wildcard \"" + text_.ToUtf8(item) + "\": '*' may only end a code");
      if (item.size() - (star != std::string_view::npos ? 1 : 0) > static_cast<size_t>(width))
        return too_long(item);
      std::string pattern = text_.ToUtf8(item);
      out_.entries.push_back({CodeKind::kWildcard, pattern, pattern, category, line});
      return arrow::Status::OK();
    }
    std::string code = NormalizeCode(item, width);
    if (code.size() > static_cast<size_t>(width)) return too_long(item);
    code = text_.ToUtf8(code);
    out_.entries.push_back({CodeKind::kCode, code, code, category, line});
    return arrow::Status::OK();
  }

  // A blank codes column is the blank value only for a category with no other codes; beside codes
  // on other lines it is the padding of a line that carries just the label.
  void DropPaddingBlanks() {
    std::vector<bool> has_codes(out_.categories.size(), false);
    for (const CnvEntry& e : out_.entries) {
      if (!e.first.empty()) has_codes[static_cast<size_t>(e.category)] = true;
    }
    std::erase_if(out_.entries, [&](const CnvEntry& e) {
      return e.kind == CodeKind::kCode && e.first.empty() &&
             has_codes[static_cast<size_t>(e.category)];
    });
  }

  // Pairs of entries of different categories covering a common code: single codes against
  // single codes, ranges and wildcards; ranges against ranges. (Two wildcards, or a wildcard and
  // a range, are not compared.)
  void ReportOverlaps() {
    const auto& entries = out_.entries;
    std::vector<std::pair<std::string_view, int32_t>> codes;  // sorted single codes
    std::vector<int32_t> ranges, wildcards;
    for (int32_t k = 0; k < static_cast<int32_t>(entries.size()); ++k) {
      switch (entries[k].kind) {
        case CodeKind::kCode:
          codes.emplace_back(entries[k].first, k);
          break;
        case CodeKind::kRange:
          ranges.push_back(k);
          break;
        case CodeKind::kWildcard:
          wildcards.push_back(k);
          break;
      }
    }
    std::sort(codes.begin(), codes.end());
    // One report per pair of lines: (earlier line, later line) -> (earlier, later entry, a code).
    std::map<std::pair<int64_t, int64_t>, std::tuple<int32_t, int32_t, std::string>> pairs;
    auto note = [&](int32_t a, int32_t b, std::string_view code) {
      if (entries[a].category == entries[b].category) return;
      if (a > b) std::swap(a, b);
      pairs.try_emplace({entries[a].line, entries[b].line}, a, b, std::string(code));
    };
    for (size_t k = 1; k < codes.size(); ++k) {
      for (size_t m = k; m > 0 && codes[m - 1].first == codes[k].first; --m)
        note(codes[m - 1].second, codes[k].second, codes[k].first);
    }
    for (int32_t r : ranges) {
      const CnvEntry& range = entries[r];
      auto from = std::lower_bound(codes.begin(), codes.end(),
                                   std::pair<std::string_view, int32_t>(range.first, -1));
      for (auto it = from; it != codes.end() && it->first <= range.last; ++it) {
        if (it->first.size() == range.first.size()) note(r, it->second, it->first);
      }
      for (int32_t q : ranges) {
        const CnvEntry& other = entries[q];
        if (q < r && other.first.size() == range.first.size() && other.first <= range.last &&
            range.first <= other.last)
          note(q, r, std::max(other.first, range.first));
      }
    }
    for (int32_t w : wildcards) {
      for (const auto& [code, k] : codes) {
        if (EntryCovers(entries[w], code)) note(w, k, code);
      }
    }
    for (const auto& [lines, found] : pairs) {
      const auto& [a, b, code] = found;
      out_.issues.push_back({CnvIssueKind::kOverlap, lines.second, lines.first,
                             "code \"" + code + "\" is in category " + Describe(entries[b]) +
                                 " and in category " + Describe(entries[a]) +
                                 "; the entry written later decides"});
    }
    std::stable_sort(out_.issues.begin(), out_.issues.end(),
                     [](const CnvIssue& a, const CnvIssue& b) { return a.line < b.line; });
  }

  std::string Describe(const CnvEntry& entry) const {
    const CnvCategory& category = out_.categories[static_cast<size_t>(entry.category)];
    return category.subtotal + std::to_string(category.number) + " \"" + category.label +
           "\" (line " + std::to_string(entry.line) + ")";
  }

  TextLines text_;
  CnvFile out_;
  size_t codes_column_ = 0;
  std::map<std::pair<std::string, int64_t>, int32_t> index_;  // (mark, number) -> index
};

bool WildcardMatches(std::string_view pattern, std::string_view code) {
  const bool open_end = !pattern.empty() && pattern.back() == '*';
  if (open_end) pattern.remove_suffix(1);
  if (open_end ? code.size() < pattern.size() : code.size() != pattern.size()) return false;
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (pattern[k] != '?' && pattern[k] != code[k]) return false;
  }
  return true;
}

}  // namespace

std::string NormalizeCode(std::string_view code, int width) {
  code = Trim(code);
  std::string out(code);
  if (AllDigits(code) && code.size() < static_cast<size_t>(width))
    out.insert(0, static_cast<size_t>(width) - code.size(), '0');
  return out;
}

bool EntryCovers(const CnvEntry& entry, std::string_view code) {
  switch (entry.kind) {
    case CodeKind::kCode:
      return code == entry.first;
    case CodeKind::kRange:
      return code.size() == entry.first.size() && entry.first <= code && code <= entry.last;
    case CodeKind::kWildcard:
      return WildcardMatches(entry.first, code);
  }
  return false;
}

arrow::Result<CnvFile> ParseCnv(std::span<const uint8_t> bytes, std::string name,
                                const TextOptions& options) {
  return CnvParser(bytes, std::move(name), options).Parse();
}

CnvResolver::CnvResolver(const CnvFile& file) : file_(file) {
  for (int32_t k = 0; k < static_cast<int32_t>(file.entries.size()); ++k) {
    if (file.entries[k].kind == CodeKind::kCode) {
      last_code_[file.entries[k].first] = k;
    } else {
      patterns_.push_back(k);
    }
  }
}

const CnvEntry* CnvResolver::Resolve(std::string_view code) const {
  const std::string wanted = NormalizeCode(code, file_.code_width);
  int32_t best = -1;
  if (auto it = last_code_.find(wanted); it != last_code_.end()) best = it->second;
  for (auto it = patterns_.rbegin(); it != patterns_.rend() && *it > best; ++it) {
    if (EntryCovers(file_.entries[*it], wanted)) {
      best = *it;
      break;
    }
  }
  return best < 0 ? nullptr : &file_.entries[static_cast<size_t>(best)];
}

std::string_view CodeKindName(CodeKind kind) {
  switch (kind) {
    case CodeKind::kCode:
      return "code";
    case CodeKind::kRange:
      return "range";
    case CodeKind::kWildcard:
      return "wildcard";
  }
  return "code";
}

std::string_view CnvIssueKindName(CnvIssueKind kind) {
  switch (kind) {
    case CnvIssueKind::kOverlap:
      return "overlap";
    case CnvIssueKind::kConflictingLabel:
      return "conflicting-label";
    case CnvIssueKind::kCountMismatch:
      return "count-mismatch";
  }
  return "overlap";
}

}  // namespace arrow_sus::tabwin
