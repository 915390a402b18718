// Engine paths the scenarios do not reach: refusals with their exact messages, replay of logs that do not fit, migrations between versions, views and audit in every case status, timers around their instants, and store failures.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "forwarding_store.hpp"
#include "restaurant_case.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// A store that forwards to a MemoryStore, with switches that make it misbehave.
class ProbeStore final : public ForwardingStore {
 public:
  AppendStatus append(CaseId id, std::uint64_t v, const Commit& c, std::span<const Event> e,
                      std::optional<Instant> due) override {
    if (fail_appends) throw StoreError("disk full");
    if (forced) return *forced;
    return inner.append(id, v, c, e, due);
  }
  std::optional<StoredCase> load(CaseId id) const override {
    if (hide_log) return std::nullopt;
    if (headless_log) {
      StoredCase s;
      s.id = id;
      return s;
    }
    return inner.load(id);
  }
  std::optional<StoredCase> load_latest(CaseId id) const override {
    if (snapshot_of) return inner.load_latest(*snapshot_of);
    if (headless_latest) {
      StoredCase s;
      s.id = id;
      return s;
    }
    return inner.load_latest(id);
  }
  std::uint64_t snapshot_interval() const noexcept override { return every; }
  void save_snapshot(CaseId id, const CaseState& state) override {
    ++snapshots;
    if (tamper_next) {
      tamper_next = false;
      CaseState changed = state;
      changed.rating = 1;
      inner.save_snapshot(id, changed);
      return;
    }
    inner.save_snapshot(id, state);
  }

  bool fail_appends = false;
  std::optional<AppendStatus> forced;
  bool hide_log = false;
  bool headless_log = false;
  bool headless_latest = false;
  std::optional<CaseId> snapshot_of;
  std::uint64_t every = 0;
  bool tamper_next = false;
  int snapshots = 0;
};

const std::vector<std::string> all_materials{"premises_proof", "layout_plan", "food_safety_rules",
                                             "health_certificates"};
const std::vector<std::string> core_materials{"premises_proof", "layout_plan"};

Sign approve(std::string item) { return Sign{std::move(item), Decision::approve, "", {}, std::nullopt}; }

/// An engine on the restaurant bundle.
struct Restaurant {
  ProbeStore store;
  ManualClock clock{at("2025-03-03", 10)};
  Engine engine;
  explicit Restaurant(EngineOptions options = {}) : engine(store, clock, calendar_2025(), std::move(options)) {
    REQUIRE(engine.deploy(restaurant()));
  }
  CaseId open(const std::string& key) {
    auto opened = engine.open_case(open_plain(key));
    REQUIRE(opened);
    return opened->case_id;
  }
  /// A plain case submitted with `materials` (by `key` + "s").
  CaseId submitted(const std::string& key, const std::vector<std::string>& materials = all_materials) {
    const CaseId id = open(key + "o");
    REQUIRE(engine.execute(id, cmd(key + "s", corp, Submit{materials, {}})));
    return id;
  }
  /// Replaying the stored log gives the state the engine holds.
  void check_replay(CaseId id) {
    const CaseState live = engine.state(id).value();
    const auto log = store.inner.load(id);
    REQUIRE(log);
    CHECK(replay(restaurant(), id, log->commits, log->events) == live);
  }
};

/// The minimal bundle (first → second) at `version`, with each (find, replace-with) edit applied.
CompiledBundle mini(const std::string& version, const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  std::string text = replace(minimal_bundle(), "version: \"1\"", "version: \"" + version + "\"");
  for (const auto& [find, with] : edits) text = replace(text, find, with);
  return compile_text(text, "mini.yaml");
}

const Actor mini_applicant = Actor::applicant("p-1");
const Actor desk = Actor::staff("wang", "dept_a", "clerk");
const Actor reviewer_a = Actor::staff("li", "dept_a", "reviewer");
const Actor reviewer_b = Actor::staff("zhao", "dept_b", "reviewer");

const std::string third_item = R"(  third:
    name: 第三项
    department: dept_b
    after: [first]
    form: [applicant.name]
    materials: [form_a]
    statutory: 10wd
    promised: 5wd
)";

/// An engine on version 1 of the minimal bundle.
struct Mini {
  ProbeStore store;
  ManualClock clock{at("2025-03-03", 10)};
  Engine engine{store, clock, calendar_2025()};
  explicit Mini(CompiledBundle v1 = mini("1")) { REQUIRE(engine.deploy(std::move(v1))); }
  CaseId open(const std::string& key) {
    auto opened = engine.open_case({key, mini_applicant, "mini", "1", {}, {}});
    REQUIRE_MESSAGE(opened, opened.error().message);
    return opened->case_id;
  }
  CaseId accepted(const std::string& key) {
    const CaseId id = open(key + "o");
    REQUIRE(engine.execute(id, cmd(key + "s", mini_applicant, Submit{{"form_a"}, {}})));
    REQUIRE(engine.execute(id, cmd(key + "a", desk, Accept{})));
    return id;
  }
  /// The move refused: its kind and message, and nothing changed.
  void refused(CaseId id, const std::string& key, const std::string& version, ErrorKind kind,
               const std::string& message, const Actor& actor = desk) {
    const CaseState before = engine.state(id).value();
    auto moved = engine.migrate(id, {key, actor, version});
    REQUIRE_FALSE(moved);
    CHECK(moved.error().kind == kind);
    CHECK(moved.error().message == message);
    CHECK(engine.state(id).value() == before);
    CHECK(store.inner.version(id) == before.version);
  }
  /// The state the engine holds equals what a fresh load of the log gives.
  void check_reload(CaseId id) {
    const CaseState live = engine.state(id).value();
    engine.drop_cache();
    CHECK(engine.state(id).value() == live);
    CHECK(engine.verify(id).value());
  }
};

std::vector<std::string> event_names(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.emplace_back(event_name(e));
  return out;
}

std::string detail_of(const std::vector<AuditEntry>& trail, std::string_view event) {
  for (const AuditEntry& e : trail)
    if (e.event == event) return e.detail;
  return "(no " + std::string(event) + ")";
}

}  // namespace

// ---- refusals before any decision ----

TEST_CASE("runtime.paths.reserved_and_empty_command_ids_are_refused_by_every_entry_point") {
  Restaurant r;
  const CaseId id = r.open("o");
  const std::string reserved = "command ids starting with `timer:` are reserved for the engine's timers";
  OpenCase timer_open = open_plain("timer:1:2");
  auto opened = r.engine.open_case(timer_open);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::invalid_argument);
  CHECK(opened.error().message == reserved);
  auto executed = r.engine.execute(id, cmd("timer:x", corp, Submit{all_materials, {}}));
  REQUIRE_FALSE(executed);
  CHECK(executed.error().kind == ErrorKind::invalid_argument);
  CHECK(executed.error().message == reserved);
  for (const std::string& key : {std::string(), std::string("timer:")}) {
    auto moved = r.engine.migrate(id, {key, clerk, "2024.1"});
    REQUIRE_FALSE(moved);
    CHECK(moved.error().kind == ErrorKind::invalid_argument);
    CHECK(moved.error().message == (key.empty() ? std::string("the command has no id") : reserved));
  }
  CHECK(r.store.inner.version(id) == 1u);
}

TEST_CASE("runtime.paths.every_engine_query_on_an_unknown_case_says_no_case") {
  Restaurant r;
  const CaseId missing{77};
  const std::string message = "no case 77";
  auto executed = r.engine.execute(missing, cmd("e", corp, Submit{}));
  CHECK(executed.error().kind == ErrorKind::unknown_case);
  CHECK(executed.error().message == message);
  auto moved = r.engine.migrate(missing, {"m", clerk, "2"});
  CHECK(moved.error().kind == ErrorKind::unknown_case);
  CHECK(moved.error().message == message);
  CHECK(r.engine.view(missing).error().message == message);
  CHECK(r.engine.audit_trail(missing).error().kind == ErrorKind::unknown_case);
  CHECK(r.engine.state(missing).error().kind == ErrorKind::unknown_case);
  CHECK(r.engine.snapshot(missing).error().kind == ErrorKind::unknown_case);
  auto verified = r.engine.verify(missing);
  CHECK(verified.error().kind == ErrorKind::unknown_case);
  CHECK(verified.error().message == message);
  CHECK(r.engine.fire_timers(missing, at("2025-12-31", 0)) == 0);
  CHECK(r.engine.live_cases() == 0);
}

TEST_CASE("runtime.paths.opening_on_a_bundle_not_deployed_names_the_bundle_and_version") {
  Restaurant r;
  struct Row {
    std::string bundle, version, message;
  };
  const std::vector<Row> rows{
      {"nope", "", "no bundle `nope` is deployed"},
      {"nope", "3", "bundle `nope` version 3 is not deployed"},
      {"open_restaurant", "1999", "bundle `open_restaurant` version 1999 is not deployed"},
  };
  int k = 0;
  for (const Row& row : rows) {
    CAPTURE(row.message);
    OpenCase o = open_plain("o" + std::to_string(k++));
    o.bundle = row.bundle;
    o.version = row.version;
    auto opened = r.engine.open_case(o);
    REQUIRE_FALSE(opened);
    CHECK(opened.error().kind == ErrorKind::unknown_bundle);
    CHECK(opened.error().message == row.message);
  }
  CHECK(r.store.inner.case_count() == 0);
}

// ---- idempotency ----

TEST_CASE("runtime.paths.a_reused_command_id_is_told_apart_from_a_retry") {
  Restaurant r;
  const CaseId id = r.submitted("a");
  const CaseId other = r.submitted("b");
  auto first = r.engine.execute(id, cmd("acc", clerk, Accept{}));
  REQUIRE(first);
  const std::string reused = "command id `acc` was already used by a different command (`accept` on case " +
                             std::to_string(id.value) + ")";
  struct Row {
    std::string what;
    CaseId target;
    Command command;
    ErrorKind kind;
  };
  const std::vector<Row> rows{
      // the same command again: refused by the state (accepted already), then found
      {"retry", id, cmd("acc", clerk, Accept{}), ErrorKind::duplicate_command},
      // another body that the state refuses
      {"refused body", id, cmd("acc", clerk, Refuse{"不符合"}), ErrorKind::key_reused},
      // another body that the state takes: caught by the store's append
      {"valid body", id, cmd("acc", li, approve("licence_check")), ErrorKind::key_reused},
      // the same body on another case, where it would apply
      {"other case", other, cmd("acc", clerk, Accept{}), ErrorKind::key_reused},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    auto again = r.engine.execute(row.target, row.command);
    REQUIRE_FALSE(again);
    CHECK(again.error().kind == row.kind);
    if (row.kind == ErrorKind::key_reused) {
      CHECK(again.error().message == reused);
      CHECK(again.error().original == nullptr);
    } else {
      CHECK(again.error().message == "command `acc` was already applied");
      REQUIRE(again.error().original);
      CHECK(*again.error().original == *first);
    }
  }
  CHECK(r.engine.state(id).value().status == CaseStatus::accepted);
  CHECK(r.engine.state(other).value().status == CaseStatus::submitted);
  CHECK(r.store.inner.version(id) == first->version);
  // an open under a used key with other answers is a reused key, whether or not it would open
  OpenCase unanswered{"acc", corp, "open_restaurant", "", {}, {}};
  auto opened = r.engine.open_case(unanswered);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::key_reused);
  CHECK(opened.error().message == reused);
  OpenCase answered = open_plain("acc");
  auto opened_too = r.engine.open_case(answered);
  REQUIRE_FALSE(opened_too);
  CHECK(opened_too.error().kind == ErrorKind::key_reused);
  CHECK(r.store.inner.case_count() == 2);
  r.check_replay(id);
}

TEST_CASE("runtime.paths.a_migration_retried_with_its_id_returns_the_original_move") {
  Mini m;
  REQUIRE(m.engine.deploy(mini("2", {{"  second:\n", third_item + "  second:\n"}})));
  const CaseId id = m.open("o");
  auto moved = m.engine.migrate(id, {"mv", desk, "2"});
  REQUIRE(moved);
  CHECK(event_names(moved->events) == std::vector<std::string>{"case_migrated"});
  auto again = m.engine.migrate(id, {"mv", desk, "2"});
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::duplicate_command);
  REQUIRE(again.error().original);
  CHECK(*again.error().original == *moved);
  auto back = m.engine.migrate(id, {"mv", desk, "1"});
  REQUIRE_FALSE(back);
  CHECK(back.error().kind == ErrorKind::key_reused);
  CHECK(back.error().message == "command id `mv` was already used by a different command (`migrate` on case " +
                                    std::to_string(id.value) + ")");
}

// ---- closed cases ----

TEST_CASE("runtime.paths.a_case_that_ended_refuses_commands_and_leaves_the_cache") {
  Restaurant r;
  struct Row {
    std::string what;
    std::function<CaseId(Restaurant&, const std::string&)> end;
    CaseStatus status;
  };
  const std::vector<Row> rows{
      {"withdrawn",
       [](Restaurant& x, const std::string& p) {
         const CaseId id = x.open(p + "o");
         REQUIRE(x.engine.execute(id, cmd(p + "w", corp, Withdraw{"不办了"})));
         return id;
       },
       CaseStatus::withdrawn},
      {"refused",
       [](Restaurant& x, const std::string& p) {
         const CaseId id = x.submitted(p);
         REQUIRE(x.engine.execute(id, cmd(p + "r", clerk, Refuse{"不符合条件"})));
         return id;
       },
       CaseStatus::refused},
      {"rejected",
       [](Restaurant& x, const std::string& p) {
         const CaseId id = x.submitted(p);
         REQUIRE(x.engine.execute(id, cmd(p + "a", clerk, Accept{})));
         REQUIRE(x.engine.execute(id, cmd(p + "l", li, approve("licence_check"))));
         REQUIRE(x.engine.execute(id, cmd(p + "f", li, Sign{"food_licence", Decision::reject, "不符合", {}, std::nullopt})));
         return id;
       },
       CaseStatus::rejected},
      {"closed",
       [](Restaurant& x, const std::string& p) {
         const CaseId id = run_to_issuance(x.engine, p);
         REQUIRE(x.engine.execute(id, cmd(p + "rate", corp, Rate{4, "还行"})));
         return id;
       },
       CaseStatus::closed},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    const CaseId id = row.end(r, row.what);
    CHECK(r.engine.live_cases() == 0);  // a case that ended in a commit leaves the cache
    const std::uint64_t version = *r.store.inner.version(id);
    auto late = r.engine.execute(id, cmd(row.what + "late", corp, Withdraw{"再撤"}));
    REQUIRE_FALSE(late);
    CHECK(late.error().kind == ErrorKind::invalid_transition);
    auto moved = r.engine.migrate(id, {row.what + "mv", clerk, "2024.1"});
    REQUIRE_FALSE(moved);
    CHECK(moved.error().kind == ErrorKind::invalid_argument);
    CHECK(moved.error().message == "case " + std::to_string(id.value) + " is on version 2024.1 already");
    CHECK(r.engine.live_cases() == 0);  // refused on a finished case: not kept either
    const CaseView v = r.engine.view(id).value();
    CHECK(v.status == row.status);
    CHECK_FALSE(v.ready_to_issue);
    CHECK_FALSE(v.next_timer);
    CHECK(r.engine.live_cases() == 0);
    CHECK(r.engine.state(id).value().status == row.status);
    CHECK(r.engine.live_cases() == 0);
    CHECK(*r.store.inner.version(id) == version);
    r.check_replay(id);
  }
}

// ---- replay ----

TEST_CASE("runtime.paths.replay_refuses_a_log_that_does_not_fit_with_the_reason") {
  const CompiledBundle cb = restaurant();
  const CaseOpened opened{"open_restaurant", "2024.1", "corp-1", {true, true, false, false}};
  auto one = [](std::uint64_t first, std::uint32_t count) {
    return Commit{"c" + std::to_string(first), 0, corp, CommandKind::submit, at("2025-03-03", 10), first, count};
  };
  struct Row {
    std::string what;
    std::vector<Commit> commits;
    std::vector<Event> events;
    std::string message;
  };
  const std::string bad = "event does not fit the case: ";
  const std::vector<Row> rows{
      {"another bundle", {one(1, 1)}, {CaseOpened{"other", "7", "a", {true}}},
       "the case log belongs to bundle `other` version 7, not `open_restaurant` version 2024.1"},
      {"another version", {one(1, 1)}, {CaseOpened{"open_restaurant", "7", "a", {true, true, false, false}}},
       "the case log belongs to bundle `open_restaurant` version 7, not `open_restaurant` version 2024.1"},
      {"commit starting late", {one(2, 1)}, {opened}, "the case log's commits do not cover its events in order"},
      {"commit past the end", {one(1, 2)}, {opened}, "the case log's commits do not cover its events in order"},
      {"event outside any commit", {one(1, 1)}, {opened, Submitted{}}, "the case log has events outside any commit"},
      {"no case_opened first", {one(1, 1)}, {Submitted{}}, bad + "the first event is not case_opened"},
      {"ended before it began", {one(1, 1)}, {Withdrawn{}}, bad + "the first event is not case_opened"},
      {"opened twice", {one(1, 2)}, {opened, opened}, bad + "case_opened after the start"},
      {"item out of range", {one(1, 2)}, {opened, ItemStarted{9, {}, {}}}, bad + "item index out of range"},
      {"material out of range", {one(1, 2)}, {opened, MaterialSupplied{99}}, bad + "material index out of range"},
      {"signer out of range", {one(1, 2)}, {opened, Signed{0, 5, Decision::approve, "li", "", {}}},
       bad + "signer slot out of range"},
      {"delegated twice", {one(1, 3)},
       {opened, SignatureDelegated{1, 0, "li", "zhou", ""}, SignatureDelegated{1, 0, "li", "zhou", ""}},
       bad + "signature_delegated on a delegated slot"},
      {"resolved without delegation", {one(1, 2)}, {opened, DelegationResolved{1, 0, "li", std::nullopt, ""}},
       bad + "delegation_resolved without a delegation"},
      {"added at a wrong slot", {one(1, 2)},
       {opened, SignerAdded{1, 7, 0, AddPosition::parallel, "reviewer", "market_regulation", 1, "", "li", ""}},
       bad + "signer_added with a wrong slot"},
      {"added relative to no slot", {one(1, 2)},
       {opened, SignerAdded{1, 2, 5, AddPosition::after, "reviewer", "market_regulation", 1, "", "li", ""}},
       bad + "signer_added with a wrong slot"},
      {"reclaimed an open slot", {one(1, 2)}, {opened, SignatureReclaimed{1, 0, "li", ""}},
       bad + "signature_reclaimed of an open slot"},
      {"moved without a hook", {one(1, 2)}, {opened, CaseMigrated{"2024.1", "2025.1", {0, 1, 2, 3}, {}}},
       "the case moved to version 2025.1 of its bundle"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CHECK_THROWS_WITH_AS((void)replay(cb, CaseId{1}, row.commits, row.events), row.message.c_str(),
                         std::invalid_argument);
  }
  // an empty log is an empty state; the log of a fitting draft replays
  CHECK(replay(cb, CaseId{3}, {}, {}).version == 0);
  const CaseState s = replay(cb, CaseId{3}, std::vector<Commit>{one(1, 1)}, std::vector<Event>{opened});
  CHECK(s.version == 1);
  CHECK(s.status == CaseStatus::draft);
  CHECK(s.items[2].status == ItemStatus::inactive);
  CHECK(s.materials[6].status == MaterialStatus::not_needed);  // fire_safety_rules: only the fire check needs it
}

TEST_CASE("runtime.paths.replay_folds_approval_events_into_signers_and_turns") {
  const CompiledBundle cb = restaurant();
  const CaseOpened opened{"open_restaurant", "2024.1", "corp-1", {true, true, false, false}};
  const std::vector<Event> events{
      opened,
      ItemStarted{1, at("2025-03-10", 18), at("2025-03-07", 12)},
      SignerAdded{1, 2, 0, AddPosition::before, "expert", "market_regulation", 2, "chen", "li", "请专家"},
      SignerAdded{1, 3, 1, AddPosition::after, "expert", "market_regulation", 1, "", "li", ""},
      SignatureDelegated{1, 0, "li", "wu", "请提意见"},
      DelegationResolved{1, 0, "wu", Decision::approve, "同意"},
      Signed{1, 2, Decision::approve, "chen", "", {}},
      SignatureReclaimed{1, 2, "chen", "再看看"},
      Signed{1, 2, Decision::reject, "chen", "", {}},
      SignerRemoved{1, 3, "不需要"},
  };
  const std::vector<Commit> commits{Commit{"c", 0, li, CommandKind::add_signer, at("2025-03-04", 10), 1,
                                           static_cast<std::uint32_t>(events.size())}};
  const CaseState s = replay(cb, CaseId{5}, commits, events);
  REQUIRE(s.added.size() == 2);
  CHECK(s.added[0].state.turn == 0);  // before `reviewer` (turn 0): takes its turn, the others move back
  CHECK(s.added[0].state.assignee == "chen");
  CHECK(s.added[0].state.decision == Decision::reject);
  CHECK(s.added[1].state.turn == 3);   // after `section_chief`, which the first addition moved to turn 2
  CHECK(s.added[1].state.removed);
  CHECK(s.items[1].reject_weight == 2);  // weight 2, its approval taken back
  CHECK(s.items[1].approve_weight == 0);
  CHECK(s.delegations.empty());
  CHECK(s.signers[1].assignee == "li");  // the delegating owner holds the signature
  CHECK(s.items[1].acted);
}

// ---- migration ----

TEST_CASE("runtime.paths.migration_refusals_name_each_obstacle") {
  Mini m;
  const std::string situation_text = "fields:\n  applicant.name: {type: string, label: 姓名}\n"
                                     "  flag: {type: bool, label: 标志}\nsituations:\n  big:\n    label: 大\n"
                                     "    when: \"flag == true\"\n";
  // v2: a new item that applies only in a situation
  REQUIRE(m.engine.deploy(mini("2", {{"fields:\n  applicant.name: {type: string, label: 姓名}\n", situation_text},
                                     {"  second:\n", replace(third_item, "    after: [first]\n",
                                                             "    after: [first]\n    when: big\n") +
                                                         "  second:\n"}})));
  // v3: a new item needing a material the application did not include
  REQUIRE(m.engine.deploy(mini("3", {{"  form_a: 申请表\n", "  form_a: 申请表\n  form_b: 补充表\n"},
                                     {"  second:\n", replace(third_item, "materials: [form_a]", "materials: [form_b]") +
                                                         "  second:\n"}})));
  // v4: `first` reviewed by another department
  REQUIRE(m.engine.deploy(mini("4", {{"lead: dept_a", "lead: dept_b"}, {"    department: dept_a\n", "    department: dept_b\n"}})));
  // v5: `first` reviewed by two signers
  REQUIRE(m.engine.deploy(
      mini("5", {{"    promised: 5wd\n  second:", "    promised: 5wd\n    review:\n      join: all\n      signers: [reviewer, "
                                                  "section_chief]\n  second:"}})));
  const CaseId draft = m.open("d");
  const CaseId accepted = m.accepted("a");
  const CaseId returned = m.open("r");
  REQUIRE(m.engine.execute(returned, cmd("rs", mini_applicant, Submit{{}, {}})));
  REQUIRE(m.engine.execute(returned, cmd("rr", desk, ReturnForCorrection{{"form_a"}, "缺申请表"})));
  const CaseId withdrawn = m.open("w");
  REQUIRE(m.engine.execute(withdrawn, cmd("ww", mini_applicant, Withdraw{"不办了"})));
  auto text = [](CaseId id, std::string_view version, std::string_view why) {
    return fmt::format("case {} cannot move to version {}: {}", id.value, version, why);
  };
  const std::string situational = "item `third` is new in version 2 and applies only in some situations, which this "
                                  "case was not asked about";
  m.refused(draft, "m1", "2", ErrorKind::invalid_transition, text(draft, "2", situational));
  m.refused(withdrawn, "m2", "2", ErrorKind::invalid_transition,
            text(withdrawn, "2",
                 "the case is `withdrawn`; item `second` has started, but in version 2 it comes after `first`, which "
                 "this case has not done; " +
                     situational));  // withdrawing cancelled both items
  m.refused(returned, "m3", "3", ErrorKind::invalid_transition,
            text(returned, "3",
                 "a correction notice is open; item `third` is new in version 3 and needs material `form_b`, which the "
                 "application did not include"));
  m.refused(accepted, "m4", "4", ErrorKind::invalid_transition,
            text(accepted, "4", "item `first` has started and its reviewers differ in version 4"));
  m.refused(accepted, "m5", "5", ErrorKind::invalid_transition,
            text(accepted, "5", "item `first` has started and its reviewers differ in version 5"));
  m.refused(accepted, "m6", "9", ErrorKind::unknown_bundle, "bundle `mini` version 9 is not deployed");
  m.refused(accepted, "m7", "1", ErrorKind::invalid_argument,
            "case " + std::to_string(accepted.value) + " is on version 1 already");
  m.refused(accepted, "m8", "2", ErrorKind::not_authorised,
            "only front-desk staff (role `clerk`) may move a case to another version", reviewer_a);
  m.refused(accepted, "m9", "2", ErrorKind::not_authorised,
            "only front-desk staff (role `clerk`) may move a case to another version", mini_applicant);
  // a draft may take a new material: the applicant has not handed anything over yet
  auto moved = m.engine.migrate(draft, {"m10", desk, "3"});
  REQUIRE_MESSAGE(moved, moved.error().message);
  const CaseView v = m.engine.view(draft).value();
  CHECK(v.version == "3");
  REQUIRE(v.material("form_b"));
  CHECK(v.material("form_b")->status == MaterialStatus::missing);
  REQUIRE(v.item("third"));
  CHECK(v.item("third")->status == ItemStatus::pending);
  m.check_reload(draft);
}

TEST_CASE("runtime.paths.migration_drops_items_not_started_and_renames_materials") {
  Mini m;
  // v2: no `second`, and `form_a` renamed `form_c`
  std::string text = minimal_bundle();
  text = replace(text, "version: \"1\"", "version: \"2\"");
  text = text.substr(0, text.find("  second:\n"));
  text = replace(text, "  form_a: 申请表\n", "  form_c: 申请表二\n");
  text = replace(text, "materials: [form_a]", "materials: [form_c]");
  REQUIRE(m.engine.deploy(compile_text(text, "mini2.yaml")));
  const CaseId id = m.open("o");
  auto moved = m.engine.migrate(id, {"mv", desk, "2"});
  REQUIRE_MESSAGE(moved, moved.error().message);
  REQUIRE(moved->events.size() == 1);
  const auto& e = std::get<CaseMigrated>(moved->events[0]);
  CHECK(e.from_version == "1");
  CHECK(e.to_version == "2");
  CHECK(e.items == std::vector<std::int32_t>{0, -1});
  CHECK(e.materials == std::vector<std::int32_t>{-1});
  const CaseState s = m.engine.state(id).value();
  CHECK(s.bundle_version == "2");
  REQUIRE(s.items.size() == 1);
  CHECK(s.items[0].status == ItemStatus::pending);
  REQUIRE(s.materials.size() == 1);
  CHECK(s.materials[0].status == MaterialStatus::missing);
  m.check_reload(id);
  // the case goes on on its new version
  REQUIRE(m.engine.execute(id, cmd("s", mini_applicant, Submit{{"form_c"}, {}})));
  REQUIRE(m.engine.execute(id, cmd("a", desk, Accept{})));
  REQUIRE(m.engine.execute(id, cmd("f", reviewer_a, approve("first"))));
  REQUIRE(m.engine.execute(id, cmd("i", desk, Issue{})));
  CHECK(m.engine.view(id).value().status == CaseStatus::issued);
  const auto trail = m.engine.audit_trail(id).value();
  CHECK(detail_of(trail, "case_migrated") == "case moved from version 1 to version 2");
  CHECK(detail_of(trail, "submitted") == "application submitted with materials `form_c`");
  CHECK(detail_of(trail, "issued") == "results issued: approved `first`; not approved none");
  m.check_reload(id);
}

TEST_CASE("runtime.paths.migration_after_submission_takes_new_provider_materials_and_starts_ready_items") {
  Mini m;
  // v2: a new item `third` after `first` that needs a material a data provider supplies
  REQUIRE(m.engine.deploy(mini("2", {{"  form_a: 申请表\n", "  form_a: 申请表\n  cert: {name: 证照, source: e_licence}\n"},
                                     {"  second:\n", replace(third_item, "materials: [form_a]", "materials: [cert]") +
                                                         "  second:\n"}})));
  const CaseId id = m.accepted("a");
  REQUIRE(m.engine.execute(id, cmd("f", reviewer_a, approve("first"))));  // `second` starts
  auto moved = m.engine.migrate(id, {"mv", desk, "2"});
  REQUIRE_MESSAGE(moved, moved.error().message);
  const auto names = event_names(moved->events);
  REQUIRE_FALSE(names.empty());
  CHECK(names.front() == "case_migrated");
  CHECK(std::find(names.begin(), names.end(), "item_started") != names.end());
  const CaseView v = m.engine.view(id).value();
  REQUIRE(v.item("third"));
  CHECK(v.item("third")->status == ItemStatus::in_review);
  CHECK(v.item("second")->status == ItemStatus::in_review);
  REQUIRE(v.material("cert"));
  CHECK(v.material("cert")->status == MaterialStatus::provided);
  CHECK(v.outstanding().empty());
  m.check_reload(id);
  // v1 not deployed on another engine: the case cannot be loaded there
  Engine bare(m.store, m.clock, calendar_2025());
  REQUIRE(bare.deploy(mini("1")));
  auto loaded = bare.state(id);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().kind == ErrorKind::unknown_bundle);
  CHECK(loaded.error().message ==
        fmt::format("case {} moved to bundle `mini` version 2, which is not deployed", id.value));
  CHECK(bare.audit_trail(id).error().kind == ErrorKind::unknown_bundle);
  CHECK(bare.verify(id).error().kind == ErrorKind::unknown_bundle);
}

TEST_CASE("runtime.paths.migration_keeps_a_deferred_material_only_if_the_new_version_has_it") {
  Mini m(mini("1", {{"  form_a: 申请表\n", "  form_a: 申请表\n  form_b: {name: 补充表, deferrable: 3wd}\n"},
                    {"    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second:",
                     "    materials: [form_a, form_b]\n    statutory: 10wd\n    promised: 5wd\n  second:"}}));
  REQUIRE(m.engine.deploy(mini("2")));  // no form_b at all
  const CaseId id = m.open("o");
  REQUIRE(m.engine.execute(id, cmd("s", mini_applicant, Submit{{"form_a"}, {}})));
  REQUIRE(m.engine.execute(id, cmd("a", desk, AcceptWithDeficiency{})));
  CHECK(m.engine.view(id).value().status == CaseStatus::accepted_with_deficiency);
  m.refused(id, "mv", "2", ErrorKind::invalid_transition,
            fmt::format("case {} cannot move to version 2: material `form_b` is still owed and version 2 has no such "
                        "material",
                        id.value));
  REQUIRE(m.engine.execute(id, cmd("sup", mini_applicant, SupplyMaterial{"form_b"})));
  CHECK(m.engine.view(id).value().status == CaseStatus::accepted);
  auto moved = m.engine.migrate(id, {"mv2", desk, "2"});
  REQUIRE_MESSAGE(moved, moved.error().message);
  const CaseView v = m.engine.view(id).value();
  CHECK(v.material("form_b") == nullptr);
  CHECK(v.item("first")->status == ItemStatus::in_review);
  m.check_reload(id);
}

// ---- timers ----

TEST_CASE("runtime.paths.a_timer_fires_at_its_instant_not_a_minute_before") {
  Restaurant r;
  const CaseId id = r.submitted("a", core_materials);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, AcceptWithDeficiency{})));
  const CaseView before = r.engine.view(id).value();
  REQUIRE(before.next_timer);
  const Instant due = *before.next_timer;
  const std::uint64_t version = before.version_number;
  CHECK(r.engine.advance_to(due - std::chrono::minutes(1)) == 0);
  CHECK(r.engine.view(id).value().version_number == version);
  CHECK(r.engine.advance_to(due) >= 1);
  const auto timer = r.store.inner.find_command(fmt::format("timer:{}:{}", id.value, version + 1));
  REQUIRE(timer);
  CHECK(timer->commit.at == due);
  CHECK(timer->commit.actor.kind == ActorKind::system);
  CHECK(timer->commit.command == CommandKind::timer);
  const auto trail = r.engine.audit_trail(id).value();
  CHECK(trail.back().at == due);
  CHECK(trail.back().actor_kind == ActorKind::system);
  r.check_replay(id);
}

TEST_CASE("runtime.paths.a_command_after_a_due_timer_sees_the_timer_first") {
  Restaurant r;
  const CaseId id = r.submitted("a", core_materials);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, AcceptWithDeficiency{})));
  const Instant due = *r.engine.view(id).value().next_timer;
  const std::uint64_t version = r.engine.view(id).value().version_number;
  r.clock.set(due + std::chrono::minutes(5));
  auto signed_ = r.engine.execute(id, cmd("l", li, approve("licence_check")));
  REQUIRE(signed_);
  const auto timer = r.store.inner.find_command(fmt::format("timer:{}:{}", id.value, version + 1));
  REQUIRE(timer);
  CHECK(timer->commit.at == due);
  const auto sign = r.store.inner.find_command("l");
  REQUIRE(sign);
  CHECK(sign->commit.first_version > timer->commit.first_version);
  CHECK(sign->commit.at == due + std::chrono::minutes(5));
  r.check_replay(id);
}

TEST_CASE("runtime.paths.a_command_after_timers_that_ended_the_case_is_refused") {
  Restaurant r;
  const CaseId id = r.submitted("a", core_materials);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, AcceptWithDeficiency{})));
  r.clock.set(at("2025-03-20", 10));  // past the lapse of the deferred materials
  auto late = r.engine.execute(id, cmd("l", li, approve("licence_check")));
  REQUIRE_FALSE(late);
  CHECK(late.error().kind == ErrorKind::invalid_transition);
  const CaseView v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::rejected);
  CHECK(v.rejected_because == "food_licence");
  REQUIRE(v.material("food_safety_rules"));
  CHECK(v.material("food_safety_rules")->status == MaterialStatus::lapsed);
  CHECK(v.material("food_safety_rules")->deadline);
  CHECK(r.store.inner.find_command("l") == std::nullopt);
  CHECK(r.engine.live_cases() == 0);
  r.check_replay(id);
}

TEST_CASE("runtime.paths.fire_due_shares_due_cases_between_workers") {
  Restaurant r;
  std::vector<CaseId> ids;
  for (int k = 0; k < 3; ++k) {
    const std::string p = std::to_string(k);
    ids.push_back(r.submitted("c" + p, core_materials));
    REQUIRE(r.engine.execute(ids.back(), cmd("acc" + p, clerk, AcceptWithDeficiency{})));
  }
  const Instant until = at("2025-03-03", 23);
  const std::size_t first = r.engine.fire_due("w1", until, 2, std::chrono::minutes(5));
  CHECK(first >= 2);
  const std::size_t second = r.engine.fire_due("w2", until, 10, std::chrono::minutes(5));
  CHECK(second >= 1);
  CHECK(r.engine.fire_due("w3", until, 10, std::chrono::minutes(5)) == 0);
  for (CaseId id : ids) {
    const CaseView v = r.engine.view(id).value();
    REQUIRE(v.item("licence_check"));
    CHECK(v.item("licence_check")->overdue);
    r.check_replay(id);
  }
  CHECK(r.clock.now() == at("2025-03-03", 10));
}

// ---- views and audit ----

TEST_CASE("runtime.paths.views_follow_a_case_through_correction") {
  Restaurant r;
  const CaseId id = r.open("o");
  CaseView v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::draft);
  CHECK_FALSE(v.submitted_at);
  CHECK_FALSE(v.accepted_at);
  CHECK(v.outstanding().size() == all_materials.size() + 1);  // and the licence, until a provider supplies it
  CHECK(v.item("outdoor_sign") == nullptr);
  CHECK(v.material("sign_design") == nullptr);
  CHECK(v.material("business_licence")->status == MaterialStatus::missing);
  REQUIRE(r.engine.execute(id, cmd("s", corp, Submit{{"premises_proof"}, {}})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::submitted);
  CHECK(v.submitted_at == at("2025-03-03", 10));
  CHECK(v.material("business_licence")->status == MaterialStatus::provided);
  CHECK(v.material("premises_proof")->status == MaterialStatus::handed_over);
  REQUIRE(r.engine.execute(id, cmd("rc", clerk, ReturnForCorrection{{"layout_plan"}, "请补交布局图，联系13812345678"})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::returned_for_correction);
  REQUIRE(v.notice.size() == 1);
  CHECK(v.notice[0].item.empty());
  // one notice lists everything still missing (一次性告知)
  CHECK(v.notice[0].materials == std::vector<std::string>{"layout_plan", "food_safety_rules", "health_certificates"});
  CHECK(v.notice[0].comment.find("13812345678") == std::string::npos);  // masked
  CHECK_FALSE(v.ready_to_issue);
  CHECK_FALSE(v.next_timer);
  r.clock.set(at("2025-03-04", 9));
  auto partial = r.engine.execute(id, cmd("re0", corp, Resubmit{{"layout_plan"}}));
  REQUIRE_FALSE(partial);
  CHECK(partial.error().kind == ErrorKind::invalid_transition);
  CHECK(partial.error().message ==
        "the correction notice asks for `food_safety_rules`, `health_certificates`: hand it over with the resubmission");
  REQUIRE(r.engine.execute(id, cmd("re", corp, Resubmit{{"layout_plan", "food_safety_rules", "health_certificates"}})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::submitted);
  CHECK(v.notice.empty());
  CHECK(v.outstanding().empty());
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, Accept{})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::accepted);
  CHECK(v.accepted_at == at("2025-03-04", 9));
  REQUIRE(v.item("licence_check"));
  CHECK(v.item("licence_check")->status == ItemStatus::in_review);
  CHECK(v.item("licence_check")->started == at("2025-03-04", 9));
  CHECK(v.item("licence_check")->deadline);
  CHECK(v.item("food_licence")->status == ItemStatus::pending);
  CHECK_FALSE(v.item("food_licence")->deadline);
  CHECK(v.item("food_licence")->signers.size() == 2);
  CHECK_FALSE(v.item("food_licence")->signers[0].ready);  // not in review yet
  const auto trail = r.engine.audit_trail(id).value();
  CHECK(detail_of(trail, "correction_requested") ==
        "correction notice (intake): intake materials `layout_plan`, `food_safety_rules`, `health_certificates`;");
  CHECK(detail_of(trail, "resubmitted") ==
        "application resubmitted with materials `layout_plan`, `food_safety_rules`, `health_certificates`");
  CHECK(detail_of(trail, "accepted") == "application accepted");
  for (const AuditEntry& e : trail)
    if (e.event == "correction_requested") {
      CHECK_FALSE(e.comment.empty());
      CHECK(e.comment.find("13812345678") == std::string::npos);
    }
  r.check_replay(id);
}

TEST_CASE("runtime.paths.views_follow_a_case_through_deficiency_issuance_and_the_rating_window") {
  Restaurant r;
  const CaseId id = r.submitted("a", core_materials);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, AcceptWithDeficiency{})));
  CaseView v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::accepted_with_deficiency);
  REQUIRE(v.outstanding().size() == 2);
  CHECK(v.outstanding()[0]->id == "food_safety_rules");
  CHECK(v.outstanding()[0]->status == MaterialStatus::deferred);
  REQUIRE(v.outstanding()[0]->deadline);
  const Instant deadline = *v.outstanding()[0]->deadline;
  REQUIRE(r.engine.execute(id, cmd("l", li, approve("licence_check"))));
  REQUIRE(r.engine.execute(id, cmd("f1", li, approve("food_licence"))));
  v = r.engine.view(id).value();
  const ItemView* food = v.item("food_licence");
  REQUIRE(food);
  REQUIRE(food->signers.size() == 2);
  CHECK(food->signers[0].decision == Decision::approve);
  CHECK(food->signers[0].signer == "li");
  CHECK_FALSE(food->signers[0].ready);
  CHECK(food->signers[1].ready);
  CHECK(food->signers[1].role == "section_chief");
  REQUIRE(r.engine.execute(id, cmd("f2", zhou, approve("food_licence"))));
  v = r.engine.view(id).value();
  CHECK_FALSE(v.ready_to_issue);  // every item decided, but deferred materials are owed
  auto early = r.engine.execute(id, cmd("i0", clerk, Issue{}));
  REQUIRE_FALSE(early);
  CHECK(early.error().kind == ErrorKind::invalid_transition);
  REQUIRE(r.engine.execute(id, cmd("m1", corp, SupplyMaterial{"food_safety_rules"})));
  CHECK_FALSE(r.engine.view(id).value().ready_to_issue);
  REQUIRE(r.engine.execute(id, cmd("m2", corp, SupplyMaterial{"health_certificates"})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::accepted);
  CHECK(v.ready_to_issue);
  CHECK(v.outstanding().empty());
  CHECK(v.material("food_safety_rules")->status == MaterialStatus::supplied);
  CHECK(v.material("food_safety_rules")->deadline == deadline);
  CHECK_FALSE(v.material("premises_proof")->deadline);
  REQUIRE(r.engine.execute(id, cmd("i", clerk, Issue{})));
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::issued);
  CHECK(v.issued_at);
  CHECK_FALSE(v.ready_to_issue);
  REQUIRE(v.next_timer);  // the end of the rating window
  CHECK(r.engine.advance_to(*v.next_timer + std::chrono::hours(1)) == 1);
  v = r.engine.view(id).value();
  CHECK(v.status == CaseStatus::closed);
  CHECK_FALSE(v.rating);
  const auto trail = r.engine.audit_trail(id).value();
  CHECK(detail_of(trail, "refused") == "(no refused)");
  CHECK(detail_of(trail, "accepted").starts_with(
      "application accepted with deficiency (容缺): `food_safety_rules` due "));
  CHECK(detail_of(trail, "accepted").find(", `health_certificates` due ") != std::string::npos);
  CHECK(detail_of(trail, "material_supplied") == "deferred material `food_safety_rules` supplied");
  CHECK(detail_of(trail, "rating_window_ended") == "the time to rate ended");
  CHECK(detail_of(trail, "case_closed") == "case closed");
  CHECK(detail_of(trail, "issued") == "results issued: approved `licence_check`, `food_licence`; not approved none");
  r.check_replay(id);
}

TEST_CASE("runtime.paths.audit_describes_endings_and_ratings") {
  Restaurant r;
  const CaseId withdrawn = r.open("w");
  REQUIRE(r.engine.execute(withdrawn, cmd("w1", corp, Withdraw{"不办了"})));
  const CaseId refused = r.submitted("r");
  REQUIRE(r.engine.execute(refused, cmd("r1", clerk, Refuse{"经营范围不符"})));
  const CaseId rated = run_to_issuance(r.engine, "k");
  REQUIRE(r.engine.execute(rated, cmd("k7", corp, Rate{5, "很好"})));
  const CaseId rejected = r.submitted("x");
  REQUIRE(r.engine.execute(rejected, cmd("x1", clerk, Accept{})));
  REQUIRE(r.engine.execute(rejected, cmd("x2", li, Sign{"licence_check", Decision::reject, "执照无效", {}, std::nullopt})));
  struct Row {
    CaseId id;
    std::string event, detail, comment;
  };
  const std::vector<Row> rows{
      {withdrawn, "withdrawn", "application withdrawn by the applicant", "不办了"},
      {withdrawn, "case_opened", "case opened on bundle `open_restaurant` version 2024.1 with items `licence_check`, `food_licence`", ""},
      {refused, "refused", "application refused at intake", "经营范围不符"},
      {rated, "rated", "service rated 5 of 5", "很好"},
      {rated, "case_closed", "case closed", ""},
      {rejected, "case_rejected", "case rejected because of item `licence_check`", ""},
      {rejected, "item_rejected", "item `licence_check` rejected", ""},
      {rejected, "signed", "`li` (reviewer of `market_regulation`) decided reject on `licence_check`", "执照无效"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.event);
    const auto trail = r.engine.audit_trail(row.id).value();
    const AuditEntry* found = nullptr;
    for (const AuditEntry& e : trail)
      if (e.event == row.event) found = &e;
    REQUIRE(found);
    CHECK(found->detail == row.detail);
    CHECK(found->comment == row.comment);
  }
  CHECK(r.engine.view(rejected).value().rejected_because == "licence_check");
  CHECK(r.engine.view(rated).value().rating == 5);
}

// ---- snapshots and store failures ----

TEST_CASE("runtime.paths.snapshots_are_taken_every_n_events_and_verified_against_the_log") {
  Restaurant r;
  r.store.every = 3;
  const CaseId id = run_to_issuance(r.engine, "k");
  CHECK(r.store.snapshots >= 2);
  const CaseState live = r.engine.state(id).value();
  r.engine.drop_cache();
  CHECK(r.engine.state(id).value() == live);  // loaded from the latest snapshot and the commits after it
  CHECK(r.engine.verify(id).value());
  // a snapshot that disagrees with the log is rebuilt from it
  r.store.tamper_next = true;
  CHECK(r.engine.snapshot(id).value() == live.version);
  CHECK_FALSE(r.engine.verify(id).value());
  CHECK(r.engine.verify(id).value());
  CHECK(r.engine.state(id).value() == live);
}

TEST_CASE("runtime.paths.a_snapshot_of_another_case_is_a_store_error") {
  Restaurant r;
  const CaseId a = r.submitted("a");
  const CaseId b = r.submitted("b");
  CHECK(r.engine.snapshot(a).value() == 2u);
  r.engine.drop_cache();
  r.store.snapshot_of = a;
  CHECK_THROWS_WITH_AS((void)r.engine.state(b),
                       fmt::format("case {}: its snapshot belongs to another case or version", b.value).c_str(),
                       StoreError);
  r.store.snapshot_of.reset();
  r.store.headless_latest = true;
  CHECK_THROWS_WITH_AS((void)r.engine.view(b),
                       fmt::format("case {}: the log does not start with case_opened", b.value).c_str(), StoreError);
  r.store.headless_latest = false;
  CHECK(r.engine.view(b).value().status == CaseStatus::submitted);
  // the audit trail reads the whole log: missing, or not starting with case_opened
  r.store.hide_log = true;
  auto hidden = r.engine.audit_trail(b);
  REQUIRE_FALSE(hidden);
  CHECK(hidden.error().kind == ErrorKind::unknown_case);
  CHECK(r.engine.verify(b).error().kind == ErrorKind::unknown_case);
  r.store.hide_log = false;
  r.store.headless_log = true;
  CHECK_THROWS_AS((void)r.engine.audit_trail(b), StoreError);
  r.store.headless_log = false;
  CHECK(r.engine.audit_trail(b).value().size() == 2);
}

TEST_CASE("runtime.paths.a_failed_append_leaves_the_case_as_the_store_has_it") {
  Restaurant r;
  const CaseId id = r.submitted("a");
  const CaseState before = r.engine.state(id).value();
  r.store.fail_appends = true;
  CHECK_THROWS_WITH_AS((void)r.engine.execute(id, cmd("acc", clerk, Accept{})), "disk full", StoreError);
  CHECK(r.engine.live_cases() == 0);  // the cached state held events the store did not take
  CHECK_THROWS_AS((void)r.engine.open_case(open_plain("o2")), StoreError);
  r.store.fail_appends = false;
  CHECK(r.engine.state(id).value() == before);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, Accept{})));
  r.check_replay(id);
}

TEST_CASE("runtime.paths.appends_that_keep_conflicting_run_out_of_attempts") {
  EngineOptions options;
  options.max_attempts = 2;
  Restaurant r(options);
  const CaseId id = r.submitted("a", core_materials);
  REQUIRE(r.engine.execute(id, cmd("acc", clerk, AcceptWithDeficiency{})));
  const CaseState before = r.engine.state(id).value();
  r.store.forced = AppendStatus::conflict;
  auto signed_ = r.engine.execute(id, cmd("l", li, approve("licence_check")));
  REQUIRE_FALSE(signed_);
  CHECK(signed_.error().kind == ErrorKind::conflict);
  CHECK(signed_.error().message == fmt::format("case {} kept changing under this command; try again", id.value));
  auto opened = r.engine.open_case(open_plain("o2"));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::conflict);
  CHECK(opened.error().message.ends_with(" could not be created"));
  // a duplicate the store cannot find again is a conflict too
  r.store.forced = AppendStatus::duplicate;
  auto ghost = r.engine.open_case(open_plain("o3"));
  REQUIRE_FALSE(ghost);
  CHECK(ghost.error().kind == ErrorKind::conflict);
  auto ghost_sign = r.engine.execute(id, cmd("l2", li, approve("licence_check")));
  REQUIRE_FALSE(ghost_sign);
  CHECK(ghost_sign.error().kind == ErrorKind::conflict);
  // timers that cannot be recorded do not fire, and do not loop
  r.store.forced = AppendStatus::conflict;
  const Instant later = at("2025-03-03", 23);
  CHECK(r.engine.advance_to(later) == 0);
  CHECK(r.engine.fire_timers(id, later) == 0);
  r.store.forced.reset();
  CHECK(r.engine.state(id).value() == before);
  CHECK(r.store.inner.case_count() == 1);
  CHECK(r.engine.fire_timers(id, later) >= 1);
  r.check_replay(id);
}

// ---- approval views ----

TEST_CASE("runtime.paths.views_show_reject_targets_and_schedules_only_while_in_review") {
  const CompiledBundle bundle =
      compile_text(read_file(source_dir() + "/tests/scenarios/bundles/approvals.yaml"), "approvals.yaml");
  MemoryStore store;
  ManualClock clock{at("2025-03-03", 10)};
  Engine engine{store, clock, calendar_2025()};
  REQUIRE(engine.deploy(bundle));
  const Actor p = Actor::applicant("p-1");
  const Actor hall = Actor::staff("c1", "hall", "clerk");
  const Actor wang = Actor::staff("wang", "office", "reviewer");
  const Actor zhao = Actor::staff("zhao", "office", "reviewer");
  const Actor li_office = Actor::staff("li", "office", "reviewer");
  auto opened = engine.open_case(
      {"open", p, "approvals", "", {}, {{"case.part", std::string("serial")}, {"company.name", std::string("甲公司")}}});
  REQUIRE_MESSAGE(opened, opened.error().message);
  const CaseId id = opened->case_id;
  auto run = [&](const std::string& key, const Actor& actor, CommandBody body) {
    auto r = engine.execute(id, cmd(key, actor, std::move(body)));
    REQUIRE_MESSAGE(r, r.error().message);
  };
  run("s", p, Submit{{"form", "annex"}, {}});
  run("a", hall, Accept{});
  run("1", li_office, approve("s1"));
  CaseView v = engine.view(id).value();
  const ItemView* s2 = v.item("s2");
  REQUIRE(s2);
  CHECK(s2->status == ItemStatus::in_review);
  CHECK(s2->reject_targets == std::vector<std::string>{"applicant", "s1"});
  CHECK(s2->remind_at == at("2025-03-03", 15));
  CHECK_FALSE(s2->decide_at);
  CHECK(v.item("s1")->reject_targets.empty());  // decided: no targets shown
  run("2", wang, approve("s2"));
  v = engine.view(id).value();
  const ItemView* s3 = v.item("s3");
  REQUIRE(s3);
  CHECK(s3->reject_targets == std::vector<std::string>{"applicant", "s2", "s1"});  // `previous` is s2; s1 once
  CHECK(s3->decide_at);
  CHECK_FALSE(s3->remind_at);
  CHECK_FALSE(v.item("s2")->remind_at);  // approved: its schedule is no longer shown
  CHECK(v.item("s2")->reject_targets.empty());
  CHECK(v.next_timer);
  auto trail = engine.audit_trail(id).value();
  std::vector<std::string> scheduled;
  for (const AuditEntry& e : trail)
    if (e.event == "item_scheduled") scheduled.push_back(e.detail);
  REQUIRE(scheduled.size() == 2);
  CHECK(scheduled[0] == "item `s2` scheduled: first reminder 2025-03-03 15:00");
  CHECK(scheduled[1].starts_with("item `s3` scheduled: automatic decision "));
  // s3 rejects back to s1: s1 is reviewed again, the items after it wait
  run("3", zhao, RejectBack{"s3", "s1", "重新核对", {}, std::nullopt});
  v = engine.view(id).value();
  CHECK(v.item("s1")->status == ItemStatus::in_review);
  CHECK(v.item("s3")->status == ItemStatus::pending);
  CHECK_FALSE(v.item("s3")->decide_at);
  CHECK(v.item("s1")->reject_targets == std::vector<std::string>{"applicant"});  // no step before it
  trail = engine.audit_trail(id).value();
  CHECK(detail_of(trail, "rejected_back") == "`zhao` (reviewer of `office`) rejected `s3` back (驳回) to `s1`");
  for (const AuditEntry& e : trail)
    if (e.event == "rejected_back") CHECK(e.comment == "重新核对");
  const auto log = store.load(id);
  REQUIRE(log);
  CHECK(replay(bundle, id, log->commits, log->events) == engine.state(id).value());
}

TEST_CASE("runtime.paths.migration_carries_added_signers_and_delegations_of_started_items") {
  const std::string text = read_file(source_dir() + "/tests/scenarios/bundles/approvals.yaml");
  MemoryStore store;
  ManualClock clock{at("2025-03-03", 10)};
  Engine engine{store, clock, calendar_2025()};
  REQUIRE(engine.deploy(compile_text(text, "approvals.yaml")));
  REQUIRE(engine.deploy(compile_text(replace(text, "version: \"1\"", "version: \"2\""), "approvals2.yaml")));
  const Actor p = Actor::applicant("p-1");
  const Actor hall = Actor::staff("c1", "hall", "clerk");
  const Actor li_office = Actor::staff("li", "office", "reviewer");
  auto opened = engine.open_case({"open", p, "approvals", "1", {},
                                  {{"case.part", std::string("serial")}, {"company.name", std::string("甲公司")}}});
  REQUIRE_MESSAGE(opened, opened.error().message);
  const CaseId id = opened->case_id;
  auto run = [&](const std::string& key, const Actor& actor, CommandBody body) {
    auto r = engine.execute(id, cmd(key, actor, std::move(body)));
    REQUIRE_MESSAGE(r, r.error().message);
  };
  run("s", p, Submit{{"form", "annex"}, {}});
  run("a", hall, Accept{});
  run("c", li_office, Claim{"s1", std::nullopt});
  run("add", li_office, AddSigner{"s1", "expert", "", 1, "ex", AddPosition::parallel, std::nullopt, "请专家会签"});
  run("d", li_office, Delegate{"s1", "wu", "请提意见", std::nullopt});
  const CaseState before = engine.state(id).value();
  REQUIRE(before.added.size() == 1);
  REQUIRE(before.delegations.size() == 1);
  auto moved = engine.migrate(id, {"mv", hall, "2"});
  REQUIRE_MESSAGE(moved, moved.error().message);
  const CaseState after = engine.state(id).value();
  CHECK(after.bundle_version == "2");
  CHECK(after.added == before.added);
  CHECK(after.delegations == before.delegations);
  CHECK(after.items == before.items);
  CHECK(after.signers == before.signers);
  const CaseView v = engine.view(id).value();
  REQUIRE(v.item("s1"));
  REQUIRE(v.item("s1")->signers.size() == 2);
  CHECK(v.item("s1")->signers[1].added);
  CHECK(v.item("s1")->signers[1].assignee == "ex");
  CHECK(v.item("s1")->signers[0].delegate == "wu");
  engine.drop_cache();
  CHECK(engine.state(id).value() == after);
  CHECK(engine.verify(id).value());
  const auto trail = engine.audit_trail(id).value();
  CHECK(detail_of(trail, "signer_added") ==
        "signer added (加签) to `s1` beside signature 0: expert of `office`, assigned to `ex` (signature 1)");
  CHECK(detail_of(trail, "case_migrated") == "case moved from version 1 to version 2");
}
