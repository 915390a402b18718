// Simulation benchmarks (a plain harness: each figure is one long run, not a loop of small
// ones). Prints one JSON object per run on standard output for benchmarks/run.sh.
//
//   bench_simulate restaurant [CASES]     simulated restaurant cases per second, one thread
//   bench_simulate city-year [SCALE]      bundles/simulation/city_year.yaml (arrivals × SCALE):
//                                         wall time, cases per second, peak memory
#include <fmt/format.h>
#include <sys/resource.h>

#include <cstdlib>
#include <string>

#include "yishi/yishi.hpp"
#include "yishi/simulate/scenario.hpp"

namespace {

using namespace yishi;

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

Calendar calendars() {
  SourceMap sources;
  auto c = yaml::load_calendar_dir(sources, std::string(YISHI_SOURCE_DIR) + "/bundles/calendars");
  if (!c.calendar) {
    fmt::print(stderr, "bench_simulate: the calendars do not load\n");
    std::exit(1);
  }
  return *c.calendar;
}

/// The restaurant bundle with ample staff (the figure is the simulator's and engine's cost
/// per case, not queueing), every applicant answered by situations drawn at random.
int restaurant(std::size_t cases) {
  SourceMap sources;
  auto loaded = load_bundle_file(sources, std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  auto compiled = compile(std::move(*loaded.bundle));
  simulate::Scenario s;
  s.start = *parse_date("2025-03-03");
  s.working_days = 100;
  s.seed = 1;
  simulate::BundleLoad load(*compiled.compiled, double(cases) / s.working_days);
  load.situations = {{"outdoor_sign", 0.4}, {"crowded_venue", 0.1}};
  load.review.service = simulate::Distribution::exponential(1);
  s.bundles.push_back(std::move(load));
  const int staff = static_cast<int>(cases / 200 + 4);
  s.staff = {{"front_desk", staff}, {"market_regulation", staff * 2}, {"urban_management", staff}, {"fire_rescue", staff}};
  const auto r = simulate::run(s, calendars());
  if (r.engine_refusals) {
    fmt::print(stderr, "bench_simulate: the engine refused {} commands: {}\n", r.engine_refusals, r.refusals.front());
    return 1;
  }
  fmt::print(R"({{"figure": "restaurant", "cases": {}, "commands": {}, "wall_s": {:.4f}, "cases_per_s": {:.1f}, "peak_rss_kib": {}}})"
             "\n",
             r.cases.size(), r.commands, r.wall_seconds, double(r.cases.size()) / r.wall_seconds, peak_rss_kib());
  return 0;
}

int city_year(double scale) {
  auto loaded = simulate::load_scenario_file(std::string(YISHI_SOURCE_DIR) + "/bundles/simulation/city_year.yaml");
  if (!loaded.scenario) {
    for (const auto& p : loaded.problems) fmt::print(stderr, "{}\n", simulate::to_string(p));
    return 1;
  }
  simulate::Scenario s = std::move(*loaded.scenario);
  for (auto& b : s.bundles) b.arrivals_per_day *= scale;
  const Calendar cal = loaded.calendar ? *loaded.calendar : calendars();
  const auto r = simulate::run(s, cal);
  std::size_t issued = 0;
  for (const auto& b : r.bundles) issued += b.issued;
  fmt::print(R"({{"figure": "city-year", "scale": {}, "cases": {}, "issued": {}, "commands": {}, "refusals": {}, )"
             R"("partitions": {}, "wall_s": {:.3f}, "cases_per_s": {:.1f}, "peak_rss_kib": {}}})"
             "\n",
             scale, r.cases.size(), issued, r.commands, r.engine_refusals, s.partitions, r.wall_seconds,
             double(r.cases.size()) / r.wall_seconds, peak_rss_kib());
  return r.engine_refusals ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "restaurant";
  if (what == "restaurant") return restaurant(argc > 2 ? std::stoul(argv[2]) : 250'000);
  if (what == "city-year") return city_year(argc > 2 ? std::stod(argv[2]) : 1.0);
  fmt::print(stderr, "usage: bench_simulate restaurant [CASES] | city-year [SCALE]\n");
  return 2;
}
