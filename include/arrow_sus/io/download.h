// Fetching one file into a FileCache: freshness check, resume, verification, atomic commit.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include <arrow/result.h>

#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/identity.h"
#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

struct DownloadOptions {
  // Called once the version to fetch is known, before any byte moves, with the bytes already held
  // by a partial download that will be resumed (for progress totals).
  std::function<void(const FileIdentity&, int64_t resume_from)> on_start;
  // Called with the number of bytes just written (from the downloading thread).
  std::function<void(int64_t)> on_bytes;
  // Receives every byte of the file in order, from offset 0 (bytes of a resumed partial download
  // are replayed from disk first): the hook for decoding while downloading. Once it has received
  // bytes, a file that changes on the server can no longer be started over and is reported.
  ByteSink tee;
  // Times a download starts over from byte 0 because the file changed on the server or the
  // finished bytes failed verification.
  int max_restarts = 3;
};

struct DownloadResult {
  FileIdentity identity;  // the version now held locally
  std::filesystem::path local_path;
  bool up_to_date = false;    // the local copy was already this version: nothing was fetched
  int64_t bytes_fetched = 0;  // bytes transferred by this call
  int64_t resumed_from = 0;   // bytes of an earlier partial download that were kept
};

// Brings cache's copy of `path` up to date with the source. Nothing is fetched when the recorded
// identity matches the server's (a stat and a ranged read of the .dbc prefix only). Otherwise the
// file is streamed into a partial download (resuming one of the same version), verified (size, and
// the .dbc prefix against the identity), and committed. A copy that fails verification is never
// committed: the download starts over, and after max_restarts a kChecksum error is returned.
arrow::Result<DownloadResult> DownloadFile(Source& source, FileCache& cache, std::string_view path,
                                           const DownloadOptions& options = {});

// Checks a finished download against the identity it should have (size, record count, CRC field).
arrow::Status VerifyDownload(const std::filesystem::path& file, const FileIdentity& expected);

}  // namespace arrow_sus::io
