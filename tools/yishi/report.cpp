// `yishi report` (the 四减 report) and `yishi export --schema` (the merged form as JSON Schema).
#include <fmt/format.h>

#include "cli.hpp"

namespace yishi::cli {
namespace {

constexpr std::string_view report_help = R"(usage: yishi report [--json | --table] [--answer FIELD=VALUE ...] [--pledge ITEM ...] [--today=DATE] FILE|DIR ...

Prints the 四减 report of each bundle (docs/report.md): working days separately (the sum of the
items' own limits) against the critical path of the promised limits, the statutory figures,
steps, materials, form fields and trips, and the critical path item by item. Without answers
every item counts; with answers only the items that apply (undecided ones are listed).
  --json                 one JSON object per bundle, in a JSON array
  --table                one row per bundle (items, departments, then steps, materials, fields,
                         working days and trips as separately→bundled) and a total row
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

}  // namespace

// Each compiled bundle with the applicant of the options.
int report_or_export(const std::string& verb, const std::vector<std::string>& args) {
  const std::string_view help = verb == "report" ? report_help : export_help;
  Options o;
  ApplicantOptions ao;
  bool schema = false, table = false;
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
    } else if (a == "--table" && verb == "report") {
      table = true;
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
  o.color = stderr_in_color();
  Session s(o);
  bool unreadable = false, errors = false;
  if (table && o.json) return usage_error("choose one of --json and --table", help);
  std::vector<std::string> reports;
  std::vector<analysis::Report> rows;
  const std::vector<std::string> files = expand(o.inputs);
  Progress progress(files.size());
  for (const auto& path : files) {
    progress.next(path);
    if (!is_dsl_file(path) && is_calendar_file(path)) continue;
    const auto compiled = s.load_compiled(path, unreadable);
    if (!compiled) continue;
    const forms::FormModel model(*compiled);
    std::vector<std::string> answer_errors;
    auto applicant = applicant_of(model, ao, answer_errors);
    if (!applicant) {
      for (const auto& e : answer_errors) progress.note(fmt::format("{}: {}", path, e));
      errors = true;
      continue;
    }
    if (verb == "export") {
      if (ao.answers.empty()) applicant->every_item = true;
      fmt::print("{}\n", exporting::json_schema(model.merge(*applicant), compiled->bundle().name));
      continue;
    }
    applicant->every_item = ao.answers.empty();  // pledges alone: every item, with those pledges
    const auto report = ao.given() ? analysis::report(model, *applicant) : analysis::report(model);
    if (o.json)  // the text report lists them itself
      for (const auto& e : report.errors) progress.note(fmt::format("{}: {}", path, e));
    errors = errors || !report.errors.empty();
    if (table) rows.push_back(report);
    else if (o.json) reports.push_back(analysis::to_json(report));
    else fmt::print("{}{}", reports.empty() ? "" : "\n", analysis::to_text(report)), reports.push_back({});
  }
  progress.finish();
  if (o.json) fmt::print("[{}]\n", fmt::join(reports, ","));
  if (table && !rows.empty()) fmt::print("{}", analysis::summary_table(rows));
  errors = s.report() || errors;
  if (unreadable) return exit_usage;
  return errors ? exit_diagnostics : exit_ok;
}

}  // namespace yishi::cli
