// Scenario files, malformed: one table row per mistake the loader reports (the input, edited
// from a minimal valid scenario, and the exact located problem), and rows of valid but unusual
// inputs with what they load to. A load with a problem yields neither scenario nor calendar.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"
#include "scenario_text.hpp"
#include "yishi/simulate/scenario.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::test {
namespace {

using simulate::Distribution;
using simulate::LoadedScenario;

LoadedScenario load_text(std::string text, std::string base = "") { return load_scenario(std::move(text), std::move(base)); }

std::string rendered(const LoadedScenario& l) {
  std::vector<std::string> out;
  for (const auto& p : l.problems) out.push_back(simulate::to_string(p));
  return fmt::format("{}", fmt::join(out, "\n"));
}

/// A load that failed: no scenario, no calendar, at least one problem.
void check_refused(const LoadedScenario& l) {
  CHECK_FALSE(l.scenario);
  CHECK_FALSE(l.calendar);
  CHECK_FALSE(l.problems.empty());
}

/// The minimal valid scenario: one bundle entry; bundle keys are appended as line 3 on.
constexpr std::string_view entry = "bundles:\n  - file: ../national/open_restaurant.yaml\n";

std::string with_entry(std::string_view top) { return std::string(top) + std::string(entry); }
std::string entry_with(std::string_view bundle_keys) { return std::string(entry) + std::string(bundle_keys); }

/// One malformed input and the one problem it gives, rendered (`s.yaml:LINE:COL: error: …`).
struct Row {
  std::string_view what;
  std::string text;
  std::string problem;
};

void run_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.text);
    const LoadedScenario l = load_text(row.text);
    INFO(rendered(l));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) == row.problem);
  }
}

TEST_CASE("simulate.scenario_errors.minimal_scenario_loads") {
  const LoadedScenario l = load_text(std::string(entry));
  INFO(rendered(l));
  REQUIRE(l.problems.empty());
  REQUIRE(l.scenario);
  CHECK(l.scenario->bundles.size() == 1);
  CHECK_FALSE(l.calendar);
}

TEST_CASE("simulate.scenario_errors.top_level_keys") {
  run_rows({
      {"not a map", "- a\n- b\n", "s.yaml:1:1: error: expected a map for the scenario, found a list"},
      {"unknown key, nothing close", with_entry("qqqqqqqq: 1\n"),
       "s.yaml:1:1: error: unknown key `qqqqqqqq` in the scenario (known keys: start, working_days, drain_days, seed, "
       "mode, partitions, threads, post_check_rate, keep_logs, calendar, staff, bundles, trace)"},
      {"key twice", with_entry("seed: 1\nseed: 2\n"), "s.yaml:2:1: error: key `seed` appears twice in the scenario"},
      {"key that is a list", with_entry("? [a, b]\n: 1\n"),
       "s.yaml:1:3: error: expected text for a key in the scenario, found a list"},
      {"start a list", with_entry("start: [2026]\n"),
       "s.yaml:1:8: error: expected a date YYYY-MM-DD for `start`, found a list"},
      {"working_days above", with_entry("working_days: 100001\n"),
       "s.yaml:1:15: error: `working_days` must be between 0 and 100000, not 100001"},
      {"working_days overflows", with_entry("working_days: 99999999999\n"),
       "s.yaml:1:15: error: `working_days` is too large: `99999999999`"},
      {"drain_days below", with_entry("drain_days: -1\n"),
       "s.yaml:1:13: error: `drain_days` must be between 0 and 100000, not -1"},
      {"drain_days underflows", with_entry("drain_days: -99999999999\n"),
       "s.yaml:1:13: error: `drain_days` is too small: `-99999999999`"},
      {"seed negative", with_entry("seed: -1\n"), "s.yaml:1:7: error: expected a whole number for `seed`, found `-1`"},
      {"seed decimal", with_entry("seed: 1.5\n"), "s.yaml:1:7: error: expected a whole number for `seed`, found `1.5`"},
      {"seed overflows", with_entry("seed: 18446744073709551616\n"),
       "s.yaml:1:7: error: `seed` is too large: `18446744073709551616`"},
      {"seed a map", with_entry("seed: {a: 1}\n"),
       "s.yaml:1:7: error: expected a whole number for `seed`, found a map"},
      {"threads above", with_entry("threads: 5000\n"),
       "s.yaml:1:10: error: `threads` must be between 0 and 4096, not 5000"},
      {"partitions above", with_entry("partitions: 256\n"),
       "s.yaml:1:13: error: `partitions` must be between 1 and 255, not 256"},
      {"mode a list", with_entry("mode: [bundled]\n"),
       "s.yaml:1:7: error: expected `bundled` or `separate` for `mode`, found a list"},
      {"mode unknown, nothing close", with_entry("mode: qqqqqqqq\n"),
       "s.yaml:1:7: error: expected `bundled` or `separate` for `mode`, found `qqqqqqqq`"},
      {"post_check_rate above 1", with_entry("post_check_rate: 2\n"),
       "s.yaml:1:18: error: `post_check_rate` is a probability between 0 and 1, not 2"},
      {"post_check_rate below 0", with_entry("post_check_rate: -0.5\n"),
       "s.yaml:1:18: error: `post_check_rate` is a probability between 0 and 1, not -0.5"},
      {"post_check_rate a word", with_entry("post_check_rate: lots\n"),
       "s.yaml:1:18: error: expected a number for `post_check_rate`, found `lots`"},
      {"post_check_rate infinite", with_entry("post_check_rate: inf\n"),
       "s.yaml:1:18: error: expected a number for `post_check_rate`, found `inf`"},
      {"post_check_rate with a tail", with_entry("post_check_rate: 0.5x\n"),
       "s.yaml:1:18: error: expected a number for `post_check_rate`, found `0.5x`"},
      {"post_check_rate a list", with_entry("post_check_rate: [1]\n"),
       "s.yaml:1:18: error: expected a number for `post_check_rate`, found a list"},
      {"keep_logs yes", with_entry("keep_logs: yes\n"),
       "s.yaml:1:12: error: expected `true` or `false` for `keep_logs`, found `yes`"},
      {"keep_logs a map", with_entry("keep_logs: {a: 1}\n"),
       "s.yaml:1:12: error: expected `true` or `false` for `keep_logs`, found a map"},
      {"calendar a list", with_entry("calendar: [a]\n"),
       "s.yaml:1:11: error: expected a directory of calendar files for `calendar`, found a list"},
      {"trace a map", with_entry("trace: {a: 1}\n"),
       "s.yaml:1:8: error: expected the path of a CSV file for `trace`, found a map"},
      {"staff a list", with_entry("staff: [a]\n"), "s.yaml:1:8: error: expected a map for `staff`, found a list"},
  });
}

TEST_CASE("simulate.scenario_errors.bundles_list") {
  run_rows({
      {"empty list", "bundles: []\n", "s.yaml:1:10: error: the `bundles` list is empty"},
      {"text", "bundles: some\n", "s.yaml:1:10: error: expected a list of bundle entries for `bundles`, found text"},
      {"entry text", "bundles:\n  - just_text\n", "s.yaml:2:5: error: expected a map for a bundle entry, found text"},
      {"entry without file", "bundles:\n  - arrivals_per_day: 1\n",
       "s.yaml:2:5: error: a bundle entry needs `file` (the bundle's YAML or DSL file)"},
      {"file a map", "bundles:\n  - file: {a: b}\n",
       "s.yaml:2:11: error: expected the path of a bundle file for `file`, found a map"},
      {"bundle twice", entry_with("  - file: ../national/open_restaurant.yaml\n"),
       "s.yaml:3:11: error: bundle `open_restaurant` is given twice (first at line 2)"},
      {"unknown bundle key, nothing close", entry_with("    qqqqqqqq: 1\n"),
       "s.yaml:3:5: error: unknown key `qqqqqqqq` in a bundle entry (known keys: file, arrivals_per_day, situations, "
       "profiles, intake, issue, review, items, defer, supply, correction, resubmit, pledge, post_check_fail, "
       "post_check, rate, reapply)"},
      {"bundle key twice", entry_with("    defer: 0.1\n    defer: 0.2\n"),
       "s.yaml:4:5: error: key `defer` appears twice in a bundle entry"},
  });
  // A file in a folder that does not exist: no suggestion.
  const LoadedScenario l = load_text("bundles:\n  - file: no_such_folder/x.yaml\n");
  check_refused(l);
  REQUIRE(l.problems.size() == 1);
  const std::string p = simulate::to_string(l.problems[0]);
  CHECK(p.starts_with("s.yaml:2:11: error: cannot read the bundle file `"));
  CHECK(p.ends_with("bundles/simulation/no_such_folder/x.yaml`"));
}

TEST_CASE("simulate.scenario_errors.bundle_numbers_and_probabilities") {
  run_rows({
      {"arrivals negative", entry_with("    arrivals_per_day: -1\n"),
       "s.yaml:3:23: error: `arrivals_per_day` must be ≥ 0, not -1"},
      {"arrivals a word", entry_with("    arrivals_per_day: many\n"),
       "s.yaml:3:23: error: expected a number for `arrivals_per_day`, found `many`"},
      {"defer negative", entry_with("    defer: -0.5\n"),
       "s.yaml:3:12: error: `defer` is a probability between 0 and 1, not -0.5"},
      {"pledge above 1", entry_with("    pledge: 2\n"),
       "s.yaml:3:13: error: `pledge` is a probability between 0 and 1, not 2"},
      {"post_check_fail a map", entry_with("    post_check_fail: {a: 1}\n"),
       "s.yaml:3:22: error: expected a number for `post_check_fail`, found a map"},
      {"rate above 1", entry_with("    rate: 3\n"),
       "s.yaml:3:11: error: `rate` is a probability between 0 and 1, not 3"},
      {"situations a list", entry_with("    situations: [a]\n"),
       "s.yaml:3:17: error: expected a map for `situations`, found a list"},
      {"situation above 1", entry_with("    situations: {outdoor_sign: 2}\n"),
       "s.yaml:3:32: error: situation `outdoor_sign` is a probability between 0 and 1, not 2"},
      {"situation a word", entry_with("    situations: {outdoor_sign: often}\n"),
       "s.yaml:3:32: error: expected a number for situation `outdoor_sign`, found `often`"},
      {"situation key a list", entry_with("    situations: {[a]: 0.5}\n"),
       "s.yaml:3:18: error: expected text for a key in `situations`, found a list"},
      {"situation twice", entry_with("    situations: {outdoor_sign: 0.1, outdoor_sign: 0.2}\n"),
       "s.yaml:3:37: error: key `outdoor_sign` appears twice in `situations`"},
      {"items a list", entry_with("    items: [a]\n"), "s.yaml:3:12: error: expected a map for `items`, found a list"},
      {"item load text", entry_with("    items: {licence_check: 2}\n"),
       "s.yaml:3:28: error: expected a map for `licence_check`, found text"},
      {"item reject above 1", entry_with("    items: {licence_check: {reject: 2}}\n"),
       "s.yaml:3:37: error: `reject` is a probability between 0 and 1, not 2"},
      {"item unknown, nothing close", entry_with("    items: {qqqqqqqqqqqq: {reject: 0.1}}\n"),
       "s.yaml:3:13: error: no item `qqqqqqqqqqqq` in bundle `open_restaurant`"},
      {"review text", entry_with("    review: 3\n"), "s.yaml:3:13: error: expected a map for `review`, found text"},
      {"review reject above 1", entry_with("    review: {reject: 1.5}\n"),
       "s.yaml:3:22: error: `reject` is a probability between 0 and 1, not 1.5"},
      {"review key misspelt", entry_with("    review: {servce: 1}\n"),
       "s.yaml:3:14: error: unknown key `servce` in `review` (did you mean `service`?)"},
      {"review service negative", entry_with("    review: {service: -1}\n"),
       "s.yaml:3:23: error: `service`: a fixed distribution takes durations ≥ 0, not -1"},
  });
}

TEST_CASE("simulate.scenario_errors.distributions") {
  run_rows({
      {"a list", entry_with("    intake: [1, 2]\n"),
       "s.yaml:3:13: error: expected office hours or a distribution such as `{exponential: 2}` for `intake`, found "
       "a list"},
      {"a word", entry_with("    issue: soon\n"),
       "s.yaml:3:12: error: expected a number for `issue` (office hours), found `soon`"},
      {"no kind", entry_with("    supply: {}\n"),
       "s.yaml:3:13: error: `supply` names 0 distributions; give one of fixed, exponential, lognormal, triangular, "
       "empirical"},
      {"kind key a list", entry_with("    intake: {[a]: 1}\n"),
       "s.yaml:3:14: error: expected text for a key in the distribution `intake`, found a list"},
      {"kind twice", entry_with("    intake: {fixed: 1, fixed: 2}\n"),
       "s.yaml:3:24: error: key `fixed` appears twice in the distribution `intake`"},
      {"parameter a word", entry_with("    resubmit: {exponential: x}\n"),
       "s.yaml:3:29: error: expected a number for a parameter of `exponential`, found `x`"},
      {"parameter a map", entry_with("    intake: {triangular: {a: 1}}\n"),
       "s.yaml:3:26: error: expected a number for a parameter of `triangular`, found a map"},
      {"exponential mean 0", entry_with("    resubmit: {exponential: 0}\n"),
       "s.yaml:3:29: error: `resubmit`: an exponential distribution needs a mean > 0"},
      {"lognormal mean 0", entry_with("    post_check: {lognormal: [0, 1]}\n"),
       "s.yaml:3:29: error: `post_check`: a lognormal distribution needs a mean > 0"},
      {"empirical empty", entry_with("    reapply: {empirical: []}\n"),
       "s.yaml:3:26: error: `reapply`: an empirical distribution needs at least one value"},
      {"empirical value a map", entry_with("    reapply: {empirical: [1, {a: 2}]}\n"),
       "s.yaml:3:30: error: expected a number for a parameter of `empirical`, found a map"},
      {"fixed with two values", entry_with("    reapply: {fixed: [1, 2]}\n"),
       "s.yaml:3:22: error: `reapply`: a fixed distribution takes 1 parameter, not 2"},
      {"fixed negative", entry_with("    reapply: {fixed: -2}\n"),
       "s.yaml:3:22: error: `reapply`: a fixed distribution takes durations ≥ 0, not -2"},
      {"triangular with two values", entry_with("    supply: {triangular: [1, 2]}\n"),
       "s.yaml:3:26: error: `supply`: a triangular distribution takes 3 parameters, not 2"},
      {"item service a word", entry_with("    items: {fire_check: {service: slow}}\n"),
       "s.yaml:3:35: error: expected a number for `service` (office hours), found `slow`"},
  });
  // One unknown kind: the unknown key only, not also "names 0 distributions".
  const LoadedScenario l = load_text(entry_with("    intake: {qqqqqqqq: 1}\n"));
  check_refused(l);
  INFO(rendered(l));
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].message.starts_with("unknown key `qqqqqqqq` in the distribution `intake` (known keys: fixed,"));

}

TEST_CASE("simulate.scenario_errors.empty_values_are_located_at_their_key") {
  // yaml-cpp places an empty value at the next token (the next key, or the end of the file):
  // the problem is located at the value's key instead. A null written out is located at itself.
  const std::string intake =
      "error: expected office hours or a distribution such as `{exponential: 2}` for `intake`, found nothing";
  const std::string bundles = "error: expected a list of bundle entries for `bundles`, found nothing";
  run_rows({
      {"followed by a key", entry_with("    intake:\n    issue: 1\n"), "s.yaml:3:5: " + intake},
      {"followed by a comment and a key", entry_with("    intake:   # none\n    issue: 1\n"), "s.yaml:3:5: " + intake},
      {"at the end of a flow map", "bundles:\n  - {file: ../national/open_restaurant.yaml, intake: }\n",
       "s.yaml:2:46: " + intake},
      {"`~`, on its line", entry_with("    intake: ~\n    issue: 1\n"), "s.yaml:3:13: " + intake},
      {"`null`, on the next line", entry_with("    intake:\n      null\n"), "s.yaml:4:7: " + intake},
      {"the top-level list, followed by a key", "bundles:\nseed: 1\n", "s.yaml:1:1: " + bundles},
      {"the top-level list, at the end of the file", "seed: 1\nbundles:\n", "s.yaml:2:1: " + bundles},
      {"the top-level list, at the end of the file without a newline", "seed: 1\nbundles:", "s.yaml:2:1: " + bundles},
  });
  // Followed by a key that starts like a null (and is unknown: a second problem).
  const LoadedScenario l = load_text(entry_with("    intake:\n    nullable: 1\n"));
  INFO(rendered(l));
  check_refused(l);
  REQUIRE(l.problems.size() == 2);
  CHECK(simulate::to_string(l.problems[0]).starts_with("s.yaml:4:5: error: unknown key `nullable` in a bundle entry"));
  CHECK(simulate::to_string(l.problems[1]) == "s.yaml:3:5: " + intake);
}

TEST_CASE("simulate.scenario_errors.profiles_and_answers") {
  const std::string p = "    profiles:\n";
  run_rows({
      {"profiles a map", entry_with("    profiles: {a: 1}\n"),
       "s.yaml:3:15: error: expected a list of profiles for `profiles`, found a map"},
      {"profile text", entry_with("    profiles: [x]\n"),
       "s.yaml:3:16: error: expected a map for a profile, found text"},
      {"two profiles named alike", entry_with(p + "      - {name: a}\n      - {name: a}\n"),
       "s.yaml:5:16: error: two profiles of this bundle are named `a`"},
      {"name a list", entry_with(p + "      - {name: [a]}\n"),
       "s.yaml:4:16: error: expected text for `name`, found a list"},
      {"weight negative", entry_with(p + "      - {weight: -1}\n"),
       "s.yaml:4:18: error: a profile weight must be ≥ 0, not -1"},
      {"weight a word", entry_with(p + "      - {weight: x}\n"),
       "s.yaml:4:18: error: expected a number for a profile weight, found `x`"},
      {"profile key misspelt", entry_with(p + "      - {wieght: 1}\n"),
       "s.yaml:4:10: error: unknown key `wieght` in a profile (did you mean `weight`?)"},
      {"answers a list", entry_with(p + "      - {answers: [1]}\n"),
       "s.yaml:4:19: error: expected a map for `answers`, found a list"},
      {"field unknown, nothing close", entry_with(p + "      - {answers: {qqqqqqqqqqqq: 1}}\n"),
       "s.yaml:4:20: error: no field `qqqqqqqqqqqq` in bundle `open_restaurant`"},
      {"list holding a map", entry_with(p + "      - {answers: {menu.categories: [hot_food, {a: 1}]}}\n"),
       "s.yaml:4:48: error: expected a value in the answer to `menu.categories`, found a map"},
      {"answer a map", entry_with(p + "      - {answers: {sign.installed: {a: 1}}}\n"),
       "s.yaml:4:36: error: expected a value for the answer to `sign.installed`, found a map"},
      {"answer above max", entry_with(p + "      - {answers: {premises.area_m2: 200000}}\n"),
       "s.yaml:4:38: error: field `premises.area_m2` must be at most 100000"},
      {"int answer a decimal", entry_with(p + "      - {answers: {premises.seats: 2.5}}\n"),
       "s.yaml:4:36: error: `2.5` is not a value of type `int` for field `premises.seats`"},
      {"empty list for a required choice", entry_with(p + "      - {answers: {menu.categories: []}}\n"),
       "s.yaml:4:37: error: field `menu.categories` is required: choose at least one value"},
  });
}

TEST_CASE("simulate.scenario_errors.staff") {
  run_rows({
      {"a word", with_entry("staff: {fire_rescue: x}\n"),
       "s.yaml:1:22: error: expected a whole number for `fire_rescue`, found `x`"},
      {"above the limit", with_entry("staff: {fire_rescue: 2000000}\n"),
       "s.yaml:1:22: error: department `fire_rescue` has more staff than the limit of 1000000"},
      {"overflows", with_entry("staff: {fire_rescue: 99999999999999999999}\n"),
       "s.yaml:1:22: error: `fire_rescue` is too large: `99999999999999999999`"},
      {"default 0", with_entry("staff: {default: 0}\n"),
       "s.yaml:1:18: error: department `default` needs at least one member of staff, not 0"},
      {"unknown, nothing close", with_entry("staff: {qqqqqqqqqqqq: 1}\n"),
       "s.yaml:1:9: error: no bundle of the scenario has department `qqqqqqqqqqqq`"},
  });
}

TEST_CASE("simulate.scenario_errors.valid_but_unusual") {
  SUBCASE("every top-level key at an edge of its range") {
    const LoadedScenario l = load_text(with_entry(
        "start: 2025-01-06\nworking_days: 0\ndrain_days: 100000\nseed: 18446744073709551615\nmode: separate\n"
        "partitions: 255\nthreads: 4096\npost_check_rate: 0\nkeep_logs: true\nstaff: {default: 3, front_desk: 2}\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    const simulate::Scenario& s = *l.scenario;
    CHECK(to_string(s.start) == "2025-01-06");
    CHECK(s.working_days == 0);
    CHECK(s.drain_days == 100000);
    CHECK(s.seed == std::numeric_limits<std::uint64_t>::max());
    CHECK(s.mode == simulate::Mode::separate);
    CHECK(s.partitions == 255);
    CHECK(s.threads == 4096);
    CHECK(s.post_check_rate == 0);
    CHECK(s.keep_logs);
    CHECK(s.default_staff == 3);
    CHECK(s.staff.at("front_desk") == 2);
    CHECK_FALSE(s.staff.count("default"));
  }
  SUBCASE("keep_logs false, bundled") {
    const LoadedScenario l = load_text(with_entry("keep_logs: false\nmode: bundled\n"));
    REQUIRE(l.scenario);
    CHECK_FALSE(l.scenario->keep_logs);
    CHECK(l.scenario->mode == simulate::Mode::bundled);
  }
  SUBCASE("a calendar without `start`: the start is the first day of its first year") {
    const LoadedScenario l = load_text(with_entry("calendar: ../calendars\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    REQUIRE(l.calendar);
    CHECK(to_string(l.scenario->start) == "2024-01-01");
    CHECK(l.calendar->years().size() == 3);
  }
  SUBCASE("a calendar and a start") {
    const LoadedScenario l = load_text(with_entry("start: 2025-03-03\ncalendar: ../calendars\n"));
    REQUIRE(l.scenario);
    REQUIRE(l.calendar);
    CHECK(to_string(l.scenario->start) == "2025-03-03");
  }
  SUBCASE("distributions in every form") {
    const LoadedScenario l = load_text(entry_with(
        "    intake: {fixed: 2}\n    issue: {triangular: [1, 1, 1]}\n    supply: {empirical: 3}\n"
        "    resubmit: {lognormal: [1, 0]}\n    post_check: 0\n    review: {service: {exponential: 2}, reject: 0}\n"
        "    items: {fire_check: {reject: 1}, licence_check: {}}\n    situations: {}\n    defer: 1\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    const simulate::BundleLoad& b = l.scenario->bundles[0];
    CHECK(b.intake == Distribution::fixed(2));
    CHECK(b.issue == Distribution::triangular(1, 1, 1));
    CHECK(b.supply == Distribution::empirical({3}));
    CHECK(b.resubmit == Distribution::lognormal(1, 0));
    CHECK(b.post_check == Distribution::fixed(0));
    CHECK(b.review.service == Distribution::exponential(2));
    CHECK(b.review.reject == 0);
    // Items inherit the review's service; fire_check its own rejection.
    CHECK(b.items.at("fire_check").service == Distribution::exponential(2));
    CHECK(b.items.at("fire_check").reject == 1);
    CHECK(b.items.at("licence_check").reject == 0);
    CHECK(b.situations.empty());
    CHECK(b.defer == 1);
  }
  SUBCASE("profiles: unnamed, weights, empty answers") {
    const LoadedScenario l = load_text(entry_with(
        "    profiles:\n      - {}\n      - {name: big, weight: 0, answers: {}}\n"
        "      - {weight: 2.5, answers: {menu.categories: [pastry], operator.phone: 13812345678}}\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    const simulate::BundleLoad& b = l.scenario->bundles[0];
    REQUIRE(b.profiles.size() == 3);
    CHECK(b.profiles[0].weight == 1);
    CHECK(b.profiles[1].weight == 0);
    CHECK(b.profiles[2].weight == 2.5);
    REQUIRE(b.profiles[2].answers.size() == 2);
    CHECK(b.profiles[2].answers[0].second == expr::Answer{std::vector<std::string>{"pastry"}});
    CHECK(b.profiles[2].answers[1].second == expr::Answer{std::string("13812345678")});
  }
  SUBCASE("an empty list of profiles") {
    const LoadedScenario l =
        load_text(entry_with("    profiles: []\n    situations: {outdoor_sign: 0, crowded_venue: 1}\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    CHECK(l.scenario->bundles[0].profiles.empty());
    REQUIRE(l.scenario->bundles[0].situations.size() == 2);
    CHECK(l.scenario->bundles[0].situations[1].second == 1);
  }
  SUBCASE("two bundles") {
    const LoadedScenario l = load_text(entry_with("  - file: ../national/newborn_birth.yi\n    arrivals_per_day: 0\n"));
    INFO(rendered(l));
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->bundles.size() == 2);
    CHECK(l.scenario->bundles[1].arrivals_per_day == 0);
  }
}

TEST_CASE("simulate.scenario_errors.calendar_directories") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "empty");
  std::filesystem::create_directory(dir.path() / "bad");
  std::ofstream(dir.file("bad/cn-2025.yaml")) << "calendar: cn\nyear: [2025]\n";
  const std::string bundle = fmt::format("bundles:\n  - file: {}/bundles/national/open_restaurant.yaml\n",
      source_dir());

  const LoadedScenario missing = load_text("calendar: nowhere\n" + bundle, dir.path().string());
  check_refused(missing);
  REQUIRE(missing.problems.size() == 1);
  CHECK(simulate::to_string(missing.problems[0]) ==
        fmt::format("s.yaml:1:11: error: cannot read the calendar directory `{}`", dir.file("nowhere")));

  const LoadedScenario empty = load_text("calendar: empty\n" + bundle, dir.path().string());
  check_refused(empty);
  REQUIRE(empty.problems.size() == 1);
  CHECK(simulate::to_string(empty.problems[0]) ==
        fmt::format("s.yaml:1:11: error: the calendar directory `{}` holds no calendar file (`*.yaml`)",
            dir.file("empty")));

  // A broken calendar file: the problem is located in that file.
  const LoadedScenario bad = load_text("calendar: bad\n" + bundle, dir.path().string());
  INFO(rendered(bad));
  check_refused(bad);
  REQUIRE_FALSE(bad.problems.empty());
  for (const auto& p : bad.problems) CHECK(p.file == dir.file("bad/cn-2025.yaml"));
  CHECK(simulate::to_string(bad.problems.back()) == dir.file("bad/cn-2025.yaml") + ":2:7: error: expected text for "
      "`year`, found a list");
}

TEST_CASE("simulate.scenario_errors.bundle_files_that_do_not_check") {
  TempDir dir;
  // Seven items in seven unknown departments: seven errors, five shown.
  std::string many = "bundle: many\nname: 多\nversion: \"1\"\nlead: dept_a\ndepartments:\n  dept_a: 甲\n"
                     "fields:\n  applicant.name: {type: string, label: 姓名}\nmaterials:\n  form_a: 表\nitems:\n";
  for (int k = 0; k < 7; ++k)
    many += fmt::format("  item{0}:\n    name: 项{0}\n    department: nowhere{0}\n    form: [applicant.name]\n"
                        "    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n",
                        k);
  std::ofstream(dir.file("many.yaml")) << many;
  std::ofstream(dir.file("syntax.yaml")) << "bundle: [\n";

  const LoadedScenario l = load_text(
      "bundles:\n  - file: many.yaml\n    situations: {x: 0.5}\n    items: {y: {reject: 0.5}}\n"
      "    profiles:\n      - answers: {z: 1}\n",
      dir.path().string());
  INFO(rendered(l));
  check_refused(l);
  // Five errors of the bundle, then the entry's sentence; nothing about x, y or z (no bundle
  // to check them against).
  REQUIRE(l.problems.size() == 6);
  for (std::size_t k = 0; k < 5; ++k) {
    CHECK(l.problems[k].file == dir.file("many.yaml"));
    CHECK(l.problems[k].message.find("[E") != std::string::npos);
  }
  CHECK(simulate::to_string(l.problems[5]) ==
        fmt::format("s.yaml:2:11: error: the bundle `{0}` does not check (7 errors, the first 5 shown; "
                    "see `yishi check {0}`)",
                    dir.file("many.yaml")));

  const LoadedScenario s = load_text("bundles:\n  - file: syntax.yaml\n", dir.path().string());
  INFO(rendered(s));
  check_refused(s);
  REQUIRE(s.problems.size() == 2);
  CHECK(s.problems[0].file == dir.file("syntax.yaml"));
  CHECK(s.problems[0].line >= 1);
  CHECK(simulate::to_string(s.problems[1]) ==
        fmt::format("s.yaml:2:11: error: the bundle `{0}` does not check (see `yishi check {0}`)",
            dir.file("syntax.yaml")));

  // A misspelt name: the closest bundle file of the folder, `.yml` ones included.
  std::ofstream(dir.file("licence.yml")) << "x";
  const LoadedScenario yml = load_text("bundles:\n  - file: license.yml\n", dir.path().string());
  check_refused(yml);
  REQUIRE(yml.problems.size() == 1);
  CHECK(simulate::to_string(yml.problems[0]) ==
        fmt::format("s.yaml:2:11: error: cannot read the bundle file `{}` (did you mean `licence.yml`?)",
                    dir.file("license.yml")));

  // Staff and the trace are not checked against bundles when one does not compile.
  std::ofstream(dir.file("t.csv")) << "day,bundle\n1,many\n2,nothing\n";
  const LoadedScenario t =
      load_text("staff: {qqqq: 2}\ntrace: t.csv\nbundles:\n  - file: syntax.yaml\n", dir.path().string());
  INFO(rendered(t));
  check_refused(t);
  CHECK(t.problems.size() == 2);
}

/// A scenario of the restaurant bundle (profile `small`) with `trace` = the file `name` of `dir`.
std::string trace_scenario(const TempDir& dir, std::string_view name, std::string_view extra = "") {
  return fmt::format(
      "trace: {}\n{}bundles:\n  - file: {}/bundles/national/open_restaurant.yaml\n    profiles:\n"
      "      - {{name: small, answers: {{sign.installed: false}}}}\n  - file: {}/bundles/national/newborn_birth.yi\n",
      dir.file(name), extra, source_dir(), source_dir());
}

TEST_CASE("simulate.scenario_errors.trace_files") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "folder");
  auto write = [&](std::string_view name, std::string_view text) { std::ofstream(dir.file(name)) << text; };
  write("empty.csv", "");
  write("comments.csv", "# only a comment\n\n");
  write("bad_header.csv", "day,bundle,profile,extra\n");
  write("utf8.csv", "day,bundle\n1,open_\xFFrestaurant\n");
  write("fields.csv", "day,bundle\n1,open_restaurant,small\n");
  write("negative.csv", "day,bundle\n-1,open_restaurant\n");
  write("infinite.csv", "day,bundle\ninf,open_restaurant\n");
  write("no_profiles.csv", "day,bundle,profile\n1,newborn_birth,small\n");
  write("unknown.csv", "day,bundle\n1,qqqqqqqqqqqq\n");
  write("header_third.csv", "day,bundle,prof\n");
  write("header_one.csv", "day\n");
  write("header_second.csv", "day,bndl\n");
  write("day_tail.csv", "day,bundle\n1x,open_restaurant\n");
  write("day_huge.csv", "day,bundle\n0,open_restaurant\n1e300,open_restaurant\n");
  write("day_past_limit.csv", "day,bundle\n200000.5,open_restaurant\n");
  write("day_at_limit.csv", "day,bundle\n  100000 ,open_restaurant\n");
  // A sparse file one byte over the limit: refused by its size, never read.
  write("huge.csv", "");
  std::filesystem::resize_file(dir.file("huge.csv"), simulate::max_trace_bytes + 1);

  struct TraceRow {
    std::string_view file;
    std::string problem;  // after the file name, or the whole rendering when it starts with `s.yaml`
  };
  const std::vector<TraceRow> rows = {
      {"missing.csv", "s.yaml:1:8: error: cannot read the trace file `" + dir.file("missing.csv") + "`"},
      {"folder", "s.yaml:1:8: error: cannot read the trace file `" + dir.file("folder") + "`"},
      {"empty.csv", ": error: the trace file is empty (it starts with the header `day,bundle`)"},
      {"comments.csv", ": error: the trace file is empty (it starts with the header `day,bundle`)"},
      {"bad_header.csv",
       ":1:1: error: the trace starts with the header `day,bundle` or `day,bundle,profile`, not "
       "`day,bundle,profile,extra`"},
      {"utf8.csv", ":2:1: error: line is not valid UTF-8"},
      {"fields.csv", ":2:1: error: expected 2 fields (day,bundle), found 3"},
      {"negative.csv", ":2:1: error: expected a day (working days after the start, ≥ 0), found `-1`"},
      {"infinite.csv", ":2:1: error: expected a day (working days after the start, ≥ 0), found `inf`"},
      {"no_profiles.csv", ":2:17: error: bundle `newborn_birth` has no profiles, so no profile `small`"},
      {"unknown.csv", ":2:3: error: no bundle `qqqqqqqqqqqq` in the scenario"},
      {"header_third.csv",
       ":1:1: error: the trace starts with the header `day,bundle` or `day,bundle,profile`, not `day,bundle,prof`"},
      {"header_one.csv",
       ":1:1: error: the trace starts with the header `day,bundle` or `day,bundle,profile`, not `day`"},
      {"header_second.csv",
       ":1:1: error: the trace starts with the header `day,bundle` or `day,bundle,profile`, not `day,bndl`"},
      {"day_tail.csv", ":2:1: error: expected a day (working days after the start, ≥ 0), found `1x`"},
      // `working_days` defaults to the last day rounded up, and is at most 100000.
      {"day_huge.csv", ":3:1: error: a day must be below 100000 (the limit of `working_days`), not `1e300`"},
      {"day_past_limit.csv", ":2:1: error: a day must be below 100000 (the limit of `working_days`), not `200000.5`"},
      {"day_at_limit.csv", ":2:1: error: a day must be below 100000 (the limit of `working_days`), not `100000`"},
      {"huge.csv", fmt::format("s.yaml:1:8: error: the trace file `{}` is {} bytes, more than the limit of {}",
                               dir.file("huge.csv"), simulate::max_trace_bytes + 1, simulate::max_trace_bytes)},
  };
  for (const TraceRow& row : rows) {
    CAPTURE(row.file);
    const LoadedScenario l = load_text(trace_scenario(dir, row.file), dir.path().string());
    INFO(rendered(l));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    const std::string want = row.problem.starts_with("s.yaml") ? row.problem : dir.file(row.file) + row.problem;
    CHECK(simulate::to_string(l.problems[0]) == want);
  }

  SUBCASE("a byte-order mark, CRLF, comments, spaces and an explicit working_days") {
    write("bom.csv", "\xEF\xBB\xBF" "day,bundle\r\n# comment\r\n\r\n 0.5 , open_restaurant \r\n3,newborn_birth\r\n");
    const LoadedScenario l = load_text(trace_scenario(dir, "bom.csv", "working_days: 10\n"), dir.path().string());
    INFO(rendered(l));
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->trace.size() == 2);
    CHECK(l.scenario->trace[0].day == 0.5);
    CHECK(l.scenario->trace[0].bundle == 0);
    CHECK_FALSE(l.scenario->trace[0].profile);
    CHECK(l.scenario->trace[1].bundle == 1);
    CHECK(l.scenario->working_days == 10);  // given: not derived from the trace
  }
  SUBCASE("the last day below the limit: working days up to the limit") {
    write("last_day.csv", "day,bundle\n99999.5,open_restaurant\n");
    const LoadedScenario l = load_text(trace_scenario(dir, "last_day.csv"), dir.path().string());
    INFO(rendered(l));
    REQUIRE(l.scenario);
    REQUIRE(l.scenario->trace.size() == 1);
    CHECK(l.scenario->trace[0].day == 99999.5);
    CHECK(l.scenario->working_days == 100000);
  }
  SUBCASE("a trace of comments after its header: no arrival, working days as given by default") {
    write("header_only.csv", "day,bundle\n# nothing yet\n");
    const LoadedScenario l = load_text(trace_scenario(dir, "header_only.csv"), dir.path().string());
    INFO(rendered(l));
    REQUIRE(l.scenario);
    CHECK(l.scenario->trace.empty());
    CHECK(l.scenario->working_days == simulate::Scenario{}.working_days);
  }
  SUBCASE("more than 100 problems: the rest are not shown") {
    std::string many = "day,bundle\n";
    for (int k = 0; k < 150; ++k) many += "x,open_restaurant\n";
    write("many.csv", many);
    const LoadedScenario l = load_text(trace_scenario(dir, "many.csv"), dir.path().string());
    check_refused(l);
    REQUIRE(l.problems.size() == 101);
    CHECK(simulate::to_string(l.problems[99]) ==
          dir.file("many.csv") + ":101:1: error: expected a day (working days after the start, ≥ 0), found `x`");
    CHECK(simulate::to_string(l.problems[100]) == "s.yaml: error: more problems not shown (stopped after 100)");
  }
  SUBCASE("valid lines after 100 problems are not read") {
    std::string many = "day,bundle\n";
    for (int k = 0; k < 100; ++k) many += "x,open_restaurant\n";
    many += "1,open_restaurant\n1,open_restaurant\n";
    write("late.csv", many);
    const LoadedScenario l = load_text(trace_scenario(dir, "late.csv"), dir.path().string());
    check_refused(l);
    REQUIRE(l.problems.size() == 101);
    CHECK(l.problems[99].line == 101);
    CHECK(l.problems[100].message == "more problems not shown (stopped after 100)");
  }
}

TEST_CASE("simulate.scenario_errors.size_limits") {
  SUBCASE("a map of more than 10000 entries") {
    std::string staff = "staff:\n";
    for (int k = 0; k <= 10'000; ++k) staff += fmt::format("  d{}: 1\n", k);
    const LoadedScenario l = load_text(with_entry(staff));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) ==
          "s.yaml:2:3: error: `staff` has 10001 entries, more than the limit of 10000");
  }
  std::string values = "[0";
  for (int k = 1; k <= 10'000; ++k) values += ",1";
  values += "]";
  SUBCASE("a distribution of more than 10000 values") {
    const LoadedScenario l = load_text(entry_with("    supply: {empirical: " + values + "}\n"));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) ==
          "s.yaml:3:25: error: `empirical` has 10001 values, more than the limit of 10000");
  }
  SUBCASE("an answer of more than 10000 values") {
    const LoadedScenario l =
        load_text(entry_with("    profiles:\n      - answers: {menu.categories: " + values + "}\n"));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) ==
          "s.yaml:4:36: error: the answer to `menu.categories` has more than 10000 values");
  }
  SUBCASE("more than 10000 profiles") {
    std::string profiles = "    profiles:\n";
    for (int k = 0; k <= 10'000; ++k) profiles += "      - {}\n";
    const LoadedScenario l = load_text(entry_with(profiles));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) ==
          "s.yaml:4:7: error: `profiles` has 10001 entries, more than the limit of 10000");
  }
  SUBCASE("aliases that repeat a list past 2000000 entries in all") {
    // One bundle entry reads a one-line list of 10000 values eleven times; twenty copies of
    // the entry.
    std::string list = "[1";
    for (int k = 1; k < 10'000; ++k) list += ", 1";
    const std::string d = "{empirical: *v}";
    std::string text = "bundles:\n  - &b\n    file: ../national/open_restaurant.yaml\n    intake:\n      "
                       "empirical: &v " + list + "]\n";
    for (const char* key : {"issue", "supply", "resubmit", "post_check", "reapply"})
      text += fmt::format("    {}: {}\n", key, d);
    text += fmt::format("    review: {{service: {0}}}\n    items: {{licence_check: {{service: {0}}}, food_licence: "
                        "{{service: {0}}}, outdoor_sign: {{service: {0}}}, fire_check: {{service: {0}}}}}\n",
                        d);
    for (int k = 0; k < 19; ++k) text += "  - *b\n";
    const LoadedScenario l = load_text(text);
    check_refused(l);
    INFO(rendered(l).substr(0, 2000));
    std::size_t budget = 0, twice = 0;
    for (const auto& p : l.problems) {
      if (p.message == "the scenario holds more than 2000000 entries in all") ++budget;
      if (p.message == "bundle `open_restaurant` is given twice (first at line 2)") ++twice;
    }
    CHECK(budget == 1);
    // The 20th entry is past the budget: not read at all.
    CHECK(twice == 18);
    CHECK(l.problems.size() == budget + twice);
    CHECK(simulate::to_string(l.problems.back()) == "s.yaml:5:18: error: the scenario holds more than 2000000 "
                                                    "entries in all");
  }
  SUBCASE("more than 65535 bundle entries") {
    std::string list = "bundles: [0";
    for (int k = 0; k < 65'535; ++k) list += ",0";
    const LoadedScenario l = load_text(list + "]\n");
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) == "s.yaml:1:10: error: the scenario has more than 65535 bundle entries");
  }
  SUBCASE("aliases that repeat a long answer past 2000000 entries in all") {
    std::string list = "[a";
    for (int k = 1; k < 10'000; ++k) list += ",a";
    std::string text =
        std::string(entry) + "    profiles:\n      - &p {answers: {food.safety_officer: " + list + "]}}\n";
    for (int k = 0; k < 205; ++k) text += "      - *p\n";
    const LoadedScenario l = load_text(text);
    check_refused(l);
    INFO(rendered(l).substr(0, 1000));
    // The list has 10000 values, within its own limit: the budget only, not also "more than
    // 10000 values".
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) == "s.yaml:4:44: error: the scenario holds more than 2000000 "
                                                "entries in all");
  }
  SUBCASE("more than 100 problems in the scenario itself") {
    std::string staff = "staff:\n";
    for (int k = 0; k < 120; ++k) staff += fmt::format("  qqqq{}: 1\n", k);
    const LoadedScenario l = load_text(with_entry(staff));
    check_refused(l);
    REQUIRE(l.problems.size() == 101);
    CHECK(l.problems[100].message == "more problems not shown (stopped after 100)");
    CHECK(l.problems[100].line == 0);
  }
}

TEST_CASE("simulate.scenario_errors.long_one_line_lists") {
  // Values of a one-line list are read (and, when wrong, located) in one pass over the line.
  std::string list = "[0";
  for (int k = 1; k < 10'000; ++k) list += fmt::format(", {}", k);
  list += "]";
  SUBCASE("10000 values, read through aliases") {
    const LoadedScenario l = load_text(entry_with(
        "    supply: {empirical: &v " + list +
        "}\n    reapply: {empirical: *v}\n    resubmit: {empirical: *v}\n    intake: {empirical: *v}\n"
        "    review: {service: {empirical: *v}}\n    items: {fire_check: {service: {empirical: *v}}}\n"));
    INFO(rendered(l).substr(0, 1000));
    REQUIRE(l.scenario);
    const simulate::BundleLoad& b = l.scenario->bundles[0];
    REQUIRE(b.supply.params.size() == 10'000);
    CHECK(b.supply.params.front() == 0);
    CHECK(b.supply.params[4'321] == 4'321);
    CHECK(b.supply.params.back() == 9'999);
    CHECK(b.reapply == b.supply);
    CHECK(b.resubmit == b.supply);
    CHECK(b.intake == b.supply);
    CHECK(b.review.service == b.supply);
    CHECK(b.items.at("fire_check").service == b.supply);
  }
  SUBCASE("wrong values along the line, each located") {
    std::string line = "    reapply: {empirical: [0";
    std::vector<std::string> want;
    for (int k = 1; k < 10'000; ++k) {
      line += ", ";
      if (k % 2'500 == 0) {
        want.push_back(fmt::format("s.yaml:3:{}: error: expected a number for a parameter of `empirical`, found `x{}`",
                                   line.size() + 1, k));
        line += fmt::format("x{}", k);
      } else {
        line += std::to_string(k);
      }
    }
    const LoadedScenario l = load_text(entry_with(line + "]}\n"));
    check_refused(l);
    REQUIRE(l.problems.size() == 3);
    for (std::size_t k = 0; k < want.size(); ++k) CHECK(simulate::to_string(l.problems[k]) == want[k]);
  }
  SUBCASE("a wrong value read twice through an alias: located twice at the same place") {
    const LoadedScenario l =
        load_text(entry_with("    supply: {empirical: &v [1, 2, x]}\n    reapply: {empirical: *v}\n"));
    check_refused(l);
    REQUIRE(l.problems.size() == 2);
    const std::string want = "s.yaml:3:35: error: expected a number for a parameter of `empirical`, found `x`";
    CHECK(simulate::to_string(l.problems[0]) == want);
    CHECK(simulate::to_string(l.problems[1]) == want);
  }
  SUBCASE("columns count code points after text that is not ASCII") {
    const LoadedScenario l =
        load_text(entry_with("    profiles:\n      - {name: 小店小店, weight: 1}\n      - {name: 大店, weight: x}\n"));
    check_refused(l);
    REQUIRE(l.problems.size() == 1);
    CHECK(simulate::to_string(l.problems[0]) == "s.yaml:5:28: error: expected a number for a profile weight, found `x`");
  }
}

TEST_CASE("simulate.scenario_errors.scenario_files") {
  TempDir dir;
  // Paths in the file are relative to its folder.
  std::ofstream(dir.file("ok.yaml")) << fmt::format("bundles:\n  - file: {}/bundles/national/open_restaurant.yaml\n",
                                                    source_dir());
  const LoadedScenario ok = simulate::load_scenario_file(dir.file("ok.yaml"));
  INFO(rendered(ok));
  REQUIRE(ok.scenario);
  CHECK(ok.scenario->bundles.size() == 1);

  const LoadedScenario folder = simulate::load_scenario_file(dir.path().string());
  check_refused(folder);
  REQUIRE(folder.problems.size() == 1);
  CHECK(simulate::to_string(folder.problems[0]) == fmt::format("{0}: error: cannot read `{0}`", dir.path().string()));

  std::ofstream(dir.file("big.yaml")) << std::string((8u << 20) + 1, '#');
  const LoadedScenario big = simulate::load_scenario_file(dir.file("big.yaml"));
  check_refused(big);
  REQUIRE(big.problems.size() == 1);
  CHECK(simulate::to_string(big.problems[0]) ==
        dir.file("big.yaml") + ": error: file is 8388609 bytes, more than the limit of 8388608");

  std::ofstream(dir.file("blank.yaml")) << "# nothing\n";
  const LoadedScenario blank = simulate::load_scenario_file(dir.file("blank.yaml"));
  check_refused(blank);
  REQUIRE(blank.problems.size() == 1);
  CHECK(simulate::to_string(blank.problems[0]) ==
        dir.file("blank.yaml") + ": error: file contains no scenario (a YAML map with a `bundles:` list)");

  std::ofstream(dir.file("two.yaml")) << "a: 1\n---\nb: 2\n";
  const LoadedScenario two = simulate::load_scenario_file(dir.file("two.yaml"));
  check_refused(two);
  REQUIRE(two.problems.size() == 1);
  CHECK(two.problems[0].line == 2);
  CHECK(two.problems[0].message.find("2 YAML documents") != std::string::npos);
}

}  // namespace
}  // namespace yishi::test
