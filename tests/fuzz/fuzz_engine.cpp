// libFuzzer target: the engine's command interface. The input is decoded into a sequence of
// operations (open a case, run a command on it, move the clock, migrate, snapshot and verify,
// drop the cache, deploy a new version, fire timers) on 开办餐饮店 (bundles/national/
// open_restaurant.yaml, compiled once) with the official calendars and an in-memory store.
// After every operation the target checks invariants that are cheap to check, and aborts when
// one does not hold:
//  - a refused command changes nothing, a terminal case refuses every command, and a command
//    on an unknown case is refused;
//  - an applied command advances the case's version by the number of its events;
//  - a retried command (same id, same content) is `duplicate_command` with the first outcome;
//  - replaying the stored log (or reloading the case after dropping the cache) gives exactly
//    the live state; verify() agrees with the log;
//  - views and audit trails of every case can be built.
//
// Encoding (stable: the seed corpus in tests/fuzz/corpus/engine/ uses it). Each operation
// starts with a byte `op % 16`; its arguments follow, one byte each; reads past the end give 0.
//   0        open:    flags, version, id
//   1..9     command: case, kind (of 24: the 14 case commands, then the 10 approval
//            operations of docs/approvals.md), actor, arguments of the kind, id
//   10       clock:   hours (the clock moves forward that many hours, timers fire)
//   11       migrate: case, version, actor, id
//   12       snapshot the case and verify it: case
//   13       drop the engine's cache (states are reloaded from the store)
//   14       deploy the next version (2024.2 changes a promised limit, 2024.3 a review)
//   15       fire timers: case, limit (limit odd: one case's timers; even: a worker round)
// A case byte picks among the cases opened so far, one past them is an unknown case. An id
// byte below 0x40 reuses an earlier command id (a retry or a reused key), otherwise the id is
// new. An actor byte below 0x80 picks the actor the command needs (the applicant, the front
// desk, the next signer of the item), otherwise one of a fixed cast, right or wrong.
// With YISHI_FUZZ_TRACE set, each command and its outcome are printed (to read a crash).
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "yishi/runtime/engine.hpp"
#include "yishi/store/memory_store.hpp"

using namespace yishi;
using yishi::fuzz::Bytes;

namespace {

// Ids by index, each list ending with ids the bundle does not have.
constexpr std::array<const char*, 6> item_ids{"licence_check", "food_licence", "outdoor_sign",
                                              "fire_check",    "nope",         ""};
constexpr std::array<const char*, 8> material_ids{"business_licence",  "premises_proof",      "layout_plan",
                                                  "food_safety_rules", "health_certificates", "sign_design",
                                                  "fire_safety_rules", "nope"};
constexpr std::array<const char*, 5> versions{"", "2024.1", "2024.2", "2024.3", "nope"};

struct Fixture {
  Calendar calendar;
  std::vector<CompiledBundle> bundles;  // 2024.1, then the versions deployed by operation 14
  Instant start{};
  std::vector<Actor> cast;

  Fixture() : calendar(fuzz::load_calendar()) {
    ir::Bundle b = fuzz::load_bundle("bundles/national/open_restaurant.yaml");
    // Every approval operation allowed on every step (docs/approvals.md), rejections back to
    // the applicant and the previous step, a supervisor where a section chief signs, reminders
    // on the food licence and an automatic approval of the fire check, so that the operations
    // and their timers run, not only their refusals.
    for (ir::Item& it : b.items) {
      ir::Approvals& ap = it.approvals;
      ap.allow.clear();
      for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
        ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
      for (const ir::Signer& s : it.review.signers)
        if (s.role == "section_chief") ap.supervisor = s.role;
      ap.reject_to = {ir::RejectTarget{}, ir::RejectTarget{ir::RejectTarget::Kind::previous, {}, {}}};
      if (it.id == "food_licence") ap.remind = ir::Reminders{ir::WorkDuration{0, 2}, ir::WorkDuration{0, 4}, 2, {}};
      if (it.id == "fire_check") ap.auto_decide = ir::AutoDecision{true, ir::WorkDuration{3, 0}, {}};
    }
    bundles.push_back(fuzz::compile_or_die(b));
    // 2024.2: the same review with a shorter promise, so a running case can move onto it.
    ir::Bundle v2 = b;
    v2.version = "2024.2";
    for (ir::Item& it : v2.items)
      if (it.id == "food_licence") it.promised = ir::WorkDuration{4, 0};
    bundles.push_back(fuzz::compile_or_die(v2));
    // 2024.3: the food licence reviewed by one signer, which a started case cannot move onto.
    ir::Bundle v3 = v2;
    v3.version = "2024.3";
    for (ir::Item& it : v3.items)
      if (it.id == "food_licence") it.review.signers.resize(1);
    bundles.push_back(fuzz::compile_or_die(v3));
    start = calendar.at(*parse_date("2026-02-12"), 9 * 60);  // the Thursday before the Spring Festival
    cast = {Actor::applicant("corp-1"),
            Actor::applicant("corp-2"),
            Actor::staff("wang", "service_center", "clerk"),
            Actor::staff("li", "market_regulation", "reviewer"),
            Actor::staff("zhou", "market_regulation", "section_chief"),
            Actor::staff("chen", "urban_management", "reviewer"),
            Actor::staff("sun", "fire_rescue", "inspector"),
            Actor::staff("qian", "fire_rescue", "section_chief"),
            Actor::staff("li", "fire_rescue", "inspector"),  // one person, two departments
            Actor::system(),
            Actor::staff("", "", "")};
  }

  [[nodiscard]] const CompiledBundle* bundle(const std::string& version) const {
    for (const CompiledBundle& c : bundles)
      if (c.bundle().version == version) return &c;
    return nullptr;
  }
};

void check(bool ok) {
  if (!ok) std::abort();
}

const bool tracing = std::getenv("YISHI_FUZZ_TRACE") != nullptr;

void trace(const std::string& what, CaseId id, const CommandResult& r) {
  if (!tracing) return;
  const auto n = static_cast<unsigned long long>(id.value);
  if (r) {
    std::fprintf(stderr, "case %llu: %s -> %zu event(s)\n", n, what.c_str(), r->events.size());
  } else {
    const std::string kind(to_string(r.error().kind));
    std::fprintf(stderr, "case %llu: %s -> %s: %s\n", n, what.c_str(), kind.c_str(), r.error().message.c_str());
  }
}

/// One fuzz input's world: a store, a clock, an engine and the commands run so far.
struct Run {
  const Fixture& f;
  MemoryStore store;
  ManualClock clock;
  std::unique_ptr<Engine> engine;
  std::vector<CaseId> cases;
  std::map<std::uint64_t, std::string> applicant_of;  // case → the applicant who opened it
  std::vector<std::string> ids;                       // command ids used so far
  std::size_t deployed = 1;
  int next_id = 0;
  // The last command applied, to retry it exactly.
  std::optional<std::pair<CaseId, Command>> last_command;
  std::optional<OpenCase> last_open;

  explicit Run(const Fixture& fixture, std::uint8_t seed) : f(fixture), clock(fixture.start) {
    EngineOptions o;
    o.post_check_rate = 0.5;
    o.seed = seed;
    engine = std::make_unique<Engine>(store, clock, f.calendar, o);
    check(engine->deploy(f.bundles[0]));
  }

  std::string command_id(Bytes& in) {
    const std::uint8_t b = in.byte();
    if (b < 0x40 && !ids.empty()) return ids[b % ids.size()];
    ids.push_back("c-" + std::to_string(next_id++));
    return ids.back();
  }

  std::optional<CaseId> pick_case(Bytes& in) {
    const std::size_t k = in.pick(cases.size() + 1);
    if (k == cases.size()) return std::nullopt;
    return cases[k];
  }

  std::vector<std::string> materials(std::uint8_t mask) const {
    std::vector<std::string> out;
    for (std::size_t m = 0; m < 7; ++m)
      if (mask >> m & 1) out.emplace_back(material_ids[m]);
    if (mask == 0xff) out.emplace_back(material_ids[7]);  // and an unknown one
    return out;
  }

  /// The actor a command needs, read from the case as it stands.
  Actor natural_actor(CaseId id, const CommandBody& body) {
    const CommandKind k = kind_of(body);
    switch (k) {
      case CommandKind::submit: case CommandKind::resubmit: case CommandKind::supply_material:
      case CommandKind::pledge: case CommandKind::withdraw: case CommandKind::rate: case CommandKind::remind:
        return Actor::applicant(applicant_of[id.value]);
      case CommandKind::accept: case CommandKind::accept_with_deficiency: case CommandKind::return_for_correction:
      case CommandKind::refuse: case CommandKind::issue:
        return f.cast[2];
      default: break;
    }
    const std::string item = std::visit(
        [](const auto& b) -> std::string {
          if constexpr (requires { b.item; }) return b.item;
          else return {};
        },
        body);
    auto view = engine->view(id);
    if (!view) return f.cast[3];
    const ItemView* it = view->item(item);
    if (!it) return f.cast[3];
    // Signing and the approval operations: the person of the first open slot (a supervisor
    // or another signer comes from the fixed cast).
    if (k == CommandKind::reclaim)  // whoever signed
      for (const SignerView& sv : it->signers)
        if (sv.decision) return Actor::staff(sv.signer, sv.department, sv.role);
    if (k == CommandKind::sign || (k > CommandKind::migrate && k != CommandKind::remove_signer))
      for (std::size_t slot = 0; slot < it->signers.size(); ++slot) {
        const SignerView& sv = it->signers[slot];
        if (sv.decision || sv.removed || (!sv.ready && it->status == ItemStatus::in_review)) continue;
        const std::string person = sv.assignee.empty() ? sv.role + "-" + std::to_string(slot) : sv.assignee;
        return Actor::staff(person, sv.department, sv.role);
      }
    return Actor::staff("head", it->department, "section_chief");
  }

  CommandBody body(Bytes& in) {
    auto item = [&] { return std::string(item_ids[in.pick(item_ids.size())]); };
    auto material = [&] { return std::string(material_ids[in.pick(material_ids.size())]); };
    auto slot = [&]() -> std::optional<std::uint32_t> {
      const std::uint8_t b = in.byte();
      if (b < 0xc0) return std::nullopt;
      return b & 3u;
    };
    auto person = [&](std::uint8_t b) { return b == 0 ? std::string() : "person-" + std::to_string(b % 4); };
    switch (in.pick(24)) {
      case 0: {
        const std::uint8_t provided = in.byte(), unavailable = in.byte();
        return Submit{materials(provided),
                      unavailable & 0x80 ? materials(unavailable & 0x7f) : std::vector<std::string>{}};
      }
      case 1: return Accept{};
      case 2: return AcceptWithDeficiency{};
      case 3: {
        const std::uint8_t mask = in.byte();
        return ReturnForCorrection{materials(mask), mask & 0x80 ? "" : "请补正"};
      }
      case 4: return Refuse{in.flag() ? "" : "不予受理"};
      case 5: return Resubmit{materials(in.byte())};
      case 6: {
        std::string it = item();
        const std::uint8_t who = in.byte();
        return Assign{std::move(it), who == 0 ? "" : "person-" + std::to_string(who % 4), slot()};
      }
      case 7: {
        Sign s;
        s.item = item();
        s.decision = static_cast<Decision>(in.pick(3));
        const std::uint8_t mask = in.byte();
        if (s.decision != Decision::approve) s.comment = mask & 0x80 ? "" : "意见";
        if (s.decision == Decision::ret) s.materials = materials(mask & 0x7f);
        s.slot = slot();
        return s;
      }
      case 8: return SupplyMaterial{material()};
      case 9: return Pledge{item()};
      case 10: {
        std::string it = item();
        const std::uint8_t b = in.byte();
        return PostCheck{std::move(it), (b & 1) != 0, b & 2 ? "核查" : ""};
      }
      case 11: return Withdraw{"撤回"};
      case 12: return Issue{};
      case 13: return Rate{static_cast<int>(in.pick(8)) - 1, ""};
      // The approval operations (docs/approvals.md); the restaurant bundle allows claim,
      // transfer and delegate by default, so the others exercise their refusals too.
      case 14: { std::string it = item(); return Claim{std::move(it), slot()}; }
      case 15: { std::string it = item(); return Unclaim{std::move(it), slot()}; }
      case 16:
      case 17: {
        const bool transfer = in.byte() & 1;
        std::string it = item();
        const std::uint8_t b = in.byte();
        std::string to = person(b), why = b & 0x80 ? "" : "转交";
        if (transfer) return Transfer{std::move(it), std::move(to), std::move(why), slot()};
        return Delegate{std::move(it), std::move(to), std::move(why), slot()};
      }
      case 18: {
        std::string it = item();
        const std::uint8_t b = in.byte();
        std::optional<Decision> advice;
        if (b % 4 != 3) advice = static_cast<Decision>(b % 4);
        return ResolveDelegation{std::move(it), advice, b & 0x80 ? "" : "意见", slot()};
      }
      case 19: {
        AddSigner a;
        a.item = item();
        const std::uint8_t b = in.byte();
        static constexpr std::array<const char*, 4> roles{"reviewer", "inspector", "section_chief", "no_such_role"};
        a.role = roles[b % 4];
        a.person = person(in.byte());
        a.position = static_cast<AddPosition>(in.pick(3));
        a.weight = 1 + static_cast<std::int32_t>(in.pick(3));
        if (b & 0x80) a.relative_to = b & 3u;
        a.comment = b & 0x40 ? "" : "加签";
        return a;
      }
      case 20: {
        std::string it = item();
        return RemoveSigner{std::move(it), static_cast<std::uint32_t>(in.pick(5)), in.flag() ? "" : "减签"};
      }
      case 21: {
        RejectBack r;
        r.item = item();
        const std::uint8_t b = in.byte();
        r.to = b % 3 == 0 ? "applicant" : (b % 3 == 1 ? "previous" : item());
        r.comment = b & 0x80 ? "" : "驳回";
        if (r.to == "applicant") r.materials = materials(in.byte() & 0x7f);
        r.slot = slot();
        return r;
      }
      case 22: { std::string it = item(); return Reclaim{std::move(it), slot(), in.flag() ? "" : "拿回"}; }
      default: { std::string it = item(); return Remind{std::move(it), "催办"}; }
    }
  }

  /// The stored log replays to the live state, with the public replay when the case never
  /// moved versions (it refuses migrations) and always through a reload from the store.
  void check_log(CaseId id) {
    auto live = engine->state(id);
    check(live.has_value());
    auto stored = store.load(id);
    check(stored.has_value());
    check(live->version == stored->events.size());
    const bool migrated = std::any_of(stored->events.begin(), stored->events.end(),
                                      [](const Event& e) { return std::holds_alternative<CaseMigrated>(e); });
    if (!migrated) {
      const CompiledBundle* b = f.bundle(live->bundle_version);
      check(b != nullptr);
      check(replay(*b, id, stored->commits, stored->events) == *live);
    }
  }

  void check_all() {
    for (CaseId id : cases) {
      check_log(id);
      check(engine->view(id).has_value());
      check(engine->audit_trail(id).has_value());
    }
  }

  void open(Bytes& in) {
    const std::uint8_t flags = in.byte();
    OpenCase o;
    o.bundle = "open_restaurant";
    o.version = versions[in.pick(versions.size())];
    o.actor = flags & 0x80 ? f.cast[1] : f.cast[0];
    if (flags & 1) o.answers.emplace_back("sign.installed", (flags & 2) != 0);
    if (flags & 4) {
      constexpr std::array<double, 4> areas{20, 50, 120, 0.5};
      o.answers.emplace_back("premises.area_m2", areas[flags >> 3 & 3]);
    }
    if (flags & 0x20) o.answers.emplace_back("menu.categories", std::vector<std::string>{"hot_food", "raw_food"});
    if (flags & 0x40) o.situations.emplace_back("outdoor_sign", (flags & 2) == 0);
    o.id = command_id(in);
    const bool retry = last_open && (flags & 0x18) == 0x18 && (flags & 0x07) == 0x07;
    if (retry) o = *last_open;
    auto r = engine->open_case(o);
    trace("open " + o.id + " by " + o.actor.id, r ? r->case_id : CaseId{}, r);
    if (retry) {
      check(!r && r.error().kind == ErrorKind::duplicate_command && r.error().original);
      return;
    }
    if (!r) return;
    check(r->version == 1);
    if (std::find(cases.begin(), cases.end(), r->case_id) == cases.end()) cases.push_back(r->case_id);
    applicant_of[r->case_id.value] = o.actor.id;
    last_open = o;
    check_log(r->case_id);
  }

  void command(Bytes& in) {
    const std::optional<CaseId> target = pick_case(in);
    const CaseId id = target.value_or(CaseId{999'999});
    Command c;
    c.body = body(in);
    const std::uint8_t who = in.byte();
    c.id = command_id(in);
    const bool retry = last_command && who == 0x7f;
    if (retry) {
      c = last_command->second;
    } else {
      c.actor = who < 0x80 && target ? natural_actor(id, c.body) : f.cast[who % f.cast.size()];
    }
    const CaseId on = retry ? last_command->first : id;
    if (!target && !retry) {
      auto r = engine->execute(on, c);
      trace(std::string(to_string(kind_of(c.body))) + " " + c.id + " on no case", on, r);
      // Refused (as unknown_case, or earlier for what the command is), and nothing created.
      check(!r && !store.version(on));
      return;
    }
    engine->advance_to(clock.now());  // so that the state before is the state the command meets
    const CaseState before = engine->state(on).value();
    auto r = engine->execute(on, c);
    trace(std::string(to_string(kind_of(c.body))) + " " + c.id + " by " + c.actor.id + " (" + c.actor.role + ")", on,
          r);
    const CaseState after = engine->state(on).value();
    if (retry) check(!r && r.error().kind == ErrorKind::duplicate_command && r.error().original);
    if (is_terminal(before.status)) check(!r);
    if (!r) {
      check(after == before);
    } else {
      check(after.version == before.version + r->events.size());
      check(r->version == after.version);
      last_command = std::pair{on, c};
    }
    check_log(on);
  }

  void migrate(Bytes& in) {
    const std::optional<CaseId> target = pick_case(in);
    MigrateCase m;
    m.version = versions[in.pick(versions.size())];
    const std::uint8_t who = in.byte();
    m.actor = who < 0x80 ? f.cast[2] : f.cast[who % f.cast.size()];
    m.id = command_id(in);
    if (!target) return;
    engine->advance_to(clock.now());
    const CaseState before = engine->state(*target).value();
    auto r = engine->migrate(*target, m);
    trace("migrate to " + m.version, *target, r);
    const CaseState after = engine->state(*target).value();
    if (!r) check(after == before);
    else check(after.version == before.version + r->events.size());
    check_log(*target);
  }

  void step(Bytes& in) {
    const std::size_t op = in.byte() % 16;
    if (op == 0) {
      open(in);
    } else if (op <= 9) {
      command(in);
    } else if (op == 10) {
      clock.advance_to(clock.now() + std::chrono::hours(in.byte()));
      engine->advance_to(clock.now());
      check_all();
    } else if (op == 11) {
      migrate(in);
    } else if (op == 12) {
      if (const auto id = pick_case(in)) {
        check(engine->snapshot(*id).has_value());
        auto v = engine->verify(*id);
        check(v.has_value() && *v);
      }
    } else if (op == 13) {
      std::vector<CaseState> before;
      for (CaseId id : cases) before.push_back(engine->state(id).value());
      engine->drop_cache();
      for (std::size_t k = 0; k < cases.size(); ++k) check(engine->state(cases[k]).value() == before[k]);
    } else if (op == 14) {
      if (deployed < f.bundles.size()) check(engine->deploy(f.bundles[deployed++]));
    } else {
      const std::optional<CaseId> id = pick_case(in);
      const std::uint8_t limit = in.byte();
      if (limit & 1) {
        if (id) (void)engine->fire_timers(*id, clock.now());
      } else {
        (void)engine->fire_due("worker", clock.now(), limit >> 1, std::chrono::milliseconds(1000));
      }
      check_all();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  Bytes in(data, size);
  Run run(fixture, in.byte());
  // Bounded: a long input is many operations, and each checks a whole log.
  for (int op = 0; op < 256 && !in.empty(); ++op) run.step(in);
  run.check_all();
  return 0;
}
