// DCL "implode" decoder: table lookups on a 64-bit bit buffer, a fast loop that runs while at least
// 8 input bytes and one longest match (plus slack for 16-byte copies) of output space remain, and a
// careful loop for the ends that checks every bit and byte and can stop between any two symbols.
#include <algorithm>
#include <cstring>
#include <string>

#include "arrow_sus/dcl.h"
#include "arrow_sus/error.h"
#include "dcl/dcl_codes.h"

namespace arrow_sus {

using dcl::kDistanceTable;
using dcl::kEndCode;
using dcl::kLengthTable;
using dcl::kLiteralTable;
using dcl::kMaxMatch;
using dcl::kMaxWindow;

std::string_view DclErrorMessage(DclError error) {
  switch (error) {
    case DclError::kOk:
      return "ok";
    case DclError::kBadHeader:
      return "not a PKWare DCL implode stream: the header must be literal mode 0 or 1 followed by "
             "dictionary bits 4, 5 or 6";
    case DclError::kDistanceTooFar:
      return "corrupt DCL stream: a copy reaches before the start of the decompressed data";
    case DclError::kTruncated:
      return "truncated DCL stream: the data ends before the end-of-stream code";
  }
  return "unknown DCL error";
}

arrow::Status DclStatusToArrow(const DclStatus& status, std::string_view file,
                               uint64_t base_offset) {
  if (status.ok()) return arrow::Status::OK();
  ErrorLocation where;
  where.file = std::string(file);
  where.offset = base_offset + status.offset;
  return MakeError(ErrorKind::kFormat, std::move(where), DclErrorMessage(status.error));
}

namespace {

// Output slack the fast loop needs per step: up to six raw literals (stored as 8 bytes), then one
// longest match rounded up by the 16-byte copy chunks.
constexpr size_t kFastOutputMargin = kMaxMatch + 32;
// Input slack: a step refills the bit buffer twice, each an 8-byte load at most 7 bytes further on.
constexpr size_t kFastInputMargin = 16;

enum class Stop { kNeedInput, kOutputFull, kEnd, kError };

// Everything the decoding loops call is forced inline so that each compiled version of Decode()
// (see ARROW_SUS_MULTIVERSION) gets its own copy built for its instruction set.
#define ARROW_SUS_INLINE inline __attribute__((always_inline))
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ARROW_SUS_MULTIVERSION __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ARROW_SUS_MULTIVERSION
#endif

// The input byte holding the next unread bit, when `loaded` bytes went into the bit buffer and
// `count` of their bits are still unread.
inline uint64_t ByteOfNextBit(uint64_t loaded, unsigned count) { return (loaded * 8 - count) / 8; }

inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // the bit stream is little-endian; this project targets little-endian machines
}

// Everything the decoding loops touch, kept in locals by the compiler.
struct Cursor {
  const uint8_t* in;
  const uint8_t* in_end;
  uint8_t* out_base;  // the oldest byte a copy may reach (start of output or of the kept window)
  uint8_t* out;
  uint8_t* out_end;
  uint64_t bits;
  unsigned count;  // valid bits in `bits`; the bits above them are zero
  unsigned dict_bits;
  unsigned symbol_count;  // `count` at the start of the last symbol (for error offsets)
};

// The length part of a copy symbol (flag bit included), from the bits at the bottom of `bits`.
struct LengthSymbol {
  unsigned bits;  // how many bits it takes
  unsigned length;
};

ARROW_SUS_INLINE LengthSymbol DecodeLength(uint64_t bits) {
  uint32_t e = kLengthTable[(bits >> 1) & ((1u << dcl::kLengthBits) - 1)];
  return {e & 31, (e >> 17) + static_cast<unsigned>((bits >> ((e >> 5) & 15)) & ((e >> 9) & 255))};
}

// Copies `len` bytes from `dist` back, where `dist` may be smaller than `len` (the copy then
// repeats the last `dist` bytes). May write up to 31 bytes past out + len (and at most
// kMaxMatch + 16 bytes in all).
ARROW_SUS_INLINE void CopyMatchFast(uint8_t* out, size_t dist, unsigned len) {
  const uint8_t* src = out - dist;
  uint8_t* end = out + len;
  if (dist >= 16) {
    // Most copies are at most 32 bytes long: two unconditional 16-byte moves, no loop branch.
    std::memcpy(out, src, 16);
    std::memcpy(out + 16, src + 16, 16);
    for (out += 32, src += 32; out < end; out += 16, src += 16) std::memcpy(out, src, 16);
  } else if (dist >= 8) {
    // Each 8-byte chunk reads bytes at least 8 behind what it writes: already final.
    do {
      std::memcpy(out, src, 8);
      out += 8;
      src += 8;
    } while (out < end);
  } else if (dist == 1) {
    uint64_t run = 0x0101010101010101ull * src[0];
    do {
      std::memcpy(out, &run, 8);
      out += 8;
    } while (out < end);
  } else {
    do *out++ = *src++;
    while (out < end);
  }
}

// Raw (mode 0) literals are 9 bits each: a 0 flag then the byte. In 56 buffered bits, the flags of
// up to six leading literals sit at bits 0, 9, ..., 45; a set bit there is the first copy.
constexpr uint64_t kLiteralFlags = 0x0000201008040201ull;
constexpr uint64_t kSixLiterals = uint64_t{1} << 54;  // where the seventh flag would be

// The bytes of the first six raw literals in `bits`, packed (bytes past the literal run are junk).
ARROW_SUS_INLINE uint64_t PackRawLiterals(uint64_t bits) {
  uint64_t packed = 0;
  for (int k = 0; k < 6; ++k) packed |= (bits >> (k + 1)) & (uint64_t{0xFF} << (8 * k));
  return packed;
}

template <bool kCodedLiterals>
ARROW_SUS_INLINE Stop DecodeFast(Cursor& c) {
  const uint8_t* in = c.in;
  uint8_t* out = c.out;
  uint64_t bits = c.bits;
  unsigned count = c.count;
  const unsigned dict_bits = c.dict_bits;
  // Bounds in locals: stores through `out` could alias the Cursor, which would force reloads.
  const uint8_t* const out_base = c.out_base;
  const ptrdiff_t in_room = c.in_end - in - static_cast<ptrdiff_t>(kFastInputMargin);
  const ptrdiff_t out_room = c.out_end - out - static_cast<ptrdiff_t>(kFastOutputMargin);
  if (in_room < 0 || out_room < 0) return Stop::kNeedInput;
  const uint8_t* const in_limit = in + in_room;
  const uint8_t* const out_limit = out + out_room;
  Stop stop = Stop::kNeedInput;

  // Branch-free refill to 56..63 bits. Bits loaded past `count` are the true next bits, so OR-ing
  // them again on the next refill changes nothing.
  auto refill = [&] {
    bits |= LoadLE64(in) << count;
    in += (63 - count) >> 3;
    count |= 56;
  };

  while (in <= in_limit && out <= out_limit) {
    refill();
    if constexpr (kCodedLiterals) {
      if ((bits & 1) == 0) {
        uint16_t e = kLiteralTable[(bits >> 1) & ((1u << dcl::kLiteralBits) - 1)];
        *out++ = static_cast<uint8_t>(e >> 4);
        unsigned n = 1 + (e & 15);
        bits >>= n;
        count -= n;
        continue;
      }
    } else {
      // Every step takes the run of raw literals before the next copy (often none) without a
      // branch: literal-or-copy is the least predictable decision of the stream. Six literals in a
      // row (no copy flag among the buffered bits) go round again.
      const unsigned run_bits =
          static_cast<unsigned>(__builtin_ctzll((bits & kLiteralFlags) | kSixLiterals));
      const uint64_t literals = PackRawLiterals(bits);
      std::memcpy(out, &literals, 8);
      out += (run_bits * 57) >> 9;  // run_bits / 9, exact for 0..54
      bits >>= run_bits;
      count -= run_bits;
      if (run_bits == 54) continue;
      refill();
    }
    const unsigned symbol_count = count;
    const LengthSymbol ls = DecodeLength(bits);
    const unsigned len = ls.length;
    bits >>= ls.bits;
    count -= ls.bits;
    if (len == kEndCode) {
      stop = Stop::kEnd;
      break;
    }
    uint16_t de = kDistanceTable[bits & ((1u << dcl::kDistanceBits) - 1)];
    unsigned code_bits = de & 15;
    unsigned low = len == 2 ? 2 : dict_bits;
    size_t dist =
        ((static_cast<size_t>(de >> 4) << low) | ((bits >> code_bits) & ((1u << low) - 1))) + 1;
    bits >>= code_bits + low;
    count -= code_bits + low;
    if (dist > static_cast<size_t>(out - out_base)) {
      c.symbol_count = symbol_count;
      stop = Stop::kError;
      break;
    }
    CopyMatchFast(out, dist, len);
    out += len;
  }
  c.in = in;
  c.out = out;
  c.bits = bits;
  c.count = count;
  return stop;
}

// Decodes one symbol at a time, checking that its bits are all buffered and that its output fits
// before consuming anything, so it can stop (and later resume) between any two symbols.
template <bool kCodedLiterals>
ARROW_SUS_INLINE Stop DecodeCareful(Cursor& c) {
  for (;;) {
    while (c.count <= 55 && c.in < c.in_end) {  // stays <= 63: the fast loop needs that
      c.bits |= static_cast<uint64_t>(*c.in++) << c.count;
      c.count += 8;
    }
    const uint64_t bits = c.bits;
    c.symbol_count = c.count;
    if (c.count == 0) return Stop::kNeedInput;
    if ((bits & 1) == 0) {
      unsigned need = 9;
      uint8_t literal = static_cast<uint8_t>(bits >> 1);
      if constexpr (kCodedLiterals) {
        uint16_t e = kLiteralTable[(bits >> 1) & ((1u << dcl::kLiteralBits) - 1)];
        need = 1 + (e & 15);
        literal = static_cast<uint8_t>(e >> 4);
      }
      // A code that looks longer than the buffered bits may be a shorter one padded with zeros;
      // either way the symbol is incomplete. One that fits is the true code (prefix-free).
      if (c.count < need) return Stop::kNeedInput;
      if (c.out == c.out_end) return Stop::kOutputFull;
      *c.out++ = literal;
      c.bits >>= need;
      c.count -= need;
      continue;
    }
    const LengthSymbol ls = DecodeLength(bits);
    unsigned need = ls.bits;
    if (c.count < need) return Stop::kNeedInput;
    const unsigned len = ls.length;
    if (len == kEndCode) {
      c.bits >>= need;
      c.count -= need;
      return Stop::kEnd;
    }
    uint16_t de = kDistanceTable[(bits >> need) & ((1u << dcl::kDistanceBits) - 1)];
    need += de & 15;
    unsigned low = len == 2 ? 2 : c.dict_bits;
    if (c.count < need + low) return Stop::kNeedInput;
    size_t dist =
        ((static_cast<size_t>(de >> 4) << low) | ((bits >> need) & ((1u << low) - 1))) + 1;
    need += low;
    if (dist > static_cast<size_t>(c.out - c.out_base)) return Stop::kError;
    if (static_cast<size_t>(c.out_end - c.out) < len) return Stop::kOutputFull;
    c.bits >>= need;
    c.count -= need;
    const uint8_t* src = c.out - dist;
    for (unsigned i = 0; i < len; ++i) c.out[i] = src[i];
    c.out += len;
  }
}

template <bool kCodedLiterals>
ARROW_SUS_INLINE Stop DecodeRun(Cursor& c) {
  Stop stop = DecodeFast<kCodedLiterals>(c);
  if (stop == Stop::kNeedInput) stop = DecodeCareful<kCodedLiterals>(c);
  return stop;
}

// Compiled twice on x86-64 and picked at load time: with BMI2 the many variable shifts of the bit
// buffer are single-cycle instructions (shrx) instead of flag-writing shifts.
ARROW_SUS_MULTIVERSION Stop Decode(Cursor& c, bool coded_literals) {
  return coded_literals ? DecodeRun<true>(c) : DecodeRun<false>(c);
}

}  // namespace

// ---- Streaming decoder ----

struct DclDecoder::State {
  // Decoded bytes live in `buffer`: [0, deliver) already handed out (the tail of it is the window),
  // [deliver, decode) waiting for the caller. When everything is delivered and little room is left,
  // the last kMaxWindow bytes slide to the front.
  static constexpr size_t kChunk = 64 * 1024;
  static constexpr size_t kBufferSize = kMaxWindow + kChunk + kFastOutputMargin;

  std::unique_ptr<uint8_t[]> buffer{new uint8_t[kBufferSize]};
  size_t deliver = 0;
  size_t decode = 0;

  int header_bytes = 0;
  bool coded_literals = false;
  unsigned dict_bits = 0;
  uint64_t bits = 0;
  unsigned count = 0;
  uint64_t loaded = 0;  // input bytes taken so far, header included
  bool ended = false;
  uint64_t stream_length = 0;
  uint64_t total_out = 0;
  DclStatus status;

  uint64_t SymbolOffset(unsigned count_at_symbol) const {
    return ByteOfNextBit(loaded, count_at_symbol);
  }

  DclStatus Fail(DclError error, uint64_t offset) {
    status = {error, offset};
    return status;
  }

  // Takes header bytes from the input; returns false on a bad header.
  bool ReadHeader(std::span<const uint8_t> input, size_t* used) {
    while (header_bytes < 2 && *used < input.size()) {
      uint8_t b = input[(*used)++];
      ++loaded;
      if (header_bytes == 0) {
        if (b > 1) return false;
        coded_literals = b == 1;
      } else {
        if (b < 4 || b > 6) return false;
        dict_bits = b;
      }
      ++header_bytes;
    }
    return true;
  }
};

DclDecoder::DclDecoder() : state_(std::make_unique<State>()) {}
DclDecoder::~DclDecoder() = default;
DclDecoder::DclDecoder(DclDecoder&&) noexcept = default;
DclDecoder& DclDecoder::operator=(DclDecoder&&) noexcept = default;

bool DclDecoder::finished() const { return state_->ended && state_->deliver == state_->decode; }
uint64_t DclDecoder::stream_length() const { return state_->stream_length; }
uint64_t DclDecoder::total_out() const { return state_->total_out; }

DclStatus DclDecoder::Decompress(std::span<const uint8_t> input, std::span<uint8_t> output,
                                 bool end_of_input, Progress* progress) {
  State& s = *state_;
  Progress local;
  Progress& p = progress != nullptr ? *progress : local;
  p = {};
  if (!s.status.ok()) return s.status;

  bool direct_full = false;  // a symbol did not fit in what is left of the caller's buffer
  for (;;) {
    size_t pending = std::min(s.decode - s.deliver, output.size() - p.produced);
    if (pending > 0) std::memcpy(output.data() + p.produced, s.buffer.get() + s.deliver, pending);
    s.deliver += pending;
    p.produced += pending;
    if (p.produced == output.size() || s.ended) break;

    if (s.header_bytes < 2) {
      if (!s.ReadHeader(input, &p.consumed)) return s.Fail(DclError::kBadHeader, s.loaded - 1);
      if (s.header_bytes < 2) {
        if (end_of_input) return s.Fail(DclError::kTruncated, s.loaded);
        break;
      }
    }

    // Once the caller's buffer holds a whole window of history, every back-reference points inside
    // it: decode straight into it rather than into the internal buffer and copy from there. Its
    // last bytes, where a symbol may not fit, go through the internal buffer.
    const bool direct = s.deliver == s.decode && p.produced >= kMaxWindow && !direct_full;
    if (!direct && s.decode > State::kBufferSize - State::kChunk / 2) {
      std::memmove(s.buffer.get(), s.buffer.get() + s.decode - kMaxWindow, kMaxWindow);
      s.decode = s.deliver = kMaxWindow;
    }
    uint8_t* const out = direct ? output.data() + p.produced : s.buffer.get() + s.decode;
    Cursor c{
        .in = input.data() + p.consumed,
        .in_end = input.data() + input.size(),
        .out_base = direct ? output.data() : s.buffer.get(),
        .out = out,
        .out_end = direct ? output.data() + output.size() : s.buffer.get() + State::kBufferSize,
        .bits = s.bits,
        .count = s.count,
        .dict_bits = s.dict_bits,
        .symbol_count = 0};
    Stop stop = Decode(c, s.coded_literals);
    size_t taken = static_cast<size_t>(c.in - (input.data() + p.consumed));
    p.consumed += taken;
    s.loaded += taken;
    size_t made = static_cast<size_t>(c.out - out);
    s.total_out += made;
    if (direct) {
      p.produced += made;
      // Whatever comes next decodes into the internal buffer: it needs the window.
      std::memcpy(s.buffer.get(), output.data() + p.produced - kMaxWindow, kMaxWindow);
      s.decode = s.deliver = kMaxWindow;
    } else {
      s.decode += made;
    }
    s.bits = c.bits;
    s.count = c.count;
    switch (stop) {
      case Stop::kEnd:
        s.ended = true;
        s.stream_length = s.loaded - c.count / 8;
        continue;
      case Stop::kError:
        return s.Fail(DclError::kDistanceTooFar, s.SymbolOffset(c.symbol_count));
      case Stop::kOutputFull:
        direct_full = direct_full || direct;
        continue;
      case Stop::kNeedInput:
        if (end_of_input) return s.Fail(DclError::kTruncated, s.SymbolOffset(c.count));
        if (s.deliver == s.decode) return s.status;
        continue;
    }
  }
  return s.status;
}

// ---- One-shot decoding ----

namespace {

// How much output one-shot decoding produces between two calls of the slice callback: small enough
// to stay in L2 until the callback reads it, large enough that the careful loop at each slice's end
// costs nothing measurable.
constexpr size_t kSliceBytes = 256 * 1024;

// The header checks of a whole stream in the same order as the streaming decoder's, so that both
// report the same error for the same bytes.
DclStatus CheckHeader(std::span<const uint8_t> input) {
  if (!input.empty() && input[0] > 1) return {DclError::kBadHeader, 0};
  if (input.size() >= 2 && (input[1] < 4 || input[1] > 6)) return {DclError::kBadHeader, 1};
  if (input.size() < 2) return {DclError::kTruncated, input.size()};
  return {};
}

Cursor StartCursor(std::span<const uint8_t> input, uint8_t* out, uint8_t* out_end) {
  return {.in = input.data() + 2,
          .in_end = input.data() + input.size(),
          .out_base = out,
          .out = out,
          .out_end = out_end,
          .bits = 0,
          .count = 0,
          .dict_bits = input[1],
          .symbol_count = 0};
}

// Decodes until the stream ends, fails or fills [c.out, c.out_end), handing each finished slice to
// `on_decoded` (when given).
Stop DecodeInSlices(Cursor& c, bool coded_literals, const DclSliceFn& on_decoded) {
  uint8_t* const end = c.out_end;
  for (;;) {
    uint8_t* slice = c.out;
    const bool last = !on_decoded || static_cast<size_t>(end - slice) <= kSliceBytes;
    c.out_end = last ? end : slice + kSliceBytes;
    Stop stop = Decode(c, coded_literals);
    c.out_end = end;
    if (on_decoded && c.out != slice) on_decoded({slice, c.out});
    if (stop != Stop::kOutputFull || last) return stop;
  }
}

// The status for how decoding stopped (any Stop but kOutputFull).
DclStatus Finish(Stop stop, const Cursor& c, std::span<const uint8_t> input,
                 uint64_t* stream_length) {
  const uint64_t loaded = static_cast<uint64_t>(c.in - input.data());
  switch (stop) {
    case Stop::kEnd:
      if (stream_length != nullptr) *stream_length = loaded - c.count / 8;
      return {};
    case Stop::kError:
      return {DclError::kDistanceTooFar, ByteOfNextBit(loaded, c.symbol_count)};
    default:
      return {DclError::kTruncated, ByteOfNextBit(loaded, c.count)};
  }
}

}  // namespace

DclStatus DclDecompress(std::span<const uint8_t> input, std::vector<uint8_t>* output,
                        size_t size_hint, uint64_t* stream_length, const DclSliceFn& on_decoded) {
  if (DclStatus header = CheckHeader(input); !header.ok()) return header;
  const bool coded_literals = input[0] == 1;
  const size_t start = output->size();
  size_t capacity = std::max<size_t>(size_hint, 4 * input.size()) + kFastOutputMargin;
  output->resize(start + capacity);
  Cursor c = StartCursor(input, output->data() + start, output->data() + output->size());
  for (;;) {
    Stop stop = DecodeInSlices(c, coded_literals, on_decoded);
    if (stop == Stop::kOutputFull) {
      size_t written = static_cast<size_t>(c.out - output->data());
      output->resize(output->size() * 2);
      c.out_base = output->data() + start;
      c.out = output->data() + written;
      c.out_end = output->data() + output->size();
      continue;
    }
    output->resize(static_cast<size_t>(c.out - output->data()));
    return Finish(stop, c, input, stream_length);
  }
}

DclStatus DclDecompressInto(std::span<const uint8_t> input, std::span<uint8_t> output,
                            size_t* produced, bool* complete, const DclSliceFn& on_decoded,
                            uint64_t* stream_length) {
  *produced = 0;
  *complete = false;
  if (DclStatus header = CheckHeader(input); !header.ok()) return header;
  Cursor c = StartCursor(input, output.data(), output.data() + output.size());
  Stop stop = DecodeInSlices(c, input[0] == 1, on_decoded);
  *produced = static_cast<size_t>(c.out - output.data());
  if (stop == Stop::kOutputFull) return {};
  *complete = true;
  return Finish(stop, c, input, stream_length);
}

}  // namespace arrow_sus
