// `yishi check` and `yishi compile`.
#include <fmt/format.h>

#include "cli.hpp"
#include "yishi/base/json.hpp"

namespace yishi::cli {
namespace {

constexpr std::string_view check_help = R"(usage: yishi check [--json] [--no-warnings] [--color=WHEN] FILE|DIR ...

Loads each bundle and runs every semantic check. Diagnostics are printed to stderr as
`file:line:col: error[E3001]: message` with the source line, or as JSON on stdout with --json.
Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage error or unreadable input.
)";

constexpr std::string_view compile_help = R"(usage: yishi compile [--json] [--no-warnings] [--color=WHEN] FILE|DIR ...

Checks and compiles each bundle into its executable step graph and prints a summary
(steps, levels of parallel work, topological order); --json prints the graph itself.
Exit codes: 0 all compiled, 1 errors, 2 usage error or unreadable input.
)";


int run_check(const Options& o) {
  Session s(o);
  bool unreadable = false;
  std::size_t checked = 0, calendars = 0;
  const std::vector<std::string> files = expand(o.inputs);
  Progress progress(files.size());
  for (const auto& path : files) {
    progress.next(path);
    Loaded l = s.load(path);
    unreadable |= l.unreadable;
    calendars += l.calendar;
    if (!l.bundle) continue;
    CheckOptions co;
    co.warnings = o.warnings;
    s.keep(check(*l.bundle, co));
    ++checked;
  }
  progress.finish();
  const bool errors = s.report();
  if (o.json) fmt::print("{}", diagnostics_json(s));
  else if (s.diagnostics().empty())
    fmt::print(stderr, "checked {} bundle{}{}: no errors\n", checked, checked == 1 ? "" : "s",
               calendars ? fmt::format(" and {} calendar{}", calendars, calendars == 1 ? "" : "s") : "");
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

std::string step_json(const CompiledBundle& cb, const Step& st) {
  auto ids = [&](const std::vector<StepId>& v) {
    std::vector<std::string> names;
    for (auto id : v) names.push_back(json::quote(cb.step(id).name));
    return fmt::format("[{}]", fmt::join(names, ","));
  };
  return fmt::format(R"({{"name":{},"kind":"{}","depth":{},"join":"{}","threshold":{},"after":{},"before":{}}})",
                     json::quote(st.name), to_string(st.kind), st.depth,
                     ir::to_string(st.join.kind), st.join.threshold, ids(st.predecessors), ids(st.successors));
}

int run_compile(const Options& o) {
  Session s(o);
  bool unreadable = false;
  std::vector<std::string> compiled_json;
  const std::vector<std::string> files = expand(o.inputs);
  Progress progress(files.size());
  for (const auto& path : files) {
    progress.next(path);
    const auto compiled = s.load_compiled(path, unreadable);
    if (!compiled) continue;
    const auto& cb = *compiled;
    const auto& b = cb.bundle();
    if (o.json) {
      std::vector<std::string> steps, order;
      for (const auto& st : cb.steps()) steps.push_back(step_json(cb, st));
      for (auto id : cb.topological_order()) order.push_back(json::quote(cb.step(id).name));
      compiled_json.push_back(fmt::format(R"({{"file":{},"bundle":{},"version":{},"steps":[{}],"order":[{}]}})",
                                          json::quote(path), json::quote(b.id),
                                          json::quote(b.version), fmt::join(steps, ","), fmt::join(order, ",")));
    } else {
      std::vector<std::string> order;
      for (auto id : cb.topological_order()) order.push_back(cb.step(id).name);
      fmt::print("{}: compiled `{}` {} ({}): {} items, {} steps, {} levels, up to {} reviews in parallel\n  order: {}\n",
                 path, b.id, b.version, b.name, b.items.size(), cb.steps().size(), cb.levels().size(),
                 cb.max_parallel_reviews(), fmt::join(order, " → "));
    }
  }
  progress.finish();
  const bool errors = s.report();
  if (o.json)
    fmt::print("{{\"compiled\":[{}],\"errors\":{},\"warnings\":{},\"diagnostics\":{}}}\n", fmt::join(compiled_json, ","),
               s.diagnostics().error_count(), s.diagnostics().warning_count(),
               render_json(s.diagnostics(), s.sources()));
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

}  // namespace

int check_or_compile(const std::string& verb, const std::vector<std::string>& args) {
  const std::string_view help = verb == "check" ? check_help : compile_help;

  Options o;
  std::string color = "auto";
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      fmt::print("{}", help);
      return exit_ok;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--no-warnings") {
      o.warnings = false;
    } else if (a.starts_with("--color=")) {
      color = a.substr(8);
      if (color != "auto" && color != "always" && color != "never")
        return usage_error(fmt::format("invalid `{}`: use auto, always or never", a), help);
    } else if (a.starts_with("-") && a != "-") {
      return usage_error(fmt::format("unknown option `{}`", a), help);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.inputs.empty()) return usage_error("no input files", help);
  o.color = color == "always" || (color == "auto" && stderr_in_color());
  return verb == "check" ? run_check(o) : run_compile(o);
}

}  // namespace yishi::cli
