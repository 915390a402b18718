// Loading a scenario from text in the simulate suites.
#pragma once

#include <string>
#include <utility>

#include "test_support.hpp"
#include "yishi/simulate/scenario.hpp"

namespace yishi::test {

/// Scenario text named `s.yaml`, with paths relative to `base` (bundles/simulation/ by default).
inline simulate::LoadedScenario load_scenario(std::string text, std::string base = "") {
  if (base.empty()) base = source_dir() + "/bundles/simulation";
  return simulate::load_scenario_text("s.yaml", std::move(text), std::move(base));
}

}  // namespace yishi::test
