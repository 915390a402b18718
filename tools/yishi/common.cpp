#include "cli.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "yishi/base/json.hpp"

namespace fs = std::filesystem;

namespace yishi::cli {

int usage_error(std::string_view msg, std::string_view help) {
  fmt::print(stderr, "yishi: {}\n\n{}", msg, help);
  return exit_usage;
}

std::optional<std::string> option_value(const std::string& a, std::string_view name, ArgIterator& next, ArgIterator end,
                                        std::string& error) {
  if (a.starts_with(std::string(name) + "=")) return a.substr(name.size() + 1);
  if (a != name) return std::nullopt;
  if (next == end) {
    error = fmt::format("`{}` needs a value", name);
    return std::string();
  }
  return *next++;
}

bool stderr_in_color() { return isatty(STDERR_FILENO) && !std::getenv("NO_COLOR"); }

Progress::Progress(std::size_t total) : total_(total), shown_(total > 1 && isatty(STDERR_FILENO)) {}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (shown_ && done_ > 0) fmt::print(stderr, "\r\033[K");
  shown_ = false;
}

void Progress::note(const std::string& line) {
  if (shown_) fmt::print(stderr, "\r\033[K");
  fmt::print(stderr, "{}\n", line);
}

void Progress::next(const std::string& file) {
  ++done_;
  if (shown_) fmt::print(stderr, "\r\033[K[{}/{}] {}", done_, total_, file);
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

// A simulation scenario (docs/simulation.md) has a top-level `bundles:` list, which no
// bundle file has.
bool is_scenario_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("bundles:", 0) == 0) return true;
  return false;
}

bool is_dsl_file(const std::string& p) { return is_dsl_path(p); }
static bool is_bundle_file(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml" || is_dsl_file(p.string()); }

// Expands directories into their bundle files (sorted, for stable output); simulation
// scenarios found in them are left out (`yishi simulate` reads those).
std::vector<std::string> expand(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec))
        if (it->is_regular_file(ec) && is_bundle_file(it->path()) &&
            (is_dsl_file(it->path().string()) || !is_scenario_file(it->path().string())))
          found.push_back(it->path().string());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(in);
    }
  }
  return out;
}

std::string diagnostics_json(const Session& s) {
  return fmt::format("{{\"errors\":{},\"warnings\":{},\"diagnostics\":{}}}", s.diagnostics().error_count(),
                     s.diagnostics().warning_count(), render_json(s.diagnostics(), s.sources()));
}

// Parses one applicant option; false when `a` is not one.
bool applicant_option(const std::string& a, std::vector<std::string>::const_iterator& next,
                      std::vector<std::string>::const_iterator end, ApplicantOptions& o, std::string& error) {
  auto value = [&](std::string_view name) { return option_value(a, name, next, end, error); };
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
    if (error.empty() && !parse_date(*v)) error = fmt::format("`--today {}`: write a date YYYY-MM-DD", *v);
    return true;
  }
  return false;
}

// The applicant described by the options, for `model`; errors name the offending option.
std::optional<forms::Applicant> applicant_of(const forms::FormModel& model, const ApplicantOptions& o,
                                                    std::vector<std::string>& errors) {
  forms::Applicant a;
  const auto today = o.today.empty() ? std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())
                                     : *parse_date(o.today);
  a.today = today.time_since_epoch().count();
  for (const auto& [id, text] : o.answers) {
    const auto* f = model.field(id);
    if (!f) {
      errors.push_back(fmt::format("`--answer {}=…`: no field `{}` in bundle `{}`", id, id, model.compiled().bundle().id));
      continue;
    }
    auto answer = forms::parse_answer(*f, text);
    if (!answer) {
      errors.push_back(fmt::format("`--answer {}=…`: not a value of type `{}`", id, ir::to_string(f->type)));
      continue;
    }
    for (const auto& e : model.check_answer(*f, *answer)) errors.push_back(e.message);
    a.answers.emplace_back(id, std::move(*answer));
  }
  a.pledged = o.pledges;
  if (!errors.empty()) return std::nullopt;
  return a;
}

}  // namespace yishi::cli
