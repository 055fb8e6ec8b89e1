// Reading a remote file while it downloads ("decode while downloading").
//
// OpenRemoteFile starts DownloadFile on Arrow's IO thread pool and returns an
// arrow::io::RandomAccessFile over the partial download: a read of bytes that have not arrived yet
// waits for them, so a decoder (OpenDbcStream, the DBF reader) works on the first records while
// the rest is still on the wire and the total time is the download time. The bytes take one path:
// network -> partial file in the cache -> reader; memory stays bounded by the reader's own
// buffers. Should no pool thread start the download before the reader needs its first bytes (the
// pool busy, or `use_threads` false), the reader runs the whole download itself, then reads. The
// cache commit (after the size and full CRC-32 checks) happens in the download, once the reader has
// read to the end (or closed the file), so that verification never competes with the reader's own
// decoding; Close() waits for it. A failed download fails the read that waits for the missing bytes
// with the download's error; a file that changes on the server after bytes were read fails instead
// of splicing two versions. Closing the file early stops the download and keeps the partial file
// for a resume.
#pragma once

#include <memory>
#include <string>

#include <arrow/io/interfaces.h>
#include <arrow/result.h>

#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/download.h"
#include "arrow_sus/io/source.h"

namespace arrow_sus::io {

// `options.on_start` / `on_bytes` are still called (e.g. for progress); `path` is relative to the
// source root. When the cache already holds the current version the local copy is opened.
arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenRemoteFile(
    std::shared_ptr<Source> source, FileCache cache, std::string path, DownloadOptions options = {},
    bool use_threads = true);

}  // namespace arrow_sus::io
