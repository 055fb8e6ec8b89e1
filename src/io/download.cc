#include "arrow_sus/io/download.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

#include <arrow/io/file.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/io/zip_archive.h"

#include "arrow_sus/error.h"

namespace arrow_sus::io {

namespace fs = std::filesystem;

namespace {

// An append-only file descriptor that is flushed to disk before it is closed.
class AppendFile {
 public:
  static arrow::Result<AppendFile> Open(const fs::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return MakeError(ErrorKind::kIo, {.file = path.string()},
                       "cannot open for writing: " + std::generic_category().message(errno));
    return AppendFile(fd, path);
  }
  AppendFile(AppendFile&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  ~AppendFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  arrow::Status Write(std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return MakeError(ErrorKind::kIo, {.file = path_.string()},
                         "cannot write: " + std::generic_category().message(errno));
      bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return arrow::Status::OK();
  }

  arrow::Status Sync() {
    if (::fsync(fd_) != 0)
      return MakeError(ErrorKind::kIo, {.file = path_.string()},
                       "cannot flush to disk: " + std::generic_category().message(errno));
    return arrow::Status::OK();
  }

 private:
  AppendFile(int fd, fs::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  fs::path path_;
};

// The server's identity of `path`, from a stat alone. When the cache holds a copy of the same size
// and mtime, its recorded record count and CRC are trusted (they were read from verified bytes), so
// re-running a finished download reads no byte of any file; a file that has to be fetched takes
// them from its own downloaded bytes.
arrow::Result<FileIdentity> ServerIdentity(Source& source, const FileCache& cache,
                                           std::string_view path) {
  ARROW_ASSIGN_OR_RAISE(RemoteEntry entry, source.Stat(path));
  FileIdentity id;
  id.path = std::string(path);
  id.size = entry.size;
  id.mtime = entry.mtime;
  ARROW_ASSIGN_OR_RAISE(auto recorded, cache.Recorded(path));
  if (recorded && SameVersion(recorded->AsEntry(), entry)) {
    id.records = recorded->records;
    id.crc32 = recorded->crc32;
  }
  return id;
}

}  // namespace

arrow::Status VerifyDownload(const fs::path& file, const FileIdentity& expected) {
  ARROW_ASSIGN_OR_RAISE(FileIdentity local, LocalIdentity(file, expected.path));
  if (local.size != expected.size)
    return MakeError(ErrorKind::kChecksum, {.file = expected.path},
                     "downloaded " + std::to_string(local.size) + " bytes but the server lists " +
                         std::to_string(expected.size));
  if ((local.records && expected.records && *local.records != *expected.records) ||
      (local.crc32 && expected.crc32 && *local.crc32 != *expected.crc32))
    return MakeError(ErrorKind::kChecksum, {.file = expected.path},
                     "the downloaded header does not match the server's (record count or CRC-32 "
                     "differ): corrupt transfer");
  if (HasZipSuffix(expected.path)) {
    // Every member inflates to its declared size and CRC-32: a corrupt archive is fetched again.
    ARROW_ASSIGN_OR_RAISE(auto zip_file, arrow::io::ReadableFile::Open(file.string()));
    ARROW_ASSIGN_OR_RAISE(auto archive, ZipArchive::Open(std::move(zip_file), expected.path));
    return archive->Verify();
  }
  if (!HasDbcPrefix(expected.path)) return arrow::Status::OK();
  // Decompress everything: the stream checks the stored CRC-32 when it reaches the end.
  ARROW_ASSIGN_OR_RAISE(auto compressed, arrow::io::ReadableFile::Open(file.string()));
  ARROW_ASSIGN_OR_RAISE(auto dbf, OpenDbcStream(compressed, expected.path));
  while (true) {
    ARROW_ASSIGN_OR_RAISE(auto chunk, dbf->Read(1 << 20));
    if (chunk->size() == 0) break;
  }
  return compressed->Close();
}

arrow::Result<DownloadResult> DownloadFile(Source& source, FileCache& cache, std::string_view path,
                                           const DownloadOptions& options) {
  ARROW_RETURN_NOT_OK(cache.CheckPath(path));
  DownloadResult result;
  std::optional<EntryLock> lock;
  if (options.known_identity && options.known_identity->path == path) {
    result.identity = *options.known_identity;
  } else {
    ARROW_ASSIGN_OR_RAISE(result.identity, ServerIdentity(source, cache, path));
  }
  ARROW_ASSIGN_OR_RAISE(auto cached, cache.Lookup(result.identity));
  if (!cached) {
    // One writer per entry: wait for any other, then look again, since it may have just committed
    // this very version.
    ARROW_ASSIGN_OR_RAISE(lock, cache.LockEntry(path, options.keep_waiting));
    ARROW_ASSIGN_OR_RAISE(cached, cache.Lookup(result.identity));
  }
  if (cached) {
    result.local_path = *cached;
    result.up_to_date = true;
    return result;
  }

  arrow::Status last_failure;
  for (int restart = 0; restart <= options.max_restarts; ++restart) {
    if (restart > 0) {
      // Start over with whatever version the server holds now.
      ARROW_RETURN_NOT_OK(cache.DiscardPartial(path, *lock));
      ARROW_ASSIGN_OR_RAISE(result.identity, ServerIdentity(source, cache, path));
    }
    ARROW_ASSIGN_OR_RAISE(PartialDownload partial, cache.BeginWrite(result.identity, *lock));
    result.resumed_from = partial.resume_offset;
    if (options.on_start) options.on_start(result.identity, partial);
    ARROW_ASSIGN_OR_RAISE(AppendFile out, AppendFile::Open(partial.temp_path));
    ByteSink write = [&](std::span<const uint8_t> bytes) -> arrow::Status {
      ARROW_RETURN_NOT_OK(out.Write(bytes));
      result.bytes_fetched += static_cast<int64_t>(bytes.size());
      return options.on_bytes ? options.on_bytes(static_cast<int64_t>(bytes.size()))
                              : arrow::Status::OK();
    };
    arrow::Status fetched = arrow::Status::OK();
    if (partial.resume_offset < result.identity.size)
      fetched = source.Read(path, partial.resume_offset, write, result.identity.AsEntry());
    if (fetched.ok()) fetched = out.Sync();
    if (fetched.ok() && options.before_verify) fetched = options.before_verify();
    if (fetched.ok()) fetched = VerifyDownload(partial.temp_path, result.identity);
    if (fetched.ok()) {
      // Record count and CRC as the verified bytes hold them.
      ARROW_ASSIGN_OR_RAISE(FileIdentity local, LocalIdentity(partial.temp_path, path));
      result.identity.records = local.records;
      result.identity.crc32 = local.crc32;
      ARROW_RETURN_NOT_OK(cache.Commit(result.identity, *lock));
      ARROW_ASSIGN_OR_RAISE(auto committed, cache.Lookup(result.identity));
      result.local_path = committed.value_or(cache.root() / path);
      return result;
    }
    const ErrorDetail* detail = GetErrorDetail(fetched);
    const bool corrupt = detail != nullptr && (detail->kind() == ErrorKind::kChecksum ||
                                               detail->kind() == ErrorKind::kFormat);
    if (!fetched.ok() &&
        (fetched.IsCancelled() || (detail != nullptr && detail->kind() == ErrorKind::kCancelled)))
      return fetched;
    if (!corrupt) {
      // Retries are exhausted or the failure is permanent. Only a file that changed on the server
      // is worth starting over; otherwise the partial download stays for the next run to resume.
      auto now = ServerIdentity(source, cache, path);
      if (!now.ok() || now->Matches(result.identity)) return fetched;
    }
    last_failure = fetched;
  }
  ARROW_RETURN_NOT_OK(cache.DiscardPartial(path, *lock));
  return MakeError(ErrorKind::kChecksum, {.file = std::string(path)},
                   "no verified copy after " + std::to_string(options.max_restarts + 1) +
                       " complete downloads; last failure: " + last_failure.message());
}

}  // namespace arrow_sus::io
