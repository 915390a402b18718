// Property: printing a bundle and loading the text gives the same IR, in both syntaxes:
//   yaml::load_text(yaml::print(ir)) == ir   and   dsl::load_text(dsl::print(ir)) == ir,
// and printing is canonical: printing the reloaded bundle gives the same text. Random bundles
// (generators.hpp) use every optional part the printers write, with Chinese text and text
// that needs quoting. `==` on the IR ignores source spans.
// YISHI_PROPERTY_CASES and YISHI_PROPERTY_SEED scale and reproduce a run.
#include <doctest/doctest.h>

#include "generators.hpp"

using namespace yishi;
using namespace yishi::property;

namespace {

// Checks one syntax; returns false (after reporting) on the first failure.
template <class Print, class Load>
bool round_trip(const char* syntax, const ir::Bundle& ir, std::uint64_t seed, Print print, Load load) {
  const std::string text = print(ir);
  const Reloaded back = load(text);
  if (!back.bundle) {
    FAIL_CHECK(std::string(syntax) << ": the printed bundle does not load (" << rerun(seed) << ")\n"
                      << back.diagnostics << "\n--- printed ---\n" << text);
    return false;
  }
  if (!(*back.bundle == ir)) {
    FAIL_CHECK(std::string(syntax) << ": load(print(ir)) != ir at " << first_difference(ir, *back.bundle) << " (" << rerun(seed)
                      << ")\n--- printed ---\n" << text << "--- printed again ---\n" << print(*back.bundle));
    return false;
  }
  const std::string again = print(*back.bundle);
  if (again != text) {
    FAIL_CHECK(std::string(syntax) << ": printing is not canonical (" << rerun(seed) << ")\n--- first ---\n" << text
                      << "--- second ---\n" << again);
    return false;
  }
  return true;
}

void run(std::uint64_t seed, int cases) {
  int failures = 0;
  std::size_t yaml_bytes = 0, dsl_bytes = 0;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    BundleOptions o;
    o.max_items = rng.pick(1, 8);
    const ir::Bundle ir = random_bundle(rng, o);
    const bool ok_yaml = round_trip("YAML", ir, s, [](const ir::Bundle& b) { return yaml::print(b); }, load_yaml);
    const bool ok_dsl = round_trip("DSL", ir, s, [](const ir::Bundle& b) { return dsl::print(b); }, load_dsl);
    failures += !ok_yaml || !ok_dsl;
    yaml_bytes += yaml::print(ir).size();
    dsl_bytes += dsl::print(ir).size();
  }
  MESSAGE(cases << " bundles, " << yaml_bytes / 1024 << " KiB of YAML and " << dsl_bytes / 1024 << " KiB of DSL");
}

}  // namespace

TEST_CASE("property.round_trip.yaml_and_dsl_print_then_load_give_the_same_ir") {
  run(base_seed(20261201), case_count());
}

