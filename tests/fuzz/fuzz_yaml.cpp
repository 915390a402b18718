// libFuzzer target: the YAML bundle loader and the calendar loader, then the checker, the
// compiler and both printers. Any input must yield diagnostics or a bundle, never a crash, a
// leak or a sanitizer report. A bundle that loaded must survive a round trip through the YAML
// printer unchanged, and, unless an expression of it does not parse, through the DSL printer
// (both promise `load_text(print(b)) == b`); one that checked clean must compile (else the
// target aborts).
#include <algorithm>
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
  const std::string text(reinterpret_cast<const char*>(data), size);
  SourceMap sources;
  // The calendar format is YAML too, read by its own loader: the same bytes go through both.
  auto calendar = yaml::load_calendar_text(sources, "fuzz-calendar.yaml", text);
  (void)render_text(calendar.diagnostics, sources);

  auto r = yaml::load_text(sources, "fuzz.yaml", text);
  (void)render_text(r.diagnostics, sources);
  (void)render_json(r.diagnostics, sources);
  if (!r.bundle) return 0;
  const Diagnostics ds = check(*r.bundle);
  (void)render_text(ds, sources);
  // Printing with the source's comments must not change the meaning either.
  const std::string as_yaml = yaml::print(*r.bundle, &sources.file(r.source));
  auto again = yaml::load_text(sources, "printed.yaml", as_yaml);
  if (!again.bundle || !(*again.bundle == *r.bundle)) std::abort();  // the YAML round trip must hold
  // The DSL parses expressions as part of the bundle, where YAML keeps their text for the
  // checker: a bundle whose expressions do not parse has no DSL form (the grammar must find
  // where each ends). Every other bundle that loaded, errors or not, prints and loads back.
  const bool expressions_parse = std::none_of(ds.items().begin(), ds.items().end(), [](const Diagnostic& d) {
    return d.code == DiagCode::syntax_error || d.code == DiagCode::invalid_literal ||
           d.code == DiagCode::expression_too_complex;
  });
  if (expressions_parse) {
    const std::string as_dsl = dsl::print(*r.bundle);
    auto d = dsl::load_text(sources, "printed.yi", as_dsl);
    if (!d.bundle || !(*d.bundle == *r.bundle)) std::abort();  // and so must the DSL one
  }
  if (!ds.has_errors()) {
    auto c = compile(*r.bundle);
    if (!c.compiled) std::abort();  // a bundle that checked clean compiles
    (void)c.compiled->evaluate_conditions({}, 20000);
  }
  return 0;
}
