// The .DEF reader: one line per statement, its meaning given by its first character.
#include "arrow_sus/tabwin/def.h"

#include <algorithm>
#include <cctype>

#include "arrow_sus/error.h"
#include "tabwin/paths.h"
#include "tabwin/text_lines.h"

namespace arrow_sus::tabwin {

namespace {

using internal::AllDigits;
using internal::TextLines;
using internal::Trim;

// Markers of categorical variables (with a conversion) and of increments.
constexpr std::string_view kCategoricalMarkers = "LCSXDTQ";
constexpr char kIncrementMarker = 'I';

bool IsDbfFieldName(std::string_view name) {
  if (name.empty() || name.size() > 11 || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

ConversionKind KindOf(std::string_view file) {
  if (file.empty()) return ConversionKind::kNone;
  const size_t dot = file.rfind('.');
  const std::string ext =
      internal::Upper(dot == std::string_view::npos ? "" : file.substr(dot + 1));
  if (ext == "CNV") return ConversionKind::kCnv;
  if (ext == "DBF") return ConversionKind::kDbf;
  return ConversionKind::kOther;
}

std::vector<std::string_view> SplitItems(std::string_view text) {
  std::vector<std::string_view> items;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    items.push_back(
        Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start)));
    if (comma == std::string_view::npos) return items;
    start = comma + 1;
  }
}

}  // namespace

arrow::Result<DefFile> ParseDef(std::span<const uint8_t> bytes, std::string name,
                                const TextOptions& options) {
  TextLines text(bytes, options);
  DefFile out;
  out.name = std::move(name);
  out.encoding = text.encoding();
  auto fail = [&](int64_t line, const std::string& message) {
    return MakeError(ErrorKind::kFormat, {.file = out.name, .line = line}, message);
  };
  for (size_t i = 0; i < text.lines().size(); ++i) {
    const std::string_view line = text.lines()[i];
    const auto number = static_cast<int64_t>(i + 1);
    if (Trim(line).empty()) continue;
    const char marker = static_cast<char>(std::toupper(static_cast<unsigned char>(line[0])));
    const std::string_view body = line.substr(1);
    if (marker == ';') {
      if (out.title.empty()) out.title = text.ToUtf8(Trim(body));
      continue;
    }
    if (marker == 'A') {
      out.data_files.push_back(text.ToUtf8(Trim(body)));
      continue;
    }
    const bool categorical = kCategoricalMarkers.find(marker) != std::string_view::npos;
    if (!categorical && marker != kIncrementMarker) {
      // Help files, inactive lines (starting with a blank) and statements this reader does not
      // interpret are kept as notes.
      out.notes.push_back({number, text.ToUtf8(Trim(line))});
      continue;
    }
    auto items = SplitItems(body);
    DefVariable var;
    var.marker = marker;
    var.line = number;
    var.label = text.ToUtf8(items[0]);
    std::string field = internal::Upper(items.size() > 1 ? items[1] : std::string_view());
    if (!categorical) {  // an increment: a field or expression to sum, kept as written
      var.field = std::move(field);
      out.variables.push_back(std::move(var));
      continue;
    }
    if (field.empty())
      return fail(number, "a variable line without a DBF field: expected \"" +
                              std::string(1, marker) + "label, FIELD, position, FILE.CNV\"");
    if (!IsDbfFieldName(field))
      return fail(number, "\"" + text.ToUtf8(items[1]) + "\" is not a DBF field name");
    var.field = std::move(field);
    if (items.size() > 2) var.argument = text.ToUtf8(items[2]);
    if (items.size() > 3) var.conversion = text.ToUtf8(items[3]);
    var.kind = KindOf(var.conversion);
    if (var.kind == ConversionKind::kCnv) {
      if (!AllDigits(var.argument) || var.argument.size() > 4 || std::stoi(var.argument) < 1)
        return fail(number, "the start position of the code in " + var.field +
                                " must be a positive number, found \"" + var.argument + "\"");
      var.position = std::stoi(var.argument);
    }
    out.variables.push_back(std::move(var));
  }
  return out;
}

std::string_view ConversionKindName(ConversionKind kind) {
  switch (kind) {
    case ConversionKind::kNone:
      return "none";
    case ConversionKind::kCnv:
      return "cnv";
    case ConversionKind::kDbf:
      return "dbf";
    case ConversionKind::kOther:
      return "other";
  }
  return "none";
}

}  // namespace arrow_sus::tabwin
