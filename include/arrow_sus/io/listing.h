// Parsers for FTP directory listings.
//
// DATASUS serves IIS "MS-DOS style" listings:
//   04-27-26  02:01PM              5805083 RDAC2401.dbc
//   04-27-26  02:01PM       <DIR>          Dados
// Other mirrors serve Unix `ls -l` style or MLSD (RFC 3659) facts; all three are recognised line by
// line. Dates shown in local time (MS-DOS and Unix styles) are converted to UTC with the server's
// offset; MLSD `modify` facts are UTC already. Lines in none of these forms are an error (a parser
// that skips what it does not understand loses files silently). Names are validated: a name with
// '/', '\\' or NUL, or a file called '.' or '..', is refused (kFormat).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

struct ListingContext {
  int server_utc_offset_minutes = -180;
  // "Now" in seconds since the epoch (UTC): Unix listings omit the year of recent files, which is
  // the latest year that does not put the date more than a day in the future.
  int64_t now_utc = 0;
};

// Parses a full listing (CRLF or LF separated); "total N" lines and the '.'/'..' directories are
// skipped.
arrow::Result<std::vector<RemoteEntry>> ParseFtpListing(std::string_view text,
                                                        const ListingContext& context);

// Seconds since the epoch of a civil date and time given in a time zone `utc_offset_minutes` from
// UTC.
int64_t CivilToUtcSeconds(int year, int month, int day, int hour, int minute, int second,
                          int utc_offset_minutes);

}  // namespace arrow_sus::io
