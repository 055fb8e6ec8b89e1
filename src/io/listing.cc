#include "arrow_sus/io/listing.h"

#include <charconv>
#include <chrono>
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"

namespace arrow_sus::io {

namespace {

// Splits off the next whitespace-delimited token of `rest`.
std::string_view NextToken(std::string_view& rest) {
  size_t begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) {
    rest = {};
    return {};
  }
  size_t end = rest.find_first_of(" \t", begin);
  if (end == std::string_view::npos) end = rest.size();
  std::string_view token = rest.substr(begin, end - begin);
  rest.remove_prefix(end);
  return token;
}

// What remains after the fields: the name, which may itself contain spaces.
std::string_view RestAsName(std::string_view rest) {
  size_t begin = rest.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return rest.substr(begin);
}

bool ParseInt(std::string_view text, int64_t& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseFixed(std::string_view text, size_t pos, size_t len, int& out) {
  if (pos + len > text.size()) return false;
  int64_t v = 0;
  if (!ParseInt(text.substr(pos, len), v)) return false;
  out = static_cast<int>(v);
  return true;
}

int ExpandTwoDigitYear(int yy) { return yy < 70 ? 2000 + yy : 1900 + yy; }

// "04-27-26" or "04-27-2026".
bool ParseDosDate(std::string_view text, int& year, int& month, int& day) {
  if ((text.size() != 8 && text.size() != 10) || text[2] != '-' || text[5] != '-') return false;
  if (!ParseFixed(text, 0, 2, month) || !ParseFixed(text, 3, 2, day) ||
      !ParseFixed(text, 6, text.size() - 6, year))
    return false;
  if (text.size() == 8) year = ExpandTwoDigitYear(year);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// "02:01PM", "12:00AM" or 24-hour "14:01".
bool ParseDosTime(std::string_view text, int& hour, int& minute) {
  if (text.size() < 5 || text[2] != ':') return false;
  if (!ParseFixed(text, 0, 2, hour) || !ParseFixed(text, 3, 2, minute)) return false;
  std::string_view suffix = text.substr(5);
  if (suffix == "AM" || suffix == "PM") {
    if (hour < 1 || hour > 12) return false;
    hour = (hour % 12) + (suffix == "PM" ? 12 : 0);
  } else if (!suffix.empty()) {
    return false;
  }
  return hour <= 23 && minute <= 59;
}

int MonthFromName(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (name == kMonths[i]) return i + 1;
  return 0;
}

std::optional<RemoteEntry> ParseDosLine(std::string_view line, const ListingContext& ctx) {
  std::string_view rest = line;
  int year, month, day, hour, minute;
  if (!ParseDosDate(NextToken(rest), year, month, day)) return std::nullopt;
  if (!ParseDosTime(NextToken(rest), hour, minute)) return std::nullopt;
  std::string_view size_or_dir = NextToken(rest);
  RemoteEntry entry;
  if (size_or_dir == "<DIR>") {
    entry.is_dir = true;
  } else if (!ParseInt(size_or_dir, entry.size) || entry.size < 0) {
    return std::nullopt;
  }
  entry.name = std::string(RestAsName(rest));
  entry.mtime = CivilToUtcSeconds(year, month, day, hour, minute, 0, ctx.server_utc_offset_minutes);
  return entry;
}

// -rw-r--r--   1 owner group  5805083 Apr 27 14:01 name   (or "Apr 27  2024" for older files)
std::optional<RemoteEntry> ParseUnixLine(std::string_view line, const ListingContext& ctx) {
  std::string_view rest = line;
  std::string_view mode = NextToken(rest);
  if (mode.size() < 10 || std::string_view("-dl").find(mode[0]) == std::string_view::npos)
    return std::nullopt;
  int64_t links;
  if (!ParseInt(NextToken(rest), links)) return std::nullopt;
  NextToken(rest);  // owner
  // Some servers omit the group: the size is then the third field.
  std::string_view group_or_size = NextToken(rest);
  std::string_view size_text = NextToken(rest);
  RemoteEntry entry;
  std::string_view month_text;
  if (ParseInt(size_text, entry.size)) {
    month_text = NextToken(rest);
  } else if (ParseInt(group_or_size, entry.size)) {
    month_text = size_text;
  } else {
    return std::nullopt;
  }
  int month = MonthFromName(month_text);
  int64_t day = 0;
  if (month == 0 || !ParseInt(NextToken(rest), day) || day < 1 || day > 31) return std::nullopt;
  std::string_view year_or_time = NextToken(rest);
  int year, hour = 0, minute = 0;
  if (year_or_time.size() == 5 && year_or_time[2] == ':') {
    if (!ParseFixed(year_or_time, 0, 2, hour) || !ParseFixed(year_or_time, 3, 2, minute))
      return std::nullopt;
    // The year of a recent file is implicit: the latest one not more than a day in the future.
    int64_t now_days = ctx.now_utc / 86400;
    auto today = std::chrono::year_month_day(std::chrono::sys_days(std::chrono::days(now_days)));
    year = static_cast<int>(today.year());
    if (CivilToUtcSeconds(year, month, static_cast<int>(day), hour, minute, 0,
                          ctx.server_utc_offset_minutes) > ctx.now_utc + 86400)
      --year;
  } else {
    int64_t y;
    if (!ParseInt(year_or_time, y)) return std::nullopt;
    year = static_cast<int>(y);
  }
  std::string_view name = RestAsName(rest);
  if (mode[0] == 'l') name = name.substr(0, name.find(" -> "));
  entry.is_dir = mode[0] == 'd';
  if (entry.is_dir) entry.size = -1;
  entry.name = std::string(name);
  entry.mtime = CivilToUtcSeconds(year, month, static_cast<int>(day), hour, minute, 0,
                                  ctx.server_utc_offset_minutes);
  return entry;
}

// type=file;size=5805083;modify=20260427170100; RDAC2401.dbc
std::optional<RemoteEntry> ParseMlsdLine(std::string_view line, bool& skip) {
  size_t space = line.find(' ');
  if (space == std::string_view::npos || line.substr(0, space).find('=') == std::string_view::npos)
    return std::nullopt;
  std::string_view facts = line.substr(0, space);
  RemoteEntry entry;
  entry.name = std::string(line.substr(space + 1));
  bool typed = false;
  while (!facts.empty()) {
    size_t semi = facts.find(';');
    std::string_view fact = facts.substr(0, semi);
    facts = semi == std::string_view::npos ? std::string_view() : facts.substr(semi + 1);
    size_t eq = fact.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(fact.substr(0, eq));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value = fact.substr(eq + 1);
    if (key == "type") {
      typed = true;
      std::string v(value);
      for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (v == "cdir" || v == "pdir") skip = true;
      entry.is_dir = v == "dir" || v == "cdir" || v == "pdir";
    } else if (key == "size") {
      if (!ParseInt(value, entry.size)) return std::nullopt;
    } else if (key == "modify") {
      int y, mo, d, h, mi, s;
      if (value.size() < 14 || !ParseFixed(value, 0, 4, y) || !ParseFixed(value, 4, 2, mo) ||
          !ParseFixed(value, 6, 2, d) || !ParseFixed(value, 8, 2, h) ||
          !ParseFixed(value, 10, 2, mi) || !ParseFixed(value, 12, 2, s))
        return std::nullopt;
      entry.mtime = CivilToUtcSeconds(y, mo, d, h, mi, s, 0);
    }
  }
  if (!typed) return std::nullopt;
  if (entry.is_dir) entry.size = -1;
  return entry;
}

}  // namespace

int64_t CivilToUtcSeconds(int year, int month, int day, int hour, int minute, int second,
                          int utc_offset_minutes) {
  using namespace std::chrono;
  sys_days date =
      year_month_day(std::chrono::year(year), std::chrono::month(month), std::chrono::day(day));
  int64_t local = date.time_since_epoch().count() * 86400LL + hour * 3600 + minute * 60 + second;
  return local - static_cast<int64_t>(utc_offset_minutes) * 60;
}

arrow::Result<std::vector<RemoteEntry>> ParseFtpListing(std::string_view text,
                                                        const ListingContext& context) {
  std::vector<RemoteEntry> entries;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    const uint64_t offset = line_start;
    line_start = line_end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.rfind("total ", 0) == 0) continue;

    bool skip = false;
    std::optional<RemoteEntry> entry = ParseDosLine(line, context);
    if (!entry) entry = ParseUnixLine(line, context);
    if (!entry) entry = ParseMlsdLine(line, skip);
    if (!entry)
      return MakeError(ErrorKind::kFormat, {.offset = offset},
                       "unrecognised FTP listing line (expected MS-DOS, Unix or MLSD style): '" +
                           std::string(line) + "'");
    if (skip || (entry->is_dir && (entry->name == "." || entry->name == ".."))) continue;
    arrow::Status safe = ValidateEntryName(entry->name);
    if (!safe.ok())
      return MakeError(ErrorKind::kFormat, {.file = entry->name, .offset = offset},
                       "unsafe name in FTP listing refused (a name may not be '.', '..', or "
                       "contain '/', '\\' or NUL)");
    entries.push_back(std::move(*entry));
  }
  return entries;
}

}  // namespace arrow_sus::io
