// DATASUS file names and server paths, both directions, and split-part selection.
//
// Rules (see docs/catalog.md):
// - Matching is case-insensitive (`PAAC9412.DBC` and `paac9412.dbc` are the same file).
// - A path is read as a server path when its directory starts with /dissemin/ or /territorio/
//   (optionally after ftp://host); the directory must then be one the dataset is published in.
//   Any other directory (a local copy) is ignored and only the file name is parsed.
// - A name must match exactly one dataset; each layout only holds its own periods and digit counts,
//   so `DORJ1996` is CID-10 SIM `DO`+`RJ`+1996 while `DORRO79` is CID-9 SIM `DOR`+`RO`+1979.
//   A name that still fits two datasets is reported as ambiguous, never guessed.
// - A `.dbf` is accepted for a `.dbc` or `.zip` dataset: it is the decompressed / extracted copy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/catalog/catalog.h"

namespace arrow_sus::catalog {

// What a file name says. Views point into the parsed string or into static catalog storage.
struct FileRef {
  const Dataset* dataset = nullptr;
  // The layout (server directory) the file belongs to; nullptr when a bare name fits several
  // directories of the same dataset (e.g. SINAN FINAIS and PRELIM).
  const Layout* layout = nullptr;
  std::string_view pattern;  // the name pattern that matched (static storage)
  std::string_view uf;       // state code or "BR"; "" when the name has no location
  int year = 0;              // 0 when the name has no period
  int month = 0;             // 0 for yearly files
  // "" for a whole file, "a".."z" (always lower case) or "_1".."_99" for a split part.
  std::string_view part;
  int8_t preliminary = -1;  // 1 preliminary, 0 final, -1 unknown (bare name, both possible)
  bool placeholder = false;
  std::string_view name;       // the file name as given (no directory)
  std::string_view extension;  // as given, without the dot

  // The server directory: the layout's, with {YYYY} filled in; "" when unknown.
  std::string Directory() const;
  // The canonical server path (upper-case name, canonical extension); "" when the layout is
  // unknown.
  std::string CanonicalPath() const;
};

enum class ParseOutcome : uint8_t { kMatched, kUnrecognized, kAmbiguous };

struct ParseResult {
  ParseOutcome outcome = ParseOutcome::kUnrecognized;
  FileRef ref;
  // For kAmbiguous: the first two datasets that matched.
  const Dataset* other = nullptr;
};

// Parses a file name or path without allocating.
ParseResult Classify(std::string_view path_or_name);

// Same, as a Result: an unrecognized or ambiguous name is a kInvalidArgument error naming the file.
arrow::Result<FileRef> ParsePath(std::string_view path_or_name);

struct PathQuery {
  std::string_view dataset;
  std::string_view uf;    // "" = national file (or a dataset without location)
  int year = 0;           // 0 only for datasets without periods
  int month = 0;          // required for monthly datasets
  std::string_view part;  // "" = whole file
};

// Candidate server paths for a query: one per layout and pattern that can hold it, canonical
// spelling (upper-case name, the layout's canonical extension). Errors name what is wrong with the
// query (unknown dataset or state, missing month, period outside every layout).
arrow::Result<std::vector<std::string>> CandidatePaths(const PathQuery& query);

// Chooses, for every (dataset, state, period, directory) among `refs`, one complete and
// non-overlapping set of files: the whole file when it exists (its parts repeat its records),
// otherwise all of its parts, which must run without gaps from `a` (or `_1`). Returns the indices
// of the chosen refs in input order; a gap is a kNotFound error naming the missing part.
arrow::Result<std::vector<size_t>> SelectParts(std::span<const FileRef> refs);

}  // namespace arrow_sus::catalog
