// Reading one member: its local header, then its data as a stream, stored bytes copied and
// deflated bytes inflated by Arrow's GZIP codec in raw-deflate mode (the zlib that ships inside
// the pyarrow wheel; no second copy of zlib is linked). The stream holds one input and one output
// chunk, so memory does not grow with the member; its size and CRC-32 are checked at its end.
#include <algorithm>
#include <cstdio>
#include <string>

#include <arrow/buffer.h>
#include <arrow/util/compression.h>

#include "arrow_sus/crc32.h"
#include "arrow_sus/io/zip_archive.h"
#include "io/zip_format.h"

namespace arrow_sus::io {

namespace {

using zip::Le16;
using zip::Le32;

class MemberStream final : public arrow::io::InputStream {
 public:
  MemberStream(std::shared_ptr<arrow::io::RandomAccessFile> file, std::string archive,
               ZipMember member, uint64_t data_offset, int64_t chunk_size,
               std::unique_ptr<arrow::util::Codec> codec,
               std::shared_ptr<arrow::util::Decompressor> decompressor)
      : file_(std::move(file)),
        archive_(std::move(archive)),
        member_(std::move(member)),
        data_offset_(data_offset),
        chunk_size_(chunk_size),
        codec_(std::move(codec)),
        decompressor_(std::move(decompressor)) {}

  arrow::Status Close() override {
    closed_ = true;
    return arrow::Status::OK();
  }
  bool closed() const override { return closed_; }
  arrow::Result<int64_t> Tell() const override {
    return static_cast<int64_t>(produced_) - (pending_end_ - pending_);
  }

  arrow::Result<int64_t> Read(int64_t nbytes, void* out) override {
    if (closed_) return arrow::Status::Invalid("the member stream is closed");
    auto* dst = static_cast<uint8_t*>(out);
    int64_t written = 0;
    while (written < nbytes) {
      if (pending_ == pending_end_) {
        if (done_) break;
        ARROW_RETURN_NOT_OK(Produce());
        continue;
      }
      const int64_t n = std::min<int64_t>(nbytes - written, pending_end_ - pending_);
      std::copy_n(output_->data() + pending_, n, dst + written);
      pending_ += n;
      written += n;
    }
    return written;
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> Read(int64_t nbytes) override {
    ARROW_ASSIGN_OR_RAISE(auto buffer, arrow::AllocateResizableBuffer(nbytes));
    ARROW_ASSIGN_OR_RAISE(int64_t n, Read(nbytes, buffer->mutable_data()));
    ARROW_RETURN_NOT_OK(buffer->Resize(n, /*shrink_to_fit=*/true));
    return std::shared_ptr<arrow::Buffer>(std::move(buffer));
  }

 private:
  arrow::Status Fail(ErrorKind kind, uint64_t offset, std::string_view message) const {
    return zip::Error(kind, archive_, offset, member_.name, message);
  }

  // Fills the output chunk with the next bytes of the member (or finishes it).
  arrow::Status Produce() {
    if (output_ == nullptr) {
      ARROW_ASSIGN_OR_RAISE(output_, arrow::AllocateBuffer(chunk_size_));
      if (decompressor_) {
        ARROW_ASSIGN_OR_RAISE(input_, arrow::AllocateBuffer(chunk_size_));
      }
    }
    pending_ = pending_end_ = 0;
    if (decompressor_ == nullptr) return ProduceStored();
    return ProduceInflated();
  }

  arrow::Status ProduceStored() {
    const uint64_t left = member_.uncompressed_size - produced_;
    if (left == 0) return Finish();
    const int64_t want = static_cast<int64_t>(std::min<uint64_t>(left, chunk_size_));
    const uint64_t at = data_offset_ + produced_;
    ARROW_ASSIGN_OR_RAISE(int64_t got,
                          file_->ReadAt(static_cast<int64_t>(at), want, output_->mutable_data()));
    if (got < want) return Fail(ErrorKind::kFormat, at + got, "the archive ends inside its data");
    return Accept(got);
  }

  arrow::Status ProduceInflated() {
    if (input_pos_ == input_end_ && consumed_ < member_.compressed_size) {
      const int64_t want = static_cast<int64_t>(
          std::min<uint64_t>(member_.compressed_size - consumed_, chunk_size_));
      const uint64_t at = data_offset_ + consumed_;
      ARROW_ASSIGN_OR_RAISE(int64_t got,
                            file_->ReadAt(static_cast<int64_t>(at), want, input_->mutable_data()));
      if (got < want) return Fail(ErrorKind::kFormat, at + got, "the archive ends inside its data");
      input_pos_ = 0;
      input_end_ = got;
      consumed_ += static_cast<uint64_t>(got);
    }
    // Room for one byte more than declared, so that a member inflating past its size is caught
    // after at most one extra byte rather than after whatever it expands to.
    const int64_t room = static_cast<int64_t>(
        std::min<uint64_t>(member_.uncompressed_size - produced_ + 1, chunk_size_));
    const uint64_t at = data_offset_ + consumed_ - (input_end_ - input_pos_);
    auto step = decompressor_->Decompress(input_end_ - input_pos_, input_->data() + input_pos_,
                                          room, output_->mutable_data());
    if (!step.ok())
      return Fail(ErrorKind::kFormat, at, "corrupt deflate data (" + step.status().message() + ")");
    input_pos_ += step->bytes_read;
    ARROW_RETURN_NOT_OK(Accept(step->bytes_written));
    if (decompressor_->IsFinished()) {
      if (input_pos_ != input_end_ || consumed_ != member_.compressed_size)
        return Fail(ErrorKind::kFormat, at + step->bytes_read,
                    "the deflate stream ends before the member's compressed data does");
      return Finish();
    }
    if (step->bytes_read == 0 && step->bytes_written == 0 && input_pos_ == input_end_ &&
        consumed_ == member_.compressed_size)
      return Fail(ErrorKind::kFormat, data_offset_ + consumed_,
                  "the deflate stream is truncated: its compressed data ends before the stream "
                  "does");
    return arrow::Status::OK();
  }

  // Takes `n` new bytes from the output chunk: CRC, size limit.
  arrow::Status Accept(int64_t n) {
    crc_ = Crc32Update(crc_, {output_->data(), static_cast<size_t>(n)});
    produced_ += static_cast<uint64_t>(n);
    pending_end_ = n;
    if (produced_ > member_.uncompressed_size)
      return Fail(ErrorKind::kFormat, member_.local_header_offset,
                  "inflates past the " + std::to_string(member_.uncompressed_size) +
                      " bytes its directory entry declares (a corrupt size or a zip bomb)");
    return arrow::Status::OK();
  }

  arrow::Status Finish() {
    done_ = true;
    if (produced_ != member_.uncompressed_size)
      return Fail(ErrorKind::kFormat, member_.local_header_offset,
                  "holds " + std::to_string(produced_) +
                      " bytes but its directory entry declares " +
                      std::to_string(member_.uncompressed_size) + " (truncated or corrupt)");
    if (crc_ != member_.crc32) {
      char text[96];
      std::snprintf(text, sizeof text,
                    "CRC-32 %08x of its bytes does not match the %08x its directory entry declares",
                    crc_, member_.crc32);
      return Fail(ErrorKind::kChecksum, member_.local_header_offset, text);
    }
    return arrow::Status::OK();
  }

  std::shared_ptr<arrow::io::RandomAccessFile> file_;
  std::string archive_;
  ZipMember member_;
  uint64_t data_offset_;
  int64_t chunk_size_;
  std::unique_ptr<arrow::util::Codec> codec_;                // owns what the decompressor uses
  std::shared_ptr<arrow::util::Decompressor> decompressor_;  // nullptr: stored
  std::shared_ptr<arrow::Buffer> input_, output_;
  int64_t input_pos_ = 0, input_end_ = 0;
  int64_t pending_ = 0, pending_end_ = 0;
  uint64_t consumed_ = 0;  // compressed bytes read from the file
  uint64_t produced_ = 0;  // member bytes produced
  uint32_t crc_ = 0;
  bool done_ = false;
  bool closed_ = false;
};

}  // namespace

arrow::Result<std::shared_ptr<arrow::io::InputStream>> ZipArchive::OpenMember(
    const ZipMember& member, int64_t chunk_size) const {
  auto fail = [&](uint64_t offset, const std::string& message) {
    return zip::Error(ErrorKind::kFormat, name_, offset, member.name, message);
  };
  if (member.is_directory) return fail(member.directory_offset, "is a directory, not a file");
  if (member.flags & zip::kFlagEncrypted)
    return fail(member.directory_offset, "is encrypted: not supported");
  if (member.method != zip::kMethodStored && member.method != zip::kMethodDeflated)
    return fail(member.directory_offset, "compression method " + std::to_string(member.method) +
                                             " (" + std::string(zip::MethodName(member.method)) +
                                             ") is not supported: only stored and deflate");
  if (member.method == zip::kMethodStored && member.compressed_size != member.uncompressed_size)
    return fail(member.directory_offset,
                "stored, yet its compressed and uncompressed sizes differ");
  if (chunk_size <= 0) return arrow::Status::Invalid("chunk_size must be positive");

  const uint64_t at = member.local_header_offset;
  ARROW_ASSIGN_OR_RAISE(auto header,
                        file_->ReadAt(static_cast<int64_t>(at), zip::kLocalHeaderSize));
  std::span<const uint8_t> hb(header->data(), static_cast<size_t>(header->size()));
  if (hb.size() != zip::kLocalHeaderSize || Le32(hb, 0) != zip::kLocalHeaderSignature)
    return fail(at, "no local file header where its directory entry points");
  const uint64_t data_offset = at + zip::kLocalHeaderSize + Le16(hb, 26) + Le16(hb, 28);
  ARROW_ASSIGN_OR_RAISE(const int64_t file_size, file_->GetSize());
  if (data_offset > static_cast<uint64_t>(file_size) ||
      member.compressed_size > static_cast<uint64_t>(file_size) - data_offset)
    return fail(at, "its data runs past the end of the archive (truncated)");

  std::unique_ptr<arrow::util::Codec> codec;
  std::shared_ptr<arrow::util::Decompressor> decompressor;
  if (member.method == zip::kMethodDeflated) {
    arrow::util::GZipCodecOptions options;
    options.gzip_format = arrow::util::GZipFormat::DEFLATE;  // raw deflate, as ZIP stores it
    ARROW_ASSIGN_OR_RAISE(codec, arrow::util::Codec::Create(arrow::Compression::GZIP, options));
    ARROW_ASSIGN_OR_RAISE(decompressor, codec->MakeDecompressor());
  }
  return std::make_shared<MemberStream>(file_, name_, member, data_offset, chunk_size,
                                        std::move(codec), std::move(decompressor));
}

arrow::Result<std::shared_ptr<arrow::Buffer>> ZipArchive::ReadMember(const ZipMember& member,
                                                                     int64_t max_size) const {
  if (member.uncompressed_size > static_cast<uint64_t>(max_size))
    return MakeError(ErrorKind::kInvalidArgument, {.file = name_},
                     "member \"" + member.name + "\" holds " +
                         std::to_string(member.uncompressed_size) + " bytes, more than the " +
                         std::to_string(max_size) + " this read accepts in memory");
  ARROW_ASSIGN_OR_RAISE(auto stream, OpenMember(member));
  ARROW_ASSIGN_OR_RAISE(auto buffer,
                        arrow::AllocateBuffer(static_cast<int64_t>(member.uncompressed_size)));
  ARROW_ASSIGN_OR_RAISE(int64_t n, stream->Read(buffer->size(), buffer->mutable_data()));
  // One more read reaches the end of the stream, where size and CRC are checked.
  uint8_t probe;
  ARROW_ASSIGN_OR_RAISE(int64_t extra, stream->Read(1, &probe));
  if (n != buffer->size() || extra != 0)
    return zip::Error(ErrorKind::kFormat, name_, member.local_header_offset, member.name,
                      "its size differs from the one its directory entry declares");
  return std::shared_ptr<arrow::Buffer>(std::move(buffer));
}

arrow::Status ZipArchive::Verify() const {
  std::vector<uint8_t> sink(1 << 20);
  for (const ZipMember& member : members_) {
    const bool readable =
        (member.flags & zip::kFlagEncrypted) == 0 &&
        (member.method == zip::kMethodStored || member.method == zip::kMethodDeflated);
    if (member.is_directory || !readable) continue;
    ARROW_ASSIGN_OR_RAISE(auto stream, OpenMember(member, 1 << 20));
    while (true) {
      ARROW_ASSIGN_OR_RAISE(int64_t n,
                            stream->Read(static_cast<int64_t>(sink.size()), sink.data()));
      if (n == 0) break;
    }
  }
  return arrow::Status::OK();
}

}  // namespace arrow_sus::io
