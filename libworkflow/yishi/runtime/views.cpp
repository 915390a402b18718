// Queries over a case: the view of its state and the audit trail of its log.
#include <fmt/format.h>

#include "yishi/base/mask.hpp"
#include "yishi/runtime/internal/decide.hpp"
#include "yishi/runtime/internal/views.hpp"

namespace yishi {

const ItemView* CaseView::item(std::string_view key) const {
  for (const ItemView& i : items)
    if (i.id == key) return &i;
  return nullptr;
}

const MaterialView* CaseView::material(std::string_view key) const {
  for (const MaterialView& m : materials)
    if (m.id == key) return &m;
  return nullptr;
}

std::vector<const MaterialView*> CaseView::outstanding() const {
  std::vector<const MaterialView*> out;
  for (const MaterialView& m : materials)
    if (m.status == MaterialStatus::missing || m.status == MaterialStatus::deferred) out.push_back(&m);
  return out;
}

namespace runtime_internal {
namespace {

bool ready_to_issue(const Plan& p, const CaseState& s) {
  if (!processing(s.status)) return false;
  bool approved = false;
  for (const ItemState& it : s.items) {
    if (open_item(it.status)) return false;
    approved |= it.status == ItemStatus::approved;
  }
  for (std::uint32_t m = 0; m < p.materials.size(); ++m) {
    if (s.materials[m].status != MaterialStatus::deferred || p.materials[m].issue_before_supply) continue;
    for (std::uint32_t i : p.materials[m].items)
      if (s.items[i].status == ItemStatus::approved) return false;
  }
  return approved;
}

std::vector<std::string> material_ids(const Plan& p, const std::vector<std::uint32_t>& ms) {
  std::vector<std::string> out;
  for (std::uint32_t m : ms) out.emplace_back(p.materials[m].id);
  return out;
}

std::string local_time(const Calendar& cal, Instant t) {
  const int minute = cal.local_minute(t);
  return fmt::format("{} {:02}:{:02}", to_string(cal.local_date(t)), minute / 60, minute % 60);
}

std::string listing(const Plan& p, const std::vector<std::uint32_t>& ids, bool items) {
  std::string out;
  for (std::size_t k = 0; k < ids.size(); ++k)
    fmt::format_to(std::back_inserter(out), "{}`{}`", k ? ", " : "", items ? p.items[ids[k]].id : p.materials[ids[k]].id);
  return out.empty() ? "none" : out;
}

struct Describer {
  const Plan& p;
  const Calendar& cal;
  /// The signers added (加签) in the current rounds so far, when the trail is read in order.
  const std::vector<SignerAdded>* added = nullptr;
  std::string_view item(std::uint32_t i) const { return p.items[i].id; }
  std::string_view material(std::uint32_t m) const { return p.materials[m].id; }
  /// "`reviewer` of `market_regulation`" for a slot of the definition or an added one.
  std::string slot_text(std::uint32_t i, std::uint32_t k) const {
    const PlanItem& pi = p.items[i];
    if (k < pi.slot_count) {
      const PlanSlot& s = p.slots[pi.slot_begin + k];
      return fmt::format("{} of `{}`", s.role, s.department);
    }
    if (added)
      for (const SignerAdded& a : *added)
        if (a.item == i && a.slot == k) return fmt::format("{} of `{}`, added", a.role, a.department);
    return "an added signer";
  }

  std::string operator()(const CaseOpened& e) const {
    std::vector<std::uint32_t> active;
    for (std::uint32_t i = 0; i < e.active.size(); ++i)
      if (e.active[i]) active.push_back(i);
    return fmt::format("case opened on bundle `{}` version {} with items {}", e.bundle, e.version,
                       listing(p, active, true));
  }
  std::string operator()(const Submitted& e) const {
    std::string out = fmt::format("application submitted with materials {}", listing(p, e.materials, false));
    if (!e.unavailable.empty())
      out += fmt::format("; not available from their providers: {}", listing(p, e.unavailable, false));
    return out;
  }
  std::string operator()(const Accepted& e) const {
    if (e.deferred.empty()) return "application accepted";
    std::string out = "application accepted with deficiency (容缺): ";
    for (std::size_t k = 0; k < e.deferred.size(); ++k)
      fmt::format_to(std::back_inserter(out), "{}`{}` due {}", k ? ", " : "", material(e.deferred[k].material),
                     local_time(cal, e.deferred[k].deadline));
    return out;
  }
  std::string operator()(const CorrectionRequested& e) const {
    std::string out = fmt::format("correction notice ({}):", to_string(e.origin));
    for (const CorrectionEntry& c : e.entries)
      fmt::format_to(std::back_inserter(out), " {} materials {};", c.item < 0 ? std::string("intake") : fmt::format("item `{}`", item(static_cast<std::uint32_t>(c.item))),
                     listing(p, c.materials, false));
    return out;
  }
  std::string operator()(const Refused&) const { return "application refused at intake"; }
  std::string operator()(const Resubmitted& e) const {
    return fmt::format("application resubmitted with materials {}", listing(p, e.materials, false));
  }
  std::string operator()(const ItemStarted& e) const {
    return fmt::format("item `{}` in review, due {}", item(e.item), local_time(cal, e.deadline));
  }
  std::string operator()(const SignerAssigned& e) const {
    return fmt::format("signature {} of `{}` assigned to `{}`", e.slot, item(e.item), mask_personal_data(e.person));
  }
  std::string operator()(const Signed& e) const {
    return fmt::format("`{}` ({}) decided {} on `{}`", mask_personal_data(e.signer), slot_text(e.item, e.slot),
                       to_string(e.decision), item(e.item));
  }
  std::string operator()(const ItemApproved& e) const {
    return fmt::format("item `{}` approved{}", item(e.item), e.by_pledge ? " on a pledge (告知承诺)" : "");
  }
  std::string operator()(const ItemRejected& e) const { return fmt::format("item `{}` rejected", item(e.item)); }
  std::string operator()(const ItemReturned& e) const {
    return fmt::format("item `{}` returned for correction", item(e.item));
  }
  std::string operator()(const ItemCancelled& e) const { return fmt::format("item `{}` cancelled", item(e.item)); }
  std::string operator()(const ItemRevoked& e) const {
    const char* why = e.cause == RevokeCause::material_lapsed   ? "a deferred material lapsed"
                      : e.cause == RevokeCause::post_check_failed ? "the post-check failed"
                                                                  : "an item it comes after was revoked";
    return fmt::format("item `{}` revoked: {}", item(e.item), why);
  }
  std::string operator()(const Pledged& e) const {
    return fmt::format("pledge signed for `{}`{}", item(e.item), e.sampled ? ", drawn for a post-check" : "");
  }
  std::string operator()(const PostChecked& e) const {
    return fmt::format("post-check of `{}` {}", item(e.item), e.pass ? "passed" : "failed");
  }
  std::string operator()(const MaterialSupplied& e) const {
    return fmt::format("deferred material `{}` supplied", material(e.material));
  }
  std::string operator()(const MaterialLapsed& e) const {
    return fmt::format("deferred material `{}` not supplied by its deadline (lapsed)", material(e.material));
  }
  std::string operator()(const DeadlineWarning& e) const {
    return fmt::format("warning: item `{}` nears its promised limit", item(e.item));
  }
  std::string operator()(const DeadlineOverdue& e) const {
    return fmt::format("item `{}` is past its promised limit", item(e.item));
  }
  std::string operator()(const CaseRejected& e) const {
    return e.item < 0 ? std::string("case rejected: no item was approved")
                      : fmt::format("case rejected because of item `{}`", item(static_cast<std::uint32_t>(e.item)));
  }
  std::string operator()(const Withdrawn&) const { return "application withdrawn by the applicant"; }
  std::string operator()(const Issued& e) const {
    return fmt::format("results issued: approved {}; not approved {}", listing(p, e.approved, true),
                       listing(p, e.not_approved, true));
  }
  std::string operator()(const Rated& e) const { return fmt::format("service rated {} of 5", e.score); }
  std::string operator()(const RatingWindowEnded&) const { return "the time to rate ended"; }
  std::string operator()(const CaseClosed&) const { return "case closed"; }
  std::string operator()(const CaseMigrated& e) const {
    return fmt::format("case moved from version {} to version {}", e.from_version, e.to_version);
  }
  std::string operator()(const CorrectionLifted&) const {
    return "correction notice lifted: no returned item remains, the review goes on";
  }
  std::string operator()(const MaterialWaived& e) const {
    return fmt::format("deferred material `{}` waived: no remaining item needs it", material(e.material));
  }
  std::string operator()(const SignerReleased& e) const {
    return fmt::format("signature {} of `{}` released", e.slot, item(e.item));
  }
  std::string operator()(const SignatureTransferred& e) const {
    return fmt::format("signature {} of `{}` transferred (转办){} to `{}`", e.slot, item(e.item),
                       e.from.empty() ? std::string() : fmt::format(" from `{}`", mask_personal_data(e.from)),
                       mask_personal_data(e.to));
  }
  std::string operator()(const SignatureDelegated& e) const {
    return fmt::format("signature {} of `{}` delegated (委派) by `{}` to `{}`; `{}` decides", e.slot, item(e.item),
                       mask_personal_data(e.owner), mask_personal_data(e.delegate), mask_personal_data(e.owner));
  }
  std::string operator()(const DelegationResolved& e) const {
    if (e.advice)
      return fmt::format("`{}` advised {} on signature {} of `{}`", mask_personal_data(e.by), to_string(*e.advice),
                         e.slot, item(e.item));
    return fmt::format("delegation of signature {} of `{}` recalled by `{}`", e.slot, item(e.item), mask_personal_data(e.by));
  }
  std::string operator()(const SignerAdded& e) const {
    static constexpr std::string_view where[] = {"before", "after", "beside"};
    std::string out = fmt::format("signer added (加签) to `{}` {} signature {}: {} of `{}`", item(e.item),
                                  where[static_cast<std::size_t>(e.position)], e.relative_to, e.role, e.department);
    if (e.weight != 1) out += fmt::format(", weight {}", e.weight);
    if (!e.person.empty()) out += fmt::format(", assigned to `{}`", mask_personal_data(e.person));
    return out + fmt::format(" (signature {})", e.slot);
  }
  std::string operator()(const SignerRemoved& e) const {
    return fmt::format("signature {} of `{}` ({}) removed (减签)", e.slot, item(e.item), slot_text(e.item, e.slot));
  }
  std::string operator()(const JoinReevaluated& e) const {
    const char* outcome = e.approve_weight >= e.threshold                       ? "reached"
                          : e.total_weight - e.reject_weight < e.threshold ? "can no longer be reached"
                                                                            : "open";
    return fmt::format("join of `{}` re-evaluated: approving {}, rejecting {}, threshold {} of {}: {}", item(e.item),
                       e.approve_weight, e.reject_weight, e.threshold, e.total_weight, outcome);
  }
  std::string operator()(const RejectedBack& e) const {
    return fmt::format("`{}` ({}) rejected `{}` back (驳回) to `{}`", mask_personal_data(e.signer),
                       slot_text(e.item, e.slot), item(e.item), item(e.target));
  }
  std::string operator()(const ItemReset& e) const {
    const char* why = e.cause == ResetCause::rerun                ? "to be reviewed again after a rejection back"
                      : e.cause == ResetCause::sibling_cancelled ? "its review was cancelled by a rejection back beside it"
                      : e.cause == ResetCause::sibling_redone    ? "to be redone after a rejection back beside it"
                                                                 : "an item it comes after was reopened";
    return fmt::format("item `{}` back to pending: {}", item(e.item), why);
  }
  std::string operator()(const SignatureReclaimed& e) const {
    return fmt::format("`{}` took back (拿回) their decision on `{}` (signature {})", mask_personal_data(e.signer),
                       item(e.item), e.slot);
  }
  std::string operator()(const ItemReopened& e) const {
    return fmt::format("item `{}` back in review after a decision was taken back", item(e.item));
  }
  std::string operator()(const ItemScheduled& e) const {
    std::vector<std::string> parts;
    if (e.remind_at != Instant{}) parts.push_back(fmt::format("first reminder {}", local_time(cal, e.remind_at)));
    if (e.decide_at != Instant{}) parts.push_back(fmt::format("automatic decision {}", local_time(cal, e.decide_at)));
    return fmt::format("item `{}` scheduled: {}", item(e.item), fmt::join(parts, "; "));
  }
  std::string operator()(const ReminderSent& e) const {
    return fmt::format("reminder {} (催办) for `{}`{}", e.count, item(e.item), e.manual ? ", sent by hand" : "");
  }
  std::string operator()(const AutoDecided& e) const {
    return fmt::format("item `{}` decided automatically: {} ({})", item(e.item), to_string(e.decision),
                       e.decision == Decision::approve ? "超时自动同意" : "超时自动驳回");
  }
};

std::string comment_of(const Event& e) {
  if (auto* s = std::get_if<Signed>(&e)) return s->comment;
  if (auto* s = std::get_if<Refused>(&e)) return s->reason;
  if (auto* s = std::get_if<Withdrawn>(&e)) return s->reason;
  if (auto* s = std::get_if<PostChecked>(&e)) return s->comment;
  if (auto* s = std::get_if<Rated>(&e)) return s->comment;
  if (auto* s = std::get_if<SignatureTransferred>(&e)) return s->comment;
  if (auto* s = std::get_if<SignatureDelegated>(&e)) return s->comment;
  if (auto* s = std::get_if<DelegationResolved>(&e)) return s->comment;
  if (auto* s = std::get_if<SignerAdded>(&e)) return s->comment;
  if (auto* s = std::get_if<SignerRemoved>(&e)) return s->comment;
  if (auto* s = std::get_if<RejectedBack>(&e)) return s->comment;
  if (auto* s = std::get_if<SignatureReclaimed>(&e)) return s->comment;
  if (auto* s = std::get_if<ReminderSent>(&e)) return s->comment;
  if (auto* s = std::get_if<CorrectionRequested>(&e); s && s->origin == CorrectionOrigin::intake && !s->entries.empty())
    return s->entries.front().comment;
  return {};
}

}  // namespace

CaseView make_view(const Plan& p, const CaseState& s) {
  CaseView v;
  v.id = s.id;
  v.bundle = s.bundle;
  v.version = s.bundle_version;
  v.applicant = mask_personal_data(s.applicant);
  v.status = s.status;
  v.version_number = s.version;
  const Instant none{};
  if (s.submitted_at != none) v.submitted_at = s.submitted_at;
  if (s.accepted_at != none) v.accepted_at = s.accepted_at;
  if (s.issued_at != none) v.issued_at = s.issued_at;
  for (std::uint32_t i = 0; i < p.items.size(); ++i) {
    const ItemState& it = s.items[i];
    if (it.status == ItemStatus::inactive) continue;
    const PlanItem& pi = p.items[i];
    ItemView iv;
    iv.id = pi.id;
    iv.name = pi.name;
    iv.department = pi.department;
    iv.status = it.status;
    iv.round = it.round;
    iv.essential = pi.essential;
    iv.pledged = it.pledged;
    iv.warned = it.warned;
    iv.overdue = it.overdue;
    iv.post_check = it.post_check;
    if (it.round > 0) {
      iv.started = it.started;
      iv.deadline = it.deadline;
      iv.warning_at = it.warning_at;
    }
    const std::uint32_t n = slot_count(p, s, i);
    for (std::uint32_t k = 0; k < n; ++k) {
      const SlotInfo si = slot_info(p, s, i, k);
      const SignerState& ss = *si.state;
      const Delegation* d = delegation_of(s, i, k);
      iv.signers.push_back({std::string(si.role), std::string(si.department), mask_personal_data(ss.assignee),
                            mask_personal_data(ss.signer), si.weight, ss.decision, k,
                            it.status == ItemStatus::in_review && slot_ready(p, s, i, k), si.added, ss.removed,
                            d ? mask_personal_data(d->delegate) : std::string()});
    }
    iv.reminders = it.reminders;
    if (it.remind_at != none && it.status == ItemStatus::in_review) iv.remind_at = it.remind_at;
    if (it.decide_at != none && it.status == ItemStatus::in_review) iv.decide_at = it.decide_at;
    if (it.status == ItemStatus::in_review) {
      if (pi.approvals->to_applicant) iv.reject_targets.emplace_back("applicant");
      auto open_target = [&](std::uint32_t t) { return s.items[t].status == ItemStatus::approved && !s.items[t].pledged; };
      std::vector<std::uint32_t> targets;
      if (pi.approvals->to_previous)  // the step `previous` means now, when it means one
        if (const auto prev = previous_steps(p, s, i); prev.size() == 1 && open_target(prev[0])) targets.push_back(prev[0]);
      for (std::uint32_t t : pi.reject_to)
        if (open_target(t) && std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(t);
      for (std::uint32_t t : targets) iv.reject_targets.emplace_back(p.items[t].id);
    }
    v.items.push_back(std::move(iv));
  }
  for (std::uint32_t m = 0; m < p.materials.size(); ++m) {
    const MaterialState& ms = s.materials[m];
    if (ms.status == MaterialStatus::not_needed) continue;
    MaterialView mv{std::string(p.materials[m].id), std::string(p.materials[m].name), ms.status, std::nullopt};
    if (ms.status == MaterialStatus::deferred || ms.status == MaterialStatus::supplied ||
        ms.status == MaterialStatus::lapsed)
      mv.deadline = ms.deadline;
    v.materials.push_back(std::move(mv));
  }
  if (s.status == CaseStatus::returned_for_correction)
    for (const CorrectionEntry& c : s.notice)
      v.notice.push_back({c.item < 0 ? std::string() : std::string(p.items[static_cast<std::uint32_t>(c.item)].id),
                          material_ids(p, c.materials), mask_personal_data(c.comment)});
  v.rating = s.rating;
  if (s.status == CaseStatus::rejected && s.rejected_because >= 0)
    v.rejected_because = p.items[static_cast<std::uint32_t>(s.rejected_because)].id;
  v.ready_to_issue = ready_to_issue(p, s);
  v.next_timer = next_due(p, s);
  return v;
}

std::string describe(const Plan& plan, const Calendar& calendar, const Event& event) {
  return std::visit(Describer{plan, calendar}, event);
}

std::vector<AuditEntry> make_audit_trail(const Plan& plan, const Calendar& calendar, const StoredCase& log,
                                         const std::function<const Plan*(const std::string&)>& version) {
  std::vector<AuditEntry> out;
  out.reserve(log.events.size());
  const Plan* current = &plan;  // events after a `case_migrated` name the new version's items
  std::vector<SignerAdded> added;  // the added slots of the current rounds, to name their roles
  for (const Commit& c : log.commits)
    for (std::uint32_t k = 0; k < c.count; ++k) {
      const std::uint64_t v = c.first_version + k;
      const Event& e = log.events.at(v - 1);
      out.push_back({v, c.at, c.actor.kind, mask_personal_data(c.actor.id), mask_personal_data(c.command_id),
                     c.command, std::string(event_name(e)),
                     mask_personal_data(std::visit(Describer{*current, calendar, &added}, e)),
                     mask_personal_data(comment_of(e))});
      if (const auto* a = std::get_if<SignerAdded>(&e)) added.push_back(*a);
      auto new_round = [&](std::uint32_t i) { std::erase_if(added, [&](const SignerAdded& x) { return x.item == i; }); };
      if (const auto* a = std::get_if<ItemStarted>(&e)) new_round(a->item);
      if (const auto* a = std::get_if<ItemReset>(&e)) new_round(a->item);
      if (const auto* a = std::get_if<RejectedBack>(&e)) new_round(a->item);
      if (std::holds_alternative<CaseMigrated>(e)) added.clear();
      if (const auto* moved = std::get_if<CaseMigrated>(&e)) {
        const Plan* next = version ? version(moved->to_version) : nullptr;
        if (!next) throw std::invalid_argument("the case moved to version " + moved->to_version + ", which is not deployed");
        current = next;
      }
    }
  return out;
}

}  // namespace runtime_internal
}  // namespace yishi
