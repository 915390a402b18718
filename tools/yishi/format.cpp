// `yishi fmt` (canonical layout, YAML ⇄ DSL) and `yishi explain` (diagnostic codes).
#include <fstream>

#include <fmt/format.h>

#include "cli.hpp"

namespace yishi::cli {
namespace {

constexpr std::string_view format_help = R"(usage: yishi fmt [--check | --stdout] [--to=yaml|dsl] FILE ...

Rewrites each bundle file in its canonical layout, keeping its comments (each before the
declaration that followed it). With --to, prints the bundle in the other syntax instead
(to standard output; the file is left alone). A file with errors is not rewritten.
  --check    rewrite nothing; exit 1 if a file is not in canonical layout
  --stdout   print the result instead of rewriting the file
Exit codes: 0 done (or already canonical), 1 errors or (with --check) files to reformat,
2 usage error or unreadable input.
)";

constexpr std::string_view explain_help = R"(usage: yishi explain CODE | --all

Prints the explanation of a diagnostic code such as E3001; --all prints the whole table as
Markdown (this is how docs/diagnostics.md is generated).
)";

}  // namespace

int format(const std::vector<std::string>& args) {
  bool check_only = false, to_stdout = false;
  std::string to;
  std::vector<std::string> inputs;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      fmt::print("{}", format_help);
      return exit_ok;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--stdout") {
      to_stdout = true;
    } else if (a == "--to=yaml" || a == "--to=dsl") {
      to = a.substr(5);
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), format_help);
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) return usage_error("no input files", format_help);
  if (check_only && (to_stdout || !to.empty())) return usage_error("--check rewrites nothing; it takes no --stdout or --to", format_help);
  Options o;
  o.color = stderr_in_color();
  Session s(o);
  bool unreadable = false, errors = false;
  std::size_t to_reformat = 0;
  for (const auto& path : expand(inputs)) {
    if (!is_dsl_file(path) && is_calendar_file(path)) continue;  // calendars keep their own layout
    Loaded l = s.load(path);
    unreadable |= l.unreadable;
    if (!l.bundle) {
      errors = true;
      continue;
    }
    const auto& file = s.sources().file(l.source);
    if (l.bundle->provenance.is_variant() && to.empty() && !to_stdout) {
      // A local variant is written as changes to its base; rewriting it would write the
      // complete bundle instead. It is left as written.
      fmt::print(stderr, "{}: a local variant of `{}`, left as written (`--stdout` prints the complete bundle)\n",
                 path, l.bundle->provenance.base_id);
      continue;
    }
    const bool dsl = to.empty() ? is_dsl_file(path) : to == "dsl";
    const std::string text = dsl ? dsl::print(*l.bundle, &file) : yaml::print(*l.bundle, &file);
    if (!to.empty() || to_stdout) {
      fmt::print("{}", text);
    } else if (check_only) {
      if (text != file.text()) {
        fmt::print(stderr, "{}: not in canonical layout (run `yishi fmt {}`)\n", path, path);
        ++to_reformat;
      }
    } else if (text != file.text()) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << text;
      if (!out) {
        fmt::print(stderr, "yishi: cannot write `{}`\n", path);
        unreadable = true;
      } else {
        fmt::print(stderr, "{}: reformatted\n", path);
      }
    }
  }
  s.report();
  if (unreadable) return exit_usage;
  return errors || to_reformat > 0 ? exit_diagnostics : exit_ok;
}

int explain(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    fmt::print("{}", explain_help);
    return exit_ok;
  }
  if (args.size() == 1 && args[0] == "--all") {
    fmt::print("{}", diagnostics_reference_markdown());
    return exit_ok;
  }
  if (args.size() != 1) return usage_error("explain takes one code", explain_help);
  auto code = parse_code(args[0]);
  if (!code) return usage_error(fmt::format("unknown diagnostic code `{}`", args[0]), explain_help);
  const auto& i = info(*code);
  fmt::print("{} ({}): {}\n\n{}\n", code_string(*code), to_string(i.severity), i.title, i.explanation);
  return exit_ok;
}

}  // namespace yishi::cli
