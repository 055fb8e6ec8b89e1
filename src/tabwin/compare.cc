#include "arrow_sus/tabwin/compare.h"

#include <functional>
#include <set>

namespace arrow_sus::tabwin {

namespace {

bool Digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Calls `visit` with every code of a numeric range small enough to expand; false otherwise.
bool ForEachCode(std::string_view first, std::string_view last, int64_t max_expanded,
                 const std::function<void(const std::string&)>& visit) {
  if (!Digits(first) || !Digits(last) || first.size() != last.size() || first.size() > 18)
    return false;
  const int64_t a = std::stoll(std::string(first)), b = std::stoll(std::string(last));
  if (b < a || b - a + 1 > max_expanded) return false;
  for (int64_t v = a; v <= b; ++v) {
    std::string code = std::to_string(v);
    code.insert(0, first.size() - code.size(), '0');
    visit(code);
  }
  return true;
}

// Lower case for ASCII and for the Latin-1 capitals (U+00C0-U+00DE but U+00D7) in UTF-8, and
// runs of blanks as one space, without the blanks at the ends.
std::string FoldLabel(std::string_view text) {
  std::string out;
  bool blank = false;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c + 32));
    } else if (c == 0xC3 && i + 1 < text.size()) {
      unsigned char next = static_cast<unsigned char>(text[++i]);
      out.push_back(static_cast<char>(c));
      out.push_back(
          static_cast<char>(next >= 0x80 && next <= 0x9E && next != 0x97 ? next + 0x20 : next));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

bool SameLabel(std::string_view a, std::string_view b) { return FoldLabel(a) == FoldLabel(b); }

std::vector<LabelComparison> CompareWithCompiled(const CnvFile& tabwin,
                                                 const catalog::CodeList* compiled,
                                                 int64_t max_expanded) {
  std::vector<LabelComparison> rows;
  const CnvResolver resolver(tabwin);
  auto label_of = [&](const CnvEntry& e) -> const std::string& {
    return tabwin.categories[static_cast<size_t>(e.category)].label;
  };
  if (compiled != nullptr) {
    for (const catalog::Code& code : compiled->codes) {
      auto compare = [&](const std::string& value) {
        const CnvEntry* entry = resolver.Resolve(value);
        if (entry == nullptr) {
          rows.push_back({value, std::string(code.pt), "", LabelStatus::kOnlyCompiled, 0});
          return;
        }
        const std::string& label = label_of(*entry);
        rows.push_back(
            {value, std::string(code.pt), label,
             SameLabel(code.pt, label) ? LabelStatus::kSame : LabelStatus::kDifferentLabel,
             entry->line});
      };
      if (code.first == code.last || !ForEachCode(code.first, code.last, max_expanded, compare))
        compare(std::string(code.first));
    }
  }
  auto in_compiled = [&](std::string_view value) {
    return compiled != nullptr && catalog::LookupCode(*compiled, value) != nullptr;
  };
  std::set<std::string> listed;
  auto only_tabwin = [&](const CnvEntry& entry, const std::string& value) {
    if (!in_compiled(value) && resolver.Resolve(value) == &entry && listed.insert(value).second)
      rows.push_back({value, "", label_of(entry), LabelStatus::kOnlyTabwin, entry.line});
  };
  for (const CnvEntry& entry : tabwin.entries) {
    switch (entry.kind) {
      case CodeKind::kCode:
        only_tabwin(entry, entry.first);
        break;
      case CodeKind::kRange:
        if (!ForEachCode(entry.first, entry.last, max_expanded,
                         [&](const std::string& value) { only_tabwin(entry, value); })) {
          const bool overlaps = compiled != nullptr &&
                                std::any_of(compiled->codes.begin(), compiled->codes.end(),
                                            [&](const catalog::Code& c) {
                                              return c.first.size() == entry.first.size() &&
                                                     c.first <= entry.last && entry.first <= c.last;
                                            });
          const std::string text = entry.first + "-" + entry.last;
          if (!overlaps && listed.insert(text).second)
            rows.push_back({text, "", label_of(entry), LabelStatus::kOnlyTabwin, entry.line});
        }
        break;
      case CodeKind::kWildcard: {
        const bool matches =
            compiled != nullptr &&
            std::any_of(compiled->codes.begin(), compiled->codes.end(),
                        [&](const catalog::Code& c) { return EntryCovers(entry, c.first); });
        if (!matches && listed.insert(entry.first).second)
          rows.push_back({entry.first, "", label_of(entry), LabelStatus::kOnlyTabwin, entry.line});
        break;
      }
    }
  }
  return rows;
}

std::string_view LabelStatusName(LabelStatus status) {
  switch (status) {
    case LabelStatus::kSame:
      return "same";
    case LabelStatus::kDifferentLabel:
      return "different label";
    case LabelStatus::kOnlyTabwin:
      return "only in TabWin";
    case LabelStatus::kOnlyCompiled:
      return "only compiled-in";
  }
  return "same";
}

}  // namespace arrow_sus::tabwin
