// The simulation: real cases through the real engine on virtual office time.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "restaurant_case.hpp"
#include "yishi/simulate/internal/event_queue.hpp"
#include "yishi/simulate/internal/random.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::test {
namespace {

using simulate::Distribution;
using simulate::Mode;
using simulate::Outcome;
using simulate::Scenario;

Scenario restaurant_scenario(double per_day = 12, int days = 20) {
  Scenario s;
  s.start = *parse_date("2025-03-03");
  s.working_days = days;
  s.seed = 11;
  simulate::BundleLoad load(restaurant(), per_day);
  load.review.service = Distribution::exponential(1);
  load.situations = {{"outdoor_sign", 0.4}, {"crowded_venue", 0.1}};
  s.bundles.push_back(std::move(load));
  s.staff = {{"front_desk", 3}, {"market_regulation", 6}, {"urban_management", 2}, {"fire_rescue", 2}};
  return s;
}

std::size_t count(const simulate::Results& r, Outcome o) {
  return static_cast<std::size_t>(std::count(r.cases.outcome.begin(), r.cases.outcome.end(), static_cast<std::uint8_t>(o)));
}

TEST_CASE("simulate.restaurant_runs_every_applicant_to_an_end") {
  const auto r = simulate::run(restaurant_scenario(), calendar_2025());
  INFO(fmt::format("{}", fmt::join(r.refusals, " | ")));
  CHECK(r.engine_refusals == 0);
  REQUIRE(r.cases.size() > 180);
  CHECK(count(r, Outcome::issued) == r.cases.size());
  CHECK(r.bundles[0].lead_p50 > 0.1);
  CHECK(r.bundles[0].lead_p95 >= r.bundles[0].lead_p50);
  CHECK(r.bundles[0].lead_p99 >= r.bundles[0].lead_p95);
  MESSAGE(fmt::format("cases {} p50 {:.2f} p95 {:.2f} trips {:.2f} commands {}", r.cases.size(), r.bundles[0].lead_p50,
                      r.bundles[0].lead_p95, r.bundles[0].trips_mean, r.commands));
}

TEST_CASE("simulate.same_seed_same_numbers_other_seed_other_numbers") {
  const auto a = simulate::run(restaurant_scenario(), calendar_2025());
  const auto b = simulate::run(restaurant_scenario(), calendar_2025());
  CHECK(a.cases.arrival == b.cases.arrival);
  CHECK(a.cases.lead_days == b.cases.lead_days);
  CHECK(a.cases.trips == b.cases.trips);
  CHECK(a.departments[1].utilisation == b.departments[1].utilisation);
  auto other = restaurant_scenario();
  other.seed = 12;
  const auto c = simulate::run(other, calendar_2025());
  CHECK(c.cases.arrival != a.cases.arrival);
}

TEST_CASE("simulate.results_depend_on_partitions_not_on_threads") {
  auto s = restaurant_scenario(24);
  s.partitions = 3;
  s.threads = 1;
  const auto one = simulate::run(s, calendar_2025());
  s.threads = 3;
  const auto three = simulate::run(s, calendar_2025());
  CHECK(one.cases.lead_days == three.cases.lead_days);
  CHECK(one.cases.partition == three.cases.partition);
  CHECK(std::set<std::uint8_t>(one.cases.partition.begin(), one.cases.partition.end()).size() == 3);
  CHECK(one.departments[0].staff == 3);  // ceil(3 / 3) per partition
}

TEST_CASE("simulate.keeping_the_logs_changes_nothing") {
  auto s = restaurant_scenario(8, 10);
  const auto light = simulate::run(s, calendar_2025());
  s.keep_logs = true;
  const auto kept = simulate::run(s, calendar_2025());
  CHECK(light.cases.lead_days == kept.cases.lead_days);
  CHECK(light.commands == kept.commands);
}

TEST_CASE("simulate.separate_mode_runs_the_same_applicants_item_by_item") {
  auto s = restaurant_scenario(10, 20);
  const auto bundled = simulate::run(s, calendar_2025());
  s.mode = Mode::separate;
  const auto separate = simulate::run(s, calendar_2025());
  INFO(fmt::format("{}", fmt::join(separate.refusals, " | ")));
  CHECK(separate.engine_refusals == 0);
  CHECK(separate.cases.arrival == bundled.cases.arrival);  // the same applicants
  CHECK(count(separate, Outcome::issued) == separate.cases.size());
  CHECK(separate.bundles[0].lead_mean > 2 * bundled.bundles[0].lead_mean);  // one item after another
  CHECK(separate.bundles[0].trips_mean > bundled.bundles[0].trips_mean + 1);
  // Each item of each applicant is its own case: more commands than bundled.
  CHECK(separate.commands > bundled.commands);
}

TEST_CASE("simulate.fewer_staff_longer_waits") {
  auto s = restaurant_scenario(12, 30);
  const auto staffed = simulate::run(s, calendar_2025());
  s.staff["market_regulation"] = 2;
  const auto short_staffed = simulate::run(s, calendar_2025());
  const auto dept = [](const simulate::Results& r, std::string_view id) {
    for (const auto& d : r.departments)
      if (d.id == id) return d;
    FAIL("no department");
    return r.departments[0];
  };
  CHECK(short_staffed.bundles[0].lead_p95 > staffed.bundles[0].lead_p95);
  CHECK(dept(short_staffed, "market_regulation").utilisation_mean > dept(staffed, "market_regulation").utilisation_mean);
  CHECK(dept(staffed, "market_regulation").utilisation_mean > 0.05);
  CHECK(dept(staffed, "market_regulation").utilisation_mean < 1.0);
  CHECK(dept(staffed, "market_regulation").utilisation.size() == static_cast<std::size_t>(staffed.days));
}

TEST_CASE("simulate.every_path_of_the_case_flow_agrees_with_the_engine") {
  // Deferrals, corrections, pledges (with post-checks that fail), rejections, no ratings
  // (the engine's rating window closes the cases): the simulator's commands must all be
  // accepted by the engine.
  auto s = restaurant_scenario(10, 20);
  ir::Bundle at_the_window = s.bundles[0].bundle.bundle();
  at_the_window.apply = ir::Channel::window;  // so that coming back is a trip
  s.bundles[0].bundle = *compile(std::move(at_the_window)).compiled;
  auto& l = s.bundles[0];
  l.defer = 0.5;
  l.correction = 0.3;
  l.pledge = 0.5;
  l.post_check_fail = 0.5;
  l.rate = 0;
  l.items["outdoor_sign"] = {Distribution::exponential(1), 0.3};
  s.post_check_rate = 1;
  const auto r = simulate::run(s, calendar_2025());
  INFO(fmt::format("{}", fmt::join(r.refusals, " | ")));
  CHECK(r.engine_refusals == 0);
  CHECK(count(r, Outcome::unfinished) == 0);
  CHECK(count(r, Outcome::issued) > 0);
  // Corrections and deferrals add trips (the applicant comes back) on top of the bundle's own.
  CHECK(*std::max_element(r.cases.trips.begin(), r.cases.trips.end()) > 3);
}

TEST_CASE("simulate.an_essential_item_always_rejected_rejects_every_case") {
  auto s = restaurant_scenario(6, 10);
  s.bundles[0].items["licence_check"] = {Distribution::fixed(0.5), 1.0};
  const auto r = simulate::run(s, calendar_2025());
  CHECK(r.engine_refusals == 0);
  CHECK(count(r, Outcome::rejected) == r.cases.size());
  CHECK(std::isnan(r.bundles[0].lead_p50));
}

TEST_CASE("simulate.slow_reviews_breach_the_promised_limit") {
  auto s = restaurant_scenario(4, 10);
  s.bundles[0].items["food_licence"] = {Distribution::fixed(60), 0.0};  // 7.5 working days per signature
  const auto r = simulate::run(s, calendar_2025());
  for (const auto& item : r.items) {
    if (item.item == "food_licence") {
      CHECK(item.started > 0);
      CHECK(item.breach_rate() == doctest::Approx(1.0));
    }
    if (item.item == "outdoor_sign" && item.started > 0) CHECK(item.breach_rate() < 0.2);
  }
}

TEST_CASE("simulate.a_trace_replaces_poisson_arrivals") {
  auto s = restaurant_scenario(0, 5);
  s.trace = {{0.5, 0, std::nullopt}, {0.25, 0, std::nullopt}, {3.0, 0, std::nullopt}};
  const auto r = simulate::run(s, calendar_2025());
  REQUIRE(r.cases.size() == 3);
  CHECK(r.cases.arrival == std::vector<float>{0.25f, 0.5f, 3.0f});
  CHECK(count(r, Outcome::issued) == 3);
}

TEST_CASE("simulate.invalid_scenarios_say_what_is_wrong") {
  auto s = restaurant_scenario();
  s.bundles[0].arrivals_per_day = -1;
  s.bundles[0].situations.emplace_back("outdoor_signs", 0.5);
  s.bundles[0].items["food_license"] = {};
  s.bundles[0].defer = 1.5;
  s.bundles[0].intake = Distribution::triangular(3, 1, 2);
  s.staff["fire_rescue"] = 0;
  s.trace = {{1, 4, std::nullopt}};
  const auto problems = simulate::validate(s);
  const std::string all = fmt::format("{}", fmt::join(problems, "\n"));
  CHECK(all.find("arrivals per working day must be ≥ 0, not -1") != std::string::npos);
  CHECK(all.find("no situation `outdoor_signs`") != std::string::npos);
  CHECK(all.find("no item `food_license`") != std::string::npos);
  CHECK(all.find("defer: a probability is between 0 and 1, not 1.5") != std::string::npos);
  CHECK(all.find("intake: a triangular distribution needs min ≤ mode ≤ max") != std::string::npos);
  CHECK(all.find("department `fire_rescue` needs at least one member of staff") != std::string::npos);
  CHECK(all.find("names bundle 4, but there are 1") != std::string::npos);
  CHECK_THROWS_AS((void)simulate::run(s, calendar_2025()), simulate::ScenarioError);
  CHECK(simulate::validate(restaurant_scenario()).empty());
}

TEST_CASE("simulate.distributions_have_their_means_and_bounds") {
  simulate::internal::Rng rng{42};
  const Distribution ds[] = {Distribution::fixed(2), Distribution::exponential(3), Distribution::lognormal(4, 2),
                             Distribution::triangular(1, 2, 6), Distribution::empirical({1, 2, 9})};
  for (const Distribution& d : ds) {
    CAPTURE(to_string(d.kind));
    double sum = 0, lo = 1e9, hi = -1;
    const int n = 200'000;
    for (int k = 0; k < n; ++k) {
      const double x = simulate::internal::sample(d, rng);
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    CHECK(sum / n == doctest::Approx(d.mean()).epsilon(0.02));
    CHECK(lo >= 0);
    if (d.kind == Distribution::Kind::triangular) CHECK((lo >= 1 && hi <= 6));
    if (d.kind == Distribution::Kind::empirical) CHECK((lo == 1 && hi == 9));
  }
  CHECK(Distribution::exponential(0).invalid() == "an exponential distribution needs a mean > 0");
  CHECK(Distribution{Distribution::Kind::lognormal, {1}}.invalid() == "a lognormal distribution takes 2 parameters, not 1");
  CHECK(Distribution::empirical({}).invalid() == "an empirical distribution needs at least one value");
  // The generator is the same everywhere: pinned values.
  simulate::internal::Rng fixed{1};
  CHECK(fixed.next() == 0x910A2DEC89025CC1ULL);
}

}  // namespace
}  // namespace yishi::test

#include "yishi/simulate/scenario.hpp"

namespace yishi::test {
namespace {

// Regressions of the simulator kept as scenario files in tests/regress/.
TEST_CASE("simulate.regress.every_command_of_the_regression_scenarios_is_accepted") {
  for (const char* name : {"simulate-vote-slots-of-one-role.yaml", "simulate-supply-at-the-lapse-instant.yaml"}) {
    CAPTURE(name);
    auto loaded = simulate::load_scenario_file(source_dir() + "/tests/regress/" + name);
    REQUIRE(loaded.scenario);
    REQUIRE(loaded.calendar);
    const auto r = simulate::run(*loaded.scenario, *loaded.calendar);
    INFO(fmt::format("{}", fmt::join(r.refusals, " | ")));
    CHECK(r.engine_refusals == 0);
    CHECK(r.opening_failures == 0);
  }
}

}  // namespace
}  // namespace yishi::test

TEST_CASE("simulate.event_queue.pops_in_time_then_scheduling_order") {
  // The radix heap against a sort of everything scheduled: random delays (often zero, so
  // many events share an instant), pushes interleaved with pops, as a simulation does.
  using yishi::simulate::internal::EventQueue;
  EventQueue<std::uint32_t> q;
  std::vector<std::pair<std::int64_t, std::uint32_t>> expected, got;
  std::uint64_t seed = 7;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  std::int64_t now = 0;
  std::uint32_t label = 0;
  for (int round = 0; round < 20000; ++round) {
    const int pushes = static_cast<int>(next() % 3);
    for (int k = 0; k < pushes; ++k) {
      const auto r = next() % 100;
      const std::int64_t t = now + (r < 30 ? 0 : r < 90 ? static_cast<std::int64_t>(next() % 600) : static_cast<std::int64_t>(next() % 5'000'000));
      q.push(t, label);
      expected.emplace_back(t, label++);
    }
    if (!q.empty() && next() % 3) {
      const auto item = q.pop();
      REQUIRE(item.time() >= now);
      now = item.time();
      got.emplace_back(item.time(), item.payload);
    }
  }
  while (!q.empty()) {
    const auto item = q.pop();
    got.emplace_back(item.time(), item.payload);
  }
  // Labels grow with scheduling order, so (time, label) is the required order.
  std::sort(expected.begin(), expected.end());
  CHECK(got == expected);
}
