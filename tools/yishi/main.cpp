// The `yishi` command line: check, compile, report, export, fmt, explain.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "yishi/base/json.hpp"
#include "yishi/yishi.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int exit_ok = 0, exit_diagnostics = 1, exit_usage = 2;

constexpr std::string_view main_help = R"(yishi: government-service bundles (一件事) as executable workflows

usage: yishi <command> [options] [FILE|DIR ...]

commands:
  check     load and check bundles; print diagnostics
  compile   check and compile bundles into their executable graph
  report    the 四减 report: time, steps, materials, form fields and trips saved
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
compiled.
Exit codes: 0 no errors, 1 errors in the input, 2 usage error or unreadable input.
)";

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

constexpr std::string_view report_help = R"(usage: yishi report [--json] [--answer FIELD=VALUE ...] [--pledge ITEM ...] [--today=DATE] FILE|DIR ...

Prints the 四减 report of each bundle (docs/report.md): working days separately (the sum of the
items' own limits) against the critical path of the promised limits, the statutory figures,
steps, materials, form fields and trips, and the critical path item by item. Without answers
every item counts; with answers only the items that apply (undecided ones are listed).
  --json                 one JSON object per bundle, in a JSON array
  --answer FIELD=VALUE   an applicant's answer (repeatable); lists of values joined by `,`
  --pledge ITEM          the applicant pledges for this item (告知承诺; repeatable)
  --today=YYYY-MM-DD     the date conditions are evaluated on (default: today)
Exit codes: 0 done, 1 errors in a bundle, an answer or a pledge, 2 usage error or unreadable
input.
)";

constexpr std::string_view export_help = R"(usage: yishi export --schema [--answer FIELD=VALUE ...] [--today=DATE] FILE

Prints the merged form of the bundle (docs/forms.md) as a JSON Schema (draft 2020-12) on
standard output. Without answers the form holds every item's questions; with answers, the
questions of the items that apply and those still needed to decide the others.
Exit codes: 0 done, 1 errors in the bundle or an answer, 2 usage error or unreadable input.
)";

constexpr std::string_view fmt_help = R"(usage: yishi fmt [--check | --stdout] [--to=yaml|dsl] FILE ...

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

struct Options {
  bool json = false;
  bool warnings = true;
  bool color = false;
  std::vector<std::string> inputs;
};

int usage_error(std::string_view msg, std::string_view help) {
  fmt::print(stderr, "yishi: {}\n\n{}", msg, help);
  return exit_usage;
}

// A calendar file (bundles/calendars/) starts its map with `calendar:`; every other YAML
// file is a bundle.
bool is_calendar_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    return line.rfind("calendar:", 0) == 0;
  }
  return false;
}

bool is_dsl_file(const fs::path& p) { return yishi::is_dsl_path(p.string()); }
bool is_bundle_file(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml" || is_dsl_file(p); }

// Expands directories into their bundle files (sorted, for stable output).
std::vector<std::string> expand(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file(ec) && is_bundle_file(it->path())) found.push_back(it->path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(in);
    }
  }
  return out;
}

struct Loaded {
  std::string path;
  std::optional<yishi::ir::Bundle> bundle;
  bool unreadable = false;
  bool calendar = false;
  yishi::SourceId source = yishi::no_source;
};

class Session {
 public:
  explicit Session(const Options& o) : opts_(o) {}

  Loaded load(const std::string& path) {
    if (!is_dsl_file(path) && is_calendar_file(path)) {  // calendars are checked, not compiled
      auto c = yishi::yaml::load_calendar_file(sources_, path);
      keep(c.diagnostics);
      return Loaded{path, std::nullopt, false, true};
    }
    auto r = yishi::load_bundle_file(sources_, path);  // YAML or, for `.yi`, the DSL
    Loaded l{path, std::move(r.bundle), false};
    l.source = r.source;
    for (const auto& d : r.diagnostics.items())
      if (d.code == yishi::DiagCode::io_error) l.unreadable = true;
    keep(r.diagnostics);
    return l;
  }

  // Loads and compiles one file, keeping its diagnostics; nullopt when it has errors (or is a
  // calendar).
  std::optional<yishi::CompiledBundle> load_compiled(const std::string& path, bool& unreadable) {
    Loaded l = load(path);
    unreadable |= l.unreadable;
    if (!l.bundle) return std::nullopt;
    auto r = yishi::compile(std::move(*l.bundle));
    keep(r.diagnostics);
    return std::move(r.compiled);
  }

  void keep(const yishi::Diagnostics& ds) {
    for (const auto& d : ds.items())
      if (opts_.warnings || d.severity == yishi::Severity::error) all_.add(d);
  }

  // Prints the collected diagnostics; returns whether any was an error.
  bool report() {
    if (opts_.json) return all_.has_errors();
    if (!all_.empty() || all_.dropped() > 0) fmt::print(stderr, "{}", yishi::render_text(all_, sources_, opts_.color));
    return all_.has_errors();
  }

  const yishi::Diagnostics& diagnostics() const { return all_; }
  const yishi::SourceMap& sources() const { return sources_; }

 private:
  const Options& opts_;
  yishi::SourceMap sources_;
  yishi::Diagnostics all_{1000};
};

std::string diagnostics_json(const Session& s) {
  return fmt::format("{{\"errors\":{},\"warnings\":{},\"diagnostics\":{}}}", s.diagnostics().error_count(),
                     s.diagnostics().warning_count(), yishi::render_json(s.diagnostics(), s.sources()));
}

int run_check(const Options& o) {
  Session s(o);
  bool unreadable = false;
  std::size_t checked = 0, calendars = 0;
  for (const auto& path : expand(o.inputs)) {
    Loaded l = s.load(path);
    unreadable |= l.unreadable;
    calendars += l.calendar;
    if (!l.bundle) continue;
    yishi::CheckOptions co;
    co.warnings = o.warnings;
    s.keep(yishi::check(*l.bundle, co));
    ++checked;
  }
  const bool errors = s.report();
  if (o.json) fmt::print("{}", diagnostics_json(s));
  else if (s.diagnostics().empty())
    fmt::print(stderr, "checked {} bundle{}{}: no errors\n", checked, checked == 1 ? "" : "s",
               calendars ? fmt::format(" and {} calendar{}", calendars, calendars == 1 ? "" : "s") : "");
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

std::string step_json(const yishi::CompiledBundle& cb, const yishi::Step& st) {
  auto ids = [&](const std::vector<yishi::StepId>& v) {
    std::vector<std::string> names;
    for (auto id : v) names.push_back(yishi::json::quote(cb.step(id).name));
    return fmt::format("[{}]", fmt::join(names, ","));
  };
  return fmt::format(R"({{"name":{},"kind":"{}","depth":{},"join":"{}","threshold":{},"after":{},"before":{}}})",
                     yishi::json::quote(st.name), yishi::to_string(st.kind), st.depth,
                     yishi::ir::to_string(st.join.kind), st.join.threshold, ids(st.predecessors), ids(st.successors));
}

int run_compile(const Options& o) {
  Session s(o);
  bool unreadable = false;
  std::vector<std::string> compiled_json;
  for (const auto& path : expand(o.inputs)) {
    const auto compiled = s.load_compiled(path, unreadable);
    if (!compiled) continue;
    const auto& cb = *compiled;
    const auto& b = cb.bundle();
    if (o.json) {
      std::vector<std::string> steps, order;
      for (const auto& st : cb.steps()) steps.push_back(step_json(cb, st));
      for (auto id : cb.topological_order()) order.push_back(yishi::json::quote(cb.step(id).name));
      compiled_json.push_back(fmt::format(R"({{"file":{},"bundle":{},"version":{},"steps":[{}],"order":[{}]}})",
                                          yishi::json::quote(path), yishi::json::quote(b.id),
                                          yishi::json::quote(b.version), fmt::join(steps, ","), fmt::join(order, ",")));
    } else {
      std::vector<std::string> order;
      for (auto id : cb.topological_order()) order.push_back(cb.step(id).name);
      fmt::print("{}: compiled `{}` {} ({}): {} items, {} steps, {} levels, up to {} reviews in parallel\n  order: {}\n",
                 path, b.id, b.version, b.name, b.items.size(), cb.steps().size(), cb.levels().size(),
                 cb.max_parallel_reviews(), fmt::join(order, " → "));
    }
  }
  const bool errors = s.report();
  if (o.json)
    fmt::print("{{\"compiled\":[{}],\"errors\":{},\"warnings\":{},\"diagnostics\":{}}}\n", fmt::join(compiled_json, ","),
               s.diagnostics().error_count(), s.diagnostics().warning_count(),
               yishi::render_json(s.diagnostics(), s.sources()));
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

// Options of the verbs that take an applicant: answers, pledges and the date.
struct ApplicantOptions {
  std::vector<std::pair<std::string, std::string>> answers;  // as written
  std::vector<std::string> pledges;
  std::string today;
  bool given() const { return !answers.empty() || !pledges.empty(); }
};

// Parses one applicant option; false when `a` is not one.
bool applicant_option(const std::string& a, std::vector<std::string>::const_iterator& next,
                      std::vector<std::string>::const_iterator end, ApplicantOptions& o, std::string& error) {
  auto value = [&](std::string_view name) -> std::optional<std::string> {
    if (a.starts_with(std::string(name) + "=")) return a.substr(name.size() + 1);
    if (a == name) {
      if (next == end) {
        error = fmt::format("`{}` needs a value", name);
        return std::string();
      }
      return *next++;
    }
    return std::nullopt;
  };
  if (auto v = value("--answer")) {
    const auto eq = v->find('=');
    if (error.empty() && (eq == std::string::npos || eq == 0)) error = fmt::format("`--answer {}`: write FIELD=VALUE", *v);
    else if (error.empty()) o.answers.emplace_back(v->substr(0, eq), v->substr(eq + 1));
    return true;
  }
  if (auto v = value("--pledge")) {
    o.pledges.push_back(*v);
    return true;
  }
  if (auto v = value("--today")) {
    o.today = *v;
    if (error.empty() && !yishi::parse_date(*v)) error = fmt::format("`--today {}`: write a date YYYY-MM-DD", *v);
    return true;
  }
  return false;
}

// The applicant described by the options, for `model`; errors name the offending option.
std::optional<yishi::forms::Applicant> applicant_of(const yishi::forms::FormModel& model, const ApplicantOptions& o,
                                                    std::vector<std::string>& errors) {
  yishi::forms::Applicant a;
  const auto today = o.today.empty() ? std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
                                     : *yishi::parse_date(o.today);
  a.today = today.time_since_epoch().count();
  for (const auto& [id, text] : o.answers) {
    const auto* f = model.field(id);
    if (!f) {
      errors.push_back(fmt::format("`--answer {}=…`: no field `{}` in bundle `{}`", id, id, model.compiled().bundle().id));
      continue;
    }
    auto answer = yishi::forms::parse_answer(*f, text);
    if (!answer) {
      errors.push_back(fmt::format("`--answer {}=…`: not a value of type `{}`", id, yishi::ir::to_string(f->type)));
      continue;
    }
    for (const auto& e : model.check_answer(*f, *answer)) errors.push_back(e.message);
    a.answers.emplace_back(id, std::move(*answer));
  }
  a.pledged = o.pledges;
  if (!errors.empty()) return std::nullopt;
  return a;
}

// `report` and `export`: each compiled bundle with the applicant of the options.
int run_model_verb(const std::string& verb, const std::vector<std::string>& args) {
  const std::string_view help = verb == "report" ? report_help : export_help;
  Options o;
  ApplicantOptions ao;
  bool schema = false;
  for (auto it = args.begin(); it != args.end();) {
    const std::string& a = *it++;
    std::string error;
    if (a == "--help" || a == "-h") {
      fmt::print("{}", help);
      return exit_ok;
    } else if (applicant_option(a, it, args.end(), ao, error)) {
      if (!error.empty()) return usage_error(error, help);
      if (verb == "export" && !ao.pledges.empty()) return usage_error("export takes no `--pledge`", help);
    } else if (a == "--json" && verb == "report") {
      o.json = true;
    } else if (a == "--schema" && verb == "export") {
      schema = true;
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), help);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (o.inputs.empty()) return usage_error("no input files", help);
  if (verb == "export" && !schema) return usage_error("say what to export: `--schema`", help);
  if (verb == "export" && o.inputs.size() != 1) return usage_error("export takes one bundle file", help);
  o.warnings = false;
  o.color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
  Session s(o);
  bool unreadable = false, errors = false;
  std::vector<std::string> reports;
  for (const auto& path : expand(o.inputs)) {
    if (!is_dsl_file(path) && is_calendar_file(path)) continue;
    const auto compiled = s.load_compiled(path, unreadable);
    if (!compiled) continue;
    const yishi::forms::FormModel model(*compiled);
    std::vector<std::string> answer_errors;
    auto applicant = applicant_of(model, ao, answer_errors);
    if (!applicant) {
      for (const auto& e : answer_errors) fmt::print(stderr, "{}: {}\n", path, e);
      errors = true;
      continue;
    }
    if (verb == "export") {
      if (ao.answers.empty()) applicant->every_item = true;
      fmt::print("{}\n", yishi::exporting::json_schema(model.merge(*applicant), compiled->bundle().name));
      continue;
    }
    applicant->every_item = ao.answers.empty();  // pledges alone: every item, with those pledges
    const auto report = ao.given() ? yishi::analysis::report(model, *applicant) : yishi::analysis::report(model);
    if (o.json)  // the text report lists them itself
      for (const auto& e : report.errors) fmt::print(stderr, "{}: {}\n", path, e);
    errors = errors || !report.errors.empty();
    if (o.json) reports.push_back(yishi::analysis::to_json(report));
    else fmt::print("{}{}", reports.empty() ? "" : "\n", yishi::analysis::to_text(report)), reports.push_back({});
  }
  if (o.json) fmt::print("[{}]\n", fmt::join(reports, ","));
  errors = s.report() || errors;
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

int run_fmt(const std::vector<std::string>& args) {
  bool check_only = false, to_stdout = false;
  std::string to;
  std::vector<std::string> inputs;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      fmt::print("{}", fmt_help);
      return exit_ok;
    } else if (a == "--check") {
      check_only = true;
    } else if (a == "--stdout") {
      to_stdout = true;
    } else if (a == "--to=yaml" || a == "--to=dsl") {
      to = a.substr(5);
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), fmt_help);
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) return usage_error("no input files", fmt_help);
  if (check_only && (to_stdout || !to.empty())) return usage_error("--check rewrites nothing; it takes no --stdout or --to", fmt_help);
  Options o;
  o.color = isatty(STDERR_FILENO) && !std::getenv("NO_COLOR");
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
    const bool dsl = to.empty() ? is_dsl_file(path) : to == "dsl";
    const std::string text = dsl ? yishi::dsl::print(*l.bundle, &file) : yishi::yaml::print(*l.bundle, &file);
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

int run_explain(const std::vector<std::string>& args) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    fmt::print("{}", explain_help);
    return exit_ok;
  }
  if (args.size() == 1 && args[0] == "--all") {
    fmt::print("{}", yishi::diagnostics_reference_markdown());
    return exit_ok;
  }
  if (args.size() != 1) return usage_error("explain takes one code", explain_help);
  auto code = yishi::parse_code(args[0]);
  if (!code) return usage_error(fmt::format("unknown diagnostic code `{}`", args[0]), explain_help);
  const auto& i = yishi::info(*code);
  fmt::print("{} ({}): {}\n\n{}\n", yishi::code_string(*code), yishi::to_string(i.severity), i.title, i.explanation);
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
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
  if (verb == "explain") return run_explain(args);
  if (verb == "report" || verb == "export") {
    try {
      return run_model_verb(verb, args);
    } catch (const std::exception& e) {
      fmt::print(stderr, "yishi: internal error: {}\n", e.what());
      return 3;
    }
  }
  if (verb == "fmt") {
    try {
      return run_fmt(args);
    } catch (const std::exception& e) {
      fmt::print(stderr, "yishi: internal error: {}\n", e.what());
      return 3;
    }
  }
  if (verb != "check" && verb != "compile") return usage_error(fmt::format("unknown command `{}`", verb), main_help);
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
  o.color = color == "always" || (color == "auto" && isatty(STDERR_FILENO) && !std::getenv("NO_COLOR"));
  try {
    return verb == "check" ? run_check(o) : run_compile(o);
  } catch (const std::exception& e) {
    fmt::print(stderr, "yishi: internal error: {}\n", e.what());
    return 3;
  }
}
