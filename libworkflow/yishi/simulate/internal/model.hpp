// What the simulator precomputes from a scenario, shared read-only by every partition: per
// bundle its items' departments and signers, its materials' handling, and (separate mode)
// one single-item bundle per item.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "yishi/runtime/command.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::simulate::internal {

struct SignerInfo {
  std::uint32_t department = 0;  ///< into Model::departments
  std::uint32_t actor = 0;       ///< into Model::actors
};

struct ItemInfo {
  std::uint32_t department = 0;
  std::uint32_t actor = 0;       ///< staff of the item's department (post-checks)
  ir::JoinKind join = ir::JoinKind::all;
  std::vector<SignerInfo> signers;
  const ItemLoad* load = nullptr;
  bool pledge = false, essential = true;
  std::vector<std::uint32_t> materials;  ///< bundle material indices
  std::vector<bool> core;                ///< parallel to materials
  std::vector<std::uint32_t> before;     ///< items it comes after, transitively
  std::string inspection;
  std::uint32_t summary = 0;             ///< into Results::items
  bool window_apply = true, window_delivery = true;  ///< separate mode: its own channels
};

struct MaterialInfo {
  bool deferrable = false, issue_before_supply = false, from_provider = false, pledge = false;
};

struct BundleInfo {
  const BundleLoad* load = nullptr;
  std::vector<ItemInfo> items;
  std::vector<MaterialInfo> materials;
  std::vector<std::uint32_t> order;       ///< items in dependency order
  std::vector<CompiledBundle> alone;      ///< separate mode: one bundle per item
  std::vector<double> profile_weights;    ///< cumulative
  bool window_apply = true, window_delivery = true;
  std::uint32_t clerk = 0;                ///< front-desk actor
};

struct Model {
  std::vector<BundleInfo> bundles;
  std::vector<std::string> departments;   ///< 0 is the front desk
  std::vector<int> staff;                 ///< per partition, by department
  std::vector<Actor> actors;
  std::vector<ItemSummary> items;
};

/// Builds the model; throws ScenarioError for what `validate` would report.
[[nodiscard]] Model build_model(const Scenario& scenario);

}  // namespace yishi::simulate::internal
