// The `yishi` command line: what the verbs share (options, loading, diagnostics, exit codes).
// Each verb lives in its own file and is dispatched from main.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "yishi/yishi.hpp"

namespace yishi::cli {

constexpr int exit_ok = 0, exit_diagnostics = 1, exit_usage = 2, exit_internal = 3;

struct Options {
  bool json = false;
  bool warnings = true;
  bool color = false;
  std::vector<std::string> inputs;
};

using ArgIterator = std::vector<std::string>::const_iterator;
/// The value of option `name` when `a` is `name=VALUE` or `name` followed by VALUE (then
/// `next` moves past it); nullopt when `a` is another argument. `name` given as the last
/// argument sets `error` and yields an empty string.
std::optional<std::string> option_value(const std::string& a, std::string_view name, ArgIterator& next, ArgIterator end,
                                        std::string& error);

/// Prints `msg` and the verb's help on stderr; returns exit_usage.
int usage_error(std::string_view msg, std::string_view help);
/// Whether standard error is a terminal that takes colours (and NO_COLOR is unset).
bool stderr_in_color();

/// Shows `[k/n] file` on standard error while a verb works through several files, when
/// standard error is a terminal; clears the line when done. Prints nothing otherwise.
class Progress {
 public:
  explicit Progress(std::size_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void next(const std::string& file);
  /// Prints a line of its own on standard error (the progress line is cleared first).
  void note(const std::string& line);
  /// Clears the progress line; call before printing diagnostics.
  void finish();

 private:
  std::size_t total_, done_ = 0;
  bool shown_ = false;
};

/// A calendar file (bundles/calendars/) starts its map with `calendar:`.
bool is_calendar_file(const std::string& path);
bool is_dsl_file(const std::string& path);
/// A simulation scenario (docs/simulation.md) has a top-level `bundles:` list.
bool is_scenario_file(const std::string& path);
/// Expands directories into their bundle files (recursively, sorted, for stable output),
/// leaving out the simulation scenarios they hold.
std::vector<std::string> expand(const std::vector<std::string>& inputs);

struct Loaded {
  std::string path;
  std::optional<ir::Bundle> bundle;
  bool unreadable = false;
  bool calendar = false;
  SourceId source = no_source;
};

/// Loads bundles into one source map and collects their diagnostics.
class Session {
 public:
  explicit Session(const Options& o) : opts_(o) {}

  Loaded load(const std::string& path) {
    if (!is_dsl_file(path) && is_calendar_file(path)) {  // calendars are checked, not compiled
      auto c = yaml::load_calendar_file(sources_, path);
      keep(c.diagnostics);
      return Loaded{path, std::nullopt, false, true};
    }
    auto r = load_bundle_file(sources_, path);  // YAML or, for `.yi`, the DSL
    Loaded l{path, std::move(r.bundle), false};
    l.source = r.source;
    for (const auto& d : r.diagnostics.items())
      if (d.code == DiagCode::io_error) l.unreadable = true;
    keep(r.diagnostics);
    return l;
  }

  // Loads and compiles one file, keeping its diagnostics; nullopt when it has errors (or is a
  // calendar).
  std::optional<CompiledBundle> load_compiled(const std::string& path, bool& unreadable) {
    Loaded l = load(path);
    unreadable |= l.unreadable;
    if (!l.bundle) return std::nullopt;
    auto r = compile(std::move(*l.bundle));
    keep(r.diagnostics);
    return std::move(r.compiled);
  }

  // Loads the calendar files of a directory, keeping their diagnostics; nullopt on errors.
  std::optional<Calendar> load_calendars(const std::string& dir, bool& unreadable) {
    auto r = yaml::load_calendar_dir(sources_, dir);
    for (const auto& d : r.diagnostics.items())
      if (d.code == DiagCode::io_error) unreadable = true;
    keep(r.diagnostics);
    return std::move(r.calendar);
  }

  void keep(const Diagnostics& ds) {
    for (const auto& d : ds.items())
      if (opts_.warnings || d.severity == Severity::error) all_.add(d);
  }

  // Prints the collected diagnostics; returns whether any was an error.
  bool report() {
    if (opts_.json) return all_.has_errors();
    if (!all_.empty() || all_.dropped() > 0) fmt::print(stderr, "{}", render_text(all_, sources_, opts_.color));
    return all_.has_errors();
  }

  const Diagnostics& diagnostics() const { return all_; }
  const SourceMap& sources() const { return sources_; }

 private:
  const Options& opts_;
  SourceMap sources_;
  Diagnostics all_{1000};
};


std::string diagnostics_json(const Session& s);

// Options of the verbs that take an applicant: answers, pledges and the date.
struct ApplicantOptions {
  std::vector<std::pair<std::string, std::string>> answers;  // as written
  std::vector<std::string> pledges;
  std::string today;
  bool given() const { return !answers.empty() || !pledges.empty(); }
};

/// Parses one applicant option (`--answer`, `--pledge`, `--today`); false when `a` is not
/// one. `error` is set when it is one but malformed.
bool applicant_option(const std::string& a, std::vector<std::string>::const_iterator& next,
                      std::vector<std::string>::const_iterator end, ApplicantOptions& o, std::string& error);
/// The applicant described by the options, for `model`; errors name the offending option.
std::optional<forms::Applicant> applicant_of(const forms::FormModel& model, const ApplicantOptions& o,
                                             std::vector<std::string>& errors);

// The verbs. `args` excludes the verb itself; each returns the process exit code.
int check_or_compile(const std::string& verb, const std::vector<std::string>& args);
int report_or_export(const std::string& verb, const std::vector<std::string>& args);
int format(const std::vector<std::string>& args);
int explain(const std::vector<std::string>& args);
int graph(const std::vector<std::string>& args);
int run(const std::vector<std::string>& args);
int simulate(const std::vector<std::string>& args);

}  // namespace yishi::cli
