// Where outputs may be written (arrow_sus/output_target.h), for the Python writers: the CLI's get,
// convert and sql, and Scan.to_parquet (python/arrow_sus/_output_target.py); and the Parquet writer
// they write with (cache/parquet_files.h: row groups bounded by bytes).
#include <algorithm>
#include <cctype>

#include <arrow/c/abi.h>
#include <arrow/c/bridge.h>
#include <arrow/util/compression.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include "arrow_sus/cache/ipc_files.h"
#include "arrow_sus/cache/parquet_files.h"
#include "arrow_sus/error.h"
#include "arrow_sus/output_target.h"
#include "python/bindings.h"

namespace arrow_sus::python {

using namespace nb::literals;

namespace {

OutputKind KindOf(bool directory) { return directory ? OutputKind::kDirectory : OutputKind::kFile; }

OutputRules RulesOf(bool overwrite, std::vector<std::filesystem::path> inputs,
                    std::vector<std::filesystem::path> protected_roots,
                    std::string overwrite_hint) {
  return {.overwrite = overwrite,
          .inputs = std::move(inputs),
          .protected_roots = std::move(protected_roots),
          .overwrite_hint = std::move(overwrite_hint)};
}

// The pointer a PyCapsule of the Arrow C data interface holds (`name`: "arrow_schema",
// "arrow_array").
template <typename T>
T* CapsulePointer(nb::handle capsule, const char* name) {
  auto* pointer = static_cast<T*>(PyCapsule_GetPointer(capsule.ptr(), name));
  if (pointer == nullptr) throw nb::python_error();
  return pointer;
}

arrow::Compression::type CompressionNamed(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "none") return arrow::Compression::UNCOMPRESSED;
  if (name == "lz4") return arrow::Compression::LZ4_HADOOP;  // what Parquet calls LZ4 (as pyarrow)
  auto type = arrow::util::Codec::GetCompressionType(name);
  if (!type.ok() || !arrow::util::Codec::IsAvailable(*type)) {
    ThrowIfError(MakeError(ErrorKind::kInvalidArgument, {},
                           "unknown Parquet compression '" + name +
                               "' (expected zstd, snappy, gzip, brotli, lz4 or none)"));
  }
  return *type;
}

// An output file written batch by batch by the engine: Parquet (row groups bounded by rows and
// bytes) or Arrow IPC (dictionaries unified over the stream). Schemas and batches come through the
// Arrow C data interface (__arrow_c_schema__, __arrow_c_array__).
class BatchOutput {
 public:
  explicit BatchOutput(std::unique_ptr<cache::BatchFileWriter> writer)
      : writer_(std::move(writer)) {}

  void WriteBatch(nb::handle batch) {
    if (writer_ == nullptr) ThrowIfError(arrow::Status::Invalid("the output is closed"));
    nb::tuple capsules = nb::cast<nb::tuple>(batch.attr("__arrow_c_array__")());
    auto imported = ValueOrThrow(
        arrow::ImportRecordBatch(CapsulePointer<ArrowArray>(capsules[1], "arrow_array"),
                                 CapsulePointer<ArrowSchema>(capsules[0], "arrow_schema")));
    nb::gil_scoped_release released;
    ThrowIfError(writer_->Write(*imported));
  }

  void Close() {
    if (writer_ == nullptr) return;
    auto writer = std::move(writer_);
    nb::gil_scoped_release released;
    ThrowIfError(writer->Close());
  }

 private:
  std::unique_ptr<cache::BatchFileWriter> writer_;
};

std::shared_ptr<arrow::Schema> SchemaFromPython(nb::handle schema) {
  nb::object capsule = schema.attr("__arrow_c_schema__")();
  return ValueOrThrow(arrow::ImportSchema(CapsulePointer<ArrowSchema>(capsule, "arrow_schema")));
}

}  // namespace

void BindOutput(nb::module_& m) {
  m.def(
      "output_check",
      [](const std::filesystem::path& target, bool directory, bool overwrite,
         std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        ThrowIfError(
            CheckOutputTarget(target, KindOf(directory),
                              RulesOf(overwrite, std::move(inputs), std::move(protected_roots),
                                      std::move(overwrite_hint))));
      },
      "target"_a, "directory"_a, "overwrite"_a, "inputs"_a, "protected_roots"_a,
      "overwrite_hint"_a);
  m.def(
      "output_commit",
      [](const std::filesystem::path& temp, const std::filesystem::path& target, bool directory,
         bool overwrite, std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        ThrowIfError(CommitOutput(temp, target, KindOf(directory),
                                  RulesOf(overwrite, std::move(inputs), std::move(protected_roots),
                                          std::move(overwrite_hint))));
      },
      "temp"_a, "target"_a, "directory"_a, "overwrite"_a, "inputs"_a, "protected_roots"_a,
      "overwrite_hint"_a);
  m.def("output_temporary_path", &TemporaryOutputPath, "target"_a);
  m.def("output_written_by_arrow_sus", &WrittenByArrowSus, "path"_a);
  nb::class_<BatchOutput>(m, "BatchOutput")
      .def("write_batch", &BatchOutput::WriteBatch, "batch"_a)
      .def("close", &BatchOutput::Close);
  m.def(
      "parquet_output",
      [](const std::string& path, nb::handle schema, const std::string& compression,
         int64_t row_group_bytes) {
        auto imported = SchemaFromPython(schema);
        cache::ParquetWriteOptions options{.compression = CompressionNamed(compression)};
        if (row_group_bytes > 0) options.row_group_bytes = row_group_bytes;
        nb::gil_scoped_release released;
        return BatchOutput(ValueOrThrow(cache::OpenParquetOutput(path, imported, options)));
      },
      "path"_a, "schema"_a, "compression"_a, "row_group_bytes"_a = 0,
      "A Parquet file at `path`, written batch by batch (cache/parquet_files.h).");
  m.def(
      "ipc_output",
      [](const std::string& path, nb::handle schema) {
        return BatchOutput(ValueOrThrow(cache::OpenIpcOutput(path, SchemaFromPython(schema))));
      },
      "path"_a, "schema"_a,
      "An Arrow IPC file at `path`, written batch by batch (cache/ipc_files.h).");
}

}  // namespace arrow_sus::python
