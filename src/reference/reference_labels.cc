#include "arrow_sus/reference/reference_labels.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/builder.h>

#include "arrow_sus/error.h"
#include "arrow_sus/reference/compiled.h"

namespace arrow_sus::reference {

namespace {

arrow::Result<std::shared_ptr<const Lookup>> MakeLabels(std::string_view reference) {
  for (const ReferenceTableInfo& info : CompiledTables()) {
    if (info.reference != reference) continue;
    auto has = [&](std::string_view name) {
      for (const ReferenceColumn& c : info.columns) {
        if (c.name == name) return true;
      }
      return false;
    };
    for (std::string_view column : {std::string_view("name"), std::string_view("description")}) {
      if (!has(column)) continue;
      std::vector<std::string> columns{std::string(column)};
      // Names repeat across states (Bom Jesus is in five): the state tells them apart.
      if (has("uf")) columns.emplace_back("uf");
      ARROW_ASSIGN_OR_RAISE(auto table, CompiledTable(info));
      ARROW_ASSIGN_OR_RAISE(KeyKind kind, ParseKeyKind(info.key_kind));
      LookupSpec spec{.dataset = std::string(info.dataset),
                      .key = std::string(info.key),
                      .kind = kind,
                      .key_width = info.key_width,
                      .code_column = "code",
                      .columns = std::move(columns)};
      return Lookup::Make(std::move(table), std::move(spec));
    }
  }
  return nullptr;
}

}  // namespace

arrow::Result<std::shared_ptr<const Lookup>> ReferenceLabels(std::string_view reference) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Lookup>, std::less<>> built;
  std::lock_guard lock(mutex);
  if (auto it = built.find(reference); it != built.end()) return it->second;
  ARROW_ASSIGN_OR_RAISE(auto labels, MakeLabels(reference));
  built.emplace(std::string(reference), labels);
  return labels;
}

arrow::Result<std::vector<bool>> KnownReferenceCodes(std::string_view reference,
                                                     const std::vector<std::string>& codes) {
  ARROW_ASSIGN_OR_RAISE(auto labels, ReferenceLabels(reference));
  if (labels == nullptr) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "no reference table is compiled in for " + std::string(reference) + " codes");
  }
  arrow::StringBuilder builder;
  ARROW_RETURN_NOT_OK(builder.AppendValues(codes));
  ARROW_ASSIGN_OR_RAISE(auto array, builder.Finish());
  ARROW_ASSIGN_OR_RAISE(auto found, labels->Columns(array));
  std::vector<bool> known(codes.size());
  for (size_t i = 0; i < codes.size(); ++i) known[i] = found[0]->IsValid(static_cast<int64_t>(i));
  return known;
}

}  // namespace arrow_sus::reference
