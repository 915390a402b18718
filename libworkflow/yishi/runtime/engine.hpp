// Engine: runs cases of compiled bundles (the `run` stage of the pipeline).
//
//   yishi::MemoryStore store;
//   yishi::ManualClock clock{start};
//   yishi::Engine engine(store, clock, calendar);
//   engine.deploy(compiled);                                    // a CompiledBundle
//   auto opened = engine.open_case({.id = "k1", .actor = yishi::Actor::applicant("corp-1"),
//                                   .bundle = "open_restaurant", .situations = {{"outdoor_sign", false}}});
//   yishi::CaseId id = opened->case_id;
//   engine.execute(id, {.id = "k2", .actor = yishi::Actor::applicant("corp-1"), .body = yishi::Submit{...}});
//   engine.advance_to(later);                                   // fires due timers in time order
//
// Every command is validated against the case's current state: it either records events
// (one atomic commit in the store) or returns a typed error and changes nothing. A command id
// seen before returns `duplicate_command` with the original outcome.
//
// Thread safety: one Engine is driven by one thread at a time. Several engines (in one or
// several processes) may share a store: appends are guarded by the case version, and an
// engine whose cached state is stale reloads the case and retries.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/calendar/calendar.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/runtime/case_state.hpp"
#include "yishi/runtime/clock.hpp"
#include "yishi/runtime/command.hpp"
#include "yishi/runtime/event.hpp"
#include "yishi/runtime/outcome.hpp"
#include "yishi/runtime/store.hpp"

namespace yishi {

/// Policies of an engine that the bundle does not fix.
struct EngineOptions {
  /// 亮灯: the warning timer of an item fires at this fraction of its promised limit.
  double warning_fraction = 0.75;
  /// 好差评: how long after issuance the applicant may rate.
  ir::WorkDuration rating_window{5, 0};
  /// 告知承诺: the share of pledged items drawn for a post-check (事后核查), 0..1.
  double post_check_rate = 0.2;
  /// Seed of the post-check draw; a given (seed, case, item) always draws the same way.
  std::uint64_t seed = 0;
  /// The staff role that performs intake and issuance (综合窗口).
  std::string intake_role = "clerk";
  /// Attempts of a command when another writer changed the case meanwhile.
  int max_attempts = 4;
  /// Whether `Applied::events` carries the events a command recorded. A caller that reads
  /// them from the store's feed instead (the simulator) turns this off and saves a copy.
  bool return_events = true;
};

/// One signer slot of an item, as shown.
struct SignerView {
  std::string role, department, assignee, signer;
  std::int32_t weight = 1;
  std::optional<Decision> decision;
  std::uint32_t slot = 0;  ///< its number in commands (`slot`)
  bool ready = false;      ///< open, and its turn has come
  bool added = false;      ///< 加签 in this round
  bool removed = false;    ///< 减签
  std::string delegate;    ///< 委派: who is asked for advice (masked when personal data)
};

/// An item of a case, as shown.
struct ItemView {
  std::string id, name, department;
  ItemStatus status = ItemStatus::inactive;
  int round = 0;
  bool essential = true, pledged = false, warned = false, overdue = false;
  PostCheckStatus post_check = PostCheckStatus::none;
  std::optional<Instant> started, deadline, warning_at;
  std::vector<SignerView> signers;
  int reminders = 0;                           ///< 催办 sent in this round
  std::optional<Instant> remind_at, decide_at;  ///< next reminder, automatic decision
  /// Where it may be rejected back to now: `applicant`, then approved earlier steps.
  std::vector<std::string> reject_targets;
};

/// A material of a case, as shown (materials no active item needs are left out).
struct MaterialView {
  std::string id, name;
  MaterialStatus status = MaterialStatus::missing;
  std::optional<Instant> deadline;  ///< deferred: supply by
};

/// One entry of a correction notice, as shown (`item` empty: from intake).
struct NoticeView {
  std::string item;
  std::vector<std::string> materials;
  std::string comment;  ///< personal data masked
};

/// A case as shown to people and platforms: status, items with deadlines, materials.
struct CaseView {
  CaseId id;
  std::string bundle, version;
  std::string applicant;  ///< masked when it is personal data (身份证号, phone)
  CaseStatus status = CaseStatus::draft;
  std::uint64_t version_number = 0;
  std::optional<Instant> submitted_at, accepted_at, issued_at;
  std::vector<ItemView> items;          ///< active items, in definition order
  std::vector<MaterialView> materials;  ///< needed materials, in definition order
  std::vector<NoticeView> notice;       ///< the correction notice, when returned
  std::optional<int> rating;
  std::string rejected_because;         ///< rejected: the item that failed, if any
  bool ready_to_issue = false;          ///< every item decided and nothing blocks issuance
  std::optional<Instant> next_timer;

  [[nodiscard]] const ItemView* item(std::string_view key) const;
  [[nodiscard]] const MaterialView* material(std::string_view key) const;
  /// Materials still owed by the applicant: missing or deferred.
  [[nodiscard]] std::vector<const MaterialView*> outstanding() const;
};

/// One line of the audit trail: who did what, when, with what comment.
struct AuditEntry {
  std::uint64_t version = 0;  ///< the event's version in the case
  Instant at{};
  ActorKind actor_kind = ActorKind::system;
  std::string actor;          ///< masked when it is personal data
  std::string command_id;
  CommandKind command = CommandKind::open;
  std::string event;          ///< the event's name, e.g. `item_approved`
  std::string detail;         ///< a readable sentence, e.g. "item `fire_check` approved"
  std::string comment;        ///< personal data masked
};

class Engine {
 public:
  /// `store` and `clock` must outlive the engine; the calendar is copied.
  Engine(Store& store, Clock& clock, Calendar calendar, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Makes a compiled bundle available to new cases (keyed by id and version; deploying the
  /// same id and version again replaces it for new cases only if the definition is equal).
  /// Returns false, changing nothing, if a different definition has that id and version.
  bool deploy(CompiledBundle bundle);
  /// Whether `deploy(bundle)` would succeed: no different definition has its id and version.
  [[nodiscard]] bool can_deploy(const CompiledBundle& bundle) const;

  /// Opens a case (a draft). The applicant must answer every situation an item depends on.
  [[nodiscard]] CommandResult open_case(const OpenCase& command);
  /// Runs a command on a case: first fires the case's timers already due, then validates.
  [[nodiscard]] CommandResult execute(CaseId id, const Command& command);
  /// Moves a running case to another deployed version of its bundle (a checked migration):
  /// refused, changing nothing, unless everything the case has started exists in the new
  /// version with the same reviewers, nothing it has not done comes before those items in
  /// the new graph, new items need no situation answers nor (after submission) new
  /// materials, and no correction notice is open. Records `case_migrated`, then starts the
  /// items now ready. Only front-desk staff (`EngineOptions::intake_role`).
  [[nodiscard]] CommandResult migrate(CaseId id, const MigrateCase& command);
  /// Fires every timer due at or before `t`, in time order and each at its due instant, then
  /// moves the clock to `t`. Returns how many timers fired.
  std::size_t advance_to(Instant t);

  /// One round of a timer worker among several engines sharing a store: claims up to `limit`
  /// cases with timers due at or before `until` (leased to `worker` for `lease`, so other
  /// workers skip them) and fires each one's due timers in time order, each at its due
  /// instant. Returns how many timers fired. Call it in a loop; a timer is never fired twice
  /// (its commit is guarded by the case version and keyed `timer:CASE:VERSION`), and one
  /// whose worker died is claimed again once the lease runs out. Does not move the clock.
  std::size_t fire_due(std::string_view worker, Instant until, std::size_t limit, std::chrono::milliseconds lease);
  /// Fires one case's timers due at or before `until`, in time order and each at its due
  /// instant (what `advance_to` does for every case, for a caller that tracks the case's
  /// next timer itself, e.g. from the store's `next_due`). Returns how many fired; an unknown
  /// case fires none. Does not move the clock.
  std::size_t fire_timers(CaseId id, Instant until);

  [[nodiscard]] Result<CaseView, CommandError> view(CaseId id);
  [[nodiscard]] Result<std::vector<AuditEntry>, CommandError> audit_trail(CaseId id);
  /// The case's current state (a copy).
  [[nodiscard]] Result<CaseState, CommandError> state(CaseId id);

  /// Records the case's current state as its snapshot in the store; returns its version.
  /// (The engine also snapshots every `store.snapshot_interval()` events.)
  Result<std::uint64_t, CommandError> snapshot(CaseId id);
  /// Replays the case's whole log and compares it with the state its latest snapshot gives;
  /// on a disagreement the snapshot is rebuilt from the log and false is returned.
  [[nodiscard]] Result<bool, CommandError> verify(CaseId id);

  [[nodiscard]] const Calendar& calendar() const noexcept;
  [[nodiscard]] const EngineOptions& options() const noexcept;
  /// Cases whose state is held in memory (active cases), and the bytes they take.
  [[nodiscard]] std::size_t live_cases() const noexcept;
  [[nodiscard]] std::size_t live_state_bytes() const noexcept;
  /// Forgets every cached state; cases are reloaded from the store when next used.
  void drop_cache() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi
