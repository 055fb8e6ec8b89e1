// Lookups over the generated data-dictionary tables (binary searches over sorted static arrays).
#include "arrow_sus/catalog/dictionary.h"

#include <algorithm>

#include "arrow_sus/catalog/catalog.h"
#include "catalog/tables.h"
#include "catalog/text.h"

namespace arrow_sus::catalog {

namespace {

bool Covers(const FieldInfo& field, int year) {
  return (field.first_year == 0 || field.first_year <= year) &&
         (field.last_year == 0 || year <= field.last_year);
}

std::string_view TrimTrailingBlanks(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::span<const FieldInfo> DictionaryFields(std::string_view dataset) {
  const Dataset* found = FindDataset(dataset);
  return found ? internal::RowsOf(internal::FieldInfoTable(), found->id)
               : std::span<const FieldInfo>();
}

const FieldInfo* FindFieldInfo(std::string_view dataset, std::string_view name, int year) {
  auto fields = DictionaryFields(dataset);
  auto [first, last] =
      std::equal_range(fields.begin(), fields.end(), name, [](const auto& a, const auto& b) {
        if constexpr (std::is_same_v<std::decay_t<decltype(a)>, FieldInfo>) {
          return CompareIgnoringCase(a.name, b) < 0;
        } else {
          return CompareIgnoringCase(a, b.name) < 0;
        }
      });
  if (first == last) return nullptr;
  if (year == 0) return &*(last - 1);  // the latest entry
  for (auto it = first; it != last; ++it) {
    if (Covers(*it, year)) return &*it;
  }
  return nullptr;
}

std::span<const CodeList> CodeLists() { return internal::CodeListTable(); }

const CodeList* FindCodeList(std::string_view id) {
  auto table = internal::CodeListTable();
  auto it =
      std::lower_bound(table.begin(), table.end(), id,
                       [](const CodeList& list, std::string_view key) { return list.id < key; });
  return it != table.end() && it->id == id ? &*it : nullptr;
}

const Code* LookupCode(const CodeList& list, std::string_view code) {
  code = TrimTrailingBlanks(code);
  auto single = std::lower_bound(list.codes.begin(), list.codes.end(), code,
                                 [](const Code& c, std::string_view key) { return c.first < key; });
  for (; single != list.codes.end() && single->first == code; ++single) {
    if (single->last == code) return &*single;
  }
  // Runs are few: a linear pass over them, matching codes of their own width only.
  for (const Code& run : list.codes) {
    if (run.first != run.last && run.first.size() == code.size() && run.first <= code &&
        code <= run.last) {
      return &run;
    }
  }
  return nullptr;
}

std::string_view FieldKindName(FieldKind kind) {
  switch (kind) {
    case FieldKind::kCode:
      return "code";
    case FieldKind::kNumber:
      return "number";
    case FieldKind::kDate:
      return "date";
    case FieldKind::kAge:
      return "age";
    case FieldKind::kTime:
      return "time";
    case FieldKind::kIdentifier:
      return "identifier";
    case FieldKind::kText:
      break;
  }
  return "text";
}

std::string_view AgeEncodingName(AgeEncoding encoding) {
  switch (encoding) {
    case AgeEncoding::kSim:
      return "sim";
    case AgeEncoding::kSih:
      return "sih";
    case AgeEncoding::kSinan:
      return "sinan";
    case AgeEncoding::kNone:
      break;
  }
  return "";
}

std::string_view VerificationName(Verification status) {
  return status == Verification::kDerived ? "derived" : "verified";
}

}  // namespace arrow_sus::catalog
