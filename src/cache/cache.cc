#include "arrow_sus/cache/cache.h"

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>

#include "arrow_sus/error.h"

namespace arrow_sus::cache {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries (
  kind INTEGER NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL, converter TEXT NOT NULL,
  size INTEGER NOT NULL, mtime INTEGER NOT NULL, crc INTEGER, dataset TEXT NOT NULL,
  local_path TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL,
  PRIMARY KEY (kind, source, path, converter));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('hits', 0), ('misses', 0);
)sql";

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// FNV-1a: a stable short tag for directory names (not security-relevant).
std::string ShortHash(std::string_view text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(8, '0');
  for (int i = 0; i < 8; ++i) out[i] = kHex[(h >> (60 - 4 * i)) & 0xF];
  return out;
}

// A readable, collision-free directory name for a source URL: its host (or "local") plus a hash.
std::string SourceDirectory(std::string_view source) {
  std::string_view rest = source;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos)
    rest.remove_prefix(scheme + 3);
  std::string host(rest.substr(0, rest.find('/')));
  std::string clean;
  for (char c : host)
    clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  if (clean.empty()) clean = "local";
  return clean + "-" + ShortHash(source);
}

arrow::Status CheckRelativePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos) {
    return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                     "cache paths must be relative, '/'-separated paths");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return MakeError(ErrorKind::kInvalidArgument, {.file = std::string(path)},
                       "refusing a path with empty, '.' or '..' components");
    }
    start = end + 1;
  }
  return arrow::Status::OK();
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    status_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return status_ == SQLITE_OK; }
  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& BindOptional(int i, const std::optional<int64_t>& v) {
    if (v) return Bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const unsigned char* text = sqlite3_column_text(stmt_, col);
    return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int status_;
};

constexpr const char* kEntryColumns =
    "kind, source, path, converter, size, mtime, crc, dataset, local_path, bytes, created, "
    "last_used";

CacheEntry EntryFromRow(const Statement& row) {
  CacheEntry entry;
  entry.kind = static_cast<EntryKind>(row.Int(0));
  entry.identity.source = row.Text(1);
  entry.identity.path = row.Text(2);
  entry.converter = row.Text(3);
  entry.identity.size = row.Int(4);
  entry.identity.mtime = row.Int(5);
  if (!row.IsNull(6)) entry.identity.crc = static_cast<uint32_t>(row.Int(6));
  entry.dataset = row.Text(7);
  entry.local_path = row.Text(8);
  entry.bytes = row.Int(9);
  entry.created = row.Int(10);
  entry.last_used = row.Int(11);
  return entry;
}

bool SameContent(const FileIdentity& recorded, const FileIdentity& wanted) {
  if (recorded.size != wanted.size) return false;
  if (recorded.mtime >= 0 && wanted.mtime >= 0 && recorded.mtime != wanted.mtime) return false;
  if (recorded.crc && wanted.crc && *recorded.crc != *wanted.crc) return false;
  return true;
}

}  // namespace

std::string DefaultCacheDir() {
  if (const char* env = std::getenv("ARROW_SUS_CACHE"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return (fs::path(xdg) / "arrow-sus").string();
  const char* home = std::getenv("HOME");
  return (fs::path(home && *home ? home : fs::temp_directory_path().string()) / ".cache" /
          "arrow-sus")
      .string();
}

class Cache::Impl {
 public:
  Impl(std::string root, sqlite3* db) : root_(std::move(root)), db_(db) {}
  ~Impl() { sqlite3_close(db_); }

  arrow::Status Exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return Error("cache manifest query failed: " + text);
    }
    return arrow::Status::OK();
  }

  arrow::Status Error(const std::string& message) const {
    return MakeError(ErrorKind::kIo, {.file = ManifestPath()}, message);
  }

  std::string ManifestPath() const { return (fs::path(root_) / "manifest.sqlite").string(); }

  // Runs `body` inside an immediate transaction (other processes wait on the busy timeout).
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

  arrow::Status Bump(const char* counter) {
    Statement st(db_, "UPDATE counters SET value = value + 1 WHERE name = ?");
    st.Bind(1, std::string(counter));
    return st.Step() == SQLITE_DONE ? arrow::Status::OK() : Error(sqlite3_errmsg(db_));
  }

  arrow::Status DeleteRow(const CacheEntry& entry) {
    Statement st(
        db_, "DELETE FROM entries WHERE kind = ? AND source = ? AND path = ? AND converter = ?");
    st.Bind(1, static_cast<int64_t>(entry.kind))
        .Bind(2, entry.identity.source)
        .Bind(3, entry.identity.path);
    st.Bind(4, entry.converter);
    return st.Step() == SQLITE_DONE ? arrow::Status::OK() : Error(sqlite3_errmsg(db_));
  }

  std::string root_;
  sqlite3* db_;
  std::mutex mutex_;
};

Cache::Cache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Cache::~Cache() = default;

arrow::Result<std::shared_ptr<Cache>> Cache::Open(const std::string& root) {
  std::error_code error;
  fs::create_directories(root, error);
  if (error) {
    return MakeError(ErrorKind::kIo, {.file = root},
                     "cannot create the cache directory: " + error.message());
  }
  std::string manifest = (fs::path(root) / "manifest.sqlite").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(manifest.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
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
  return std::shared_ptr<Cache>(new Cache(std::move(impl)));
}

const std::string& Cache::root() const { return impl_->root_; }

std::string Cache::PathFor(EntryKind kind, const FileIdentity& identity,
                           const std::string& converter) const {
  fs::path base = fs::path(impl_->root_) / (kind == EntryKind::kRaw ? "raw" : "parquet") /
                  SourceDirectory(identity.source) / identity.path;
  if (kind == EntryKind::kRaw) return base.string();
  return base.string() + "." + ShortHash(converter) + ".parquet";
}

std::string Cache::TemporaryPath(const std::string& final_path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 random{std::random_device{}()};
  return final_path + ".part-" + std::to_string(random() % 1000000000) + "-" +
         std::to_string(counter++);
}

arrow::Result<std::optional<CacheEntry>> Cache::Lookup(EntryKind kind, const FileIdentity& identity,
                                                       const std::string& converter) {
  ARROW_RETURN_NOT_OK(CheckRelativePath(identity.path));
  std::optional<CacheEntry> found;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_,
                 (std::string("SELECT ") + kEntryColumns +
                  " FROM entries WHERE kind = ? AND source = ? AND path = ? AND converter = ?")
                     .c_str());
    st.Bind(1, static_cast<int64_t>(kind))
        .Bind(2, identity.source)
        .Bind(3, identity.path)
        .Bind(4, converter);
    if (st.Step() == SQLITE_ROW) {
      CacheEntry entry = EntryFromRow(st);
      std::error_code error;
      auto on_disk = fs::file_size(entry.local_path, error);
      bool valid = SameContent(entry.identity, identity) && !error &&
                   static_cast<int64_t>(on_disk) == entry.bytes;
      if (valid) {
        found = std::move(entry);
      } else {  // republished on the server, or the file was damaged or deleted: forget it
        ARROW_RETURN_NOT_OK(impl_->DeleteRow(entry));
        fs::remove(entry.local_path, error);
      }
    }
    if (found) {
      Statement touch(
          impl_->db_,
          "UPDATE entries SET last_used = ? WHERE kind = ? AND source = ? AND path = ? AND "
          "converter = ?");
      touch.Bind(1, Now()).Bind(2, static_cast<int64_t>(kind)).Bind(3, identity.source);
      touch.Bind(4, identity.path).Bind(5, converter);
      if (touch.Step() != SQLITE_DONE) return impl_->Error(sqlite3_errmsg(impl_->db_));
    }
    return impl_->Bump(found ? "hits" : "misses");
  }));
  return found;
}

arrow::Status Cache::Commit(const CacheEntry& entry) {
  ARROW_RETURN_NOT_OK(CheckRelativePath(entry.identity.path));
  std::error_code error;
  auto bytes = fs::file_size(entry.local_path, error);
  if (error) {
    return MakeError(ErrorKind::kIo, {.file = entry.local_path},
                     "cannot record a cache entry whose file is missing");
  }
  return impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_, (std::string("INSERT OR REPLACE INTO entries (") + kEntryColumns +
                              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                                 .c_str());
    int64_t now = Now();
    st.Bind(1, static_cast<int64_t>(entry.kind))
        .Bind(2, entry.identity.source)
        .Bind(3, entry.identity.path);
    st.Bind(4, entry.converter).Bind(5, entry.identity.size).Bind(6, entry.identity.mtime);
    st.BindOptional(
        7, entry.identity.crc ? std::optional<int64_t>(*entry.identity.crc) : std::nullopt);
    st.Bind(8, entry.dataset).Bind(9, entry.local_path).Bind(10, static_cast<int64_t>(bytes));
    st.Bind(11, now).Bind(12, now);
    return st.Step() == SQLITE_DONE ? arrow::Status::OK()
                                    : impl_->Error(sqlite3_errmsg(impl_->db_));
  });
}

arrow::Result<std::vector<CacheEntry>> Cache::Entries() {
  std::vector<CacheEntry> entries;
  std::lock_guard lock(impl_->mutex_);
  Statement st(
      impl_->db_,
      (std::string("SELECT ") + kEntryColumns + " FROM entries ORDER BY source, path").c_str());
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) entries.push_back(EntryFromRow(st));
  if (rc != SQLITE_DONE) return impl_->Error(sqlite3_errmsg(impl_->db_));
  return entries;
}

arrow::Result<CacheInfo> Cache::Info() {
  CacheInfo info;
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  for (const CacheEntry& entry : entries) {
    bool raw = entry.kind == EntryKind::kRaw;
    (raw ? info.raw_entries : info.parquet_entries) += 1;
    (raw ? info.raw_bytes : info.parquet_bytes) += entry.bytes;
  }
  std::lock_guard lock(impl_->mutex_);
  Statement st(impl_->db_, "SELECT name, value FROM counters");
  while (st.Step() == SQLITE_ROW) {
    (st.Text(0) == "hits" ? info.hits : info.misses) = st.Int(1);
  }
  return info;
}

arrow::Result<int64_t> Cache::Clear(const ClearOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  int64_t cutoff = options.older_than_seconds ? Now() - *options.older_than_seconds : INT64_MAX;
  int64_t removed = 0;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    for (const CacheEntry& entry : entries) {
      if (options.kind && entry.kind != *options.kind) continue;
      if (options.dataset && entry.dataset != *options.dataset) continue;
      if (entry.last_used > cutoff) continue;
      ARROW_RETURN_NOT_OK(impl_->DeleteRow(entry));
      std::error_code ignored;
      fs::remove(entry.local_path, ignored);
      ++removed;
    }
    return arrow::Status::OK();
  }));
  return removed;
}

}  // namespace arrow_sus::cache
