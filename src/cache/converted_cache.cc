#include "arrow_sus/cache/converted_cache.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"

namespace arrow_sus::cache {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS converted_entries (
  source TEXT NOT NULL, path TEXT NOT NULL, converter TEXT NOT NULL, format TEXT NOT NULL,
  size INTEGER NOT NULL, mtime INTEGER, records INTEGER, crc INTEGER, dataset TEXT NOT NULL,
  local_path TEXT NOT NULL, bytes INTEGER NOT NULL, created INTEGER NOT NULL, last_used INTEGER NOT NULL,
  checksums BLOB, PRIMARY KEY (source, path, converter, format));
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counters VALUES ('hits', 0), ('misses', 0);
)sql";

// Manifests written before Arrow IPC entries existed hold only Parquet entries, in their own table:
// they are moved over (their files stay where they are) so that they are still found and cleared.
constexpr const char* kMigrateParquetOnlyManifest = R"sql(
INSERT OR IGNORE INTO converted_entries
  SELECT source, path, converter, 'parquet', size, mtime, records, crc, dataset, local_path, bytes,
         created, last_used, NULL FROM parquet_entries;
DROP TABLE parquet_entries;
)sql";

// Manifests written before entries had checksums gain the column; their entries, without
// checksums, are misses (converted again) rather than read unverified.
constexpr const char* kAddChecksums = "ALTER TABLE converted_entries ADD COLUMN checksums BLOB";

// How long a process waits for another one holding the manifest's write lock.
constexpr int kBusyTimeoutMs = 30000;

constexpr const char* kColumns =
    "source, path, converter, format, size, mtime, records, crc, dataset, local_path, bytes, "
    "created, last_used, checksums";

// Each format's name (manifest, Python, CLI) and the file extension of its cache files.
struct FormatNames {
  ConvertedFormat format;
  const char* name;
  const char* extension;
};
constexpr FormatNames kFormatNames[] = {
    {ConvertedFormat::kArrowIpc, "ipc", ".arrow"},
    {ConvertedFormat::kParquet, "parquet", ".parquet"},
    {ConvertedFormat::kArrowIpcUncompressed, "ipc-uncompressed", ".uncompressed.arrow"},
};

const FormatNames& NamesOf(ConvertedFormat format) {
  for (const FormatNames& names : kFormatNames) {
    if (names.format == format) return names;
  }
  return kFormatNames[0];  // unreachable: every enumerator is listed
}

const char* Extension(ConvertedFormat format) { return NamesOf(format).extension; }

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
  Statement& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
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
  std::string Blob(int col) const {
    const void* blob = sqlite3_column_blob(stmt_, col);
    const int size = sqlite3_column_bytes(stmt_, col);
    return blob ? std::string(static_cast<const char*>(blob), static_cast<size_t>(size))
                : std::string();
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// A row of kColumns; a format this version does not know makes the row unusable (nullopt).
std::optional<ConvertedEntry> EntryFromRow(const Statement& row) {
  auto format = ParseConvertedFormat(row.Text(3));
  if (!format.ok()) return std::nullopt;
  ConvertedEntry entry;
  entry.source = row.Text(0);
  entry.identity.path = row.Text(1);
  entry.converter = row.Text(2);
  entry.format = *format;
  entry.identity.size = row.Int(4);
  entry.identity.mtime = row.Optional<int64_t>(5);
  entry.identity.records = row.Optional<uint32_t>(6);
  entry.identity.crc32 = row.Optional<uint32_t>(7);
  entry.dataset = row.Text(8);
  entry.local_path = row.Text(9);
  entry.bytes = row.Int(10);
  entry.created = row.Int(11);
  entry.last_used = row.Int(12);
  auto checksums = ChunkChecksums::Parse(row.Blob(13), entry.bytes);
  if (checksums.ok()) {
    entry.checksums = std::move(*checksums);
  } else {
    entry.checksums.file_bytes = -1;  // none recorded: the entry cannot be verified
  }
  return entry;
}

bool HasChecksums(const ConvertedEntry& entry) { return entry.checksums.file_bytes == entry.bytes; }

constexpr std::string_view kLockSuffix = ".lock";

// The lock every writer of the entry whose file is `local_path` holds.
fs::path LockOf(const std::string& local_path) { return local_path + std::string(kLockSuffix); }

// Removes an entry's lock file when nobody holds it (a removed entry needs none).
void RemoveFreeLockFile(const std::string& local_path) {
  std::error_code error;
  if (!fs::exists(LockOf(local_path), error)) return;
  auto lock = io::EntryLock::TryAcquire(LockOf(local_path));
  if (lock.ok() && lock->has_value()) (*lock)->RemoveFile();
}

// The lock of a temporary file under converted/ ("X.tmp-..." belongs to entry X).
std::optional<fs::path> LockOfTemporary(const fs::path& file) {
  const std::string name = file.filename().string();
  const std::string_view target = io::TemporaryTarget(name);
  if (target.empty()) return std::nullopt;
  return LockOf((file.parent_path() / target).string());
}

}  // namespace

const char* ConvertedFormatName(ConvertedFormat format) { return NamesOf(format).name; }

arrow::Result<ConvertedFormat> ParseConvertedFormat(std::string_view name) {
  std::string known;
  for (const FormatNames& names : kFormatNames) {
    if (name == names.name) return names.format;
    known += (known.empty() ? "'" : ", '") + std::string(names.name) + "'";
  }
  return MakeError(ErrorKind::kInvalidArgument, {},
                   "cache_format must be one of " + known + ", not '" + std::string(name) + "'");
}

class ConvertedCache::Impl {
 public:
  Impl(std::string root, sqlite3* db) : root_(std::move(root)), db_(db) {}
  ~Impl() { sqlite3_close(db_); }

  arrow::Status Error(const std::string& message) const {
    return MakeError(ErrorKind::kIo, {.file = (fs::path(root_) / "manifest.sqlite").string()},
                     message);
  }

  arrow::Status Exec(const char* sql, int* code = nullptr) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (code != nullptr) *code = rc;
    if (rc != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      return Error("cache manifest query failed: " + text);
    }
    return arrow::Status::OK();
  }

  // Switches a new manifest to WAL. That takes the database from a shared to an exclusive lock;
  // when two processes create the cache at once, both can hold the shared lock, and SQLite then
  // reports SQLITE_BUSY at once instead of waiting on the busy timeout (waiting could deadlock).
  // The switch is idempotent, so it is retried for as long as the busy timeout would have waited.
  arrow::Status EnableWal() {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
    for (;;) {
      int code = SQLITE_OK;
      arrow::Status status = Exec("PRAGMA journal_mode=WAL", &code);
      if (status.ok() || (code & 0xff) != SQLITE_BUSY ||
          std::chrono::steady_clock::now() > deadline) {
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
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

  arrow::Status Forget(const ConvertedEntry& entry) {
    Statement st(
        db_,
        "DELETE FROM converted_entries WHERE source = ? AND path = ? AND converter = ? AND "
        "format = ?");
    st.Bind(1, entry.source).Bind(2, entry.identity.path).Bind(3, entry.converter);
    st.Bind(4, std::string(ConvertedFormatName(entry.format)));
    ARROW_RETURN_NOT_OK(Done(st));
    // Unlinking leaves the file to whoever has it open or mapped; nothing is truncated in place.
    std::error_code ignored;
    fs::remove(entry.local_path, ignored);
    RemoveFreeLockFile(entry.local_path);
    return arrow::Status::OK();
  }

  std::string root_;
  sqlite3* db_;
  std::mutex mutex_;
};

ConvertedCache::ConvertedCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConvertedCache::~ConvertedCache() = default;

arrow::Result<std::shared_ptr<ConvertedCache>> ConvertedCache::Open(const std::string& root) {
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
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto impl = std::make_unique<Impl>(fs::absolute(root).string(), db);
  ARROW_RETURN_NOT_OK(impl->EnableWal());
  ARROW_RETURN_NOT_OK(impl->Exec("PRAGMA synchronous=NORMAL"));
  ARROW_RETURN_NOT_OK(impl->Transaction([&]() -> arrow::Status {
    ARROW_RETURN_NOT_OK(impl->Exec(kSchema));
    bool has_checksums = false;
    {
      Statement columns(impl->db_, "PRAGMA table_info(converted_entries)");
      while (columns.Step() == SQLITE_ROW) has_checksums |= columns.Text(1) == "checksums";
    }
    if (!has_checksums) ARROW_RETURN_NOT_OK(impl->Exec(kAddChecksums));
    bool parquet_only_manifest;
    {  // finalized before the migration drops the table it read
      Statement old(
          impl->db_,
          "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'parquet_entries'");
      parquet_only_manifest = old.Step() == SQLITE_ROW;
    }
    return parquet_only_manifest ? impl->Exec(kMigrateParquetOnlyManifest) : arrow::Status::OK();
  }));
  return std::shared_ptr<ConvertedCache>(new ConvertedCache(std::move(impl)));
}

const std::string& ConvertedCache::root() const { return impl_->root_; }

std::string ConvertedCache::PathFor(const std::string& source, const std::string& path,
                                    const std::string& converter, ConvertedFormat format) const {
  fs::path base = fs::path(impl_->root_) / "converted" / SourceDirectory(source) / path;
  return base.string() + "." + ShortHash(converter) + Extension(format);
}

arrow::Result<std::optional<ConvertedEntry>> ConvertedCache::Lookup(
    const std::string& source, const io::FileIdentity& identity, const std::string& converter,
    ConvertedFormat format) {
  ARROW_RETURN_NOT_OK(io::ValidateRelativePath(identity.path));
  const std::string format_name = ConvertedFormatName(format);
  std::optional<ConvertedEntry> found;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_, std::string("SELECT ") + kColumns +
                                 " FROM converted_entries WHERE source = ? AND path = ? AND "
                                 "converter = ? AND format = ?");
    st.Bind(1, source).Bind(2, identity.path).Bind(3, converter).Bind(4, format_name);
    if (st.Step() == SQLITE_ROW) {
      ConvertedEntry entry = *EntryFromRow(st);  // the query asked for a known format
      std::error_code error;
      auto on_disk = fs::file_size(entry.local_path, error);
      if (entry.identity.Matches(identity) && !error &&
          static_cast<int64_t>(on_disk) == entry.bytes && HasChecksums(entry)) {
        found = std::move(entry);
      } else {  // republished, damaged, deleted or unverifiable: forget it
        ARROW_RETURN_NOT_OK(impl_->Forget(entry));
      }
    }
    if (found) {
      Statement touch(
          impl_->db_,
          "UPDATE converted_entries SET last_used = ? WHERE source = ? AND path = ? AND "
          "converter = ? AND format = ?");
      touch.Bind(1, Now()).Bind(2, source).Bind(3, identity.path).Bind(4, converter);
      touch.Bind(5, format_name);
      ARROW_RETURN_NOT_OK(impl_->Done(touch));
    }
    return impl_->Bump(found ? "hits" : "misses");
  }));
  return found;
}

arrow::Status ConvertedCache::Commit(const ConvertedEntry& entry) {
  ARROW_RETURN_NOT_OK(io::ValidateRelativePath(entry.identity.path));
  std::error_code error;
  auto bytes = fs::file_size(entry.local_path, error);
  if (error) {
    return MakeError(ErrorKind::kIo, {.file = entry.local_path},
                     "cannot record a cache entry whose file is missing");
  }
  if (static_cast<int64_t>(bytes) != entry.checksums.file_bytes) {
    return MakeError(ErrorKind::kIo, {.file = entry.local_path},
                     "cannot record a cache entry whose checksums describe another file");
  }
  return impl_->Transaction([&]() -> arrow::Status {
    Statement st(impl_->db_, std::string("INSERT OR REPLACE INTO converted_entries (") + kColumns +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int64_t now = Now();
    st.Bind(1, entry.source).Bind(2, entry.identity.path).Bind(3, entry.converter);
    st.Bind(4, std::string(ConvertedFormatName(entry.format)));
    st.Bind(5, entry.identity.size).Bind(6, entry.identity.mtime).Bind(7, entry.identity.records);
    st.Bind(8, entry.identity.crc32).Bind(9, entry.dataset).Bind(10, entry.local_path);
    st.Bind(11, static_cast<int64_t>(bytes)).Bind(12, now).Bind(13, now);
    st.BindBlob(14, entry.checksums.Serialize());
    return impl_->Done(st);
  });
}

arrow::Result<std::optional<io::EntryLock>> ConvertedCache::TryLockEntry(
    const std::string& local_path) {
  ARROW_ASSIGN_OR_RAISE(std::optional<io::EntryLock> lock,
                        io::EntryLock::TryAcquire(LockOf(local_path)));
  if (lock) io::RemoveTemporariesOf(local_path);  // their writers are gone: we hold their lock
  return lock;
}

std::vector<io::TemporaryFile> ConvertedCache::Temporaries() const {
  return io::FindOrphanedTemporaries(fs::path(impl_->root_) / "converted", LockOfTemporary);
}

arrow::Result<int64_t> ConvertedCache::RemoveTemporaries(
    std::optional<int64_t> older_than_seconds) {
  return io::RemoveOrphanedTemporaries(fs::path(impl_->root_) / "converted", LockOfTemporary,
                                       older_than_seconds);
}

arrow::Status ConvertedCache::Forget(const ConvertedEntry& entry) {
  return impl_->Transaction([&] { return impl_->Forget(entry); });
}

arrow::Result<std::vector<ConvertedEntry>> ConvertedCache::Entries() {
  std::vector<ConvertedEntry> entries;
  std::lock_guard lock(impl_->mutex_);
  Statement st(impl_->db_, std::string("SELECT ") + kColumns +
                               " FROM converted_entries ORDER BY source, path, format");
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) {
    if (auto entry = EntryFromRow(st)) entries.push_back(std::move(*entry));
  }
  if (rc != SQLITE_DONE) return impl_->Error(sqlite3_errmsg(impl_->db_));
  return entries;
}

arrow::Result<ConvertedCacheInfo> ConvertedCache::Info() {
  ConvertedCacheInfo info;
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  for (const ConvertedEntry& entry : entries) {
    ++info.entries;
    info.bytes += entry.bytes;
    ConvertedUsage& usage = info.by_format[entry.format];
    ++usage.entries;
    usage.bytes += entry.bytes;
  }
  std::lock_guard lock(impl_->mutex_);
  Statement st(impl_->db_, "SELECT name, value FROM counters");
  while (st.Step() == SQLITE_ROW) (st.Text(0) == "hits" ? info.hits : info.misses) = st.Int(1);
  return info;
}

arrow::Result<int64_t> ConvertedCache::Clear(const ClearOptions& options) {
  ARROW_ASSIGN_OR_RAISE(auto entries, Entries());
  int64_t cutoff = options.older_than_seconds ? Now() - *options.older_than_seconds : INT64_MAX;
  int64_t removed = 0;
  ARROW_RETURN_NOT_OK(impl_->Transaction([&]() -> arrow::Status {
    for (const ConvertedEntry& entry : entries) {
      if (options.dataset && entry.dataset != *options.dataset) continue;
      if (options.format && entry.format != *options.format) continue;
      if (entry.last_used > cutoff) continue;
      ARROW_RETURN_NOT_OK(impl_->Forget(entry));
      ++removed;
    }
    return arrow::Status::OK();
  }));
  return removed;
}

}  // namespace arrow_sus::cache
