// Fuzzes the DCL decoder: the one-shot and the streaming decoder (fed in chunk sizes taken from the
// input) must agree on every input, and neither may crash, hang or touch memory out of bounds.
// The input is also compressed and decompressed again, which must give it back.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "arrow_sus/dcl.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> input(data, size);

  std::vector<uint8_t> one_shot;
  uint64_t length = 0;
  arrow_sus::DclStatus status = arrow_sus::DclDecompress(input, &one_shot, 0, &length);
  Check(status.offset <= size);
  if (status.ok()) Check(length <= size);

  // The chunk sizes come from the last input byte, so the fuzzer explores them too.
  uint8_t knob = size > 0 ? data[size - 1] : 0;
  size_t in_step = 1 + (knob & 15) * 97;
  size_t out_step = 1 + (knob >> 4) * 331;
  arrow_sus::DclDecoder decoder;
  std::vector<uint8_t> streamed;
  std::vector<uint8_t> buffer(out_step);
  size_t pos = 0;
  arrow_sus::DclStatus stream_status;
  while (!decoder.finished()) {
    size_t n = std::min(in_step, size - pos);
    arrow_sus::DclDecoder::Progress progress;
    stream_status = decoder.Decompress(input.subspan(pos, n), buffer, pos + n == size, &progress);
    if (!stream_status.ok()) break;
    Check(progress.consumed <= n && progress.produced <= buffer.size());
    Check(progress.consumed > 0 || progress.produced > 0 || decoder.finished());
    pos += progress.consumed;
    streamed.insert(streamed.end(), buffer.begin(), buffer.begin() + progress.produced);
  }
  Check(stream_status.error == status.error && stream_status.offset == status.offset);
  if (status.ok()) {
    Check(streamed == one_shot);
    Check(decoder.stream_length() == length);
  }

  arrow_sus::DclEncoderOptions options{.dictionary_bits = 4 + knob % 3,
                                       .coded_literals = (knob & 8) != 0};
  auto packed = arrow_sus::DclCompress(input, options);
  Check(packed.ok());
  std::vector<uint8_t> round_trip;
  Check(arrow_sus::DclDecompress(*packed, &round_trip).ok());
  Check(round_trip.size() == size && std::equal(round_trip.begin(), round_trip.end(), data));
  return 0;
}
