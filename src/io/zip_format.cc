#include "io/zip_format.h"

#include <string>

#include <arrow/result.h>
#include <arrow/util/utf8.h>

namespace arrow_sus::io::zip {

namespace {

// Code points of CP437 bytes 0x80-0xFF (bytes below 0x80 are ASCII), the ZIP default encoding
// of names.
constexpr char16_t kCp437High[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

arrow::Status Error(ErrorKind kind, const std::string& archive, uint64_t offset,
                    std::string_view member, std::string_view message) {
  std::string text = member.empty()
                         ? std::string(message)
                         : "member \"" + std::string(member) + "\": " + std::string(message);
  return MakeError(kind, {.file = archive, .offset = offset}, text);
}

std::string_view MethodName(uint16_t method) {
  switch (method) {
    case 0:
      return "stored";
    case 1:
      return "shrunk";
    case 6:
      return "imploded";
    case 8:
      return "deflate";
    case 9:
      return "deflate64";
    case 12:
      return "bzip2";
    case 14:
      return "LZMA";
    case 93:
      return "zstd";
    case 95:
      return "xz";
    case 98:
      return "PPMd";
    case 99:
      return "AES-encrypted";
    default:
      return "unknown";
  }
}

std::optional<std::string> DecodeName(std::span<const uint8_t> raw, bool utf8) {
  if (utf8) {
    static const bool initialized = [] {
      arrow::util::InitializeUTF8();  // the validator's tables
      return true;
    }();
    (void)initialized;
    if (!arrow::util::ValidateUTF8(raw.data(), static_cast<int64_t>(raw.size())))
      return std::nullopt;
    return std::string(raw.begin(), raw.end());
  }
  std::u16string wide;
  wide.reserve(raw.size());
  for (uint8_t byte : raw) wide.push_back(byte < 0x80 ? byte : kCp437High[byte - 0x80]);
  auto text = arrow::util::UTF16StringToUTF8(wide);
  if (!text.ok()) return std::nullopt;  // unreachable: every CP437 code point is in the BMP
  return std::move(text).ValueUnsafe();
}

std::string_view UnsafeNameReason(std::string_view name) {
  if (name.empty()) return "an empty name";
  if (name.front() == '/') return "an absolute path";
  if (name.size() >= 2 && name[1] == ':') return "a drive letter";
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20) return "a control character";
  }
  std::string_view rest = name;
  if (rest.back() == '/') rest.remove_suffix(1);  // a directory entry
  while (true) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty()) return "an empty path component";
    if (part == "." || part == "..") return "a \".\" or \"..\" path component";
    if (slash == std::string_view::npos) return "";
    rest.remove_prefix(slash + 1);
  }
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace arrow_sus::io::zip
