#include "arrow_sus/reference/archive_tables.h"

#include <string>
#include <utility>

#include "arrow_sus/catalog/path.h"
#include "arrow_sus/error.h"

namespace arrow_sus::reference {

std::vector<ArchiveTable> ListArchiveTables(const io::ZipArchive& archive) {
  std::vector<ArchiveTable> tables;
  for (const io::ZipMember& member : archive.members()) {
    if (member.is_directory) continue;
    catalog::ParseResult parsed = catalog::Classify(member.name);
    if (parsed.outcome != catalog::ParseOutcome::kMatched ||
        parsed.ref.dataset->kind != catalog::DatasetKind::kAuxiliary)
      continue;
    tables.push_back({member.name, std::string(parsed.ref.dataset->id), std::string(parsed.ref.uf),
                      parsed.ref.year});
  }
  return tables;
}

arrow::Result<std::shared_ptr<dbf::DbfReader>> OpenArchiveTable(const io::ZipArchive& archive,
                                                                std::string_view member,
                                                                dbf::ReadOptions options) {
  const std::string where = archive.name() + ":" + std::string(member);
  ARROW_ASSIGN_OR_RAISE(const io::ZipMember* found, archive.Find(member));
  if (found == nullptr || found->is_directory)
    return MakeError(ErrorKind::kNotFound, {.file = archive.name()},
                     "the archive has no member " + std::string(member));
  ARROW_ASSIGN_OR_RAISE(auto bytes, archive.OpenMember(*found));
  auto reader = dbf::DbfReader::Make(std::move(bytes), std::move(options), {where, std::nullopt});
  if (!reader.ok()) return WithFile(reader.status(), where);
  return reader;
}

}  // namespace arrow_sus::reference
