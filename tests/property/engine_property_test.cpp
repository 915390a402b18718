// Property test: random command sequences (valid and not) on random compiled bundles never
// break the engine's invariants:
//  - replaying the stored log rebuilds exactly the live state;
//  - a refused command changes nothing; a repeated command id changes nothing;
//  - a terminal case accepts no command;
//  - within one review round an item is decided at most once, and nobody signs after;
//  - an issued or terminal case has no item still open; a terminal case has no timer.
// YISHI_PROPERTY_RUNS and YISHI_PROPERTY_SEED scale and reproduce a run.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <random>

#include "generators.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using property::CommandGen;

namespace {

/// How often each approval operation (claim … remind) was applied, over every run.
std::array<int, 10> operations_applied{};

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : fallback;
}

ir::Ref ref(std::string id) { return ir::Ref{std::move(id), {}}; }

/// Random approval operations (docs/approvals.md) for each item of `b`: a random set of
/// operations, a supervisor when one has something to do, rejection targets among the
/// item's ancestors (so the bundle still checks clean), policies, reminders and automatic
/// decisions.
void random_approvals(ir::Bundle& b, std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  const auto ancestors = ir::item_ancestors(b);
  for (std::size_t i = 0; i < b.items.size(); ++i) {
    ir::Item& it = b.items[i];
    if (chance(0.2)) continue;  // the defaults
    ir::Approvals& ap = it.approvals;
    ap.allow.clear();
    for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
      if (chance(0.7)) ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
    if ((ap.allows(ir::ApprovalOperation::add_signer) || ap.allows(ir::ApprovalOperation::remove_signer) ||
         ap.allows(ir::ApprovalOperation::transfer)) && chance(0.7))
      ap.supervisor = fmt::format("r{}", pick(0, 2));
    ap.reject_to.clear();
    if (chance(0.8)) ap.reject_to.push_back({});
    if (chance(0.4)) ap.reject_to.push_back({ir::RejectTarget::Kind::previous, {}, {}});
    for (std::uint32_t a : ancestors[i])
      if (chance(0.4)) ap.reject_to.push_back({ir::RejectTarget::Kind::item, ref(b.items[a].id), {}});
    if (ap.reject_to.empty() || chance(0.1)) ap.reject_to = {{ir::RejectTarget::Kind::any, {}, {}}};
    ap.siblings = static_cast<ir::SiblingPolicy>(pick(0, 2));
    ap.resume = static_cast<ir::ResumePolicy>(pick(0, 1));
    if (chance(0.3)) ap.remind = ir::Reminders{chance(0.5) ? std::optional(ir::WorkDuration{0, pick(1, 4)}) : std::nullopt,
                                               ir::WorkDuration{0, pick(2, 8)}, pick(1, 3), {}};
    if (chance(0.2)) ap.auto_decide = ir::AutoDecision{chance(0.6), chance(0.5) ? std::optional(ir::WorkDuration{pick(1, 3), 0}) : std::nullopt, {}};
  }
}

/// A random bundle that checks clean: 1–6 items over 3 departments, random `after` edges to
/// earlier items, random joins, situations, materials (core, deferrable, provider), pledges.
ir::Bundle random_bundle(std::mt19937_64& rng) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::bernoulli_distribution(p)(rng); };
  ir::Bundle b;
  b.id = "random";
  b.name = "随机";
  b.version = "1";
  b.lead = ref("d0");
  for (int d = 0; d < 3; ++d) b.departments.push_back({fmt::format("d{}", d), fmt::format("部门{}", d), "", {}});
  ir::Field f;
  f.id = "applicant.name";
  f.label = "姓名";
  b.fields.push_back(f);
  const int materials = pick(1, 5);
  for (int m = 0; m < materials; ++m) {
    ir::Material mat;
    mat.id = fmt::format("m{}", m);
    mat.name = fmt::format("材料{}", m);
    if (chance(0.35)) {
      mat.deferrable = ir::WorkDuration{pick(1, 3), 0};
      mat.issue_before_supply = chance(0.4);
    } else if (chance(0.2)) {
      mat.source = "provider";
    }
    b.materials.push_back(mat);
  }
  const int situations = pick(0, 2);
  for (int s = 0; s < situations; ++s)
    b.situations.push_back({fmt::format("s{}", s), "情形", ir::Expression{"applicant.name == \"x\"", {}, true}, "", {}});
  const int items = pick(1, 6);
  for (int i = 0; i < items; ++i) {
    ir::Item it;
    it.id = fmt::format("i{}", i);
    it.name = fmt::format("事项{}", i);
    it.department = ref(i == 0 ? "d0" : fmt::format("d{}", pick(0, 2)));
    it.form.push_back({ref("applicant.name"), std::nullopt});
    for (int m = 0; m < materials; ++m)
      if (chance(0.5) || (m == materials - 1 && it.materials.empty()))
        it.materials.push_back({ref(fmt::format("m{}", m)), !b.materials[m].deferrable && chance(0.3)});
    it.promised = {pick(0, 3), chance(0.2) ? pick(1, 4) : 0};
    it.statutory = {it.promised.days + pick(0, 5), 0};
    if (it.statutory < it.promised) it.statutory = it.promised;
    if (situations > 0 && chance(0.4))
      it.when.push_back(ir::Expression{fmt::format("{}s{}", chance(0.3) ? "not " : "", pick(0, situations - 1)), {}, true});
    for (int p = 0; p < i; ++p)
      if (chance(0.3)) it.after.push_back(ref(fmt::format("i{}", p)));
    const int signers = pick(1, 3);
    it.review.join = static_cast<ir::JoinKind>(pick(0, 3));
    int total = 0;
    for (int k = 0; k < signers; ++k) {
      ir::Signer s;
      s.role = fmt::format("r{}", pick(0, 2));
      if (chance(0.2)) s.department = ref(fmt::format("d{}", pick(0, 2)));
      s.weight = it.review.join == ir::JoinKind::vote ? pick(1, 3) : 1;
      total += s.weight;
      it.review.signers.push_back(s);
    }
    if (it.review.join == ir::JoinKind::vote) it.review.threshold = pick(1, total);
    it.pledge = chance(0.3);
    it.essential = chance(0.6);
    b.items.push_back(it);
  }
  random_approvals(b, rng);
  return b;
}

struct Harness {
  explicit Harness(std::uint64_t seed)
      : rng(seed), clock(Calendar{}.at(*parse_date("2025-03-03"), 9 * 60)) {
    auto result = compile(random_bundle(rng.engine()));
    if (!result.compiled) {
      SourceMap none;
      FAIL("a generated bundle does not compile:\n" << render_text(result.diagnostics, none));
    }
    compiled.emplace(*result.compiled);
    options.post_check_rate = 0.5;
    options.seed = seed;
    engine = std::make_unique<Engine>(store, clock, Calendar{}, options);
    REQUIRE(engine->deploy(*compiled));
    gen.emplace(rng, *compiled, /*approval_operations=*/true);
  }

  int pick(int lo, int hi) { return rng.pick(lo, hi); }
  bool chance(double p) { return rng.chance(p); }

  void check_log(CaseId id) {
    auto stored = store.load(id);
    REQUIRE(stored);
    const CaseState replayed = replay(*compiled, id, stored->commits, stored->events);
    const CaseState live = engine->state(id).value();
    REQUIRE_MESSAGE(replayed == live, "replay differs from the live state");
    CHECK(live.version == stored->events.size());
    // decided at most once per round (a rejection back is a decision; a reopened item is a
    // new round); no signature after the decision; every rejection back to a legal target
    std::map<std::uint32_t, int> decided;
    for (const Event& e : stored->events) {
      if (auto* s = std::get_if<ItemStarted>(&e)) decided[s->item] = 0;
      if (auto* s = std::get_if<ItemReopened>(&e)) decided[s->item] = 0;
      auto decide = [&](std::uint32_t item) { REQUIRE_MESSAGE(++decided[item] == 1, "an item decided twice in a round"); };
      if (auto* a = std::get_if<ItemApproved>(&e)) decide(a->item);
      if (auto* r = std::get_if<ItemRejected>(&e)) decide(r->item);
      if (auto* r = std::get_if<ItemReturned>(&e)) decide(r->item);
      if (auto* s = std::get_if<Signed>(&e)) REQUIRE_MESSAGE(decided[s->item] == 0, "a signature after the decision");
      if (auto* r = std::get_if<RejectedBack>(&e)) {
        decide(r->item);
        const Step& step = compiled->step(*compiled->step_of_item(compiled->bundle().items[r->item].id));
        const auto& legal = step.approvals.reject_to;
        const StepId target = *compiled->step_of_item(compiled->bundle().items[r->target].id);
        const bool declared = step.approvals.to_previous || std::find(legal.begin(), legal.end(), target) != legal.end();
        REQUIRE_MESSAGE(declared, "a rejection target the step does not declare");
        REQUIRE_MESSAGE(std::find(step.ancestors.begin(), step.ancestors.end(), target) != step.ancestors.end(),
                        "a rejection target that does not come before the step");
      }
    }
    // vote tallies equal the recorded signatures; the threshold follows the join
    const CaseView view = engine->view(id).value();
    for (const ItemView& iv : view.items) {
      const auto index = static_cast<std::size_t>(compiled->bundle().find_item(iv.id) - compiled->bundle().items.data());
      const ItemState& st = live.items[index];
      std::int32_t approve = 0, reject = 0, counting = 0;
      for (const SignerView& sv : iv.signers) {
        if (sv.removed) continue;
        ++counting;
        if (sv.decision == Decision::approve) approve += sv.weight;
        if (sv.decision == Decision::reject) reject += sv.weight;
      }
      if (st.status == ItemStatus::in_review || st.status == ItemStatus::approved || st.status == ItemStatus::rejected) {
        REQUIRE_MESSAGE(st.approve_weight == approve, "the approving weight differs from the signatures");
        REQUIRE_MESSAGE(st.reject_weight == reject, "the rejecting weight differs from the signatures");
      }
      if (st.status == ItemStatus::in_review) REQUIRE_MESSAGE(counting > 0, "an item in review without a counting signer");
    }
    if (live.status == CaseStatus::issued || is_terminal(live.status))
      for (const ItemState& it : live.items)
        REQUIRE_MESSAGE((it.status != ItemStatus::pending && it.status != ItemStatus::in_review &&
                         it.status != ItemStatus::returned),
                        "an item is open in a finished case");
    if (is_terminal(live.status)) CHECK_FALSE(engine->view(id).value().next_timer);
  }

  void run(int steps) {
    for (int step = 0; step < steps; ++step) {
      if (cases.empty() || chance(0.04)) {
        OpenCase open{fmt::format("open-{}", step), gen->actors()[0], "random", "", {}, {}};
        for (const auto& s : compiled->bundle().situations) open.situations.emplace_back(s.id, chance(0.5));
        auto r = engine->open_case(open);
        if (r) cases.push_back(r->case_id);
        continue;
      }
      if (chance(0.1)) {
        clock.advance_to(clock.now() + std::chrono::hours(pick(1, 60)));
        engine->advance_to(clock.now());
        for (CaseId id : cases) check_log(id);
        continue;
      }
      const CaseId id = cases[static_cast<std::size_t>(pick(0, static_cast<int>(cases.size()) - 1))];
      engine->advance_to(clock.now());  // so that a refused command is compared with the same state
      const CaseState before = engine->state(id).value();
      Command cmd;
      std::optional<Command> g;
      if (last && chance(0.05)) {
        cmd = *last;  // a retry: same id, same content
      } else if (chance(0.03) && (g = gen->reclaim_approved(engine->view(id).value(), fmt::format("r-{}", step)))) {
        cmd = *g;
      } else {
        cmd = gen->next(engine->view(id).value(), step);
      }
      auto r = engine->execute(id, cmd);
      const CaseState after = engine->state(id).value();
      if (is_terminal(before.status)) REQUIRE_MESSAGE(!r, "a terminal case accepted a command");
      if (!r) {
        REQUIRE_MESSAGE(after == before, "a refused command changed the case: " << r.error().message);
        if (last && cmd.id == last->id && last_case == id) CHECK(r.error().kind == ErrorKind::duplicate_command);
      } else {
        ++applied;
        const auto k = static_cast<std::size_t>(kind_of(cmd.body));
        if (k >= static_cast<std::size_t>(CommandKind::claim)) ++operations_applied[k - static_cast<std::size_t>(CommandKind::claim)];
        CHECK(after.version == before.version + r->events.size());
        last = cmd;
        last_case = id;
      }
      check_log(id);
    }
  }

  property::Rng rng;
  std::optional<CompiledBundle> compiled;
  MemoryStore store;
  ManualClock clock;
  EngineOptions options;
  std::unique_ptr<Engine> engine;
  std::optional<CommandGen> gen;  ///< guided and random commands, approval operations included
  std::vector<CaseId> cases;
  std::optional<Command> last;
  CaseId last_case;
  int applied = 0;
};

}  // namespace

TEST_CASE("engine.property.random_commands_on_random_bundles_keep_the_invariants") {
  const std::uint64_t seed = env_or("YISHI_PROPERTY_SEED", 20261121);
  const auto runs = static_cast<int>(env_or("YISHI_PROPERTY_RUNS", 400));
  int applied = 0, issued = 0;
  for (int run = 0; run < runs; ++run) {
    CAPTURE(seed + static_cast<std::uint64_t>(run));
    Harness h(seed + static_cast<std::uint64_t>(run));
    h.run(160);
    applied += h.applied;
    for (CaseId id : h.cases) {
      const auto st = h.engine->state(id).value().status;
      issued += st == CaseStatus::issued || st == CaseStatus::closed;
    }
  }
  // The generator must reach deep states, or the property says little.
  MESSAGE("commands applied: " << applied << ", cases issued or closed: " << issued);
  for (std::size_t k = 0; k < operations_applied.size(); ++k)
    MESSAGE(to_string(static_cast<CommandKind>(k + static_cast<std::size_t>(CommandKind::claim))) << " applied "
                                                                                           << operations_applied[k]);
  // Every approval operation must be exercised, or the property says nothing about it.
  for (int n : operations_applied) CHECK(n >= runs / 40);
  CHECK(applied > runs * 20);
  CHECK(issued > runs / 10);
}
