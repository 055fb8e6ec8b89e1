// What a TabWin archive's lists apply to: which datasets a DEF describes, and which period an
// archive covers. Lists are scoped by system and period, never by file name alone: thirteen
// systems ship a SEXO.CNV and they disagree (SIH codes sex 1/3, SINASC 1/2, SINAN M/F).
#pragma once

#include <cstdint>
#include <string_view>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/tabwin/def.h"

namespace arrow_sus::tabwin {

// True when a data-file pattern of the DEF ("A" lines, e.g. A..\DADOS\RD*.DBC) matches the names
// the catalog gives `dataset`'s files (RDSP0801.dbc), comparing names without their extension and
// case. A pattern naming no file in particular ("*.DBF") describes a dataset only when it is the
// only dataset the archive serves (`only_dataset`).
bool DefDescribes(const DefFile& def, const catalog::Dataset& dataset, bool only_dataset);

// The periods (catalog period keys, 0 = unbounded) an archive's tabulation files are for: from
// its name when it says (TAB_SIH_199201-199712.zip, ..._Ate_1995.zip, ..._A_Partir_1996.zip),
// else from the dataset directories beside its own (SIM/CID9/TAB serves SIM/CID9/DORES:
// 1979-1995), else unbounded.
struct PeriodRange {
  int32_t first = 0;
  int32_t last = 0;
};
PeriodRange ArchivePeriod(std::string_view archive_path, const catalog::Dataset& dataset);

}  // namespace arrow_sus::tabwin
