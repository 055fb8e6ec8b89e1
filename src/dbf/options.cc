#include "arrow_sus/dbf/options.h"

#include <cctype>
#include <span>
#include <string>
#include <utility>

#include "arrow_sus/error.h"

namespace arrow_sus::dbf {

namespace {

// The value of an option whose allowed names are `choices`; any other name is an InvalidArgument
// error naming the option and listing them.
template <typename T>
arrow::Result<T> Choose(std::string_view option, std::string_view name,
                        std::span<const std::pair<std::string_view, T>> choices) {
  std::string allowed;
  for (const auto& [choice, value] : choices) {
    if (name == choice) return value;
    allowed += (allowed.empty() ? "'" : ", '") + std::string(choice) + "'";
  }
  return MakeError(
      ErrorKind::kInvalidArgument, {},
      std::string(option) + " must be one of " + allowed + ", not '" + std::string(name) + "'");
}

template <typename T>
std::string_view NameOf(T value, std::span<const std::pair<std::string_view, T>> choices) {
  for (const auto& [choice, known] : choices) {
    if (known == value) return choice;
  }
  return "?";
}

constexpr std::pair<std::string_view, DecimalMode> kDecimalModes[] = {
    {"float", DecimalMode::kFloat}, {"exact", DecimalMode::kExact}};
constexpr std::pair<std::string_view, InvalidPolicy> kInvalidPolicies[] = {
    {"null", InvalidPolicy::kNull}, {"raise", InvalidPolicy::kRaise}};
constexpr std::pair<std::string_view, TruncatedPolicy> kTruncatedPolicies[] = {
    {"raise", TruncatedPolicy::kRaise}, {"warn", TruncatedPolicy::kWarn}};

}  // namespace

arrow::Result<DecimalMode> ParseDecimalMode(std::string_view name) {
  return Choose<DecimalMode>("decimals", name, kDecimalModes);
}
std::string_view DecimalModeName(DecimalMode mode) {
  return NameOf<DecimalMode>(mode, kDecimalModes);
}

arrow::Result<InvalidPolicy> ParseInvalidPolicy(std::string_view name) {
  return Choose<InvalidPolicy>("on_invalid", name, kInvalidPolicies);
}
std::string_view InvalidPolicyName(InvalidPolicy policy) {
  return NameOf<InvalidPolicy>(policy, kInvalidPolicies);
}

arrow::Result<TruncatedPolicy> ParseTruncatedPolicy(std::string_view name) {
  return Choose<TruncatedPolicy>("on_truncated", name, kTruncatedPolicies);
}
std::string_view TruncatedPolicyName(TruncatedPolicy policy) {
  return NameOf<TruncatedPolicy>(policy, kTruncatedPolicies);
}

arrow::Result<Encoding> ParseEncoding(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c != '-' && c != '_')
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (key == "latin1" || key == "iso88591" || key == "l1") return Encoding::kLatin1;
  if (key == "cp850" || key == "ibm850") return Encoding::kCp850;
  if (key == "cp1252" || key == "windows1252") return Encoding::kCp1252;
  if (key == "utf8") return Encoding::kUtf8;
  return MakeError(ErrorKind::kInvalidArgument, {},
                   "encoding must be one of 'latin-1', 'cp850', 'cp1252', 'utf-8', not '" +
                       std::string(name) + "'");
}

std::string_view EncodingName(Encoding encoding) {
  switch (encoding) {
    case Encoding::kLatin1:
      return "latin-1";
    case Encoding::kCp850:
      return "cp850";
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kCp1252:
      return "cp1252";
  }
  return "?";
}

arrow::Status ReadOptions::Validate() const {
  if (batch_size < 1 || batch_size > (int64_t{1} << 30)) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "batch_size must be between 1 and 2^30, got " + std::to_string(batch_size));
  }
  return arrow::Status::OK();
}

}  // namespace arrow_sus::dbf
