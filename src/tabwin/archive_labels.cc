#include "arrow_sus/tabwin/archive_labels.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/error.h"
#include "tabwin/paths.h"

namespace arrow_sus::tabwin {

namespace {

using internal::BaseName;
using internal::DirName;
using internal::Upper;

bool EndsWithIgnoringCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && Upper(text.substr(text.size() - suffix.size())) == suffix;
}

// "dir/sub/../X.CNV" -> "dir/X.CNV"; ".." above the root and drive letters are dropped.
std::string NormalizePath(std::string_view path) {
  std::string text(path);
  std::replace(text.begin(), text.end(), '\\', '/');
  if (text.size() >= 2 && text[1] == ':') text.erase(0, 2);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t slash = text.find('/', start);
    std::string part =
        text.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : "/") + part;
  return out;
}

// The member a DEF's conversion file names: relative to the DEF's folder, else to the archive's
// root, else the only member with that file name (or the one beside the DEF). nullptr, with the
// reason in `problem`, when there is none or no way to choose.
const io::ZipMember* ResolveConversion(const io::ZipArchive& archive, std::string_view def_member,
                                       std::string_view conversion, std::string* problem) {
  const std::string dir(DirName(def_member));
  for (const std::string& candidate :
       {NormalizePath(dir + "/" + std::string(conversion)), NormalizePath(conversion)}) {
    auto found = archive.Find(candidate);
    if (!found.ok()) {
      *problem = found.status().message();
      return nullptr;
    }
    if (*found != nullptr) return *found;
  }
  const std::string name = Upper(BaseName(NormalizePath(conversion)));
  std::vector<const io::ZipMember*> same_name;
  for (const io::ZipMember& member : archive.members()) {
    if (!member.is_directory && Upper(BaseName(member.name)) == name) same_name.push_back(&member);
  }
  if (same_name.size() == 1) return same_name[0];
  for (const io::ZipMember* member : same_name) {
    if (DirName(member->name) == dir) return member;
  }
  *problem = same_name.empty() ? std::string(conversion) + " is not in the archive"
                               : std::string(conversion) + " could be any of " +
                                     std::to_string(same_name.size()) + " members with that name";
  return nullptr;
}

// The length of `field` in the dataset's layout in force at the end of `period`, or 0.
int FieldWidth(std::string_view dataset, std::string_view field, PeriodRange period) {
  const int year = period.last ? period.last / 100 : 9999;
  const int month = period.last ? std::max(1, period.last % 100) : 12;
  const catalog::SchemaVariant* schema = catalog::FindSchema(dataset, year, month);
  if (schema == nullptr) return 0;
  for (const catalog::Field& f : schema->fields) {
    if (Upper(f.name) == field) return f.length;
  }
  return 0;
}

bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// Whether a CNV's file name is the field's name ("SEXO.CNV" for SEXO), ignoring other characters.
bool NamedLike(std::string_view cnv_member, std::string_view field) {
  std::string stem = Upper(internal::Stem(BaseName(cnv_member)));
  std::erase_if(stem, [](char c) { return !Alnum(c); });
  std::string name(field);
  std::erase_if(name, [](char c) { return !Alnum(c); });
  return stem == name;
}

void OrderConversions(FieldLists& lists, int width) {
  auto key = [&](const FieldConversion& c) {
    const bool direct = c.variable.marker == 'X' || c.variable.marker == 'D';
    return std::make_tuple(c.variable.position != 1, width > 0 && c.cnv->code_width != width,
                           !NamedLike(c.cnv_member, lists.field), !direct,
                           -static_cast<int64_t>(c.cnv->categories.size()));
  };
  std::stable_sort(
      lists.conversions.begin(), lists.conversions.end(),
      [&](const FieldConversion& a, const FieldConversion& b) { return key(a) < key(b); });
  // The same CNV from the same position, declared for rows, columns and selection: keep one.
  std::vector<FieldConversion> unique;
  for (FieldConversion& c : lists.conversions) {
    const bool seen = std::any_of(unique.begin(), unique.end(), [&](const FieldConversion& u) {
      return u.cnv_member == c.cnv_member && u.variable.position == c.variable.position;
    });
    if (!seen) unique.push_back(std::move(c));
  }
  lists.conversions = std::move(unique);
}

class ArchiveReader {
 public:
  ArchiveReader(const io::ZipArchive& archive, std::string_view archive_path,
                const ArchiveLabelOptions& options)
      : archive_(archive), label_(BaseName(archive_path)), options_(options) {
    out_.archive = std::string(archive_path);
  }

  arrow::Result<ArchiveLabels> Read(std::span<const std::string> dataset_ids) {
    std::vector<const catalog::Dataset*> datasets;
    for (const std::string& id : dataset_ids) {
      const catalog::Dataset* dataset = catalog::FindDataset(id);
      if (dataset == nullptr)
        return MakeError(ErrorKind::kInvalidArgument, {}, "unknown dataset \"" + id + "\"");
      datasets.push_back(dataset);
    }
    ARROW_RETURN_NOT_OK(ReadDefs());
    std::vector<bool> used(defs_.size(), false);
    for (const catalog::Dataset* dataset : datasets) {
      DatasetLabels labels;
      labels.dataset = std::string(dataset->id);
      labels.period = ArchivePeriod(out_.archive, *dataset);
      std::map<std::string, FieldLists> fields;
      for (size_t d = 0; d < defs_.size(); ++d) {
        if (!DefDescribes(defs_[d].second, *dataset, datasets.size() == 1)) continue;
        used[d] = true;
        labels.defs.push_back(defs_[d].first);
        ARROW_RETURN_NOT_OK(AddConversions(defs_[d].first, defs_[d].second, fields));
      }
      for (auto& [field, lists] : fields) {
        OrderConversions(lists, FieldWidth(labels.dataset, field, labels.period));
        labels.fields.push_back(std::move(lists));
      }
      out_.datasets.push_back(std::move(labels));
    }
    for (size_t d = 0; d < defs_.size(); ++d) {
      if (!used[d]) out_.unmatched_defs.push_back(defs_[d].first);
    }
    return std::move(out_);
  }

 private:
  std::string MemberLabel(const std::string& member) const { return label_ + ":" + member; }

  // Records a member's failure as a problem (collect_errors) or returns it.
  arrow::Status Problem(const std::string& member, const arrow::Status& status) {
    if (!options_.collect_errors) return status;
    out_.problems.push_back({member, status.message()});
    return arrow::Status::OK();
  }

  arrow::Result<std::shared_ptr<arrow::Buffer>> ReadText(const io::ZipMember& member) {
    return archive_.ReadMember(member, options_.max_member_size);
  }

  arrow::Status ReadDefs() {
    for (const io::ZipMember& member : archive_.members()) {
      if (member.is_directory || !EndsWithIgnoringCase(member.name, ".DEF")) continue;
      out_.defs.push_back(member.name);
      auto bytes = ReadText(member);
      if (!bytes.ok()) {
        ARROW_RETURN_NOT_OK(Problem(member.name, bytes.status()));
        continue;
      }
      auto def = ParseDef({(*bytes)->data(), static_cast<size_t>((*bytes)->size())},
                          MemberLabel(member.name), options_.text);
      if (!def.ok()) {
        ARROW_RETURN_NOT_OK(Problem(member.name, def.status()));
        continue;
      }
      defs_.emplace_back(member.name, std::move(*def));
    }
    return arrow::Status::OK();
  }

  // The parsed CNV of a member (once per member), or nullptr when it failed and was collected.
  arrow::Result<std::shared_ptr<const CnvFile>> LoadCnv(const io::ZipMember& member) {
    if (auto it = cnvs_.find(member.name); it != cnvs_.end()) return it->second;
    std::shared_ptr<const CnvFile> parsed;
    auto bytes = ReadText(member);
    if (!bytes.ok()) {
      ARROW_RETURN_NOT_OK(Problem(member.name, bytes.status()));
    } else {
      auto cnv = ParseCnv({(*bytes)->data(), static_cast<size_t>((*bytes)->size())},
                          MemberLabel(member.name), options_.text);
      if (cnv.ok()) {
        parsed = std::make_shared<const CnvFile>(std::move(*cnv));
      } else {
        ARROW_RETURN_NOT_OK(Problem(member.name, cnv.status()));
      }
    }
    cnvs_.emplace(member.name, parsed);
    return parsed;
  }

  arrow::Status AddConversions(const std::string& def_member, const DefFile& def,
                               std::map<std::string, FieldLists>& fields) {
    for (const DefVariable& var : def.variables) {
      if (var.kind != ConversionKind::kCnv) continue;
      std::string problem;
      const io::ZipMember* member =
          ResolveConversion(archive_, def_member, var.conversion, &problem);
      if (member == nullptr) {
        // Reported whatever the mode, never fatal (a DEF may name a file its archive lacks): the
        // other variables are still usable.
        RecordOnce(def_member,
                   MemberLabel(def_member) + ", line " + std::to_string(var.line) + ": " + problem);
        continue;
      }
      ARROW_ASSIGN_OR_RAISE(auto cnv, LoadCnv(*member));
      if (cnv == nullptr) continue;
      FieldLists& lists = fields[var.field];
      lists.field = var.field;
      lists.conversions.push_back({def_member, var, member->name, std::move(cnv)});
    }
    return arrow::Status::OK();
  }

  void RecordOnce(const std::string& member, std::string message) {
    const bool seen = std::any_of(out_.problems.begin(), out_.problems.end(),
                                  [&](const ArchiveProblem& p) { return p.message == message; });
    if (!seen) out_.problems.push_back({member, std::move(message)});
  }

  const io::ZipArchive& archive_;
  std::string label_;
  const ArchiveLabelOptions& options_;
  ArchiveLabels out_;
  std::vector<std::pair<std::string, DefFile>> defs_;
  std::map<std::string, std::shared_ptr<const CnvFile>> cnvs_;
};

}  // namespace

arrow::Result<ArchiveLabels> ReadArchiveLabels(const io::ZipArchive& archive,
                                               std::string_view archive_path,
                                               std::span<const std::string> datasets,
                                               const ArchiveLabelOptions& options) {
  return ArchiveReader(archive, archive_path, options).Read(datasets);
}

std::vector<FieldComparison> CompareDataset(const DatasetLabels& labels) {
  const int year = labels.period.last ? labels.period.last / 100 : 0;
  std::vector<FieldComparison> out;
  for (const FieldLists& lists : labels.fields) {
    FieldComparison comparison;
    comparison.field = lists.field;
    comparison.compiled = catalog::FindFieldInfo(labels.dataset, lists.field, year);
    const CnvFile& cnv = *lists.conversions.front().cnv;
    const catalog::FieldInfo* info = comparison.compiled;
    // Class limits (ages, weights) are not codes; reference tables are compared elsewhere.
    const bool reference =
        info != nullptr && info->code_list == nullptr && !info->reference.empty();
    if (!cnv.numeric_classes() && !reference)
      comparison.rows = CompareWithCompiled(cnv, info != nullptr ? info->code_list : nullptr);
    out.push_back(std::move(comparison));
  }
  return out;
}

}  // namespace arrow_sus::tabwin
