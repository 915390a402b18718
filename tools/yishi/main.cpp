// The `yishi` command line: check, compile, report, graph, run, simulate, export, fmt, explain.
// Each verb is in its own file; cli.hpp has what they share.
#include <exception>

#include <fmt/format.h>

#include "cli.hpp"

namespace {

constexpr std::string_view main_help = R"(yishi: government-service bundles (一件事) as executable workflows

usage: yishi <command> [options] [FILE|DIR ...]

commands:
  check     load and check bundles; print diagnostics
  compile   check and compile bundles into their executable graph
  report    the 四减 report: time, steps, materials, form fields and trips saved
  graph     draw a bundle: Graphviz DOT, SVG or Mermaid
  run       drive a case through the engine from a script of commands
  simulate  run a caseload through the engine on virtual time (docs/simulation.md)
  export    export a bundle's merged form (`--schema`: JSON Schema)
  fmt       rewrite bundles canonically (YAML or DSL), or convert between the two
  explain   explain a diagnostic code (`yishi explain E3001`, `--all` for all)

options common to check and compile:
  --json          machine-readable output on stdout
  --no-warnings   report errors only
  --color=WHEN    auto (default), always or never

Bundles are written in YAML (*.yaml, *.yml; docs/bundle-format.md) or in the DSL (*.yi;
docs/language.md). Directories are searched recursively for these files: bundles, and
working-day calendars (YAML files whose first key is `calendar:`), which are checked but not
compiled; simulation scenarios (YAML files with a top-level `bundles:` list) are left to
`yishi simulate`.
Working through several files, a verb shows `[k/n] file` on standard error when it is a
terminal.
Exit codes: 0 no errors, 1 errors in the input, 2 usage error or unreadable input.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace yishi::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    fmt::print("{}", main_help);
    return args.empty() ? exit_usage : exit_ok;
  }
  if (args[0] == "--version") {
    fmt::print("yishi 0.1.0\n");
    return exit_ok;
  }
  const std::string verb = args[0];
  args.erase(args.begin());
  try {
    if (verb == "check" || verb == "compile") return check_or_compile(verb, args);
    if (verb == "report" || verb == "export") return report_or_export(verb, args);
    if (verb == "graph") return graph(args);
    if (verb == "run") return run(args);
    if (verb == "simulate") return simulate(args);
    if (verb == "fmt") return format(args);
    if (verb == "explain") return explain(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "yishi: internal error: {}\n", e.what());
    return exit_internal;
  }
  return usage_error(fmt::format("unknown command `{}`", verb), main_help);
}
