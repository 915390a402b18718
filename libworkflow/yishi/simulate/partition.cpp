// One partition (service centre) of a simulation: a discrete-event loop on office time that
// drives real cases through a real Engine. The engine's commits come back through the store
// (SinkStore), and the simulator reacts to their events: items started become signature
// tasks in their departments' queues, deferrals become supplies the applicant brings later,
// a correction notice becomes a resubmission, an issuance ends the applicant's wait.
#include "yishi/simulate/internal/partition.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <unordered_map>

#include "yishi/base/assert.hpp"
#include "yishi/base/id_map.hpp"
#include "yishi/runtime/engine.hpp"
#include "yishi/simulate/internal/event_queue.hpp"
#include "yishi/simulate/internal/office_time.hpp"
#include "yishi/simulate/internal/random.hpp"
#include "yishi/simulate/internal/sink_store.hpp"

namespace yishi::simulate::internal {
namespace {

constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t max_messages = 5;

enum class EvKind : std::uint8_t { arrival, task_done, resubmit, supply, rate, next_item, timer, tick };

struct Ev {
  std::uint64_t a = 0;  ///< case id, bundle or department
  std::uint32_t b = 0;  ///< material, staff slot, journey; arrival from a trace: profile + 1 (0: drawn)
  EvKind kind = EvKind::tick;
};

enum class TaskKind : std::uint8_t { intake, sign, issue, post_check };

struct Task {
  std::uint64_t case_id = 0;
  std::uint16_t item = 0, slot = 0;
  std::uint8_t round = 0;
  TaskKind kind = TaskKind::intake;
};

struct Department {
  int staff = 1, busy = 0;
  std::deque<Task> queue;
  std::vector<Task> serving;  ///< by staff slot
  std::vector<std::uint32_t> free_slots;
  std::int64_t last = 0;
  double busy_acc = 0, queue_acc = 0;  ///< integrals over the current day (office seconds)
};

enum ItemPhase : std::uint8_t { inactive, waiting, review, decided };

struct ItemRec {
  std::uint8_t phase = inactive, round = 0, next_slot = 0;
  bool pledged = false, sampled = false;
};

struct Case {
  std::uint64_t id = 0;
  std::uint32_t journey = 0;
  std::uint16_t bundle = 0;
  std::int16_t alone = -1;  ///< separate mode: the bundle item this case applies for
  Rng rng;
  std::uint32_t undecided = 0;
  std::uint16_t blocking = 0;
  bool accepted = false, corrected = false, issue_queued = false, issued = false, ended = false, rejected = false;
  std::int64_t next_due = no_time;  ///< the engine's next timer for the case (epoch seconds)
  std::int64_t timer_at = no_time;  ///< office time of the timer event scheduled for it
  std::vector<ItemRec> items;
  std::vector<std::uint32_t> deferred;  ///< outstanding deferred materials
  std::vector<std::uint32_t> asked;     ///< materials the correction notice asks for
  std::vector<std::uint32_t> handed;    ///< materials handed over at submission
};

/// An applicant applying item by item (separate mode).
struct Journey {
  std::vector<std::uint32_t> todo;
  std::size_t next = 0;
  std::vector<std::uint32_t> failed;  ///< items rejected
  std::size_t profile = 0;
  std::vector<bool> situations;
  Rng rng;
  bool any_issued = false;
};

class Sim {
 public:
  Sim(const Scenario& s, const Model& m, const Calendar& cal, int part)
      : s_(s),
        m_(m),
        part_(part),
        axis_(cal, s.start),
        clock_(axis_.instant(0)),
        store_([this](CaseId id, std::span<const Event> ev, std::optional<Instant> due) { on_commit(id, ev, due); },
               s.keep_logs),
        engine_(store_, clock_, cal, options(s, part)) {
    for (const BundleInfo& b : m_.bundles) {
      (void)engine_.deploy(b.load->bundle);
      for (const CompiledBundle& one : b.alone) (void)engine_.deploy(one);
    }
    depts_.resize(m_.departments.size());
    for (std::size_t d = 0; d < depts_.size(); ++d) {
      depts_[d].staff = m_.staff[d];
      depts_[d].serving.resize(static_cast<std::size_t>(m_.staff[d]));
      for (int k = m_.staff[d] - 1; k >= 0; --k) depts_[d].free_slots.push_back(static_cast<std::uint32_t>(k));
    }
    busy_.resize(depts_.size());
    for (std::size_t a = 0; a < m_.actors.size(); ++a) {
      signs_.push_back(Command{fmt::format("s{}.", a), m_.actors[a], Sign{}});
      staff_.push_back(Command{fmt::format("t{}.", a), m_.actors[a], Accept{}});
    }
    queue_.resize(depts_.size());
    tasks_.resize(depts_.size());
    items_.resize(m_.items.size());
    // Open-case commands per bundle and profile, reused for every applicant.
    for (std::size_t b = 0; b < m_.bundles.size(); ++b) {
      const BundleLoad& l = *m_.bundles[b].load;
      std::vector<OpenCase> forms;
      const std::size_t n = std::max<std::size_t>(1, l.profiles.size());
      for (std::size_t p = 0; p < n; ++p) {
        OpenCase oc;
        oc.id = fmt::format("o{}.{}.", b, p);
        oc.bundle = l.bundle.bundle().id;
        oc.actor = Actor::applicant("");
        if (!l.profiles.empty()) oc.answers = l.profiles[p].answers;
        for (const auto& [id, prob] : l.situations) oc.situations.emplace_back(id, false);
        forms.push_back(std::move(oc));
      }
      opens_.push_back(std::move(forms));
    }
  }

  PartitionResult run() {
    const std::int64_t day = axis_.day();
    const std::int64_t arrivals_end = std::int64_t{s_.working_days} * day;
    end_ = arrivals_end + std::int64_t{s_.drain_days} * day;
    if (s_.trace.empty()) {
      for (std::size_t b = 0; b < m_.bundles.size(); ++b) {
        arrival_rng_.push_back(Rng{stream(s_.seed, 0xA11, std::uint64_t(part_) << 16 | b)});
        next_arrival(b, 0, arrivals_end);
      }
    } else {
      std::size_t k = 0;
      for (const Arrival& a : s_.trace) {
        if (static_cast<int>(k++ % static_cast<std::size_t>(s_.partitions)) != part_) continue;
        const auto t = static_cast<std::int64_t>(std::llround(a.day * double(day)));
        push(t, {a.bundle, a.profile ? static_cast<std::uint32_t>(*a.profile + 1) : 0u, EvKind::arrival});
      }
    }
    push(day, {0, 0, EvKind::tick});
    while (!events_.empty()) {
      const auto item = events_.pop();
      if (item.time() > end_) break;
      now_ = item.time();
      const Ev& ev = item.payload;
      if (ev.kind == EvKind::tick) {
        close_day();
        if (pending_ > 0) push(now_ + day, {0, 0, EvKind::tick});
        continue;
      }
      --pending_;
      handle(ev, arrivals_end);
    }
    close_day();
    PartitionResult r;
    r.cases = std::move(cols_);
    r.items = std::move(items_);
    r.busy = std::move(busy_);
    r.queue = std::move(queue_);
    r.tasks = std::move(tasks_);
    r.days = days_;
    r.commands = commands_;
    r.refusals = refusals_;
    r.refusal_messages = std::move(refusal_messages_);
    r.opening_failures = opening_failures_;
    r.opening_reasons = std::move(opening_reasons_);
    return r;
  }

 private:
  static EngineOptions options(const Scenario& s, int part) {
    EngineOptions o;
    o.post_check_rate = s.post_check_rate;
    o.seed = stream(s.seed, 0x9C, static_cast<std::uint64_t>(part));
    o.return_events = false;  // the simulator reads every commit's events from the store
    return o;
  }

  // ---- the event loop ---------------------------------------------------------------------

  void push(std::int64_t t, Ev ev) {
    if (ev.kind != EvKind::tick) ++pending_;
    events_.push(std::min(t, decltype(events_)::max_time), ev);
  }
  /// Schedules `ev` after a sampled duration (hours).
  void push_after(double hours, Ev ev) { push(now_ + static_cast<std::int64_t>(std::llround(hours * 3600.0)), ev); }

  void next_arrival(std::size_t b, std::int64_t from, std::int64_t until) {
    const double rate = m_.bundles[b].load->arrivals_per_day / s_.partitions;
    if (rate <= 0) return;
    const double gap = -std::log(1.0 - arrival_rng_[b].uniform()) / rate * double(axis_.day());
    const auto t = from + static_cast<std::int64_t>(std::llround(gap));
    if (t < until) push(t, {b, 0, EvKind::arrival});
  }

  void handle(const Ev& ev, std::int64_t arrivals_end) {
    switch (ev.kind) {
      case EvKind::arrival:
        if (s_.trace.empty()) next_arrival(ev.a, now_, arrivals_end);
        arrive(static_cast<std::size_t>(ev.a), ev.b == 0 ? std::nullopt : std::optional<std::size_t>(ev.b - 1));
        break;
      case EvKind::task_done: finish_task(static_cast<std::size_t>(ev.a), ev.b); break;
      case EvKind::resubmit: resubmit(ev.a); break;
      case EvKind::supply: supply(ev.a, ev.b); break;
      case EvKind::rate:
        if (Case* c = find(ev.a)) {
          run(*c, applicant_of(*c), Rate{5, {}});
          retire(ev.a);
        }
        break;
      case EvKind::next_item: continue_journey(ev.b); break;
      case EvKind::timer:
        if (Case* c = find(ev.a); c && c->timer_at == now_) timer(*c);
        break;
      case EvKind::tick: break;
    }
  }

  /// Closes the current day's load figures.
  void close_day() {
    if (now_ <= day_start_ && days_ > 0) return;
    for (std::size_t d = 0; d < depts_.size(); ++d) {
      touch(d);
      busy_[d].push_back(depts_[d].busy_acc);
      queue_[d].push_back(depts_[d].queue_acc);
      depts_[d].busy_acc = depts_[d].queue_acc = 0;
    }
    ++days_;
    day_start_ = now_;
  }

  void touch(std::size_t d) {
    Department& dep = depts_[d];
    const double dt = double(now_ - dep.last);
    dep.busy_acc += dep.busy * dt;
    dep.queue_acc += double(dep.queue.size()) * dt;
    dep.last = now_;
  }

  // ---- staff and their queues -------------------------------------------------------------

  void enqueue(std::size_t d, Task t) {
    touch(d);
    depts_[d].queue.push_back(t);
    start_tasks(d);
  }

  /// Whether a queued task still has something to do.
  bool live(const Task& t) {
    Case* c = find(t.case_id);
    if (!c || c->ended) return false;
    if (t.kind == TaskKind::sign) {
      const ItemRec& it = c->items[t.item];
      return it.phase == review && it.round == t.round;
    }
    return true;
  }

  void start_tasks(std::size_t d) {
    Department& dep = depts_[d];
    while (!dep.free_slots.empty() && !dep.queue.empty()) {
      touch(d);
      const Task t = dep.queue.front();
      dep.queue.pop_front();
      if (!live(t)) continue;
      Case& c = *find(t.case_id);
      const std::uint32_t slot = dep.free_slots.back();
      dep.free_slots.pop_back();
      dep.serving[slot] = t;
      ++dep.busy;
      ++tasks_[d];
      const double hours = sample(service(c, t), c.rng);
      push_after(hours, {d, slot, EvKind::task_done});
    }
  }

  const Distribution& service(const Case& c, const Task& t) const {
    const BundleLoad& l = *m_.bundles[c.bundle].load;
    switch (t.kind) {
      case TaskKind::intake: return l.intake;
      case TaskKind::issue: return l.issue;
      case TaskKind::post_check: return l.post_check;
      case TaskKind::sign: return item(c, t.item).load->service;
    }
    return l.intake;
  }

  void finish_task(std::size_t d, std::uint32_t slot) {
    Department& dep = depts_[d];
    touch(d);
    const Task t = dep.serving[slot];
    --dep.busy;
    dep.free_slots.push_back(slot);
    if (Case* c = find(t.case_id); c && !c->ended) {
      switch (t.kind) {
        case TaskKind::intake: intake(*c); break;
        case TaskKind::sign: sign(*c, t); break;
        case TaskKind::issue: run_staff(*c, clerk(*c), Issue{}); break;
        case TaskKind::post_check: {
          const bool pass = !c->rng.chance(m_.bundles[c->bundle].load->post_check_fail);
          run_staff(*c, item(*c, t.item).actor, PostCheck{item_id(*c, t.item), pass, pass ? "" : "核查不符"});
          break;
        }
      }
      retire(t.case_id);
    }
    start_tasks(d);
  }

  // ---- applicants -------------------------------------------------------------------------

  void arrive(std::size_t b, std::optional<std::size_t> profile) {
    const auto journey = static_cast<std::uint32_t>(cols_.size());
    cols_.bundle.push_back(static_cast<std::uint16_t>(b));
    cols_.partition.push_back(static_cast<std::uint8_t>(part_));
    cols_.arrival.push_back(static_cast<float>(double(now_) / double(axis_.day())));
    cols_.lead_days.push_back(std::numeric_limits<float>::quiet_NaN());
    cols_.trips.push_back(0);
    cols_.outcome.push_back(static_cast<std::uint8_t>(Outcome::unfinished));
    submitted_.push_back(no_time);
    Rng rng{stream(s_.seed, std::uint64_t(part_) + 1, journey)};
    const BundleInfo& bi = m_.bundles[b];
    std::size_t p = 0;
    if (profile) {
      p = *profile;
      (void)rng.next();  // keep the stream aligned with drawn profiles
    } else if (!bi.profile_weights.empty()) {
      const double u = rng.uniform() * bi.profile_weights.back();
      while (p + 1 < bi.profile_weights.size() && u >= bi.profile_weights[p]) ++p;
    }
    std::vector<bool> situations;
    for (const auto& [id, prob] : bi.load->situations) situations.push_back(rng.uniform() < prob);
    if (s_.mode == Mode::bundled) {
      open(b, -1, journey, p, situations, rng);
      return;
    }
    // Separate: which items apply, then one case per item in dependency order.
    OpenCase& oc = opens_[b][p];
    for (std::size_t k = 0; k < situations.size(); ++k) oc.situations[k].second = situations[k];
    const auto today = expr::day_number(engine_.calendar().local_date(axis_.instant(now_)));
    const ConditionResult r = bi.load->bundle.evaluate_conditions(oc.answers, today, oc.situations);
    if (!r.decided() || !r.ineligible.empty()) {
      not_opened(journey, r.ineligible.empty() ? "which items apply cannot be decided from these answers"
                                               : "the applicant is not eligible");
      return;
    }
    Journey j{{}, 0, {}, p, std::move(situations), rng, false};
    for (std::uint32_t i : bi.order)
      if (r.active[i] && *r.active[i]) j.todo.push_back(i);
    if (j.todo.empty()) {
      not_opened(journey, "no item of the bundle applies to these answers");
      return;
    }
    journeys_.emplace(journey, std::move(j));
    continue_journey(journey);
  }

  void not_opened(std::uint32_t journey, const std::string& why) {
    cols_.outcome[journey] = static_cast<std::uint8_t>(Outcome::not_opened);
    ++opening_failures_;
    if (opening_reasons_.size() < max_messages &&
        std::find(opening_reasons_.begin(), opening_reasons_.end(), why) == opening_reasons_.end())
      opening_reasons_.push_back(why);
  }

  /// Separate mode: applies for the journey's next item, or ends the journey.
  void continue_journey(std::uint32_t journey) {
    auto it = journeys_.find(journey);
    if (it == journeys_.end()) return;
    Journey& j = it->second;
    const std::size_t b = cols_.bundle[journey];
    const BundleInfo& bi = m_.bundles[b];
    while (j.next < j.todo.size()) {
      const std::uint32_t i = j.todo[j.next++];
      bool blocked = false;
      for (std::uint32_t f : j.failed)
        blocked = blocked || std::binary_search(bi.items[i].before.begin(), bi.items[i].before.end(), f);
      if (blocked) continue;
      Rng rng{stream(j.rng.state, i)};
      open(b, static_cast<int>(i), journey, j.profile, j.situations, rng);
      return;
    }
    // Done: issued if anything was, and no essential item failed.
    bool essential_failed = false;
    for (std::uint32_t f : j.failed) essential_failed = essential_failed || bi.items[f].essential;
    if (j.any_issued && !essential_failed) {
      cols_.outcome[journey] = static_cast<std::uint8_t>(Outcome::issued);
      cols_.lead_days[journey] = static_cast<float>(double(now_ - submitted_[journey]) / double(axis_.day()));
    } else if (cols_.outcome[journey] != static_cast<std::uint8_t>(Outcome::not_opened)) {
      cols_.outcome[journey] = static_cast<std::uint8_t>(Outcome::rejected);
    }
    journeys_.erase(it);
  }

  /// Opens a case (of the bundle, or of item `alone` on its own), pledges, and submits.
  void open(std::size_t b, int alone, std::uint32_t journey, std::size_t profile, const std::vector<bool>& situations,
            Rng rng) {
    const BundleInfo& bi = m_.bundles[b];
    OpenCase& oc = opens_[b][profile];
    for (std::size_t k = 0; k < situations.size(); ++k) oc.situations[k].second = situations[k];
    oc.bundle = alone < 0 ? bi.load->bundle.bundle().id : bi.alone[static_cast<std::size_t>(alone)].bundle().id;
    next_key(oc.id);
    numbered(oc.actor.id, "a", static_cast<std::uint64_t>(part_), journey);
    opening_ = Case{};
    opening_.journey = journey;
    opening_.bundle = static_cast<std::uint16_t>(b);
    opening_.alone = static_cast<std::int16_t>(alone);
    opening_.rng = rng;
    clock_.set(axis_.instant(now_));
    ++commands_;
    auto opened = engine_.open_case(oc);
    if (!opened) {
      if (alone < 0) not_opened(journey, opened.error().message);
      else refuse(opened.error().message);
      if (alone >= 0) {
        journeys_[journey].failed.push_back(static_cast<std::uint32_t>(alone));
        continue_journey(journey);
      }
      return;
    }
    const std::uint64_t id = opened->case_id.value;
    Case& c = *find(id);
    const Actor& applicant = oc.actor;
    // 告知承诺: pledges for the items that allow one.
    for (std::size_t k = 0; k < c.items.size(); ++k) {
      const ItemInfo& ii = item(c, k);
      if (c.items[k].phase != inactive && ii.pledge && c.rng.chance(bi.load->pledge))
        if (!run(c, applicant, Pledge{item_id(c, k)})) return;
    }
    // What the applicant hands over: the materials of the applying items, except those a
    // provider supplies, those every user of which is pledged, and the deferred ones.
    std::vector<std::uint32_t>& hand = hand_;
    hand.clear();
    std::vector<std::uint8_t>& use = use_;
    use.assign(bi.materials.size(), 0);  // 1 needed, 2 core somewhere, 4 unpledged user
    for (std::size_t k = 0; k < c.items.size(); ++k) {
      if (c.items[k].phase == inactive) continue;
      const ItemInfo& ii = item(c, k);
      for (std::size_t u = 0; u < ii.materials.size(); ++u) {
        std::uint8_t& f = use[ii.materials[u]];
        f |= 1;
        if (ii.core[u]) f |= 2;
        if (!c.items[k].pledged) f |= 4;
      }
    }
    for (std::uint32_t mat = 0; mat < use.size(); ++mat) {
      const MaterialInfo& mi = bi.materials[mat];
      if (!(use[mat] & 1) || mi.from_provider) continue;
      if (mi.pledge && !(use[mat] & 4)) continue;
      if (mi.deferrable && !(use[mat] & 2) && c.rng.chance(bi.load->defer)) {
        c.deferred.push_back(mat);
        continue;
      }
      hand.push_back(mat);
    }
    c.handed = hand;
    // Filled in place, like the signatures: the material ids keep their buffers.
    const ir::Bundle& ir = bi.load->bundle.bundle();
    Submit& submit = std::get<Submit>(submit_.body);
    submit.materials.resize(hand.size());
    for (std::size_t k = 0; k < hand.size(); ++k) submit.materials[k] = ir.materials[hand[k]].id;
    submit_.actor = applicant;
    if (!execute(c, submit_)) return;
    if (submitted_[journey] == no_time) submitted_[journey] = now_;
    if (alone < 0 ? bi.window_apply : bi.items[static_cast<std::size_t>(alone)].window_apply) trip(journey);
    enqueue(desk(c), Task{id, 0, 0, 0, TaskKind::intake});
    retire(id);
  }

  void intake(Case& c) {
    const BundleLoad& l = *m_.bundles[c.bundle].load;
    const ir::Bundle& ir = l.bundle.bundle();
    if (!c.corrected && !c.handed.empty() && c.rng.chance(l.correction)) {
      c.corrected = true;
      const std::uint32_t mat = c.handed[static_cast<std::size_t>(c.rng.uniform() * double(c.handed.size()))];
      run_staff(c, clerk(c), ReturnForCorrection{{ir.materials[mat].id}, "材料不齐全或不符合法定形式"});
      return;
    }
    if (c.deferred.empty()) run_staff(c, clerk(c), Accept{});
    else run_staff(c, clerk(c), AcceptWithDeficiency{});
  }

  void resubmit(std::uint64_t id) {
    Case* c = find(id);
    if (!c) return;
    const ir::Bundle& ir = m_.bundles[c->bundle].load->bundle.bundle();
    std::vector<std::string> ids;
    for (std::uint32_t mat : c->asked) ids.push_back(ir.materials[mat].id);
    if (run(*c, applicant_of(*c), Resubmit{std::move(ids)})) {
      if (window_apply(*c)) trip(c->journey);
      enqueue(desk(*c), Task{id, 0, 0, 0, TaskKind::intake});
    }
    retire(id);
  }

  void supply(std::uint64_t id, std::uint32_t mat) {
    Case* c = find(id);
    if (!c) return;
    const bool caught_up = catch_up(*c);  // a lapse due at this very instant comes first
    if (!caught_up || std::find(c->deferred.begin(), c->deferred.end(), mat) == c->deferred.end()) {
      retire(id);
      return;
    }
    const ir::Bundle& ir = m_.bundles[c->bundle].load->bundle.bundle();
    if (run(*c, applicant_of(*c), SupplyMaterial{ir.materials[mat].id}) && window_apply(*c)) trip(c->journey);
    retire(id);
  }

  void sign(Case& c, const Task& t) {
    ItemRec& it = c.items[t.item];
    if (it.phase != review || it.round != t.round) return;  // decided while this signer worked
    const ItemInfo& ii = item(c, t.item);
    const bool reject = c.rng.chance(ii.load->reject);
    const SignerInfo& sg = ii.signers[t.slot];
    // The most frequent command: one per person, filled in place, so its strings keep their
    // buffers and the actor is never copied.
    Command& cmd = signs_[sg.actor];
    Sign& body = std::get<Sign>(cmd.body);
    body.item = item_id(c, t.item);
    body.decision = reject ? Decision::reject : Decision::approve;
    body.comment = reject ? "不符合许可条件" : "";
    body.slot = t.slot;
    execute(c, cmd);
  }

  // ---- the engine -------------------------------------------------------------------------

  /// The case's timer event: fires what is due by now, or waits for the timer's new instant.
  void timer(Case& c) {
    c.timer_at = no_time;
    if (c.next_due == no_time || c.ended) return;
    const Instant due{std::chrono::seconds{c.next_due}};
    if (const std::int64_t at = axis_.at(due); at > now_) {
      c.timer_at = at;
      push(at, {c.id, 0, EvKind::timer});
      return;
    }
    clock_.set(due);
    commands_ += engine_.fire_timers(CaseId{c.id}, due);
    retire(c.id);
  }

  /// Fires the case's timers due by now (a deadline at the very instant the person acts comes
  /// first, as in the engine); returns false when they ended the case.
  bool catch_up(Case& c) {
    const Instant at = axis_.instant(now_);
    clock_.set(at);
    if (c.next_due != no_time && c.next_due <= at.time_since_epoch().count())
      commands_ += engine_.fire_timers(CaseId{c.id}, at);
    return !c.ended;
  }

  /// Runs `body` as staff member `actor` (an index into the model's actors), whose command
  /// keeps its actor between uses.
  bool run_staff(Case& c, std::uint32_t actor, CommandBody body) {
    Command& cmd = staff_[actor];
    cmd.body = std::move(body);
    return execute(c, cmd);
  }

  bool run(Case& c, const Actor& actor, CommandBody body) {
    cmd_.actor = actor;
    cmd_.body = std::move(body);
    return execute(c, cmd_);
  }

  /// Runs `cmd` (actor and body set) on the case under a fresh command id.
  bool execute(Case& c, Command& cmd) {
    if (!catch_up(c)) return false;
    next_key(cmd.id);
    ++commands_;
    auto r = engine_.execute(CaseId{c.id}, cmd);
    if (!r) {
      refuse(r.error().message);
      return false;
    }
    return true;
  }

  void refuse(const std::string& message) {
    ++refusals_;
    if (refusal_messages_.size() < max_messages) refusal_messages_.push_back(message);
  }

  /// The next command id of a reused command object. Each object's ids are its own prefix
  /// (set once, unique among the objects) and a counter, incremented here in place: the ids
  /// never repeat, and making one costs a few instructions.
  static void next_key(std::string& key) {
    std::size_t k = key.size();
    while (k > 0 && key[k - 1] == '9') key[--k] = '0';
    if (k > 0 && key[k - 1] >= '0' && key[k - 1] <= '8') {
      ++key[k - 1];
    } else if (k == key.size()) {
      key.push_back('1');  // no digits yet: the counter starts at 1
    } else {
      key[k] = '1';  // 9…9 became 0…0: one more digit, 10…0
      key.push_back('0');
    }
  }

  /// `prefix` and the numbers, dot-separated, written into `out` (keeps its buffer).
  static void numbered(std::string& out, std::string_view prefix, std::uint64_t n, std::int64_t m = -1) {
    char buf[64];
    const std::size_t k = std::min(prefix.size(), std::size_t{16});
    std::memcpy(buf, prefix.data(), k);
    char* p = std::to_chars(buf + k, buf + 40, n).ptr;
    if (m >= 0) {
      *p = '.';
      p = std::to_chars(p + 1, buf + sizeof buf, m).ptr;
    }
    out.assign(buf, p);
  }

  /// The engine's events for one commit: the simulator's bookkeeping and what happens next.
  void on_commit(CaseId id, std::span<const Event> events, std::optional<Instant> due) {
    Case* found = cases_.find(id.value);
    if (!found) {
      opening_.id = id.value;
      found = &cases_.insert(id.value, std::move(opening_));
    }
    Case& c = *found;
    c_id_ = id.value;
    std::vector<std::uint32_t>& next_signers = scratch_;
    next_signers.clear();
    for (const Event& e : events) std::visit([&](const auto& x) { on(c, x, next_signers); }, e);
    for (std::uint32_t k : next_signers) {
      ItemRec& it = c.items[k];
      if (it.phase == review && it.next_slot < item(c, k).signers.size()) signer_task(c, k, it.next_slot);
    }
    c.next_due = due ? due->time_since_epoch().count() : no_time;
    if (due && !c.ended) {
      // One timer event per case at a time: a later due instant waits for the event already
      // scheduled, which looks again when it comes (most changes move the timer later).
      const std::int64_t at = std::max(now_, axis_.at(*due));
      if (c.timer_at == no_time || at < c.timer_at) {
        c.timer_at = at;
        push(at, {id.value, 0, EvKind::timer});
      }
    }
    maybe_issue(c);
  }

  using Next = std::vector<std::uint32_t>;
  void on(Case& c, const CaseOpened& e, Next&) {
    c.items.resize(e.active.size());
    for (std::size_t k = 0; k < e.active.size(); ++k)
      if (e.active[k]) {
        c.items[k].phase = waiting;
        ++c.undecided;
      }
  }
  void on(Case& c, const Accepted& e, Next&) {
    c.accepted = true;
    const BundleInfo& bi = m_.bundles[c.bundle];
    for (const Deferral& d : e.deferred) {
      if (!bi.materials[d.material].issue_before_supply) ++c.blocking;
      const double hours = sample(bi.load->supply, c.rng);
      push_after(hours, {c_id_, d.material, EvKind::supply});
    }
    // Inspections: one visit per distinct inspection (联合踏勘 counts once).
    std::vector<const std::string*> seen;
    for (std::size_t k = 0; k < c.items.size(); ++k) {
      const std::string& insp = item(c, k).inspection;
      if (c.items[k].phase == inactive || insp.empty()) continue;
      if (std::none_of(seen.begin(), seen.end(), [&](const std::string* s) { return *s == insp; })) {
        seen.push_back(&insp);
        trip(c.journey);
      }
    }
  }
  void on(Case& c, const CorrectionRequested& e, Next&) {
    c.asked.clear();
    for (const CorrectionEntry& entry : e.entries) c.asked.insert(c.asked.end(), entry.materials.begin(), entry.materials.end());
    const double hours = sample(m_.bundles[c.bundle].load->resubmit, c.rng);
    push_after(hours, {c_id_, 0, EvKind::resubmit});
  }
  void on(Case& c, const Resubmitted& e, Next&) {
    // Whatever the notice asked for is handed over now, deferrable or not (一次性告知 lists
    // everything missing).
    for (std::uint32_t mat : e.materials) std::erase(c.deferred, mat);
  }
  void on(Case& c, const ItemStarted& e, Next&) {
    ItemRec& it = c.items[e.item];
    if (it.phase == waiting || it.phase == inactive) ++items_[item(c, e.item).summary].started;
    it.phase = review;
    ++it.round;
    it.next_slot = 0;
    const ItemInfo& ii = item(c, e.item);
    if (ii.join == ir::JoinKind::sequence) {
      signer_task(c, e.item, 0);
    } else {
      for (std::uint32_t k = 0; k < ii.signers.size(); ++k) signer_task(c, e.item, k);
    }
  }
  void on(Case& c, const Signed& e, Next& next) {
    if (item(c, e.item).join != ir::JoinKind::sequence || e.decision != Decision::approve) return;
    c.items[e.item].next_slot = static_cast<std::uint8_t>(e.slot + 1);
    next.push_back(e.item);
  }
  void decide(Case& c, std::uint32_t k) {
    ItemRec& it = c.items[k];
    if (it.phase == decided || it.phase == inactive) return;
    it.phase = decided;
    --c.undecided;
    ++items_[item(c, k).summary].decided;
  }
  void on(Case& c, const ItemApproved& e, Next&) { decide(c, e.item); }
  void on(Case& c, const ItemRejected& e, Next&) {
    decide(c, e.item);
    if (c.alone >= 0) c.rejected = true;
  }
  void on(Case& c, const ItemCancelled& e, Next&) { decide(c, e.item); }
  void on(Case& c, const ItemRevoked& e, Next&) { decide(c, e.item); }
  void on(Case& c, const ItemReturned& e, Next&) { c.items[e.item].phase = waiting; }
  void on(Case& c, const Pledged& e, Next&) {
    c.items[e.item].pledged = true;
    c.items[e.item].sampled = e.sampled;
  }
  void settled(Case& c, std::uint32_t mat) {
    auto it = std::find(c.deferred.begin(), c.deferred.end(), mat);
    if (it == c.deferred.end()) return;
    c.deferred.erase(it);
    if (!m_.bundles[c.bundle].materials[mat].issue_before_supply && c.blocking > 0) --c.blocking;
  }
  void on(Case& c, const MaterialSupplied& e, Next&) { settled(c, e.material); }
  void on(Case& c, const MaterialLapsed& e, Next&) { settled(c, e.material); }
  void on(Case& c, const MaterialWaived& e, Next&) { settled(c, e.material); }
  void on(Case& c, const DeadlineOverdue& e, Next&) { ++items_[item(c, e.item).summary].breached; }
  void on(Case& c, const CaseRejected&, Next&) {
    c.rejected = true;
    end(c);
  }
  void on(Case& c, const Withdrawn&, Next&) { end(c); }
  void on(Case& c, const Refused&, Next&) {
    c.rejected = true;
    end(c);
  }
  void on(Case& c, const Issued& e, Next&) {
    c.issued = true;
    const BundleInfo& bi = m_.bundles[c.bundle];
    if (c.alone < 0 ? bi.window_delivery : bi.items[static_cast<std::size_t>(c.alone)].window_delivery) trip(c.journey);
    for (std::uint32_t k : e.approved)
      if (c.items[k].pledged && c.items[k].sampled) enqueue(item(c, k).department, Task{c_id_, static_cast<std::uint16_t>(k), 0, c.items[k].round, TaskKind::post_check});
    if (c.rng.chance(bi.load->rate)) push(now_, {c_id_, 0, EvKind::rate});
    if (c.alone < 0) {
      cols_.outcome[c.journey] = static_cast<std::uint8_t>(Outcome::issued);
      cols_.lead_days[c.journey] = static_cast<float>(double(now_ - submitted_[c.journey]) / double(axis_.day()));
    } else {
      journeys_[c.journey].any_issued = true;
      next_item(c);
    }
  }
  void on(Case& c, const CaseClosed&, Next&) { end(c); }
  template <class E>
  void on(Case&, const E&, Next&) {}

  void end(Case& c) {
    if (c.ended) return;
    c.ended = true;
    if (!c.rejected) return;
    if (c.alone < 0) {
      cols_.outcome[c.journey] = static_cast<std::uint8_t>(Outcome::rejected);
    } else if (!c.issued) {
      journeys_[c.journey].failed.push_back(static_cast<std::uint32_t>(c.alone));
      next_item(c);
    }
  }

  /// Separate mode: the applicant turns to the next item after a while (or ends the journey
  /// now when none is left).
  void next_item(Case& c) {
    Journey& j = journeys_[c.journey];
    const bool more = j.next < j.todo.size();
    const double hours = more ? sample(m_.bundles[c.bundle].load->reapply, j.rng) : 0.0;
    push_after(hours, {0, c.journey, EvKind::next_item});
  }

  void signer_task(Case& c, std::uint32_t k, std::uint32_t slot) {
    const ItemInfo& ii = item(c, k);
    if (slot >= ii.signers.size()) return;
    enqueue(ii.signers[slot].department,
            Task{c_id_, static_cast<std::uint16_t>(k), static_cast<std::uint16_t>(slot), c.items[k].round, TaskKind::sign});
  }

  void maybe_issue(Case& c) {
    if (c.ended || c.issued || c.issue_queued || !c.accepted || c.undecided > 0 || c.blocking > 0) return;
    c.issue_queued = true;
    enqueue(desk(c), Task{c_id_, 0, 0, 0, TaskKind::issue});
  }

  /// Forgets a case once it has ended (after the engine call that ended it returned).
  void retire(std::uint64_t id) {
    if (const Case* c = cases_.find(id); c && c->ended) cases_.erase(id);
  }

  // ---- lookups ----------------------------------------------------------------------------

  Case* find(std::uint64_t id) { return cases_.find(id); }
  const ItemInfo& item(const Case& c, std::size_t k) const {
    const BundleInfo& bi = m_.bundles[c.bundle];
    return c.alone < 0 ? bi.items[k] : bi.items[static_cast<std::size_t>(c.alone)];
  }
  const std::string& item_id(const Case& c, std::size_t k) const {
    const ir::Bundle& ir = m_.bundles[c.bundle].load->bundle.bundle();
    return ir.items[c.alone < 0 ? k : static_cast<std::size_t>(c.alone)].id;
  }
  /// Where intake and issuance happen: the front desk (综合窗口), or, applying for one item
  /// on its own, that item's department's window.
  std::size_t desk(const Case& c) const { return c.alone < 0 ? 0 : item(c, 0).department; }
  /// The front desk's clerk for the case (an index into the model's actors).
  std::uint32_t clerk(const Case& c) const { return m_.bundles[c.bundle].clerk; }
  /// The case's applicant (`a<partition>.<journey>`, as opened).
  const Actor& applicant_of(const Case& c) {
    applicant_.kind = ActorKind::applicant;
    numbered(applicant_.id, "a", static_cast<std::uint64_t>(part_), c.journey);
    return applicant_;
  }
  bool window_apply(const Case& c) const {
    const BundleInfo& bi = m_.bundles[c.bundle];
    return c.alone < 0 ? bi.window_apply : bi.items[static_cast<std::size_t>(c.alone)].window_apply;
  }
  void trip(std::uint32_t journey) {
    if (cols_.trips[journey] < 255) ++cols_.trips[journey];
  }

  const Scenario& s_;
  const Model& m_;
  int part_;
  OfficeTime axis_;
  ManualClock clock_;
  SinkStore store_;
  Engine engine_;
  EventQueue<Ev> events_;
  std::size_t pending_ = 0;
  std::int64_t now_ = 0, end_ = 0, day_start_ = 0;
  int days_ = 0;
  std::vector<Rng> arrival_rng_;
  std::vector<Department> depts_;
  std::vector<std::vector<OpenCase>> opens_;
  IdMap<Case> cases_;
  std::unordered_map<std::uint32_t, Journey> journeys_;
  Case opening_;
  std::uint64_t c_id_ = 0;
  Command cmd_{"c.", {}, Accept{}};
  std::vector<Command> signs_;  ///< by actor: its Sign command
  std::vector<Command> staff_;  ///< by actor: its command for anything else
  Command submit_{"u.", {}, Submit{}};
  std::vector<std::uint32_t> hand_;
  std::vector<std::uint8_t> use_;
  Actor applicant_;
  std::vector<std::uint32_t> scratch_;
  CaseColumns cols_;
  std::vector<std::int64_t> submitted_;
  std::vector<ItemSummary> items_;
  std::vector<std::vector<double>> busy_, queue_;
  std::vector<std::size_t> tasks_;
  std::size_t commands_ = 0, refusals_ = 0, opening_failures_ = 0;
  std::vector<std::string> refusal_messages_, opening_reasons_;
};

}  // namespace

PartitionResult run_partition(const Scenario& s, const Model& m, const Calendar& calendar, int partition) {
  Sim sim(s, m, calendar, partition);
  return sim.run();
}

}  // namespace yishi::simulate::internal
