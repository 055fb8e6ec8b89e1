// Opening DbfReaders over files and .dbc containers.
#include <filesystem>
#include <string>

#include <arrow/buffer.h>
#include <arrow/io/file.h>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"

namespace arrow_sus::dbf {

arrow::Result<std::shared_ptr<arrow::io::ReadableFile>> OpenLocalFile(const std::string& path) {
  std::error_code ec;
  const ErrorLocation where{.file = path, .offset = {}, .row = {}, .field = {}};
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(ErrorKind::kNotFound, where, "no such file");
  }
  auto file = arrow::io::ReadableFile::Open(path);
  if (!file.ok()) return MakeError(ErrorKind::kIo, where, file.status().message());
  return file;
}

arrow::Result<std::shared_ptr<DbfReader>> OpenDbfFile(const std::string& path,
                                                      ReadOptions options) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenLocalFile(path));
  return DbfReader::Make(std::move(file), std::move(options), SourceInfo{path, std::nullopt});
}

arrow::Result<std::shared_ptr<DbfReader>> OpenDbc(std::shared_ptr<arrow::io::RandomAccessFile> file,
                                                  std::string name, ReadOptions options,
                                                  DbcOptions dbc_options) {
  // The header and stored CRC are uncompressed at the start: read them for the metadata, then
  // decompress from the beginning.
  ARROW_ASSIGN_OR_RAISE(auto first, file->ReadAt(0, 10));
  ARROW_ASSIGN_OR_RAISE(size_t header_length, DbfHeaderLength(first->span_as<uint8_t>(), name));
  ARROW_ASSIGN_OR_RAISE(auto prefix_bytes,
                        file->ReadAt(0, static_cast<int64_t>(header_length) + 4));
  ARROW_ASSIGN_OR_RAISE(DbcPrefix prefix, ParseDbcPrefix(prefix_bytes->span_as<uint8_t>(), name));
  ARROW_RETURN_NOT_OK(file->Seek(0));
  ARROW_ASSIGN_OR_RAISE(auto stream, OpenDbcStream(std::move(file), name, dbc_options));
  return DbfReader::Make(std::move(stream), std::move(options), SourceInfo{name, prefix.crc});
}

arrow::Result<std::shared_ptr<DbfReader>> OpenDbcFile(const std::string& path, ReadOptions options,
                                                      DbcOptions dbc_options) {
  ARROW_ASSIGN_OR_RAISE(auto file, OpenLocalFile(path));
  return OpenDbc(std::move(file), path, std::move(options), dbc_options);
}

}  // namespace arrow_sus::dbf
