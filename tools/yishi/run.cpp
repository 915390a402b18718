// `yishi run`: drives cases through the engine from a case script and prints their state
// and audit trail.
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "cli.hpp"
#include "yishi/base/json.hpp"

namespace yishi::cli {
namespace {

constexpr std::string_view run_help = R"(usage: yishi run [BUNDLE] --script FILE [--db FILE] [--calendar DIR] [--json]

Runs a case script (docs/scripts.md): opens cases of the bundle, submits, accepts, signs,
advances the clock, ... as the script's lines say, and checks its `expect` lines. Then prints
each case the script opened: its status, items with their deadlines, materials and audit
trail, with personal data masked.
  BUNDLE          the bundle (YAML or DSL); otherwise the script's `bundle PATH` line
  --script FILE   the case script; paths in it are relative to the current directory
  --db FILE       keep the cases in this SQLite database (created if missing; see
                  docs/storage.md) instead of in memory. Command ids are prefixed with the
                  script's name (`case:cmd-12`), so several scripts share one database;
                  running a script again reports its first command as already applied
  --calendar DIR  the working-day calendars (e.g. bundles/calendars); otherwise the script's
                  `calendar DIR` line, or Monday to Friday without holidays
  --json          the cases as JSON on stdout
Exit codes: 0 the script ran to its end, 1 an error in the bundle or a failing script line
(printed as FILE:LINE: message), 2 usage error or unreadable input.
)";

std::string when(const script::Runner& r, const std::optional<Instant>& t) { return t ? r.show(*t) : ""; }

std::string case_text(script::Runner& r, const CaseView& v, const std::vector<AuditEntry>& trail) {
  std::string out = fmt::format("case {} · {} {} · applicant {} · {} (version {})\n", v.id.value, v.bundle, v.version,
                                v.applicant, to_string(v.status), v.version_number);
  if (v.rejected_because.size()) out += fmt::format("  rejected because of `{}`\n", v.rejected_because);
  out += "  items:\n";
  for (const ItemView& it : v.items) {
    std::string flags;
    if (it.pledged) flags += " pledged";
    if (it.warned) flags += " warned";
    if (it.overdue) flags += " overdue";
    out += fmt::format("    {:<22} {:<12} {}{}{}  {}\n", it.id, to_string(it.status),
                       it.deadline ? "due " + when(r, it.deadline) : "", flags,
                       it.round > 1 ? fmt::format(" round {}", it.round) : "", it.name);
  }
  out += "  materials:\n";
  for (const MaterialView& m : v.materials)
    out += fmt::format("    {:<22} {:<12} {}{}\n", m.id, to_string(m.status),
                       m.deadline ? "by " + when(r, m.deadline) + "  " : "", m.name);
  if (v.next_timer) out += fmt::format("  next timer: {}\n", when(r, v.next_timer));
  out += "  audit trail:\n";
  for (const AuditEntry& e : trail)
    out += fmt::format("    {:>3} {} {:<9} {:<14} {:<20} {}{}\n", e.version, r.show(e.at), to_string(e.actor_kind),
                       e.actor, e.event, e.detail, e.comment.empty() ? "" : fmt::format(" «{}»", e.comment));
  return out;
}

std::string case_json(script::Runner& r, const CaseView& v, const std::vector<AuditEntry>& trail) {
  using json::quote;
  std::vector<std::string> items, materials, entries;
  for (const ItemView& it : v.items)
    items.push_back(fmt::format(R"({{"id":{},"name":{},"department":{},"status":"{}","round":{},"due":{},"pledged":{},"warned":{},"overdue":{}}})",
                                quote(it.id), quote(it.name), quote(it.department), to_string(it.status), it.round,
                                it.deadline ? quote(when(r, it.deadline)) : "null", it.pledged, it.warned, it.overdue));
  for (const MaterialView& m : v.materials)
    materials.push_back(fmt::format(R"({{"id":{},"name":{},"status":"{}","due":{}}})", quote(m.id), quote(m.name),
                                    to_string(m.status), m.deadline ? quote(when(r, m.deadline)) : "null"));
  for (const AuditEntry& e : trail)
    entries.push_back(fmt::format(R"({{"version":{},"at":{},"actor_kind":"{}","actor":{},"command_id":{},"event":{},"detail":{},"comment":{}}})",
                                  e.version, quote(r.show(e.at)), to_string(e.actor_kind), quote(e.actor),
                                  quote(e.command_id), quote(e.event), quote(e.detail), quote(e.comment)));
  return fmt::format(R"({{"case":{},"bundle":{},"version":{},"applicant":{},"status":"{}","events":{},"rejected_because":{},"ready_to_issue":{},"items":[{}],"materials":[{}],"audit":[{}]}})",
                     v.id.value, quote(v.bundle), quote(v.version), quote(v.applicant), to_string(v.status),
                     v.version_number, quote(v.rejected_because), v.ready_to_issue, fmt::join(items, ","),
                     fmt::join(materials, ","), fmt::join(entries, ","));
}

}  // namespace

int run(const std::vector<std::string>& args) {
  std::string script_path, calendar_dir, db_path;
  Options o;
  for (auto it = args.begin(); it != args.end();) {
    const std::string& a = *it++;
    std::string error;
    auto value = [&](std::string_view name) { return option_value(a, name, it, args.end(), error); };
    if (a == "--help" || a == "-h") {
      fmt::print("{}", run_help);
      return exit_ok;
    } else if (auto v = value("--script")) {
      if (v->empty()) return usage_error(error.empty() ? "`--script` needs a file" : error, run_help);
      script_path = *v;
    } else if (auto d = value("--db")) {
      if (d->empty()) return usage_error(error.empty() ? "`--db` needs a file" : error, run_help);
      db_path = *d;
    } else if (auto c = value("--calendar")) {
      if (c->empty()) return usage_error(error.empty() ? "`--calendar` needs a directory" : error, run_help);
      calendar_dir = *c;
    } else if (a == "--json") {
      o.json = true;
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), run_help);
    } else {
      o.inputs.push_back(a);
    }
  }
  if (script_path.empty()) return usage_error("no script: give `--script FILE`", run_help);
  if (o.inputs.size() > 1) return usage_error("run takes one bundle", run_help);
  if (!std::ifstream(script_path)) {
    fmt::print(stderr, "yishi: cannot read `{}`\n", script_path);
    return exit_usage;
  }

  o.color = stderr_in_color();
  Session s(o);
  script::ScriptOptions so;
  if (!o.inputs.empty()) {
    bool unreadable = false;
    so.bundle = s.load_compiled(o.inputs[0], unreadable);
    const bool errors = s.report();
    if (unreadable) return exit_usage;
    if (errors || !so.bundle) return exit_diagnostics;
  }
  if (!calendar_dir.empty()) {
    bool unreadable = false;
    so.calendar = s.load_calendars(calendar_dir, unreadable);
    const bool errors = s.report();
    if (unreadable) return exit_usage;
    if (errors || !so.calendar) return exit_diagnostics;
  }
  std::unique_ptr<SqliteStore> db;
  if (!db_path.empty()) {
    try {
      db = std::make_unique<SqliteStore>(db_path);
    } catch (const StoreError& e) {
      fmt::print(stderr, "yishi: {}\n", e.what());
      return exit_usage;
    }
    so.store = db.get();
    so.key_prefix = std::filesystem::path(script_path).stem().string() + ":";
  }
  script::Runner runner(std::move(so));
  int status = exit_ok;
  try {
    runner.run_file(script_path);
  } catch (const script::ScriptError& e) {
    fmt::print(stderr, "{}\n", e.what());
    status = exit_diagnostics;
  } catch (const StoreError& e) {
    fmt::print(stderr, "yishi: {}\n", e.what());
    return exit_usage;
  }
  std::vector<std::string> shown;
  if (Engine* engine = runner.engine())
    for (CaseId id : runner.cases()) {
      const auto view = engine->view(id);
      const auto trail = engine->audit_trail(id);
      if (!view || !trail) continue;
      shown.push_back(o.json ? case_json(runner, *view, *trail) : case_text(runner, *view, *trail));
    }
  if (o.json) fmt::print("[{}]\n", fmt::join(shown, ","));
  else fmt::print("{}", fmt::join(shown, "\n"));
  return status;
}

}  // namespace yishi::cli
