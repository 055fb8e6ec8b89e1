// The retry, resumption and consistency logic shared by every Source (the schemes only implement
// single attempts).
#include "arrow_sus/io/source.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "arrow_sus/error.h"

namespace arrow_sus::io {

std::chrono::milliseconds RetryPolicy::BackoffBefore(int attempt) const {
  double base = static_cast<double>(initial_backoff.count());
  for (int i = 1; i < attempt && base < static_cast<double>(max_backoff.count()); ++i) base *= 2;
  base = std::min(base, static_cast<double>(max_backoff.count()));
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(base * jitter(rng)));
}

arrow::Status SourceOptions::Validate() const {
  auto invalid = [](const std::string& message) {
    return MakeError(ErrorKind::kInvalidArgument, {}, message);
  };
  auto seconds = [](std::chrono::milliseconds d) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", static_cast<double>(d.count()) / 1000.0);
    return std::string(text);
  };
  if (max_connections_per_host < 1) {
    return invalid("max_connections must be >= 1, got " + std::to_string(max_connections_per_host));
  }
  if (connect_timeout.count() < 0) {
    return invalid("connect_timeout must be a number of seconds >= 0, got " +
                   seconds(connect_timeout));
  }
  if (timeout.count() < 0) {
    return invalid("timeout must be a number of seconds >= 0, got " + seconds(timeout));
  }
  if (low_speed_bytes_per_second < 0) {
    return invalid("low_speed_bytes_per_second must be >= 0, got " +
                   std::to_string(low_speed_bytes_per_second));
  }
  if (retry.max_attempts < 1) {
    return invalid("max_attempts must be >= 1, got " + std::to_string(retry.max_attempts));
  }
  if (retry.initial_backoff.count() < 0) {
    return invalid("initial_backoff must be a number of seconds >= 0, got " +
                   seconds(retry.initial_backoff));
  }
  if (retry.max_backoff.count() < 0) {
    return invalid("max_backoff must be a number of seconds >= 0, got " +
                   seconds(retry.max_backoff));
  }
  if (server_utc_offset_minutes < -24 * 60 || server_utc_offset_minutes > 24 * 60) {
    return invalid("server_utc_offset_minutes must be between -1440 and 1440, got " +
                   std::to_string(server_utc_offset_minutes));
  }
  if (ftp_list_command != "LIST" && ftp_list_command != "MLSD") {
    return invalid("list_command must be one of 'LIST', 'MLSD', not '" + ftp_list_command + "'");
  }
  return arrow::Status::OK();
}

bool IsTransient(const arrow::Status& status) {
  const ErrorDetail* detail = GetErrorDetail(status);
  return detail != nullptr && detail->kind() == ErrorKind::kNetwork && detail->retryable();
}

bool SameVersion(const RemoteEntry& a, const RemoteEntry& b) {
  if (a.size != b.size) return false;
  if (!a.mtime || !b.mtime) return true;
  auto minute = [](int64_t t) { return t >= 0 ? t / 60 : (t - 59) / 60; };
  return minute(*a.mtime) == minute(*b.mtime);
}

namespace {

// Runs `attempt` until it succeeds, fails permanently (or sets *give_up), or the policy's attempts
// are used up; the last transient error then says how many attempts were made.
template <typename Fn>
auto WithRetries(const RetryPolicy& policy, Fn&& attempt, const bool* give_up = nullptr)
    -> decltype(attempt()) {
  const int attempts = std::max(1, policy.max_attempts);
  for (int i = 1;; ++i) {
    auto result = attempt();
    arrow::Status st = [&] {
      if constexpr (std::is_same_v<decltype(result), arrow::Status>)
        return result;
      else
        return result.status();
    }();
    if (st.ok() || !IsTransient(st) || (give_up != nullptr && *give_up)) return result;
    if (i >= attempts) {
      return arrow::Status(
          st.code(), st.message() + " (gave up after " + std::to_string(attempts) + " attempts)",
          st.detail());
    }
    std::this_thread::sleep_for(policy.BackoffBefore(i));
  }
}

}  // namespace

arrow::Result<std::vector<RemoteEntry>> Source::List(std::string_view dir) {
  return WithRetries(options_.retry, [&] { return ListOnce(dir); });
}

arrow::Result<RemoteEntry> Source::Stat(std::string_view path) {
  return WithRetries(options_.retry, [&] { return StatOnce(path); });
}

arrow::Result<std::shared_ptr<arrow::Buffer>> Source::ReadRange(std::string_view path,
                                                                int64_t offset, int64_t length) {
  if (offset < 0 || length < 0)
    return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                     "negative offset or length in a ranged read");
  ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(length));
  int64_t filled = 0;
  ByteSink collect = [&](std::span<const uint8_t> bytes) {
    const int64_t n = std::min<int64_t>(static_cast<int64_t>(bytes.size()), length - filled);
    std::copy_n(bytes.data(), n, buffer->mutable_data() + filled);
    filled += n;
    return arrow::Status::OK();
  };
  // A ranged read restarts from where it stopped, like a streamed one.
  ARROW_RETURN_NOT_OK(WithRetries(options_.retry, [&]() -> arrow::Status {
    if (filled == length) return arrow::Status::OK();
    return ReadOnce(path, offset + filled, length - filled, collect);
  }));
  ARROW_RETURN_NOT_OK(buffer->Resize(filled));
  return std::shared_ptr<arrow::Buffer>(std::move(buffer));
}

arrow::Status Source::Read(std::string_view path, int64_t offset, const ByteSink& sink,
                           const std::optional<RemoteEntry>& expected) {
  const std::string name(path);
  int64_t position = offset;
  arrow::Status sink_status;
  ByteSink counting = [&](std::span<const uint8_t> bytes) {
    sink_status = sink(bytes);
    if (sink_status.ok()) position += static_cast<int64_t>(bytes.size());
    return sink_status;
  };
  bool first = true;
  bool changed = false;
  auto report_change = [&](int64_t new_size) {
    changed = true;
    return MakeError(ErrorKind::kNetwork, {.file = name, .offset = uint64_t(position)},
                     "the file changed on the server during the transfer (size " +
                         std::to_string(expected->size) + " -> " + std::to_string(new_size) + ")");
  };
  return WithRetries(
      options_.retry,
      [&]() -> arrow::Status {
        if (!first && expected) {
          // Resuming: make sure the bytes still to come belong to the same version of the file.
          ARROW_ASSIGN_OR_RAISE(RemoteEntry now, StatOnce(path));
          if (!SameVersion(now, *expected)) return report_change(now.size);
        }
        first = false;
        arrow::Status st = ReadOnce(path, position, std::nullopt, counting);
        if (!sink_status.ok()) return sink_status;
        if (!st.ok()) return st;
        if (expected && expected->size >= 0 && position > expected->size)
          return report_change(position);
        if (expected && expected->size >= 0 && position < expected->size) {
          return MakeError(ErrorKind::kNetwork, {.file = name, .offset = uint64_t(position)},
                           "short transfer: received " + std::to_string(position) + " of " +
                               std::to_string(expected->size) + " bytes");
        }
        return arrow::Status::OK();
      },
      &changed);
}

std::string DefaultSourceUrl() {
  const char* env = std::getenv("ARROW_SUS_SOURCE");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(kDefaultSourceUrl);
}

}  // namespace arrow_sus::io
