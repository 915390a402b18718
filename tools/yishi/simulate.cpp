// `yishi simulate`: runs a scenario file (docs/simulation.md) through the real engine on
// virtual office time and prints per bundle, item and department what happened.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "cli.hpp"
#include "yishi/base/json.hpp"
#include "yishi/simulate/scenario.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::cli {
namespace {

constexpr double none = std::numeric_limits<double>::quiet_NaN();

constexpr std::string_view simulate_help = R"(usage: yishi simulate SCENARIO.yaml [--days N] [--seed S] [--mode bundled|separate]
                      [--partitions N] [--threads N] [--json] [--cases FILE.csv]

Runs a simulation scenario (docs/simulation.md): applicants arrive at random (or from a
trace), and each one's application is a real case of the bundle in the real engine, driven
on virtual office time by staff queues, service times and the applicants' delays. Prints per
bundle the arrivals and how they ended, the lead time (working days from submission to
issuance: mean, p50, p95, p99) and the trips; per item the share of reviews that breached
the promised limit; per department its staff, mean utilisation and peak daily queue; and
the engine commands run, wall time and cases per second.
  --days N         working days with arrivals (replaces `working_days`; with a trace, drops
                   the arrivals on day N and later)
  --seed S         the random seed (replaces `seed`); the same seed gives the same numbers
  --mode M         `bundled` (一件事) or `separate` (item by item, the 四减 baseline)
  --partitions N   independent service centres (1..255); changes the numbers
  --threads N      threads to run the partitions on (0: one per core); never changes them
  --json           the results as JSON on stdout
  --cases FILE     also write one CSV row per applicant (bundle, arrival, outcome, lead
                   time, trips) to FILE
Exit codes: 0 the simulation ran, 1 problems in the scenario or a file it names (printed
as FILE:LINE:COL: error: message), 2 usage error or unreadable scenario, 3 the engine refused
commands the simulator gave it (a simulator bug; the messages are printed).
)";

template <class Int>
std::optional<Int> parse_whole(const std::string& s, Int lo, Int hi) {
  Int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

std::string num(double x, int decimals = -1) {
  if (!std::isfinite(x)) return "null";
  return decimals < 0 ? fmt::format("{}", x) : fmt::format("{:.{}f}", x, decimals);
}

/// A number for the table: `-` when there is none (no case issued).
std::string cell(double x, int decimals = 2) { return std::isfinite(x) ? fmt::format("{:.{}f}", x, decimals) : "-"; }

std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out;
}

double peak(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, double(x));
  return m;
}

int effective_threads(const simulate::Scenario& s) {
  const int t = s.threads == 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : s.threads;
  return std::clamp(t, 1, s.partitions);
}

std::string text_report(const std::string& path, const simulate::Scenario& s, const simulate::Results& r) {
  std::string out;
  const double cases_per_second = r.wall_seconds > 0 ? double(r.cases.size()) / r.wall_seconds : 0.0;
  out += fmt::format("{}: {} mode, seed {}, {} working days of arrivals from {}, {} simulated\n", path,
                     to_string(r.mode), r.seed, s.working_days, to_string(s.start), r.days);
  out += fmt::format("{} partition{} on {} thread{}\n\n", s.partitions, s.partitions == 1 ? "" : "s", effective_threads(s),
                     effective_threads(s) == 1 ? "" : "s");

  std::size_t w = 6;
  for (const auto& b : r.bundles) w = std::max(w, b.id.size());
  out += fmt::format("{:<{}}  {:>9} {:>9} {:>8} {:>10} {:>10}   {:>6} {:>6} {:>6} {:>6}  {:>5}\n", "bundle", w, "arrivals",
                     "issued", "rejected", "not opened", "unfinished", "mean", "p50", "p95", "p99", "trips");
  for (const auto& b : r.bundles)
    out += fmt::format("{:<{}}  {:>9} {:>9} {:>8} {:>10} {:>10}   {:>6} {:>6} {:>6} {:>6}  {:>5}\n", b.id, w, b.arrivals,
                       b.issued, b.rejected, b.not_opened, b.unfinished, cell(b.issued ? b.lead_mean : none),
                       cell(b.lead_p50), cell(b.lead_p95), cell(b.lead_p99), cell(b.issued ? b.trips_mean : none));
  out += "lead time: working days from submission to issuance, issued cases only\n\n";

  std::size_t wi = 4, wd = 10;
  for (const auto& it : r.items)
    if (it.started > 0) {
      wi = std::max(wi, it.bundle.size() + 1 + it.item.size());
      wd = std::max(wd, it.department.size());
    }
  out += fmt::format("{:<{}}  {:<{}}  {:>9} {:>9}  {:>8}\n", "item", wi, "department", wd, "started", "breached", "rate");
  for (const auto& it : r.items)
    if (it.started > 0)
      out += fmt::format("{:<{}}  {:<{}}  {:>9} {:>9}  {:>7.1f}%\n", fmt::format("{}.{}", it.bundle, it.item), wi,
                         it.department, wd, it.started, it.breached, 100.0 * it.breach_rate());
  out += "breached: decided after the promised limit, or still open past it\n\n";

  std::size_t wdep = 10;
  for (const auto& d : r.departments) wdep = std::max(wdep, d.id.size());
  out += fmt::format("{:<{}}  {:>6} {:>12} {:>11} {:>10}\n", "department", wdep, "staff", "utilisation", "peak queue",
                     "tasks");
  for (const auto& d : r.departments)
    out += fmt::format("{:<{}}  {:>6} {:>11.1f}% {:>11.1f} {:>10}\n", d.id, wdep, d.staff, 100.0 * d.utilisation_mean,
                       peak(d.queue), d.tasks);
  out += "utilisation: mean over the days with arrivals; peak queue: the highest daily mean of tasks waiting\n\n";

  out += fmt::format("engine: {} commands, {} refused; {} arrivals opened no case\n", grouped(r.commands),
                     grouped(r.engine_refusals), grouped(r.opening_failures));
  for (const auto& m : r.opening_reasons) out += fmt::format("  not opened: {}\n", m);
  out += fmt::format("time: {:.2f} s wall, {} cases, {} cases/s\n", r.wall_seconds, grouped(r.cases.size()),
                     grouped(static_cast<std::size_t>(std::llround(cases_per_second))));
  return out;
}

std::string json_report(const std::string& path, const simulate::Scenario& s, const simulate::Results& r) {
  using json::quote;
  std::vector<std::string> bundles, items, departments, refusals, reasons;
  for (const auto& b : r.bundles)
    bundles.push_back(fmt::format(
        R"({{"id":{},"arrivals":{},"issued":{},"rejected":{},"not_opened":{},"unfinished":{},"lead_mean":{},"lead_p50":{},"lead_p95":{},"lead_p99":{},"trips_mean":{}}})",
        quote(b.id), b.arrivals, b.issued, b.rejected, b.not_opened, b.unfinished, num(b.issued ? b.lead_mean : none),
        num(b.lead_p50), num(b.lead_p95), num(b.lead_p99), num(b.issued ? b.trips_mean : none)));
  for (const auto& it : r.items)
    items.push_back(fmt::format(R"({{"bundle":{},"item":{},"department":{},"started":{},"decided":{},"breached":{},"breach_rate":{}}})",
                                quote(it.bundle), quote(it.item), quote(it.department), it.started, it.decided,
                                it.breached, num(it.breach_rate())));
  for (const auto& d : r.departments)
    departments.push_back(fmt::format(R"({{"id":{},"staff":{},"utilisation_mean":{},"peak_queue":{},"tasks":{}}})",
                                      quote(d.id), d.staff, num(d.utilisation_mean), num(peak(d.queue)), d.tasks));
  for (const auto& m : r.refusals) refusals.push_back(quote(m));
  for (const auto& m : r.opening_reasons) reasons.push_back(quote(m));
  const double cases_per_second = r.wall_seconds > 0 ? double(r.cases.size()) / r.wall_seconds : 0.0;
  return fmt::format(
      R"({{"scenario":{},"mode":"{}","seed":{},"start":"{}","working_days":{},"days":{},"partitions":{},"threads":{},"cases":{},"bundles":[{}],"items":[{}],"departments":[{}],"commands":{},"engine_refusals":{},"refusals":[{}],"opening_failures":{},"opening_reasons":[{}],"wall_seconds":{},"cases_per_second":{}}})",
      quote(path), to_string(r.mode), r.seed, to_string(s.start), s.working_days, r.days, s.partitions,
      effective_threads(s), r.cases.size(), fmt::join(bundles, ","), fmt::join(items, ","), fmt::join(departments, ","),
      r.commands, r.engine_refusals, fmt::join(refusals, ","), r.opening_failures, fmt::join(reasons, ","),
      num(r.wall_seconds), num(cases_per_second, 1));
}

bool write_cases(const std::string& file, const simulate::Scenario& s, const simulate::Results& r) {
  std::ofstream out(file, std::ios::binary);
  if (!out) return false;
  out << "case,bundle,partition,arrival,outcome,lead_days,trips\n";
  const auto& c = r.cases;
  std::string line;
  for (std::size_t k = 0; k < c.size(); ++k) {
    line.clear();
    const auto outcome = static_cast<simulate::Outcome>(c.outcome[k]);
    fmt::format_to(std::back_inserter(line), "{},{},{},{:.4f},{},", k, s.bundles[c.bundle[k]].bundle.bundle().id,
                   c.partition[k], c.arrival[k], to_string(outcome));
    if (outcome == simulate::Outcome::issued) fmt::format_to(std::back_inserter(line), "{:.4f}", c.lead_days[k]);
    fmt::format_to(std::back_inserter(line), ",{}\n", c.trips[k]);
    out << line;
  }
  return static_cast<bool>(out.flush());
}

}  // namespace

int simulate(const std::vector<std::string>& args) {
  std::string scenario_path, cases_path;
  std::optional<int> days, partitions, threads;
  std::optional<std::uint64_t> seed;
  std::optional<simulate::Mode> mode;
  bool json = false;
  for (auto it = args.begin(); it != args.end();) {
    const std::string& a = *it++;
    std::string error;
    auto value = [&](std::string_view name) { return option_value(a, name, it, args.end(), error); };
    if (a == "--help" || a == "-h") {
      fmt::print("{}", simulate_help);
      return exit_ok;
    } else if (auto v = value("--days")) {
      if (!error.empty()) return usage_error(error, simulate_help);
      if (!(days = parse_whole<int>(*v, 0, 100'000)))
        return usage_error(fmt::format("`--days {}`: give a whole number of working days", *v), simulate_help);
    } else if (auto sv = value("--seed")) {
      if (!error.empty()) return usage_error(error, simulate_help);
      if (!(seed = parse_whole<std::uint64_t>(*sv, 0, std::numeric_limits<std::uint64_t>::max())))
        return usage_error(fmt::format("`--seed {}`: give a whole number ≥ 0", *sv), simulate_help);
    } else if (auto mv = value("--mode")) {
      if (!error.empty()) return usage_error(error, simulate_help);
      if (*mv == "bundled") mode = simulate::Mode::bundled;
      else if (*mv == "separate") mode = simulate::Mode::separate;
      else return usage_error(fmt::format("`--mode {}`: give `bundled` or `separate`", *mv), simulate_help);
    } else if (auto pv = value("--partitions")) {
      if (!error.empty()) return usage_error(error, simulate_help);
      if (!(partitions = parse_whole<int>(*pv, 1, 255)))
        return usage_error(fmt::format("`--partitions {}`: give 1 to 255", *pv), simulate_help);
    } else if (auto tv = value("--threads")) {
      if (!error.empty()) return usage_error(error, simulate_help);
      if (!(threads = parse_whole<int>(*tv, 0, 4096)))
        return usage_error(fmt::format("`--threads {}`: give a whole number ≥ 0", *tv), simulate_help);
    } else if (auto cv = value("--cases")) {
      if (!error.empty() || cv->empty()) return usage_error(error.empty() ? "`--cases` needs a file" : error, simulate_help);
      cases_path = *cv;
    } else if (a == "--json") {
      json = true;
    } else if (a.starts_with("-")) {
      return usage_error(fmt::format("unknown option `{}`", a), simulate_help);
    } else if (scenario_path.empty()) {
      scenario_path = a;
    } else {
      return usage_error("simulate takes one scenario file", simulate_help);
    }
  }
  if (scenario_path.empty()) return usage_error("no scenario: give SCENARIO.yaml", simulate_help);
  if (!std::ifstream(scenario_path)) {
    fmt::print(stderr, "yishi: cannot read `{}`\n", scenario_path);
    return exit_usage;
  }

  auto loaded = simulate::load_scenario_file(scenario_path);
  if (!loaded.problems.empty()) {
    for (const auto& p : loaded.problems) fmt::print(stderr, "{}\n", to_string(p));
    fmt::print(stderr, "{} error{}\n", loaded.problems.size(), loaded.problems.size() == 1 ? "" : "s");
    return exit_diagnostics;
  }
  simulate::Scenario& s = *loaded.scenario;
  if (days) {
    s.working_days = *days;
    std::erase_if(s.trace, [&](const simulate::Arrival& a) { return a.day >= double(*days); });
  }
  if (seed) s.seed = *seed;
  if (mode) s.mode = *mode;
  if (partitions) s.partitions = *partitions;
  if (threads) s.threads = *threads;
  const Calendar calendar = loaded.calendar ? *loaded.calendar : Calendar{};

  simulate::Results r;
  try {
    r = simulate::run(s, calendar);
  } catch (const simulate::ScenarioError& e) {
    fmt::print(stderr, "{}: error: {}\n", scenario_path, e.what());
    return exit_diagnostics;
  }
  if (json) fmt::print("{}\n", json_report(scenario_path, s, r));
  else fmt::print("{}", text_report(scenario_path, s, r));
  if (!cases_path.empty() && !write_cases(cases_path, s, r)) {
    fmt::print(stderr, "yishi: cannot write `{}`\n", cases_path);
    return exit_usage;
  }
  if (r.engine_refusals > 0) {
    fmt::print(stderr, "yishi: the engine refused {} command{} of the simulation (a simulator bug); the first:\n",
               r.engine_refusals, r.engine_refusals == 1 ? "" : "s");
    for (const auto& m : r.refusals) fmt::print(stderr, "  {}\n", m);
    return exit_internal;
  }
  return exit_ok;
}

}  // namespace yishi::cli
