// CaseState: where a case stands, as the pure fold of its events.
//
// One apply function per event is the only code that mutates a CaseState (internal to the
// runtime); `replay` rebuilds a state from a stored log, and equals the live state the engine
// holds (asserted by every scenario test).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/runtime/event.hpp"

namespace yishi {

/// The case lifecycle (DESIGN §3). Terminal: closed, refused, rejected, withdrawn.
enum class CaseStatus : std::uint8_t {
  draft,                     ///< opened, not yet submitted
  submitted,                 ///< waiting for intake (综合受理)
  returned_for_correction,   ///< 补正: waiting for the applicant to resubmit
  accepted,                  ///< items under review
  accepted_with_deficiency,  ///< 容缺受理: under review, deferred materials outstanding
  issued,                    ///< 统一出件 done; post-checks, deferred materials or rating may follow
  closed,                    ///< nothing left to do
  refused,                   ///< 不予受理 at intake
  rejected,                  ///< an essential item failed, or no item was approved
  withdrawn,                 ///< 撤回 by the applicant
};
[[nodiscard]] std::string_view to_string(CaseStatus s);
[[nodiscard]] std::optional<CaseStatus> parse_case_status(std::string_view s);
/// Whether no command can change the case any more.
[[nodiscard]] bool is_terminal(CaseStatus s) noexcept;

/// An item's review (pending → in_review → approved | rejected | returned).
enum class ItemStatus : std::uint8_t {
  inactive,   ///< its situations do not hold for this applicant: skipped
  pending,    ///< waiting for acceptance or for the items it comes after
  in_review,
  returned,   ///< a signer returned it for correction
  approved,
  rejected,
  revoked,    ///< approved (or under way), then revoked: lapse or failed post-check
  cancelled,  ///< will never be decided (case ended, or an item before it failed)
};
[[nodiscard]] std::string_view to_string(ItemStatus s);
[[nodiscard]] std::optional<ItemStatus> parse_item_status(std::string_view s);

/// A material of the bundle, for this case.
enum class MaterialStatus : std::uint8_t {
  not_needed,   ///< no active item needs it
  missing,      ///< needed, not handed over
  handed_over,  ///< given by the applicant
  provided,     ///< supplied by a data provider (免提交)
  deferred,     ///< 容缺: outstanding, with a deadline
  supplied,     ///< deferred, then supplied in time
  lapsed,       ///< deferred, deadline passed
  pledged,      ///< 告知承诺: replaced by the pledges of every active item that needs it
};
[[nodiscard]] std::string_view to_string(MaterialStatus s);
[[nodiscard]] std::optional<MaterialStatus> parse_material_status(std::string_view s);

/// 事后核查 of a pledged item.
enum class PostCheckStatus : std::uint8_t { none, due, passed, failed };
[[nodiscard]] std::string_view to_string(PostCheckStatus s);

/// One signer slot of an item's review.
struct SignerState {
  std::optional<Decision> decision;
  bool removed = false;    ///< 减签: no longer counts
  std::uint16_t turn = 0;  ///< may sign once no open slot of the item has a lower turn
  std::string signer;      ///< who decided
  std::string assignee;    ///< who must decide (empty: anyone with the slot's role)
  friend bool operator==(const SignerState&, const SignerState&) = default;
};

/// 加签: a slot added to an item's review for the current round. The added slots of item i
/// are numbered after its definition's, in the order they were added.
struct AddedSigner {
  std::uint32_t item = 0;
  std::string role, department;
  std::int32_t weight = 1;
  std::string added_by;
  SignerState state;
  friend bool operator==(const AddedSigner&, const AddedSigner&) = default;
};

/// 委派: a signature out for advice; its owner decides once it is resolved.
struct Delegation {
  std::uint32_t item = 0, slot = 0;
  std::string delegate;
  friend bool operator==(const Delegation&, const Delegation&) = default;
};

struct ItemState {
  ItemStatus status = ItemStatus::inactive;
  std::uint16_t round = 0;  ///< how many times its review started (corrections restart it)
  bool pledged = false;
  bool warned = false;     ///< the warning point passed (亮灯)
  bool overdue = false;
  bool acted = false;       ///< a signer acted in this round (a reclaim before it needs none)
  PostCheckStatus post_check = PostCheckStatus::none;
  std::uint16_t reminders = 0;  ///< 催办 sent in this round
  std::int32_t approve_weight = 0;
  std::int32_t reject_weight = 0;
  Instant started{}, deadline{}, warning_at{}, decided_at{};
  Instant remind_at{}, decide_at{};  ///< next reminder, automatic decision (the epoch: none)
  friend bool operator==(const ItemState&, const ItemState&) = default;
};

struct MaterialState {
  MaterialStatus status = MaterialStatus::not_needed;
  Instant deadline{};  ///< deferred: the supply deadline
  friend bool operator==(const MaterialState&, const MaterialState&) = default;
};

/// The state of one case. Indices follow the bundle definition: `items[i]` is
/// `bundle().items[i]`, `materials[m]` is `bundle().materials[m]`; the signer slots of item i
/// are contiguous in `signers`, in the order of its review's signers.
struct CaseState {
  CaseId id;
  std::uint64_t version = 0;  ///< number of events applied
  CaseStatus status = CaseStatus::draft;
  CorrectionOrigin correction_origin = CorrectionOrigin::intake;
  std::string bundle, bundle_version, applicant;
  Instant opened_at{}, submitted_at{}, accepted_at{}, issued_at{}, closed_at{};
  Instant rating_until{};        ///< issued: the end of the rating window
  bool rating_window_ended = false;
  std::optional<int> rating;
  std::int32_t rejected_because = -1;  ///< rejected: the item that failed (-1: none approved)
  std::vector<ItemState> items;
  std::vector<SignerState> signers;
  std::vector<AddedSigner> added;         ///< 加签 in the current rounds, in order of addition
  std::vector<Delegation> delegations;    ///< 委派 awaiting advice
  std::vector<MaterialState> materials;
  std::vector<CorrectionEntry> notice;  ///< the correction notice being gathered or sent
  /// 一次性告知: materials listed by intake's correction notices so far (sorted); a later
  /// intake notice may only repeat them.
  std::vector<std::uint32_t> intake_noticed;
  friend bool operator==(const CaseState&, const CaseState&) = default;

  /// Approximate heap and inline bytes this state occupies (live memory per case).
  [[nodiscard]] std::size_t memory_bytes() const noexcept;
};

/// Rebuilds a case's state from its log: the commits (for their times) and their events in
/// order. Throws std::invalid_argument if the log does not fit the bundle (wrong bundle,
/// event out of place); a log the engine wrote always fits.
[[nodiscard]] CaseState replay(const CompiledBundle& bundle, CaseId id, std::span<const Commit> commits,
                               std::span<const Event> events);

}  // namespace yishi
