// Commands: the only way a case changes. Each carries an idempotency key and an actor; the
// engine validates it against the case's state and either records events or returns a typed
// error that changes nothing.
//
//   yishi::Command cmd{.id = "c-42", .actor = yishi::Actor::staff("li", "market_regulation", "reviewer"),
//                      .body = yishi::Sign{.item = "food_licence", .decision = yishi::Decision::approve}};
//   auto result = engine.execute(case_id, cmd);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "yishi/expr/value.hpp"

namespace yishi {

/// A case's identifier, unique within a store.
struct CaseId {
  std::uint64_t value = 0;
  friend bool operator==(CaseId, CaseId) = default;
  friend auto operator<=>(CaseId, CaseId) = default;
};

/// Who acts: the applicant (申请人), a member of staff of a department in a role, or the
/// engine itself (timers).
enum class ActorKind : std::uint8_t { applicant, staff, system };
[[nodiscard]] std::string_view to_string(ActorKind k);

/// The author of a command. `department` and `role` matter for staff only.
struct Actor {
  ActorKind kind = ActorKind::applicant;
  std::string id;          ///< a person or organisation id; may be personal data (masked in views)
  std::string department;  ///< staff: the department id
  std::string role;        ///< staff: the role, e.g. `reviewer`, `clerk`

  [[nodiscard]] static Actor applicant(std::string id) { return {ActorKind::applicant, std::move(id), {}, {}}; }
  [[nodiscard]] static Actor staff(std::string id, std::string department, std::string role) {
    return {ActorKind::staff, std::move(id), std::move(department), std::move(role)};
  }
  [[nodiscard]] static Actor system() { return {ActorKind::system, "system", {}, {}}; }
  friend bool operator==(const Actor&, const Actor&) = default;
};

/// A signer's decision on a step.
enum class Decision : std::uint8_t {
  approve,  ///< 同意
  reject,   ///< 不同意 (不予许可)
  ret,      ///< 退回补正: back to the applicant to fix something (`return` in text)
};
[[nodiscard]] std::string_view to_string(Decision d);
[[nodiscard]] std::optional<Decision> parse_decision(std::string_view s);

/// Opens a case of a deployed bundle for an applicant (a draft until submitted).
/// The engine evaluates the bundle's situations and conditions on `answers` to decide which
/// items apply; `situations` may fix some situations instead (a front desk's decision). When
/// an item's conditions depend on unanswered fields, the command fails with `needs_answers`
/// and lists them.
struct OpenCase {
  std::string id;             ///< idempotency key of the command
  Actor actor;                ///< the applicant
  std::string bundle;         ///< bundle id
  std::string version;        ///< bundle version; empty = the latest deployed
  std::vector<std::pair<std::string, bool>> situations;  ///< situations decided by the front desk
  expr::Answers answers;      ///< the applicant's answers by field id
};

/// The applicant submits the application with the materials handed over (ids). Materials a
/// data provider supplies (`source`, 免提交) count as provided, except those listed in
/// `unavailable`: the platform could not fetch them (see forms::prefill), so the applicant
/// hands them over (list them in `materials` too) or they are missing.
struct Submit {
  std::vector<std::string> materials;
  std::vector<std::string> unavailable;
};
/// 综合受理: the front desk accepts a complete application.
struct Accept {};
/// 容缺受理: accept while deferrable, non-core materials are missing; each gets a deadline.
struct AcceptWithDeficiency {};
/// 补正 at intake: back to the applicant with one notice of everything to fix.
struct ReturnForCorrection { std::vector<std::string> materials; std::string comment; };
/// 不予受理: intake refuses the application.
struct Refuse { std::string reason; };
/// The applicant resubmits after a correction notice, with the materials it asked for.
struct Resubmit { std::vector<std::string> materials; };
/// Assigns a signer slot of an item's review to a person (the next undecided slot when
/// `slot` is not given).
struct Assign { std::string item; std::string person; std::optional<std::uint32_t> slot; };
/// A signer decides. With `ret`, `materials` lists what the applicant must hand over again.
struct Sign {
  std::string item;
  Decision decision = Decision::approve;
  std::string comment;
  std::vector<std::string> materials;
  std::optional<std::uint32_t> slot;  ///< which signer slot; default: the actor's
};
/// The applicant hands over a deferred material (容缺补齐).
struct SupplyMaterial { std::string material; };
/// 告知承诺: the applicant signs the pledge for an item that allows it.
struct Pledge { std::string item; };
/// 事后核查: staff of the item's department check a pledged item.
struct PostCheck { std::string item; bool pass = true; std::string comment; };
/// The applicant withdraws the application (撤回), possible until issuance.
struct Withdraw { std::string reason; };
/// 统一出件: the front desk delivers all results.
struct Issue {};
/// 好差评: the applicant rates the service, 1 (very dissatisfied) to 5 (very satisfied).
struct Rate { int score = 5; std::string comment; };


// ---- Approval operations (docs/approvals.md). `slot` picks a signer slot of the item; by
// default, the one the actor holds. Each needs the item's `approvals` to allow it, except
// rejecting back, whose targets the item declares.

/// 认领: a candidate of an unassigned signature (staff of its department and role) takes it.
struct Claim { std::string item; std::optional<std::uint32_t> slot; };
/// 释放: the assignee (or staff of the slot's department) gives a signature back to its candidates.
struct Unclaim { std::string item; std::optional<std::uint32_t> slot; };
/// 转办: the holder of a signature (or the item's supervisor) hands it to another person for good.
struct Transfer { std::string item; std::string to; std::string comment; std::optional<std::uint32_t> slot; };
/// 委派: the holder hands a signature to another person for advice, and decides once it comes back.
struct Delegate { std::string item; std::string to; std::string comment; std::optional<std::uint32_t> slot; };
/// Ends a delegation: the delegate gives `advice`, or the owner recalls it (no advice).
struct ResolveDelegation {
  std::string item;
  std::optional<Decision> advice;
  std::string comment;
  std::optional<std::uint32_t> slot;
};
/// Where an added signer signs, relative to a slot of the item.
enum class AddPosition : std::uint8_t {
  before,    ///< 前加签: before that slot's turn (the slot waits for the new signer)
  after,     ///< 后加签: after that slot, before the turns that followed it
  parallel,  ///< 并加签: at the same turn
};
[[nodiscard]] std::string_view to_string(AddPosition p);
[[nodiscard]] std::optional<AddPosition> parse_add_position(std::string_view s);
/// 加签: the current signer (or the supervisor) adds a signer to the item's review, for this round.
struct AddSigner {
  std::string item;
  std::string role;
  std::string department;  ///< default: the item's
  std::int32_t weight = 1;  ///< more than 1 only under a `vote` join
  std::string person;       ///< the new slot's assignee; empty: anyone with the role
  AddPosition position = AddPosition::parallel;
  std::optional<std::uint32_t> relative_to;  ///< default: the actor's slot (a supervisor: the first ready slot)
  std::string comment;
};
/// 减签: removes a slot that has not signed; the join is re-evaluated at once.
struct RemoveSigner { std::string item; std::uint32_t slot = 0; std::string comment; };
/// 驳回: the current signer sends the item back to `applicant` (a correction, as the `return`
/// decision), `previous` or a named earlier step, which is reviewed again.
struct RejectBack {
  std::string item;
  std::string to;
  std::string comment;
  std::vector<std::string> materials;  ///< to the applicant: what to hand over again
  std::optional<std::uint32_t> slot;
};
/// 拿回: a signer takes back their decision while nothing after it has been acted on.
struct Reclaim { std::string item; std::optional<std::uint32_t> slot; std::string comment; };
/// 催办 by hand: the applicant or the front desk reminds the signers of an item in review.
struct Remind { std::string item; std::string comment; };

using CommandBody = std::variant<Submit, Accept, AcceptWithDeficiency, ReturnForCorrection, Refuse, Resubmit,
                                 Assign, Sign, SupplyMaterial, Pledge, PostCheck, Withdraw, Issue, Rate,
                                 Claim, Unclaim, Transfer, Delegate, ResolveDelegation, AddSigner, RemoveSigner,
                                 RejectBack, Reclaim, Remind>;

/// A command on an existing case.
struct Command {
  std::string id;  ///< idempotency key: a repeated id returns the original outcome
  Actor actor;
  CommandBody body;
};

/// Moves a running case to another published version of its bundle (Engine::migrate), when
/// what the case has done maps onto the new definition. Staff of the front desk only.
struct MigrateCase {
  std::string id;       ///< idempotency key of the command
  Actor actor;
  std::string version;  ///< the target version of the case's bundle
};

/// Every kind of command: `open` (OpenCase), the alternatives of CommandBody in order up to
/// `rate`, `timer` (a due timer fired by the engine), `migrate` (MigrateCase), then the
/// approval operations. Stored by number: new kinds are appended.
enum class CommandKind : std::uint8_t {
  open, submit, accept, accept_with_deficiency, return_for_correction, refuse, resubmit, assign, sign,
  supply_material, pledge, post_check, withdraw, issue, rate, timer, migrate,
  claim, unclaim, transfer, delegate, resolve_delegation, add_signer, remove_signer, reject_back, reclaim, remind
};
[[nodiscard]] std::string_view to_string(CommandKind k);
[[nodiscard]] CommandKind kind_of(const CommandBody& body) noexcept;

/// A stable 64-bit digest of a command's content (not its id): a key reused for a different
/// command is detected.
[[nodiscard]] std::uint64_t fingerprint(const Command& c);
[[nodiscard]] std::uint64_t fingerprint(const OpenCase& c);
[[nodiscard]] std::uint64_t fingerprint(const MigrateCase& c);

}  // namespace yishi
