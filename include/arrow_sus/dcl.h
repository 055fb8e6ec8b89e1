// PKWare Data Compression Library (DCL) "implode" streams: decoder and encoder.
//
// A stream is two header bytes (literal mode: 0 = raw 8-bit literals, 1 = Huffman-coded literals;
// dictionary bits: 4, 5 or 6 = a 1, 2 or 4 KiB window) followed by a bit stream read from the
// least significant bit of each byte. Every symbol starts with one flag bit: 0 = a literal, 1 = a
// (length, distance) copy from the window; the length 519 is the end code. All three Huffman codes
// (literals, lengths, distances) are fixed by the format; docs/codec.md describes them.
//
// The decoder never reads or writes out of bounds and always makes progress; failures are values:
// a DclError plus the input byte offset where the failing symbol starts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <arrow/result.h>
#include <arrow/status.h>

namespace arrow_sus {

// Every bit pattern is a valid literal, length or distance code (the three fixed codes are
// complete), so corrupt data shows up only as one of these.
enum class DclError : uint8_t {
  kOk,
  kBadHeader,       // literal mode not 0/1, or dictionary bits not 4/5/6
  kDistanceTooFar,  // a copy reaches before the first byte of output
  kTruncated,       // the input ended before the end code
};

struct DclStatus {
  DclError error = DclError::kOk;
  uint64_t offset = 0;  // input byte offset of the failing symbol (0 when ok)

  bool ok() const { return error == DclError::kOk; }
};

std::string_view DclErrorMessage(DclError error);

// A FormatError naming `file` and the offset in that file (`base_offset` = where the DCL stream
// starts in it). Status::OK() when `status` is ok.
arrow::Status DclStatusToArrow(const DclStatus& status, std::string_view file,
                               uint64_t base_offset = 0);

// Incremental decoder: compressed input in chunks of any size (even 1 byte), output into the
// caller's buffers of any size. It keeps its own window (and a decoded-but-undelivered buffer), so
// memory stays bounded whatever the stream length.
class DclDecoder {
 public:
  DclDecoder();
  ~DclDecoder();
  DclDecoder(DclDecoder&&) noexcept;
  DclDecoder& operator=(DclDecoder&&) noexcept;

  struct Progress {
    size_t consumed = 0;  // input bytes taken (all of them unless the stream ended or failed)
    size_t produced = 0;  // bytes written to the output
  };

  // Decodes from `input` into `output`. Pass `end_of_input` = true when no byte follows `input`:
  // a stream that has not reached its end code by then is truncated. Once an error is returned,
  // every later call returns it again. Bytes of `output` past `progress->produced` may have been
  // overwritten (the decoder uses them as scratch space).
  DclStatus Decompress(std::span<const uint8_t> input, std::span<uint8_t> output, bool end_of_input,
                       Progress* progress);

  // The end code was decoded and every decompressed byte has been handed out.
  bool finished() const;
  // Input bytes that make up the stream, up to and including the byte holding the end code's last
  // bit (valid once the end code was decoded). Bytes after it are stray and ignored.
  uint64_t stream_length() const;
  uint64_t total_out() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Called by one-shot decoding with each finished piece of output, in order, at most 256 KiB at a
// time, right after decoding it (while it is still in cache: a checksum over it costs little).
using DclSliceFn = std::function<void(std::span<const uint8_t>)>;

// One-shot decoding of a whole stream, appended to `output`. `size_hint` (the expected output size,
// when known) avoids regrowing. On success `*stream_length` (if given) is the stream's length in
// bytes, stray bytes after it excluded.
DclStatus DclDecompress(std::span<const uint8_t> input, std::vector<uint8_t>* output,
                        size_t size_hint = 0, uint64_t* stream_length = nullptr,
                        const DclSliceFn& on_decoded = {});

// One-shot decoding into memory the caller owns, written once and in place. `*produced` is the
// number of bytes decoded. When `output` is too small for the whole stream, the result is ok but
// `*complete` is false (the first output.size() bytes are then decoded; the caller may start over
// with more room). On a corrupt stream the output holds what was decoded before the failing symbol.
DclStatus DclDecompressInto(std::span<const uint8_t> input, std::span<uint8_t> output,
                            size_t* produced, bool* complete, const DclSliceFn& on_decoded = {},
                            uint64_t* stream_length = nullptr);

struct DclEncoderOptions {
  int dictionary_bits = 6;      // 4, 5 or 6: a 1, 2 or 4 KiB window
  bool coded_literals = false;  // literal mode 1 (Huffman-coded literals); DATASUS uses mode 0
};

// Streaming encoder: Write() any number of times, then Finish() once. Compressed bytes are appended
// to the caller's vector as they become final.
class DclEncoder {
 public:
  static arrow::Result<DclEncoder> Make(DclEncoderOptions options = {});
  ~DclEncoder();
  DclEncoder(DclEncoder&&) noexcept;
  DclEncoder& operator=(DclEncoder&&) noexcept;

  void Write(std::span<const uint8_t> data, std::vector<uint8_t>* out);
  // Encodes what is left, the end code, and pads the last byte. The encoder cannot be reused.
  void Finish(std::vector<uint8_t>* out);

 private:
  struct State;
  explicit DclEncoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

arrow::Result<std::vector<uint8_t>> DclCompress(std::span<const uint8_t> data,
                                                DclEncoderOptions options = {});

}  // namespace arrow_sus
