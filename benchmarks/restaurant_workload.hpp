// The restaurant workload the engine and store benchmarks share: the compiled bundle, the
// 2024–2026 calendar, the commands of one case to issuance (all four items), short ids.
#pragma once

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "yishi/yishi.hpp"

namespace yishi::bench {

inline CompiledBundle restaurant() {
  SourceMap sources;
  auto loaded = yaml::load_file(sources, std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  if (!loaded.bundle) std::abort();
  auto result = compile(std::move(*loaded.bundle));
  if (!result.compiled) std::abort();
  return *result.compiled;
}

inline Calendar calendar() {
  std::vector<CalendarYear> years;
  for (const char* y : {"cn-2024.yaml", "cn-2025.yaml", "cn-2026.yaml"}) {
    SourceMap sources;
    auto r = yaml::load_calendar_file(sources, std::string(YISHI_SOURCE_DIR) + "/bundles/calendars/" + y);
    if (!r.year) std::abort();
    years.push_back(*r.year);
  }
  return Calendar(std::move(years));
}

/// The commands of one case, built once; only their ids change from case to case.
struct Script {
  OpenCase open{"", Actor::applicant("corp-1"), "open_restaurant", "",
                {{"outdoor_sign", true}, {"crowded_venue", true}}, {}};
  std::vector<Command> steps;
  Script() {
    const Actor corp = Actor::applicant("corp-1"), clerk = Actor::staff("wang", "service_center", "clerk");
    auto sign = [](std::string item, Actor who) {
      return Command{"", std::move(who), Sign{std::move(item), Decision::approve, "", {}, std::nullopt}};
    };
    steps.push_back({"", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates",
                                       "sign_design", "fire_safety_rules"}, {}}});
    steps.push_back({"", clerk, Accept{}});
    steps.push_back(sign("licence_check", Actor::staff("li", "market_regulation", "reviewer")));
    steps.push_back(sign("food_licence", Actor::staff("li", "market_regulation", "reviewer")));
    steps.push_back(sign("food_licence", Actor::staff("zhou", "market_regulation", "section_chief")));
    steps.push_back(sign("outdoor_sign", Actor::staff("chen", "urban_management", "reviewer")));
    steps.push_back(sign("fire_check", Actor::staff("sun", "fire_rescue", "inspector")));
    steps.push_back(sign("fire_check", Actor::staff("qian", "fire_rescue", "section_chief")));
    steps.push_back({"", clerk, Issue{}});
  }
};

/// A short unique id per command, as a platform would send (fits the small-string buffer).
inline void set_id(std::string& id, std::uint64_t n) {
  char buf[24] = {'k'};
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf, n);
  (void)ec;
  id.assign(buf, end);
}

}  // namespace yishi::bench
