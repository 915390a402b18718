// Scenario files: the shipped ones load clean, every kind of mistake is located, and a loaded
// scenario runs exactly like the same scenario built in C++.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <numeric>

#include "restaurant_case.hpp"
#include "scenario_text.hpp"
#include "yishi/simulate/scenario.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::test {
namespace {

using simulate::Distribution;
using simulate::LoadedScenario;

LoadedScenario load(std::string text, std::string base = "") { return load_scenario(std::move(text), std::move(base)); }

std::vector<std::string> rendered(const LoadedScenario& l) {
  std::vector<std::string> out;
  for (const auto& p : l.problems) out.push_back(simulate::to_string(p));
  return out;
}

/// The one problem of a load, rendered.
std::string only_problem(const LoadedScenario& l) {
  INFO(fmt::format("{}", fmt::join(rendered(l), "\n")));
  REQUIRE(l.problems.size() == 1);
  CHECK_FALSE(l.scenario);
  return simulate::to_string(l.problems[0]);
}

bool has(const LoadedScenario& l, const std::string& line) {
  for (const auto& r : rendered(l))
    if (r == line) return true;
  return false;
}

constexpr std::string_view restaurant_entry = R"(bundles:
  - file: ../national/open_restaurant.yaml
    arrivals_per_day: 12
)";

TEST_CASE("simulate.scenario.shipped_restaurant_loads_clean") {
  const auto l = simulate::load_scenario_file(source_dir() + "/bundles/simulation/restaurant.yaml");
  INFO(fmt::format("{}", fmt::join(rendered(l), "\n")));
  REQUIRE(l.problems.empty());
  REQUIRE(l.scenario);
  REQUIRE(l.calendar);
  const simulate::Scenario& s = *l.scenario;
  CHECK(to_string(s.start) == "2026-03-02");
  CHECK(s.working_days == 60);
  REQUIRE(s.bundles.size() == 1);
  const simulate::BundleLoad& b = s.bundles[0];
  CHECK(b.bundle.bundle().id == "open_restaurant");
  CHECK(b.arrivals_per_day == 12);
  REQUIRE(b.profiles.size() == 2);
  CHECK(b.profiles[1].answers.size() == 3);
  CHECK(b.items.at("fire_check").service == Distribution::lognormal(2.5, 1.2));
  CHECK(b.supply == Distribution::triangular(2, 8, 30));
  CHECK(s.staff.at("front_desk") == 2);
  CHECK(l.calendar->covers(s.start));
}

TEST_CASE("simulate.scenario.shipped_city_year_loads_clean") {
  const auto l = simulate::load_scenario_file(source_dir() + "/bundles/simulation/city_year.yaml");
  INFO(fmt::format("{}", fmt::join(rendered(l), "\n")));
  REQUIRE(l.problems.empty());
  REQUIRE(l.scenario);
  const simulate::Scenario& s = *l.scenario;
  CHECK(s.bundles.size() == 13);
  const double per_day = std::accumulate(s.bundles.begin(), s.bundles.end(), 0.0,
                                         [](double t, const simulate::BundleLoad& b) { return t + b.arrivals_per_day; });
  CHECK(per_day == 63'200);
  CHECK(per_day * s.working_days == 15'800'000);
  CHECK(s.partitions == 2);
  CHECK(s.threads == 0);
  REQUIRE(l.calendar);
  // The calendar covers every working day with arrivals.
  CHECK(l.calendar->covers(s.start));
  CHECK(l.calendar->covers(l.calendar->add_working_days(s.start, s.working_days)));
  CHECK(simulate::validate(s).empty());
}

TEST_CASE("simulate.scenario.unknown_key_is_located_with_a_suggestion") {
  const auto l = load(std::string("seed: 3\nseeed: 4\n") + std::string(restaurant_entry));
  CHECK(only_problem(l) == "s.yaml:2:1: error: unknown key `seeed` in the scenario (did you mean `seed`?)");
  const auto m = load(std::string(restaurant_entry) + "    deffer: 0.2\n");
  CHECK(only_problem(m) == "s.yaml:4:5: error: unknown key `deffer` in a bundle entry (did you mean `defer`?)");
}

TEST_CASE("simulate.scenario.wrong_types_are_located") {
  CHECK(only_problem(load(std::string("working_days: many\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:15: error: expected a whole number for `working_days`, found `many`");
  CHECK(only_problem(load(std::string("start: 2026-02-30\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:8: error: expected a date YYYY-MM-DD for `start`, found `2026-02-30`");
  CHECK(only_problem(load(std::string("mode: bundeld\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:7: error: expected `bundled` or `separate` for `mode`, found `bundeld` (did you mean `bundled`?)");
  CHECK(only_problem(load(std::string("staff: {fire_rescue: -2}\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:22: error: department `fire_rescue` needs at least one member of staff, not -2");
  CHECK(only_problem(load(std::string("staff: {fire_rescu: 2}\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:9: error: no bundle of the scenario has department `fire_rescu` (did you mean `fire_rescue`?)");
  CHECK(only_problem(load(std::string("partitions: 0\n") + std::string(restaurant_entry))) ==
        "s.yaml:1:13: error: `partitions` must be between 1 and 255, not 0");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    defer: [0.2]\n")) ==
        "s.yaml:4:12: error: expected a number for `defer`, found a list");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    correction: 1.5\n")) ==
        "s.yaml:4:17: error: `correction` is a probability between 0 and 1, not 1.5");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    situations: {outdoor_sing: 0.4}\n")) ==
        "s.yaml:4:18: error: no situation `outdoor_sing` in bundle `open_restaurant` (did you mean `outdoor_sign`?)");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    items: {food_licnce: {reject: 0.1}}\n")) ==
        "s.yaml:4:13: error: no item `food_licnce` in bundle `open_restaurant` (did you mean `food_licence`?)");
  CHECK(only_problem(load("bundles: {file: x}\n")) == "s.yaml:1:10: error: expected a list of bundle entries for `bundles`, found a map");
  CHECK(only_problem(load("seed: 1\n")) == "s.yaml:1:1: error: the scenario has no `bundles` list");
}

TEST_CASE("simulate.scenario.bad_distributions_are_located") {
  CHECK(only_problem(load(std::string(restaurant_entry) + "    intake: {triangular: [3, 1, 2]}\n")) ==
        "s.yaml:4:26: error: `intake`: a triangular distribution needs min ≤ mode ≤ max");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    supply: {lognormal: [8]}\n")) ==
        "s.yaml:4:25: error: `supply`: a lognormal distribution takes 2 parameters, not 1");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    issue: {exponentail: 2}\n")) ==
        "s.yaml:4:13: error: unknown key `exponentail` in the distribution `issue` (did you mean `exponential`?)");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    issue: {fixed: 1, exponential: 2}\n")) ==
        "s.yaml:4:12: error: `issue` names 2 distributions; give one of fixed, exponential, lognormal, triangular, empirical");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    resubmit: -1\n")) ==
        "s.yaml:4:15: error: `resubmit`: a fixed distribution takes durations ≥ 0, not -1");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    review: {service: {empirical: [1, two]}}\n")) ==
        "s.yaml:4:39: error: expected a number for a parameter of `empirical`, found `two`");
  const auto ok = load(std::string(restaurant_entry) +
                       "    post_check: {empirical: [1, 2, 2.5]}\n    issue: 0.5\n    reapply: {exponential: 4}\n");
  REQUIRE(ok.scenario);
  CHECK(ok.scenario->bundles[0].reapply == Distribution::exponential(4));
  CHECK(ok.scenario->bundles[0].post_check == Distribution::empirical({1, 2, 2.5}));
  CHECK(ok.scenario->bundles[0].issue == Distribution::fixed(0.5));
}

TEST_CASE("simulate.scenario.answers_are_read_by_field_type") {
  const auto ok = load(std::string(restaurant_entry) + R"(    profiles:
      - weight: 2
        answers: {sign.installed: true, premises.area_m2: 120, menu.categories: [hot_food, cold_food]}
)");
  REQUIRE(ok.scenario);
  const expr::Answers& a = ok.scenario->bundles[0].profiles[0].answers;
  REQUIRE(a.size() == 3);
  CHECK(a[0].second == expr::Answer{true});
  CHECK(a[1].second == expr::Answer{120.0});
  CHECK(a[2].second == expr::Answer{std::vector<std::string>{"hot_food", "cold_food"}});

  CHECK(only_problem(load(std::string(restaurant_entry) + "    profiles:\n      - answers: {premises.aera_m2: 40}\n")) ==
        "s.yaml:5:19: error: no field `premises.aera_m2` in bundle `open_restaurant` (did you mean `premises.area_m2`?)");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    profiles:\n      - answers: {sign.installed: maybe}\n")) ==
        "s.yaml:5:35: error: `maybe` is not a value of type `bool` for field `sign.installed`");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    profiles:\n      - answers: {premises.area_m2: 0}\n")) ==
        "s.yaml:5:37: error: field `premises.area_m2` must be at least 1");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    profiles:\n      - answers: {menu.categories: [hot_food, sushi]}\n")) ==
        "s.yaml:5:36: error: field `menu.categories` takes only its listed values (hot_food, cold_food, raw_food, pastry, "
        "self_made_drinks)");
  CHECK(only_problem(load(std::string(restaurant_entry) + "    profiles:\n      - weight: 0\n")) ==
        "s.yaml:5:7: error: the profile weights add up to 0");
}

TEST_CASE("simulate.scenario.bundle_files_are_checked") {
  const auto missing = load("bundles:\n  - file: ../national/open_restaurnt.yaml\n");
  const std::string m = only_problem(missing);
  CHECK(m.starts_with("s.yaml:2:11: error: cannot read the bundle file `"));
  CHECK(m.ends_with("bundles/national/open_restaurnt.yaml` (did you mean `open_restaurant.yaml`?)"));

  // A bundle with a checker error: located in the bundle file, and the entry says so.
  TempDir dir;
  std::string bundle = read_file(source_dir() + "/bundles/national/open_restaurant.yaml");
  bundle = replace(bundle, "    department: fire_rescue\n", "    department: fire_resuce\n");
  std::ofstream(dir.file("broken.yaml")) << bundle;
  const auto l = load("bundles:\n  - file: broken.yaml\n    arrivals_per_day: 2\n", dir.path().string());
  CHECK_FALSE(l.scenario);
  REQUIRE(l.problems.size() >= 2);
  const simulate::ScenarioProblem& first = l.problems[0];
  CHECK(first.file == dir.file("broken.yaml"));
  CHECK(first.message == "unknown department `fire_resuce` [E3002]");
  const std::string_view text = bundle;
  const auto at = text.find("fire_resuce");
  CHECK(first.line == 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  CHECK(first.column == 17);
  CHECK(simulate::to_string(l.problems.back()) ==
        fmt::format("s.yaml:2:11: error: the bundle `{}` does not check (see `yishi check {}`)", dir.file("broken.yaml"),
                    dir.file("broken.yaml")));
  // A DSL bundle loads too.
  const auto dsl = load("bundles:\n  - file: ../national/newborn_birth.yi\n    arrivals_per_day: 1\n");
  CHECK(dsl.problems.empty());
}

TEST_CASE("simulate.scenario.trace_lines_are_located") {
  TempDir dir;
  std::ofstream(dir.file("arrivals.csv")) << "day,bundle,profile\n"
                                             "0.5,open_restaurant,small\n"
                                             "1,open_restaurant,\n"
                                             "x,open_restaurant,small\n"
                                             "2,open_restaurnt,small\n"
                                             "3,open_restaurant,huge\n"
                                             "4,open_restaurant\n";
  const std::string scenario = fmt::format(R"(trace: {}
bundles:
  - file: {}/bundles/national/open_restaurant.yaml
    profiles:
      - {{name: small, answers: {{sign.installed: false, premises.area_m2: 40}}}}
)",
                                           dir.file("arrivals.csv"), source_dir());
  const auto l = load(scenario, dir.path().string());
  INFO(fmt::format("{}", fmt::join(rendered(l), "\n")));
  const std::string csv = dir.file("arrivals.csv");
  CHECK(l.problems.size() == 4);
  CHECK(has(l, csv + ":4:1: error: expected a day (working days after the start, ≥ 0), found `x`"));
  CHECK(has(l, csv + ":5:3: error: no bundle `open_restaurnt` in the scenario (did you mean `open_restaurant`?)"));
  CHECK(has(l, csv + ":6:19: error: bundle `open_restaurant` has no profile `huge` (its profiles: small)"));
  CHECK(has(l, csv + ":7:1: error: expected 3 fields (day,bundle,profile), found 2"));

  std::ofstream(dir.file("good.csv")) << "day,bundle,profile\n0.5,open_restaurant,small\n2.25,open_restaurant,\n";
  const auto good = load(replace(scenario, "arrivals.csv", "good.csv"), dir.path().string());
  REQUIRE(good.scenario);
  REQUIRE(good.scenario->trace.size() == 2);
  CHECK(good.scenario->trace[0].profile == std::optional<std::size_t>(0));
  CHECK_FALSE(good.scenario->trace[1].profile);
  CHECK(good.scenario->trace[1].day == 2.25);
  CHECK(good.scenario->working_days == 3);  // through the last arrival's day

  std::ofstream(dir.file("header.csv")) << "when,what\n1,open_restaurant\n";
  CHECK(only_problem(load(replace(scenario, "arrivals.csv", "header.csv"), dir.path().string())) ==
        dir.file("header.csv") + ":1:1: error: the trace starts with the header `day,bundle` or `day,bundle,profile`, not `when,what`");
  const std::string with_rate = replace(scenario, "    profiles:", "    arrivals_per_day: 3\n    profiles:");
  CHECK(only_problem(load(replace(with_rate, "arrivals.csv", "good.csv"), dir.path().string())) ==
        "s.yaml:4:23: error: `arrivals_per_day` does not apply when the scenario has a `trace`");
}

TEST_CASE("simulate.scenario.hostile_input_gives_problems_not_crashes") {
  const std::vector<std::string> inputs = {
      "",
      "[",
      "- a\n- b\n",
      "just text",
      "bundles: [",
      ",,,\n",
      "a: 1\n---\nb: 2\n",
      "bundles:\n  - &x {file: *x}\n",
      "bundles:\n  - file: {a: b}\n",
      "bundles:\n  - - - - -\n",
      std::string(300, '[') + std::string(300, ']'),
      "staff: {a: 99999999999999999999}\n",
      "bundles: [{file: \"\\0\"}]\n",
      std::string("\xFF\xFE bad utf-8"),
      std::string("a: \0", 4),
  };
  for (const std::string& in : inputs) {
    INFO(in.substr(0, 40));
    const auto l = load(in);
    CHECK_FALSE(l.scenario);
    CHECK_FALSE(l.problems.empty());
  }
  const auto big = load(std::string(9u << 20, '#'));
  CHECK(only_problem(big) == "s.yaml: error: file is 9437184 bytes, more than the limit of 8388608");
  CHECK(simulate::to_string(simulate::load_scenario_file("/nonexistent/x.yaml").problems.at(0)) ==
        "/nonexistent/x.yaml: error: cannot read `/nonexistent/x.yaml`");
}

/// The same scenario as text and in C++ (no calendar: Monday to Friday).
constexpr std::string_view same_as_cpp = R"(start: 2025-03-03
working_days: 5
seed: 11
staff: {front_desk: 3, market_regulation: 6, urban_management: 2, fire_rescue: 2}
bundles:
  - file: ../national/open_restaurant.yaml
    arrivals_per_day: 12
    situations: {crowded_venue: 0.1}
    profiles:
      - weight: 2
        answers: {sign.installed: true, premises.area_m2: 120, menu.categories: [hot_food, cold_food]}
      - weight: 3
        answers: {sign.installed: false, premises.area_m2: 40, menu.categories: [hot_food]}
    review: {service: {exponential: 1}}
    items:
      food_licence: {service: {lognormal: [2, 1]}, reject: 0.02}
    defer: 0.2
    supply: {triangular: [2, 8, 30]}
    correction: 0.15
    pledge: 0.3
    post_check_fail: 0.1
    rate: 0.8
)";

simulate::Scenario built_in_cpp() {
  simulate::Scenario s;
  s.start = *parse_date("2025-03-03");
  s.working_days = 5;
  s.seed = 11;
  s.staff = {{"front_desk", 3}, {"market_regulation", 6}, {"urban_management", 2}, {"fire_rescue", 2}};
  simulate::BundleLoad load(restaurant(), 12);
  load.situations = {{"crowded_venue", 0.1}};
  load.profiles.push_back({2, {{"sign.installed", true},
                               {"premises.area_m2", 120.0},
                               {"menu.categories", std::vector<std::string>{"hot_food", "cold_food"}}}});
  load.profiles.push_back(
      {3, {{"sign.installed", false}, {"premises.area_m2", 40.0}, {"menu.categories", std::vector<std::string>{"hot_food"}}}});
  load.review.service = Distribution::exponential(1);
  load.items["food_licence"] = simulate::ItemLoad{Distribution::lognormal(2, 1), 0.02};
  load.defer = 0.2;
  load.supply = Distribution::triangular(2, 8, 30);
  load.correction = 0.15;
  load.pledge = 0.3;
  load.post_check_fail = 0.1;
  load.rate = 0.8;
  s.bundles.push_back(std::move(load));
  return s;
}

bool same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (!(a[k] == b[k] || (std::isnan(a[k]) && std::isnan(b[k])))) return false;
  return true;
}

TEST_CASE("simulate.scenario.loaded_equals_built_in_cpp") {
  const auto l = load(std::string(same_as_cpp));
  INFO(fmt::format("{}", fmt::join(rendered(l), "\n")));
  REQUIRE(l.scenario);
  CHECK_FALSE(l.calendar);
  const simulate::Scenario cpp = built_in_cpp();
  const simulate::BundleLoad& a = l.scenario->bundles[0];
  const simulate::BundleLoad& b = cpp.bundles[0];
  CHECK(a.profiles[0].answers == b.profiles[0].answers);
  CHECK(a.items.at("food_licence").service == b.items.at("food_licence").service);
  CHECK(a.items.at("food_licence").reject == b.items.at("food_licence").reject);

  const simulate::Results x = simulate::run(*l.scenario, Calendar{});
  const simulate::Results y = simulate::run(cpp, Calendar{});
  CHECK(x.engine_refusals == 0);
  CHECK(x.opening_failures == 0);
  REQUIRE(x.cases.size() > 30);
  CHECK(x.cases.size() == y.cases.size());
  CHECK(x.cases.outcome == y.cases.outcome);
  CHECK(x.cases.trips == y.cases.trips);
  CHECK(same_floats(x.cases.arrival, y.cases.arrival));
  CHECK(same_floats(x.cases.lead_days, y.cases.lead_days));
  CHECK(x.commands == y.commands);
  CHECK(x.bundles[0].issued == y.bundles[0].issued);
  CHECK(x.bundles[0].rejected == y.bundles[0].rejected);
  CHECK(x.bundles[0].lead_p95 == y.bundles[0].lead_p95);
  REQUIRE(x.departments.size() == y.departments.size());
  for (std::size_t d = 0; d < x.departments.size(); ++d) {
    CHECK(x.departments[d].tasks == y.departments[d].tasks);
    CHECK(x.departments[d].utilisation_mean == y.departments[d].utilisation_mean);
  }
}

TEST_CASE("simulate.scenario.problems_render_like_diagnostics") {
  CHECK(simulate::to_string(simulate::ScenarioProblem{"a.yaml", 3, 7, "no field `x`"}) == "a.yaml:3:7: error: no field `x`");
  CHECK(simulate::to_string(simulate::ScenarioProblem{"a.yaml", 0, 0, "cannot read `a.yaml`"}) ==
        "a.yaml: error: cannot read `a.yaml`");
}

}  // namespace
}  // namespace yishi::test
