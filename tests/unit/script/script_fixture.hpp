// What the case-script suites share: options rooted at the source tree, a nine-line preamble
// that leaves one restaurant case accepted, and the failure a script ends with.
#pragma once

#include <string>
#include <string_view>

#include "test_support.hpp"
#include "yishi/script/script.hpp"

namespace yishi::test {

inline script::ScriptOptions options_at_source() {
  script::ScriptOptions o;
  o.root = source_dir();
  return o;
}

/// Nine lines: the restaurant bundle, actors, one case accepted (licence_check in review).
inline constexpr std::string_view preamble = R"(bundle bundles/national/open_restaurant.yaml
calendar bundles/calendars
actor corp applicant corp-1
actor wang staff wang service_center clerk
actor li staff li market_regulation reviewer
clock 2025-09-26 15:00
open sign.installed=true premises.area_m2=120 by corp
submit premises_proof layout_plan food_safety_rules health_certificates sign_design fire_safety_rules by corp
accept by wang
)";
inline constexpr int preamble_lines = 9;

/// The message of the ScriptError a script throws ("" when it runs through).
inline std::string failure_of(script::Runner& runner, std::string_view text, std::string_view name = "t.scenario") {
  try {
    runner.run_text(text, name);
  } catch (const script::ScriptError& e) {
    return e.what();
  }
  return "";
}

}  // namespace yishi::test
