// Scenario runner: runs one case script (docs/scripts.md) against the real engine with an
// in-memory store, checking replay after every command.
//
//   scenario_runner ROOT tests/scenarios/restaurant_happy_path.scenario
#include <exception>
#include <iostream>

#include "yishi/script/script.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: scenario_runner ROOT SCRIPT\n";
    return 2;
  }
  try {
    yishi::script::ScriptOptions options;
    options.root = argv[1];
    yishi::script::Runner runner(std::move(options));
    runner.run_file(std::filesystem::path(argv[1]) / argv[2]);
  } catch (const yishi::script::ScriptError& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "ok " << argv[2] << "\n";
  return 0;
}
