// arrow_sus._core codec functions: .dbc <-> .dbf conversion and the raw DCL codec. Every function
// releases the GIL while it works.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <Python.h>

#include <span>
#include <string>
#include <vector>

#include <arrow/buffer.h>
#include <arrow/io/memory.h>

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

// Decodes straight into a Python bytes object sized from the header: the streaming decoder fills
// it chunk by chunk (checking the CRC as it goes), so the output is written once and never copied.
nb::bytes DecompressDbcToBytes(const nb::bytes& data, bool verify_crc, const std::string& name) {
  std::span<const uint8_t> dbc = View(data);
  const size_t capacity = DecompressedSizeHint(ValueOrThrow(ParseDbcPrefix(dbc, name)), dbc.size());
  PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(capacity));
  if (out == nullptr) throw nb::python_error();
  auto* dst = reinterpret_cast<uint8_t*>(PyBytes_AS_STRING(out));
  AdviseHugePages(dst, capacity);
  std::vector<uint8_t> overflow;  // only when the header announces fewer records than there are
  arrow::Result<size_t> written = [&]() -> arrow::Result<size_t> {
    nb::gil_scoped_release release;
    auto source = std::make_shared<arrow::io::BufferReader>(
        std::make_shared<arrow::Buffer>(dbc.data(), static_cast<int64_t>(dbc.size())));
    ARROW_ASSIGN_OR_RAISE(auto stream, OpenDbcStream(source, name, {.verify_crc = verify_crc}));
    size_t n = 0;
    for (int64_t got = 1; got > 0 && n < capacity; n += static_cast<size_t>(got)) {
      ARROW_ASSIGN_OR_RAISE(got, stream->Read(static_cast<int64_t>(capacity - n), dst + n));
    }
    std::vector<uint8_t> chunk(1 << 20);
    for (int64_t got = 1; got > 0 && n == capacity;) {
      ARROW_ASSIGN_OR_RAISE(got, stream->Read(static_cast<int64_t>(chunk.size()), chunk.data()));
      overflow.insert(overflow.end(), chunk.begin(), chunk.begin() + got);
    }
    return n;
  }();
  nb::object owner = nb::steal(out);
  size_t n = ValueOrThrow(std::move(written));
  if (!overflow.empty()) {
    std::string all(reinterpret_cast<const char*>(dst), n);
    all.append(overflow.begin(), overflow.end());
    return nb::bytes(all.data(), all.size());
  }
  owner.release();
  if (_PyBytes_Resize(&out, static_cast<Py_ssize_t>(n)) != 0) throw nb::python_error();
  return nb::steal<nb::bytes>(out);
}

}  // namespace

void BindCodec(nb::module_& m) {
  m.def(
      "dbc_to_dbf",
      [](const std::string& src, const std::string& dst, bool verify_crc) {
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = DbcToDbf(src, dst, {.verify_crc = verify_crc});
        }
        ThrowIfError(status);
      },
      "src"_a, "dst"_a, "verify_crc"_a = true);
  m.def(
      "dbf_to_dbc",
      [](const std::string& src, const std::string& dst, int dictionary_bits) {
        arrow::Status status;
        {
          nb::gil_scoped_release release;
          status = DbfToDbc(src, dst, dictionary_bits);
        }
        ThrowIfError(status);
      },
      "src"_a, "dst"_a, "dictionary_bits"_a = 6);
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
