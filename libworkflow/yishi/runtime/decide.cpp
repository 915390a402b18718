// Deciding: the case lifecycle's rules. Every handler checks first and emits after, so that a
// refused command leaves the state as it was; `progress` then moves the flow forward.
#include "yishi/runtime/internal/decide.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>

#include "yishi/base/assert.hpp"
#include "yishi/base/text.hpp"

namespace yishi::runtime_internal {
namespace {

using Err = std::optional<CommandError>;

CommandError error(ErrorKind k, std::string message) { return {k, std::move(message), nullptr, {}}; }


std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (auto m = text::closest_match(word, candidates)) return fmt::format(" (did you mean `{}`?)", *m);
  return {};
}

std::string listing(const std::vector<std::string_view>& ids) {
  std::string out;
  for (std::size_t k = 0; k < ids.size(); ++k) fmt::format_to(std::back_inserter(out), "{}`{}`", k ? ", " : "", ids[k]);
  return out;
}

/// A case's timers, in the order they fire at one instant: the yellow and red lights come
/// before an automatic decision at the same time, so the audit shows the lapse of time first.
enum class TimerKind : std::uint8_t { warning, overdue, lapse, rating_window, reminder, auto_decision };

struct Timer {
  Instant at{};
  TimerKind kind = TimerKind::warning;
  std::uint32_t index = 0;
  friend auto operator<=>(const Timer&, const Timer&) = default;
};

/// The most reminders of item i per round, scheduled and by hand together.
std::int32_t max_reminders(const PlanItem& pi) {
  const auto& remind = pi.approvals->remind;
  return remind ? remind->max : ir::Reminders{}.max;
}

std::optional<Timer> earliest_timer(const Plan& p, const CaseState& s) {
  if (is_terminal(s.status) || s.status == CaseStatus::draft) return std::nullopt;
  std::optional<Timer> best;
  auto consider = [&](Timer t) {
    if (!best || t < *best) best = t;
  };
  for (std::uint32_t i = 0; i < s.items.size(); ++i) {
    const ItemState& it = s.items[i];
    if (it.status != ItemStatus::in_review) continue;
    if (!it.warned && it.warning_at < it.deadline) consider({it.warning_at, TimerKind::warning, i});
    if (!it.overdue) consider({it.deadline, TimerKind::overdue, i});
    if (it.remind_at != Instant{} && it.reminders < max_reminders(p.items[i]))
      consider({it.remind_at, TimerKind::reminder, i});
    if (it.decide_at != Instant{}) consider({it.decide_at, TimerKind::auto_decision, i});
  }
  for (std::uint32_t m = 0; m < s.materials.size(); ++m)
    if (s.materials[m].status == MaterialStatus::deferred) consider({s.materials[m].deadline, TimerKind::lapse, m});
  if (s.status == CaseStatus::issued && !s.rating && !s.rating_window_ended)
    consider({s.rating_until, TimerKind::rating_window, 0});
  return best;
}

class Decider {
 public:
  Decider(CaseState& s, const DecideContext& ctx, std::vector<Event>& out)
      : s_(s), p_(ctx.plan), ctx_(ctx), out_(out) {}

  /// Settles the case after a change made outside a command (see decide.hpp).
  void settle_from_outside() { settle(); }

  Err open(const OpenCase& c) {
    if (c.actor.kind != ActorKind::applicant) return error(ErrorKind::not_authorised, "only an applicant may open a case");
    if (c.actor.id.empty()) return error(ErrorKind::invalid_argument, "the applicant has no id");
    const auto today = expr::day_number(ctx_.calendar.local_date(ctx_.now));
    const auto r = p_.compiled.evaluate_conditions(c.answers, today, c.situations);
    if (!r.errors.empty())
      return error(ErrorKind::invalid_argument,
                   r.errors.size() == 1 ? r.errors[0]
                                        : fmt::format("{} (and {} more problems)", r.errors[0], r.errors.size() - 1));
    const ir::Bundle& bundle = p_.compiled.bundle();
    if (!r.ineligible.empty()) {
      const auto& e = bundle.eligibility[r.ineligible[0]];
      return error(ErrorKind::not_eligible,
                   fmt::format("the applicant is not eligible: {}", e.label.empty() ? ir::significant_text(e.condition.text) : std::string_view(e.label)));
    }
    if (!r.decided()) {
      std::string fields;
      for (const auto& f : r.missing_fields) fields += fmt::format("{}`{}`", fields.empty() ? "" : ", ", f);
      CommandError err = error(ErrorKind::needs_answers,
                               fields.empty() ? std::string("which items apply cannot be decided from these answers")
                                              : fmt::format("answer {} to decide which items apply", fields));
      err.missing_fields = r.missing_fields;
      return err;
    }
    std::vector<bool> active(p_.items.size());
    for (std::size_t i = 0; i < active.size(); ++i) active[i] = *r.active[i];
    if (std::find(active.begin(), active.end(), true) == active.end())
      return error(ErrorKind::invalid_argument, "no item of the bundle applies to these answers");
    const ir::Bundle& b = p_.compiled.bundle();
    emit(CaseOpened{b.id, b.version, c.actor.id, std::move(active)});
    return {};
  }

  Err run(const Actor& a, const CommandBody& body) {
    if (is_terminal(s_.status))
      return error(ErrorKind::invalid_transition,
                   fmt::format("the case is `{}`: it accepts no more commands", to_string(s_.status)));
    return std::visit([&](const auto& c) { return on(a, c); }, body);
  }

  bool fire_timer() {
    auto t = earliest_timer(p_, s_);
    if (!t || t->at > ctx_.now) return false;
    switch (t->kind) {
      case TimerKind::warning: emit(DeadlineWarning{t->index}); break;
      case TimerKind::overdue: emit(DeadlineOverdue{t->index}); break;
      case TimerKind::lapse: lapse(t->index); break;
      case TimerKind::rating_window:
        emit(RatingWindowEnded{});
        settle();
        break;
      case TimerKind::reminder: remind_on_schedule(t->index); break;
      case TimerKind::auto_decision: decide_automatically(t->index); break;
    }
    return true;
  }

 private:
  // ---- commands ------------------------------------------------------------------------

  Err on(const Actor& a, const Submit& c) {
    if (auto e = status_in("submit", {CaseStatus::draft})) return e;
    if (auto e = applicant(a, "submit the application")) return e;
    std::vector<std::uint32_t> ms, unavailable;
    if (auto e = needed_materials(c.materials, ms)) return e;
    if (auto e = needed_materials(c.unavailable, unavailable)) return e;
    for (std::uint32_t m : unavailable)
      if (!p_.materials[m].from_provider)
        return error(ErrorKind::invalid_argument,
                     fmt::format("material `{}` has no provider: only provider materials can be unavailable", p_.materials[m].id));
    emit(Submitted{std::move(ms), std::move(unavailable)});
    return {};
  }

  Err on(const Actor& a, const Accept&) {
    if (auto e = status_in("accept", {CaseStatus::submitted})) return e;
    if (auto e = clerk(a, "accept an application")) return e;
    if (auto missing = missing_materials(); !missing.empty())
      return error(ErrorKind::invalid_transition,
                   fmt::format("cannot accept: {} missing ({})", listing(names(missing)),
                               "use `accept_with_deficiency` for deferrable materials or `return_for_correction`"));
    emit(Accepted{});
    settle();
    return {};
  }

  Err on(const Actor& a, const AcceptWithDeficiency&) {
    if (auto e = status_in("accept", {CaseStatus::submitted})) return e;
    if (auto e = clerk(a, "accept an application")) return e;
    const auto missing = missing_materials();
    if (missing.empty())
      return error(ErrorKind::invalid_transition, "nothing is missing: accept the application with `accept`");
    std::vector<std::string_view> hard;
    for (std::uint32_t m : missing)
      if (!p_.materials[m].deferrable) hard.push_back(p_.materials[m].id);
    if (!hard.empty())
      return error(ErrorKind::invalid_transition,
                   fmt::format("cannot accept with deficiency: {} missing and not deferrable", listing(hard)));
    Accepted ev;
    for (std::uint32_t m : missing) ev.deferred.push_back({m, ctx_.calendar.deadline(ctx_.now, *p_.materials[m].deferrable)});
    emit(std::move(ev));
    settle();
    return {};
  }

  Err on(const Actor& a, const ReturnForCorrection& c) {
    if (auto e = status_in("return for correction", {CaseStatus::submitted})) return e;
    if (auto e = clerk(a, "return an application for correction")) return e;
    std::vector<std::uint32_t> ms;
    if (auto e = needed_materials(c.materials, ms)) return e;
    // 一次性告知: a second notice may only repeat what the first asked for (still not right).
    if (!s_.intake_noticed.empty()) {
      std::vector<std::string_view> fresh;
      for (std::uint32_t m : ms)
        if (!std::binary_search(s_.intake_noticed.begin(), s_.intake_noticed.end(), m)) fresh.push_back(p_.materials[m].id);
      if (!fresh.empty())
        return error(ErrorKind::invalid_transition,
                     fmt::format("{} not in the first correction notice: everything to fix is asked for at once (一次性告知)",
                                 listing(fresh)));
    }
    for (std::uint32_t m : missing_materials()) ms.push_back(m);  // everything missing, always
    normalise(ms);
    if (ms.empty() && c.comment.empty())
      return error(ErrorKind::invalid_argument, "a correction notice needs a comment or the materials to fix");
    emit(CorrectionRequested{CorrectionOrigin::intake, {CorrectionEntry{-1, std::move(ms), c.comment}}});
    return {};
  }

  Err on(const Actor& a, const Refuse& c) {
    if (auto e = status_in("refuse", {CaseStatus::submitted})) return e;
    if (auto e = clerk(a, "refuse an application")) return e;
    if (c.reason.empty()) return error(ErrorKind::invalid_argument, "a refusal needs a reason");
    cancel_open_items();
    emit(Refused{c.reason});
    return {};
  }

  Err on(const Actor& a, const Resubmit& c) {
    if (auto e = status_in("resubmit", {CaseStatus::returned_for_correction})) return e;
    if (auto e = applicant(a, "resubmit the application")) return e;
    std::vector<std::uint32_t> ms;
    if (auto e = needed_materials(c.materials, ms)) return e;
    std::vector<std::string_view> absent;
    for (const CorrectionEntry& entry : s_.notice)
      for (std::uint32_t m : entry.materials)
        if (s_.materials[m].status == MaterialStatus::missing && std::find(ms.begin(), ms.end(), m) == ms.end() &&
            std::find(absent.begin(), absent.end(), p_.materials[m].id) == absent.end())
          absent.push_back(p_.materials[m].id);
    if (!absent.empty())
      return error(ErrorKind::invalid_transition,
                   fmt::format("the correction notice asks for {}: hand it over with the resubmission", listing(absent)));
    const bool from_review = s_.correction_origin == CorrectionOrigin::review;
    emit(Resubmitted{std::move(ms)});
    if (from_review)
      for (std::uint32_t i : p_.order)
        if (s_.items[i].status == ItemStatus::returned) start_item(i);
    settle();
    return {};
  }

  Err on(const Actor& a, const Assign& c) {
    if (auto e = status_in("assign a signer",
                           {CaseStatus::submitted, CaseStatus::accepted, CaseStatus::accepted_with_deficiency,
                            CaseStatus::returned_for_correction}))
      return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    const PlanItem& pi = p_.items[i];
    const ItemState& it = s_.items[i];
    if (!open_item(it.status))
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`: there is no signature to assign", pi.id, to_string(it.status)));
    if (c.person.empty()) return error(ErrorKind::invalid_argument, "assign needs the person to assign");
    const std::uint32_t n = slot_count(p_, s_, i);
    std::uint32_t slot = n;
    if (c.slot) {
      if (auto e = slot_exists(i, *c.slot)) return e;
      slot = *c.slot;
    } else {
      for (std::uint32_t k = 0; k < n && slot == n; ++k) {
        const SignerState& st = *slot_info(p_, s_, i, k).state;
        if (!slot_done(st) && st.assignee.empty()) slot = k;
      }
      if (slot == n)
        return error(ErrorKind::invalid_transition,
                     fmt::format("every signer slot of `{}` is already decided or assigned", pi.id));
    }
    const SlotInfo si = slot_info(p_, s_, i, slot);
    if (slot_done(*si.state))
      return error(ErrorKind::invalid_transition, fmt::format("slot {} of `{}` has already signed", slot, pi.id));
    if (a.kind != ActorKind::staff || a.department != si.department)
      return error(ErrorKind::not_authorised,
                   fmt::format("only staff of department `{}` may assign this signature of `{}`", si.department, pi.id));
    if (delegation_of(s_, i, slot)) return delegated(i, slot);
    emit(SignerAssigned{i, slot, c.person});
    return {};
  }

  Err on(const Actor& a, const Sign& c) {
    if (auto e = status_in("sign", {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    const PlanItem& pi = p_.items[i];
    const ItemState& it = s_.items[i];
    if (it.status != ItemStatus::in_review)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`, not in review", pi.id, to_string(it.status)));
    if (a.kind != ActorKind::staff) return error(ErrorKind::not_authorised, "only staff may sign a review");
    if (c.decision != Decision::approve && c.comment.empty())
      return error(ErrorKind::invalid_argument,
                   fmt::format("a `{}` decision needs a comment saying why", to_string(c.decision)));
    if (c.decision == Decision::ret && !pi.approvals->to_applicant)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` may not be returned to the applicant: it rejects back to {}", pi.id,
                               reject_targets(i)));
    std::vector<std::uint32_t> ms;
    if (c.decision == Decision::ret) {
      if (auto e = needed_materials(c.materials, ms)) return e;
      for (std::uint32_t m : ms)
        if (s_.materials[m].status == MaterialStatus::deferred)
          return error(ErrorKind::invalid_argument,
                       fmt::format("material `{}` is deferred: the applicant supplies it by its deadline", p_.materials[m].id));
    } else if (!c.materials.empty()) {
      return error(ErrorKind::invalid_argument, "only a `return` decision lists materials");
    }
    std::uint32_t slot = 0;
    if (auto e = signer_slot(a, i, c.slot, slot)) return e;

    emit(Signed{i, slot, c.decision, a.id, c.comment, std::move(ms)});
    if (c.decision == Decision::ret) emit(ItemReturned{i});
    else decide_by_join(i);
    settle();
    return {};
  }

  Err on(const Actor& a, const SupplyMaterial& c) {
    if (auto e = status_in("supply a material",
                           {CaseStatus::accepted, CaseStatus::accepted_with_deficiency,
                            CaseStatus::returned_for_correction, CaseStatus::issued}))
      return e;
    if (auto e = applicant(a, "supply a material")) return e;
    std::uint32_t m = 0;
    if (auto e = material_of(c.material, m)) return e;
    if (s_.materials[m].status != MaterialStatus::deferred)
      return error(ErrorKind::invalid_transition,
                   fmt::format("material `{}` is `{}`: it is not awaited", c.material, to_string(s_.materials[m].status)));
    emit(MaterialSupplied{m});
    settle();
    return {};
  }

  Err on(const Actor& a, const Pledge& c) {
    if (auto e = status_in("pledge", {CaseStatus::draft, CaseStatus::submitted, CaseStatus::accepted,
                                      CaseStatus::accepted_with_deficiency}))
      return e;
    if (auto e = applicant(a, "sign a pledge")) return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    const PlanItem& pi = p_.items[i];
    const ItemState& it = s_.items[i];
    if (!pi.pledge)
      return error(ErrorKind::invalid_transition, fmt::format("item `{}` does not allow a pledge (告知承诺)", pi.id));
    if (it.pledged) return error(ErrorKind::invalid_transition, fmt::format("item `{}` is already pledged", pi.id));
    if (it.status != ItemStatus::pending && it.status != ItemStatus::in_review)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`: too late to pledge", pi.id, to_string(it.status)));
    const bool in_review = it.status == ItemStatus::in_review;
    emit(Pledged{i, drawn_for_post_check(ctx_.options.seed, s_.id, i, ctx_.options.post_check_rate)});
    if (in_review) emit(ItemApproved{i, true});
    settle();
    return {};
  }

  Err on(const Actor& a, const PostCheck& c) {
    if (auto e = status_in("post-check", {CaseStatus::accepted, CaseStatus::accepted_with_deficiency,
                                          CaseStatus::returned_for_correction, CaseStatus::issued}))
      return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    const PlanItem& pi = p_.items[i];
    const ItemState& it = s_.items[i];
    if (a.kind != ActorKind::staff || a.department != pi.department)
      return error(ErrorKind::not_authorised,
                   fmt::format("only staff of department `{}` may post-check `{}`", pi.department, pi.id));
    if (!it.pledged || it.status != ItemStatus::approved)
      return error(ErrorKind::invalid_transition, fmt::format("item `{}` was not approved on a pledge", pi.id));
    if (it.post_check == PostCheckStatus::passed || it.post_check == PostCheckStatus::failed)
      return error(ErrorKind::invalid_transition, fmt::format("item `{}` is already post-checked", pi.id));
    if (!c.pass && c.comment.empty())
      return error(ErrorKind::invalid_argument, "a failed post-check needs a comment saying why");
    emit(PostChecked{i, c.pass, c.comment});
    if (!c.pass) {
      emit(ItemRevoked{i, RevokeCause::post_check_failed});
      item_failed(i);
    }
    settle();
    return {};
  }

  Err on(const Actor& a, const Withdraw& c) {
    if (auto e = status_in("withdraw", {CaseStatus::draft, CaseStatus::submitted, CaseStatus::returned_for_correction,
                                        CaseStatus::accepted, CaseStatus::accepted_with_deficiency}))
      return e;
    if (auto e = applicant(a, "withdraw the application")) return e;
    cancel_open_items();
    emit(Withdrawn{c.reason});
    return {};
  }

  Err on(const Actor& a, const Issue&) {
    if (auto e = status_in("issue", {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    if (auto e = clerk(a, "issue results")) return e;
    std::vector<std::string_view> undecided, blocking;
    for (std::uint32_t i = 0; i < p_.items.size(); ++i)
      if (open_item(s_.items[i].status)) undecided.push_back(p_.items[i].id);
    if (!undecided.empty())
      return error(ErrorKind::invalid_transition, fmt::format("cannot issue: {} not decided yet", listing(undecided)));
    for (std::uint32_t m = 0; m < p_.materials.size(); ++m) {
      if (s_.materials[m].status != MaterialStatus::deferred || p_.materials[m].issue_before_supply) continue;
      for (std::uint32_t i : p_.materials[m].items)
        if (s_.items[i].status == ItemStatus::approved) {
          blocking.push_back(p_.materials[m].id);
          break;
        }
    }
    if (!blocking.empty())
      return error(ErrorKind::invalid_transition,
                   fmt::format("cannot issue: deferred {} not supplied yet", listing(blocking)));
    Issued ev;
    ev.approved.reserve(p_.items.size());
    for (std::uint32_t i = 0; i < p_.items.size(); ++i) {
      if (s_.items[i].status == ItemStatus::inactive) continue;
      (s_.items[i].status == ItemStatus::approved ? ev.approved : ev.not_approved).push_back(i);
    }
    ev.rating_until = deadline_after(ctx_.options.rating_window);
    emit(std::move(ev));
    settle();
    return {};
  }

  Err on(const Actor& a, const Rate& c) {
    if (auto e = status_in("rate", {CaseStatus::issued})) return e;
    if (auto e = applicant(a, "rate the service")) return e;
    if (s_.rating) return error(ErrorKind::invalid_transition, "the service is already rated");
    if (s_.rating_window_ended) return error(ErrorKind::invalid_transition, "the time to rate has ended");
    if (c.score < 1 || c.score > 5)
      return error(ErrorKind::invalid_argument, fmt::format("a rating is 1 to 5, not {}", c.score));
    emit(Rated{c.score, c.comment});
    settle();
    return {};
  }

  // ---- approval operations (docs/approvals.md) ------------------------------------------

  /// What claim and unclaim check first: a case whose signatures may be assigned, the item,
  /// a step that allows claims, a member of staff, and the slot named, if any.
  Err assignment_on(const Actor& a, std::string_view what, const std::string& item, std::optional<std::uint32_t> slot,
                    std::uint32_t& i) const {
    if (auto e = status_in(what, {CaseStatus::submitted, CaseStatus::accepted, CaseStatus::accepted_with_deficiency,
                                  CaseStatus::returned_for_correction}))
      return e;
    if (auto e = item_of(item, i)) return e;
    if (auto e = allowed(i, ir::ApprovalOperation::claim)) return e;
    if (a.kind != ActorKind::staff) return error(ErrorKind::not_authorised, fmt::format("only staff may {}", what));
    if (slot)
      if (auto e = slot_exists(i, *slot)) return e;
    return {};
  }

  Err on(const Actor& a, const Claim& c) {
    std::uint32_t i = 0;
    if (auto e = assignment_on(a, "claim a signature", c.item, c.slot, i)) return e;
    const PlanItem& pi = p_.items[i];
    if (!open_item(s_.items[i].status))
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`: there is no signature to claim", pi.id, to_string(s_.items[i].status)));
    if (auto e = holds_no_slot(a.id, i)) return e;
    const std::uint32_t n = slot_count(p_, s_, i);
    bool taken = false;
    for (std::uint32_t k = 0; k < n; ++k) {
      const SlotInfo si = slot_info(p_, s_, i, k);
      if ((c.slot && *c.slot != k) || slot_done(*si.state) || si.role != a.role || si.department != a.department)
        continue;
      if (!si.state->assignee.empty()) {
        taken = true;
      } else if (delegation_of(s_, i, k)) {
        return delegated(i, k);
      } else {
        emit(SignerAssigned{i, k, a.id});
        return {};
      }
    }
    if (taken)
      return error(ErrorKind::not_authorised,
                   fmt::format("the signature of `{}` for `{}` is already assigned to someone else", a.role, pi.id));
    return error(ErrorKind::not_authorised,
                 fmt::format("the review of `{}` has no open signature for role `{}` of department `{}` to claim", pi.id,
                             a.role, a.department));
  }

  Err on(const Actor& a, const Unclaim& c) {
    std::uint32_t i = 0;
    if (auto e = assignment_on(a, "release a signature", c.item, c.slot, i)) return e;
    const PlanItem& pi = p_.items[i];
    const std::optional<std::uint32_t> slot = c.slot ? c.slot : assigned_slot(a.id, i);
    if (!slot)
      return error(ErrorKind::invalid_transition, fmt::format("`{}` holds no signature of `{}` to release", a.id, pi.id));
    const SlotInfo si = slot_info(p_, s_, i, *slot);
    if (slot_done(*si.state))
      return error(ErrorKind::invalid_transition, fmt::format("signature {} of `{}` is already decided", *slot, pi.id));
    if (si.state->assignee.empty())
      return error(ErrorKind::invalid_transition, fmt::format("signature {} of `{}` is not assigned", *slot, pi.id));
    if (si.state->assignee != a.id && a.department != si.department)
      return error(ErrorKind::not_authorised,
                   fmt::format("only its assignee or staff of department `{}` may release this signature of `{}`",
                               si.department, pi.id));
    if (delegation_of(s_, i, *slot)) return delegated(i, *slot);
    emit(SignerReleased{i, *slot});
    return {};
  }

  /// The checks transfer and delegate share: the item, the permission, the slot, the person.
  Err hand_over_slot(const Actor& a, std::uint32_t i, std::optional<std::uint32_t> wanted, const std::string& to,
                     const std::string& comment, std::string_view what, bool supervisor_may, std::uint32_t& out) {
    if (auto e = status_in(what, {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    if (auto e = reviewing(i)) return e;
    const PlanItem& pi = p_.items[i];
    if (a.kind != ActorKind::staff) return error(ErrorKind::not_authorised, fmt::format("only staff may {}", what));
    if (wanted)
      if (auto e = slot_exists(i, *wanted)) return e;
    std::optional<std::uint32_t> k = held_slot(a, i, wanted);
    if (!k && supervisor_may && supervisor(a, i)) {
      const std::uint32_t n = slot_count(p_, s_, i);
      for (std::uint32_t j = 0; j < n && !k; ++j)
        if ((!wanted || *wanted == j) && !slot_done(*slot_info(p_, s_, i, j).state)) k = j;
    }
    if (!k)
      return error(ErrorKind::not_authorised,
                   fmt::format("`{}` holds no open signature of `{}` to {}{}", a.id, pi.id, what,
                               supervisor_may && !pi.approvals->supervisor.empty()
                                   ? fmt::format(" (nor is `{}` its supervisor `{}`)", a.id, pi.approvals->supervisor)
                                   : std::string()));
    if (delegation_of(s_, i, *k)) return delegated(i, *k);
    if (to.empty()) return error(ErrorKind::invalid_argument, fmt::format("say whom to {} to", what));
    if (to == a.id) return error(ErrorKind::invalid_argument, fmt::format("cannot {} to oneself", what));
    if (to == slot_info(p_, s_, i, *k).state->assignee)
      return error(ErrorKind::invalid_transition, fmt::format("signature {} of `{}` is already `{}`'s", *k, pi.id, to));
    if (auto e = not_signed_yet(to, i)) return e;
    // A transfer makes `to` the holder (a delegate only advises): one slot per person.
    if (supervisor_may)
      if (auto e = holds_no_slot(to, i)) return e;
    if (auto e = comment_given(comment, what)) return e;
    out = *k;
    return {};
  }

  Err on(const Actor& a, const Transfer& c) {
    std::uint32_t i = 0, k = 0;
    if (auto e = item_of(c.item, i)) return e;
    if (auto e = allowed(i, ir::ApprovalOperation::transfer)) return e;
    if (auto e = hand_over_slot(a, i, c.slot, c.to, c.comment, "transfer a signature", true, k)) return e;
    const std::string& assignee = slot_info(p_, s_, i, k).state->assignee;
    emit(SignatureTransferred{i, k, holds(a, i, k) ? a.id : assignee, c.to, c.comment});
    return {};
  }

  Err on(const Actor& a, const Delegate& c) {
    std::uint32_t i = 0, k = 0;
    if (auto e = item_of(c.item, i)) return e;
    if (auto e = allowed(i, ir::ApprovalOperation::delegate)) return e;
    if (auto e = hand_over_slot(a, i, c.slot, c.to, c.comment, "delegate a signature", false, k)) return e;
    emit(SignatureDelegated{i, k, a.id, c.to, c.comment});
    return {};
  }

  Err on(const Actor& a, const ResolveDelegation& c) {
    std::uint32_t i = 0;
    if (auto e = operation_on("resolve a delegation", c.item, ir::ApprovalOperation::delegate, i)) return e;
    const PlanItem& pi = p_.items[i];
    const Delegation* d = nullptr;
    for (const Delegation& x : s_.delegations) {
      if (x.item != i || (c.slot && x.slot != *c.slot)) continue;
      if (x.delegate == a.id || slot_info(p_, s_, i, x.slot).state->assignee == a.id) {
        d = &x;
        break;
      }
    }
    if (!d)
      return error(ErrorKind::not_authorised,
                   fmt::format("`{}` has no delegation of `{}` to resolve (only the delegate or the owner may)", a.id, pi.id));
    const bool by_delegate = d->delegate == a.id;
    if (by_delegate && !c.advice)
      return error(ErrorKind::invalid_argument, "the delegate resolves a delegation with advice: approve, reject or return");
    if (!by_delegate && c.advice)
      return error(ErrorKind::invalid_argument, "the owner decides by signing; a recall carries no advice");
    emit(DelegationResolved{i, d->slot, a.id, c.advice, c.comment});
    return {};
  }

  Err on(const Actor& a, const AddSigner& c) {
    std::uint32_t i = 0;
    if (auto e = operation_on("add a signer", c.item, ir::ApprovalOperation::add_signer, i)) return e;
    const PlanItem& pi = p_.items[i];
    if (a.kind != ActorKind::staff) return error(ErrorKind::not_authorised, "only staff may add a signer");
    if (c.relative_to)
      if (auto e = slot_exists(i, *c.relative_to)) return e;
    // The current signer adds next to their own ready slot; the supervisor next to any open one.
    std::optional<std::uint32_t> r;
    if (auto k = held_slot(a, i, c.relative_to); k && slot_ready(p_, s_, i, *k)) r = k;
    if (!r && supervisor(a, i)) {
      const std::uint32_t n = slot_count(p_, s_, i);
      if (c.relative_to) r = slot_done(*slot_info(p_, s_, i, *c.relative_to).state) ? std::nullopt : c.relative_to;
      for (std::uint32_t k = 0; k < n && !r && !c.relative_to; ++k)
        if (slot_ready(p_, s_, i, k)) r = k;
    }
    if (!r)
      return error(ErrorKind::not_authorised,
                   fmt::format("only the current signer of `{}`{} may add a signer{}", pi.id,
                               pi.approvals->supervisor.empty() ? std::string()
                                                                : fmt::format(" or its supervisor `{}`", pi.approvals->supervisor),
                               c.relative_to ? fmt::format(" next to signature {}", *c.relative_to) : std::string()));
    if (!ir::is_valid_id(c.role))
      return error(ErrorKind::invalid_argument, fmt::format("`{}` is not a valid role", c.role));
    const std::string department = c.department.empty() ? std::string(pi.department) : c.department;
    if (!p_.compiled.bundle().find_department(department))
      return error(ErrorKind::invalid_argument, fmt::format("unknown department `{}`", department));
    const bool vote = pi.join.kind == ir::JoinKind::vote;
    if (vote ? (c.weight < 1 || c.weight > 1000) : c.weight != 1)
      return error(ErrorKind::invalid_argument,
                   vote ? fmt::format("a weight is 1 to 1000, not {}", c.weight)
                        : fmt::format("a weight only applies to a `vote` join; `{}` is `{}`", pi.id, ir::to_string(pi.join.kind)));
    if (!c.person.empty()) {
      if (c.person == a.id) return error(ErrorKind::invalid_argument, "cannot add oneself as a signer");
      if (auto e = not_signed_yet(c.person, i)) return e;
      if (auto e = holds_no_slot(c.person, i)) return e;
    }
    constexpr std::uint32_t max_added = 16;
    if (slot_count(p_, s_, i) - pi.slot_count >= max_added)
      return error(ErrorKind::invalid_argument, fmt::format("item `{}` has {} added signers already: the most in a round", pi.id, max_added));
    if (auto e = comment_given(c.comment, "adding a signer")) return e;
    emit(SignerAdded{i, slot_count(p_, s_, i), *r, c.position, c.role, department, c.weight, c.person, a.id, c.comment});
    join_changed(i);
    settle();
    return {};
  }

  Err on(const Actor& a, const RemoveSigner& c) {
    std::uint32_t i = 0;
    if (auto e = operation_on("remove a signer", c.item, ir::ApprovalOperation::remove_signer, i)) return e;
    if (auto e = slot_exists(i, c.slot)) return e;
    const PlanItem& pi = p_.items[i];
    const SlotInfo si = slot_info(p_, s_, i, c.slot);
    const bool adder = si.added && a.kind == ActorKind::staff && si.added_by == a.id;
    if (!adder && !supervisor(a, i))
      return error(ErrorKind::not_authorised,
                   pi.approvals->supervisor.empty()
                       ? fmt::format("only who added signature {} of `{}` may remove it", c.slot, pi.id)
                       : fmt::format("only the supervisor `{}` of `{}`{} may remove signature {}", pi.approvals->supervisor,
                                     pi.id, si.added ? " or who added it" : "", c.slot));
    if (si.state->removed)
      return error(ErrorKind::invalid_transition, fmt::format("signature {} of `{}` is already removed", c.slot, pi.id));
    if (si.state->decision)
      return error(ErrorKind::invalid_transition,
                   fmt::format("signature {} of `{}` has signed: a decision is taken back with reclaim, not removed", c.slot, pi.id));
    const std::uint32_t n = slot_count(p_, s_, i);
    std::uint32_t counting = 0;
    for (std::uint32_t k = 0; k < n; ++k) counting += !slot_info(p_, s_, i, k).state->removed;
    if (counting <= 1)
      return error(ErrorKind::invalid_transition, fmt::format("signature {} is the last of `{}`: it cannot be removed", c.slot, pi.id));
    if (auto e = comment_given(c.comment, "removing a signer")) return e;
    emit(SignerRemoved{i, c.slot, c.comment});
    join_changed(i);
    settle();
    return {};
  }

  Err on(const Actor& a, const RejectBack& c) {
    if (auto e = status_in("reject back", {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    const PlanItem& pi = p_.items[i];
    // Resolve the target: `applicant`, `previous` (the nearest active items it comes directly
    // after, through inactive ones) or a named step.
    std::optional<std::uint32_t> target;
    if (c.to == "previous") {
      if (!pi.approvals->to_previous)
        return error(ErrorKind::invalid_transition,
                     fmt::format("item `{}` may not be rejected back to `previous`: it rejects back to {}", pi.id, reject_targets(i)));
      const std::vector<std::uint32_t> found = previous_steps(p_, s_, i);
      if (found.size() > 1) {
        return error(ErrorKind::invalid_argument,
                     fmt::format("`{}` comes after {} and {}: name the step to reject back to", pi.id,
                                 listing({p_.items[found[0]].id}), listing({p_.items[found[1]].id})));
      }
      if (!found.empty()) target = found[0];
    } else if (c.to != "applicant") {
      std::uint32_t t = 0;
      if (auto e = item_of(c.to, t)) return e;
      if (std::find(pi.reject_to.begin(), pi.reject_to.end(), t) == pi.reject_to.end())
        return error(ErrorKind::invalid_transition,
                     fmt::format("item `{}` may not be rejected back to `{}`: it rejects back to {}", pi.id, c.to, reject_targets(i)));
      target = t;
    }
    if (!target) {  // to the applicant: a correction, exactly the `return` decision
      if (!pi.approvals->to_applicant)
        return error(ErrorKind::invalid_transition,
                     fmt::format("item `{}` may not be rejected back to the applicant: it rejects back to {}", pi.id, reject_targets(i)));
      return on(a, Sign{c.item, Decision::ret, c.comment, c.materials, c.slot});
    }
    const std::uint32_t t = *target;
    if (auto e = reviewing(i)) return e;
    if (a.kind != ActorKind::staff) return error(ErrorKind::not_authorised, "only staff may reject back");
    if (!c.materials.empty())
      return error(ErrorKind::invalid_argument, "only a rejection back to the applicant lists materials");
    if (auto e = comment_given(c.comment, "a rejection back")) return e;
    const ItemState& target_state = s_.items[t];
    if (target_state.status != ItemStatus::approved)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`: only an approved step can be reviewed again", p_.items[t].id,
                               to_string(target_state.status)));
    if (target_state.pledged)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` was approved on a pledge (告知承诺): reviewing it again would approve it again", p_.items[t].id));
    std::uint32_t slot = 0;
    if (auto e = signer_slot(a, i, c.slot, slot)) return e;

    emit(RejectedBack{i, slot, a.id, t, c.comment});
    const ApprovalPolicy& pol = *pi.approvals;
    auto after_target = [&](std::uint32_t j) {
      return std::binary_search(p_.items[j].ancestors.begin(), p_.items[j].ancestors.end(), t);
    };
    for (std::uint32_t j : p_.order) {
      if (j == i || !after_target(j)) continue;
      const ItemStatus st = s_.items[j].status;
      const bool on_path = std::binary_search(pi.ancestors.begin(), pi.ancestors.end(), j);
      const bool after_rejecting = std::binary_search(p_.items[j].ancestors.begin(), p_.items[j].ancestors.end(), i);
      if (on_path) {
        if (pol.resume == ir::ResumePolicy::rerun && st == ItemStatus::approved) emit(ItemReset{j, ResetCause::rerun});
      } else if (!after_rejecting) {
        if (pol.siblings == ir::SiblingPolicy::cancel && st == ItemStatus::in_review)
          emit(ItemReset{j, ResetCause::sibling_cancelled});
        else if (pol.siblings == ir::SiblingPolicy::redo && (st == ItemStatus::in_review || st == ItemStatus::approved))
          emit(ItemReset{j, ResetCause::sibling_redone});
      }
    }
    start_item(t);
    settle();
    return {};
  }

  Err on(const Actor& a, const Reclaim& c) {
    if (auto e = status_in("take back a decision", {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    std::uint32_t i = 0;
    if (auto e = item_of(c.item, i)) return e;
    if (auto e = allowed(i, ir::ApprovalOperation::reclaim)) return e;
    const PlanItem& pi = p_.items[i];
    const ItemState& it = s_.items[i];
    if (it.status != ItemStatus::in_review && it.status != ItemStatus::approved)
      return error(ErrorKind::invalid_transition,
                   fmt::format("item `{}` is `{}`: its decision is final", pi.id, to_string(it.status)));
    if (c.slot)
      if (auto e = slot_exists(i, *c.slot)) return e;
    const std::uint32_t n = slot_count(p_, s_, i);
    std::optional<std::uint32_t> slot;
    for (std::uint32_t k = 0; k < n && !slot; ++k) {
      const SignerState& st = *slot_info(p_, s_, i, k).state;
      if ((!c.slot || *c.slot == k) && st.decision && a.kind == ActorKind::staff && st.signer == a.id) slot = k;
    }
    if (!slot)
      return error(ErrorKind::not_authorised, fmt::format("`{}` has no decision on `{}` to take back", a.id, pi.id));
    const SlotInfo si = slot_info(p_, s_, i, *slot);
    if (*si.state->decision == Decision::ret)
      return error(ErrorKind::invalid_transition, "a return for correction is answered by the applicant, not taken back");
    for (std::uint32_t k = 0; k < n; ++k) {
      const SignerState& other = *slot_info(p_, s_, i, k).state;
      if (other.decision && !other.removed && other.turn > si.state->turn)
        return error(ErrorKind::invalid_transition,
                     fmt::format("signature {} of `{}` was signed after it: the decision can no longer be taken back", k, pi.id));
    }
    if (it.status == ItemStatus::approved) {
      const JoinNow join = join_now(p_, s_, i);
      if (it.approve_weight < join.threshold)
        return error(ErrorKind::invalid_transition,
                     fmt::format("item `{}` was not approved by its signers: there is no decision to take back", pi.id));
      if (*si.state->decision == Decision::approve && it.approve_weight - si.weight >= join.threshold)
        return error(ErrorKind::invalid_transition,
                     fmt::format("the approval of `{}` stands without this signature", pi.id));
      for (std::uint32_t j : pi.descendants) {
        const ItemState& d = s_.items[j];
        if (d.status == ItemStatus::pending || d.status == ItemStatus::inactive ||
            (d.status == ItemStatus::in_review && !d.acted))
          continue;
        return error(ErrorKind::invalid_transition,
                     fmt::format("item `{}`, which comes after `{}`, is `{}`{}: the decision can no longer be taken back",
                                 p_.items[j].id, pi.id, to_string(d.status), d.status == ItemStatus::in_review ? " and acted on" : ""));
      }
    }
    emit(SignatureReclaimed{i, *slot, a.id, c.comment});
    if (s_.items[i].status == ItemStatus::approved) {
      emit(ItemReopened{i});
      for (std::uint32_t j : p_.order)
        if (s_.items[j].status == ItemStatus::in_review &&
            std::binary_search(p_.items[j].ancestors.begin(), p_.items[j].ancestors.end(), i))
          emit(ItemReset{j, ResetCause::prerequisite_reopened});
    }
    settle();
    return {};
  }

  Err on(const Actor& a, const Remind& c) {
    std::uint32_t i = 0;
    if (auto e = operation_on("send a reminder", c.item, ir::ApprovalOperation::remind, i)) return e;
    const bool applicant_self = a.kind == ActorKind::applicant && a.id == s_.applicant;
    const bool desk = a.kind == ActorKind::staff && a.role == ctx_.options.intake_role;
    if (!applicant_self && !desk)
      return error(ErrorKind::not_authorised, "only the applicant or front-desk staff may send a reminder");
    const ItemState& it = s_.items[i];
    const std::int32_t most = max_reminders(p_.items[i]);
    if (it.reminders >= most)
      return error(ErrorKind::invalid_transition,
                   fmt::format("`{}` has had {} reminders in this round, the most allowed", p_.items[i].id, most));
    // The last one allowed ends the schedule too.
    const std::uint32_t count = it.reminders + 1u;
    emit(ReminderSent{i, count, static_cast<std::int32_t>(count) < most ? it.remind_at : Instant{}, true, c.comment});
    return {};
  }

  // ---- the join after its signers changed, and the timers of approvals --------------------

  /// Decides item i when its signatures reach the join's threshold or can no longer reach it.
  void decide_by_join(std::uint32_t i) {
    const ItemState& it = s_.items[i];
    const JoinNow join = join_now(p_, s_, i);
    if (it.approve_weight >= join.threshold) {
      emit(ItemApproved{i, false});
    } else if (join.total_weight - it.reject_weight < join.threshold) {
      emit(ItemRejected{i});
      item_failed(i);
    }
  }
  /// After a signer was added or removed: the figures in the audit trail, then the decision.
  void join_changed(std::uint32_t i) {
    const JoinNow join = join_now(p_, s_, i);
    const ItemState& it = s_.items[i];
    emit(JoinReevaluated{i, it.approve_weight, it.reject_weight, join.threshold, join.total_weight});
    decide_by_join(i);
  }
  void remind_on_schedule(std::uint32_t i) {
    const ItemState& it = s_.items[i];
    const ir::Reminders& rm = *p_.items[i].approvals->remind;
    const std::uint32_t count = it.reminders + 1u;
    const Instant next = static_cast<std::int32_t>(count) < rm.max ? ctx_.calendar.after_office_time(it.remind_at, rm.every) : Instant{};
    emit(ReminderSent{i, count, next, false, {}});
  }
  void decide_automatically(std::uint32_t i) {
    const bool approve = p_.items[i].approvals->auto_decide->approve;
    emit(AutoDecided{i, approve ? Decision::approve : Decision::reject});
    if (approve) {
      emit(ItemApproved{i, false});
    } else {
      emit(ItemRejected{i});
      item_failed(i);
    }
    settle();
  }

  // ---- checks --------------------------------------------------------------------------

  Err status_in(std::string_view what, std::initializer_list<CaseStatus> allowed) const {
    if (std::find(allowed.begin(), allowed.end(), s_.status) != allowed.end()) return {};
    return error(ErrorKind::invalid_transition,
                 fmt::format("cannot {} while the case is `{}`", what, to_string(s_.status)));
  }
  Err applicant(const Actor& a, std::string_view what) const {
    if (a.kind == ActorKind::applicant && a.id == s_.applicant) return {};
    return error(ErrorKind::not_authorised, fmt::format("only the applicant may {}", what));
  }
  Err clerk(const Actor& a, std::string_view what) const {
    if (a.kind == ActorKind::staff && a.role == ctx_.options.intake_role) return {};
    return error(ErrorKind::not_authorised,
                 fmt::format("only front-desk staff (role `{}`) may {}", ctx_.options.intake_role, what));
  }
  Err item_of(std::string_view id, std::uint32_t& out) const {
    auto i = p_.find_item(id);
    if (!i) {
      std::vector<std::string_view> ids;
      for (const PlanItem& pi : p_.items) ids.push_back(pi.id);
      return error(ErrorKind::unknown_step, fmt::format("unknown item `{}`{}", id, did_you_mean(id, ids)));
    }
    if (s_.items[*i].status == ItemStatus::inactive)
      return error(ErrorKind::invalid_transition, fmt::format("item `{}` does not apply to this case", id));
    out = *i;
    return {};
  }
  Err material_of(std::string_view id, std::uint32_t& out) const {
    auto m = p_.find_material(id);
    if (!m) {
      std::vector<std::string_view> ids;
      for (const PlanMaterial& pm : p_.materials) ids.push_back(pm.id);
      return error(ErrorKind::unknown_material, fmt::format("unknown material `{}`{}", id, did_you_mean(id, ids)));
    }
    out = *m;
    return {};
  }
  Err needed_materials(const std::vector<std::string>& ids, std::vector<std::uint32_t>& out) const {
    out.reserve(out.size() + ids.size());
    for (const std::string& id : ids) {
      std::uint32_t m = 0;
      if (auto e = material_of(id, m)) return e;
      if (s_.materials[m].status == MaterialStatus::not_needed)
        return error(ErrorKind::invalid_argument, fmt::format("material `{}` is not needed by this application", id));
      out.push_back(m);
    }
    normalise(out);
    return {};
  }
  /// Picks the signer slot of item i that `a` fills now (for signing or rejecting back), or
  /// says why there is none.
  Err signer_slot(const Actor& a, std::uint32_t i, std::optional<std::uint32_t> wanted, std::uint32_t& out) const {
    const PlanItem& pi = p_.items[i];
    const std::uint32_t n = slot_count(p_, s_, i);
    if (wanted)
      if (auto e = slot_exists(i, *wanted)) return e;
    if (auto e = not_signed_yet(a.id, i)) return e;
    // Whoever holds a slot signs that one (even while it is out for advice), not another.
    const std::optional<std::uint32_t> held = assigned_slot(a.id, i);
    bool assigned_elsewhere = false, later_turn = false;
    std::optional<std::uint32_t> out_for_advice;
    for (std::uint32_t k = 0; k < n; ++k) {
      const SlotInfo si = slot_info(p_, s_, i, k);
      const SignerState& st = *si.state;
      if (slot_done(st)) continue;
      if (si.role != a.role || si.department != a.department || (wanted && *wanted != k) || (held && *held != k))
        continue;
      if (!st.assignee.empty() && st.assignee != a.id) {
        assigned_elsewhere = true;
        continue;
      }
      if (!slot_ready(p_, s_, i, k)) {
        later_turn = true;
        continue;
      }
      if (delegation_of(s_, i, k)) {
        out_for_advice = k;
        continue;
      }
      out = k;
      return {};
    }
    if (out_for_advice) return delegated(i, *out_for_advice);
    if (later_turn)
      return error(ErrorKind::invalid_transition,
                   fmt::format("not yet the turn of `{}` in the review of `{}`", a.role, pi.id));
    if (assigned_elsewhere)
      return error(ErrorKind::not_authorised,
                   fmt::format("the signature of `{}` for `{}` is assigned to someone else", a.role, pi.id));
    return error(ErrorKind::not_authorised,
                 fmt::format("the review of `{}` has no open signature for role `{}` of department `{}`", pi.id,
                             a.role, a.department));
  }
  Err slot_exists(std::uint32_t i, std::uint32_t k) const {
    const std::uint32_t n = slot_count(p_, s_, i);
    if (k < n) return {};
    return error(ErrorKind::invalid_argument,
                 fmt::format("item `{}` has {} signer(s): there is no slot {}", p_.items[i].id, n, k));
  }
  /// Nobody signs two slots of one review, whichever way they came to hold them.
  Err not_signed_yet(std::string_view person, std::uint32_t i) const {
    const std::uint32_t n = slot_count(p_, s_, i);
    for (std::uint32_t k = 0; k < n; ++k) {
      const SignerState& st = *slot_info(p_, s_, i, k).state;
      if (st.decision && st.signer == person)
        return error(ErrorKind::not_authorised,
                     fmt::format("`{}` has already signed the review of `{}`", person, p_.items[i].id));
    }
    return {};
  }
  /// The open slot of item i assigned to `person`, if any.
  std::optional<std::uint32_t> assigned_slot(std::string_view person, std::uint32_t i) const {
    const std::uint32_t n = slot_count(p_, s_, i);
    for (std::uint32_t k = 0; k < n; ++k) {
      const SignerState& st = *slot_info(p_, s_, i, k).state;
      if (!slot_done(st) && st.assignee == person) return k;
    }
    return std::nullopt;
  }
  /// Nobody holds two open slots of one review: they could sign only one of them.
  Err holds_no_slot(std::string_view person, std::uint32_t i) const {
    if (auto k = assigned_slot(person, i))
      return error(ErrorKind::invalid_transition,
                   fmt::format("`{}` already holds signature {} of `{}`", person, *k, p_.items[i].id));
    return {};
  }
  Err delegated(std::uint32_t i, std::uint32_t k) const {
    return error(ErrorKind::invalid_transition,
                 fmt::format("signature {} of `{}` is delegated to `{}`: wait for the advice or recall it", k,
                             p_.items[i].id, delegation_of(s_, i, k)->delegate));
  }
  /// Whether `a` may act on slot k for its signer: staff of the slot's department and role,
  /// the slot open and assigned to nobody else.
  bool holds(const Actor& a, std::uint32_t i, std::uint32_t k) const {
    const SlotInfo si = slot_info(p_, s_, i, k);
    return a.kind == ActorKind::staff && !slot_done(*si.state) && si.role == a.role && si.department == a.department &&
           (si.state->assignee.empty() || si.state->assignee == a.id);
  }
  /// The open slot of item i that `a` holds: `wanted`, or the first ready one, or the first one.
  std::optional<std::uint32_t> held_slot(const Actor& a, std::uint32_t i, std::optional<std::uint32_t> wanted) const {
    if (wanted) return holds(a, i, *wanted) ? wanted : std::nullopt;
    const std::uint32_t n = slot_count(p_, s_, i);
    std::optional<std::uint32_t> any;
    for (std::uint32_t k = 0; k < n; ++k) {
      if (!holds(a, i, k)) continue;
      if (slot_ready(p_, s_, i, k)) return k;
      if (!any) any = k;
    }
    return any;
  }
  /// The item's supervisor (`approvals.supervisor`): staff of its department in that role.
  bool supervisor(const Actor& a, std::uint32_t i) const {
    const PlanItem& pi = p_.items[i];
    return a.kind == ActorKind::staff && !pi.approvals->supervisor.empty() && a.department == pi.department &&
           a.role == pi.approvals->supervisor;
  }
  Err allowed(std::uint32_t i, ir::ApprovalOperation op) const {
    if (p_.items[i].approvals->allows(op)) return {};
    static constexpr std::string_view chinese[] = {"认领", "转办", "委派", "加签", "减签", "拿回", "催办"};
    return error(ErrorKind::invalid_transition,
                 fmt::format("item `{}` does not allow {} ({})", p_.items[i].id, ir::to_string(op),
                             chinese[static_cast<std::size_t>(op)]));
  }
  /// What every operation on an item in review checks first: the case under review, the
  /// item, that its `approvals` allow the operation, that it is in review.
  Err operation_on(std::string_view what, const std::string& item, ir::ApprovalOperation op, std::uint32_t& i) const {
    if (auto e = status_in(what, {CaseStatus::accepted, CaseStatus::accepted_with_deficiency})) return e;
    if (auto e = item_of(item, i)) return e;
    if (auto e = allowed(i, op)) return e;
    return reviewing(i);
  }
  Err reviewing(std::uint32_t i) const {
    const ItemStatus st = s_.items[i].status;
    if (st == ItemStatus::in_review) return {};
    return error(ErrorKind::invalid_transition,
                 fmt::format("item `{}` is `{}`, not in review", p_.items[i].id, to_string(st)));
  }
  static Err comment_given(const std::string& comment, std::string_view what) {
    if (!comment.empty()) return {};
    return error(ErrorKind::invalid_argument, fmt::format("{} needs a comment saying why", what));
  }
  /// Where item i may be rejected back to, for messages.
  std::string reject_targets(std::uint32_t i) const {
    const PlanItem& pi = p_.items[i];
    std::vector<std::string_view> ids;
    if (pi.approvals->to_applicant) ids.push_back("applicant");
    if (pi.approvals->to_previous) ids.push_back("previous");
    for (std::uint32_t t : pi.reject_to) ids.push_back(p_.items[t].id);
    return ids.empty() ? std::string("nowhere") : listing(ids);
  }
  // ---- flow ----------------------------------------------------------------------------

  void emit(Event e) {
    out_.push_back(std::move(e));
    apply(s_, p_, ctx_.now, out_.back());
  }

  /// After every command and timer: waive deferred materials nobody needs any more, lift a
  /// correction notice whose items are all gone, move the review forward, close what is done.
  void settle() {
    if (is_terminal(s_.status)) return;
    if (s_.status != CaseStatus::draft && s_.status != CaseStatus::submitted)
      for (std::uint32_t m = 0; m < p_.materials.size(); ++m)
        if (s_.materials[m].status == MaterialStatus::deferred && !still_needed(m)) emit(MaterialWaived{m});
    if (s_.status == CaseStatus::returned_for_correction && s_.correction_origin == CorrectionOrigin::review &&
        std::none_of(s_.items.begin(), s_.items.end(), [](const ItemState& it) { return it.status == ItemStatus::returned; }))
      emit(CorrectionLifted{});
    progress();
    close_if_done();
  }

  bool still_needed(std::uint32_t m) const {
    for (std::uint32_t i : p_.materials[m].items) {
      const ItemStatus st = s_.items[i].status;
      if (open_item(st) || st == ItemStatus::approved) return true;
    }
    return false;
  }

  /// While items are under review: start what can start, send the correction notice once
  /// nothing else is in review, end a case nothing was approved in.
  void progress() {
    if (!processing(s_.status)) return;
    for (std::uint32_t i : p_.order)
      if (s_.items[i].status == ItemStatus::pending && ready(i)) start_item(i);
    bool returned = false, reviewing = false, open = false, approved = false;
    for (const ItemState& it : s_.items) {
      returned |= it.status == ItemStatus::returned;
      reviewing |= it.status == ItemStatus::in_review;
      open |= open_item(it.status);
      approved |= it.status == ItemStatus::approved;
    }
    if (returned && !reviewing) {
      emit(CorrectionRequested{CorrectionOrigin::review, s_.notice});
      return;
    }
    if (!open && !approved) {
      cancel_open_items();
      emit(CaseRejected{-1});
    }
  }

  /// Whether everything item i comes after, directly or not, is approved. An inactive item
  /// is transparent (a → b (inactive) → c waits for a). Ancestors rather than direct
  /// predecessors: after a rejection back or a reclaim, an approved item in between may sit
  /// under an item in review again, and nothing new may start on that basis.
  bool ready(std::uint32_t i) const {
    for (std::uint32_t p : p_.items[i].ancestors) {
      const ItemStatus st = s_.items[p].status;
      if (st != ItemStatus::approved && st != ItemStatus::inactive) return false;
    }
    return true;
  }

  void start_item(std::uint32_t i) {
    const ir::WorkDuration& limit = p_.items[i].promised;
    const Instant due = deadline_after(limit);
    const bool on_the_spot = limit.days == 0 && limit.hours == 0;
    const Instant warn = on_the_spot ? due : ctx_.calendar.warning_point(ctx_.now, due, ctx_.options.warning_fraction);
    emit(ItemStarted{i, due, warn});
    if (s_.items[i].pledged) {
      emit(ItemApproved{i, true});
      return;
    }
    const ApprovalPolicy& pol = *p_.items[i].approvals;
    if (!pol.remind && !pol.auto_decide) return;
    ItemScheduled sched{i, {}, {}};
    if (pol.remind) sched.remind_at = ctx_.calendar.after_office_time(ctx_.now, pol.remind->first.value_or(pol.remind->every));
    if (pol.auto_decide) sched.decide_at = pol.auto_decide->after ? ctx_.calendar.deadline(ctx_.now, *pol.auto_decide->after) : due;
    emit(sched);
  }

  Instant deadline_after(const ir::WorkDuration& limit) const {
    if (limit.days == 0 && limit.hours == 0) return ctx_.calendar.end_of_working_day(ctx_.now);  // 即办
    return ctx_.calendar.deadline(ctx_.now, limit);
  }

  /// Item i was rejected or revoked. What comes after it loses its basis: open dependents
  /// are cancelled, approved ones revoked, transitively (through inactive items too). Before
  /// issuance, an essential item among them (or i itself) takes the case down; after
  /// issuance the revocations stand on their own.
  void item_failed(std::uint32_t i) {
    const bool before_issuance = processing(s_.status) || s_.status == CaseStatus::returned_for_correction;
    if (before_issuance && p_.items[i].essential) {
      reject_case(static_cast<std::int32_t>(i));
      return;
    }
    std::vector<std::uint32_t> stack(p_.items[i].dependents.begin(), p_.items[i].dependents.end());
    while (!stack.empty()) {
      const std::uint32_t j = stack.back();
      stack.pop_back();
      const ItemStatus st = s_.items[j].status;
      if (open_item(st)) emit(ItemCancelled{j});
      else if (st == ItemStatus::approved) emit(ItemRevoked{j, RevokeCause::prerequisite_revoked});
      else if (st != ItemStatus::inactive) continue;
      if (before_issuance && st != ItemStatus::inactive && p_.items[j].essential) {
        reject_case(static_cast<std::int32_t>(j));
        return;
      }
      stack.insert(stack.end(), p_.items[j].dependents.begin(), p_.items[j].dependents.end());
    }
  }

  void reject_case(std::int32_t because) {
    cancel_open_items();
    emit(CaseRejected{because});
  }

  void cancel_open_items() {
    for (std::uint32_t i = 0; i < s_.items.size(); ++i)
      if (open_item(s_.items[i].status)) emit(ItemCancelled{i});
  }

  void lapse(std::uint32_t m) {
    emit(MaterialLapsed{m});
    std::vector<std::uint32_t> revoked;
    for (std::uint32_t i : p_.materials[m].items) {
      const ItemStatus st = s_.items[i].status;
      if (open_item(st) || st == ItemStatus::approved) {
        emit(ItemRevoked{i, RevokeCause::material_lapsed});
        revoked.push_back(i);
      }
    }
    for (std::uint32_t i : revoked)
      if (!is_terminal(s_.status)) item_failed(i);
    settle();
  }

  void close_if_done() {
    if (s_.status != CaseStatus::issued || (!s_.rating && !s_.rating_window_ended)) return;
    for (const MaterialState& m : s_.materials)
      if (m.status == MaterialStatus::deferred) return;
    for (const ItemState& it : s_.items)
      if (it.status == ItemStatus::approved && it.post_check == PostCheckStatus::due) return;
    emit(CaseClosed{});
  }

  // ---- helpers -------------------------------------------------------------------------

  std::vector<std::uint32_t> missing_materials() const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t m = 0; m < s_.materials.size(); ++m)
      if (s_.materials[m].status == MaterialStatus::missing) out.push_back(m);
    return out;
  }
  std::vector<std::string_view> names(const std::vector<std::uint32_t>& ms) const {
    std::vector<std::string_view> out;
    for (std::uint32_t m : ms) out.push_back(p_.materials[m].id);
    return out;
  }
  static void normalise(std::vector<std::uint32_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }

  CaseState& s_;
  const Plan& p_;
  const DecideContext& ctx_;
  std::vector<Event>& out_;
};

}  // namespace

std::optional<CommandError> decide_open(CaseState& state, const DecideContext& ctx, const OpenCase& command,
                                        std::vector<Event>& out) {
  return Decider(state, ctx, out).open(command);
}

std::optional<CommandError> decide(CaseState& state, const DecideContext& ctx, const Actor& actor,
                                   const CommandBody& body, std::vector<Event>& out) {
  const std::size_t before = out.size();
  auto e = Decider(state, ctx, out).run(actor, body);
  YISHI_ASSERT(!e || out.size() == before, "a refused command emits no event");
  return e;
}

void settle(CaseState& state, const DecideContext& ctx, std::vector<Event>& out) {
  Decider(state, ctx, out).settle_from_outside();
}

bool fire_next_timer(CaseState& state, const DecideContext& ctx, std::vector<Event>& out) {
  return Decider(state, ctx, out).fire_timer();
}

std::optional<Instant> next_due(const Plan& plan, const CaseState& state) {
  if (auto t = earliest_timer(plan, state)) return t->at;
  return std::nullopt;
}

bool drawn_for_post_check(std::uint64_t seed, CaseId id, std::uint32_t item, double rate) {
  // splitmix64 over (seed, case, item): reproducible without keeping generator state.
  std::uint64_t z = seed ^ (id.value * 0x9E3779B97F4A7C15ULL) ^ (std::uint64_t{item} << 32 | 0x5851F42DULL);
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  const double u = static_cast<double>(z >> 11) * 0x1.0p-53;
  return u < rate;
}

}  // namespace yishi::runtime_internal
