// Fuzzes the .dbc container: the one-shot DecompressDbc and the streaming OpenDbcStream (read in
// small pieces) must agree on every input, and bad input must come back as a typed error.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/error.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckTyped(const arrow::Status& status) {
  const arrow_sus::ErrorDetail* detail = arrow_sus::GetErrorDetail(status);
  Check(detail != nullptr);
  Check(detail->kind() == arrow_sus::ErrorKind::kFormat ||
        detail->kind() == arrow_sus::ErrorKind::kChecksum);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);
  auto one_shot = arrow_sus::DecompressDbc(input, "fuzz.dbc");
  if (!one_shot.ok()) CheckTyped(one_shot.status());

  auto source = std::make_shared<arrow::io::BufferReader>(
      std::make_shared<arrow::Buffer>(data, static_cast<int64_t>(size)));
  auto stream = arrow_sus::OpenDbcStream(source, "fuzz.dbc");
  if (!stream.ok()) {
    CheckTyped(stream.status());
    Check(!one_shot.ok());
    return 0;
  }
  std::vector<uint8_t> streamed;
  std::vector<uint8_t> buffer(size % 1000 + 1);
  arrow::Status status;
  for (;;) {
    auto n = (*stream)->Read(static_cast<int64_t>(buffer.size()), buffer.data());
    if (!n.ok()) {
      status = n.status();
      break;
    }
    if (*n == 0) break;
    streamed.insert(streamed.end(), buffer.begin(), buffer.begin() + *n);
  }
  Check(status.ok() == one_shot.ok());
  if (status.ok()) {
    Check(streamed == *one_shot);
  } else {
    CheckTyped(status);
    Check(status.message() == one_shot.status().message());
  }
  return 0;
}
