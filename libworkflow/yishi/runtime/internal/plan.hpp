// The runtime's flat view of a compiled bundle: items, signer slots and materials by index,
// with the lookups commands need. Built once per deployed bundle; immutable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/runtime/case_state.hpp"

namespace yishi::runtime_internal {

struct PlanSlot {
  std::string_view role, department;
  std::int32_t weight = 1;
};

struct PlanItem {
  std::string_view id, name, department;
  std::uint32_t slot_begin = 0, slot_count = 0;
  JoinPolicy join;
  bool pledge = false, essential = true;
  ir::WorkDuration promised;
  std::vector<std::uint32_t> materials;   ///< material indices
  std::vector<std::uint32_t> after;       ///< items that must be approved (or inactive) first
  std::vector<std::uint32_t> dependents;  ///< items that come directly after this one
};

struct PlanMaterial {
  std::string_view id, name;
  std::optional<ir::WorkDuration> deferrable;
  bool from_provider = false;
  bool pledge = false;  ///< a pledge of every active item using it replaces it (告知承诺)
  bool issue_before_supply = false;
  std::vector<std::uint32_t> items;  ///< items that use it
};

/// Lookups by id (string_view keys point into the compiled bundle, which the plan keeps alive).
using IndexMap = std::unordered_map<std::string_view, std::uint32_t>;

struct Plan {
  explicit Plan(CompiledBundle compiled);

  CompiledBundle compiled;
  std::vector<PlanItem> items;
  std::vector<PlanSlot> slots;
  std::vector<PlanMaterial> materials;
  std::vector<std::string_view> situations;
  std::vector<std::uint32_t> order;  ///< items in dependency order
  IndexMap item_index, material_index, situation_index;

  [[nodiscard]] std::optional<std::uint32_t> find_item(std::string_view id) const;
  [[nodiscard]] std::optional<std::uint32_t> find_material(std::string_view id) const;
  [[nodiscard]] std::optional<std::uint32_t> find_situation(std::string_view id) const;
};

/// Whether items are under review (accepted, with or without deficiency).
[[nodiscard]] inline bool processing(CaseStatus s) noexcept {
  return s == CaseStatus::accepted || s == CaseStatus::accepted_with_deficiency;
}
/// Whether an item still awaits a decision.
[[nodiscard]] inline bool open_item(ItemStatus s) noexcept {
  return s == ItemStatus::pending || s == ItemStatus::in_review || s == ItemStatus::returned;
}

/// The only code that mutates a CaseState: applies one event recorded at `at`.
/// Throws std::invalid_argument when the event does not fit the bundle or the state.
void apply(CaseState& state, const Plan& plan, Instant at, const Event& event);

/// Called by replay at a `case_migrated` event: applies it to the state and returns the plan
/// of the version the case moved to (the plan of the events that follow).
using MigrationHook = std::function<const Plan&(CaseState&, const CaseMigrated&)>;

/// Applies a log's commits and events after `state.version` (a snapshot's) to `state`. A log
/// with `case_migrated` events needs `on_migrated`.
void replay_onto(const Plan& plan, CaseState& state, std::span<const Commit> commits, std::span<const Event> events,
                 const MigrationHook& on_migrated = {});

// ---- moving a case to another version (migrate.cpp) ---------------------------------------

/// The event that maps `from`'s items and materials onto `to`'s, by id.
[[nodiscard]] CaseMigrated migration_event(const Plan& from, const Plan& to);
/// Why the case cannot move from `from` to `to`; empty when it can.
[[nodiscard]] std::vector<std::string> migration_obstacles(const Plan& from, const Plan& to, const CaseState& state);
/// Applies a `case_migrated` event: re-indexes the state onto `to`.
void apply_migration(CaseState& state, const Plan& from, const Plan& to, const CaseMigrated& event);

/// Folds a log into a fresh state.
[[nodiscard]] CaseState replay(const Plan& plan, CaseId id, std::span<const Commit> commits,
                               std::span<const Event> events);

}  // namespace yishi::runtime_internal
