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
  std::vector<std::uint32_t> after;       ///< items it comes directly after
  std::vector<std::uint32_t> dependents;  ///< items that come directly after this one
  /// Items it comes after, directly or not: all must be approved (or inactive) before it starts.
  std::vector<std::uint32_t> ancestors;
  std::vector<std::uint32_t> descendants;  ///< items that come after it, directly or not
  const ApprovalPolicy* approvals = nullptr;  ///< into the compiled bundle
  std::vector<std::uint32_t> reject_to;       ///< items it may be rejected back to (by name)
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

// ---- signer slots: the definition's, then those added in the current round (加签) ----------

/// A signer slot of an item as it stands now.
struct SlotInfo {
  std::string_view role, department;
  std::int32_t weight = 1;
  const SignerState* state = nullptr;
  bool added = false;
  std::string_view added_by;  ///< added slots: who added it
};
/// How many slots item i has now (its definition's and the added ones).
[[nodiscard]] inline std::uint32_t slot_count(const Plan& plan, const CaseState& state, std::uint32_t i) {
  std::uint32_t n = plan.items[i].slot_count;
  for (const AddedSigner& a : state.added) n += a.item == i;
  return n;
}
/// Slot k of item i among the added ones (k >= the definition's slot count).
[[nodiscard]] SlotInfo added_slot_info(const Plan& plan, const CaseState& state, std::uint32_t i, std::uint32_t k);
/// Slot k of item i (k < slot_count). Inline: the review loops call it for every slot.
[[nodiscard]] inline SlotInfo slot_info(const Plan& plan, const CaseState& state, std::uint32_t i, std::uint32_t k) {
  const PlanItem& pi = plan.items[i];
  if (k >= pi.slot_count) return added_slot_info(plan, state, i, k);
  const PlanSlot& ps = plan.slots[pi.slot_begin + k];
  return {ps.role, ps.department, ps.weight, &state.signers[pi.slot_begin + k], false, {}};
}
/// Whether slot k has signed or was removed.
[[nodiscard]] inline bool slot_done(const SignerState& st) noexcept { return st.decision.has_value() || st.removed; }
/// Whether slot k may sign now: not done, and no open slot of the item has an earlier turn.
[[nodiscard]] bool slot_ready(const Plan& plan, const CaseState& state, std::uint32_t i, std::uint32_t k);
/// The delegation of slot k of item i, if it is out for advice (委派).
[[nodiscard]] const Delegation* delegation_of(const CaseState& state, std::uint32_t i, std::uint32_t k);
/// The steps `previous` means for item i now: the nearest active items it comes directly after,
/// looking through inactive ones, in item order (rejecting back needs exactly one).
[[nodiscard]] std::vector<std::uint32_t> previous_steps(const Plan& plan, const CaseState& state, std::uint32_t i);
/// The join of item i now: the weight of the slots that still count, and what approval needs.
struct JoinNow {
  std::int32_t total_weight = 0, threshold = 0;
};
[[nodiscard]] JoinNow join_now(const Plan& plan, const CaseState& state, std::uint32_t i);

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
