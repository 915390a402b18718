// Simulation scenarios written in YAML (docs/simulation.md): bundles, their caseloads and
// applicant profiles, staff and time, loaded into a `Scenario` with located problems.
//
//   auto loaded = yishi::simulate::load_scenario_file("bundles/simulation/restaurant.yaml");
//   for (const auto& p : loaded.problems) std::cerr << to_string(p) << '\n';
//   if (loaded.scenario) {
//     const Calendar cal = loaded.calendar ? *loaded.calendar : Calendar{};
//     auto results = yishi::simulate::run(*loaded.scenario, cal);
//   }
//
// The loader reads the scenario file, loads, checks and compiles every bundle it names (YAML
// or DSL, relative to the scenario file), reads each applicant profile's answers with the
// type their field declares, and reads the calendar and the arrival trace when given. It
// reports every problem it finds, each located (file, line, column), and never throws on bad
// input. Functions here are thread-safe (they share nothing).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "yishi/calendar/calendar.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::simulate {

/// One mistake in a scenario, or in a file it names (a bundle, a calendar, the trace).
struct ScenarioProblem {
  std::string file;  ///< as written or resolved against the scenario's folder
  int line = 0;      ///< 1-based; 0 when the problem concerns the file as a whole
  int column = 0;    ///< 1-based, in Unicode code points; 0 with line 0
  std::string message;  ///< one sentence, lowercase start, no final period
  friend bool operator==(const ScenarioProblem&, const ScenarioProblem&) = default;
};

/// What loading a scenario yields: the scenario when there is no problem, and every problem.
struct LoadedScenario {
  std::optional<Scenario> scenario;        ///< set when `problems` is empty
  std::vector<ScenarioProblem> problems;   ///< all of them, in the order found
  /// The working-day calendar, when the file names one (`calendar: DIR`); otherwise run on
  /// `Calendar{}` (Monday to Friday, no holidays).
  std::optional<Calendar> calendar;
};

/// Largest scenario file the loader reads (bigger files are refused, like bundle files).
inline constexpr std::size_t max_scenario_bytes = 8u << 20;
/// Largest arrival trace (CSV) the loader reads.
inline constexpr std::size_t max_trace_bytes = 512u << 20;

/// Reads and loads a scenario file; paths in it are relative to the file's folder.
[[nodiscard]] LoadedScenario load_scenario_file(const std::string& path);
/// Loads scenario text shown as `name` in problems; paths in it are relative to `base_dir`.
[[nodiscard]] LoadedScenario load_scenario_text(std::string name, std::string text, const std::string& base_dir);

/// `file:line:col: error: message` (`file: error: message` without a position).
[[nodiscard]] std::string to_string(const ScenarioProblem& problem);

}  // namespace yishi::simulate
