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

/// A timer of a case: 0 warning, 1 overdue (items), 2 lapse (materials), 3 rating window.
struct Timer {
  Instant at{};
  int kind = 0;
  std::uint32_t index = 0;
  friend auto operator<=>(const Timer&, const Timer&) = default;
};

std::optional<Timer> earliest_timer(const CaseState& s) {
  if (is_terminal(s.status) || s.status == CaseStatus::draft) return std::nullopt;
  std::optional<Timer> best;
  auto consider = [&](Timer t) {
    if (!best || t < *best) best = t;
  };
  for (std::uint32_t i = 0; i < s.items.size(); ++i) {
    const ItemState& it = s.items[i];
    if (it.status != ItemStatus::in_review) continue;
    if (!it.warned && it.warning_at < it.deadline) consider({it.warning_at, 0, i});
    if (!it.overdue) consider({it.deadline, 1, i});
  }
  for (std::uint32_t m = 0; m < s.materials.size(); ++m)
    if (s.materials[m].status == MaterialStatus::deferred) consider({s.materials[m].deadline, 2, m});
  if (s.status == CaseStatus::issued && !s.rating && !s.rating_window_ended) consider({s.rating_until, 3, 0});
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
                   fmt::format("the applicant is not eligible: {}", e.label.empty() ? e.condition.text : e.label));
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
    auto t = earliest_timer(s_);
    if (!t || t->at > ctx_.now) return false;
    switch (t->kind) {
      case 0: emit(DeadlineWarning{t->index}); break;
      case 1: emit(DeadlineOverdue{t->index}); break;
      case 2: lapse(t->index); break;
      default:
        emit(RatingWindowEnded{});
        settle();
        break;
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
    std::uint32_t slot = pi.slot_count;
    if (c.slot) {
      if (*c.slot >= pi.slot_count)
        return error(ErrorKind::invalid_argument,
                     fmt::format("item `{}` has {} signer(s): there is no slot {}", pi.id, pi.slot_count, *c.slot));
      slot = *c.slot;
    } else {
      for (std::uint32_t k = 0; k < pi.slot_count && slot == pi.slot_count; ++k) {
        const SignerState& st = s_.signers[pi.slot_begin + k];
        if (!st.decision && st.assignee.empty()) slot = k;
      }
      if (slot == pi.slot_count)
        return error(ErrorKind::invalid_transition,
                     fmt::format("every signer slot of `{}` is already decided or assigned", pi.id));
    }
    if (s_.signers[pi.slot_begin + slot].decision)
      return error(ErrorKind::invalid_transition, fmt::format("slot {} of `{}` has already signed", slot, pi.id));
    const PlanSlot& ps = p_.slots[pi.slot_begin + slot];
    if (a.kind != ActorKind::staff || a.department != ps.department)
      return error(ErrorKind::not_authorised,
                   fmt::format("only staff of department `{}` may assign this signature of `{}`", ps.department, pi.id));
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
    const ItemState& now = s_.items[i];
    if (c.decision == Decision::ret) {
      emit(ItemReturned{i});
    } else if (now.approve_weight >= pi.join.threshold) {
      emit(ItemApproved{i, false});
    } else if (pi.join.total_weight - now.reject_weight < pi.join.threshold) {
      emit(ItemRejected{i});
      item_failed(i);
    }
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
  /// Picks the signer slot of item i that `a` fills, or says why there is none.
  Err signer_slot(const Actor& a, std::uint32_t i, std::optional<std::uint32_t> wanted, std::uint32_t& out) const {
    const PlanItem& pi = p_.items[i];
    const bool sequence = pi.join.kind == ir::JoinKind::sequence;
    bool assigned_elsewhere = false, later_turn = false, first_open = true;
    for (std::uint32_t k = 0; k < pi.slot_count; ++k) {
      const SignerState& st = s_.signers[pi.slot_begin + k];
      if (st.decision && st.signer == a.id)
        return error(ErrorKind::not_authorised, fmt::format("`{}` has already signed the review of `{}`", a.id, pi.id));
    }
    for (std::uint32_t k = 0; k < pi.slot_count; ++k) {
      const SignerState& st = s_.signers[pi.slot_begin + k];
      const PlanSlot& ps = p_.slots[pi.slot_begin + k];
      if (st.decision) continue;
      const bool turn = !sequence || first_open;
      first_open = false;
      if (ps.role != a.role || ps.department != a.department || (wanted && *wanted != k)) continue;
      if (!st.assignee.empty() && st.assignee != a.id) {
        assigned_elsewhere = true;
        continue;
      }
      if (!turn) {
        later_turn = true;
        continue;
      }
      out = k;
      return {};
    }
    if (later_turn)
      return error(ErrorKind::invalid_transition,
                   fmt::format("not yet the turn of `{}` in the sequential review of `{}`", a.role, pi.id));
    if (assigned_elsewhere)
      return error(ErrorKind::not_authorised,
                   fmt::format("the signature of `{}` for `{}` is assigned to someone else", a.role, pi.id));
    return error(ErrorKind::not_authorised,
                 fmt::format("the review of `{}` has no open signature for role `{}` of department `{}`", pi.id,
                             a.role, a.department));
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

  /// Whether everything item i comes after is approved. An inactive item is transparent: what
  /// it comes after still counts (a → b (inactive) → c waits for a).
  bool ready(std::uint32_t i) const {
    for (std::uint32_t p : p_.items[i].after) {
      const ItemStatus st = s_.items[p].status;
      if (st == ItemStatus::inactive ? !ready(p) : st != ItemStatus::approved) return false;
    }
    return true;
  }

  void start_item(std::uint32_t i) {
    const ir::WorkDuration& limit = p_.items[i].promised;
    const Instant due = deadline_after(limit);
    const bool on_the_spot = limit.days == 0 && limit.hours == 0;
    const Instant warn = on_the_spot ? due : ctx_.calendar.warning_point(ctx_.now, limit, ctx_.options.warning_fraction);
    emit(ItemStarted{i, due, warn});
    if (s_.items[i].pledged) emit(ItemApproved{i, true});
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

std::optional<Instant> next_due(const Plan&, const CaseState& state) {
  if (auto t = earliest_timer(state)) return t->at;
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
