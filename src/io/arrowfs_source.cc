// file:// and s3:// sources: Arrow's LocalFileSystem and S3FileSystem behind the Source interface.
#include <arrow/filesystem/localfs.h>
#include <arrow/filesystem/s3fs.h>
#include <arrow/io/interfaces.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "arrow_sus/error.h"
#include "arrow_sus/io/path_safety.h"
#include "io/schemes.h"

namespace arrow_sus::io {

namespace {

constexpr int64_t kChunk = 1 << 20;

class ArrowFsSource final : public Source {
 public:
  ArrowFsSource(std::string url, std::shared_ptr<arrow::fs::FileSystem> fs, std::string root,
                bool remote, const SourceOptions& options)
      : Source(options),
        url_(std::move(url)),
        fs_(std::move(fs)),
        root_(std::move(root)),
        remote_(remote) {}

  const std::string& url() const override { return url_; }

 protected:
  arrow::Result<std::vector<RemoteEntry>> ListOnce(std::string_view dir) override {
    arrow::fs::FileSelector selector;
    selector.base_dir = PathFor(dir);
    auto infos = fs_->GetFileInfo(selector);
    if (!infos.ok()) return Translate(infos.status(), dir);
    std::vector<RemoteEntry> entries;
    for (const arrow::fs::FileInfo& info : *infos) {
      ARROW_RETURN_NOT_OK(WithFile(ValidateEntryName(info.base_name()), dir.empty() ? "/" : dir));
      entries.push_back(ToEntry(info));
    }
    std::sort(entries.begin(), entries.end(),
              [](const RemoteEntry& a, const RemoteEntry& b) { return a.name < b.name; });
    return entries;
  }

  arrow::Result<RemoteEntry> StatOnce(std::string_view path) override {
    auto info = fs_->GetFileInfo(PathFor(path));
    if (!info.ok()) return Translate(info.status(), path);
    if (info->type() == arrow::fs::FileType::NotFound)
      return MakeError(ErrorKind::kNotFound, {.file = std::string(path)},
                       "no such file on the server");
    return ToEntry(*info);
  }

  arrow::Status ReadOnce(std::string_view path, int64_t offset, std::optional<int64_t> length,
                         const ByteSink& sink) override {
    auto file = fs_->OpenInputFile(PathFor(path));
    if (!file.ok()) return Translate(file.status(), path);
    int64_t position = offset;
    const int64_t end = length ? offset + *length : INT64_MAX;
    while (position < end) {
      auto chunk = (*file)->ReadAt(position, std::min(kChunk, end - position));
      if (!chunk.ok()) return Translate(chunk.status(), path);
      if ((*chunk)->size() == 0) break;
      ARROW_RETURN_NOT_OK(sink(std::span<const uint8_t>((*chunk)->data(), (*chunk)->size())));
      position += (*chunk)->size();
    }
    return arrow::Status::OK();
  }

 private:
  std::string PathFor(std::string_view path) const {
    return path.empty() ? root_ : root_ + "/" + std::string(path);
  }

  static RemoteEntry ToEntry(const arrow::fs::FileInfo& info) {
    RemoteEntry entry;
    entry.name = info.base_name();
    entry.is_dir = info.IsDirectory();
    entry.size = entry.is_dir ? -1 : info.size();
    if (info.mtime() != arrow::fs::kNoTime)
      entry.mtime =
          std::chrono::duration_cast<std::chrono::seconds>(info.mtime().time_since_epoch()).count();
    return entry;
  }

  // Arrow reports a missing path as IOError with ENOENT (local) or a 404 (S3); S3 failures other
  // than that are network failures worth retrying, local ones are not.
  arrow::Status Translate(const arrow::Status& status, std::string_view path) const {
    const std::string file(path);
    const std::string& message = status.message();
    if (message.find("No such file") != std::string::npos ||
        message.find("does not exist") != std::string::npos ||
        message.find("Path does not exist") != std::string::npos ||
        message.find("NOT_FOUND") != std::string::npos || status.IsKeyError())
      return MakeError(ErrorKind::kNotFound, {.file = file},
                       "no such file on the server (" + message + ")");
    return MakeError(remote_ ? ErrorKind::kNetwork : ErrorKind::kIo, {.file = file}, message);
  }

  std::string url_;
  std::shared_ptr<arrow::fs::FileSystem> fs_;
  std::string root_;
  bool remote_;
};

}  // namespace

arrow::Result<std::shared_ptr<Source>> OpenArrowFsSource(ParsedUrl url,
                                                         const SourceOptions& options) {
  if (url.scheme == "file") {
    if (!url.authority.empty() && url.authority != "localhost")
      return MakeError(ErrorKind::kInvalidArgument, {},
                       "file:// URLs name a local path: file:///path (got '" + url.text + "')");
    if (url.root.empty()) url.root = "/";
    return std::make_shared<ArrowFsSource>(url.text, std::make_shared<arrow::fs::LocalFileSystem>(),
                                           url.root, /*remote=*/false, options);
  }
  ARROW_RETURN_NOT_OK(arrow::fs::EnsureS3Initialized());
  std::string bucket_and_prefix;
  auto s3_options = arrow::fs::S3Options::FromUri(url.text, &bucket_and_prefix);
  if (!s3_options.ok())
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "invalid S3 URL '" + url.text + "': " + s3_options.status().message());
  s3_options->connect_timeout = static_cast<double>(options.connect_timeout.count()) / 1000.0;
  auto fs = arrow::fs::S3FileSystem::Make(*s3_options);
  if (!fs.ok())
    return MakeError(ErrorKind::kNetwork, {}, "cannot open S3 source: " + fs.status().message());
  while (!bucket_and_prefix.empty() && bucket_and_prefix.back() == '/')
    bucket_and_prefix.pop_back();
  return std::make_shared<ArrowFsSource>(url.text, *fs, bucket_and_prefix, /*remote=*/true,
                                         options);
}

}  // namespace arrow_sus::io
