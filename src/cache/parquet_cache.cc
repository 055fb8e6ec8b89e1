#include "arrow_sus/cache/parquet_cache.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"

namespace arrow_sus::cache {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS parquet_entries (
  source TEXT NOT NULL, path TEXT NOT NULL, converter TEXT NOT NULL,
  size INTEGER NOT NULL, mtime INTEGER, records INTEGER, crc INTEGER, dataset TEXT NOT NULL,
  local_path TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL,
  PRIMARY KEY (source, path, converter));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('hits', 0), ('misses', 0);
)sql";

constexpr const char* kColumns =
    "source, path, converter, size, mtime, records, crc, dataset, local_path, bytes, created, "
    "last_used";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// FNV-1a: a stable short tag for file names (not security-relevant).
std::string ShortHash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 0xF];
  return out;
}

// A readable, collision-free directory name for a source URL: its host (or "local") and a hash.
std::string SourceDirectory(std::string_view source) {
  std::string_view rest = source;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos)
    rest.remove_prefix(scheme + 3);
  std::string clean;
  for (char c : rest.substr(0, rest.find('/'))) {
    clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  }
  return (clean.empty() ? "local" : clean) + "-" + ShortHash(source);
}

// A prepared SQLite statement with typed binds and reads.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  template <typename T>
  Statement& Bind(int i, const std::optional<T>& v) {
    if (v) return Bind(i, static_cast<int64_t>(*v));
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  template <typename T>
  std::optional<T> Optional(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return static_cast<T>(Int(col));
  }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

ParquetEntry EntryFromRow(const Statement& row) {
  ParquetEntry entry;
  entry.source = row.Text(0);
  entry.identity.path = row.Text(1);
  entry.converter = row.Text(2);
  entry.identity.size = row.Int(3);
  entry.identity.mtime = row.Optional<int64_t>(4);
  entry.identity.records = row.Optional<uint32_t>(5);
  entry.identity.crc32 = row.Optional<uint32_t>(6);
  entry.dataset = row.Text(7);
  entry.local_path = row.Text(8);
  entry.bytes = row.Int(9);
  entry.created = row.Int(10);
  entry.last_used = row.Int(11);
  return entry;
}

}  // namespace

class ParquetCache::Impl {
 public:
  Impl(std::string root, sqlite3* db) : root_(std::move(root)), db_(db) {}
  ~Impl() { sqlite3_close(db_); }

  arrow::Status Error(const std::string& message) const {
    return MakeError(ErrorKind::kIo, {.file = (fs::path(root_) / "manifest.sqlite").string()},
                     message);
  }

  arrow::Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return Error("cache manifest query failed: " + text);
    }
    return arrow::Status::OK();
  }

  arrow::Status Done(Statement& st) {
    return st.Step() == SQLITE_DONE ? arrow::Status::OK() : Error(sqlite3_errmsg(db_));
  }

  // Runs `body` in an immediate transaction: other processes wait on the busy timeout.
  arrow::Status Transaction(const std::function<arrow::Status()>& body) {
    std::lock_guard lock(mutex_);
    ARROW_RETURN_NOT_OK(Exec("BEGIN IMMEDIATE"));
    arrow::Status status = body();
    if (!status.ok()) {
      (void)Exec("ROLLBACK");
      return status;
    }
    return Exec("COMMIT");
  }

  arrow::Status Bump(const std::string& counter) {
    Statement st(db_, "UPDATE counters SET value = value + 1 WHERE name = ?");
    st.Bind(1, counter);
    return Done(st);
  }

  arrow::Status Forget(const ParquetEntry& entry) {
    Statement st(db_,
                 "DELETE FROM parquet_entries WHERE source = ? AND path = ? AND converter = ?");
    st.Bind(1, entry.source).Bind(2, entry.identity.path).Bind(3, entry.converter);
    ARROW_RETURN_NOT_OK(Done(st));
    std::error_code ignored;
    fs::remove(entry.local_path, ignored);
    return arrow::Status::OK();
  }

  std::string root_;
  sqlite3* db_;
  std::mutex mutex_;
};

ParquetCache::ParquetCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParquetCache::~ParquetCache() = default;

arrow::Result<std::shared_ptr<ParquetCache>> ParquetCache::Open(const std::string& root) {
  std::error_code error;
  fs::create_directories(root, error);
  if (error) {
    return MakeError(ErrorKind::kIo, {.file = root},
                     "cannot create the cache directory: " + error.message());
  }
  std::string manifest = (fs::path(root) / "manifest.sqlite").string();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(manifest.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return MakeError(ErrorKind::kIo, {.file = manifest},
                     "cannot open the cache manifest: " + message);
  }
  sqlite3_busy_timeout(db, 30000);
  auto impl = std::make_unique<Impl>(fs::absolute(root).string(), db);
  ARROW_RETURN_NOT_OK(impl->Exec("PRAGMA journal_mode=WAL"));
  ARROW_RETURN_NOT_OK(impl->Exec("PRAGMA synchronous=NORMAL"));
  ARROW_RETURN_NOT_OK(impl->Transaction([&] { return impl->Exec(kSchema); }));
  return std::shared_ptr<ParquetCache>(new ParquetCache(std::move(impl)));
}

const std::string& ParquetCache::root() const { return impl_->root_; }

std::string ParquetCache::PathFor(const std::string& source, const std::string& path,
                                  const std::string& converter) const {
  fs::path base = fs::path(impl_->root_) / "parquet" / SourceDirectory(source) / path;
  return base.string() + "." + ShortHash(converter) + ".parquet";
}

arrow::Result<std::optional<ParquetEntry>> ParquetCache::Lookup(const std::string& source,
                                                                const io::FileIdentity& identity,
                                                                const std::string& converter) {
  ARROW_RETURN_NOT_OK(io::ValidateRelativePath(identity.path));
  std::optional<ParquetEntry> found;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_,
                 std::string("SELECT ") + kColumns +
                     " FROM parquet_entries WHERE source = ? AND path = ? AND converter = ?");
    st.Bind(1, source).Bind(2, identity.path).Bind(3, converter);
    if (st.Step() == SQLITE_ROW) {
      ParquetEntry entry = EntryFromRow(st);
      std::error_code error;
      auto on_disk = fs::file_size(entry.local_path, error);
      if (entry.identity.Matches(identity) && !error &&
          static_cast<int64_t>(on_disk) == entry.bytes) {
        found = std::move(entry);
      } else {  // republished on the server, or the file was damaged or deleted: forget it
        ARROW_RETURN_NOT_OK(impl_->Forget(entry));
      }
    }
    if (found) {
      Statement touch(impl_->db_,
                      "UPDATE parquet_entries SET last_used = ? WHERE source = ? AND path = ? AND "
                      "converter = ?");
      touch.Bind(1, Now()).Bind(2, source).Bind(3, identity.path).Bind(4, converter);
      ARROW_RETURN_NOT_OK(impl_->Done(touch));
    }
    return impl_->Bump(found ? "hits" : "misses");
  }));
  return found;
}

arrow::Status ParquetCache::Commit(const ParquetEntry& entry) {
  ARROW_RETURN_NOT_OK(io::ValidateRelativePath(entry.identity.path));
  std::error_code error;
  auto bytes = fs::file_size(entry.local_path, error);
  if (error) {
    return MakeError(ErrorKind::kIo, {.file = entry.local_path},
                     "cannot record a cache entry whose file is missing");
  }
  return impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_, std::string("INSERT OR REPLACE INTO parquet_entries (") + kColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int64_t now = Now();
    st.Bind(1, entry.source).Bind(2, entry.identity.path).Bind(3, entry.converter);
    st.Bind(4, entry.identity.size).Bind(5, entry.identity.mtime).Bind(6, entry.identity.records);
    st.Bind(7, entry.identity.crc32).Bind(8, entry.dataset).Bind(9, entry.local_path);
    st.Bind(10, static_cast<int64_t>(bytes)).Bind(11, now).Bind(12, now);
    return impl_->Done(st);
  });
}

arrow::Result<std::vector<ParquetEntry>> ParquetCache::Entries() {
  std::vector<ParquetEntry> entries;
  std::lock_guard lock(impl_->mutex_);
  Statement st(impl_->db_,
               std::string("SELECT ") + kColumns + " FROM parquet_entries ORDER BY source, path");
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) entries.push_back(EntryFromRow(st));
  if (rc != SQLITE_DONE) return impl_->Error(sqlite3_errmsg(impl_->db_));
  return entries;
}

arrow::Result<ParquetCacheInfo> ParquetCache::Info() {
  ParquetCacheInfo info;
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  for (const ParquetEntry& entry : entries) {
    ++info.entries;
    info.bytes += entry.bytes;
  }
  std::lock_guard lock(impl_->mutex_);
  Statement st(impl_->db_, "SELECT name, value FROM counters");
  while (st.Step() == SQLITE_ROW) (st.Text(0) == "hits" ? info.hits : info.misses) = st.Int(1);
  return info;
}

arrow::Result<int64_t> ParquetCache::Clear(const ClearOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  int64_t cutoff = options.older_than_seconds ? Now() - *options.older_than_seconds : INT64_MAX;
  int64_t removed = 0;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    for (const ParquetEntry& entry : entries) {
      if (options.dataset && entry.dataset != *options.dataset) continue;
      if (entry.last_used > cutoff) continue;
      ARROW_RETURN_NOT_OK(impl_->Forget(entry));
      ++removed;
    }
    return arrow::Status::OK();
  }));
  return removed;
}

}  // namespace arrow_sus::cache
