// Where outputs may be written (arrow_sus/output_target.h), for the Python writers: the CLI's get,
// convert and sql, and Scan.to_parquet (python/arrow_sus/_output_target.py).
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "arrow_sus/output_target.h"
#include "python/bindings.h"

namespace arrow_sus::python {

using namespace nb::literals;

namespace {

OutputKind KindOf(bool directory) { return directory ? OutputKind::kDirectory : OutputKind::kFile; }

OutputRules RulesOf(bool overwrite, std::vector<std::filesystem::path> inputs,
                    std::vector<std::filesystem::path> protected_roots,
                    std::string overwrite_hint) {
  return {.overwrite = overwrite,
          .inputs = std::move(inputs),
          .protected_roots = std::move(protected_roots),
          .overwrite_hint = std::move(overwrite_hint)};
}

}  // namespace

void BindOutput(nb::module_& m) {
  m.def(
      "output_check",
      [](const std::filesystem::path& target, bool directory, bool overwrite,
         std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        ThrowIfError(
            CheckOutputTarget(target, KindOf(directory),
                              RulesOf(overwrite, std::move(inputs), std::move(protected_roots),
                                      std::move(overwrite_hint))));
      },
      "target"_a, "directory"_a, "overwrite"_a, "inputs"_a, "protected_roots"_a,
      "overwrite_hint"_a);
  m.def(
      "output_commit",
      [](const std::filesystem::path& temp, const std::filesystem::path& target, bool directory,
         bool overwrite, std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        ThrowIfError(CommitOutput(temp, target, KindOf(directory),
                                  RulesOf(overwrite, std::move(inputs), std::move(protected_roots),
                                          std::move(overwrite_hint))));
      },
      "temp"_a, "target"_a, "directory"_a, "overwrite"_a, "inputs"_a, "protected_roots"_a,
      "overwrite_hint"_a);
  m.def("output_temporary_path", &TemporaryOutputPath, "target"_a);
  m.def("output_written_by_arrow_sus", &WrittenByArrowSus, "path"_a);
}

}  // namespace arrow_sus::python
