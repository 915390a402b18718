// The store contract (runtime/store.hpp), the same for every store: each test runs once per
// store kind. Built twice: unit_store runs it on memory, SQLite full and SQLite batched;
// unit_store_postgres (YISHI_STORE_POSTGRES) on PostgreSQL, against the server of the
// `postgres` ctest fixture.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <set>
#include <thread>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"

using namespace yishi;
using namespace yishi::test;
using yishi::test::MemoryKind;
using yishi::test::SqliteBatchedKind;
using yishi::test::SqliteFullKind;

namespace {

Commit header(std::string key, std::uint64_t first, std::uint32_t count = 1, CommandKind kind = CommandKind::submit) {
  return {std::move(key), 7, corp, kind, at("2025-03-03", 9), first, count};
}

const Event opened_event = CaseOpened{"b", "1", "甲公司", {true, false}};
std::span<const Event> one(const Event& e) { return {&e, 1}; }

/// A restaurant case with a deferred material (so timers stay due) run to issuance.
CaseId run_case(Engine& engine, const std::string& prefix) {
  auto opened = engine.open_case(open_plain(prefix + "open"));
  REQUIRE(opened);
  const CaseId id = opened->case_id;
  REQUIRE(engine.execute(id, cmd(prefix + "1", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules"}, {}})));
  REQUIRE(engine.execute(id, cmd(prefix + "2", clerk, AcceptWithDeficiency{})));
  REQUIRE(engine.execute(id, cmd(prefix + "3", li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "4", li, Sign{"food_licence", Decision::approve, "现场核查通过", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "5", zhou, Sign{"food_licence", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "6", corp, SupplyMaterial{"health_certificates"})));
  REQUIRE(engine.execute(id, cmd(prefix + "7", clerk, Issue{})));
  return id;
}

}  // namespace

#ifdef YISHI_STORE_POSTGRES
#define STORE_KINDS yishi::test::PostgresKind
#else
#define STORE_KINDS MemoryKind, SqliteFullKind, SqliteBatchedKind
#endif

TEST_CASE_TEMPLATE("store.conformance.appends_are_guarded_by_command_id_then_version", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  const CaseId id = store->allocate_case_id();
  CHECK(id.value != 0);
  CHECK(store->allocate_case_id() != id);
  CHECK(store->append(id, 0, header("k1", 1, 1, CommandKind::open), one(opened_event), std::nullopt) == AppendStatus::ok);
  // the command id is checked first: a retry of an applied command is a duplicate, whatever version it expects
  CHECK(store->append(id, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::duplicate);
  CHECK(store->append(id, 1, header("k1", 2), one(opened_event), std::nullopt) == AppendStatus::duplicate);
  CHECK(store->append(id, 0, header("k9", 1), one(opened_event), std::nullopt) == AppendStatus::conflict);
  CHECK(store->append(id, 5, header("k9", 6), one(opened_event), std::nullopt) == AppendStatus::conflict);
  const std::vector<Event> two{Submitted{{0, 3}, {2}}, Accepted{{Deferral{1, at("2025-03-10", 17)}}}};
  CHECK(store->append(id, 1, header("k2", 2, 2), two, std::nullopt) == AppendStatus::ok);
  CHECK(store->version(id) == 3);
  CHECK_FALSE(store->version(CaseId{id.value + 1000}));
  auto log = store->load(id);
  REQUIRE(log);
  CHECK(log->version() == 3);
  REQUIRE(log->commits.size() == 2);
  CHECK(log->commits[0] == header("k1", 1, 1, CommandKind::open));
  CHECK(log->commits[1] == header("k2", 2, 2));
  CHECK(log->events == std::vector<Event>{opened_event, two[0], two[1]});
  CHECK_FALSE(store->load(CaseId{id.value + 1000}));
  auto rec = store->find_command("k2");
  REQUIRE(rec);
  CHECK(rec->case_id == id);
  CHECK(rec->commit.fingerprint == 7);
  CHECK(rec->events == two);
  CHECK_FALSE(store->find_command("k3"));
  // a commit whose header does not match its events is an infrastructure error, and changes nothing
  CHECK_THROWS_AS((void)store->append(id, 3, header("k3", 9), one(opened_event), std::nullopt), StoreError);
  CHECK_THROWS_AS((void)store->append(id, 3, header("k3", 4, 2), one(opened_event), std::nullopt), StoreError);
  CHECK(store->version(id) == 3);
  CHECK_FALSE(store->find_command("k3"));
  CHECK(store->cases() == std::vector<CaseId>{id});
  // a commit without events, and a case id the store never handed out
  CHECK_THROWS_AS((void)store->append(id, 3, header("k4", 4, 0), {}, std::nullopt), StoreError);
  CHECK_THROWS_AS((void)store->append(CaseId{id.value + 5000}, 0, header("k5", 1), one(opened_event), std::nullopt),
                  StoreError);
  CHECK_FALSE(store->version(CaseId{id.value + 5000}));
  CHECK_FALSE(store->find_command("k5"));
}

TEST_CASE_TEMPLATE("store.conformance.due_cases_come_earliest_first_and_move_with_each_append", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  const CaseId a = store->allocate_case_id(), b = store->allocate_case_id();
  CHECK(store->append(a, 0, header("a1", 1), one(opened_event), at("2025-03-05", 9)) == AppendStatus::ok);
  CHECK(store->append(b, 0, header("b1", 1), one(opened_event), at("2025-03-04", 9)) == AppendStatus::ok);
  CHECK(store->due(at("2025-03-06", 0), 10) == std::vector<DueCase>{{at("2025-03-04", 9), b}, {at("2025-03-05", 9), a}});
  CHECK(store->due(at("2025-03-04", 12), 10).size() == 1);
  CHECK(store->due(at("2025-03-06", 0), 1).size() == 1);
  // b's next timer moves past a's; then b has none
  CHECK(store->append(b, 1, header("b2", 2), one(opened_event), at("2025-03-07", 9)) == AppendStatus::ok);
  CHECK(store->due(at("2025-03-06", 0), 10) == std::vector<DueCase>{{at("2025-03-05", 9), a}});
  CHECK(store->append(b, 2, header("b3", 3), one(opened_event), std::nullopt) == AppendStatus::ok);
  CHECK(store->due(at("2030-01-01", 0), 10) == std::vector<DueCase>{{at("2025-03-05", 9), a}});
}

TEST_CASE_TEMPLATE("store.conformance.claimed_timers_are_leased_until_the_case_changes", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  const CaseId a = store->allocate_case_id(), b = store->allocate_case_id();
  CHECK(store->append(a, 0, header("a1", 1), one(opened_event), at("2025-03-05", 9)) == AppendStatus::ok);
  CHECK(store->append(b, 0, header("b1", 1), one(opened_event), at("2025-03-06", 9)) == AppendStatus::ok);
  const Instant later = at("2025-03-10", 0);
  const auto hour = std::chrono::hours(1);
  CHECK(store->claim_due("w1", later, 1, hour) == std::vector<DueCase>{{at("2025-03-05", 9), a}});
  CHECK(store->claim_due("w2", later, 10, hour) == std::vector<DueCase>{{at("2025-03-06", 9), b}});
  CHECK(store->claim_due("w3", later, 10, hour).empty());
  // a worker may claim again what it holds (it restarted, or asks twice)
  CHECK(store->claim_due("w1", later, 10, hour) == std::vector<DueCase>{{at("2025-03-05", 9), a}});
  // an append (the timer fired) releases the lease
  CHECK(store->append(a, 1, header("a2", 2), one(opened_event), at("2025-03-07", 9)) == AppendStatus::ok);
  CHECK(store->claim_due("w3", later, 10, hour) == std::vector<DueCase>{{at("2025-03-07", 9), a}});
  // a lease that ran out (its worker died) is claimed by another
  CHECK(store->claim_due("w4", later, 10, std::chrono::milliseconds(0)).empty());  // both held for an hour
  CHECK(store->append(b, 1, header("b2", 2), one(opened_event), at("2025-03-08", 9)) == AppendStatus::ok);
  CHECK(store->claim_due("w4", later, 10, std::chrono::milliseconds(0)) == std::vector<DueCase>{{at("2025-03-08", 9), b}});
  CHECK(store->claim_due("w5", later, 10, hour) == std::vector<DueCase>{{at("2025-03-08", 9), b}});
  // `due` ignores leases
  CHECK(store->due(later, 10).size() == 2);
}

TEST_CASE_TEMPLATE("store.conformance.the_outbox_delivers_each_commit_until_acknowledged", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  const CaseId a = store->allocate_case_id(), b = store->allocate_case_id();
  CHECK(store->append(a, 0, header("a1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  CHECK(store->append(b, 0, header("b1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  const std::vector<Event> two{Submitted{{0}, {}}, Refused{"材料不符"}};
  CHECK(store->append(a, 1, header("a2", 2, 2), two, std::nullopt) == AppendStatus::ok);
  CHECK(store->append(a, 1, header("a3", 2), one(opened_event), std::nullopt) == AppendStatus::conflict);  // not queued
  const auto hour = std::chrono::hours(1);
  auto first = store->claim_outbox("p1", 2, hour);
  REQUIRE(first.size() == 2);
  CHECK(first[0].commit.command_id == "a1");
  CHECK(first[0].case_id == a);
  CHECK(first[0].events == std::vector<Event>{opened_event});
  CHECK(first[1].commit.command_id == "b1");
  CHECK(first[0].seq < first[1].seq);
  auto second = store->claim_outbox("p2", 10, hour);  // p1's entries are leased
  REQUIRE(second.size() == 1);
  CHECK(second[0].commit.command_id == "a2");
  CHECK(second[0].events == two);
  CHECK(second[0].seq > first[1].seq);
  CHECK(store->claim_outbox("p3", 10, hour).empty());
  // only the holder acknowledges
  const std::vector<std::uint64_t> seqs{first[0].seq, first[1].seq};
  CHECK(store->ack_outbox("p2", seqs) == 0);
  CHECK(store->ack_outbox("p1", std::span(seqs).first(1)) == 1);
  CHECK(store->ack_outbox("p1", seqs) == 1);  // the first is gone already
  // p2 dies holding its entry: once the lease runs out, another consumer gets it again
  std::vector<std::uint64_t> mine{second[0].seq};
  CHECK(store->claim_outbox("p2", 10, std::chrono::milliseconds(0)).size() == 1);  // renewed, already expired
  auto again = store->claim_outbox("p3", 10, hour);
  REQUIRE(again.size() == 1);
  CHECK(again[0].commit.command_id == "a2");
  CHECK(store->ack_outbox("p2", mine) == 0);  // too late: p3 holds it now
  CHECK(store->ack_outbox("p3", mine) == 1);
  CHECK(store->claim_outbox("p4", 10, hour).empty());
}

TEST_CASE_TEMPLATE("store.conformance.a_snapshot_stands_for_the_log_before_it", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(*store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_case(engine, "s-");
  engine.drop_cache();
  const CaseState live = engine.state(id).value();
  auto whole = store->load(id);
  REQUIRE(whole);
  // a snapshot after the fourth commit
  const std::uint64_t at_version = whole->commits[3].first_version - 1 + whole->commits[3].count;
  const CaseState mid = replay(restaurant(), id, std::span(whole->commits).first(4),
                               std::span(whole->events).first(at_version));
  store->save_snapshot(id, mid);
  store->sync();
  auto latest = store->load_latest(id);
  REQUIRE(latest);
  REQUIRE(latest->snapshot);
  CHECK(latest->base == at_version);
  CHECK(*latest->snapshot == mid);
  CHECK(latest->commits.size() == whole->commits.size() - 4);
  CHECK(latest->version() == whole->version());
  CHECK(std::equal(latest->events.begin(), latest->events.end(), whole->events.begin() + static_cast<std::ptrdiff_t>(at_version)));
  // the engine starts from it and reaches the same state
  engine.drop_cache();
  CHECK(engine.state(id).value() == live);
  CHECK(engine.verify(id).value());
}

TEST_CASE_TEMPLATE("store.conformance.an_engine_reloads_cases_it_ran", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  ManualClock clock(at("2025-03-03", 10));
  std::vector<CaseId> ids;
  std::vector<CaseState> states;
  std::vector<std::size_t> trails;
  {
    Engine engine(*store, clock, calendar_2025());
    REQUIRE(engine.deploy(restaurant()));
    for (int k = 0; k < 5; ++k) ids.push_back(run_case(engine, "c" + std::to_string(k) + "-"));
    clock.advance_to(at("2025-06-30", 9));
    engine.advance_to(at("2025-06-30", 9));  // rating windows run out, cases close
    for (CaseId id : ids) {
      states.push_back(engine.state(id).value());
      trails.push_back(engine.audit_trail(id).value().size());
      CHECK(states.back().status == CaseStatus::closed);
    }
    store->sync();
  }
  std::unique_ptr<Store> reopened;
  if constexpr (K::durable) {
    store.reset();
    reopened = kind.reopen();
  }
  Store& s = reopened ? *reopened : *store;
  Engine again(s, clock, calendar_2025());
  REQUIRE(again.deploy(restaurant()));
  for (std::size_t k = 0; k < ids.size(); ++k) {
    CHECK(again.state(ids[k]).value() == states[k]);
    CHECK(again.audit_trail(ids[k]).value().size() == trails[k]);
    CHECK(again.verify(ids[k]).value());
  }
  // a repeated command returns its original outcome from the store
  auto repeated = again.open_case(open_plain("c0-open"));
  REQUIRE_FALSE(repeated);
  CHECK(repeated.error().kind == ErrorKind::duplicate_command);
  REQUIRE(repeated.error().original);
  CHECK(repeated.error().original->case_id == ids[0]);
  // ids are never handed out twice, even after a restart
  std::set<std::uint64_t> seen;
  for (CaseId id : ids) seen.insert(id.value);
  for (int k = 0; k < 40; ++k) CHECK(seen.insert(s.allocate_case_id().value).second);
}

TEST_CASE_TEMPLATE("store.conformance.racing_writers_on_one_case_exactly_one_wins", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  const CaseId id = store->allocate_case_id();
  REQUIRE(store->append(id, 0, header("open", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  constexpr int threads = 4, rounds = 50;
  std::atomic<int> ok{0}, conflicts{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        // every writer tries to append version r + 2 on top of version r + 1
        const Event e = Refused{"t" + std::to_string(t)};
        for (;;) {
          const std::uint64_t v = *store->version(id);
          if (v >= static_cast<std::uint64_t>(r) + 2) break;
          const auto st = store->append(id, v, header(fmt::format("t{}-r{}", t, r), v + 1), one(e), std::nullopt);
          if (st == AppendStatus::ok) ++ok;
          else if (st == AppendStatus::conflict) ++conflicts;
          if (st != AppendStatus::conflict) break;
        }
      }
    });
  for (auto& t : pool) t.join();
  CHECK(ok.load() == rounds);  // one winner per version
  auto log = store->load(id);
  REQUIRE(log);
  CHECK(log->version() == rounds + 1);
  for (std::size_t k = 0; k < log->commits.size(); ++k) CHECK(log->commits[k].first_version == k + 1);
}

TEST_CASE_TEMPLATE("store.conformance.definitions_are_kept_by_version_and_hash", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  CHECK(store->definitions().empty());
  const StoredDefinition a{"b", "1", "00aa", "bundle: b\n"}, b{"b", "2", "00bb", "bundle: b\nversion: 2\n"};
  CHECK(store->put_definition(a));
  CHECK(store->put_definition(a));  // again: already there
  CHECK(store->put_definition(b));
  StoredDefinition other = a;
  other.hash = "00cc";
  CHECK_FALSE(store->put_definition(other));  // version 1 holds another definition
  CHECK(store->definitions() == std::vector<StoredDefinition>{a, b});
  CHECK(store->put_definition(a));  // put again: now the last
  CHECK(store->definitions() == std::vector<StoredDefinition>{b, a});
  CHECK_FALSE(store->put_definition(other));  // a refused put moves nothing
  CHECK(store->definitions() == std::vector<StoredDefinition>{b, a});
  if constexpr (K::durable) {
    store.reset();
    CHECK(kind.reopen()->definitions() == std::vector<StoredDefinition>{b, a});
  }
}

namespace {

/// The minimal bundle (first → second), with each (find, replace-with) edit applied to its text.
ir::Bundle minimal(const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  std::string text = test::minimal_bundle();
  for (const auto& [find, with] : edits) text = test::replace(text, find, with);
  SourceMap sources;
  auto r = yaml::load_text(sources, "mini.yaml", text);
  REQUIRE_MESSAGE(r.bundle, render_text(r.diagnostics, sources));
  return *r.bundle;
}

const Actor applicant = Actor::applicant("张三");
const Actor desk = Actor::staff("wang", "dept_a", "clerk");
const Actor reviewer_a = Actor::staff("li", "dept_a", "reviewer");
const Actor reviewer_b = Actor::staff("zhao", "dept_b", "reviewer");

constexpr const char* third_item = R"(  third:
    name: 第三项
    department: dept_b
    after: [first]
    form: [applicant.name]
    materials: [form_a]
    statutory: 10wd
    promised: 5wd
)";

}  // namespace

TEST_CASE_TEMPLATE("store.conformance.versions_are_published_and_a_case_moves_only_when_it_maps", K, STORE_KINDS) {
  K kind;
  auto store = kind.open();
  ManualClock clock(at("2025-03-03", 10));
  CaseId id, fresh;
  std::string v2;
  CaseState moved;
  std::size_t trail = 0;
  {
    Engine engine(*store, clock, calendar_2025());
    auto p1 = publish(engine, *store, minimal());
    REQUIRE(p1);
    CHECK(p1->version == "1");
    CHECK(p1->created);
    auto again = publish(engine, *store, minimal());
    REQUIRE(again);
    CHECK_FALSE(again->created);
    CHECK(again->version == "1");
    // a case on version 1, its first item approved, the second under review
    id = engine.open_case({"o1", applicant, "mini", "", {}, {}})->case_id;
    REQUIRE(engine.execute(id, cmd("s1", applicant, Submit{{"form_a"}, {}})));
    REQUIRE(engine.execute(id, cmd("a1", desk, Accept{})));
    REQUIRE(engine.execute(id, cmd("f1", reviewer_a, Sign{"first", Decision::approve, "", {}, std::nullopt})));
    // a changed definition under the same declared version gets a version of its own
    auto p2 = publish(engine, *store, minimal({{"  second:\n", std::string(third_item) + "  second:\n"}}));
    REQUIRE(p2);
    CHECK(p2->created);
    CHECK(p2->version == "1+" + p2->hash.substr(0, 8));
    v2 = p2->version;
    // the running case stays on its version; a new case takes the latest
    CHECK(engine.view(id)->version == "1");
    fresh = engine.open_case({"o2", applicant, "mini", "", {}, {}})->case_id;
    CHECK(engine.view(fresh)->version == v2);
    // moving it is checked and permitted to front-desk staff only
    const CaseState before = engine.state(id).value();
    auto denied = engine.migrate(id, {"m0", applicant, v2});
    REQUIRE_FALSE(denied);
    CHECK(denied.error().kind == ErrorKind::not_authorised);
    auto unknown = engine.migrate(id, {"m0", desk, "9"});
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == ErrorKind::unknown_bundle);
    // a version that puts a new item before one the case has done
    auto p3 = publish(engine, *store,
                      minimal({{"  first:\n    name: 第一项\n",
                                "  zero:\n    name: 前置项\n    department: dept_a\n    form: [applicant.name]\n"
                                "    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n"
                                "  first:\n    name: 第一项\n    after: [zero]\n"}}));
    REQUIRE(p3);
    auto blocked = engine.migrate(id, {"m1", desk, p3->version});
    REQUIRE_FALSE(blocked);
    CHECK(blocked.error().kind == ErrorKind::invalid_transition);
    CHECK(blocked.error().message.find("`first` has started, but in version " + p3->version +
                                       " it comes after `zero`") != std::string::npos);
    // a version without the item the case has started
    auto p4 = publish(engine, *store, minimal({{"  first:\n", "  first_b:\n"}, {"after: [first]", "after: [first_b]"}}));
    REQUIRE(p4);
    auto gone = engine.migrate(id, {"m1b", desk, p4->version});
    REQUIRE_FALSE(gone);
    CHECK(gone.error().message.find("item `first` has started and version " + p4->version + " has no such item") !=
          std::string::npos);
    CHECK(engine.state(id).value() == before);  // every refusal changed nothing
    // the move: the new item `third` comes after `first`, which is approved, so it starts
    auto done = engine.migrate(id, {"m2", desk, v2});
    REQUIRE(done);
    REQUIRE(done->events.size() >= 2);
    CHECK(std::holds_alternative<CaseMigrated>(done->events[0]));
    const CaseView view = engine.view(id).value();
    CHECK(view.version == v2);
    REQUIRE(view.item("third"));
    CHECK(view.item("third")->status == ItemStatus::in_review);
    CHECK(view.item("first")->status == ItemStatus::approved);
    auto repeated = engine.migrate(id, {"m2", desk, v2});
    REQUIRE_FALSE(repeated);
    CHECK(repeated.error().kind == ErrorKind::duplicate_command);
    // the case finishes on its new version
    REQUIRE(engine.execute(id, cmd("s2", reviewer_b, Sign{"second", Decision::approve, "", {}, std::nullopt})));
    REQUIRE(engine.execute(id, cmd("t3", reviewer_b, Sign{"third", Decision::approve, "", {}, std::nullopt})));
    REQUIRE(engine.execute(id, cmd("i1", desk, Issue{})));
    moved = engine.state(id).value();
    CHECK(moved.status == CaseStatus::issued);
    const auto entries = engine.audit_trail(id).value();
    trail = entries.size();
    bool named = false, third_named = false;
    for (const AuditEntry& e : entries) {
      named |= e.event == "case_migrated" && e.detail.find("from version 1 to version " + v2) != std::string::npos;
      third_named |= e.detail.find("`third`") != std::string::npos;
    }
    CHECK(named);
    CHECK(third_named);
    engine.drop_cache();
    CHECK(engine.state(id).value() == moved);  // replay goes through the move
    CHECK(engine.verify(id).value());
    auto terminal_move = engine.migrate(id, {"m3", desk, "1"});
    CHECK_FALSE(terminal_move);
    store->sync();
  }
  // a restarted engine gets every version from the store
  std::unique_ptr<Store> reopened;
  if constexpr (K::durable) {
    store.reset();
    reopened = kind.reopen();
  }
  Store& s = reopened ? *reopened : *store;
  Engine again(s, clock, calendar_2025());
  CHECK(restore_definitions(again, s) == s.definitions().size());
  CHECK(again.state(id).value() == moved);
  CHECK(again.audit_trail(id).value().size() == trail);
  CHECK(again.view(fresh)->version == v2);
  auto newest = again.open_case({"o3", applicant, "mini", "", {}, {}});
  REQUIRE(newest);
  CHECK(again.view(newest->case_id)->version == s.definitions().back().version);
}
