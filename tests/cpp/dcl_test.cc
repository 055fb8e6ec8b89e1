#include "arrow_sus/dcl.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "dcl/dcl_codes.h"

namespace arrow_sus {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed, int alphabet = 256) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng() % alphabet);
  return out;
}

// Text with repeats of every length and distance: exercises all length and distance codes.
std::vector<uint8_t> RepetitiveBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out;
  while (out.size() < n) {
    if (out.size() > 16 && rng() % 3 != 0) {
      size_t dist = 1 + rng() % std::min<size_t>(out.size(), 5000);
      size_t len = 2 + rng() % (rng() % 4 == 0 ? 600 : 20);
      for (size_t i = 0; i < len && out.size() < n; ++i) out.push_back(out[out.size() - dist]);
    } else {
      out.push_back(static_cast<uint8_t>('a' + rng() % 26));
    }
  }
  return out;
}

// Fixed-width records like a DBF: codes, dates, space-padded names and right-aligned numbers.
std::vector<uint8_t> RecordLikeBytes(size_t records, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out;
  const char* names[] = {"SAO PAULO", "RIO BRANCO", "MANAUS", "BELEM", "RECIFE"};
  for (size_t r = 0; r < records; ++r) {
    std::string rec = " 12" + std::to_string(100000 + rng() % 900000) + "2024" +
                      std::to_string(10 + rng() % 3) + std::to_string(10 + rng() % 18);
    std::string name = names[rng() % 5];
    name.resize(30, ' ');
    std::string value = std::to_string(rng() % 100000);
    rec += name + std::string(12 - value.size(), ' ') + value + (rng() % 2 ? "M" : "F");
    out.insert(out.end(), rec.begin(), rec.end());
  }
  out.push_back(0x1A);
  return out;
}

std::vector<uint8_t> MustCompress(std::span<const uint8_t> data, DclEncoderOptions options = {}) {
  auto packed = DclCompress(data, options);
  EXPECT_TRUE(packed.ok()) << packed.status().ToString();
  return packed.ValueOrDie();
}

std::vector<uint8_t> MustDecompress(std::span<const uint8_t> stream) {
  std::vector<uint8_t> out;
  DclStatus st = DclDecompress(stream, &out);
  EXPECT_TRUE(st.ok()) << DclErrorMessage(st.error) << " at " << st.offset;
  return out;
}

// Decodes with the streaming decoder, feeding `in_step` input bytes and offering `out_step` output
// bytes per call.
DclStatus StreamDecode(std::span<const uint8_t> stream, size_t in_step, size_t out_step,
                       std::vector<uint8_t>* out) {
  DclDecoder decoder;
  size_t pos = 0;
  std::vector<uint8_t> buf(out_step);
  for (int guard = 0; !decoder.finished(); ++guard) {
    if (guard > 100'000'000) ADD_FAILURE() << "decoder makes no progress";
    size_t n = std::min(in_step, stream.size() - pos);
    bool last = pos + n == stream.size();
    DclDecoder::Progress p;
    DclStatus st = decoder.Decompress(stream.subspan(pos, n), buf, last, &p);
    if (!st.ok()) return st;
    EXPECT_LE(p.consumed, n);
    pos += p.consumed;
    out->insert(out->end(), buf.begin(), buf.begin() + p.produced);
  }
  return {};
}

// Bits in stream order, for hand-made streams.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t> header) : bytes_(std::move(header)) {}
  void Put(uint32_t value, int n) {
    for (int i = 0; i < n; ++i) {
      if (used_ % 8 == 0) bytes_.push_back(0);
      bytes_.back() |= ((value >> i) & 1) << (used_ % 8);
      ++used_;
    }
  }
  void Literal(uint8_t b) { Put(uint32_t{b} << 1, 9); }
  // A copy of `len` (3..8, one code each) from `dist` back, with dictionary bits `dict`.
  void Copy(int len, int dist, int dict) {
    int s = len == 2 ? 1 : (len == 3 ? 0 : len - 2);
    Put(1, 1);
    Put(dcl::kLengthCode.pattern[s], dcl::kLengthCode.length[s]);
    int low = len == 2 ? 2 : dict;
    int d = dist - 1;
    Put(dcl::kDistanceCode.pattern[d >> low], dcl::kDistanceCode.length[d >> low]);
    Put(d & ((1 << low) - 1), low);
  }
  void End() {
    Put(1, 1);
    Put(dcl::kLengthCode.pattern[15], dcl::kLengthCode.length[15]);
    Put(255, 8);
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  size_t used_ = 0;
};

// The corrected example from Ben Rudiak-Gould's format description (quoted in blast.c).
TEST(DclDecoderTest, DecodesKnownVector) {
  std::vector<uint8_t> in = {0x00, 0x04, 0x82, 0x24, 0x25, 0x8f, 0x80, 0x7f};
  std::vector<uint8_t> out;
  uint64_t length = 0;
  DclStatus st = DclDecompress(in, &out, 0, &length);
  ASSERT_TRUE(st.ok()) << DclErrorMessage(st.error) << " at " << st.offset;
  EXPECT_EQ(std::string(out.begin(), out.end()), "AIAIAIAIAIAIA");
  EXPECT_EQ(length, in.size());
}

TEST(DclDecoderTest, HandMadeStreamForEveryHeader) {
  for (int dict : {4, 5, 6}) {
    BitWriter w({0, static_cast<uint8_t>(dict)});
    for (char c : std::string("abcd")) w.Literal(static_cast<uint8_t>(c));
    w.Copy(2, 2, dict);  // "cd"
    w.Copy(8, 6, dict);  // "abcdcdab"
    w.Copy(3, 1, dict);  // "bbb"
    w.End();
    EXPECT_EQ(MustDecompress(w.bytes()), Bytes("abcdcdabcdcdabbbb")) << "dict " << dict;
  }
}

TEST(DclDecoderTest, CodedLiteralsUseTheLiteralCode) {
  BitWriter w({1, 6});
  for (char c : std::string("Hello, DCL!\n")) {
    auto b = static_cast<uint8_t>(c);
    w.Put(0, 1);
    w.Put(dcl::kLiteralCode.pattern[b], dcl::kLiteralCode.length[b]);
  }
  w.End();
  EXPECT_EQ(MustDecompress(w.bytes()), Bytes("Hello, DCL!\n"));
}

TEST(DclDecoderTest, BadHeaders) {
  std::vector<uint8_t> out;
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{2, 6, 0}, &out).error, DclError::kBadHeader);
  DclStatus st = DclDecompress(std::vector<uint8_t>{0, 7, 0}, &out);
  EXPECT_EQ(st.error, DclError::kBadHeader);
  EXPECT_EQ(st.offset, 1u);
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{0, 3, 0}, &out).error, DclError::kBadHeader);
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{}, &out).error, DclError::kTruncated);
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{0}, &out).error, DclError::kTruncated);
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{3}, &out).error, DclError::kBadHeader);
  EXPECT_EQ(DclDecompress(std::vector<uint8_t>{0, 6}, &out).error, DclError::kTruncated);

  DclDecoder decoder;
  DclDecoder::Progress p;
  std::vector<uint8_t> buf(16);
  EXPECT_EQ(decoder.Decompress(std::vector<uint8_t>{0, 9}, buf, false, &p).error,
            DclError::kBadHeader);
  // An error sticks.
  EXPECT_EQ(decoder.Decompress(std::vector<uint8_t>{0, 6}, buf, false, &p).error,
            DclError::kBadHeader);
}

TEST(DclDecoderTest, CopyBeforeStartIsAnError) {
  BitWriter w({0, 6});
  w.Literal('x');
  w.Literal('y');
  w.Copy(3, 3, 6);
  w.End();
  std::vector<uint8_t> out;
  DclStatus st = DclDecompress(w.bytes(), &out);
  EXPECT_EQ(st.error, DclError::kDistanceTooFar);
  EXPECT_EQ(st.offset, 4u);  // the copy starts in bit 18 of the bit stream: byte 2 + 2
  std::vector<uint8_t> streamed;
  st = StreamDecode(w.bytes(), 1, 1, &streamed);
  EXPECT_EQ(st.error, DclError::kDistanceTooFar);
  EXPECT_EQ(st.offset, 4u);

  // The same in the fast loop (long input).
  auto data = RandomBytes(4000, 1);
  BitWriter far({0, 4});
  for (uint8_t b : data) far.Literal(b);
  far.Copy(8, 1024, 4);
  far.Copy(8, 1024, 4);
  far.End();
  auto ok = MustDecompress(far.bytes());
  EXPECT_EQ(ok.size(), 4016u);
  BitWriter too_far({0, 4});
  for (uint8_t b : std::span(data).first(100)) too_far.Literal(b);
  too_far.Copy(3, 101, 4);
  for (uint8_t b : data) too_far.Literal(b);
  too_far.End();
  EXPECT_EQ(DclDecompress(too_far.bytes(), &out).error, DclError::kDistanceTooFar);
}

TEST(DclDecoderTest, StrayBytesAfterTheEndAreIgnored) {
  auto data = RepetitiveBytes(10000, 3);
  auto stream = MustCompress(data);
  auto with_tail = stream;
  with_tail.push_back('\n');
  with_tail.push_back(0xFF);
  std::vector<uint8_t> out;
  uint64_t length = 0;
  ASSERT_TRUE(DclDecompress(with_tail, &out, 0, &length).ok());
  EXPECT_EQ(out, data);
  EXPECT_EQ(length, stream.size());

  std::vector<uint8_t> streamed;
  ASSERT_TRUE(StreamDecode(with_tail, 7, 100, &streamed).ok());
  EXPECT_EQ(streamed, data);
}

TEST(DclRoundTripTest, EveryDictionaryAndLiteralMode) {
  std::vector<std::vector<uint8_t>> inputs = {
      {},
      {'x'},
      Bytes("ab"),
      std::vector<uint8_t>(100000, ' '),
      RandomBytes(70000, 7),
      RandomBytes(50000, 8, 4),
      RepetitiveBytes(300000, 9),
      RecordLikeBytes(20000, 10),
  };
  for (int dict : {4, 5, 6}) {
    for (bool coded : {false, true}) {
      for (const auto& data : inputs) {
        auto packed = MustCompress(data, {.dictionary_bits = dict, .coded_literals = coded});
        EXPECT_EQ(packed[0], coded ? 1 : 0);
        EXPECT_EQ(packed[1], dict);
        ASSERT_EQ(MustDecompress(packed), data)
            << "dict " << dict << " coded " << coded << " size " << data.size();
      }
    }
  }
}

// In-place decoding hands out the output in order, in slices of at most 256 KiB, and says when the
// caller's buffer is too small instead of writing past it.
TEST(DclDecompressIntoTest, SlicesInOrderAndReportsShortOutput) {
  auto data = RecordLikeBytes(40000, 12);
  ASSERT_GT(data.size(), 3u * 256 * 1024);
  for (bool coded : {false, true}) {
    auto packed = MustCompress(data, {.coded_literals = coded});
    std::vector<uint8_t> out(data.size());
    size_t produced = 0;
    size_t sliced = 0;
    bool complete = false;
    DclStatus st =
        DclDecompressInto(packed, out, &produced, &complete, [&](std::span<const uint8_t> slice) {
          EXPECT_EQ(slice.data(), out.data() + sliced);
          EXPECT_LE(slice.size(), 256u * 1024);
          sliced += slice.size();
        });
    ASSERT_TRUE(st.ok());
    EXPECT_TRUE(complete);
    EXPECT_EQ(produced, data.size());
    EXPECT_EQ(sliced, data.size());
    EXPECT_EQ(out, data);

    std::vector<uint8_t> small(data.size() - 1);
    st = DclDecompressInto(packed, small, &produced, &complete);
    ASSERT_TRUE(st.ok());
    EXPECT_FALSE(complete);
    EXPECT_LE(produced, small.size());
    EXPECT_TRUE(std::equal(small.begin(), small.begin() + produced, data.begin()));
  }
}

TEST(DclRoundTripTest, CompressesRecordsWell) {
  auto data = RecordLikeBytes(20000, 11);
  auto packed = MustCompress(data);
  EXPECT_LT(packed.size(), data.size() / 3);
}

TEST(DclEncoderTest, RejectsBadDictionary) {
  EXPECT_FALSE(DclEncoder::Make({.dictionary_bits = 3}).ok());
  EXPECT_FALSE(DclEncoder::Make({.dictionary_bits = 7}).ok());
}

TEST(DclEncoderTest, StreamingWritesEqualOneShot) {
  auto data = RepetitiveBytes(3'000'000, 12);
  auto one_shot = MustCompress(data);
  auto encoder = DclEncoder::Make().ValueOrDie();
  std::vector<uint8_t> out;
  std::mt19937 rng(5);
  for (size_t pos = 0; pos < data.size();) {
    size_t n = std::min<size_t>(data.size() - pos, 1 + rng() % 200000);
    encoder.Write(std::span(data).subspan(pos, n), &out);
    pos += n;
  }
  encoder.Finish(&out);
  EXPECT_EQ(MustDecompress(out), data);
  EXPECT_NEAR(static_cast<double>(out.size()), static_cast<double>(one_shot.size()),
              one_shot.size() * 0.01);
}

TEST(DclStreamingTest, OneByteChunksEqualOneShot) {
  for (bool coded : {false, true}) {
    auto data = RepetitiveBytes(20000, 13);
    auto packed = MustCompress(data, {.dictionary_bits = 5, .coded_literals = coded});
    std::vector<uint8_t> out;
    ASSERT_TRUE(StreamDecode(packed, 1, 1, &out).ok());
    EXPECT_EQ(out, data);
  }
}

TEST(DclStreamingTest, RandomChunksEqualOneShot) {
  auto data = RecordLikeBytes(40000, 14);
  auto packed = MustCompress(data);
  std::mt19937 rng(15);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint8_t> out;
    ASSERT_TRUE(StreamDecode(packed, 1 + rng() % 5000, 1 + rng() % 300000, &out).ok());
    ASSERT_EQ(out, data);
  }
}

TEST(DclStreamingTest, ReportsLengthsAndTotals) {
  auto data = RepetitiveBytes(100000, 16);
  auto packed = MustCompress(data);
  packed.push_back('\n');
  DclDecoder decoder;
  std::vector<uint8_t> out(data.size() + 10);
  DclDecoder::Progress p;
  ASSERT_TRUE(decoder.Decompress(packed, out, true, &p).ok());
  EXPECT_TRUE(decoder.finished());
  EXPECT_EQ(p.produced, data.size());
  EXPECT_EQ(decoder.total_out(), data.size());
  EXPECT_EQ(decoder.stream_length(), packed.size() - 1);
}

TEST(DclErrorTest, EveryTruncationIsReported) {
  for (bool coded : {false, true}) {
    auto data = RepetitiveBytes(3000, 17);
    auto packed = MustCompress(data, {.coded_literals = coded});
    for (size_t len = 0; len < packed.size(); ++len) {
      std::span<const uint8_t> cut(packed.data(), len);
      std::vector<uint8_t> out;
      DclStatus st = DclDecompress(cut, &out);
      ASSERT_EQ(st.error, DclError::kTruncated) << "length " << len;
      EXPECT_LE(st.offset, len);
      std::vector<uint8_t> streamed;
      DclStatus st2 = StreamDecode(cut, 3, 64, &streamed);
      ASSERT_EQ(st2.error, DclError::kTruncated) << "length " << len;
      EXPECT_EQ(st2.offset, st.offset);
    }
  }
}

TEST(DclErrorTest, BitFlipsNeverCrash) {
  auto data = RecordLikeBytes(500, 18);
  auto packed = MustCompress(data);
  size_t ok = 0;
  for (size_t bit = 16; bit < packed.size() * 8; bit += 3) {
    auto bad = packed;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    std::vector<uint8_t> out;
    DclStatus st = DclDecompress(bad, &out);
    if (st.ok()) ++ok;
    EXPECT_LE(st.offset, bad.size());
    std::vector<uint8_t> streamed;
    DclStatus st2 = StreamDecode(bad, 1000, 4096, &streamed);
    EXPECT_EQ(st2.error, st.error);
    if (st.ok()) EXPECT_EQ(streamed, out);
  }
  SUCCEED() << ok << " flipped streams still decoded";
}

// Past the first window of a call, the streaming decoder writes straight into the caller's buffer:
// the same bytes, errors and offsets as one-shot decoding, whether the buffer is large or ends
// mid-symbol.
TEST(DclErrorTest, DecodingIntoTheCallersBufferMatchesOneShot) {
  auto data = RecordLikeBytes(3000, 19);  // ~180 kB: more than the internal buffer holds
  auto packed = MustCompress(data);
  for (size_t out_step : {size_t{4097}, size_t{5000}, size_t{70000}, size_t{1} << 20}) {
    std::vector<uint8_t> streamed;
    ASSERT_TRUE(StreamDecode(packed, 1 << 16, out_step, &streamed).ok());
    ASSERT_EQ(streamed, data) << out_step;
  }
  for (size_t bit = 16; bit < packed.size() * 8; bit += 499) {
    auto bad = packed;
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    std::vector<uint8_t> out;
    DclStatus st = DclDecompress(bad, &out);
    for (size_t out_step : {size_t{5000}, size_t{1} << 20}) {
      std::vector<uint8_t> streamed;
      DclStatus st2 = StreamDecode(bad, 1000, out_step, &streamed);
      EXPECT_EQ(st2.error, st.error) << "bit " << bit;
      EXPECT_EQ(st2.offset, st.offset) << "bit " << bit;
      if (st.ok()) EXPECT_EQ(streamed, out);
    }
  }
}

TEST(DclErrorTest, RandomGarbageTerminates) {
  for (uint32_t seed = 0; seed < 200; ++seed) {
    auto garbage = RandomBytes(2000, seed);
    garbage[0] = static_cast<uint8_t>(seed % 2);
    garbage[1] = static_cast<uint8_t>(4 + seed % 3);
    std::vector<uint8_t> out;
    DclStatus st = DclDecompress(garbage, &out);
    EXPECT_LE(st.offset, garbage.size());
    EXPECT_LE(out.size(), garbage.size() * 8 * 518);
  }
}

TEST(DclErrorTest, ToArrowNamesFileAndOffset) {
  arrow::Status st = DclStatusToArrow({DclError::kTruncated, 10}, "X.dbc", 100);
  EXPECT_TRUE(st.IsInvalid());
  EXPECT_NE(st.message().find("X.dbc"), std::string::npos);
  EXPECT_NE(st.message().find("110"), std::string::npos);
  EXPECT_TRUE(DclStatusToArrow({}, "X.dbc").ok());
}

}  // namespace
}  // namespace arrow_sus
