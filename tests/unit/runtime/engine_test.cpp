// The engine's API beyond the scenario scripts: store contract, optimistic concurrency between
// engines sharing a store, reload from the log, definition versions, time order of timers,
// corrupt logs, post-check sampling and masking.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <utility>

#include "forwarding_store.hpp"
#include "restaurant_case.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// A store that forwards to a MemoryStore and records the time of every append.
class RecordingStore final : public ForwardingStore {
 public:
  AppendStatus append(CaseId id, std::uint64_t v, const Commit& c, std::span<const Event> e,
                      std::optional<Instant> due) override {
    if (before_append) std::exchange(before_append, nullptr)();  // lets a test slip in another writer
    auto st = inner.append(id, v, c, e, due);
    if (st == AppendStatus::ok) times.push_back(c.at);
    return st;
  }
  std::optional<StoredCase> load(CaseId id) const override { return corrupt ? broken() : inner.load(id); }

  std::vector<Instant> times;
  bool corrupt = false;
  std::function<void()> before_append;

 private:
  static std::optional<StoredCase> broken() {
    StoredCase s;
    s.id = CaseId{1};
    s.commits.push_back(Commit{"x", 0, Actor::system(), CommandKind::submit, {}, 1, 1});
    s.events.push_back(Submitted{});
    return s;
  }
};

}  // namespace

TEST_CASE("engine.concurrency.a_stale_engine_reloads_and_retries") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine first(store, clock, calendar_2025()), second(store, clock, calendar_2025());
  REQUIRE(first.deploy(restaurant()));
  REQUIRE(second.deploy(restaurant()));
  auto opened = first.open_case(open_plain("o"));
  REQUIRE(opened);
  const CaseId id = opened->case_id;
  REQUIRE(first.execute(id, cmd("s", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}})));
  CHECK(second.state(id).value().status == CaseStatus::submitted);  // second caches the case now
  REQUIRE(first.execute(id, cmd("a", clerk, Accept{})));            // second's cache is stale
  auto signed_ = second.execute(id, cmd("l", li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt}));
  REQUIRE_MESSAGE(signed_, signed_.error().message);
  CHECK(store.load(id)->version() == signed_->version);
  // both engines agree once first reloads
  first.drop_cache();
  CHECK(first.state(id).value() == second.state(id).value());
  // a stale engine's command that no longer fits is refused after the reload, not applied
  REQUIRE(second.execute(id, cmd("w", corp, Withdraw{"改变计划"})));
  auto late = first.execute(id, cmd("l2", li, Sign{"food_licence", Decision::approve, "", {}, std::nullopt}));
  REQUIRE_FALSE(late);
  CHECK(late.error().kind == ErrorKind::invalid_transition);
}

TEST_CASE("engine.concurrency.a_retry_racing_its_original_gets_the_original_outcome") {
  RecordingStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine first(store, clock, calendar_2025()), second(store, clock, calendar_2025());
  REQUIRE(first.deploy(restaurant()));
  REQUIRE(second.deploy(restaurant()));
  const CaseId id = first.open_case(open_plain("o"))->case_id;
  REQUIRE(first.execute(id, cmd("s", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}})));
  REQUIRE(second.state(id).value().status == CaseStatus::submitted);  // second holds version 2
  // second decides on its cached state; just before it appends, first applies the same command
  std::optional<CommandResult> original;
  store.before_append = [&] { original = first.execute(id, cmd("k", clerk, Accept{})); };
  auto retry = second.execute(id, cmd("k", clerk, Accept{}));
  REQUIRE(original);
  REQUIRE(*original);
  REQUIRE_FALSE(retry);
  CHECK(retry.error().kind == ErrorKind::duplicate_command);
  REQUIRE(retry.error().original);
  CHECK(*retry.error().original == **original);
  CHECK(store.load(id)->version() == (*original)->version);
}

TEST_CASE("engine.versions.a_case_stays_on_the_definition_it_opened_with") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant("2024.1")));
  auto old_case = engine.open_case(open_plain("o1"));
  REQUIRE(old_case);
  REQUIRE(engine.deploy(restaurant("2025.1")));
  auto new_case = engine.open_case(open_plain("o2"));
  REQUIRE(new_case);
  CHECK(engine.view(old_case->case_id).value().version == "2024.1");
  CHECK(engine.view(new_case->case_id).value().version == "2025.1");
  OpenCase pinned = open_plain("o3");
  pinned.version = "2024.1";
  CHECK(engine.view(engine.open_case(pinned)->case_id).value().version == "2024.1");
  pinned.id = "o4";
  pinned.version = "1999";
  auto missing = engine.open_case(pinned);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::unknown_bundle);
  // the same id and version with a different definition is refused
  auto changed = restaurant("2024.1").bundle();
  changed.items.pop_back();
  auto recompiled = compile(std::move(changed));
  REQUIRE(recompiled.compiled);
  CHECK_FALSE(engine.deploy(*recompiled.compiled));
  CHECK(engine.deploy(restaurant("2024.1")));  // the same definition again is fine
  // an engine that lacks the case's definition says so
  Engine bare(store, clock, calendar_2025());
  auto unknown = bare.view(old_case->case_id);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::unknown_bundle);
  CHECK(bare.view(CaseId{4242}).error().kind == ErrorKind::unknown_case);
}

TEST_CASE("engine.commands.keys_and_actors_are_validated_first") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  CHECK(engine.open_case(open_plain("")).error().kind == ErrorKind::invalid_argument);
  const CaseId id = engine.open_case(open_plain("o"))->case_id;
  CHECK(engine.execute(id, cmd("", corp, Submit{})).error().kind == ErrorKind::invalid_argument);
  CHECK(engine.execute(id, cmd("t", Actor::system(), Submit{})).error().kind == ErrorKind::not_authorised);
  CHECK(engine.execute(CaseId{99}, cmd("u", corp, Submit{})).error().kind == ErrorKind::unknown_case);
  auto dup = engine.open_case(open_plain("o"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().kind == ErrorKind::duplicate_command);
  REQUIRE(dup.error().original);
  CHECK(dup.error().original->case_id == id);
  CHECK(dup.error().original->events.size() == 1);
  CHECK(store.case_count() == 1);
}

TEST_CASE("engine.options.return_events_off_leaves_results_empty_and_records_the_same") {
  // Two engines run the same commands; one returns the events, the other only records them.
  MemoryStore with_store, without_store;
  ManualClock clock(at("2025-03-03", 10));
  EngineOptions quiet;
  quiet.return_events = false;
  Engine with(with_store, clock, calendar_2025());
  Engine without(without_store, clock, calendar_2025(), quiet);
  REQUIRE(with.deploy(restaurant()));
  REQUIRE(without.deploy(restaurant()));
  const auto a = with.open_case(open_plain("o"));
  const auto b = without.open_case(open_plain("o"));
  REQUIRE(a);
  REQUIRE(b);
  CHECK_FALSE(a->events.empty());
  CHECK(b->events.empty());
  CHECK(a->version == b->version);
  const auto sa = with.execute(a->case_id, cmd("s", corp, Submit{{"premises_proof", "layout_plan"}, {}}));
  const auto sb = without.execute(b->case_id, cmd("s", corp, Submit{{"premises_proof", "layout_plan"}, {}}));
  REQUIRE(sa);
  REQUIRE(sb);
  CHECK(sb->events.empty());
  CHECK(sa->version == sb->version);
  const auto la = with_store.load(a->case_id), lb = without_store.load(b->case_id);
  REQUIRE(la);
  REQUIRE(lb);
  CHECK(la->events == lb->events);
  // A repeated command still reports the original outcome, with its events, from the store.
  const auto again = without.execute(b->case_id, cmd("s", corp, Submit{{"premises_proof", "layout_plan"}, {}}));
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::duplicate_command);
  REQUIRE(again.error().original);
  CHECK(again.error().original->events == sa->events);
}

TEST_CASE("engine.timers.advance_to_fires_across_cases_in_time_order") {
  RecordingStore store;
  ManualClock clock(at("2025-03-03", 9));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  // cases accepted at different hours: their deadlines interleave
  for (int k = 0; k < 6; ++k) {
    clock.set(at("2025-03-03", 9 + k));
    const std::string p = std::to_string(k);
    const CaseId id = engine.open_case(open_plain("o" + p))->case_id;
    REQUIRE(engine.execute(id, cmd("s" + p, corp, Submit{{"premises_proof", "layout_plan"}, {}})));
    REQUIRE(engine.execute(id, cmd("a" + p, clerk, AcceptWithDeficiency{})));
  }
  store.times.clear();
  const std::size_t fired = engine.advance_to(at("2025-03-20", 0));
  // per case: licence_check overdue (即办) at 18:00, then the first lapse revokes the
  // essential food licence and the rejected case has no timer left
  CHECK(fired == 6 * 2);
  CHECK(store.times.size() == fired);
  CHECK(std::is_sorted(store.times.begin(), store.times.end()));
  CHECK(clock.now() == at("2025-03-20", 0));
  CHECK(engine.advance_to(at("2025-03-20", 0)) == 0);
}

TEST_CASE("engine.timers.fire_timers_fires_one_case_only_each_at_its_instant") {
  RecordingStore store;
  ManualClock clock(at("2025-03-03", 9));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  std::vector<CaseId> ids;
  for (int k = 0; k < 2; ++k) {
    const std::string p = std::to_string(k);
    ids.push_back(engine.open_case(open_plain("o" + p))->case_id);
    REQUIRE(engine.execute(ids.back(), cmd("s" + p, corp, Submit{{"premises_proof", "layout_plan"}, {}})));
    REQUIRE(engine.execute(ids.back(), cmd("a" + p, clerk, AcceptWithDeficiency{})));
  }
  store.times.clear();
  CHECK(engine.fire_timers(ids[0], at("2025-03-03", 17)) == 0);  // nothing due yet
  CHECK(engine.fire_timers(ids[0], at("2025-03-20", 0)) == 2);   // overdue, then the lapse
  CHECK(store.times == std::vector<Instant>{at("2025-03-03", 18), store.times[1]});
  CHECK(store.times[1] > at("2025-03-05", 0));
  CHECK(engine.view(ids[0])->status == CaseStatus::rejected);
  CHECK(engine.view(ids[1])->status == CaseStatus::accepted_with_deficiency);  // untouched
  CHECK(clock.now() == at("2025-03-03", 9));                                    // the clock did not move
  CHECK(engine.fire_timers(CaseId{99}, at("2025-03-20", 0)) == 0);              // no such case
}

TEST_CASE("engine.store_errors.a_corrupt_log_is_a_store_error_not_a_crash") {
  RecordingStore store;
  ManualClock clock(at("2025-03-03", 9));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  store.corrupt = true;
  CHECK_THROWS_AS((void)engine.view(CaseId{1}), StoreError);
  const CompiledBundle cb = restaurant();
  const std::vector<Commit> commits{Commit{"x", 0, corp, CommandKind::open, {}, 1, 1}};
  const std::vector<Event> wrong{CaseOpened{"b", "1", "a", {true}}};  // one item; the bundle has four
  CHECK_THROWS_AS((void)replay(cb, CaseId{1}, commits, wrong), std::invalid_argument);
  const std::vector<Event> gap{CaseOpened{"b", "1", "a", {true, true, true, true}}, Submitted{}};
  CHECK_THROWS_AS((void)replay(cb, CaseId{1}, commits, gap), std::invalid_argument);
}

TEST_CASE("engine.memory.a_live_case_fits_in_two_kibibytes") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 9));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  OpenCase all = open_plain("o");
  all.situations = {{"outdoor_sign", true}, {"crowded_venue", true}};
  const CaseId id = engine.open_case(all)->case_id;
  REQUIRE(engine.execute(id, cmd("s", corp, Submit{{"premises_proof", "layout_plan", "sign_design"}, {}})));
  REQUIRE(engine.execute(id, cmd("a", clerk, AcceptWithDeficiency{})));
  REQUIRE(engine.execute(id, cmd("l", li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt})));
  CHECK(engine.live_cases() == 1);
  CHECK(engine.live_state_bytes() <= 2048);
  // finished cases leave memory
  const CaseId done = run_to_issuance(engine, "x");
  REQUIRE(engine.execute(done, cmd("r", corp, Rate{5, ""})));
  CHECK(engine.state(done).value().status == CaseStatus::closed);
  CHECK(engine.live_cases() == 1);
}

TEST_CASE("engine.pledge.post_check_draw_is_seeded_and_follows_the_rate") {
  // Through the engine: the same seed draws the same way; the share drawn follows the rate.
  auto drawn = [](std::uint64_t seed, double rate, int cases) {
    MemoryStore store;
    ManualClock clock(at("2025-03-03", 9));
    EngineOptions options;
    options.seed = seed;
    options.post_check_rate = rate;
    Engine engine(store, clock, calendar_2025(), options);
    REQUIRE(engine.deploy(restaurant()));
    std::vector<bool> out;
    for (int k = 0; k < cases; ++k) {
      const std::string p = std::to_string(k);
      const CaseId id = engine.open_case(open_plain("o" + p))->case_id;
      REQUIRE(engine.execute(id, cmd("p" + p, corp, Pledge{"food_licence"})));
      out.push_back(engine.view(id).value().item("food_licence")->post_check == PostCheckStatus::due);
    }
    return out;
  };
  const auto a = drawn(1, 0.3, 400), b = drawn(1, 0.3, 400), c = drawn(2, 0.3, 400);
  CHECK(a == b);
  CHECK(a != c);
  const auto share = static_cast<double>(std::count(a.begin(), a.end(), true)) / 400.0;
  CHECK(share > 0.22);
  CHECK(share < 0.38);
  const auto none = drawn(1, 0.0, 50), every = drawn(1, 1.0, 50);
  CHECK(std::count(none.begin(), none.end(), true) == 0);
  CHECK(std::count(every.begin(), every.end(), true) == 50);
}

TEST_CASE("engine.audit.the_trail_lists_who_what_when") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_to_issuance(engine, "k");
  auto trail = engine.audit_trail(id).value();
  REQUIRE(trail.size() == store.load(id)->version());
  CHECK(trail.front().event == "case_opened");
  CHECK(trail.front().actor == "corp-1");
  CHECK(trail.front().command == CommandKind::open);
  CHECK(trail.back().event == "issued");
  CHECK(trail.back().actor == "wang");
  CHECK(trail.back().command_id == "k6");
  for (std::size_t k = 0; k < trail.size(); ++k) CHECK(trail[k].version == k + 1);
}

TEST_CASE("mask.personal_data.identity_and_mobile_numbers") {
  CHECK(mask_personal_data("110101199003077777") == "110***********7777");
  CHECK(mask_personal_data("11010119900307777X") == "110***********777X");
  CHECK(mask_personal_data("身份证110101199003077777，电话13812345678。") ==
        "身份证110***********7777，电话138****5678。");
  CHECK(mask_personal_data("110101900307777") == "110********7777");  // 15-digit identity number
  CHECK(mask_personal_data("order 12345, 2025-10-01") == "order 12345, 2025-10-01");
  CHECK(mask_personal_data("23812345678") == "23812345678");          // not a mobile number
  CHECK(mask_personal_data("1381234567890") == "1381234567890");      // a longer number
  CHECK(mask_value("上海市浦东新区世纪大道100号") == "上*************号");
  CHECK(mask_value("王五") == "***");
}
