// libFuzzer target: the bundle DSL loader, the checker, the compiler and both printers.
// Any input must yield diagnostics or a bundle; a bundle without errors must survive a round
// trip through the DSL and the YAML printers unchanged (else the target aborts).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "yishi/check/check.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/dsl/load.hpp"
#include "yishi/yaml/load.hpp"
#include "yishi/yaml/print.hpp"

using namespace yishi;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SourceMap sources;
  auto r = dsl::load_text(sources, "fuzz.yi", std::string(reinterpret_cast<const char*>(data), size));
  (void)render_text(r.diagnostics, sources);
  if (!r.bundle) return 0;
  const Diagnostics ds = check(*r.bundle);
  (void)render_text(ds, sources);
  const std::string as_dsl = dsl::print(*r.bundle, &sources.file(r.source));
  auto again = dsl::load_text(sources, "printed.yi", as_dsl);
  if (!again.bundle || !(*again.bundle == *r.bundle)) std::abort();  // the DSL round trip must hold
  const std::string as_yaml = yaml::print(*r.bundle);
  auto y = yaml::load_text(sources, "printed.yaml", as_yaml);
  if (!y.bundle || !(*y.bundle == *r.bundle)) std::abort();  // and so must the YAML one
  if (!ds.has_errors()) {
    auto c = compile(*r.bundle);
    if (!c.compiled) std::abort();
    (void)c.compiled->evaluate_conditions({}, 20000);
  }
  return 0;
}
