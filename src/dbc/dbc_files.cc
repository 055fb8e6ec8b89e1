// .dbc <-> .dbf file conversions, streaming, written to a temporary file renamed at the end.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <arrow/io/file.h>

#include "arrow_sus/crc32.h"
#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"
#include "arrow_sus/error.h"
#include "arrow_sus/output_target.h"
#include "dbc/dbc_internal.h"

namespace arrow_sus {

namespace {

constexpr size_t kChunk = 1 << 20;

arrow::Status IoError(const std::string& file, const std::string& what) {
  ErrorLocation where;
  where.file = file;
  return MakeError(ErrorKind::kIo, std::move(where), what);
}

arrow::Status RequireFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    ErrorLocation where;
    where.file = path;
    return MakeError(ErrorKind::kNotFound, std::move(where), "no such file");
  }
  return arrow::Status::OK();
}

// A file written under a unique temporary name next to its destination; Commit() moves it into
// place under the output rules (arrow_sus/output_target.h), and the destructor removes it if
// Commit() was never reached.
class TempFile {
 public:
  static arrow::Result<std::unique_ptr<TempFile>> Create(const std::string& dst,
                                                         OutputRules rules) {
    ARROW_RETURN_NOT_OK(CheckOutputTarget(dst, OutputKind::kFile, rules));
    std::string tmp = TemporaryOutputPath(dst).string();
    std::FILE* f = std::fopen(tmp.c_str(), "wbx");
    if (f == nullptr) return IoError(dst, "cannot create temporary file " + tmp);
    return std::unique_ptr<TempFile>(new TempFile(dst, std::move(tmp), f, std::move(rules)));
  }
  ~TempFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!committed_) std::remove(tmp_.c_str());
  }

  arrow::Status Write(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return arrow::Status::OK();
    if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
      return IoError(dst_, "write failed (disk full?)");
    return arrow::Status::OK();
  }
  arrow::Status WriteAt(uint64_t offset, std::span<const uint8_t> bytes) {
    if (std::fseek(file_, static_cast<long>(offset), SEEK_SET) != 0)
      return IoError(dst_, "seek failed");
    return Write(bytes);
  }
  arrow::Status Commit() {
    int rc = std::fclose(file_);
    file_ = nullptr;
    if (rc != 0) return IoError(dst_, "write failed while closing");
    ARROW_RETURN_NOT_OK(CommitOutput(tmp_, dst_, OutputKind::kFile, rules_));
    committed_ = true;
    return arrow::Status::OK();
  }

 private:
  TempFile(std::string dst, std::string tmp, std::FILE* f, OutputRules rules)
      : dst_(std::move(dst)), tmp_(std::move(tmp)), file_(f), rules_(std::move(rules)) {}
  std::string dst_;
  std::string tmp_;
  std::FILE* file_;
  OutputRules rules_;
  bool committed_ = false;
};

// The rules for converting `src`: it is an input, never written over.
OutputRules ConversionRules(const std::string& src, OutputRules rules) {
  rules.inputs.emplace_back(src);
  return rules;
}

}  // namespace

arrow::Status DbcToDbf(const std::string& src, const std::string& dst, DbcOptions options,
                       const OutputRules& rules) {
  ARROW_RETURN_NOT_OK(RequireFile(src));
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(src));
  ARROW_ASSIGN_OR_RAISE(auto dbf, OpenDbcStream(file, src, options));
  ARROW_ASSIGN_OR_RAISE(auto out, TempFile::Create(dst, ConversionRules(src, rules)));
  std::vector<uint8_t> chunk(kChunk);
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, dbf->Read(static_cast<int64_t>(kChunk), chunk.data()));
    if (n == 0) break;
    ARROW_RETURN_NOT_OK(out->Write({chunk.data(), static_cast<size_t>(n)}));
  }
  return out->Commit();
}

arrow::Status DbfToDbc(const std::string& src, const std::string& dst, int dictionary_bits,
                       const OutputRules& rules) {
  ARROW_RETURN_NOT_OK(RequireFile(src));
  ARROW_ASSIGN_OR_RAISE(DclEncoder encoder, DclEncoder::Make({.dictionary_bits = dictionary_bits}));
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(src));
  std::vector<uint8_t> header(10);
  ARROW_ASSIGN_OR_RAISE(int64_t got, file->ReadAt(0, 10, header.data()));
  header.resize(static_cast<size_t>(got));
  ARROW_ASSIGN_OR_RAISE(size_t header_length, DbfHeaderLength(header, src));
  header.resize(header_length);
  ARROW_ASSIGN_OR_RAISE(got, file->ReadAt(0, static_cast<int64_t>(header_length), header.data()));
  if (static_cast<size_t>(got) < header_length)
    return FormatErrorAt(
        src, static_cast<uint64_t>(got),
        "truncated DBF: the header declares " + std::to_string(header_length) + " bytes");
  ARROW_RETURN_NOT_OK(file->Seek(static_cast<int64_t>(header_length)));

  ARROW_ASSIGN_OR_RAISE(auto out, TempFile::Create(dst, ConversionRules(src, rules)));
  ARROW_RETURN_NOT_OK(out->Write(header));
  ARROW_RETURN_NOT_OK(out->Write(std::vector<uint8_t>(4, 0)));  // the CRC, filled in at the end
  uint32_t crc = Crc32(header);
  std::vector<uint8_t> chunk(kChunk);
  std::vector<uint8_t> packed;
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(int64_t n, file->Read(static_cast<int64_t>(kChunk), chunk.data()));
    if (n == 0) break;
    std::span<const uint8_t> data(chunk.data(), static_cast<size_t>(n));
    crc = Crc32Update(crc, data);
    packed.clear();
    encoder.Write(data, &packed);
    ARROW_RETURN_NOT_OK(out->Write(packed));
  }
  packed.clear();
  encoder.Finish(&packed);
  ARROW_RETURN_NOT_OK(out->Write(packed));
  uint8_t crc_bytes[4];
  for (int i = 0; i < 4; ++i) crc_bytes[i] = static_cast<uint8_t>(crc >> (8 * i));
  ARROW_RETURN_NOT_OK(out->WriteAt(header_length, crc_bytes));
  return out->Commit();
}

}  // namespace arrow_sus
