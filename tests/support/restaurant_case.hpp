// The restaurant bundle (开办餐饮店) as the engine and store suites drive it: the compiled
// bundle, the 2025 calendar, its actors, and a plain case run to issuance.
#pragma once

#include <string>

#include "test_support.hpp"

namespace yishi::test {

inline CompiledBundle restaurant(std::string version = "") {
  SourceMap sources;
  auto loaded = yaml::load_file(sources, source_dir() + "/bundles/national/open_restaurant.yaml");
  REQUIRE(loaded.bundle);
  if (!version.empty()) loaded.bundle->version = version;
  auto result = compile(std::move(*loaded.bundle));
  REQUIRE(result.compiled);
  return *result.compiled;
}

inline Calendar calendar_2025() {
  SourceMap sources;
  auto y = yaml::load_calendar_file(sources, source_dir() + "/bundles/calendars/cn-2025.yaml");
  REQUIRE(y.year);
  return Calendar({*y.year});
}

/// A local time on a date (`YYYY-MM-DD`).
inline Instant at(const char* date, int hour, int minute = 0) {
  return Calendar{}.at(*parse_date(date), hour * 60 + minute);
}

inline const Actor corp = Actor::applicant("corp-1");
inline const Actor clerk = Actor::staff("wang", "service_center", "clerk");
inline const Actor li = Actor::staff("li", "market_regulation", "reviewer");
inline const Actor zhou = Actor::staff("zhou", "market_regulation", "section_chief");

/// Opens a case without an outdoor sign or a crowded venue (licence check and food licence).
inline OpenCase open_plain(std::string key) {
  return {std::move(key), corp, "open_restaurant", "", {{"outdoor_sign", false}, {"crowded_venue", false}}, {}};
}

inline Command cmd(std::string key, Actor actor, CommandBody body) {
  return {std::move(key), std::move(actor), std::move(body)};
}

/// Runs a plain case to issuance, every command keyed `prefix` + step.
inline CaseId run_to_issuance(Engine& engine, const std::string& prefix) {
  auto opened = engine.open_case(open_plain(prefix + "open"));
  REQUIRE(opened);
  const CaseId id = opened->case_id;
  REQUIRE(engine.execute(id, cmd(prefix + "1", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}})));
  REQUIRE(engine.execute(id, cmd(prefix + "2", clerk, Accept{})));
  REQUIRE(engine.execute(id, cmd(prefix + "3", li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "4", li, Sign{"food_licence", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "5", zhou, Sign{"food_licence", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "6", clerk, Issue{})));
  return id;
}

}  // namespace yishi::test
