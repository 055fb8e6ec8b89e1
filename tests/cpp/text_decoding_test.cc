// The DBF reader's text decoding alone: bytes of each encoding -> UTF-8, filter literals the other
// way, and the room a decode needs.
#include "dbf/text_decoding.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <arrow/util/utf8.h>

namespace arrow_sus::dbf::internal {
namespace {

// Decodes `bytes` into exactly the room MaxDecodedSize promises; nullopt when invalid.
std::optional<std::string> Decode(Encoding encoding, const std::string& bytes) {
  TextDecoder decoder(encoding);
  std::vector<uint8_t> out(decoder.MaxDecodedSize(static_cast<int64_t>(bytes.size())), 0xAA);
  const int64_t n = decoder.Decode(reinterpret_cast<const uint8_t*>(bytes.data()),
                                   static_cast<int64_t>(bytes.size()), out.data());
  if (n < 0) return std::nullopt;
  EXPECT_LE(n, static_cast<int64_t>(out.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), n);
}

TEST(TextDecodingTest, AsciiIsTheSameInEveryEncoding) {
  for (Encoding e : {Encoding::kLatin1, Encoding::kCp850, Encoding::kCp1252, Encoding::kUtf8}) {
    EXPECT_EQ(Decode(e, "ABC 123 ~"), "ABC 123 ~");
    EXPECT_EQ(Decode(e, ""), "");
  }
}

TEST(TextDecodingTest, SingleByteEncodingsMapEveryByte) {
  EXPECT_EQ(Decode(Encoding::kLatin1, "Jos\xE9 \xC7\xE3o"), "José Ção");
  EXPECT_EQ(Decode(Encoding::kCp850, "Jos\x82 \x80\xC6o"), "José Ção");
  EXPECT_EQ(Decode(Encoding::kCp1252, "\x80\x93x\x94 \xE9"), "€“x” é");
  // Latin-1's 0x80-0x9F are C1 controls; Windows-1252 leaves five of them undefined the same.
  EXPECT_EQ(Decode(Encoding::kLatin1, "\x80"), "\xC2\x80");
  EXPECT_EQ(Decode(Encoding::kCp1252, "\x81"), "\xC2\x81");
  // Every byte decodes to valid UTF-8, within the promised room (3 bytes each at most).
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (Encoding e : {Encoding::kLatin1, Encoding::kCp850, Encoding::kCp1252}) {
    auto decoded = Decode(e, all);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_TRUE(arrow::util::ValidateUTF8(*decoded));
    EXPECT_GE(decoded->size(), 256u);
  }
}

TEST(TextDecodingTest, Utf8IsCopiedWhenValidAndRefusedWhenNot) {
  EXPECT_EQ(Decode(Encoding::kUtf8, "S\xC3\xA3o \xE2\x82\xAC"), "São €");
  EXPECT_EQ(Decode(Encoding::kUtf8, "a\xC3"), std::nullopt);         // cut inside a character
  EXPECT_EQ(Decode(Encoding::kUtf8, "\xE9t\xE9"), std::nullopt);     // Latin-1 read as UTF-8
  EXPECT_EQ(Decode(Encoding::kUtf8, "\xED\xA0\x80"), std::nullopt);  // a surrogate
}

TEST(TextDecodingTest, RoomForTheWorstCasePlusTheStoreSlack) {
  EXPECT_EQ(TextDecoder(Encoding::kLatin1).MaxDecodedSize(10), 10 * 2 + 2);
  EXPECT_EQ(TextDecoder(Encoding::kCp1252).MaxDecodedSize(10), 10 * 3 + 2);  // € is 3 bytes
  EXPECT_GE(TextDecoder(Encoding::kCp850).MaxDecodedSize(1), 3);
  EXPECT_GE(TextDecoder(Encoding::kUtf8).MaxDecodedSize(7), 7);
}

TEST(TextDecodingTest, EncodeIsTheInverseAndRefusesWhatTheEncodingCannotWrite) {
  EXPECT_EQ(TextDecoder(Encoding::kLatin1).Encode("José"), "Jos\xE9");
  EXPECT_EQ(TextDecoder(Encoding::kCp850).Encode("José"), "Jos\x82");
  EXPECT_EQ(TextDecoder(Encoding::kCp1252).Encode("€"), "\x80");
  EXPECT_EQ(TextDecoder(Encoding::kUtf8).Encode("José"), "José");
  EXPECT_EQ(TextDecoder(Encoding::kLatin1).Encode("€"), std::nullopt);
  EXPECT_EQ(TextDecoder(Encoding::kCp850).Encode("日"), std::nullopt);
  EXPECT_EQ(TextDecoder(Encoding::kLatin1).Encode("bad \xC3"), std::nullopt);
  for (Encoding e : {Encoding::kLatin1, Encoding::kCp850, Encoding::kCp1252}) {
    for (int b = 0x20; b < 256; ++b) {
      const std::string byte(1, static_cast<char>(b));
      auto utf8 = Decode(e, byte);
      ASSERT_TRUE(utf8.has_value());
      // Windows-1252's undefined bytes decode to the C1 controls Latin-1 gives them; those encode
      // back.
      EXPECT_EQ(TextDecoder(e).Encode(*utf8), byte) << "byte " << b;
    }
  }
}

TEST(TextDecodingTest, ByteOrderIsCodePointOrderOnlyWhereItHolds) {
  EXPECT_TRUE(TextDecoder(Encoding::kLatin1).ByteOrderIsCodePointOrder());
  EXPECT_TRUE(TextDecoder(Encoding::kUtf8).ByteOrderIsCodePointOrder());
  EXPECT_FALSE(TextDecoder(Encoding::kCp850).ByteOrderIsCodePointOrder());
  EXPECT_FALSE(TextDecoder(Encoding::kCp1252).ByteOrderIsCodePointOrder());
  EXPECT_EQ(TextDecoder(Encoding::kCp850).encoding(), Encoding::kCp850);
}

}  // namespace
}  // namespace arrow_sus::dbf::internal
