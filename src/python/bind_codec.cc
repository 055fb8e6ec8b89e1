// arrow_sus._core codec functions: .dbc <-> .dbf conversion and the raw DCL codec. Every function
// releases the GIL while it works.
#include <nanobind/nanobind.h>
#include <nanobind/stl/filesystem.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <Python.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arrow_sus/dbc.h"
#include "arrow_sus/dcl.h"
#include "core/memory_advice.h"
#include "python/bindings.h"

namespace arrow_sus::python {

namespace {

using namespace nb::literals;

std::span<const uint8_t> View(const nb::bytes& data) {
  return {static_cast<const uint8_t*>(data.data()), data.size()};
}

nb::bytes ToBytes(const std::vector<uint8_t>& bytes) {
  return nb::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Runs `work` without the GIL and converts its arrow::Result into bytes (or a typed exception).
template <typename Work>
nb::bytes BytesWithoutGil(Work work) {
  arrow::Result<std::vector<uint8_t>> result = [&] {
    nb::gil_scoped_release release;
    return work();
  }();
  return ToBytes(ValueOrThrow(std::move(result)));
}

// Decodes straight into a Python bytes object sized from the header: the output is written once,
// in place, and checksummed slice by slice while still in cache. A header that announces fewer
// records than the file holds falls back to DecompressDbc (room up to the header's bound, past
// which decoding fails) and one copy.
nb::bytes DecompressDbcToBytes(const nb::bytes& data, bool verify_crc, const std::string& name) {
  std::span<const uint8_t> dbc = View(data);
  const size_t capacity = DecompressedSizeHint(ValueOrThrow(ParseDbcPrefix(dbc, name)), dbc.size());
  PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(capacity));
  if (out == nullptr) throw nb::python_error();
  nb::object owner = nb::steal(out);
  auto* dst = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(out));
  AdviseHugePages(dst, capacity);
  const DbcOptions options{.verify_crc = verify_crc};
  arrow::Result<std::optional<size_t>> written = [&] {
    nb::gil_scoped_release release;
    return DecompressDbcInto(dbc, std::span<uint8_t>(dst, capacity), name, options);
  }();
  std::optional<size_t> n = ValueOrThrow(std::move(written));
  if (!n.has_value()) return BytesWithoutGil([&] { return DecompressDbc(dbc, name, options); });
  owner.release();
  if (_PyBytes_Resize(&out, static_cast<Py_ssize_t>(*n)) != 0) throw nb::python_error();
  return nb::steal<nb::bytes>(out);
}

}  // namespace

void BindCodec(nb::module_& m) {
  m.def(
      "dbc_to_dbf",
      [](const std::string& src, const std::string& dst, bool verify_crc, bool overwrite,
         std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = DbcToDbf(src, dst, {.verify_crc = verify_crc},
                            {.overwrite = overwrite,
                             .inputs = std::move(inputs),
                             .protected_roots = std::move(protected_roots),
                             .overwrite_hint = std::move(overwrite_hint)});
        }
        ThrowIfError(status);
      },
      "src"_a, "dst"_a, "verify_crc"_a = true, "overwrite"_a = false,
      "inputs"_a = std::vector<std::filesystem::path>(),
      "protected_roots"_a = std::vector<std::filesystem::path>(),
      "overwrite_hint"_a = "overwrite=True");
  m.def(
      "dbf_to_dbc",
      [](const std::string& src, const std::string& dst, int dictionary_bits, bool overwrite,
         std::vector<std::filesystem::path> inputs,
         std::vector<std::filesystem::path> protected_roots, std::string overwrite_hint) {
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = DbfToDbc(src, dst, dictionary_bits,
                            {.overwrite = overwrite,
                             .inputs = std::move(inputs),
                             .protected_roots = std::move(protected_roots),
                             .overwrite_hint = std::move(overwrite_hint)});
        }
        ThrowIfError(status);
      },
      "src"_a, "dst"_a, "dictionary_bits"_a = 6, "overwrite"_a = false,
      "inputs"_a = std::vector<std::filesystem::path>(),
      "protected_roots"_a = std::vector<std::filesystem::path>(),
      "overwrite_hint"_a = "overwrite=True");
  m.def("decompress_dbc", &DecompressDbcToBytes, "data"_a, "verify_crc"_a = true,
        "name"_a = "<bytes>");
  m.def(
      "compress_dbf",
      [](const nb::bytes& data, int dictionary_bits, const std::string& name) {
        return BytesWithoutGil([&] { return CompressDbf(View(data), name, dictionary_bits); });
      },
      "data"_a, "dictionary_bits"_a = 6, "name"_a = "<bytes>");
  m.def(
      "dcl_compress",
      [](const nb::bytes& data, int dictionary_bits, bool coded_literals) {
        return BytesWithoutGil([&] {
          return DclCompress(
              View(data), {.dictionary_bits = dictionary_bits, .coded_literals = coded_literals});
        });
      },
      "data"_a, "dictionary_bits"_a = 6, "coded_literals"_a = false);
  m.def(
      "dcl_decompress",
      [](const nb::bytes& data, const std::string& name) {
        return BytesWithoutGil([&]() -> arrow::Result<std::vector<uint8_t>> {
          std::vector<uint8_t> out;
          ARROW_RETURN_NOT_OK(DclStatusToArrow(DclDecompress(View(data), &out), name));
          return out;
        });
      },
      "data"_a, "name"_a = "<bytes>");
}

}  // namespace arrow_sus::python
