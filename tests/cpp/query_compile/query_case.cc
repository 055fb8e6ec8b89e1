// One use of arrow_sus::Query per QUERY_CASE, compiled by the ctest tests of
// tests/cpp/CMakeLists.txt
// ("query_compile_*"): the complete query must compile, each incomplete one must fail with the
// static_assert that names its missing part.
#include "arrow_sus/query.h"

namespace {

[[maybe_unused]] auto Use() {
#if QUERY_CASE == 0  // complete: states, year, month
  return arrow_sus::query::Sih("RD").Uf({"SP"}).Year(2023).Month(1).Build();
#elif QUERY_CASE == 1  // no month
  return arrow_sus::query::Sih("RD").Uf({"SP"}).Year(2023).Build();
#elif QUERY_CASE == 2  // no state, discovering straight away
  arrow_sus::io::Source* source = nullptr;
  return arrow_sus::query::Sih("RD").Year(2023).Month(1).Discover(*source);
#elif QUERY_CASE == 3  // a month of a yearly dataset
  return arrow_sus::query::Sim("DO").Year(2022).Month(1).Build();
#endif
}

}  // namespace
