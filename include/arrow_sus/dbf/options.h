// Options of the DBF reader (one struct, in the spirit of arrow::csv::ReadOptions).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

namespace arrow_sus::dbf {

struct Predicate;

// How the bytes of C fields are decoded into UTF-8. Windows-1252 is Latin-1 with printable
// characters (quotes, dashes) at 0x80-0x9F: some auxiliary tables (TB_SIGTAP) are written in it.
enum class Encoding : uint8_t { kLatin1, kCp850, kUtf8, kCp1252 };

// Accepts "latin-1" (and the aliases latin1, iso-8859-1), "cp850", "cp1252" (windows-1252),
// "utf-8" (utf8), case-insensitive.
arrow::Result<Encoding> ParseEncoding(std::string_view name);
std::string_view EncodingName(Encoding encoding);

// How N/F fields with decimals are typed: float64, or exact decimal128(width, decimals).
enum class DecimalMode : uint8_t { kFloat, kExact };
// "float" or "exact"; any other name is an InvalidArgument error naming the option "decimals".
arrow::Result<DecimalMode> ParseDecimalMode(std::string_view name);
std::string_view DecimalModeName(DecimalMode mode);

// What an unparsable (not blank) value becomes: null (counted in the stats), or an error.
enum class InvalidPolicy : uint8_t { kNull, kRaise };
// "null" or "raise" (the option "on_invalid").
arrow::Result<InvalidPolicy> ParseInvalidPolicy(std::string_view name);
std::string_view InvalidPolicyName(InvalidPolicy policy);

// What the catalog's dictionary knows about a field that its DBF type does not say, as the reader
// applies it while converting (arrow_sus/scan/meaning.h decides it).
struct FieldSemantics {
  // A coded field: read as an Arrow dictionary array whose dictionary starts with these codes
  // (UTF-8), in this order, followed by the other values met in the batch as their text. Empty: the
  // field is not read as codes.
  std::vector<std::string> codes;
  // With no `codes`: read the field as codes nonetheless (categories no list documents, or the
  // codes of a reference table: municipalities, CID-10, CNES...).
  bool categorical = false;
  // Room for many distinct values (int32 indices rather than int16): a reference table's codes.
  bool many_values = false;
  // A C field that holds a number: read like an N field of the same width.
  bool number = false;
};

// By field name, as the file writes it.
using FieldSemanticsMap = std::map<std::string, FieldSemantics, std::less<>>;

// What a file whose data ends before the records its header declares (or inside a record) gives:
// a FormatError, or the records that are there (the reason recorded in ReadStats::truncated).
enum class TruncatedPolicy : uint8_t { kRaise, kWarn };
// "raise" or "warn" (the option "on_truncated").
arrow::Result<TruncatedPolicy> ParseTruncatedPolicy(std::string_view name);
std::string_view TruncatedPolicyName(TruncatedPolicy policy);

struct ReadOptions {
  // Records per block; every batch holds at most this many rows (fewer after filtering, and fewer
  // for very wide records: a block holds at most 8 MiB of raw records, so that memory stays
  // bounded).
  int64_t batch_size = 65536;
  // Convert blocks on Arrow's CPU thread pool (decompression stays sequential). A file whose
  // records fit in one block under 64 KiB is read on the calling thread all the same.
  bool use_threads = true;
  // Fields to convert, in this order; nullopt = every field in file order.
  std::optional<std::vector<std::string>> columns;
  // Rows to keep, evaluated on the raw bytes before conversion; nullptr = all rows.
  std::shared_ptr<const Predicate> filter;
  Encoding encoding = Encoding::kLatin1;
  DecimalMode decimals = DecimalMode::kFloat;
  // Every field as its trimmed text (utf8, or large_utf8 with large_strings), for lossless
  // debugging.
  bool raw = false;
  // Text columns (C fields, and every field in raw mode) as large_utf8 (64-bit offsets) instead of
  // utf8; fields of other types stay binary. pandas 3 keeps its strings as large_utf8, so a table
  // read this way goes to pandas without a cast (and copy) of every offset. Scans reject it.
  bool large_strings = false;
  InvalidPolicy on_invalid = InvalidPolicy::kNull;
  TruncatedPolicy on_truncated = TruncatedPolicy::kRaise;
  // Keep records flagged as deleted (0x2A) and add a bool column "_deleted".
  bool keep_deleted = false;
  // Fields read as codes or numbers (see FieldSemantics); nullptr = every field as its DBF type.
  // Ignored in raw mode.
  std::shared_ptr<const FieldSemanticsMap> semantics;

  // An InvalidArgument error naming the first option out of range and what it allows.
  arrow::Status Validate() const;
};

// Name of the column added by keep_deleted.
inline constexpr char kDeletedColumn[] = "_deleted";

}  // namespace arrow_sus::dbf
