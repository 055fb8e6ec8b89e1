// The compiled-in catalog: lookups, the allocation-free guarantee, the path grammar (shared cases
// with the Python tests), a generate-then-parse round trip over every dataset, and split-part
// selection.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "arrow_sus/catalog/catalog.h"
#include "arrow_sus/catalog/dictionary.h"
#include "arrow_sus/catalog/path.h"

// Counts every global allocation so a test can prove a code path allocates nothing. Every form of
// the global operator new/delete is replaced, so each allocation and its release go through
// malloc/free.
namespace {
std::atomic<long> allocations{0};

void* CountedAlloc(std::size_t size, std::size_t alignment) noexcept {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
}

void* CountedAllocOrThrow(std::size_t size, std::size_t alignment) {
  if (void* p = CountedAlloc(size, alignment)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return CountedAllocOrThrow(size, 0); }
void* operator new[](std::size_t size) { return CountedAllocOrThrow(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  return CountedAllocOrThrow(size, size_t(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return CountedAllocOrThrow(size, size_t(a));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, 0);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, 0);
}
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, size_t(a));
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return CountedAlloc(size, size_t(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace arrow_sus::catalog {
namespace {

TEST(CatalogLookup, DatasetsAreSortedAndFoundIgnoringCase) {
  auto all = Datasets();
  ASSERT_GT(all.size(), 100u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].id, all[i].id);
  const Dataset* rd = FindDataset("SIH-rd");
  ASSERT_NE(rd, nullptr);
  EXPECT_EQ(rd->id, "sih-rd");
  EXPECT_EQ(rd->periodicity, Periodicity::kMonthly);
  EXPECT_EQ(rd->layouts.size(), 2u);
  EXPECT_EQ(FindDataset("sih-zz"), nullptr);
  EXPECT_EQ(FindDataset(""), nullptr);
}

TEST(CatalogLookup, UfsHaveIbgeCodesAndRegions) {
  EXPECT_EQ(Ufs().size(), 28u);
  const Uf* sp = FindUf("sp");
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(sp->ibge, 35);
  EXPECT_EQ(sp->region, "SE");
  ASSERT_NE(FindUfByIbge(33), nullptr);
  EXPECT_EQ(FindUfByIbge(33)->code, "RJ");
  EXPECT_EQ(FindUf("XX"), nullptr);
  EXPECT_EQ(FindUfByIbge(99), nullptr);
}

TEST(CatalogLookup, MunicipalitiesBySixAndSevenDigitCodes) {
  ASSERT_GT(Municipalities().size(), 5570u);
  const Municipality* sp = FindMunicipality(355030);
  ASSERT_NE(sp, nullptr);
  EXPECT_EQ(sp->uf, "SP");
  EXPECT_TRUE(sp->current);
  EXPECT_EQ(FindMunicipality(3550308), sp);
  EXPECT_EQ(FindMunicipality(3550309), nullptr);           // wrong check digit
  const Municipality* ignored = FindMunicipality(110000);  // "ignored" code of Rondônia
  ASSERT_NE(ignored, nullptr);
  EXPECT_FALSE(ignored->current);
  EXPECT_EQ(ignored->status, "IGNOR");
}

TEST(CatalogLookup, SchemasByPeriod) {
  const SchemaVariant* rd2009 = FindSchema("sih-rd", 2009, 7);
  ASSERT_NE(rd2009, nullptr);
  EXPECT_EQ(rd2009->fields.size(), 86u);
  const SchemaVariant* rd2023 = FindSchema("sih-rd", 2023, 6);
  ASSERT_NE(rd2023, nullptr);
  EXPECT_EQ(rd2023->fields.size(), 113u);
  EXPECT_EQ(FindSchema("sinan-zzzz", 2020, 0), nullptr);
  // What the retired column notes said lives in the data dictionary, per period.
  const FieldInfo* dt = FindFieldInfo("sih-rd", "dt_inter", 2023);
  ASSERT_NE(dt, nullptr);
  EXPECT_EQ(dt->kind, FieldKind::kDate);
  EXPECT_EQ(dt->date_format, "YYYYMMDD");
  const FieldInfo* dtobito = FindFieldInfo("sim-do", "DTOBITO", 2022);
  ASSERT_NE(dtobito, nullptr);
  EXPECT_EQ(dtobito->date_format, "DDMMYYYY");
}

TEST(CatalogLookup, ListedPeriodsAsRuns) {
  // From data/periods.json (the 2026-04-30 server listing): monthly runs with gaps, yearly keys.
  auto ee = ListedPeriods("CNES-EE");
  ASSERT_EQ(ee.size(), 3u);
  EXPECT_EQ(ee[0].first, 200703);
  EXPECT_EQ(ee[0].last, 201812);
  EXPECT_EQ(ee[2].first, 202107);
  auto deng = ListedPeriods("sinan-deng");
  ASSERT_FALSE(deng.empty());
  EXPECT_EQ(deng.front().first, 200000);
  EXPECT_TRUE(ListedPeriods("aux-cid10").empty());
  EXPECT_TRUE(ListedPeriods("no-such-dataset").empty());
  EXPECT_EQ(ListingDate(), "2026-04-30");
}

TEST(CatalogLookup, LookupsAndParsingAllocateNothing) {
  const char* names[] = {"RDSP2301.dbc", "/dissemin/publicos/SIASUS/200801_/Dados/PASP2301a.dbc",
                         "DORRO79.DBC", "DENGBR25.dbc", "not-a-file.txt"};
  const long before = allocations.load();
  size_t found = 0;
  for (int round = 0; round < 100; ++round) {
    found += FindDataset("sim-do") != nullptr;
    found += FindUf("rj") != nullptr;
    found += FindUfByIbge(43) != nullptr;
    found += FindMunicipality(3304557) != nullptr;
    found += FindSchema("sih-rd", 2020, 1) != nullptr;
    found += FindFieldInfo("sih-rd", "DIAG_PRINC", 2020) != nullptr;
    found += Schemas("cnes-st").size();
    found += ListedPeriods("sih-rd").size();
    for (const char* name : names) found += Classify(name).outcome == ParseOutcome::kMatched;
  }
  EXPECT_EQ(allocations.load() - before, 0);
  EXPECT_GT(found, 0u);
}

// Splits a TSV line into its fields.
std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, '\t')) out.push_back(field);
  while (out.size() < 8) out.emplace_back();
  return out;
}

TEST(CatalogPaths, SharedCasesMatchPython) {
  std::ifstream in(std::string(ARROW_SUS_SOURCE_DIR) + "/tests/data/catalog_cases.tsv");
  ASSERT_TRUE(in.good());
  std::string line;
  int cases = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto f = SplitTabs(line);
    SCOPED_TRACE(f[0]);
    const ParseResult r = Classify(f[0]);
    ++cases;
    if (f[1] != "matched") {
      EXPECT_NE(r.outcome, ParseOutcome::kMatched);
      EXPECT_FALSE(ParsePath(f[0]).ok());
      continue;
    }
    ASSERT_EQ(r.outcome, ParseOutcome::kMatched);
    EXPECT_EQ(r.ref.dataset->id, f[2]);
    EXPECT_EQ(r.ref.uf, f[3]);
    EXPECT_EQ(r.ref.year, f[4].empty() ? 0 : std::stoi(f[4]));
    EXPECT_EQ(r.ref.month, f[5].empty() ? 0 : std::stoi(f[5]));
    EXPECT_EQ(r.ref.part, f[6]);
    EXPECT_EQ(r.ref.preliminary, f[7].empty() ? -1 : std::stoi(f[7]));
  }
  EXPECT_GT(cases, 50);
}

TEST(CatalogPaths, CandidatePathsForKnownFiles) {
  auto pa =
      CandidatePaths({.dataset = "sia-pa", .uf = "SP", .year = 2023, .month = 1, .part = "b"});
  ASSERT_TRUE(pa.ok()) << pa.status().ToString();
  ASSERT_EQ(pa->size(), 1u);
  EXPECT_EQ(pa->front(), "/dissemin/publicos/SIASUS/200801_/Dados/PASP2301b.dbc");
  auto deng = CandidatePaths({.dataset = "sinan-deng", .year = 2024});
  ASSERT_TRUE(deng.ok());
  EXPECT_EQ(*deng,
            (std::vector<std::string>{"/dissemin/publicos/SINAN/DADOS/FINAIS/DENGBR24.dbc",
                                      "/dissemin/publicos/SINAN/DADOS/PRELIM/DENGBR24.dbc"}));
  auto leiv = CandidatePaths({.dataset = "sinan-leiv", .year = 2022});
  ASSERT_TRUE(leiv.ok());
  EXPECT_EQ(leiv->size(), 3u);  // FINAIS, PRELIM and the misnamed LEIBR22
  EXPECT_FALSE(CandidatePaths({.dataset = "sih-rd", .uf = "SP", .year = 2023}).ok());  // no month
  EXPECT_FALSE(CandidatePaths({.dataset = "sih-rd", .uf = "XX", .year = 2023, .month = 1}).ok());
  EXPECT_FALSE(CandidatePaths({.dataset = "nope", .year = 2023}).ok());
  EXPECT_FALSE(CandidatePaths({.dataset = "sih-rd", .uf = "SP", .year = 1980, .month = 1}).ok());
}

// Every name the grammar can produce parses back to exactly its dataset and partition: proves no
// two datasets' patterns overlap over the periods they hold.
TEST(CatalogPaths, EveryGeneratedNameParsesBack) {
  size_t checked = 0;
  std::vector<std::string_view> locations = {""};
  for (const Uf& uf : Ufs()) locations.push_back(uf.code);
  for (const Dataset& ds : Datasets()) {
    for (const Layout& layout : ds.layouts) {
      if (layout.placeholder) continue;
      const int first_year = layout.first ? layout.first / 100 : 0;
      const int last_year = layout.last ? layout.last / 100 : (layout.first ? 2026 : 0);
      for (int year = first_year; year <= last_year; ++year) {
        const int months = ds.periodicity == Periodicity::kMonthly ? 12 : 0;
        for (int month = months ? 1 : 0; month <= months; ++month) {
          for (std::string_view uf : locations) {
            auto paths = CandidatePaths({.dataset = ds.id, .uf = uf, .year = year, .month = month});
            if (!paths.ok()) continue;
            for (const std::string& path : *paths) {
              SCOPED_TRACE(path);
              const ParseResult r = Classify(path);
              ASSERT_EQ(r.outcome, ParseOutcome::kMatched);
              EXPECT_EQ(r.ref.dataset, &ds);
              EXPECT_EQ(r.ref.year, year);
              EXPECT_EQ(r.ref.CanonicalPath(), path);
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 100000u);
}

// FileRefs view into the names, which must outlive them.
std::vector<FileRef> Refs(const std::vector<std::string>& names) {
  std::vector<FileRef> refs;
  for (const std::string& name : names) refs.push_back(ParsePath(name).ValueOrDie());
  return refs;
}

TEST(CatalogParts, WholeFileWinsOverItsParts) {
  const std::vector<std::string> names = {"BISP2301_1.dbc", "BISP2301.dbc", "BISP2301_2.dbc",
                                          "BISP2302_1.dbc"};
  auto refs = Refs(names);
  auto chosen = SelectParts(refs);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, (std::vector<size_t>{1, 3}));
}

TEST(CatalogParts, AllPartsWithoutGapsExactlyOnce) {
  const std::vector<std::string> names = {"PASP2301c.dbc", "PASP2301a.dbc", "PASP2301b.dbc",
                                          "PASP2301A.DBC", "PARJ2301.dbc"};
  auto refs = Refs(names);
  auto chosen = SelectParts(refs);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, (std::vector<size_t>{0, 1, 2, 4}));
}

TEST(CatalogParts, MissingPartIsAnError) {
  const std::vector<std::string> letters = {"PASP2301a.dbc", "PASP2301c.dbc"};
  EXPECT_FALSE(SelectParts(Refs(letters)).ok());
  const std::vector<std::string> numbered = {"BISP2301_2.dbc"};
  EXPECT_FALSE(SelectParts(Refs(numbered)).ok());
}

}  // namespace
}  // namespace arrow_sus::catalog
