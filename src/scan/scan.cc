#include "arrow_sus/scan/scan.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <random>

#include <arrow/array/util.h>
#include <arrow/io/file.h>
#include <arrow/io/interfaces.h>
#include <arrow/io/memory.h>
#include <arrow/scalar.h>
#include <arrow/type.h>
#include <arrow/util/parallel.h>
#include <arrow/util/thread_pool.h>

#include "arrow_sus/batch_filter.h"
#include "arrow_sus/cache/converted_cache.h"
#include "arrow_sus/dbc.h"
#include "arrow_sus/dbf/reader.h"
#include "arrow_sus/error.h"
#include "arrow_sus/io/cache.h"
#include "arrow_sus/io/path_safety.h"
#include "arrow_sus/io/remote_file.h"
#include "arrow_sus/scan/converted_files.h"
#include "arrow_sus/scan/file_reading.h"
#include "arrow_sus/scan/filter_split.h"
#include "arrow_sus/scan/multi_file_reader.h"
#include "arrow_sus/scan/predicate_expression.h"
#include "arrow_sus/scan/semantic_types.h"
#include "core/counting_file.h"
#include "io/schemes.h"
#include "scan/cache_fallback.h"

namespace arrow_sus::scan {

namespace fs = std::filesystem;

namespace {

// Bumped whenever a change to the reader changes what a conversion produces (2: coded columns as
// dictionaries, numbers stored as text typed, from the data dictionaries).
constexpr int kConverterVersion = 2;

// The filter as it applies to a file: a field the file lacks is null there, so comparisons on it
// are false and is_null is true (an empty AND is true, an empty OR false).
dbf::Predicate Specialize(const dbf::Predicate& p, const arrow::Schema& schema) {
  if (p.kind != dbf::Predicate::Kind::kCompare) {
    std::vector<dbf::Predicate> children;
    for (const auto& child : p.children) children.push_back(Specialize(child, schema));
    return p.kind == dbf::Predicate::Kind::kAnd ? dbf::Predicate::And(std::move(children))
                                                : dbf::Predicate::Or(std::move(children));
  }
  if (schema.GetFieldByName(p.field) != nullptr) return p;
  return p.op == dbf::CompareOp::kIsNull ? dbf::Predicate::And({}) : dbf::Predicate::Or({});
}

std::shared_ptr<arrow::Schema> WithSourceColumns(const std::shared_ptr<arrow::Schema>& schema) {
  std::vector<std::shared_ptr<arrow::Field>> fields = schema->fields();
  const std::shared_ptr<arrow::DataType> types[] = {arrow::utf8(), arrow::int32(), arrow::int32(),
                                                    arrow::utf8()};
  for (size_t i = 0; i < std::size(kSourceColumns); ++i) {
    fields.push_back(arrow::field(kSourceColumns[i], types[i]));
  }
  return arrow::schema(std::move(fields), schema->metadata());
}

// The warnings of one pass (files read although truncated, filters comparing codes), gathered
// from every file; one said by many files is kept once.
class PassWarnings {
 public:
  void Add(ReadWarning warning) {
    std::lock_guard lock(mutex_);
    if (std::find(messages_.begin(), messages_.end(), warning) == messages_.end()) {
      messages_.push_back(std::move(warning));
    }
  }
  std::vector<ReadWarning> Get() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  void Clear() {
    std::lock_guard lock(mutex_);
    messages_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ReadWarning> messages_;
};

// Where one file's records come from, to count what its source went through. A cached file found
// damaged part-way continues from the DBF reader.
struct SourceProgress {
  std::shared_ptr<dbf::DbfReader> dbf;  // decoded from DBF bytes: the reader's own statistics
  bool keep_deleted = false;            // the DBF reader delivers deleted records too
  int64_t cached_rows = 0;              // read from the converted cache: the rows the file holds
  PassWarnings* warnings = nullptr;     // where a truncated file is reported
};

// Conforms every batch to the scan schema, appends the source columns, keeps the counters of what
// the file's source went through up to date, and runs `on_close` (once) when the file is finished
// or abandoned.
class ConformingReader : public arrow::RecordBatchReader {
 public:
  ConformingReader(std::shared_ptr<arrow::RecordBatchReader> input,
                   std::shared_ptr<arrow::Schema> data_schema,
                   std::shared_ptr<arrow::Schema> output_schema,
                   std::vector<std::shared_ptr<arrow::Scalar>> source,
                   std::shared_ptr<SourceProgress> progress, ScanCounters* counters,
                   std::function<void()> on_close)
      : input_(std::move(input)),
        data_schema_(std::move(data_schema)),
        output_schema_(std::move(output_schema)),
        source_(std::move(source)),
        progress_(std::move(progress)),
        counters_(counters),
        on_close_(std::move(on_close)) {}
  ~ConformingReader() override { Finish(); }

  std::shared_ptr<arrow::Schema> schema() const override { return output_schema_; }

  arrow::Status ReadNext(std::shared_ptr<arrow::RecordBatch>* out) override {
    std::shared_ptr<arrow::RecordBatch> batch;
    ARROW_RETURN_NOT_OK(input_->ReadNext(&batch));
    if (batch == nullptr) {
      *out = nullptr;
      at_end_ = true;
      Finish();
      return arrow::Status::OK();
    }
    rows_delivered_ += batch->num_rows();
    AccountSource();
    ARROW_ASSIGN_OR_RAISE(batch, ConformBatch(batch, data_schema_));
    std::vector<std::shared_ptr<arrow::Array>> columns = batch->columns();
    for (const auto& scalar : source_) {
      ARROW_ASSIGN_OR_RAISE(auto column, arrow::MakeArrayFromScalar(*scalar, batch->num_rows()));
      columns.push_back(std::move(column));
    }
    *out = arrow::RecordBatch::Make(output_schema_, batch->num_rows(), std::move(columns));
    counters_->rows.fetch_add(batch->num_rows(), std::memory_order_relaxed);
    counters_->batches.fetch_add(1, std::memory_order_relaxed);
    return arrow::Status::OK();
  }

  arrow::Status Close() override {
    arrow::Status status = input_ ? input_->Close() : arrow::Status::OK();  // null once finished
    Finish();
    return status;
  }

 private:
  // Brings the counters up to date with this file: the records its source went through, and those
  // the filter dropped (neither skipped as deleted nor delivered). The DBF reader's statistics
  // cover exactly the blocks behind the batches delivered so far; a cache file's reader filters
  // inside, so its rows count as scanned as they come and the rest of the file at its end.
  void AccountSource() {
    int64_t scanned = 0;
    int64_t deleted = 0;
    if (progress_->dbf) {
      const dbf::ReadStats stats = progress_->dbf->stats();
      deleted = progress_->keep_deleted ? 0 : stats.deleted_records;
      scanned = deleted + stats.rows_filtered_out + stats.rows_emitted;
    } else {
      scanned = at_end_ ? std::max(progress_->cached_rows, rows_delivered_) : rows_delivered_;
    }
    const int64_t filtered = scanned - deleted - rows_delivered_;
    counters_->records_scanned.fetch_add(scanned - scanned_, std::memory_order_relaxed);
    counters_->deleted_records_skipped.fetch_add(deleted - deleted_, std::memory_order_relaxed);
    counters_->rows_filtered_out.fetch_add(filtered - filtered_, std::memory_order_relaxed);
    scanned_ = scanned;
    deleted_ = deleted;
    filtered_ = filtered;
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    AccountSource();
    if (progress_->dbf) {
      std::string truncated = progress_->dbf->stats().truncated;
      if (!truncated.empty()) {
        counters_->truncated_files.fetch_add(1, std::memory_order_relaxed);
        progress_->warnings->Add({ReadWarning::Kind::kTruncatedFile, std::move(truncated)});
      }
    }
    progress_->dbf.reset();
    input_.reset();  // releases the file (and stops its download) before cleaning up after it
    counters_->files_done.fetch_add(1, std::memory_order_relaxed);
    if (on_close_) on_close_();
  }

  std::shared_ptr<arrow::RecordBatchReader> input_;
  std::shared_ptr<arrow::Schema> data_schema_;
  std::shared_ptr<arrow::Schema> output_schema_;
  std::vector<std::shared_ptr<arrow::Scalar>> source_;
  std::shared_ptr<SourceProgress> progress_;  // shared with a reader that may switch sources
  ScanCounters* counters_;
  std::function<void()> on_close_;
  bool finished_ = false;
  bool at_end_ = false;
  int64_t rows_delivered_ = 0;  // rows of this file handed on (the input's, before conforming)
  // What this file has added to the counters so far.
  int64_t scanned_ = 0;
  int64_t deleted_ = 0;
  int64_t filtered_ = 0;
};

arrow::Result<std::shared_ptr<arrow::Buffer>> ReadLocalPrefix(const fs::path& path) {
  ARROW_ASSIGN_OR_RAISE(auto file, arrow::io::ReadableFile::Open(path.string()));
  ARROW_ASSIGN_OR_RAISE(auto bytes, file->Read(io::kIdentityPrefixBytes));
  ARROW_RETURN_NOT_OK(file->Close());
  return bytes;
}

fs::path MakeTemporaryDirectory() {
  std::random_device random;
  fs::path dir = fs::temp_directory_path() /
                 ("arrow-sus-scan-" + std::to_string(random()) + std::to_string(random()));
  fs::create_directories(dir);
  return dir;
}

}  // namespace

std::string ConverterKey(const dbf::ReadOptions& options, const MeaningOptions& meaning) {
  // Labels are presentation, applied to whatever is read: they are not part of the key.
  return "arrow-sus/" + std::to_string(kConverterVersion) +
         ";encoding=" + std::string(dbf::EncodingName(options.encoding)) +
         ";decimals=" + (options.decimals == dbf::DecimalMode::kExact ? "exact" : "float") +
         ";raw=" + (options.raw ? "1" : "0") +
         ";keep_deleted=" + (options.keep_deleted ? "1" : "0") +
         ";typed=" + (meaning.typed ? "1" : "0") +
         ";codes=" + (meaning.codes_as_dictionary ? "dictionary" : "string");
}

namespace {

// What planning found, shared by a scan and every scan narrowing it (Scan::Narrow): the source and
// caches opened once; per file its identity, columns and meaning; the files' schemas unified.
struct PlanState {
  std::vector<ScanFile> files;
  std::shared_ptr<io::Source> source;
  std::optional<fs::path> local_root;
  std::optional<io::FileCache> raw_cache;
  std::shared_ptr<cache::ConvertedCache> converted_cache;
  std::string converter;
  bool write_converted = false;
  std::vector<PlannedFile> planned;
  std::vector<FileMeaning> meanings;  // per planned file: what its columns mean
  // Per planned file: its columns as typed (what the converted cache holds), before presentation.
  std::vector<std::shared_ptr<arrow::Schema>> typed_schemas;
  std::vector<cache::ChunkChecksums> checksums;  // per planned file read from the converted cache
  std::shared_ptr<arrow::Schema> unified;        // every file's columns, unified
  std::mutex mutex;                              // guards starting `planning`
  arrow::Future<> planning;       // valid once started (by whichever scan plans first)
  std::atomic<bool> done{false};  // planned without error
};

}  // namespace

class Scan::Impl : public std::enable_shared_from_this<Scan::Impl> {
 public:
  Impl(std::vector<ScanFile> files, ScanOptions options)
      : plan_(std::make_shared<PlanState>()), options_(std::move(options)) {
    plan_->files = std::move(files);
  }
  // A scan narrowing another: the same plan, another request (in `options`).
  Impl(std::shared_ptr<PlanState> plan, ScanOptions options)
      : plan_(std::move(plan)), options_(std::move(options)) {}

  arrow::Status Init() {
    if (options_.source_url.empty()) options_.source_url = io::DefaultSourceUrl();
    ARROW_ASSIGN_OR_RAISE(io::ParsedUrl url, io::ParseUrl(options_.source_url));
    if (url.scheme == "file")
      plan_->local_root = url.root.empty() ? fs::path("/") : fs::path(url.root);
    ARROW_ASSIGN_OR_RAISE(plan_->source,
                          io::OpenSource(options_.source_url, options_.source_options));
    fs::path cache_root =
        options_.cache_dir.empty() ? io::CacheDir() : fs::path(options_.cache_dir);
    plan_->raw_cache.emplace(cache_root / "raw");
    if (options_.use_cache) {
      ARROW_ASSIGN_OR_RAISE(plan_->converted_cache,
                            cache::ConvertedCache::Open(cache_root.string()));
    }
    if (options_.read.raw) options_.meaning = {.typed = false, .codes_as_dictionary = false};
    plan_->converter = ConverterKey(options_.read, options_.meaning);
    // Converting every column for the cache would raise on columns the caller did not ask for; a
    // truncated file read on_truncated = kWarn must not become a cached conversion served later
    // without a word.
    plan_->write_converted = options_.use_cache &&
                             options_.read.on_invalid == dbf::InvalidPolicy::kNull &&
                             options_.read.on_truncated == dbf::TruncatedPolicy::kRaise;
    return arrow::Status::OK();
  }

  // Plans the files once for every scan sharing the plan, then this scan's request once. The
  // header reads run on Arrow's IO pool; the future finishes when the last one has.
  arrow::Future<> PlanAsync() {
    arrow::Future<> planning;
    {
      std::lock_guard lock(plan_->mutex);
      if (!plan_->planning.is_valid()) plan_->planning = PlanAllAsync();
      planning = plan_->planning;
    }
    return planning.Then([weak = weak_from_this()]() -> arrow::Status {
      auto self = weak.lock();  // see PlanAllAsync
      if (self == nullptr) return MakeError(ErrorKind::kCancelled, {}, "scan dropped");
      std::call_once(self->project_once_, [&] { self->project_status_ = self->Project(); });
      return self->project_status_;
    });
  }

  arrow::Status Plan() { return PlanAsync().status(); }

  arrow::Result<std::shared_ptr<MultiFileReader>> Execute() {
    ARROW_RETURN_NOT_OK(Plan());
    counters_.Reset();
    warnings_.Clear();
    unmapped_.Reset();
    std::vector<FileTask> tasks;
    auto self = shared_from_this();
    for (size_t i = 0; i < plan_->planned.size(); ++i) {
      tasks.push_back({plan_->planned[i].file.path, [self, i](const arrow::StopToken& stop) {
                         return self->OpenFile(i, stop);
                       }});
    }
    MultiFileReaderOptions reader_options{.max_concurrent_files = options_.max_concurrent_files,
                                          .ordered = options_.ordered,
                                          .use_threads = options_.read.use_threads};
    ARROW_ASSIGN_OR_RAISE(auto reader,
                          MultiFileReader::Make(output_schema_, std::move(tasks), reader_options));
    return reader;
  }

  std::shared_ptr<PlanState> plan_;
  ScanOptions options_;                           // the plan's options and this scan's request
  std::shared_ptr<arrow::Schema> data_schema_;    // unified and projected, without source columns
  std::shared_ptr<arrow::Schema> full_schema_;    // unified, every column (what a residual reads)
  std::shared_ptr<arrow::Schema> output_schema_;  // data_schema_ + source columns when asked
  ScanCounters counters_;
  PassWarnings warnings_;
  UnmappedCodes unmapped_{&counters_.unmapped_codes};

 private:
  arrow::Future<> PlanAllAsync() {
    plan_->planned.resize(plan_->files.size());
    plan_->meanings.resize(plan_->files.size());
    plan_->typed_schemas.resize(plan_->files.size());
    plan_->checksums.resize(plan_->files.size());
    // Planning reads a header (a ranged read, a file) per uncached file: blocking I/O, run on
    // Arrow's IO pool; the source's per-host limit caps the connections.
    //
    // The tasks hold the scan only while they run (a weak pointer, locked): a task holding it in
    // its closure could release it on a pool thread after the future finished and its owner let go,
    // closing the cache's SQLite connection behind the owner's back. The owner keeps the scan
    // alive while it plans; one dropped meanwhile ends planning with a Cancelled error.
    std::vector<size_t> files(plan_->files.size());
    for (size_t i = 0; i < files.size(); ++i) files[i] = i;
    return arrow::internal::OptionalParallelForAsync(
               options_.read.use_threads, std::move(files),
               [weak = weak_from_this()](int, size_t i) -> arrow::Result<bool> {
                 auto self = weak.lock();
                 if (self == nullptr) return MakeError(ErrorKind::kCancelled, {}, "scan dropped");
                 ARROW_RETURN_NOT_OK(self->PlanFile(i));
                 return true;
               },
               arrow::io::default_io_context().executor())
        .Then([weak = weak_from_this()](const std::vector<bool>&) -> arrow::Status {
          auto self = weak.lock();
          if (self == nullptr) return MakeError(ErrorKind::kCancelled, {}, "scan dropped");
          arrow::Status status = self->UnifyPlanned();
          self->plan_->done = status.ok();
          return status;
        });
  }

  arrow::Status UnifyPlanned() {
    std::vector<std::shared_ptr<arrow::Schema>> schemas;
    std::vector<std::string> names;
    for (const auto& p : plan_->planned) {
      schemas.push_back(p.schema);
      names.push_back(p.file.path);
    }
    ARROW_ASSIGN_OR_RAISE(plan_->unified, UnifySchemas(schemas, names, options_.schema_mode));
    return arrow::Status::OK();
  }

  // This scan's output schema: the unified columns projected as the request asks (labels beside
  // their codes), plus the source columns; the filter checked against the files' columns.
  arrow::Status Project() {
    std::shared_ptr<arrow::Schema> unified = plan_->unified;
    if (options_.read.filter) {  // unknown fields and wrong literal kinds fail now, not mid-stream
      ARROW_RETURN_NOT_OK(PredicateToExpression(*options_.read.filter, *unified).status());
    }
    if (options_.residual_filter) {
      auto bound = options_.residual_filter->Bind(*unified);
      if (!bound.ok()) {
        return MakeError(ErrorKind::kInvalidArgument, {}, "filter: " + bound.status().message());
      }
    }
    full_schema_ = unified;
    if (options_.read.columns) {
      std::vector<std::shared_ptr<arrow::Field>> fields;
      const std::vector<std::string> asked = WithLabelColumns(
          *options_.read.columns, options_.meaning.labels,
          [&](const std::string& name) { return unified->GetFieldByName(name) != nullptr; });
      for (const std::string& name : asked) {
        auto field = unified->GetFieldByName(name);
        if (field == nullptr) {
          std::string available;
          for (const auto& f : unified->fields())
            available += (available.empty() ? "" : ", ") + f->name();
          return MakeError(
              ErrorKind::kInvalidArgument, {.field = name},
              "no column '" + name + "' in the scanned files; available columns: " + available);
        }
        fields.push_back(field);
      }
      unified = arrow::schema(std::move(fields), unified->metadata());
    }
    data_schema_ = unified;
    output_schema_ = options_.with_source ? WithSourceColumns(unified) : unified;
    return arrow::Status::OK();
  }

  // Plans file i of `plan` (its identity known) from a conversion of this version in the converted
  // cache, when there is one; false otherwise (a damaged one is dropped, to be converted again).
  arrow::Result<bool> UseConverted(PlanState& plan, size_t i) const {
    if (!plan.converted_cache) return false;
    PlannedFile& p = plan.planned[i];
    ARROW_ASSIGN_OR_RAISE(
        auto hit, plan.converted_cache->Lookup(options_.source_url, p.identity, plan.converter,
                                               options_.cache_format));
    if (!hit) return false;
    auto verifier = std::make_shared<cache::ChunkVerifier>(hit->local_path, hit->checksums);
    auto schema = ConvertedFileSchema(options_.cache_format, hit->local_path, verifier);
    if (!schema.ok()) {
      ARROW_RETURN_NOT_OK(plan.converted_cache->Forget(*hit));
      return false;
    }
    p.cached_converted = hit->local_path;
    plan.checksums[i] = hit->checksums;
    // The cached file holds typed columns: the meaning presents them.
    plan.typed_schemas[i] = *schema;
    plan.meanings[i] = MeaningOf(p, **schema);
    p.schema = plan.meanings[i].OutputSchema(*schema);
    return true;
  }

 public:
  // The plan for a new request: this one, or, when an earlier pass has since written conversions
  // of files the plan found unconverted, a copy reading those from the cache (nothing but the local
  // cache is consulted; a conversion whose columns differ from the plan's is not used).
  std::shared_ptr<PlanState> PlanForNewRequest() const {
    if (!plan_->converted_cache || !plan_->done.load()) return plan_;
    std::shared_ptr<PlanState> copy;
    for (size_t i = 0; i < plan_->planned.size(); ++i) {
      if (plan_->planned[i].cached_converted) continue;
      auto candidate = copy ? copy : CopyOf(*plan_);
      arrow::Result<bool> converted = UseConverted(*candidate, i);
      if (converted.ok() && *converted &&
          candidate->planned[i].schema->Equals(*plan_->planned[i].schema)) {
        copy = std::move(candidate);
      } else if (copy) {  // back to what the plan says
        copy->planned[i] = plan_->planned[i];
        copy->meanings[i] = plan_->meanings[i];
        copy->typed_schemas[i] = plan_->typed_schemas[i];
        copy->checksums[i] = plan_->checksums[i];
      }
    }
    return copy ? copy : plan_;
  }

 private:
  static std::shared_ptr<PlanState> CopyOf(const PlanState& plan) {
    auto copy = std::make_shared<PlanState>();
    copy->files = plan.files;
    copy->source = plan.source;
    copy->local_root = plan.local_root;
    copy->raw_cache = plan.raw_cache;
    copy->converted_cache = plan.converted_cache;
    copy->converter = plan.converter;
    copy->write_converted = plan.write_converted;
    copy->planned = plan.planned;
    copy->meanings = plan.meanings;
    copy->typed_schemas = plan.typed_schemas;
    copy->checksums = plan.checksums;
    copy->unified = plan.unified;
    copy->planning = arrow::Future<>::MakeFinished();  // planned already
    copy->done = true;
    return copy;
  }

  arrow::Status PlanFile(size_t i) {
    PlannedFile& p = plan_->planned[i];
    p.file = plan_->files[i];
    const std::string& path = p.file.path;
    ARROW_RETURN_NOT_OK(io::ValidateRelativePath(path));
    if (p.file.listed) {
      p.identity = {.path = path, .size = p.file.listed->size, .mtime = p.file.listed->mtime};
    } else {
      ARROW_ASSIGN_OR_RAISE(p.identity, io::StatIdentity(*plan_->source, path));
    }
    ARROW_ASSIGN_OR_RAISE(bool converted, UseConverted(*plan_, i));
    if (converted) return arrow::Status::OK();
    std::shared_ptr<arrow::Buffer> prefix;
    if (plan_->local_root) {
      ARROW_ASSIGN_OR_RAISE(fs::path local, io::JoinUnder(*plan_->local_root, path));
      ARROW_ASSIGN_OR_RAISE(prefix, ReadLocalPrefix(local));
    } else if (auto copy = plan_->raw_cache->Lookup(p.identity); copy.ok() && copy->has_value()) {
      p.cached_raw = true;
      ARROW_ASSIGN_OR_RAISE(prefix, ReadLocalPrefix(**copy));
    } else {
      ARROW_ASSIGN_OR_RAISE(prefix, plan_->source->ReadRange(path, 0, io::kIdentityPrefixBytes));
    }
    auto header = [&](std::shared_ptr<const dbf::FieldSemanticsMap> semantics) {
      return dbf::DbfReader::Make(std::make_shared<arrow::io::BufferReader>(prefix),
                                  FileReadOptions(FilePass::kHeader, std::move(semantics)),
                                  {.name = path});
    };
    ARROW_ASSIGN_OR_RAISE(auto reader, header(nullptr));
    plan_->meanings[i] = MeaningOf(p, *reader->schema());
    ARROW_RETURN_NOT_OK(reader->Close());
    // The same header read with the meaning's field semantics: coded columns, numbers.
    ARROW_ASSIGN_OR_RAISE(reader, header(plan_->meanings[i].semantics()));
    plan_->typed_schemas[i] = plan_->meanings[i].TypedSchema(reader->schema());
    p.schema = plan_->meanings[i].OutputSchema(plan_->typed_schemas[i]);
    return reader->Close();
  }

  // What the dictionary says about a planned file's columns (for its dataset and year).
  FileMeaning MeaningOf(const PlannedFile& p, const arrow::Schema& schema) const {
    return FileMeaning::Make(p.file.dataset, p.file.year.value_or(0), schema, options_.meaning);
  }

  // What a pass reads of one planned file.
  struct FileRead {
    std::vector<std::string> columns;  // the asked columns this file has, in the asked order
    // The typed columns they are presented from (a decoded age from its fields, COL_label from
    // COL), plus, when the filter is applied after presentation, those it reads.
    std::vector<std::string> typed;
    std::shared_ptr<const dbf::Predicate> filter;  // the scan's filter, specialised to the file
    // The filter over the raw fields (labels and ages translated), when it can be evaluated on the
    // bytes or on the typed columns; otherwise null and `filter` is applied once presented.
    std::shared_ptr<const dbf::Predicate> raw_filter;
    // The part of the scan's filter Arrow evaluates once presented, specialised to the file.
    std::optional<arrow::compute::Expression> residual;
  };

  // Which part of a planned file one reading decodes.
  enum class FilePass {
    kHeader,   // its columns' types, from its first bytes, while planning
    kConvert,  // its conversion written to the converted cache: every column, unfiltered
    kAsked,    // what the request asks of it (FileRead): its columns and filter
  };

  // The reader options of one reading of a planned file, derived from the scan's: every column
  // unfiltered, read with `semantics` (kHeader, kConvert), or the columns and filter of `read`
  // (kAsked; ReadWithMeaning adds the meaning's semantics).
  dbf::ReadOptions FileReadOptions(FilePass pass,
                                   std::shared_ptr<const dbf::FieldSemanticsMap> semantics,
                                   const FileRead* read = nullptr) const {
    dbf::ReadOptions options = options_.read;
    if (pass == FilePass::kAsked) {
      options.columns = read->columns;
      options.filter = read->filter;
      return options;
    }
    options.columns.reset();
    options.filter.reset();
    options.semantics = std::move(semantics);
    // A header is a buffer of a few KiB: nothing to hand to the pool.
    if (pass == FilePass::kHeader) options.use_threads = false;
    return options;
  }

  // What this scan's request reads of planned file i.
  arrow::Result<FileRead> ReadOf(size_t i) const {
    const PlannedFile& p = plan_->planned[i];
    const FileMeaning& meaning = plan_->meanings[i];
    FileRead read;
    for (const auto& field : data_schema_->fields()) {
      if (p.schema->GetFieldByName(field->name()) != nullptr) read.columns.push_back(field->name());
    }
    std::vector<std::string> presented = read.columns;
    if (options_.read.filter) {
      read.filter = std::make_shared<dbf::Predicate>(Specialize(*options_.read.filter, *p.schema));
      if (std::optional<dbf::Predicate> raw = meaning.Translate(*read.filter)) {
        read.raw_filter = std::make_shared<dbf::Predicate>(std::move(*raw));
      } else {
        presented = AppendMissing(presented, read.filter->FieldNames());
      }
    }
    if (options_.residual_filter) {
      ARROW_ASSIGN_OR_RAISE(read.residual,
                            ResidualForFile(*options_.residual_filter, *p.schema, *full_schema_));
      presented = AppendMissing(presented, ExpressionFieldNames(*read.residual));
    }
    read.typed = meaning.SourcesOf(presented);
    return read;
  }

 public:
  // How a pass of this request would read every planned file (Scan::Explain).
  arrow::Result<std::vector<FileExplanation>> Explain() {
    ARROW_RETURN_NOT_OK(Plan());
    std::vector<FileExplanation> out;
    for (size_t i = 0; i < plan_->planned.size(); ++i) {
      const PlannedFile& p = plan_->planned[i];
      ARROW_ASSIGN_OR_RAISE(const FileRead read, ReadOf(i));
      FileExplanation e{.path = p.file.path, .size = p.identity.size};
      if (p.cached_converted) {
        e.read_from = "converted cache";
        e.columns =
            read.raw_filter ? AppendMissing(read.typed, read.raw_filter->FieldNames()) : read.typed;
      } else {
        e.read_from = plan_->local_root ? "mirror" : p.cached_raw ? "raw cache" : "download";
        e.fills_cache = plan_->write_converted;
        if (e.fills_cache) {
          for (const auto& field : plan_->typed_schemas[i]->fields())
            e.columns.push_back(field->name());
        } else {
          e.columns = read.typed;
        }
      }
      if (read.raw_filter) {
        e.filter_pushed = read.raw_filter->ToString();
      } else if (read.filter) {
        e.filter_after = read.filter->ToString();
      }
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenFile(size_t i,
                                                                    const arrow::StopToken& stop) {
    const PlannedFile& p = plan_->planned[i];
    const std::string& path = p.file.path;
    ARROW_ASSIGN_OR_RAISE(const FileRead read, ReadOf(i));
    if (read.filter) {
      for (std::string& caveat : plan_->meanings[i].FilterCaveats(*read.filter)) {
        warnings_.Add({ReadWarning::Kind::kCodedFilter, std::move(caveat)});
      }
    }

    std::shared_ptr<arrow::RecordBatchReader> reader;
    std::function<void()> on_close;
    auto progress = std::make_shared<SourceProgress>(
        SourceProgress{.keep_deleted = options_.read.keep_deleted, .warnings = &warnings_});
    if (p.cached_converted) {
      // A damaged cache file is read no further: the original is decoded instead (which converts
      // the file into the cache again), its rows already delivered skipped.
      auto self = shared_from_this();
      ARROW_ASSIGN_OR_RAISE(
          reader, ReadCachedElseDecode([&] { return OpenCached(i, read, progress.get()); },
                                       [self, i, read, stop, progress] {
                                         progress->cached_rows = 0;
                                         std::function<void()> none;  // the raw cache is in use
                                         return self->OpenDecoded(i, read, stop, progress.get(),
                                                                  &none);
                                       }));
    } else {
      ARROW_ASSIGN_OR_RAISE(reader, OpenDecoded(i, read, stop, progress.get(), &on_close));
    }
    std::vector<std::shared_ptr<arrow::Scalar>> source_values;
    if (options_.with_source) {
      auto text = [](const std::string& s) -> std::shared_ptr<arrow::Scalar> {
        return s.empty() ? arrow::MakeNullScalar(arrow::utf8())
                         : std::make_shared<arrow::StringScalar>(s);
      };
      auto number = [](std::optional<int32_t> v) -> std::shared_ptr<arrow::Scalar> {
        return v ? std::make_shared<arrow::Int32Scalar>(*v) : arrow::MakeNullScalar(arrow::int32());
      };
      source_values = {text(p.file.uf), number(p.file.year), number(p.file.month), text(path)};
    }
    return std::make_shared<ConformingReader>(std::move(reader), data_schema_, output_schema_,
                                              std::move(source_values), std::move(progress),
                                              &counters_, std::move(on_close));
  }

  // Planned file i from its converted copy, every byte verified against the checksums recorded
  // with the entry; a damaged file drops the entry.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenCached(size_t i,
                                                                      const FileRead& read,
                                                                      SourceProgress* progress) {
    const PlannedFile& p = plan_->planned[i];
    const std::vector<std::string> columns =
        read.raw_filter ? AppendMissing(read.typed, read.raw_filter->FieldNames()) : read.typed;
    ConvertedReadOptions options{.columns = read.typed,
                                 .batch_size = options_.read.batch_size,
                                 .use_threads = options_.read.use_threads,
                                 .bytes_read = &counters_.bytes_read,
                                 .file_rows = &progress->cached_rows,
                                 .verifier = std::make_shared<cache::ChunkVerifier>(
                                     *p.cached_converted, plan_->checksums[i])};
    if (read.raw_filter) {
      ARROW_ASSIGN_OR_RAISE(options.filter,
                            PredicateToExpression(*read.raw_filter, *plan_->typed_schemas[i]));
    }
    cache::ConvertedEntry entry = CacheEntryFor(p);
    entry.local_path = *p.cached_converted;
    auto forget = [cache = plan_->converted_cache, entry] { (void)cache->Forget(entry); };
    ARROW_ASSIGN_OR_RAISE(auto reader, OpenConvertedFile(options_.cache_format, *p.cached_converted,
                                                         options, forget));
    counters_.files_from_cache.fetch_add(1, std::memory_order_relaxed);
    counters_.columns_read_from_cache.fetch_add(static_cast<int64_t>(columns.size()),
                                                std::memory_order_relaxed);
    return Presented(i, std::move(reader), read, /*filtered=*/read.raw_filter != nullptr);
  }

  // The typed `reader` of planned file i presented (labels, decoded ages), filtered when the
  // filter was not applied before (`filtered`), and projected to the asked columns.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> Presented(
      size_t i, std::shared_ptr<arrow::RecordBatchReader> reader, const FileRead& read,
      bool filtered) {
    ARROW_ASSIGN_OR_RAISE(reader, plan_->meanings[i].Present(std::move(reader), &unmapped_));
    std::optional<arrow::compute::Expression> expression = read.residual;
    if (read.filter && !filtered) {
      ARROW_ASSIGN_OR_RAISE(auto pushed, PredicateToExpression(*read.filter, *reader->schema()));
      expression = expression ? arrow::compute::and_(pushed, *expression) : pushed;
    }
    return FilterAndProject(std::move(reader), std::move(expression), read.columns);
  }

  // Planned file i decoded from its bytes (mirror, raw cache or download). With the cache on, every
  // column is converted and written to the converted cache on the way, unless another process or
  // thread is writing that entry now: then this one reads through, decoding only what it needs.
  arrow::Result<std::shared_ptr<arrow::RecordBatchReader>> OpenDecoded(
      size_t i, const FileRead& read, const arrow::StopToken& stop, SourceProgress* progress,
      std::function<void()>* on_close) {
    const PlannedFile& p = plan_->planned[i];
    const std::string& path = p.file.path;
    std::optional<io::EntryLock> lock;
    cache::ConvertedEntry entry = CacheEntryFor(p);
    if (plan_->write_converted) {
      entry.local_path = plan_->converted_cache->PathFor(options_.source_url, path,
                                                         plan_->converter, options_.cache_format);
      ARROW_ASSIGN_OR_RAISE(lock, cache::ConvertedCache::TryLockEntry(entry.local_path));
    }
    ARROW_ASSIGN_OR_RAISE(auto input, OpenInput(p, stop, on_close));
    input = CountReads(std::move(input), &counters_.bytes_read);
    std::shared_ptr<arrow::io::InputStream> bytes = input;
    if (io::HasDbcPrefix(path)) {
      ARROW_ASSIGN_OR_RAISE(bytes, OpenDbcStream(input, path, {.verify_crc = options_.verify_crc}));
    }
    dbf::SourceInfo source{.name = path, .crc32 = p.identity.crc32};
    const FileMeaning& meaning = plan_->meanings[i];
    std::shared_ptr<arrow::RecordBatchReader> reader;
    if (lock) {
      // Every column, typed, into the cache; the filter and presentation on the way out.
      ARROW_ASSIGN_OR_RAISE(
          progress->dbf,
          dbf::DbfReader::Make(bytes, FileReadOptions(FilePass::kConvert, meaning.semantics()),
                               source));
      ARROW_ASSIGN_OR_RAISE(reader, meaning.Type(progress->dbf, options_.read.on_invalid, path,
                                                 &counters_.invalid_dates));
      auto cache = plan_->converted_cache;
      ARROW_ASSIGN_OR_RAISE(
          reader, TeeToConvertedFile(
                      options_.cache_format, reader, entry.local_path, std::move(*lock),
                      [cache, entry](const std::string&, const cache::ChunkChecksums& checksums) {
                        cache::ConvertedEntry written = entry;
                        written.checksums = checksums;
                        return cache->Commit(written);
                      }));
      if (read.raw_filter) {
        ARROW_ASSIGN_OR_RAISE(auto expression,
                              PredicateToExpression(*read.raw_filter, *reader->schema()));
        ARROW_ASSIGN_OR_RAISE(reader, FilterAndProject(reader, expression, {}));
      }
      ARROW_ASSIGN_OR_RAISE(reader, Presented(i, std::move(reader), read,
                                              /*filtered=*/read.raw_filter != nullptr));
    } else {
      auto open = [&](const dbf::ReadOptions& options) {
        return dbf::DbfReader::Make(bytes, options, source);
      };
      ARROW_ASSIGN_OR_RAISE(
          MeaningfulRead decoded,
          ReadWithMeaning(open, FileReadOptions(FilePass::kAsked, nullptr, &read), read.residual,
                          meaning, path, &counters_.invalid_dates, &unmapped_));
      progress->dbf = std::move(decoded.dbf);
      reader = std::move(decoded.rows);
    }
    const int64_t deleted_column = options_.read.keep_deleted ? 1 : 0;
    counters_.columns_converted.fetch_add(progress->dbf->schema()->num_fields() - deleted_column,
                                          std::memory_order_relaxed);
    return reader;
  }

  // The converted-cache entry of a planned file's conversion with this scan's options (its local
  // path left for the caller: the cached file, or where a new conversion goes).
  cache::ConvertedEntry CacheEntryFor(const PlannedFile& p) const {
    return {.source = options_.source_url,
            .identity = p.identity,
            .converter = plan_->converter,
            .format = options_.cache_format,
            .dataset = p.file.dataset};
  }

  // The file's bytes: the local mirror, or a download decoded as it arrives (kept in the raw cache,
  // or in a temporary directory removed when the file is done when caching is off).
  arrow::Result<std::shared_ptr<arrow::io::RandomAccessFile>> OpenInput(
      const PlannedFile& p, const arrow::StopToken& stop, std::function<void()>* on_close) {
    if (plan_->local_root) {
      ARROW_ASSIGN_OR_RAISE(fs::path local, io::JoinUnder(*plan_->local_root, p.file.path));
      auto file = arrow::io::ReadableFile::Open(local.string());
      if (!file.ok())
        return MakeError(ErrorKind::kNotFound, {.file = local.string()},
                         "cannot open the mirror's file");
      return *file;
    }
    io::DownloadOptions download;
    download.known_identity = p.identity;
    ScanCounters* counters = &counters_;
    auto check_stop = [stop]() {
      return stop.IsStopRequested() ? MakeError(ErrorKind::kCancelled, {}, "scan cancelled")
                                    : arrow::Status::OK();
    };
    download.on_bytes = [counters, check_stop](int64_t n) {
      counters->bytes_downloaded.fetch_add(n, std::memory_order_relaxed);
      return check_stop();
    };
    download.keep_waiting = check_stop;  // for another process or thread downloading this file
    if (options_.use_cache)
      return io::OpenRemoteFile(plan_->source, *plan_->raw_cache, p.file.path, std::move(download),
                                options_.read.use_threads);
    fs::path scratch = MakeTemporaryDirectory();
    *on_close = [scratch] {
      std::error_code ignored;
      fs::remove_all(scratch, ignored);
    };
    return io::OpenRemoteFile(plan_->source, io::FileCache(scratch), p.file.path,
                              std::move(download), options_.read.use_threads);
  }

  std::once_flag project_once_;
  arrow::Status project_status_;
};

Scan::Scan(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scan::~Scan() = default;

arrow::Status ScanOptions::Validate() const {
  ARROW_RETURN_NOT_OK(read.Validate());
  if (read.large_strings) {
    // Schema unification, semantic types and the converted cache are written for utf8.
    return MakeError(
        ErrorKind::kInvalidArgument, {},
        "large_strings is an option of the single-file reader (dbf::DbfReader); a scan "
        "delivers utf8");
  }
  ARROW_RETURN_NOT_OK(source_options.Validate());
  if (max_concurrent_files < 0) {
    return MakeError(ErrorKind::kInvalidArgument, {},
                     "max_concurrent_files must be >= 0 (0: one per core), got " +
                         std::to_string(max_concurrent_files));
  }
  return arrow::Status::OK();
}

arrow::Result<std::shared_ptr<Scan>> Scan::Make(std::vector<ScanFile> files, ScanOptions options) {
  ARROW_RETURN_NOT_OK(options.Validate());
  auto impl = std::make_shared<Impl>(std::move(files), std::move(options));
  ARROW_RETURN_NOT_OK(impl->Init());
  return std::shared_ptr<Scan>(new Scan(std::move(impl)));
}

arrow::Status Scan::Plan() { return impl_->Plan(); }

arrow::Result<std::shared_ptr<arrow::Schema>> Scan::schema() {
  ARROW_RETURN_NOT_OK(impl_->Plan());
  return impl_->output_schema_;
}

arrow::Result<std::vector<PlannedFile>> Scan::files() {
  ARROW_RETURN_NOT_OK(impl_->Plan());
  return impl_->plan_->planned;
}

arrow::Future<> Scan::PlanAsync() { return impl_->PlanAsync(); }

arrow::Result<std::shared_ptr<MultiFileReader>> Scan::Execute() { return impl_->Execute(); }

arrow::Result<std::shared_ptr<Scan>> Scan::Narrow(const ScanRequest& request) const {
  ScanOptions options = impl_->options_;
  options.read.columns = request.columns;
  options.read.filter = request.filter;
  options.residual_filter = request.residual_filter;
  options.read.batch_size = request.batch_size;
  options.with_source = request.with_source;
  options.ordered = request.ordered;
  ARROW_RETURN_NOT_OK(options.read.Validate());
  auto impl = std::make_shared<Impl>(impl_->PlanForNewRequest(), std::move(options));
  return std::shared_ptr<Scan>(new Scan(std::move(impl)));
}

arrow::Result<std::vector<FileExplanation>> Scan::Explain() { return impl_->Explain(); }

const ScanCounters& Scan::counters() const { return impl_->counters_; }
std::map<std::string, int64_t> Scan::unmapped_codes() const { return impl_->unmapped_.ByColumn(); }
const ScanOptions& Scan::options() const { return impl_->options_; }
std::vector<ReadWarning> Scan::warnings() const { return impl_->warnings_.Get(); }

}  // namespace arrow_sus::scan
