// TabWin conversion tables (.CNV): the official code -> category lists DATASUS ships in its
// TAB_*.zip archives. The format, as determined from public sources, is in docs/labels.md
// ("TabWin files"); in short:
//
//   ; comment lines start with ';'
//   3 1                                               <- categories, code width [flags]
//         3  Ignorado                                          0-9
//         1  Masculino                                         1
//         2  Feminino                                          2,3
//
// Every other line is a category: its number (after an optional subtotal mark), its label, and
// the codes it covers (a list separated by commas, ranges "first-last", and wildcards "?" and a
// trailing "*"). A category may continue over several lines with the same number. When codes
// overlap, the entry written last decides (TabWin's rule: a catch-all range is written first and
// refined below it); such overlaps are reported, never silently merged.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/dbf/options.h"

namespace arrow_sus::tabwin {

// How the bytes of a .CNV or .DEF are decoded. nullopt: CP850 when a byte 0x80-0x9F occurs (those
// are CP850 letters such as 0x87 "ç" and 0x82 "é", and unused in Latin-1 text), Latin-1 otherwise.
struct TextOptions {
  std::optional<dbf::Encoding> encoding;
};

enum class CodeKind : uint8_t {
  kCode,      // one code ("" is the blank value)
  kRange,     // every code of the same width between first and last, compared as text
  kWildcard,  // "?" stands for any one character, a final "*" for any ending
};

struct CnvCategory {
  int64_t number = 0;    // as written in the file
  std::string label;     // UTF-8, trimmed
  int64_t line = 0;      // 1-based line of the first line carrying its label
  std::string subtotal;  // a mark written before the number (columns 1-3), "" when none
};

struct CnvEntry {
  CodeKind kind = CodeKind::kCode;
  std::string first;     // the code, the range start, or the wildcard pattern
  std::string last;      // the range end; equal to first otherwise
  int32_t category = 0;  // index into CnvFile::categories
  int64_t line = 0;      // 1-based line it was written on
};

enum class CnvIssueKind : uint8_t {
  kOverlap,           // one code is covered by entries of two categories (the later one decides)
  kConflictingLabel,  // a category's lines give it two different labels (the first is kept)
  kCountMismatch,     // the header announces another number of categories than the file holds
};

struct CnvIssue {
  CnvIssueKind kind;
  int64_t line = 0;        // the later line involved
  int64_t other_line = 0;  // the earlier one (0 for kCountMismatch)
  std::string message;
};

struct CnvFile {
  std::string name;  // as given to ParseCnv, for messages
  dbf::Encoding encoding = dbf::Encoding::kLatin1;
  int64_t declared_categories = 0;
  int code_width = 0;
  std::string title;  // text between the two header numbers, when the header has one
  std::string flags;  // letters after the width ("F": the codes are numeric class limits)
  std::vector<CnvCategory> categories;  // in order of first appearance
  std::vector<CnvEntry> entries;        // in file order
  std::vector<CnvIssue> issues;         // in file order

  // The F flag: codes are upper limits of numeric classes (ages, weights), not codes.
  bool numeric_classes() const { return flags.find('F') != std::string::npos; }
};

// Parses a .CNV. Malformed lines are kFormat errors naming `name` and the line: a header without
// the category count and code width, a category line without a number, a code longer than the
// code width, a range whose ends differ in width or run backwards, a "*" before the end of a
// wildcard, an empty item between commas.
arrow::Result<CnvFile> ParseCnv(std::span<const uint8_t> bytes, std::string name,
                                const TextOptions& options = {});

// Which entry decides a code, by TabWin's rule (the last entry covering it). Codes are compared
// with trailing blanks removed, and a code of digits only is zero-padded to the code width the
// way the entries were.
class CnvResolver {
 public:
  explicit CnvResolver(const CnvFile& file);
  const CnvEntry* Resolve(std::string_view code) const;

 private:
  const CnvFile& file_;
  std::unordered_map<std::string, int32_t> last_code_;  // single codes: their last entry
  std::vector<int32_t> patterns_;                       // ranges and wildcards, in file order
};

// True when `code` falls in `entry` (any kind), both as stored (trimmed, padded).
bool EntryCovers(const CnvEntry& entry, std::string_view code);

// The digits-only code zero-padded to `width`, anything else with trailing blanks removed: the
// form entries are stored in.
std::string NormalizeCode(std::string_view code, int width);

std::string_view CodeKindName(CodeKind kind);
std::string_view CnvIssueKindName(CnvIssueKind kind);

}  // namespace arrow_sus::tabwin
