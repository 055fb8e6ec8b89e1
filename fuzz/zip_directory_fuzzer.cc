// Fuzzes the ZIP reader: the central directory of any input must parse or fail with a typed
// error, every member it lists must be found again by name, and reading members (a few KiB at
// most) must give their bytes or a typed error, never a crash, a hang or unbounded memory.
#include <cstdint>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/io/zip_archive.h"
#include "fuzz_checks.h"

namespace {

using arrow_sus::ErrorKind;
using arrow_sus::fuzz::Check;

void CheckTyped(const arrow::Status& status) {
  arrow_sus::fuzz::CheckTyped(
      status, {ErrorKind::kFormat, ErrorKind::kChecksum, ErrorKind::kInvalidArgument});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(data, static_cast<int64_t>(size)));
  auto archive = arrow_sus::io::ZipArchive::Open(file, "fuzz.zip");
  if (!archive.ok()) {
    CheckTyped(archive.status());
    return 0;
  }
  for (const arrow_sus::io::ZipMember& member : (*archive)->members()) {
    auto found = (*archive)->Find(member.name);
    if (found.ok()) {
      Check(*found != nullptr);
    } else {
      CheckTyped(found.status());
    }
    auto bytes = (*archive)->ReadMember(member, 1 << 16);
    if (bytes.ok()) {
      Check(static_cast<uint64_t>((*bytes)->size()) == member.uncompressed_size);
    } else {
      CheckTyped(bytes.status());
    }
  }
  return 0;
}
