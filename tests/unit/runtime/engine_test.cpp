// The engine's API beyond the scenario scripts: store contract, optimistic concurrency between
// engines sharing a store, reload from the log, definition versions, time order of timers,
// corrupt logs, post-check sampling and masking.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <utility>

#include "test_support.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;

namespace {

CompiledBundle restaurant(std::string version = "") {
  SourceMap sources;
  auto loaded = yaml::load_file(sources, test::source_dir() + "/bundles/national/open_restaurant.yaml");
  REQUIRE(loaded.bundle);
  if (!version.empty()) loaded.bundle->version = version;
  auto result = compile(std::move(*loaded.bundle));
  REQUIRE(result.compiled);
  return *result.compiled;
}

Calendar calendar_2025() {
  SourceMap sources;
  auto y = yaml::load_calendar_file(sources, test::source_dir() + "/bundles/calendars/cn-2025.yaml");
  REQUIRE(y.year);
  return Calendar({*y.year});
}

Instant at(const char* date, int hour, int minute = 0) {
  return Calendar{}.at(*parse_date(date), hour * 60 + minute);
}

const Actor corp = Actor::applicant("corp-1");
const Actor clerk = Actor::staff("wang", "service_center", "clerk");
const Actor li = Actor::staff("li", "market_regulation", "reviewer");
const Actor zhou = Actor::staff("zhou", "market_regulation", "section_chief");

OpenCase open_plain(std::string key) {
  return {std::move(key), corp, "open_restaurant", "", {{"outdoor_sign", false}, {"crowded_venue", false}}, {}};
}

Command cmd(std::string key, Actor actor, CommandBody body) { return {std::move(key), std::move(actor), std::move(body)}; }

/// Runs a plain case (licence check and food licence) to issuance.
CaseId run_to_issuance(Engine& engine, const std::string& prefix) {
  auto opened = engine.open_case(open_plain(prefix + "open"));
  REQUIRE(opened);
  const CaseId id = opened->case_id;
  REQUIRE(engine.execute(id, cmd(prefix + "1", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}})));
  REQUIRE(engine.execute(id, cmd(prefix + "2", clerk, Accept{})));
  REQUIRE(engine.execute(id, cmd(prefix + "3", li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "4", li, Sign{"food_licence", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "5", zhou, Sign{"food_licence", Decision::approve, "", {}, std::nullopt})));
  REQUIRE(engine.execute(id, cmd(prefix + "6", clerk, Issue{})));
  return id;
}

/// A store that forwards to a MemoryStore and records the time of every append.
class RecordingStore final : public Store {
 public:
  CaseId allocate_case_id() override { return inner.allocate_case_id(); }
  AppendStatus append(CaseId id, std::uint64_t v, const Commit& c, std::span<const Event> e,
                      std::optional<Instant> due) override {
    if (before_append) std::exchange(before_append, nullptr)();  // lets a test slip in another writer
    auto st = inner.append(id, v, c, e, due);
    if (st == AppendStatus::ok) times.push_back(c.at);
    return st;
  }
  std::optional<StoredCase> load(CaseId id) const override { return corrupt ? broken() : inner.load(id); }
  std::optional<CommandRecord> find_command(std::string_view k) const override { return inner.find_command(k); }
  std::vector<DueCase> due(Instant until, std::size_t limit) const override { return inner.due(until, limit); }
  std::optional<std::uint64_t> version(CaseId id) const override { return inner.version(id); }

  MemoryStore inner;
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

TEST_CASE("store.memory.appends_are_guarded_by_version_and_command_id") {
  MemoryStore store;
  const CaseId id = store.allocate_case_id();
  CHECK(store.allocate_case_id() != id);
  const Event opened = CaseOpened{"b", "1", "a", {true}};
  const Commit c1{"k1", 7, corp, CommandKind::open, at("2025-03-03", 9), 1, 1};
  CHECK(store.append(id, 0, c1, std::span(&opened, 1), std::nullopt) == AppendStatus::ok);
  // the command id is checked first: a retry of an applied command is a duplicate, whatever version it expects
  CHECK(store.append(id, 0, c1, std::span(&opened, 1), std::nullopt) == AppendStatus::duplicate);
  Commit c2 = c1;
  c2.command_id = "k9";
  CHECK(store.append(id, 0, c2, std::span(&opened, 1), std::nullopt) == AppendStatus::conflict);
  c2.command_id = "k1";
  c2.first_version = 2;
  CHECK(store.append(id, 1, c2, std::span(&opened, 1), std::nullopt) == AppendStatus::duplicate);
  CHECK(store.load(id)->version() == 1);
  CHECK_FALSE(store.load(CaseId{999}));
  auto rec = store.find_command("k1");
  REQUIRE(rec);
  CHECK(rec->case_id == id);
  CHECK(rec->commit.fingerprint == 7);
  CHECK(rec->events.size() == 1);
  CHECK_FALSE(store.find_command("k2"));
  // a commit whose header does not match its events is an infrastructure error
  c2.command_id = "k3";
  c2.first_version = 5;
  CHECK_THROWS_AS((void)store.append(id, 1, c2, std::span(&opened, 1), std::nullopt), StoreError);
  CHECK(store.load(id)->version() == 1);
}

TEST_CASE("store.memory.due_cases_come_earliest_first_and_move_with_each_append") {
  MemoryStore store;
  const Event e = CaseOpened{"b", "1", "a", {true}};
  const CaseId a = store.allocate_case_id(), b = store.allocate_case_id();
  CHECK(store.append(a, 0, {"a1", 0, corp, CommandKind::open, {}, 1, 1}, std::span(&e, 1), at("2025-03-05", 9)) == AppendStatus::ok);
  CHECK(store.append(b, 0, {"b1", 0, corp, CommandKind::open, {}, 1, 1}, std::span(&e, 1), at("2025-03-04", 9)) == AppendStatus::ok);
  auto due = store.due(at("2025-03-06", 0), 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].id == b);
  CHECK(due[1].id == a);
  CHECK(store.due(at("2025-03-04", 12), 10).size() == 1);
  CHECK(store.due(at("2025-03-06", 0), 1).size() == 1);
  // b's next timer moves past a's; then b has none
  CHECK(store.append(b, 1, {"b2", 0, corp, CommandKind::submit, {}, 2, 1}, std::span(&e, 1), at("2025-03-07", 9)) == AppendStatus::ok);
  CHECK(store.due(at("2025-03-06", 0), 10) == std::vector<DueCase>{{at("2025-03-05", 9), a}});
  CHECK(store.append(b, 2, {"b3", 0, corp, CommandKind::submit, {}, 3, 1}, std::span(&e, 1), std::nullopt) == AppendStatus::ok);
  CHECK(store.due(at("2030-01-01", 0), 10).size() == 1);
}

TEST_CASE("engine.reload.a_dropped_cache_is_rebuilt_from_the_log") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  auto opened = engine.open_case(open_plain("o"));
  REQUIRE(opened);
  REQUIRE(engine.execute(opened->case_id, cmd("s", corp, Submit{{"premises_proof", "layout_plan"}, {}})));
  REQUIRE(engine.execute(opened->case_id, cmd("a", clerk, AcceptWithDeficiency{})));
  const CaseState live = engine.state(opened->case_id).value();
  CHECK(engine.live_cases() == 1);
  engine.drop_cache();
  CHECK(engine.live_cases() == 0);
  CHECK(engine.state(opened->case_id).value() == live);
  // and a second engine on the same store sees the same case
  Engine other(store, clock, calendar_2025());
  REQUIRE(other.deploy(restaurant()));
  CHECK(other.state(opened->case_id).value() == live);
}

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
