#include "arrow_sus/reference/reference_labels.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

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

}  // namespace arrow_sus::reference
