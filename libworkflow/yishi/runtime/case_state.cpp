// The fold: one apply per event, the only code that mutates a CaseState; and the plan it reads.
#include "yishi/runtime/case_state.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "yishi/runtime/internal/plan.hpp"

namespace yishi {
namespace runtime_internal {

Plan::Plan(CompiledBundle cb) : compiled(std::move(cb)) {
  const ir::Bundle& b = compiled.bundle();
  for (std::uint32_t s = 0; s < b.situations.size(); ++s) {
    situations.push_back(b.situations[s].id);
    situation_index.emplace(b.situations[s].id, s);
  }
  for (std::uint32_t m = 0; m < b.materials.size(); ++m) {
    const ir::Material& mat = b.materials[m];
    PlanMaterial pm;
    pm.id = mat.id;
    pm.name = mat.name;
    pm.deferrable = mat.deferrable;
    pm.from_provider = !mat.source.empty();
    pm.pledge = mat.pledge;
    pm.issue_before_supply = mat.issue_before_supply;
    materials.push_back(pm);
    material_index.emplace(mat.id, m);
  }
  for (std::uint32_t i = 0; i < b.items.size(); ++i) item_index.emplace(b.items[i].id, i);

  items.resize(b.items.size());
  for (std::uint32_t i = 0; i < b.items.size(); ++i) {
    const ir::Item& it = b.items[i];
    PlanItem& pi = items[i];
    pi.id = it.id;
    pi.name = it.name;
    pi.department = it.department.id;
    pi.pledge = it.pledge;
    pi.essential = it.essential;
    pi.promised = it.promised;
    for (const auto& mu : it.materials) {
      const std::uint32_t m = material_index.at(mu.material.id);
      pi.materials.push_back(m);
      materials[m].items.push_back(i);
    }
    const Step& step = compiled.step(*compiled.step_of_item(it.id));
    pi.join = step.join;
    pi.slot_begin = static_cast<std::uint32_t>(slots.size());
    pi.slot_count = static_cast<std::uint32_t>(step.signers.size());
    for (const StepSigner& s : step.signers) slots.push_back({s.role, s.department, s.weight});
    for (StepId p : step.predecessors) {
      const Step& ps = compiled.step(p);
      if (ps.kind == StepKind::review) pi.after.push_back(static_cast<std::uint32_t>(ps.item));
    }
  }
  for (std::uint32_t i = 0; i < items.size(); ++i)
    for (std::uint32_t p : items[i].after) items[p].dependents.push_back(i);
  for (std::uint32_t i = 0; i < b.items.size(); ++i) {
    const Step& step = compiled.step(*compiled.step_of_item(b.items[i].id));
    PlanItem& pi = items[i];
    for (StepId a : step.ancestors) pi.ancestors.push_back(static_cast<std::uint32_t>(compiled.step(a).item));
    std::sort(pi.ancestors.begin(), pi.ancestors.end());
    for (std::uint32_t a : pi.ancestors) items[a].descendants.push_back(i);
    pi.approvals = &step.approvals;
    for (StepId t : step.approvals.reject_to) pi.reject_to.push_back(static_cast<std::uint32_t>(compiled.step(t).item));
  }
  for (StepId s : compiled.topological_order()) {
    const Step& step = compiled.step(s);
    if (step.kind == StepKind::review) order.push_back(static_cast<std::uint32_t>(step.item));
  }
}

namespace {
std::optional<std::uint32_t> find_in(const IndexMap& map, std::string_view id) {
  auto it = map.find(id);
  if (it == map.end()) return std::nullopt;
  return it->second;
}
}  // namespace

std::optional<std::uint32_t> Plan::find_item(std::string_view id) const { return find_in(item_index, id); }
std::optional<std::uint32_t> Plan::find_material(std::string_view id) const { return find_in(material_index, id); }
std::optional<std::uint32_t> Plan::find_situation(std::string_view id) const { return find_in(situation_index, id); }

SlotInfo added_slot_info(const Plan& plan, const CaseState& state, std::uint32_t i, std::uint32_t k) {
  std::uint32_t rank = k - plan.items[i].slot_count;
  for (const AddedSigner& a : state.added)
    if (a.item == i && rank-- == 0) return {a.role, a.department, a.weight, &a.state, true, a.added_by};
  throw std::out_of_range("signer slot out of range");
}

bool slot_ready(const Plan& plan, const CaseState& state, std::uint32_t i, std::uint32_t k) {
  const SlotInfo me = slot_info(plan, state, i, k);
  if (slot_done(*me.state)) return false;
  const std::uint32_t n = slot_count(plan, state, i);
  for (std::uint32_t j = 0; j < n; ++j) {
    const SignerState& other = *slot_info(plan, state, i, j).state;
    if (!slot_done(other) && other.turn < me.state->turn) return false;
  }
  return true;
}

const Delegation* delegation_of(const CaseState& state, std::uint32_t i, std::uint32_t k) {
  for (const Delegation& d : state.delegations)
    if (d.item == i && d.slot == k) return &d;
  return nullptr;
}

std::vector<std::uint32_t> previous_steps(const Plan& plan, const CaseState& state, std::uint32_t i) {
  std::vector<std::uint32_t> found, stack(plan.items[i].after.begin(), plan.items[i].after.end());
  while (!stack.empty()) {
    const std::uint32_t j = stack.back();
    stack.pop_back();
    if (state.items[j].status == ItemStatus::inactive)
      stack.insert(stack.end(), plan.items[j].after.begin(), plan.items[j].after.end());
    else if (std::find(found.begin(), found.end(), j) == found.end())
      found.push_back(j);
  }
  std::sort(found.begin(), found.end());
  return found;
}

JoinNow join_now(const Plan& plan, const CaseState& state, std::uint32_t i) {
  const PlanItem& pi = plan.items[i];
  if (state.added.empty()) {  // the common case: the definition's figures, less removed slots
    JoinNow j{pi.join.total_weight, pi.join.threshold};
    bool removed = false;
    for (std::uint32_t k = 0; k < pi.slot_count; ++k) removed |= state.signers[pi.slot_begin + k].removed;
    if (!removed) return j;
  }
  JoinNow j;
  const std::uint32_t n = slot_count(plan, state, i);
  for (std::uint32_t k = 0; k < n; ++k) {
    const SlotInfo si = slot_info(plan, state, i, k);
    if (!si.state->removed) j.total_weight += si.weight;
  }
  switch (pi.join.kind) {
    case ir::JoinKind::all:
    case ir::JoinKind::sequence: j.threshold = j.total_weight; break;
    case ir::JoinKind::any: j.threshold = 1; break;
    case ir::JoinKind::vote: j.threshold = pi.join.threshold; break;
  }
  return j;
}

namespace {

[[noreturn]] void bad_event(std::string_view what) {
  throw std::invalid_argument("event does not fit the case: " + std::string(what));
}

class Applier {
 public:
  Applier(CaseState& s, const Plan& p, Instant at) : s_(s), p_(p), at_(at) {}

  void operator()(const CaseOpened& e) {
    if (s_.version != 0) bad_event("case_opened after the start");
    if (e.active.size() != p_.items.size()) bad_event("case_opened for another bundle");
    s_.status = CaseStatus::draft;
    s_.bundle = e.bundle;
    s_.bundle_version = e.version;
    s_.applicant = e.applicant;
    s_.opened_at = at_;
    s_.items.assign(p_.items.size(), ItemState{});
    s_.signers.assign(p_.slots.size(), SignerState{});
    s_.materials.assign(p_.materials.size(), MaterialState{});
    for (std::uint32_t i = 0; i < p_.items.size(); ++i) {
      if (!e.active[i]) continue;
      s_.items[i].status = ItemStatus::pending;
      for (std::uint32_t m : p_.items[i].materials) s_.materials[m].status = MaterialStatus::missing;
    }
  }
  void operator()(const Submitted& e) {
    started();
    s_.status = CaseStatus::submitted;
    s_.submitted_at = at_;
    hand_over(e.materials);
    for (std::uint32_t m = 0; m < p_.materials.size(); ++m)
      if (p_.materials[m].from_provider && s_.materials[m].status == MaterialStatus::missing &&
          std::find(e.unavailable.begin(), e.unavailable.end(), m) == e.unavailable.end())
        s_.materials[m].status = MaterialStatus::provided;
  }
  void operator()(const Accepted& e) {
    started();
    s_.accepted_at = at_;
    s_.notice.clear();
    for (const Deferral& d : e.deferred) {
      material(d.material).status = MaterialStatus::deferred;
      material(d.material).deadline = d.deadline;
    }
    s_.status = e.deferred.empty() ? CaseStatus::accepted : CaseStatus::accepted_with_deficiency;
  }
  void operator()(const CorrectionRequested& e) {
    started();
    s_.status = CaseStatus::returned_for_correction;
    s_.correction_origin = e.origin;
    s_.notice = e.entries;
    if (e.origin == CorrectionOrigin::intake) {
      for (const CorrectionEntry& c : e.entries) s_.intake_noticed.insert(s_.intake_noticed.end(), c.materials.begin(), c.materials.end());
      std::sort(s_.intake_noticed.begin(), s_.intake_noticed.end());
      s_.intake_noticed.erase(std::unique(s_.intake_noticed.begin(), s_.intake_noticed.end()), s_.intake_noticed.end());
    }
    // Materials the notice asks for are owed again, except deferred ones (still on their deadline).
    for (const CorrectionEntry& c : e.entries)
      for (std::uint32_t m : c.materials)
        if (material(m).status != MaterialStatus::deferred) material(m).status = MaterialStatus::missing;
  }
  void operator()(const Refused&) { end(CaseStatus::refused); }
  void operator()(const Resubmitted& e) {
    started();
    hand_over(e.materials);
    s_.notice.clear();
    if (s_.correction_origin == CorrectionOrigin::intake) s_.status = CaseStatus::submitted;
    else s_.status = any_deferred() ? CaseStatus::accepted_with_deficiency : CaseStatus::accepted;
  }
  void operator()(const ItemStarted& e) {
    ItemState& it = item(e.item);
    it.status = ItemStatus::in_review;
    ++it.round;
    it.started = at_;
    it.deadline = e.deadline;
    it.warning_at = e.warning_at;
    it.warned = it.overdue = false;
    clear_round(e.item);
  }
  void operator()(const SignerAssigned& e) {
    signer(e.item, e.slot).assignee = e.person;
    acted(e.item);
  }
  void operator()(const Signed& e) {
    SignerState& slot = signer(e.item, e.slot);
    slot.decision = e.decision;
    slot.signer = e.signer;
    ItemState& it = item(e.item);
    const std::int32_t w = slot_info(p_, s_, e.item, e.slot).weight;
    if (e.decision == Decision::approve) it.approve_weight += w;
    if (e.decision == Decision::reject) it.reject_weight += w;
    if (e.decision == Decision::ret)
      s_.notice.push_back({static_cast<std::int32_t>(e.item), e.materials, e.comment});
    acted(e.item);
  }
  void operator()(const SignerReleased& e) {
    signer(e.item, e.slot).assignee.clear();
    acted(e.item);
  }
  void operator()(const SignatureTransferred& e) {
    signer(e.item, e.slot).assignee = e.to;
    acted(e.item);
  }
  void operator()(const SignatureDelegated& e) {
    signer(e.item, e.slot).assignee = e.owner;
    if (delegation_of(s_, e.item, e.slot)) bad_event("signature_delegated on a delegated slot");
    s_.delegations.push_back({e.item, e.slot, e.delegate});
    acted(e.item);
  }
  void operator()(const DelegationResolved& e) {
    signer(e.item, e.slot);
    if (!delegation_of(s_, e.item, e.slot)) bad_event("delegation_resolved without a delegation");
    drop_delegation(e.item, e.slot);
    acted(e.item);
  }
  void operator()(const SignerAdded& e) {
    item(e.item);
    const std::uint32_t n = slot_count(p_, s_, e.item);
    if (e.slot != n || e.relative_to >= n) bad_event("signer_added with a wrong slot");
    const std::uint16_t t = signer(e.item, e.relative_to).turn;
    // 前加签 shifts the slot's turn (and the turns after it) back; 后加签 the turns after it.
    const std::uint16_t from = e.position == AddPosition::before ? t : static_cast<std::uint16_t>(t + 1);
    if (e.position != AddPosition::parallel)
      for (std::uint32_t k = 0; k < n; ++k)
        if (SignerState& st = signer(e.item, k); st.turn >= from) ++st.turn;
    AddedSigner a{e.item, e.role, e.department, e.weight, e.added_by, SignerState{}};
    a.state.assignee = e.person;
    a.state.turn = e.position == AddPosition::after ? static_cast<std::uint16_t>(t + 1) : t;
    s_.added.push_back(std::move(a));
    acted(e.item);
  }
  void operator()(const SignerRemoved& e) {
    signer(e.item, e.slot).removed = true;
    drop_delegation(e.item, e.slot);
    acted(e.item);
  }
  void operator()(const JoinReevaluated& e) { item(e.item); }
  void operator()(const RejectedBack& e) {
    item(e.target);
    reset(e.item);
  }
  void operator()(const ItemReset& e) { reset(e.item); }
  void operator()(const SignatureReclaimed& e) {
    SignerState& slot = signer(e.item, e.slot);
    if (!slot.decision) bad_event("signature_reclaimed of an open slot");
    ItemState& it = item(e.item);
    const std::int32_t w = slot_info(p_, s_, e.item, e.slot).weight;
    if (*slot.decision == Decision::approve) it.approve_weight -= w;
    if (*slot.decision == Decision::reject) it.reject_weight -= w;
    slot.decision.reset();
    slot.signer.clear();
    acted(e.item);
  }
  void operator()(const ItemReopened& e) {
    ItemState& it = item(e.item);
    it.status = ItemStatus::in_review;
    ++it.round;
    it.decided_at = {};
    it.acted = false;
  }
  void operator()(const ItemScheduled& e) {
    ItemState& it = item(e.item);
    it.remind_at = e.remind_at;
    it.decide_at = e.decide_at;
  }
  void operator()(const ReminderSent& e) {
    ItemState& it = item(e.item);
    it.reminders = static_cast<std::uint16_t>(e.count);
    it.remind_at = e.next_at;  // by hand: the schedule's next one, or none once `max` is reached
  }
  void operator()(const AutoDecided& e) { item(e.item); }
  void operator()(const ItemApproved& e) { decide(e.item, ItemStatus::approved); }
  void operator()(const ItemRejected& e) { decide(e.item, ItemStatus::rejected); }
  void operator()(const ItemReturned& e) { decide(e.item, ItemStatus::returned); }
  void operator()(const ItemCancelled& e) {
    decide(e.item, ItemStatus::cancelled);
    drop_from_notice(e.item);
  }
  void operator()(const ItemRevoked& e) {
    decide(e.item, ItemStatus::revoked);
    drop_from_notice(e.item);
    if (e.cause == RevokeCause::post_check_failed) item(e.item).post_check = PostCheckStatus::failed;
  }
  void operator()(const Pledged& e) {
    ItemState& it = item(e.item);
    it.pledged = true;
    it.post_check = e.sampled ? PostCheckStatus::due : PostCheckStatus::none;
    // A pledge material no longer owed once every active item that needs it is pledged (the
    // same rule as forms::FormModel::materials).
    for (std::uint32_t m : p_.items[e.item].materials) {
      if (!p_.materials[m].pledge || s_.materials[m].status != MaterialStatus::missing) continue;
      const auto& users = p_.materials[m].items;
      if (std::all_of(users.begin(), users.end(), [&](std::uint32_t i) {
            return s_.items[i].status == ItemStatus::inactive || s_.items[i].pledged;
          }))
        s_.materials[m].status = MaterialStatus::pledged;
    }
  }
  void operator()(const PostChecked& e) {
    item(e.item).post_check = e.pass ? PostCheckStatus::passed : PostCheckStatus::failed;
  }
  void operator()(const MaterialSupplied& e) {
    material(e.material).status = MaterialStatus::supplied;
    settle_deficiency();
  }
  void operator()(const MaterialLapsed& e) {
    material(e.material).status = MaterialStatus::lapsed;
    settle_deficiency();
  }
  void operator()(const DeadlineWarning& e) { item(e.item).warned = true; }
  void operator()(const DeadlineOverdue& e) { item(e.item).overdue = true; }
  void operator()(const CaseRejected& e) {
    s_.rejected_because = e.item;
    end(CaseStatus::rejected);
  }
  void operator()(const Withdrawn&) { end(CaseStatus::withdrawn); }
  void operator()(const Issued& e) {
    started();
    s_.status = CaseStatus::issued;
    s_.issued_at = at_;
    s_.rating_until = e.rating_until;
  }
  void operator()(const Rated& e) { s_.rating = e.score; }
  void operator()(const RatingWindowEnded&) { s_.rating_window_ended = true; }
  void operator()(const CaseClosed&) { end(CaseStatus::closed); }
  void operator()(const CaseMigrated&) {
    throw std::invalid_argument("case_migrated is applied with the plan of its new version (replay_onto)");
  }
  void operator()(const CorrectionLifted&) {
    started();
    s_.notice.clear();
    s_.status = any_deferred() ? CaseStatus::accepted_with_deficiency : CaseStatus::accepted;
  }
  void operator()(const MaterialWaived& e) {
    material(e.material).status = MaterialStatus::not_needed;
    settle_deficiency();
  }

 private:
  void started() const {
    if (s_.version == 0) bad_event("the first event is not case_opened");
  }
  void end(CaseStatus st) {
    started();
    s_.status = st;
    s_.closed_at = at_;
  }
  ItemState& item(std::uint32_t i) {
    started();
    if (i >= s_.items.size()) bad_event("item index out of range");
    return s_.items[i];
  }
  SignerState& signer(std::uint32_t i, std::uint32_t k) {
    item(i);
    const PlanItem& pi = p_.items[i];
    if (k < pi.slot_count) return s_.signers[pi.slot_begin + k];
    std::uint32_t rank = k - pi.slot_count;
    for (AddedSigner& a : s_.added)
      if (a.item == i && rank-- == 0) return a.state;
    bad_event("signer slot out of range");
  }
  void acted(std::uint32_t i) { item(i).acted = true; }
  void drop_delegation(std::uint32_t i, std::uint32_t k) {
    std::erase_if(s_.delegations, [&](const Delegation& d) { return d.item == i && d.slot == k; });
  }
  /// A new round of item i's review, or none: the definition's signers, nothing signed,
  /// nothing added, delegated or scheduled.
  void clear_round(std::uint32_t i) {
    ItemState& it = item(i);
    it.approve_weight = it.reject_weight = 0;
    it.acted = false;
    it.reminders = 0;
    it.remind_at = it.decide_at = Instant{};
    const PlanItem& pi = p_.items[i];
    const bool sequence = pi.join.kind == ir::JoinKind::sequence;
    for (std::uint32_t k = 0; k < pi.slot_count; ++k) {
      SignerState& slot = s_.signers[pi.slot_begin + k];
      slot.decision.reset();
      slot.signer.clear();
      slot.removed = false;
      slot.turn = sequence ? static_cast<std::uint16_t>(k) : 0;
    }
    std::erase_if(s_.added, [&](const AddedSigner& a) { return a.item == i; });
    std::erase_if(s_.delegations, [&](const Delegation& d) { return d.item == i; });
  }
  /// Item i is pending again, without a decision (rejected back, or reset).
  void reset(std::uint32_t i) {
    ItemState& it = item(i);
    it.status = ItemStatus::pending;
    it.decided_at = at_;
    clear_round(i);
    drop_from_notice(i);
  }
  MaterialState& material(std::uint32_t m) {
    started();
    if (m >= s_.materials.size()) bad_event("material index out of range");
    return s_.materials[m];
  }
  void decide(std::uint32_t i, ItemStatus st) {
    ItemState& it = item(i);
    it.status = st;
    it.decided_at = at_;
    std::erase_if(s_.delegations, [&](const Delegation& d) { return d.item == i; });  // nothing left to advise on
  }
  /// Materials handed over at the desk; deferred, lapsed or waived ones keep their own course.
  void hand_over(const std::vector<std::uint32_t>& ms) {
    for (std::uint32_t m : ms) {
      MaterialState& st = material(m);
      if (st.status == MaterialStatus::missing || st.status == MaterialStatus::handed_over ||
          st.status == MaterialStatus::provided)
        st.status = MaterialStatus::handed_over;
    }
  }
  void drop_from_notice(std::uint32_t i) {
    std::erase_if(s_.notice, [&](const CorrectionEntry& c) { return c.item == static_cast<std::int32_t>(i); });
  }
  bool any_deferred() const {
    for (const MaterialState& m : s_.materials)
      if (m.status == MaterialStatus::deferred) return true;
    return false;
  }
  void settle_deficiency() {
    if (s_.status == CaseStatus::accepted_with_deficiency && !any_deferred()) s_.status = CaseStatus::accepted;
  }

  CaseState& s_;
  const Plan& p_;
  Instant at_;
};

}  // namespace

void apply(CaseState& state, const Plan& plan, Instant at, const Event& event) {
  std::visit(Applier{state, plan, at}, event);
  ++state.version;
}

void replay_onto(const Plan& plan, CaseState& s, std::span<const Commit> commits, std::span<const Event> events,
                 const MigrationHook& on_migrated) {
  const std::uint64_t base = s.version;
  if (base == 0 && !events.empty()) {
    const auto* opened = std::get_if<CaseOpened>(&events.front());
    const ir::Bundle& b = plan.compiled.bundle();
    if (opened && (opened->bundle != b.id || opened->version != b.version))
      throw std::invalid_argument("the case log belongs to bundle `" + opened->bundle + "` version " + opened->version +
                                  ", not `" + b.id + "` version " + b.version);
  }
  const Plan* current = &plan;
  std::uint64_t expected = base + 1;
  for (const Commit& c : commits) {
    if (c.first_version != expected || c.first_version - 1 - base + c.count > events.size())
      throw std::invalid_argument("the case log's commits do not cover its events in order");
    for (std::uint32_t k = 0; k < c.count; ++k) {
      const Event& e = events[c.first_version - 1 - base + k];
      if (const auto* moved = std::get_if<CaseMigrated>(&e)) {
        if (!on_migrated)
          throw std::invalid_argument("the case moved to version " + moved->to_version + " of its bundle");
        current = &on_migrated(s, *moved);
      } else {
        apply(s, *current, c.at, e);
      }
    }
    expected += c.count;
  }
  if (expected - 1 - base != events.size()) throw std::invalid_argument("the case log has events outside any commit");
}

CaseState replay(const Plan& plan, CaseId id, std::span<const Commit> commits, std::span<const Event> events) {
  CaseState s;
  s.id = id;
  replay_onto(plan, s, commits, events);
  return s;
}

}  // namespace runtime_internal

std::size_t CaseState::memory_bytes() const noexcept {
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  std::size_t n = sizeof(CaseState) + heap(bundle) + heap(bundle_version) + heap(applicant);
  n += items.capacity() * sizeof(ItemState) + materials.capacity() * sizeof(MaterialState);
  n += signers.capacity() * sizeof(SignerState);
  for (const SignerState& s : signers) n += heap(s.signer) + heap(s.assignee);
  n += added.capacity() * sizeof(AddedSigner) + delegations.capacity() * sizeof(Delegation);
  for (const AddedSigner& a : added)
    n += heap(a.role) + heap(a.department) + heap(a.added_by) + heap(a.state.signer) + heap(a.state.assignee);
  for (const Delegation& d : delegations) n += heap(d.delegate);
  n += notice.capacity() * sizeof(CorrectionEntry) + intake_noticed.capacity() * sizeof(std::uint32_t);
  for (const CorrectionEntry& c : notice) n += c.materials.capacity() * sizeof(std::uint32_t) + heap(c.comment);
  return n;
}

CaseState replay(const CompiledBundle& bundle, CaseId id, std::span<const Commit> commits,
                 std::span<const Event> events) {
  const runtime_internal::Plan plan(bundle);
  return runtime_internal::replay(plan, id, commits, events);
}

}  // namespace yishi
