// Events: the facts a case is made of. A case's state is the fold of its events (see
// case_state.hpp); the engine records them, stores append them, replay re-applies them.
//
// Items and materials are referred to by their index in the bundle definition
// (`bundle().items`, `bundle().materials`): a case stays on the definition version it was
// opened with, so indices are stable for its whole life.
#pragma once

#include <cstdint>
#include <string>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "yishi/calendar/calendar.hpp"
#include "yishi/runtime/command.hpp"

namespace yishi {

/// The case was opened as a draft for an applicant; `active[i]` says whether item i's
/// situations hold (inactive items are skipped for the whole case).
struct CaseOpened {
  std::string bundle;
  std::string version;
  std::string applicant;
  std::vector<bool> active;
  friend bool operator==(const CaseOpened&, const CaseOpened&) = default;
};
struct Submitted {
  std::vector<std::uint32_t> materials;
  std::vector<std::uint32_t> unavailable;  ///< provider materials the provider could not supply
  friend bool operator==(const Submitted&, const Submitted&) = default;
};
/// A deferred material and its supply deadline (容缺).
struct Deferral {
  std::uint32_t material = 0;
  Instant deadline{};
  friend bool operator==(const Deferral&, const Deferral&) = default;
};
/// Intake accepted the application; with deferrals it is 容缺受理.
struct Accepted { std::vector<Deferral> deferred; friend bool operator==(const Accepted&, const Accepted&) = default; };
/// Where a correction notice comes from.
enum class CorrectionOrigin : std::uint8_t { intake, review };
/// One entry of a correction notice: intake's (item < 0) or a returned item's.
struct CorrectionEntry {
  std::int32_t item = -1;
  std::vector<std::uint32_t> materials;
  std::string comment;
  friend bool operator==(const CorrectionEntry&, const CorrectionEntry&) = default;
};
/// 一次性告知: one notice listing everything the applicant must fix.
struct CorrectionRequested {
  CorrectionOrigin origin = CorrectionOrigin::intake;
  std::vector<CorrectionEntry> entries;
  friend bool operator==(const CorrectionRequested&, const CorrectionRequested&) = default;
};
struct Refused { std::string reason; friend bool operator==(const Refused&, const Refused&) = default; };
struct Resubmitted { std::vector<std::uint32_t> materials; friend bool operator==(const Resubmitted&, const Resubmitted&) = default; };
/// An item's review began (again, after a correction); its deadline and warning point.
struct ItemStarted {
  std::uint32_t item = 0;
  Instant deadline{};
  Instant warning_at{};
  friend bool operator==(const ItemStarted&, const ItemStarted&) = default;
};
struct SignerAssigned {
  std::uint32_t item = 0, slot = 0;
  std::string person;
  friend bool operator==(const SignerAssigned&, const SignerAssigned&) = default;
};
/// A signer's decision; `slot` indexes the item's signers.
struct Signed {
  std::uint32_t item = 0, slot = 0;
  Decision decision = Decision::approve;
  std::string signer;
  std::string comment;
  std::vector<std::uint32_t> materials;  ///< with `ret`: materials to hand over again
  friend bool operator==(const Signed&, const Signed&) = default;
};
struct ItemApproved { std::uint32_t item = 0; bool by_pledge = false; friend bool operator==(const ItemApproved&, const ItemApproved&) = default; };
struct ItemRejected { std::uint32_t item = 0; friend bool operator==(const ItemRejected&, const ItemRejected&) = default; };
struct ItemReturned { std::uint32_t item = 0; friend bool operator==(const ItemReturned&, const ItemReturned&) = default; };
/// The item will not be decided: the case ended, or an item it comes after failed.
struct ItemCancelled { std::uint32_t item = 0; friend bool operator==(const ItemCancelled&, const ItemCancelled&) = default; };
enum class RevokeCause : std::uint8_t { material_lapsed, post_check_failed, prerequisite_revoked };
/// An item (possibly approved, possibly issued) is revoked.
struct ItemRevoked {
  std::uint32_t item = 0;
  RevokeCause cause = RevokeCause::material_lapsed;
  friend bool operator==(const ItemRevoked&, const ItemRevoked&) = default;
};
/// 告知承诺 signed; `sampled` = drawn for a post-check (事后核查).
struct Pledged { std::uint32_t item = 0; bool sampled = false; friend bool operator==(const Pledged&, const Pledged&) = default; };
struct PostChecked {
  std::uint32_t item = 0;
  bool pass = true;
  std::string comment;
  friend bool operator==(const PostChecked&, const PostChecked&) = default;
};
struct MaterialSupplied { std::uint32_t material = 0; friend bool operator==(const MaterialSupplied&, const MaterialSupplied&) = default; };
/// A deferred material was not supplied by its deadline (feeds credit records).
struct MaterialLapsed { std::uint32_t material = 0; friend bool operator==(const MaterialLapsed&, const MaterialLapsed&) = default; };
/// The correction notice no longer applies: every returned item was revoked or cancelled
/// meanwhile; the case resumes without a resubmission.
struct CorrectionLifted { friend bool operator==(const CorrectionLifted&, const CorrectionLifted&) = default; };
/// A deferred material no item needs any more (they were rejected, revoked or cancelled): it
/// is no longer awaited and cannot lapse.
struct MaterialWaived { std::uint32_t material = 0; friend bool operator==(const MaterialWaived&, const MaterialWaived&) = default; };
/// 亮灯督办: the warning point of an item's promised limit passed (yellow light).
struct DeadlineWarning { std::uint32_t item = 0; friend bool operator==(const DeadlineWarning&, const DeadlineWarning&) = default; };
/// The promised limit passed without a decision (red light).
struct DeadlineOverdue { std::uint32_t item = 0; friend bool operator==(const DeadlineOverdue&, const DeadlineOverdue&) = default; };
/// The case ends rejected: because of `item` (an essential item failed), or item < 0 when
/// no item was approved.
struct CaseRejected { std::int32_t item = -1; friend bool operator==(const CaseRejected&, const CaseRejected&) = default; };
struct Withdrawn { std::string reason; friend bool operator==(const Withdrawn&, const Withdrawn&) = default; };
/// 统一出件: results delivered; `approved` lists issued items, `not_approved` the others.
struct Issued {
  std::vector<std::uint32_t> approved;
  std::vector<std::uint32_t> not_approved;
  Instant rating_until{};  ///< the end of the rating window (好差评)
  friend bool operator==(const Issued&, const Issued&) = default;
};
struct Rated { int score = 5; std::string comment; friend bool operator==(const Rated&, const Rated&) = default; };
/// The time to rate after issuance ran out.
struct RatingWindowEnded { friend bool operator==(const RatingWindowEnded&, const RatingWindowEnded&) = default; };
/// Nothing is left to do: issued, rated or past the rating window, no deferred material
/// outstanding, no sampled post-check pending.
struct CaseClosed { friend bool operator==(const CaseClosed&, const CaseClosed&) = default; };

/// The case moved to another version of its bundle (Engine::migrate). Item and material
/// indices of later events refer to `to_version`; `items[i]` (`materials[m]`) is the new
/// index of old item i (material m), or -1 when the new version drops it.
struct CaseMigrated {
  std::string from_version;
  std::string to_version;
  std::vector<std::int32_t> items;
  std::vector<std::int32_t> materials;
  friend bool operator==(const CaseMigrated&, const CaseMigrated&) = default;
};

// ---- Approval operations (docs/approvals.md) ----

/// 释放: a signature is no longer assigned to anyone.
struct SignerReleased {
  std::uint32_t item = 0, slot = 0;
  friend bool operator==(const SignerReleased&, const SignerReleased&) = default;
};
/// 转办: a signature now belongs to `to`.
struct SignatureTransferred {
  std::uint32_t item = 0, slot = 0;
  std::string from, to, comment;
  friend bool operator==(const SignatureTransferred&, const SignatureTransferred&) = default;
};
/// 委派: `owner` asked `delegate` for advice on a signature; the owner still decides.
struct SignatureDelegated {
  std::uint32_t item = 0, slot = 0;
  std::string owner, delegate, comment;
  friend bool operator==(const SignatureDelegated&, const SignatureDelegated&) = default;
};
/// The delegation ended: advice from the delegate, or recalled by the owner (no advice).
struct DelegationResolved {
  std::uint32_t item = 0, slot = 0;
  std::string by;
  std::optional<Decision> advice;
  std::string comment;
  friend bool operator==(const DelegationResolved&, const DelegationResolved&) = default;
};
/// 加签: a slot added to the item's review for this round (its number follows the others).
struct SignerAdded {
  std::uint32_t item = 0, slot = 0;
  std::uint32_t relative_to = 0;
  AddPosition position = AddPosition::parallel;
  std::string role, department;
  std::int32_t weight = 1;
  std::string person, added_by, comment;
  friend bool operator==(const SignerAdded&, const SignerAdded&) = default;
};
/// 减签: a slot that had not signed no longer counts.
struct SignerRemoved {
  std::uint32_t item = 0, slot = 0;
  std::string comment;
  friend bool operator==(const SignerRemoved&, const SignerRemoved&) = default;
};
/// The join of an item after its signers changed: the figures it was decided (or not) on.
struct JoinReevaluated {
  std::uint32_t item = 0;
  std::int32_t approve_weight = 0, reject_weight = 0, threshold = 0, total_weight = 0;
  friend bool operator==(const JoinReevaluated&, const JoinReevaluated&) = default;
};
/// 驳回: the item went back to pending; `target`, an earlier item, is reviewed again.
struct RejectedBack {
  std::uint32_t item = 0, slot = 0;
  std::string signer;
  std::uint32_t target = 0;
  std::string comment;
  friend bool operator==(const RejectedBack&, const RejectedBack&) = default;
};
/// Why an item went back to pending without a decision.
enum class ResetCause : std::uint8_t {
  rerun,                  ///< between a rejection's target and the rejecting item (resume `rerun`)
  sibling_cancelled,      ///< beside the path of a rejection back (siblings `cancel`)
  sibling_redone,         ///< beside the path of a rejection back (siblings `redo`)
  prerequisite_reopened,  ///< an item it comes after was reopened by a reclaim
};
[[nodiscard]] std::string_view to_string(ResetCause c);
/// The item is pending again: its round ended without a decision.
struct ItemReset {
  std::uint32_t item = 0;
  ResetCause cause = ResetCause::rerun;
  friend bool operator==(const ItemReset&, const ItemReset&) = default;
};
/// 拿回: a signer took back their decision.
struct SignatureReclaimed {
  std::uint32_t item = 0, slot = 0;
  std::string signer, comment;
  friend bool operator==(const SignatureReclaimed&, const SignatureReclaimed&) = default;
};
/// An approved item is back in review (a new round, same deadline) after a reclaim.
struct ItemReopened { std::uint32_t item = 0; friend bool operator==(const ItemReopened&, const ItemReopened&) = default; };
/// The reminder and automatic-decision times of an item's review (none: the epoch).
struct ItemScheduled {
  std::uint32_t item = 0;
  Instant remind_at{}, decide_at{};
  friend bool operator==(const ItemScheduled&, const ItemScheduled&) = default;
};
/// 催办: reminder number `count` of this round; `next_at` the next scheduled one (none: the epoch).
struct ReminderSent {
  std::uint32_t item = 0;
  std::uint32_t count = 0;
  Instant next_at{};
  bool manual = false;
  std::string comment;
  friend bool operator==(const ReminderSent&, const ReminderSent&) = default;
};
/// 超时自动审批: nobody decided in time; the item decides itself (the decision follows).
struct AutoDecided {
  std::uint32_t item = 0;
  Decision decision = Decision::approve;
  friend bool operator==(const AutoDecided&, const AutoDecided&) = default;
};

using Event = std::variant<CaseOpened, Submitted, Accepted, CorrectionRequested, Refused, Resubmitted, ItemStarted,
                           SignerAssigned, Signed, ItemApproved, ItemRejected, ItemReturned, ItemCancelled,
                           ItemRevoked, Pledged, PostChecked, MaterialSupplied, MaterialLapsed, DeadlineWarning,
                           DeadlineOverdue, CaseRejected, Withdrawn, Issued, Rated, RatingWindowEnded, CaseClosed,
                           CorrectionLifted, MaterialWaived, CaseMigrated, SignerReleased, SignatureTransferred,
                           SignatureDelegated, DelegationResolved, SignerAdded, SignerRemoved, JoinReevaluated,
                           RejectedBack, ItemReset, SignatureReclaimed, ItemReopened, ItemScheduled, ReminderSent,
                           AutoDecided>;

/// The event's name in snake_case (`item_approved`).
[[nodiscard]] std::string_view event_name(const Event& e);
[[nodiscard]] std::string_view to_string(CorrectionOrigin o);
[[nodiscard]] std::string_view to_string(RevokeCause c);

/// The header of one accepted command: who, when, under which key, and where its events
/// start in the case's log (`first_version` is the version of its first event, from 1).
struct Commit {
  std::string command_id;
  std::uint64_t fingerprint = 0;
  Actor actor;
  CommandKind command = CommandKind::open;
  Instant at{};
  std::uint64_t first_version = 0;
  std::uint32_t count = 0;
  friend bool operator==(const Commit&, const Commit&) = default;
};

}  // namespace yishi
