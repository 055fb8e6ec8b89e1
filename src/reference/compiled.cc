// The compiled-in reference tables as Arrow: each inflated and parsed from its TSV text on first
// use (with Arrow's deflate codec, the zlib the ZIP reader uses), then shared (tables are
// immutable, and inflating and parsing the largest one takes milliseconds, not nothing).
#include "arrow_sus/reference/compiled.h"

#include <charconv>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <arrow/builder.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>

#include "arrow_sus/error.h"
#include "catalog/text.h"
#include "reference/compiled_list.h"

namespace arrow_sus::reference {

namespace {

std::shared_ptr<arrow::DataType> ArrowType(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
      return arrow::int64();
    case ColumnType::kFloat64:
      return arrow::float64();
    case ColumnType::kBool:
      return arrow::boolean();
    case ColumnType::kString:
      break;
  }
  return arrow::utf8();
}

arrow::Status CellError(const ReferenceTableInfo& info, int64_t line, std::string_view column,
                        std::string_view message) {
  return MakeError(ErrorKind::kFormat,
                   {.file = "compiled-in " + std::string(info.dataset),
                    .field = std::string(column),
                    .line = line},
                   message);
}

// Appends a cell holding a whole number or a decimal one, written in full (std::from_chars).
template <typename Builder>
arrow::Status AppendNumber(const ReferenceTableInfo& info, int64_t line,
                           const ReferenceColumn& column, std::string_view cell,
                           arrow::ArrayBuilder* builder) {
  typename Builder::value_type value{};
  auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (error != std::errc() || end != cell.data() + cell.size())
    return CellError(info, line, column.name, "not a number: " + std::string(cell));
  return static_cast<Builder*>(builder)->Append(value);
}

// Appends one cell (empty = null) to the builder of its column's type.
arrow::Status AppendCell(const ReferenceTableInfo& info, int64_t line,
                         const ReferenceColumn& column, std::string_view cell,
                         arrow::ArrayBuilder* builder) {
  if (cell.empty()) return builder->AppendNull();
  switch (column.type) {
    case ColumnType::kString:
      return static_cast<arrow::StringBuilder*>(builder)->Append(cell);
    case ColumnType::kBool:
      if (cell != "true" && cell != "false")
        return CellError(info, line, column.name, "not true or false: " + std::string(cell));
      return static_cast<arrow::BooleanBuilder*>(builder)->Append(cell == "true");
    case ColumnType::kInt64:
      return AppendNumber<arrow::Int64Builder>(info, line, column, cell, builder);
    case ColumnType::kFloat64:
      return AppendNumber<arrow::DoubleBuilder>(info, line, column, cell, builder);
  }
  return arrow::Status::OK();
}

// The table's TSV text, inflated from its compiled-in chunks.
arrow::Result<std::string> Inflate(const ReferenceTableInfo& info) {
  std::string deflated;
  for (std::string_view chunk : info.deflated) deflated.append(chunk);
  std::string text(static_cast<size_t>(info.text_bytes), '\0');
  if (text.empty()) return text;
  arrow::util::GZipCodecOptions options;
  options.gzip_format = arrow::util::GZipFormat::DEFLATE;
  ARROW_ASSIGN_OR_RAISE(auto codec, arrow::util::Codec::Create(arrow::Compression::GZIP, options));
  ARROW_ASSIGN_OR_RAISE(
      int64_t size, codec->Decompress(static_cast<int64_t>(deflated.size()),
                                      reinterpret_cast<const uint8_t*>(deflated.data()),
                                      info.text_bytes, reinterpret_cast<uint8_t*>(text.data())));
  if (size != info.text_bytes)
    return CellError(info, 0, "",
                     "inflated to " + std::to_string(size) + " bytes instead of " +
                         std::to_string(info.text_bytes));
  return text;
}

arrow::Result<std::shared_ptr<arrow::Table>> Parse(const ReferenceTableInfo& info) {
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  for (const ReferenceColumn& column : info.columns) {
    ARROW_ASSIGN_OR_RAISE(auto builder, arrow::MakeBuilder(ArrowType(column.type)));
    ARROW_RETURN_NOT_OK(builder->Reserve(info.rows));
    builders.push_back(std::move(builder));
  }
  ARROW_ASSIGN_OR_RAISE(std::string text, Inflate(info));
  int64_t line = 1;  // the header, which the compiled text leaves out
  {
    std::string_view chunk = text;
    while (!chunk.empty()) {
      const size_t end = chunk.find('\n');
      std::string_view row = chunk.substr(0, end);
      chunk.remove_prefix(end == std::string_view::npos ? chunk.size() : end + 1);
      ++line;
      for (size_t i = 0; i < info.columns.size(); ++i) {
        const size_t tab = row.find('\t');
        const bool last = i + 1 == info.columns.size();
        if (last != (tab == std::string_view::npos))
          return CellError(
              info, line, info.columns[i].name,
              "the row does not have " + std::to_string(info.columns.size()) + " cells");
        ARROW_RETURN_NOT_OK(
            AppendCell(info, line, info.columns[i], row.substr(0, tab), builders[i].get()));
        row.remove_prefix(last ? row.size() : tab + 1);
      }
    }
  }
  if (line - 1 != info.rows)
    return CellError(info, line, "",
                     std::to_string(line - 1) + " rows instead of " + std::to_string(info.rows));
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (auto& builder : builders) {
    ARROW_ASSIGN_OR_RAISE(auto array, builder->Finish());
    arrays.push_back(std::move(array));
  }
  return arrow::Table::Make(CompiledSchema(info), arrays, info.rows);
}

}  // namespace

std::span<const ReferenceTableInfo> CompiledTables() { return internal::CompiledTableList(); }

const ReferenceTableInfo* FindCompiledTable(std::string_view dataset) {
  for (const ReferenceTableInfo& info : CompiledTables()) {
    if (catalog::CompareIgnoringCase(info.dataset, dataset) == 0) return &info;
  }
  return nullptr;
}

std::shared_ptr<arrow::Schema> CompiledSchema(const ReferenceTableInfo& info) {
  arrow::FieldVector fields;
  for (const ReferenceColumn& column : info.columns) {
    fields.push_back(arrow::field(
        std::string(column.name), ArrowType(column.type), true,
        arrow::key_value_metadata({"description"}, {std::string(column.description_en)})));
  }
  return arrow::schema(std::move(fields),
                       arrow::key_value_metadata({"arrow_sus.reference", "arrow_sus.source"},
                                                 {std::string(info.dataset), "compiled-in"}));
}

arrow::Result<std::shared_ptr<arrow::Table>> CompiledTable(const ReferenceTableInfo& info) {
  static std::mutex mutex;
  static std::map<const ReferenceTableInfo*, std::shared_ptr<arrow::Table>> parsed;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = parsed.find(&info);
  if (found != parsed.end()) return found->second;
  ARROW_ASSIGN_OR_RAISE(auto table, Parse(info));
  parsed.emplace(&info, table);
  return table;
}

}  // namespace arrow_sus::reference
