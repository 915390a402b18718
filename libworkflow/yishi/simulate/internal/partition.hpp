// One partition (service centre) of a simulation, run on its own engine and thread.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "yishi/simulate/internal/model.hpp"

namespace yishi::simulate::internal {

struct PartitionResult {
  CaseColumns cases;                     ///< this partition's applicants, in arrival order
  std::vector<ItemSummary> items;        ///< counts only, indexed like Model::items
  std::vector<std::vector<double>> busy;   ///< by department, per day: busy staff-seconds
  std::vector<std::vector<double>> queue;  ///< by department, per day: waiting task-seconds
  std::vector<std::size_t> tasks;        ///< by department
  int days = 0;
  std::size_t commands = 0, refusals = 0, opening_failures = 0;
  std::vector<std::string> refusal_messages, opening_reasons;
};

[[nodiscard]] PartitionResult run_partition(const Scenario& scenario, const Model& model, const Calendar& calendar,
                                            int partition);

}  // namespace yishi::simulate::internal
