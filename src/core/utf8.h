// Text that reaches Python must be valid UTF-8 (nanobind and CPython refuse anything else), but
// DBF field names, type bytes and paths are whatever bytes the file or the caller held. These turn
// such bytes into valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace arrow_sus::internal {

// `bytes` as they are when they are valid UTF-8; otherwise every byte that does not start a valid
// sequence (overlong forms, surrogates and code points past U+10FFFF included) becomes U+FFFD.
std::string ValidUtf8(std::string_view bytes);

// Latin-1 bytes as UTF-8: every byte is the code point of the same value.
std::string Latin1ToUtf8(std::string_view bytes);

}  // namespace arrow_sus::internal
