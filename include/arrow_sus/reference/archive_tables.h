// The auxiliary tables inside a TAB_*.zip archive: which members are which aux-* dataset (the
// catalog classifies their file names, whatever folder they sit in: DBF/CADGERAC.dbf is aux-cadger
// for AC), and their records, read by the DBF reader as the member is inflated.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <arrow/result.h>

#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/io/zip_archive.h"

namespace arrow_sus::reference {

struct ArchiveTable {
  std::string member;   // the member's name in the archive
  std::string dataset;  // the auxiliary dataset (aux-cadger)
  std::string uf;       // the state of a per-state table (CADGERAC: AC; CADGERBR: BR), else ""
  int year = 0;         // the year of a yearly table (PROJBR00: 2000), else 0
};

// Every file member of `archive` whose name the catalog classifies as an auxiliary dataset, in the
// archive's order. Other members (CNV, DEF, data files, unknown DBFs) are left out.
std::vector<ArchiveTable> ListArchiveTables(const io::ZipArchive& archive);

// A reader over the records of `member` (found like ZipArchive::Find), streamed from the archive
// in bounded memory; the member's size and CRC-32 are checked at its end. Errors name
// "ARCHIVE:MEMBER"; a member the archive lacks is kNotFound.
arrow::Result<std::shared_ptr<dbf::DbfReader>> OpenArchiveTable(const io::ZipArchive& archive,
                                                                std::string_view member,
                                                                dbf::ReadOptions options);

}  // namespace arrow_sus::reference
