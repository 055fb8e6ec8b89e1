#include "arrow_sus/scan/file_reading.h"

#include <algorithm>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/scan/filter_split.h"
#include "arrow_sus/scan/predicate_expression.h"

namespace arrow_sus::scan {

std::vector<std::string> AppendMissing(std::vector<std::string> names,
                                       const std::vector<std::string>& more) {
  for (const std::string& name : more) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

arrow::Result<MeaningfulRead> ReadWithMeaning(
    const DbfOpener& open, dbf::ReadOptions options,
    const std::optional<arrow::compute::Expression>& residual, const FileMeaning& meaning,
    const std::string& file, std::atomic<int64_t>* invalid_dates, UnmappedCodes* unmapped) {
  std::optional<std::vector<std::string>> asked = options.columns;
  if (asked) {
    asked = WithLabelColumns(*asked, meaning.options().labels, [&](const std::string& name) {
      const size_t suffix = std::char_traits<char>::length(kLabelSuffix);
      return name.size() > suffix && meaning.IsCoded(name.substr(0, name.size() - suffix));
    });
  }
  const std::shared_ptr<const dbf::Predicate> filter = options.filter;
  std::shared_ptr<const dbf::Predicate> raw;
  if (filter) {
    if (std::optional<dbf::Predicate> translated = meaning.Translate(*filter)) {
      raw = std::make_shared<dbf::Predicate>(std::move(*translated));
    }
  }
  const bool on_bytes = raw && !meaning.ComparesTyped(*raw);
  if (asked) {
    std::vector<std::string> presented = *asked;
    if (filter && !raw) presented = AppendMissing(std::move(presented), filter->FieldNames());
    if (residual) presented = AppendMissing(std::move(presented), ExpressionFieldNames(*residual));
    std::vector<std::string> typed = meaning.SourcesOf(presented);
    if (raw && !on_bytes) typed = AppendMissing(std::move(typed), raw->FieldNames());
    std::erase(typed, std::string(dbf::kDeletedColumn));  // the reader adds it itself
    options.columns = std::move(typed);
  }
  options.filter = on_bytes ? raw : nullptr;
  options.semantics = meaning.semantics();
  MeaningfulRead read;
  ARROW_ASSIGN_OR_RAISE(read.dbf, open(options));
  ARROW_ASSIGN_OR_RAISE(read.rows, meaning.Type(read.dbf, options.on_invalid, file, invalid_dates));
  if (raw && !on_bytes) {
    ARROW_ASSIGN_OR_RAISE(auto typed_filter, PredicateToExpression(*raw, *read.rows->schema()));
    ARROW_ASSIGN_OR_RAISE(read.rows, FilterAndProject(read.rows, typed_filter, {}));
  }
  ARROW_ASSIGN_OR_RAISE(read.rows, meaning.Present(read.rows, unmapped));
  std::optional<arrow::compute::Expression> presented_filter = residual;
  if (filter && !raw) {
    ARROW_ASSIGN_OR_RAISE(auto pushed, PredicateToExpression(*filter, *read.rows->schema()));
    presented_filter = residual ? arrow::compute::and_(pushed, *residual) : pushed;
  }
  if (presented_filter || asked) {
    std::vector<std::string> columns = asked.value_or(std::vector<std::string>());
    if (asked && options.keep_deleted) columns = AppendMissing(columns, {dbf::kDeletedColumn});
    ARROW_ASSIGN_OR_RAISE(read.rows,
                          FilterAndProject(read.rows, std::move(presented_filter), columns));
  }
  return read;
}

}  // namespace arrow_sus::scan
