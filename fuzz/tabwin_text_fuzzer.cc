// Fuzzes the TabWin text readers: any bytes parse as a .CNV and as a .DEF or fail with a
// FormatError naming the line; a parsed CNV resolves each of its own codes to an entry.
#include <cstdint>
#include <span>

#include "arrow_sus/tabwin/cnv.h"
#include "arrow_sus/tabwin/def.h"
#include "fuzz_checks.h"

namespace {

using arrow_sus::fuzz::Check;

void CheckFormatErrorWithLine(const arrow::Status& status) {
  const auto& detail = arrow_sus::fuzz::CheckTyped(status, {arrow_sus::ErrorKind::kFormat});
  Check(detail.location().line.has_value() && *detail.location().line >= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto cnv = arrow_sus::tabwin::ParseCnv(bytes, "fuzz.cnv");
  if (cnv.ok()) {
    arrow_sus::tabwin::CnvResolver resolver(*cnv);
    for (const auto& entry : cnv->entries) {
      Check(entry.category >= 0 && static_cast<size_t>(entry.category) < cnv->categories.size());
      if (entry.kind == arrow_sus::tabwin::CodeKind::kCode) Check(resolver.Resolve(entry.first));
    }
  } else {
    CheckFormatErrorWithLine(cnv.status());
  }
  auto def = arrow_sus::tabwin::ParseDef(bytes, "fuzz.def");
  if (!def.ok()) CheckFormatErrorWithLine(def.status());
  return 0;
}
