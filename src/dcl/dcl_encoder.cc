// DCL "implode" encoder: LZ77 with hash chains over a sliding buffer and one step of lazy matching,
// written with the fixed codes of dcl_codes.h.
#include <algorithm>
#include <cstring>
#include <vector>

#include "arrow_sus/dcl.h"
#include "arrow_sus/error.h"
#include "dcl/dcl_codes.h"

namespace arrow_sus {

using dcl::kDistanceCode;
using dcl::kEndCode;
using dcl::kLengthBase;
using dcl::kLengthCode;
using dcl::kLengthExtra;
using dcl::kLiteralCode;
using dcl::kMaxMatch;
using dcl::kMaxWindow;
using dcl::kMinMatch;

namespace {

// Length symbol of every length 2..519.
constexpr std::array<uint8_t, kEndCode + 1> BuildLengthSymbols() {
  std::array<uint8_t, kEndCode + 1> symbols{};
  for (int s = 0; s < 16; ++s)
    for (int len = kLengthBase[s]; len < kLengthBase[s] + (1 << kLengthExtra[s]); ++len)
      symbols[len] = static_cast<uint8_t>(s);
  return symbols;
}
constexpr auto kLengthSymbol = BuildLengthSymbols();

constexpr int kHashBits = 15;
constexpr int kMaxChain = 48;   // candidates tried per position: bounds time on repetitive data
constexpr int kNiceMatch = 64;  // a match this long is taken without looking further or lazily
constexpr int kMaxDistanceOfLength2 = 256;
constexpr int32_t kNone = -1;

inline uint32_t Load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline uint32_t Hash3(const uint8_t* p) {
  return ((Load32(p) & 0xFFFFFF) * 2654435761u) >> (32 - kHashBits);
}

inline uint32_t Pair(const uint8_t* p) { return p[0] | (uint32_t{p[1]} << 8); }

// Common prefix length of a and b, at most `limit` (both readable for limit + 8 bytes).
inline int MatchLength(const uint8_t* a, const uint8_t* b, int limit) {
  int n = 0;
  while (n < limit) {
    uint64_t diff = Load64(a + n) ^ Load64(b + n);
    if (diff != 0) return std::min(limit, n + (__builtin_ctzll(diff) >> 3));
    n += 8;
  }
  return limit;
}

}  // namespace

struct DclEncoder::State {
  // Input bytes: [0, pos) already encoded (its last `window` bytes are the dictionary),
  // [pos, end) waiting. Slides when full, keeping kMaxWindow bytes.
  static constexpr size_t kBufferSize = kMaxWindow + (1u << 20);
  static constexpr size_t kSlack = 8;  // match comparison reads up to 8 bytes past `end`

  DclEncoderOptions options;
  int window = 0;
  std::vector<uint8_t> buffer;  // grows up to kBufferSize + kSlack (small inputs stay small)
  size_t pos = 0;
  size_t end = 0;
  std::vector<int32_t> head = std::vector<int32_t>(1u << kHashBits, kNone);
  std::vector<int32_t> prev = std::vector<int32_t>(kMaxWindow, kNone);
  std::vector<int32_t> last_pair = std::vector<int32_t>(1u << 16, kNone);

  uint64_t bits = 0;
  unsigned count = 0;
  bool header_written = false;
  bool finished = false;
  std::vector<uint8_t>* out = nullptr;

  struct Match {
    int length = 0;
    int distance = 0;
  };

  void Put(uint64_t value, unsigned nbits) {
    bits |= value << count;
    count += nbits;
    if (count >= 32) {
      size_t n = out->size();
      out->resize(n + 4);
      uint32_t word = static_cast<uint32_t>(bits);
      std::memcpy(out->data() + n, &word, 4);
      bits >>= 32;
      count -= 32;
    }
  }

  void WriteHeader() {
    if (header_written) return;
    out->push_back(options.coded_literals ? 1 : 0);
    out->push_back(static_cast<uint8_t>(options.dictionary_bits));
    header_written = true;
  }

  void PutLiteral(uint8_t byte) {
    if (options.coded_literals)
      Put(uint64_t{kLiteralCode.pattern[byte]} << 1, 1u + kLiteralCode.length[byte]);
    else
      Put(uint64_t{byte} << 1, 9);
  }

  // Flag, length code and extra bits; then (except for the end code) distance code and low bits.
  void PutCopy(int length, int distance) {
    int s = kLengthSymbol[length];
    uint64_t value = 1;
    unsigned n = 1;
    value |= uint64_t{kLengthCode.pattern[s]} << n;
    n += kLengthCode.length[s];
    value |= uint64_t(length - kLengthBase[s]) << n;
    n += kLengthExtra[s];
    if (length != kEndCode) {
      unsigned low = length == 2 ? 2 : static_cast<unsigned>(options.dictionary_bits);
      uint32_t d = static_cast<uint32_t>(distance - 1);
      value |= uint64_t{kDistanceCode.pattern[d >> low]} << n;
      n += kDistanceCode.length[d >> low];
      value |= uint64_t(d & ((1u << low) - 1)) << n;
      n += low;
    }
    Put(value, n);
  }

  // Adds position p to the hash chains (needs 3 bytes at p for the 3-byte hash).
  void Insert(size_t p) {
    if (p + 2 < end) {
      uint32_t h = Hash3(&buffer[p]);
      prev[p & (kMaxWindow - 1)] = head[h];
      head[h] = static_cast<int32_t>(p);
    }
    if (p + 1 < end) last_pair[Pair(&buffer[p])] = static_cast<int32_t>(p);
  }

  // Longest match for p among the chained candidates (before inserting p).
  Match Find(size_t p) const {
    Match best;
    const int limit = static_cast<int>(std::min<size_t>(kMaxMatch, end - p));
    if (limit < kMinMatch) return best;
    const uint8_t* here = &buffer[p];
    if (limit >= 3) {
      int32_t cand = head[Hash3(here)];
      int32_t newer = static_cast<int32_t>(p);
      for (int chain = kMaxChain;
           chain > 0 && cand != kNone && cand < newer && static_cast<int>(p) - cand <= window;
           --chain) {
        const uint8_t* there = &buffer[cand];
        if (there[best.length] == here[best.length]) {
          int len = MatchLength(there, here, limit);
          if (len > best.length) {
            best = {len, static_cast<int>(p) - cand};
            if (len >= kNiceMatch || len == limit) break;
          }
        }
        newer = cand;
        cand = prev[cand & (kMaxWindow - 1)];
      }
    }
    if (best.length < 3) {
      best = {};
      int32_t cand = last_pair[Pair(here)];
      if (cand != kNone && static_cast<int>(p) - cand <= kMaxDistanceOfLength2)
        best = {2, static_cast<int>(p) - cand};
    }
    return best;
  }

  // Encodes input up to `stop` (matches may extend past it, up to `end`).
  void Encode(size_t stop) {
    Match pending = pos < stop ? Find(pos) : Match{};
    while (pos < stop) {
      Match match = pending;
      if (match.length < kMinMatch) {
        PutLiteral(buffer[pos]);
        Insert(pos);
        ++pos;
        if (pos < stop) pending = Find(pos);
        continue;
      }
      Insert(pos);
      // Lazy step: a longer match one byte later beats this one.
      if (match.length < kNiceMatch && pos + 1 < stop) {
        Match next = Find(pos + 1);
        if (next.length > match.length) {
          PutLiteral(buffer[pos]);
          ++pos;
          pending = next;
          continue;
        }
      }
      PutCopy(match.length, match.distance);
      for (size_t i = 1; i < static_cast<size_t>(match.length); ++i) Insert(pos + i);
      pos += match.length;
      if (pos < stop) pending = Find(pos);
    }
  }

  // Keeps at least the last kMaxWindow encoded bytes and rebases every stored position. The shift
  // is a multiple of kMaxWindow so that `prev`, indexed by position modulo kMaxWindow, stays valid.
  void Slide() {
    size_t shift = (pos - kMaxWindow) & ~static_cast<size_t>(kMaxWindow - 1);
    std::memmove(buffer.data(), buffer.data() + shift, end - shift);
    pos -= shift;
    end -= shift;
    auto rebase = [shift](std::vector<int32_t>& positions) {
      for (int32_t& p : positions)
        p = p >= static_cast<int32_t>(shift) ? p - static_cast<int32_t>(shift) : kNone;
    };
    rebase(head);
    rebase(prev);
    rebase(last_pair);
  }
};

DclEncoder::DclEncoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
DclEncoder::~DclEncoder() = default;
DclEncoder::DclEncoder(DclEncoder&&) noexcept = default;
DclEncoder& DclEncoder::operator=(DclEncoder&&) noexcept = default;

arrow::Result<DclEncoder> DclEncoder::Make(DclEncoderOptions options) {
  if (options.dictionary_bits < 4 || options.dictionary_bits > 6)
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "DCL dictionary bits must be 4, 5 or 6 (a 1, 2 or 4 KiB window), got " +
                         std::to_string(options.dictionary_bits));
  auto state = std::make_unique<State>();
  state->options = options;
  state->window = 1 << (options.dictionary_bits + 6);
  return DclEncoder(std::move(state));
}

void DclEncoder::Write(std::span<const uint8_t> data, std::vector<uint8_t>* out) {
  State& s = *state_;
  s.out = out;
  s.WriteHeader();
  while (!data.empty()) {
    if (s.end == State::kBufferSize) s.Slide();
    size_t n = std::min(data.size(), State::kBufferSize - s.end);
    if (s.end + n + State::kSlack > s.buffer.size())
      s.buffer.resize(std::min(State::kBufferSize, std::max(2 * s.buffer.size(), s.end + n)) +
                      State::kSlack);
    std::memcpy(s.buffer.data() + s.end, data.data(), n);
    s.end += n;
    data = data.subspan(n);
    // Encode only what has a full longest-match of lookahead; the rest waits for more input.
    if (s.end - s.pos > static_cast<size_t>(kMaxMatch)) s.Encode(s.end - kMaxMatch);
  }
}

void DclEncoder::Finish(std::vector<uint8_t>* out) {
  State& s = *state_;
  if (s.finished) return;
  s.out = out;
  s.WriteHeader();
  s.Encode(s.end);
  s.PutCopy(kEndCode, 0);
  while (s.count > 0) {
    out->push_back(static_cast<uint8_t>(s.bits));
    s.bits >>= 8;
    s.count = s.count > 8 ? s.count - 8 : 0;
  }
  s.finished = true;
}

arrow::Result<std::vector<uint8_t>> DclCompress(std::span<const uint8_t> data,
                                                DclEncoderOptions options) {
  ARROW_ASSIGN_OR_RAISE(DclEncoder encoder, DclEncoder::Make(options));
  std::vector<uint8_t> out;
  out.reserve(data.size() / 4 + 64);
  encoder.Write(data, &out);
  encoder.Finish(&out);
  return out;
}

}  // namespace arrow_sus
