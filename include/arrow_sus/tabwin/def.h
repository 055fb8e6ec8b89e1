// TabWin tabulation definitions (.DEF): which DBF files a tabulation reads and, for each variable
// it offers, the DBF field and the conversion (.CNV, or a DBF of labels) that names its codes.
// The format, as determined from public sources, is in docs/labels.md ("TabWin files"):
//
//   ;Movimento de AIH - Arquivos Reduzidos                     <- ';' comment (the first: title)
//   A..\DADOS\RD*.DBC                                          <- A: the data files (a glob)
//   ?\TAB\RD.HLP                                               <- ?: a help file
//   IValor Total, VAL_TOT                                      <- I: an increment (a sum)
//   SSexo, SEXO, 1, SEXO.CNV                                   <- a categorical variable
//   LHospital, CNES, RAZAO, TCNESBR.DBF                        <- one labelled by a DBF
//
// A categorical line starts with its marker (L row, C column, S selection, X all three, and D, T,
// Q; in either case), then: label, DBF field, the start position in the field of the code the CNV
// converts (for a DBF: the column holding the labels), and the conversion file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/tabwin/cnv.h"

namespace arrow_sus::tabwin {

enum class ConversionKind : uint8_t {
  kNone,  // no conversion file: an increment, or raw values
  kCnv,
  kDbf,
  kOther,  // a file of another type (kept as written)
};

struct DefVariable {
  char marker = 'S';       // upper case: L, C, S, X, D, T, Q, or I for an increment
  std::string label;       // as TabWin shows it
  std::string field;       // DBF field name, upper case
  std::string argument;    // the third item as written (position, or the DBF label column)
  int position = 0;        // 1-based start of the code in the field (CNV conversions), else 0
  std::string conversion;  // the conversion file as written ("CNV\SEXO.CNV"), "" when none
  ConversionKind kind = ConversionKind::kNone;
  int64_t line = 0;
};

// A line this reader keeps but does not interpret (a marker it does not know), so that nothing in
// a DEF is dropped unseen.
struct DefNote {
  int64_t line = 0;
  std::string text;
};

struct DefFile {
  std::string name;
  dbf::Encoding encoding = dbf::Encoding::kLatin1;
  std::string title;                    // the first comment line, trimmed
  std::vector<std::string> data_files;  // the A lines, as written
  std::vector<DefVariable> variables;   // in file order
  std::vector<DefNote> notes;
};

// Parses a .DEF. Malformed lines are kFormat errors naming `name` and the line: a variable line
// without a field, a field name that is not a DBF name, a CNV conversion whose position is not a
// positive number.
arrow::Result<DefFile> ParseDef(std::span<const uint8_t> bytes, std::string name,
                                const TextOptions& options = {});

std::string_view ConversionKindName(ConversionKind kind);

}  // namespace arrow_sus::tabwin
