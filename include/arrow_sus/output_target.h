// Where arrow-sus may write its outputs: the one rule every writer follows (the CLI's get, convert
// and sql, Scan.to_parquet, dbc_to_dbf / dbf_to_dbc).
//
// An output is written under a temporary name beside its target (TemporaryOutputPath) and moved
// into place by CommitOutput, which checks the target once more at that moment. A target may be
// written when it does not exist, when arrow-sus wrote it (CommitOutput marks what it commits), or
// when the caller asked to overwrite. Never, even then: a device, FIFO or socket; one of the
// inputs; a directory that holds an input, or the current directory or one of its parents; a
// directory with files arrow-sus did not write; anything inside a protected directory (the cache).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <arrow/status.h>

namespace arrow_sus {

enum class OutputKind {
  kFile,       // one file, replaced whole
  kDirectory,  // a directory of Parquet files (a partitioned dataset), replaced whole
};

struct OutputRules {
  // The caller asked to replace an existing target that arrow-sus did not write.
  bool overwrite = false;
  // Files the output is made from: never written over, and never inside a directory being replaced.
  std::vector<std::filesystem::path> inputs;
  // Directories nothing may be written into (the arrow-sus cache).
  std::vector<std::filesystem::path> protected_roots;
  // How the caller asks to overwrite, for messages ("--overwrite" on the command line,
  // "overwrite=True" in Python).
  std::string overwrite_hint = "overwrite=True";
};

// Ok when `target` may be written as `kind` under `rules`; otherwise a kInvalidArgument error
// naming the target, why it is refused, and what to do instead. A target that does not exist is
// always writable (unless protected); its parent directories are created by the writer.
arrow::Status CheckOutputTarget(const std::filesystem::path& target, OutputKind kind,
                                const OutputRules& rules);

// A unique name beside `target` for writing it (".NAME.<random>.tmp"); nothing is created.
std::filesystem::path TemporaryOutputPath(const std::filesystem::path& target);

// Moves the finished `temp` (a file, or a directory for kDirectory) onto `target` after checking
// the target again, and marks it as written by arrow-sus. An existing directory is moved aside
// first and removed once the new one is in place, so the old output stays whole until then. On
// error `temp` is left for the caller to remove.
arrow::Status CommitOutput(const std::filesystem::path& temp, const std::filesystem::path& target,
                           OutputKind kind, const OutputRules& rules);

// Whether arrow-sus committed this file or directory (its mark survives renames, not copies).
bool WrittenByArrowSus(const std::filesystem::path& path);

}  // namespace arrow_sus
