// Simulation: a city's caseload on virtual time, run through the real engine.
//
//   yishi::simulate::Scenario s;
//   s.start = 2026-03-02; s.working_days = 60; s.seed = 7;
//   s.bundles.push_back({.bundle = compiled, .arrivals_per_day = 40});
//   s.staff = {{"market_regulation", 3}};
//   auto r = yishi::simulate::run(s, calendar);     // r.bundles[0].lead_p95, r.cases, …
//
// Every simulated application is a real case of the same CompiledBundle in a real Engine: it
// is opened with the applicant's answers, submitted, accepted (or returned for correction,
// or accepted with deferred materials), signed by the item's signers in the order the join
// policy allows, issued and rated, each as an engine command. The simulator only decides
// *when* each command happens (queues of staff in departments, working hours, service
// times, applicants' delays) and *what* the people decide (drawn with the given
// probabilities); the case's state, its deadlines and its timers are the engine's. Timers
// (deadline warnings, overdue marks, lapses of deferred materials, the rating window) fire at
// their due instants. See docs/simulation.md.
//
// Time: staff work in the calendar's office hours on working days. Every duration of a
// scenario (service times, delays) is in office hours; arrivals are per working day. Results
// are deterministic for a seed: the same scenario and seed give the same numbers on any
// machine and with any number of threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "yishi/calendar/calendar.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/expr/value.hpp"

namespace yishi::simulate {

/// A random duration in office hours (never negative).
struct Distribution {
  enum class Kind : std::uint8_t { fixed, exponential, lognormal, triangular, empirical };
  Kind kind = Kind::fixed;
  /// fixed: {value}; exponential: {mean}; lognormal: {mean, sd} (of the duration itself);
  /// triangular: {min, mode, max}; empirical: the observed values, drawn uniformly.
  std::vector<double> params{0.0};

  [[nodiscard]] static Distribution fixed(double hours) { return {Kind::fixed, {hours}}; }
  [[nodiscard]] static Distribution exponential(double mean) { return {Kind::exponential, {mean}}; }
  [[nodiscard]] static Distribution lognormal(double mean, double sd) { return {Kind::lognormal, {mean, sd}}; }
  [[nodiscard]] static Distribution triangular(double min, double mode, double max) {
    return {Kind::triangular, {min, mode, max}};
  }
  [[nodiscard]] static Distribution empirical(std::vector<double> values) { return {Kind::empirical, std::move(values)}; }
  /// The mean of the distribution.
  [[nodiscard]] double mean() const;
  /// Empty when the parameters are valid, else why not (e.g. "a triangular needs min ≤ mode ≤ max").
  [[nodiscard]] std::string invalid() const;
  friend bool operator==(const Distribution&, const Distribution&) = default;
};
[[nodiscard]] std::string_view to_string(Distribution::Kind k);

/// One applicant profile: answers to the bundle's form, drawn with a weight.
struct Profile {
  double weight = 1;
  expr::Answers answers;
};

/// What happens at one item's review.
struct ItemLoad {
  Distribution service = Distribution::exponential(2);  ///< office hours per signature
  double reject = 0;                                    ///< probability that a signer rejects
};

/// The caseload of one bundle and how its applicants and staff behave.
struct BundleLoad {
  explicit BundleLoad(CompiledBundle b, double per_day = 0) : bundle(std::move(b)), arrivals_per_day(per_day) {}
  CompiledBundle bundle;
  double arrivals_per_day = 0;  ///< Poisson rate per working day (0 with a trace)
  /// Applicant profiles (drawn by weight); none: no answers (situations decide).
  std::vector<Profile> profiles;
  /// Probability that each situation holds, drawn independently per applicant (the front
  /// desk's decision, OpenCase::situations). Situations not listed follow the answers.
  std::vector<std::pair<std::string, double>> situations;
  Distribution intake = Distribution::fixed(0.25);  ///< front-desk time per intake (综合受理)
  Distribution issue = Distribution::fixed(0.1);    ///< front-desk time to issue (统一出件)
  ItemLoad review;                                  ///< every item, unless listed in `items`
  std::map<std::string, ItemLoad> items;            ///< by item id
  double defer = 0;          ///< probability that each deferrable material is deferred (容缺)
  Distribution supply = Distribution::exponential(16);  ///< time to supply a deferred material
  double correction = 0;     ///< probability that intake returns the application (补正), once
  Distribution resubmit = Distribution::exponential(8); ///< time to resubmit after a correction
  double pledge = 0;         ///< probability of a pledge (告知承诺) for each item allowing one
  double post_check_fail = 0;  ///< probability that a sampled post-check fails
  Distribution post_check = Distribution::fixed(1);     ///< staff time of a post-check
  double rate = 1;           ///< probability that the applicant rates at issuance (else the window runs out)
  /// Separate mode: the time an applicant takes, after one item's result, to apply for the
  /// next one (another department's window, another form).
  Distribution reapply = Distribution::exponential(8);
};

/// One arrival of a trace (instead of Poisson arrivals).
struct Arrival {
  double day = 0;          ///< working days after the start (fraction: time of day in office hours)
  std::size_t bundle = 0;  ///< index into Scenario::bundles
  std::optional<std::size_t> profile;  ///< which profile (default: drawn)
};

/// Bundled (一件事) or the same applicants applying item by item (the 四减 baseline).
enum class Mode : std::uint8_t {
  bundled,
  /// Each applicant applies for the items that apply to them one at a time, in the bundle's
  /// dependency order, each as a case of its own (one application, intake, review and
  /// issuance per item, at that item's department's window instead of the front desk), as
  /// the 四减 report's separate figures assume.
  separate,
};
[[nodiscard]] std::string_view to_string(Mode m);

/// A simulation: bundles, staff and time.
struct Scenario {
  std::vector<BundleLoad> bundles;
  /// Staff per department id; the front desk (综合窗口: intake and issuance) is `front_desk`.
  std::map<std::string, int> staff;
  int default_staff = 1;                 ///< departments not in `staff`
  Date start = Date{std::chrono::days{0}};  ///< the first working day on or after it
  int working_days = 20;                 ///< days with arrivals; cases then run to their end
  std::uint64_t seed = 1;
  Mode mode = Mode::bundled;
  std::vector<Arrival> trace;            ///< when given, replaces Poisson arrivals
  /// Independent service centres (districts), each with its own share of the arrivals and of
  /// every department's staff (rounded up), simulated in parallel. Results do not depend on
  /// `threads`, only on this.
  int partitions = 1;
  int threads = 1;                       ///< 0: one per core
  double post_check_rate = 0.2;          ///< EngineOptions::post_check_rate
  /// Keep each case's full event log (MemoryStore) instead of forgetting closed cases;
  /// slower, for inspecting cases and checking replays.
  bool keep_logs = false;
  /// Stop after this many working days of simulated time past the last arrival, with the
  /// cases still open counted as unfinished.
  int drain_days = 250;
};

/// How a simulated application ended.
enum class Outcome : std::uint8_t {
  issued,      ///< results delivered (lead time recorded)
  rejected,    ///< an essential item failed, or a deferred material lapsed
  not_opened,  ///< the answers made it ineligible, undecided, or no item applied
  unfinished,  ///< still open when the simulation stopped
};
[[nodiscard]] std::string_view to_string(Outcome o);

/// Per case, in arrival order (columns of equal length).
struct CaseColumns {
  std::vector<std::uint16_t> bundle;    ///< index into Scenario::bundles
  std::vector<std::uint8_t> partition;
  std::vector<float> arrival;           ///< working days after the start
  std::vector<float> lead_days;         ///< submission → issuance, working days (NaN unless issued)
  std::vector<std::uint8_t> trips;      ///< visits in person (跑动)
  std::vector<std::uint8_t> outcome;    ///< Outcome
  [[nodiscard]] std::size_t size() const noexcept { return bundle.size(); }
};

struct BundleSummary {
  std::string id;
  std::size_t arrivals = 0, issued = 0, rejected = 0, not_opened = 0, unfinished = 0;
  double lead_mean = 0, lead_p50 = 0, lead_p95 = 0, lead_p99 = 0;  ///< working days, issued cases
  double trips_mean = 0;
};

struct ItemSummary {
  std::string bundle, item, department;
  std::size_t started = 0;   ///< reviews started (including restarts)
  std::size_t decided = 0;
  std::size_t breached = 0;  ///< decided after the promised deadline, or still open past it
  [[nodiscard]] double breach_rate() const noexcept { return started ? double(breached) / double(started) : 0.0; }
};

/// A department's day-by-day load (one value per working day of the run).
struct DepartmentSeries {
  std::string id;
  int staff = 0;                     ///< across partitions
  std::vector<float> utilisation;    ///< busy staff time / staff time, 0..1
  std::vector<float> queue;          ///< mean tasks waiting
  double utilisation_mean = 0;
  std::size_t tasks = 0;
};

struct Results {
  Mode mode = Mode::bundled;
  std::uint64_t seed = 0;
  CaseColumns cases;
  std::vector<BundleSummary> bundles;
  std::vector<ItemSummary> items;
  std::vector<DepartmentSeries> departments;
  int days = 0;                      ///< working days simulated (length of each series)
  std::size_t commands = 0;          ///< engine commands run (timers included)
  std::size_t engine_refusals = 0;   ///< commands the engine refused (0 unless the model is off)
  std::vector<std::string> refusals; ///< the first few refusals' messages
  std::size_t opening_failures = 0;  ///< arrivals whose answers opened no case
  std::vector<std::string> opening_reasons;  ///< distinct reasons, first few
  double wall_seconds = 0;
};

/// The error of a scenario that cannot run (a negative rate, an unknown item in `items`, a
/// situation that does not exist, a bundle that does not compile in `separate` mode…).
class ScenarioError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Checks a scenario: every problem, as sentences (empty: it can run).
[[nodiscard]] std::vector<std::string> validate(const Scenario& scenario);

/// Runs a scenario on `calendar`. Throws ScenarioError when `validate` finds problems.
[[nodiscard]] Results run(const Scenario& scenario, const Calendar& calendar);

/// The lead-time quantile `q` (0..1) of the issued cases of one bundle (or all, if nullopt).
[[nodiscard]] double lead_quantile(const Results& r, double q, std::optional<std::size_t> bundle = std::nullopt);

}  // namespace yishi::simulate
