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

#include "yishi/yishi.hpp"

using namespace yishi;

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
    auto result = compile(random_bundle(rng));
    if (!result.compiled) {
      SourceMap none;
      FAIL("a generated bundle does not compile:\n" << render_text(result.diagnostics, none));
    }
    compiled.emplace(*result.compiled);
    options.post_check_rate = 0.5;
    options.seed = seed;
    engine = std::make_unique<Engine>(store, clock, Calendar{}, options);
    REQUIRE(engine->deploy(*compiled));
    actors.push_back(Actor::applicant("a1"));
    actors.push_back(Actor::applicant("a2"));
    actors.push_back(Actor::staff("clerk", "hall", "clerk"));
    for (int d = 0; d < 3; ++d)
      for (int r = 0; r < 3; ++r)
        for (int p = 0; p < 2; ++p)
          actors.push_back(Actor::staff(fmt::format("p{}{}{}", d, r, p), fmt::format("d{}", d), fmt::format("r{}", r)));
  }

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }

  std::string item_id() {
    if (chance(0.05)) return "nope";
    return compiled->bundle().items[pick(0, static_cast<int>(compiled->bundle().items.size()) - 1)].id;
  }
  std::string material_id() {
    if (chance(0.05)) return "nope";
    return compiled->bundle().materials[pick(0, static_cast<int>(compiled->bundle().materials.size()) - 1)].id;
  }
  std::vector<std::string> some_materials() {
    std::vector<std::string> out;
    for (const auto& m : compiled->bundle().materials)
      if (chance(0.8)) out.push_back(m.id);
    return out;
  }
  std::string comment() { return chance(0.9) ? "意见" : ""; }

  CommandBody random_body() {
    switch (pick(0, 17)) {
      case 0: return Submit{some_materials(), {}};
      case 1: case 2: return Accept{};
      case 3: return AcceptWithDeficiency{};
      case 4: return ReturnForCorrection{chance(0.5) ? std::vector<std::string>{material_id()} : std::vector<std::string>{}, comment()};
      case 5: return chance(0.2) ? CommandBody{Refuse{comment()}} : CommandBody{Resubmit{some_materials()}};
      case 6: return Assign{item_id(), fmt::format("p{}{}{}", pick(0, 2), pick(0, 2), pick(0, 1)), std::nullopt};
      case 7: case 8: case 9: case 10: {
        const int d = pick(0, 9);
        const Decision decision = d < 7 ? Decision::approve : d < 9 ? Decision::reject : Decision::ret;
        Sign s{item_id(), decision, decision == Decision::approve ? "" : comment(), {}, std::nullopt};
        if (decision == Decision::ret && chance(0.5)) s.materials.push_back(material_id());
        return s;
      }
      case 11: return SupplyMaterial{material_id()};
      case 12: return Pledge{item_id()};
      case 13: return PostCheck{item_id(), chance(0.7), comment()};
      case 14: return chance(0.15) ? CommandBody{Withdraw{"撤回"}} : CommandBody{Issue{}};
      case 15: return Rate{pick(0, 6), ""};
      case 16: return random_operation();
      default: return Accept{};
    }
  }

  std::optional<std::uint32_t> maybe_slot() {
    return chance(0.5) ? std::nullopt : std::optional<std::uint32_t>(static_cast<std::uint32_t>(pick(0, 4)));
  }
  std::string person() { return fmt::format("p{}{}{}", pick(0, 2), pick(0, 2), pick(0, 1)); }
  /// An approval operation with random arguments.
  CommandBody random_operation() {
    switch (pick(0, 9)) {
      case 0: return Claim{item_id(), maybe_slot()};
      case 1: return Unclaim{item_id(), maybe_slot()};
      case 2: return Transfer{item_id(), person(), comment(), maybe_slot()};
      case 3: return Delegate{item_id(), person(), comment(), maybe_slot()};
      case 4: {
        std::optional<Decision> advice;
        if (chance(0.6)) advice = static_cast<Decision>(pick(0, 2));
        return ResolveDelegation{item_id(), advice, comment(), maybe_slot()};
      }
      case 5:
        return AddSigner{item_id(), fmt::format("r{}", pick(0, 2)), chance(0.7) ? "" : fmt::format("d{}", pick(0, 3)),
                         chance(0.8) ? 1 : pick(0, 3), chance(0.5) ? "" : person(), static_cast<AddPosition>(pick(0, 2)),
                         maybe_slot(), comment()};
      case 6: return RemoveSigner{item_id(), static_cast<std::uint32_t>(pick(0, 4)), comment()};
      case 7: {
        const int k = pick(0, 3);
        return RejectBack{item_id(), k == 0 ? "applicant" : k == 1 ? "previous" : item_id(), comment(), {}, maybe_slot()};
      }
      case 8: return Reclaim{item_id(), maybe_slot(), comment()};
      default: return Remind{item_id(), comment()};
    }
  }

  /// Picks an actor that fits the command more often than chance would.
  Actor actor_for(const CommandBody& body) {
    if (chance(0.1)) return actors[static_cast<std::size_t>(pick(0, static_cast<int>(actors.size()) - 1))];
    const CommandKind k = kind_of(body);
    if (k == CommandKind::submit || k == CommandKind::resubmit || k == CommandKind::supply_material ||
        k == CommandKind::pledge || k == CommandKind::withdraw || k == CommandKind::rate)
      return actors[0];
    if (k == CommandKind::accept || k == CommandKind::accept_with_deficiency || k == CommandKind::refuse ||
        k == CommandKind::return_for_correction || k == CommandKind::issue)
      return actors[2];
    return actors[static_cast<std::size_t>(pick(3, static_cast<int>(actors.size()) - 1))];
  }

  /// A command that fits the case's state most of the time: drives cases deep into the
  /// lifecycle, where random commands alone rarely go.
  std::optional<Command> guided(CaseId id, int step) {
    const CaseView v = engine->view(id).value();
    Command c;
    c.id = fmt::format("g-{}", step);
    c.actor = actors[0];
    auto needed = [&](bool skip_deferrable) {
      std::vector<std::string> out;
      for (const MaterialView& m : v.materials) {
        const ir::Material* def = compiled->bundle().find_material(m.id);
        if (m.status != MaterialStatus::missing || !def->source.empty()) continue;
        if (skip_deferrable && def->deferrable && chance(0.6)) continue;
        out.push_back(m.id);
      }
      return out;
    };
    switch (v.status) {
      case CaseStatus::draft:
        c.body = Submit{needed(true), {}};
        return c;
      case CaseStatus::submitted:
        c.actor = actors[2];
        if (chance(0.08)) c.body = ReturnForCorrection{{}, "请补正"};
        else if (v.outstanding().empty()) c.body = Accept{};
        else c.body = AcceptWithDeficiency{};
        return c;
      case CaseStatus::returned_for_correction: {
        std::vector<std::string> ms;
        for (const NoticeView& n : v.notice) ms.insert(ms.end(), n.materials.begin(), n.materials.end());
        for (const auto& m : needed(false)) ms.push_back(m);
        std::sort(ms.begin(), ms.end());
        ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
        c.body = Resubmit{ms};
        return c;
      }
      case CaseStatus::accepted:
      case CaseStatus::accepted_with_deficiency: {
        if (v.ready_to_issue && chance(0.7)) {
          c.actor = actors[2];
          c.body = Issue{};
          return c;
        }
        for (const MaterialView& m : v.materials)
          if (m.status == MaterialStatus::deferred && chance(0.3)) {
            c.body = SupplyMaterial{m.id};
            return c;
          }
        std::vector<const ItemView*> reviewing;
        for (const ItemView& it : v.items)
          if (it.status == ItemStatus::in_review) reviewing.push_back(&it);
        if (reviewing.empty()) return std::nullopt;
        const ItemView& it = *reviewing[static_cast<std::size_t>(pick(0, static_cast<int>(reviewing.size()) - 1))];
        if (chance(0.25)) return guided_operation(it, c);
        for (const SignerView& sv : it.signers) {
          if (sv.decision || sv.removed) continue;
          std::string person = !sv.assignee.empty() ? sv.assignee : fmt::format("p{}{}{}", sv.department.back(), sv.role.back(), pick(0, 1));
          const int d = pick(0, 19);
          const Decision decision = d < 16 ? Decision::approve : d < 18 ? Decision::reject : Decision::ret;
          c.actor = Actor::staff(person, sv.department, sv.role);
          c.body = Sign{it.id, decision, decision == Decision::approve ? "" : "意见", {}, std::nullopt};
          return c;
        }
        return std::nullopt;
      }
      case CaseStatus::issued:
        for (const ItemView& it : v.items)
          if (it.post_check == PostCheckStatus::due) {
            c.actor = Actor::staff("checker", it.department, "inspector");
            c.body = PostCheck{it.id, chance(0.8), "核查"};
            return c;
          }
        for (const MaterialView& m : v.materials)
          if (m.status == MaterialStatus::deferred && chance(0.5)) {
            c.body = SupplyMaterial{m.id};
            return c;
          }
        c.body = Rate{pick(1, 5), ""};
        return c;
      default:
        return std::nullopt;
    }
  }

  /// An approval operation on an item in review, by an actor that fits it most of the time.
  std::optional<Command> guided_operation(const ItemView& it, Command c) {
    std::vector<const SignerView*> open, decided;
    for (const SignerView& sv : it.signers) {
      if (sv.removed) continue;
      (sv.decision ? decided : open).push_back(&sv);
    }
    auto holder = [&](const SignerView& sv) {
      const std::string who = !sv.assignee.empty() ? sv.assignee : fmt::format("p{}{}{}", sv.department.back(), sv.role.back(), pick(0, 1));
      return Actor::staff(who, sv.department, sv.role);
    };
    const ir::Item& def = *compiled->bundle().find_item(it.id);
    const Actor supervisor = Actor::staff("sup", def.department.id, def.approvals.supervisor.empty() ? "r0" : def.approvals.supervisor);
    for (const SignerView* sv : open)
      if (!sv->delegate.empty() && chance(0.6)) {  // advice, or a recall by the owner
        const bool recall = chance(0.3);
        c.actor = recall ? holder(*sv) : Actor::staff(sv->delegate, "d0", "advisor");
        c.body = ResolveDelegation{it.id, recall ? std::nullopt : std::optional(static_cast<Decision>(pick(0, 2))), "意见", sv->slot};
        return c;
      }
    switch (pick(0, 7)) {
      case 0: {
        if (open.empty()) return std::nullopt;
        const SignerView* chosen = open[static_cast<std::size_t>(pick(0, static_cast<int>(open.size()) - 1))];
        for (const SignerView* x : open)
          if (!x->assignee.empty()) chosen = x;  // assigned slots are the ones to release
        const SignerView& sv = *chosen;
        c.actor = holder(sv);
        if (!sv.assignee.empty() && chance(0.9)) c.body = Unclaim{it.id, sv.slot};
        else c.body = Claim{it.id, sv.slot};
        return c;
      }
      case 1: {
        if (open.empty()) return std::nullopt;
        const SignerView& sv = *open[static_cast<std::size_t>(pick(0, static_cast<int>(open.size()) - 1))];
        c.actor = chance(0.7) ? holder(sv) : supervisor;
        if (!sv.delegate.empty() && chance(0.7)) {
          c.actor = Actor::staff(sv.delegate, "d0", "advisor");
          c.body = ResolveDelegation{it.id, static_cast<Decision>(pick(0, 2)), "意见", sv.slot};
        } else if (chance(0.5)) {
          c.body = Transfer{it.id, person(), "转办", sv.slot};
        } else {
          c.body = Delegate{it.id, person(), "委派", sv.slot};
        }
        return c;
      }
      case 2: {
        if (open.empty()) return std::nullopt;
        const SignerView& sv = *open.front();
        c.actor = chance(0.7) ? holder(sv) : supervisor;
        c.body = AddSigner{it.id, sv.role, "", 1, "", static_cast<AddPosition>(pick(0, 2)), std::nullopt, "加签"};
        return c;
      }
      case 3: {
        if (open.empty()) return std::nullopt;
        const SignerView& sv = *open[static_cast<std::size_t>(pick(0, static_cast<int>(open.size()) - 1))];
        c.actor = supervisor;
        c.body = RemoveSigner{it.id, sv.slot, "减签"};
        return c;
      }
      case 4: case 5: {
        if (open.empty()) return std::nullopt;
        c.actor = holder(*open.front());
        std::string to = "applicant";
        if (!it.reject_targets.empty() && chance(0.8))
          to = it.reject_targets[static_cast<std::size_t>(pick(0, static_cast<int>(it.reject_targets.size()) - 1))];
        else if (chance(0.5)) to = chance(0.5) ? "previous" : item_id();
        c.body = RejectBack{it.id, to, "驳回", {}, std::nullopt};
        return c;
      }
      case 6: {
        // Take back the last decision on an item in review.
        if (decided.empty()) return std::nullopt;
        const SignerView& sv = *decided.back();
        c.actor = Actor::staff(sv.signer, sv.department, sv.role);
        c.body = Reclaim{it.id, sv.slot, "拿回"};
        return c;
      }
      default:
        c.actor = chance(0.5) ? actors[0] : actors[2];
        c.body = Remind{it.id, "催办"};
        return c;
    }
  }

  /// Reclaims on approved items: a signer of an approved item takes back their decision.
  std::optional<Command> reclaim_approved(const CaseView& v, Command c) {
    for (const ItemView& it : v.items) {
      if (it.status != ItemStatus::approved || !chance(0.3)) continue;
      for (const SignerView& sv : it.signers)
        if (sv.decision == Decision::approve) {
          c.actor = Actor::staff(sv.signer, sv.department, sv.role);
          c.body = Reclaim{it.id, sv.slot, "拿回"};
          return c;
        }
    }
    return std::nullopt;
  }

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
        OpenCase open{fmt::format("open-{}", step), actors[0], "random", "", {}, {}};
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
      } else if (chance(0.03) && (g = reclaim_approved(engine->view(id).value(), Command{fmt::format("r-{}", step), actors[0], Accept{}}))) {
        cmd = *g;
      } else if (chance(0.75) && (g = guided(id, step))) {
        cmd = *g;
      } else {
        cmd.body = random_body();
        cmd.actor = actor_for(cmd.body);
        cmd.id = fmt::format("c-{}", step);
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

  std::mt19937_64 rng;
  std::optional<CompiledBundle> compiled;
  MemoryStore store;
  ManualClock clock;
  EngineOptions options;
  std::unique_ptr<Engine> engine;
  std::vector<Actor> actors;
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
