// The engine (docs/engine.md): Actor, Engine and Case, with each command a method of Case,
// events, views, audit trails and states as dicts.
#include <fmt/format.h>

#include <random>

#include "errors.hpp"

namespace yishi::python {
namespace {

// ---------------------------------------------------------------------------------------
// Names of the items and materials of one bundle version. Events and states refer to them
// by index; without the compiled bundle (not deployed through this Engine) the index is shown.

struct Names {
  const CompiledBundle* cb = nullptr;

  [[nodiscard]] py::object item(std::int64_t i) const {
    if (i < 0) return py::none();
    if (cb && static_cast<std::size_t>(i) < cb->bundle().items.size())
      return py::str(cb->bundle().items[static_cast<std::size_t>(i)].id);
    return py::int_(i);
  }
  [[nodiscard]] py::object material(std::int64_t i) const {
    if (cb && i >= 0 && static_cast<std::size_t>(i) < cb->bundle().materials.size())
      return py::str(cb->bundle().materials[static_cast<std::size_t>(i)].id);
    return py::int_(i);
  }
  template <class Int>
  [[nodiscard]] py::list items(const std::vector<Int>& v) const {
    py::list l;
    for (auto i : v) l.append(item(static_cast<std::int64_t>(i)));
    return l;
  }
  template <class Int>
  [[nodiscard]] py::list materials(const std::vector<Int>& v) const {
    py::list l;
    for (auto i : v) l.append(material(static_cast<std::int64_t>(i)));
    return l;
  }
};

py::list notice_list(const std::vector<CorrectionEntry>& entries, const Names& n) {
  py::list l;
  for (const auto& e : entries) {
    py::dict d;
    d["item"] = n.item(e.item);
    d["materials"] = n.materials(e.materials);
    d["comment"] = e.comment;
    l.append(d);
  }
  return l;
}

/// Fills an event's dict with its fields, ids resolved.
struct EventFields {
  py::dict& d;
  const Names& n;

  void operator()(const CaseOpened& e) const {
    d["bundle"] = e.bundle;
    d["bundle_version"] = e.version;
    d["applicant"] = e.applicant;
    py::list active;
    for (std::size_t i = 0; i < e.active.size(); ++i)
      if (e.active[i]) active.append(n.item(static_cast<std::int64_t>(i)));
    d["active"] = active;
  }
  void operator()(const Submitted& e) const {
    d["materials"] = n.materials(e.materials);
    d["unavailable"] = n.materials(e.unavailable);
  }
  void operator()(const Accepted& e) const {
    py::list deferred;
    for (const auto& x : e.deferred) {
      py::dict v;
      v["material"] = n.material(x.material);
      v["deadline"] = to_py_datetime(x.deadline);
      deferred.append(v);
    }
    d["deferred"] = deferred;
  }
  void operator()(const CorrectionRequested& e) const {
    d["origin"] = std::string(to_string(e.origin));
    d["entries"] = notice_list(e.entries, n);
  }
  void operator()(const Refused& e) const { d["reason"] = e.reason; }
  void operator()(const Resubmitted& e) const { d["materials"] = n.materials(e.materials); }
  void operator()(const ItemStarted& e) const {
    d["item"] = n.item(e.item);
    d["deadline"] = to_py_datetime(e.deadline);
    d["warning_at"] = to_py_datetime(e.warning_at);
  }
  void operator()(const SignerAssigned& e) const {
    d["item"] = n.item(e.item);
    d["slot"] = e.slot;
    d["person"] = e.person;
  }
  void operator()(const Signed& e) const {
    d["item"] = n.item(e.item);
    d["slot"] = e.slot;
    d["decision"] = std::string(to_string(e.decision));
    d["signer"] = e.signer;
    d["comment"] = e.comment;
    d["materials"] = n.materials(e.materials);
  }
  void operator()(const ItemApproved& e) const {
    d["item"] = n.item(e.item);
    d["by_pledge"] = e.by_pledge;
  }
  void operator()(const ItemRejected& e) const { d["item"] = n.item(e.item); }
  void operator()(const ItemReturned& e) const { d["item"] = n.item(e.item); }
  void operator()(const ItemCancelled& e) const { d["item"] = n.item(e.item); }
  void operator()(const ItemRevoked& e) const {
    d["item"] = n.item(e.item);
    d["cause"] = std::string(to_string(e.cause));
  }
  void operator()(const Pledged& e) const {
    d["item"] = n.item(e.item);
    d["sampled"] = e.sampled;
  }
  void operator()(const PostChecked& e) const {
    d["item"] = n.item(e.item);
    d["passed"] = e.pass;
    d["comment"] = e.comment;
  }
  void operator()(const MaterialSupplied& e) const { d["material"] = n.material(e.material); }
  void operator()(const MaterialLapsed& e) const { d["material"] = n.material(e.material); }
  void operator()(const MaterialWaived& e) const { d["material"] = n.material(e.material); }
  void operator()(const DeadlineWarning& e) const { d["item"] = n.item(e.item); }
  void operator()(const DeadlineOverdue& e) const { d["item"] = n.item(e.item); }
  void operator()(const CaseRejected& e) const { d["item"] = n.item(e.item); }
  void operator()(const Withdrawn& e) const { d["reason"] = e.reason; }
  void operator()(const Issued& e) const {
    d["approved"] = n.items(e.approved);
    d["not_approved"] = n.items(e.not_approved);
    d["rating_until"] = to_py_datetime(e.rating_until);
  }
  void operator()(const Rated& e) const {
    d["score"] = e.score;
    d["comment"] = e.comment;
  }
  void operator()(const RatingWindowEnded&) const {}
  void operator()(const CaseClosed&) const {}
  void operator()(const CorrectionLifted&) const {}
  void operator()(const CaseMigrated& e) const {  // the mappings are filled by events_list
    d["from_version"] = e.from_version;
    d["to_version"] = e.to_version;
  }
  // Approval operations (docs/approvals.md).
  void slot(std::uint32_t item, std::uint32_t k) const {
    d["item"] = n.item(item);
    d["slot"] = k;
  }
  static py::object instant_or_none(Instant t) { return t == Instant{} ? py::object(py::none()) : to_py_datetime(t); }
  void operator()(const SignerReleased& e) const { slot(e.item, e.slot); }
  void operator()(const SignatureTransferred& e) const {
    slot(e.item, e.slot);
    d["from"] = e.from;
    d["to"] = e.to;
    d["comment"] = e.comment;
  }
  void operator()(const SignatureDelegated& e) const {
    slot(e.item, e.slot);
    d["owner"] = e.owner;
    d["delegate"] = e.delegate;
    d["comment"] = e.comment;
  }
  void operator()(const DelegationResolved& e) const {
    slot(e.item, e.slot);
    d["by"] = e.by;
    d["advice"] = e.advice ? py::object(py::str(std::string(to_string(*e.advice)))) : py::object(py::none());
    d["comment"] = e.comment;
  }
  void operator()(const SignerAdded& e) const {
    slot(e.item, e.slot);
    d["relative_to"] = e.relative_to;
    d["position"] = std::string(to_string(e.position));
    d["role"] = e.role;
    d["department"] = e.department;
    d["weight"] = e.weight;
    d["person"] = e.person;
    d["added_by"] = e.added_by;
    d["comment"] = e.comment;
  }
  void operator()(const SignerRemoved& e) const {
    slot(e.item, e.slot);
    d["comment"] = e.comment;
  }
  void operator()(const JoinReevaluated& e) const {
    d["item"] = n.item(e.item);
    d["approve_weight"] = e.approve_weight;
    d["reject_weight"] = e.reject_weight;
    d["threshold"] = e.threshold;
    d["total_weight"] = e.total_weight;
  }
  void operator()(const RejectedBack& e) const {
    slot(e.item, e.slot);
    d["signer"] = e.signer;
    d["target"] = n.item(e.target);
    d["comment"] = e.comment;
  }
  void operator()(const ItemReset& e) const {
    d["item"] = n.item(e.item);
    d["cause"] = std::string(to_string(e.cause));
  }
  void operator()(const SignatureReclaimed& e) const {
    slot(e.item, e.slot);
    d["signer"] = e.signer;
    d["comment"] = e.comment;
  }
  void operator()(const ItemReopened& e) const { d["item"] = n.item(e.item); }
  void operator()(const ItemScheduled& e) const {
    d["item"] = n.item(e.item);
    d["remind_at"] = instant_or_none(e.remind_at);
    d["decide_at"] = instant_or_none(e.decide_at);
  }
  void operator()(const ReminderSent& e) const {
    d["item"] = n.item(e.item);
    d["count"] = e.count;
    d["next_at"] = instant_or_none(e.next_at);
    d["manual"] = e.manual;
    d["comment"] = e.comment;
  }
  void operator()(const AutoDecided& e) const {
    d["item"] = n.item(e.item);
    d["decision"] = std::string(to_string(e.decision));
  }
};

/// The events of an outcome as dicts `{"event": name, "version": N, …fields}`. `bundle` and
/// `version` name the definition the case is on; a migration moves them.
py::list events_list(const PyEngine& engine, const Applied& a, std::string& bundle, std::string& version) {
  py::list out;
  const std::uint64_t first = a.version + 1 - a.events.size();
  for (std::size_t k = 0; k < a.events.size(); ++k) {
    const Event& e = a.events[k];
    if (const auto* o = std::get_if<CaseOpened>(&e)) {
      bundle = o->bundle;
      version = o->version;
    }
    const Names names{engine.find(bundle, version)};
    py::dict d;
    d["event"] = std::string(event_name(e));
    d["version"] = first + k;
    std::visit(EventFields{d, names}, e);
    if (const auto* mg = std::get_if<CaseMigrated>(&e)) {
      const Names to{engine.find(bundle, mg->to_version)};
      py::dict items, materials;
      for (std::size_t i = 0; i < mg->items.size(); ++i)
        items[names.item(static_cast<std::int64_t>(i))] = to.item(mg->items[i]);
      for (std::size_t i = 0; i < mg->materials.size(); ++i)
        materials[names.material(static_cast<std::int64_t>(i))] =
            mg->materials[i] < 0 ? py::object(py::none()) : to.material(mg->materials[i]);
      d["items"] = items;
      d["materials"] = materials;
      version = mg->to_version;
    }
    out.append(d);
  }
  return out;
}

/// Throws the CommandFailure of a refused command (the original events for a duplicate).
[[noreturn]] void fail(const PyEngine& engine, CommandError error, std::optional<CaseId> id, std::string bundle,
                       std::string version) {
  py::object original = py::none();
  if (error.kind == ErrorKind::duplicate_command && error.original)
    original = events_list(engine, *error.original, bundle, version);
  throw CommandFailure(std::move(error), std::move(original), id);
}

// ---------------------------------------------------------------------------------------
// Views, audit trails and states.

py::dict view_dict(const CaseView& v) {
  py::dict d, items, materials;
  d["id"] = v.id.value;
  d["bundle"] = v.bundle;
  d["bundle_version"] = v.version;
  d["applicant"] = v.applicant;
  d["status"] = std::string(to_string(v.status));
  d["version"] = v.version_number;
  d["submitted_at"] = to_py_optional(v.submitted_at);
  d["accepted_at"] = to_py_optional(v.accepted_at);
  d["issued_at"] = to_py_optional(v.issued_at);
  for (const auto& it : v.items) {
    py::dict x;
    py::list signers;
    for (const auto& s : it.signers) {
      py::dict sd;
      sd["role"] = s.role;
      sd["department"] = s.department;
      sd["weight"] = s.weight;
      sd["assignee"] = s.assignee;
      sd["signer"] = s.signer;
      sd["decision"] = s.decision ? py::object(py::str(std::string(to_string(*s.decision)))) : py::object(py::none());
      sd["slot"] = s.slot;
      sd["ready"] = s.ready;
      sd["added"] = s.added;
      sd["removed"] = s.removed;
      sd["delegate"] = s.delegate.empty() ? py::object(py::none()) : py::object(py::str(s.delegate));
      signers.append(sd);
    }
    x["id"] = it.id;
    x["name"] = it.name;
    x["department"] = it.department;
    x["status"] = std::string(to_string(it.status));
    x["round"] = it.round;
    x["essential"] = it.essential;
    x["pledged"] = it.pledged;
    x["warned"] = it.warned;
    x["overdue"] = it.overdue;
    x["post_check"] = std::string(to_string(it.post_check));
    x["started"] = to_py_optional(it.started);
    x["deadline"] = to_py_optional(it.deadline);
    x["warning_at"] = to_py_optional(it.warning_at);
    x["signers"] = signers;
    x["reminders"] = it.reminders;
    x["remind_at"] = to_py_optional(it.remind_at);
    x["decide_at"] = to_py_optional(it.decide_at);
    x["reject_targets"] = it.reject_targets;
    items[py::str(it.id)] = x;
  }
  for (const auto& mv : v.materials) {
    py::dict x;
    x["id"] = mv.id;
    x["name"] = mv.name;
    x["status"] = std::string(to_string(mv.status));
    x["deadline"] = to_py_optional(mv.deadline);
    materials[py::str(mv.id)] = x;
  }
  py::list outstanding, notice;
  for (const auto* mv : v.outstanding()) outstanding.append(py::str(mv->id));
  for (const auto& e : v.notice) {
    py::dict x;
    x["item"] = e.item.empty() ? py::object(py::none()) : py::object(py::str(e.item));
    x["materials"] = to_py_strings(e.materials);
    x["comment"] = e.comment;
    notice.append(x);
  }
  d["items"] = items;
  d["materials"] = materials;
  d["outstanding"] = outstanding;
  d["notice"] = notice;
  d["rating"] = v.rating ? py::object(py::int_(*v.rating)) : py::object(py::none());
  d["rejected_because"] = v.rejected_because.empty() ? py::object(py::none()) : py::object(py::str(v.rejected_because));
  d["ready_to_issue"] = v.ready_to_issue;
  d["next_timer"] = to_py_optional(v.next_timer);
  return d;
}

py::list audit_list(const std::vector<AuditEntry>& entries) {
  py::list l;
  for (const auto& e : entries) {
    py::dict d;
    d["version"] = e.version;
    d["at"] = to_py_datetime(e.at);
    d["actor_kind"] = std::string(to_string(e.actor_kind));
    d["actor"] = e.actor;
    d["command_id"] = e.command_id;
    d["command"] = std::string(to_string(e.command));
    d["event"] = e.event;
    d["detail"] = e.detail;
    d["comment"] = e.comment;
    l.append(d);
  }
  return l;
}

py::dict state_dict(const CaseState& s, const Names& n) {
  py::dict d, items, materials;
  d["id"] = s.id.value;
  d["version"] = s.version;
  d["status"] = std::string(to_string(s.status));
  d["bundle"] = s.bundle;
  d["bundle_version"] = s.bundle_version;
  d["applicant"] = s.applicant;
  d["correction_origin"] = std::string(to_string(s.correction_origin));
  d["opened_at"] = to_py_instant_or_none(s.opened_at);
  d["submitted_at"] = to_py_instant_or_none(s.submitted_at);
  d["accepted_at"] = to_py_instant_or_none(s.accepted_at);
  d["issued_at"] = to_py_instant_or_none(s.issued_at);
  d["closed_at"] = to_py_instant_or_none(s.closed_at);
  d["rating_until"] = to_py_instant_or_none(s.rating_until);
  d["rating_window_ended"] = s.rating_window_ended;
  d["rating"] = s.rating ? py::object(py::int_(*s.rating)) : py::object(py::none());
  d["rejected_because"] = n.item(s.rejected_because);
  auto signer = [](const SignerState& x) {
    py::dict sd;
    sd["decision"] = x.decision ? py::object(py::str(std::string(to_string(*x.decision)))) : py::object(py::none());
    sd["signer"] = x.signer;
    sd["assignee"] = x.assignee;
    return sd;
  };
  std::size_t slot = 0;
  for (std::size_t i = 0; i < s.items.size(); ++i) {
    const ItemState& it = s.items[i];
    py::dict x;
    x["status"] = std::string(to_string(it.status));
    x["round"] = it.round;
    x["pledged"] = it.pledged;
    x["warned"] = it.warned;
    x["overdue"] = it.overdue;
    x["post_check"] = std::string(to_string(it.post_check));
    x["approve_weight"] = it.approve_weight;
    x["reject_weight"] = it.reject_weight;
    x["started"] = to_py_instant_or_none(it.started);
    x["deadline"] = to_py_instant_or_none(it.deadline);
    x["warning_at"] = to_py_instant_or_none(it.warning_at);
    x["decided_at"] = to_py_instant_or_none(it.decided_at);
    if (n.cb) {  // item i's signer slots are contiguous, in its review's order
      py::list signers;
      const auto step = n.cb->step_of_item(n.cb->bundle().items.at(i).id);
      const std::size_t count = step ? n.cb->step(*step).signers.size() : 0;
      for (std::size_t k = 0; k < count && slot < s.signers.size(); ++k) signers.append(signer(s.signers[slot++]));
      x["signers"] = signers;
    }
    items[n.item(static_cast<std::int64_t>(i))] = x;
  }
  if (!n.cb) {
    py::list signers;
    for (const auto& x : s.signers) signers.append(signer(x));
    d["signers"] = signers;
  }
  for (std::size_t m = 0; m < s.materials.size(); ++m) {
    py::dict x;
    x["status"] = std::string(to_string(s.materials[m].status));
    x["deadline"] = to_py_instant_or_none(s.materials[m].deadline);
    materials[n.material(static_cast<std::int64_t>(m))] = x;
  }
  d["items"] = items;
  d["materials"] = materials;
  d["notice"] = notice_list(s.notice, n);
  d["intake_noticed"] = n.materials(s.intake_noticed);
  return d;
}

// ---------------------------------------------------------------------------------------
// Engine and Case.

std::shared_ptr<PyEngine> make_engine(const py::object& store, const py::object& clock, const py::object& calendar,
                                      double warning_fraction, const py::object& rating_window, double post_check_rate,
                                      std::uint64_t seed, const std::string& intake_role, int max_attempts) {
  EngineOptions o;
  if (!(warning_fraction > 0 && warning_fraction <= 1)) throw py::value_error("`warning_fraction` is in (0, 1]");
  if (!(post_check_rate >= 0 && post_check_rate <= 1)) throw py::value_error("`post_check_rate` is in [0, 1]");
  if (max_attempts < 1) throw py::value_error("`max_attempts` is 1 or more");
  if (intake_role.empty()) throw py::value_error("`intake_role` names a staff role");
  o.warning_fraction = warning_fraction;
  o.rating_window = to_work_duration(rating_window, "rating_window");
  o.post_check_rate = post_check_rate;
  o.seed = seed;
  o.intake_role = intake_role;
  o.max_attempts = max_attempts;

  std::shared_ptr<Clock> c;
  if (clock.is_none())
    c = std::make_shared<SystemClock>();
  else if (py::isinstance<Clock>(clock))
    c = clock.cast<std::shared_ptr<Clock>>();
  else
    throw py::type_error("`clock` needs a yishi.ManualClock or yishi.SystemClock (or None: the system clock)");

  std::shared_ptr<Calendar> cal;
  if (calendar.is_none())
    cal = national_calendar();
  else if (py::isinstance<Calendar>(calendar))
    cal = calendar.cast<std::shared_ptr<Calendar>>();
  else
    cal = py::module_::import("yishi._yishi").attr("Calendar").attr("load")(calendar).cast<std::shared_ptr<Calendar>>();

  auto s = store_of(store);
  return std::make_shared<PyEngine>(std::move(s), std::move(c), *cal, std::move(o));
}

/// The case for an id, with its applicant and definition (UnknownCase when absent).
PyCase case_of(const std::shared_ptr<PyEngine>& engine, CaseId id) {
  auto st = engine->run([&](Engine& e) { return e.state(id); });
  if (!st) fail(*engine, st.error(), id, "", "");
  return PyCase{engine, id, st->applicant, st->bundle, st->bundle_version};
}

std::string command_id_of(PyEngine& engine, const py::object& command_id) {
  if (command_id.is_none()) return engine.next_command_id();
  if (!py::isinstance<py::str>(command_id)) throw py::type_error("`command_id` needs a str");
  return command_id.cast<std::string>();
}

PyCase open_case(const std::shared_ptr<PyEngine>& engine, const py::object& bundle, const py::object& answers,
                 const std::string& applicant, const py::object& situations, const py::object& version,
                 const py::object& command_id) {
  OpenCase oc;
  oc.id = command_id_of(*engine, command_id);
  oc.actor = Actor::applicant(applicant);
  oc.answers = to_answers(answers);
  oc.situations = to_situations(situations);
  if (py::isinstance<PyCompiled>(bundle)) {
    const auto& c = bundle.cast<const PyCompiled&>();
    const auto& b = c.compiled.bundle();
    if (!version.is_none() && version.cast<std::string>() != b.version)
      throw py::value_error("`version` is the compiled bundle's own; give the bundle id to choose another version");
    if (!engine->find(b.id, b.version)) {
      const bool ok = engine->run([&](Engine& e) { return e.deploy(c.compiled); });
      if (!ok)
        throw py::value_error(
            fmt::format("the engine runs another definition of bundle `{}` version {}", b.id, b.version));
      engine->remember(c.compiled);
    }
    oc.bundle = b.id;
    oc.version = b.version;
  } else if (py::isinstance<py::str>(bundle)) {
    oc.bundle = bundle.cast<std::string>();
    if (!version.is_none()) oc.version = version.cast<std::string>();
  } else {
    throw py::type_error("`bundle` needs a yishi.CompiledBundle or a bundle id (str)");
  }
  auto r = engine->run([&](Engine& e) { return e.open_case(oc); });
  std::string b = oc.bundle, v = oc.version;
  if (!r) fail(*engine, r.error(), std::nullopt, b, v);
  for (const Event& e : r->events)
    if (const auto* o = std::get_if<CaseOpened>(&e)) b = o->bundle, v = o->version;
  return PyCase{engine, r->case_id, applicant, b, v};
}

py::list outcome(PyCase& c, CommandResult r) {
  if (!r) fail(*c.engine, r.error(), c.id, c.bundle, c.version);
  return events_list(*c.engine, *r, c.bundle, c.version);
}

py::list execute(PyCase& c, Actor actor, CommandBody body, const py::object& command_id) {
  const Command cmd{command_id_of(*c.engine, command_id), std::move(actor), std::move(body)};
  auto r = c.engine->run([&](Engine& e) { return e.execute(c.id, cmd); });
  return outcome(c, std::move(r));
}

/// The actor of an applicant's command: the case's applicant unless `by` names another.
Actor applicant_actor(const PyCase& c, const py::object& by) {
  if (by.is_none()) return Actor::applicant(c.applicant);
  return to_actor(by, "by");
}

std::optional<std::uint32_t> slot_of(const py::object& slot) {
  if (slot.is_none()) return std::nullopt;
  const auto v = slot.cast<std::int64_t>();
  if (v < 0 || v > 0xFFFF) throw py::value_error("`slot` is a signer slot index, 0 or more");
  return static_cast<std::uint32_t>(v);
}

std::string repr_of(const PyCase& c) {
  return fmt::format("<yishi.Case {} of {} {}>", c.id.value, c.bundle, c.version);
}

constexpr const char* returns_events =
    " Returns the events it recorded: dicts {\"event\": name, \"version\": N, …}. Raises the CommandError "
    "subclass of the refusal (nothing changed); a repeated `command_id` raises DuplicateCommand with "
    "`.original`.";

std::string doc(const char* what) { return std::string(what) + returns_events; }

}  // namespace

// ---------------------------------------------------------------------------------------

PyEngine::PyEngine(std::shared_ptr<PyStore> s, std::shared_ptr<Clock> c, const Calendar& calendar,
                   EngineOptions options)
    : store(std::move(s)),
      clock(std::move(c)),
      engine_(std::make_unique<Engine>(*store->store, *clock, calendar, std::move(options))) {
  std::random_device rd;
  const std::uint64_t r = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  prefix_ = fmt::format("py-{:016x}", r);
}

PyEngine::~PyEngine() = default;

std::string PyEngine::next_command_id() { return fmt::format("{}-{}", prefix_, ++counter_); }

void PyEngine::remember(const CompiledBundle& c) { deployed_.insert_or_assign({c.bundle().id, c.bundle().version}, c); }

const CompiledBundle* PyEngine::find(const std::string& bundle, const std::string& version) const {
  const auto it = deployed_.find({bundle, version});
  return it == deployed_.end() ? nullptr : &it->second;
}

void bind_runtime(py::module_& m) {
  py::class_<Actor> actor(m, "Actor",
                          "Who acts: `Actor.applicant(id)` or `Actor.staff(id, department, role)`. A staff command "
                          "also takes the tuple (id, department, role).");
  public_name(actor);
  actor
      .def_static("applicant", &Actor::applicant, py::arg("id"), "The applicant (申请人): a person or organisation id.")
      .def_static("staff", &Actor::staff, py::arg("id"), py::arg("department"), py::arg("role"),
                  "A member of staff of a department in a role (e.g. `clerk` at the front desk, `reviewer`).")
      .def_property_readonly(
          "kind", [](const Actor& a) { return std::string(to_string(a.kind)); }, "`applicant`, `staff` or `system`.")
      .def_readonly("id", &Actor::id, "The person or organisation id (may be personal data).")
      .def_readonly("department", &Actor::department, "Staff: the department id; empty otherwise.")
      .def_readonly("role", &Actor::role, "Staff: the role, e.g. `reviewer`; empty otherwise.")
      .def("__eq__",
           [](const Actor& a, const py::object& o) -> py::object {
             if (!py::isinstance<Actor>(o)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(a == o.cast<const Actor&>());
           })
      .def(
          "__hash__",
          [](const Actor& a) { return py::hash(py::make_tuple(static_cast<int>(a.kind), a.id, a.department, a.role)); })
      .def("__repr__", [](const Actor& a) {
        if (a.kind == ActorKind::staff)
          return fmt::format("<yishi.Actor staff {} {} {}>", mask_personal_data(a.id), a.department, a.role);
        return fmt::format("<yishi.Actor {} {}>", to_string(a.kind), mask_personal_data(a.id));
      });

  py::class_<PyEngine, std::shared_ptr<PyEngine>> engine(
      m, "Engine",
      "Runs cases of compiled bundles over a store, a clock and a working-day calendar. Every command is "
      "validated: it records events, or raises a typed error and changes nothing. Python threads may share an "
      "Engine (they take turns; the GIL is released while it works).");
  public_name(engine);
  engine
      .def(py::init(&make_engine), py::arg("store") = "memory", py::kw_only(), py::arg("clock") = py::none(),
           py::arg("calendar") = py::none(), py::arg("warning_fraction") = 0.75, py::arg("rating_window") = "5wd",
           py::arg("post_check_rate") = 0.2, py::arg("seed") = 0, py::arg("intake_role") = "clerk",
           py::arg("max_attempts") = 4,
           "An engine. `store`: a URL (\"memory\", \"sqlite:///cases.db\", \"postgresql://…\"), a path (a SQLite "
           "file) or a Store. `clock`: a ManualClock or SystemClock (None: the system clock). `calendar`: a "
           "Calendar or a calendar file or directory (None: Calendar.national()). The options are EngineOptions: "
           "`warning_fraction` (亮灯 point), `rating_window`, `post_check_rate` and `seed` (告知承诺 draw), "
           "`intake_role` (the front desk's role), `max_attempts`. Raises StoreError when the store cannot be "
           "opened.")
      .def(
          "deploy",
          [](PyEngine& e, const PyCompiled& c) {
            const bool ok = e.run([&](Engine& x) { return x.deploy(c.compiled); });
            if (ok) e.remember(c.compiled);
            return ok;
          },
          py::arg("compiled"),
          "Makes a compiled bundle available to new cases (the latest of its id). Returns False, changing nothing, "
          "when a different definition has that id and version.")
      .def(
          "publish",
          [](PyEngine& e, const PyBundle& b) {
            CompileResult checked;
            {
              py::gil_scoped_release release;
              checked = compile(b.bundle);
            }
            if (!checked.compiled) throw_diagnostics(DiagnosticFailure::Stage::check, checked.diagnostics, *b.sources);
            auto r = e.run([&](Engine& x) { return publish(x, *e.store->store, b.bundle); });
            if (!r) throw py::value_error(r.error());
            if (r->version == b.bundle.version) {
              e.remember(*checked.compiled);
            } else {  // published under VERSION+HASH
              ir::Bundle copy = b.bundle;
              copy.version = r->version;
              CompileResult again;
              {
                py::gil_scoped_release release;
                again = compile(std::move(copy));
              }
              if (again.compiled) e.remember(*again.compiled);
            }
            py::dict d;
            d["bundle"] = r->bundle;
            d["version"] = r->version;
            d["hash"] = r->hash;
            d["created"] = r->created;
            return d;
          },
          py::arg("bundle"),
          "Publishes a Bundle's definition to the store (kept by content hash) and deploys it as the latest: "
          "{bundle, version, hash, created}. A changed definition under a version already published gets "
          "`VERSION+HASH`. Raises CheckError when it does not compile.")
      .def(
          "restore_definitions",
          [](PyEngine& e) {
            const std::size_t n = e.run([&](Engine& x) { return restore_definitions(x, *e.store->store); });
            std::vector<StoredDefinition> defs;
            std::vector<CompiledBundle> compiled;
            {
              py::gil_scoped_release release;
              defs = e.store->store->definitions();
              for (const auto& d : defs) {
                SourceMap sources;
                auto loaded = yaml::load_text(sources, "<stored>", d.source);
                if (!loaded.bundle) continue;
                auto c = compile(std::move(*loaded.bundle));
                if (c.compiled) compiled.push_back(std::move(*c.compiled));
              }
            }
            for (const auto& c : compiled) e.remember(c);
            return n;
          },
          "Deploys every definition the store holds (after a restart), in publication order; returns how many. "
          "Raises StoreError when a stored definition no longer loads.")
      .def("open_case", &open_case, py::arg("bundle"), py::arg("answers") = py::none(), py::kw_only(),
           py::arg("applicant"), py::arg("situations") = py::none(), py::arg("version") = py::none(),
           py::arg("command_id") = py::none(),
           "Opens a case (a draft) for an applicant. `bundle`: a CompiledBundle (deployed if needed) or a deployed "
           "bundle id (`version` chooses one; default the latest). `answers`: dict field id → value; `situations`: "
           "dict situation id → bool decided by the front desk. Returns a Case. Raises NeedsAnswers (with "
           "`.missing_fields`), NotEligible, UnknownBundle, InvalidArgument, DuplicateCommand (`.case_id`), KeyReused.")
      .def(
          "case", [](const std::shared_ptr<PyEngine>& e, std::uint64_t id) { return case_of(e, CaseId{id}); },
          py::arg("id"),
          "The case with this id (from the store: another Engine's cases too). Raises UnknownCase, or UnknownBundle "
          "when its definition is not deployed here.")
      .def(
          "cases",
          [](const std::shared_ptr<PyEngine>& e) {
            std::vector<CaseId> ids;
            {
              py::gil_scoped_release release;
              ids = e->store->store->cases();
            }
            py::list l;
            for (CaseId id : ids) l.append(py::cast(case_of(e, id)));
            return l;
          },
          "Every case in the store, as Case objects (their definitions must be deployed).")
      .def(
          "advance_to",
          [](PyEngine& e, const py::object& when) {
            const Instant t = to_instant(when, "when");
            return e.run([&](Engine& x) { return x.advance_to(t); });
          },
          py::arg("when"),
          "Fires every timer due at or before `when` (warnings, overdue, lapses, the rating window), across cases "
          "in time order and each at its due instant, then moves the clock to `when`. Returns how many fired.")
      .def(
          "fire_due",
          [](PyEngine& e, const std::string& worker, const py::object& until, std::size_t limit,
             const py::object& lease) {
            const Instant t = until.is_none() ? e.clock->now() : to_instant(until, "until");
            const double seconds = lease.attr("total_seconds")().cast<double>();
            if (!(seconds > 0)) throw py::value_error("`lease` is a positive datetime.timedelta");
            const auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
            return e.run([&](Engine& x) { return x.fire_due(worker, t, limit, ms); });
          },
          py::arg("worker"), py::kw_only(), py::arg("until") = py::none(), py::arg("limit") = 100,
          py::arg("lease") = py::module_::import("datetime").attr("timedelta")(py::arg("seconds") = 30),
          "One round of a timer worker among several engines sharing a store: claims up to `limit` cases with "
          "timers due at or before `until` (default: the clock's now), leased to `worker` for `lease`, and fires "
          "them. Returns how many fired. Does not move the clock.")
      .def_property_readonly(
          "now", [](const PyEngine& e) { return to_py_datetime(e.clock->now()); }, "The clock's current instant.")
      .def_property_readonly(
          "clock", [](const PyEngine& e) { return e.clock; }, "The engine's clock.")
      .def_property_readonly(
          "store", [](const PyEngine& e) { return e.store; }, "The engine's Store.")
      .def_property_readonly(
          "calendar",
          [](PyEngine& e) { return std::make_shared<Calendar>(e.run([](Engine& x) { return x.calendar(); })); },
          "The engine's working-day calendar.")
      .def_property_readonly(
          "options",
          [](PyEngine& e) {
            const EngineOptions o = e.run([](Engine& x) { return x.options(); });
            py::dict d;
            d["warning_fraction"] = o.warning_fraction;
            d["rating_window"] = ir::to_string(o.rating_window);
            d["post_check_rate"] = o.post_check_rate;
            d["seed"] = o.seed;
            d["intake_role"] = o.intake_role;
            d["max_attempts"] = o.max_attempts;
            return d;
          },
          "The engine's options as a dict.")
      .def_property_readonly(
          "live_cases", [](PyEngine& e) { return e.run([](Engine& x) { return x.live_cases(); }); },
          "How many active cases the engine holds in memory.")
      .def(
          "drop_cache", [](PyEngine& e) { e.run([](Engine& x) { x.drop_cache(); }); },
          "Forgets every cached state; cases are reloaded from the store when next used.")
      .def("__repr__", [](PyEngine& e) {
        return fmt::format("<yishi.Engine store={} live_cases={}>", e.store->kind,
                           e.run([](Engine& x) { return x.live_cases(); }));
      });

  py::class_<PyCase> kase(m, "Case",
                          "One application of one applicant to one bundle, run by an Engine. Each command is a method; "
                          "the applicant's commands act as the case's applicant unless `by=` says otherwise, staff "
                          "commands need `by=` (an Actor, or a tuple (id, department, role)).");
  public_name(kase);
  kase.def_property_readonly(
          "id", [](const PyCase& c) { return c.id.value; }, "The case id, unique within its store.")
      .def_property_readonly(
          "engine", [](const PyCase& c) { return c.engine; }, "The Engine that runs it.")
      .def_property_readonly(
          "applicant", [](const PyCase& c) { return c.applicant; }, "The applicant's id.")
      .def_property_readonly(
          "bundle", [](const PyCase& c) { return c.bundle; }, "The bundle id.")
      .def_property_readonly(
          "bundle_version", [](const PyCase& c) { return c.version; }, "The definition version the case runs on.")
      .def_property_readonly(
          "status",
          [](const PyCase& c) {
            auto v = c.engine->run([&](Engine& e) { return e.view(c.id); });
            if (!v) fail(*c.engine, v.error(), c.id, c.bundle, c.version);
            return std::string(to_string(v->status));
          },
          "The case status: draft, submitted, returned_for_correction, accepted, accepted_with_deficiency, issued, "
          "closed, refused, rejected or withdrawn.")
      .def_property_readonly(
          "version",
          [](const PyCase& c) {
            auto v = c.engine->run([&](Engine& e) { return e.view(c.id); });
            if (!v) fail(*c.engine, v.error(), c.id, c.bundle, c.version);
            return v->version_number;
          },
          "How many events the case holds.")
      .def(
          "view",
          [](const PyCase& c) {
            auto v = c.engine->run([&](Engine& e) { return e.view(c.id); });
            if (!v) fail(*c.engine, v.error(), c.id, c.bundle, c.version);
            return view_dict(*v);
          },
          "The case as shown (personal data masked): {id, bundle, bundle_version, applicant, status, version, "
          "submitted_at, accepted_at, issued_at, items (id → {status, round, deadline, warning_at, warned, overdue, "
          "pledged, post_check, signers, …}), materials (id → {status, deadline, …}), outstanding, notice, rating, "
          "rejected_because, ready_to_issue, next_timer}. Instants are aware datetimes (CST).")
      .def(
          "audit_trail",
          [](const PyCase& c) {
            auto a = c.engine->run([&](Engine& e) { return e.audit_trail(c.id); });
            if (!a) fail(*c.engine, a.error(), c.id, c.bundle, c.version);
            return audit_list(*a);
          },
          "One dict per event: {version, at, actor_kind, actor, command_id, command, event, detail, comment} "
          "(personal data masked).")
      .def(
          "state",
          [](const PyCase& c) {
            auto s = c.engine->run([&](Engine& e) { return e.state(c.id); });
            if (!s) fail(*c.engine, s.error(), c.id, c.bundle, c.version);
            return state_dict(*s, Names{c.engine->find(s->bundle, s->bundle_version)});
          },
          "The case's state, the fold of its events, unmasked: {id, version, status, applicant, items, materials, "
          "notice, … } (items and materials by id).")
      .def(
          "snapshot",
          [](const PyCase& c) {
            auto r = c.engine->run([&](Engine& e) { return e.snapshot(c.id); });
            if (!r) fail(*c.engine, r.error(), c.id, c.bundle, c.version);
            return *r;
          },
          "Saves the case's state as its snapshot in the store; returns its version.")
      .def(
          "verify",
          [](const PyCase& c) {
            auto r = c.engine->run([&](Engine& e) { return e.verify(c.id); });
            if (!r) fail(*c.engine, r.error(), c.id, c.bundle, c.version);
            return *r;
          },
          "Replays the whole log and compares it with the state the latest snapshot gives; False (and the "
          "snapshot rebuilt) on a disagreement.")
      // The applicant's commands.
      .def(
          "submit",
          [](PyCase& c, const py::object& materials, const py::object& unavailable, const py::object& by,
             const py::object& command_id) {
            return execute(c, applicant_actor(c, by),
                           Submit{to_strings(materials, "materials"), to_strings(unavailable, "unavailable")},
                           command_id);
          },
          py::arg("materials") = py::none(), py::kw_only(), py::arg("unavailable") = py::none(),
          py::arg("by") = py::none(), py::arg("command_id") = py::none(),
          doc("Submits the application with the materials handed over (ids); `unavailable`: provider materials the "
              "provider could not supply.")
              .c_str())
      .def(
          "resubmit",
          [](PyCase& c, const py::object& materials, const py::object& by, const py::object& command_id) {
            return execute(c, applicant_actor(c, by), Resubmit{to_strings(materials, "materials")}, command_id);
          },
          py::arg("materials") = py::none(), py::kw_only(), py::arg("by") = py::none(),
          py::arg("command_id") = py::none(),
          doc("Resubmits after a correction notice with the materials it asked for.").c_str())
      .def(
          "supply_material",
          [](PyCase& c, const std::string& material, const py::object& by, const py::object& command_id) {
            return execute(c, applicant_actor(c, by), SupplyMaterial{material}, command_id);
          },
          py::arg("material"), py::kw_only(), py::arg("by") = py::none(), py::arg("command_id") = py::none(),
          doc("Supplies a deferred material (容缺补齐).").c_str())
      .def(
          "pledge",
          [](PyCase& c, const std::string& item, const py::object& by, const py::object& command_id) {
            return execute(c, applicant_actor(c, by), Pledge{item}, command_id);
          },
          py::arg("item"), py::kw_only(), py::arg("by") = py::none(), py::arg("command_id") = py::none(),
          doc("Signs the pledge (告知承诺) for an item that allows one.").c_str())
      .def(
          "withdraw",
          [](PyCase& c, const std::string& reason, const py::object& by, const py::object& command_id) {
            return execute(c, applicant_actor(c, by), Withdraw{reason}, command_id);
          },
          py::arg("reason") = "", py::kw_only(), py::arg("by") = py::none(), py::arg("command_id") = py::none(),
          doc("Withdraws the application (撤回), possible until issuance.").c_str())
      .def(
          "rate",
          [](PyCase& c, int score, const std::string& comment, const py::object& by, const py::object& command_id) {
            return execute(c, applicant_actor(c, by), Rate{score, comment}, command_id);
          },
          py::arg("score"), py::arg("comment") = "", py::kw_only(), py::arg("by") = py::none(),
          py::arg("command_id") = py::none(),
          doc("Rates the service (好差评), 1 to 5, once, within the rating window.").c_str())
      // Staff commands.
      .def(
          "accept",
          [](PyCase& c, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Accept{}, command_id);
          },
          py::kw_only(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("综合受理 by the front desk; refused while a needed material is missing.").c_str())
      .def(
          "accept_with_deficiency",
          [](PyCase& c, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), AcceptWithDeficiency{}, command_id);
          },
          py::kw_only(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("容缺受理: accepts with the missing (deferrable) materials deferred, each with a deadline.").c_str())
      .def(
          "return_for_correction",
          [](PyCase& c, const py::object& materials, const std::string& comment, const py::object& by,
             const py::object& command_id) {
            return execute(c, to_actor(by, "by"), ReturnForCorrection{to_strings(materials, "materials"), comment},
                           command_id);
          },
          py::arg("materials") = py::none(), py::arg("comment") = "", py::kw_only(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("补正 at intake: one notice listing these materials and every one still missing.").c_str())
      .def(
          "refuse",
          [](PyCase& c, const std::string& reason, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Refuse{reason}, command_id);
          },
          py::arg("reason"), py::kw_only(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("不予受理 at intake; a reason is required.").c_str())
      .def(
          "assign",
          [](PyCase& c, const std::string& item, const std::string& person, const py::object& slot,
             const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Assign{item, person, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("person"), py::kw_only(), py::arg("slot") = py::none(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("Names who must sign a signer slot of an item (the next undecided slot unless `slot` is given).").c_str())
      .def(
          "sign",
          [](PyCase& c, const std::string& item, const std::string& decision, const std::string& comment,
             const py::object& materials, const py::object& slot, const py::object& by, const py::object& command_id) {
            const auto d = parse_decision(decision);
            if (!d)
              throw py::value_error(fmt::format("decision `{}`: use \"approve\", \"reject\" or \"return\"", decision));
            return execute(c, to_actor(by, "by"),
                           Sign{item, *d, comment, to_strings(materials, "materials"), slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("decision") = "approve", py::arg("comment") = "", py::kw_only(),
          py::arg("materials") = py::none(), py::arg("slot") = py::none(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("A signer decides on an item: \"approve\", \"reject\" or \"return\" (reject and return need a "
              "comment; return may list `materials`).")
              .c_str())
      .def(
          "post_check",
          [](PyCase& c, const std::string& item, bool passed, const std::string& comment, const py::object& by,
             const py::object& command_id) {
            return execute(c, to_actor(by, "by"), PostCheck{item, passed, comment}, command_id);
          },
          py::arg("item"), py::arg("passed") = true, py::arg("comment") = "", py::kw_only(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("事后核查 of a pledged item by its department; a failure revokes it.").c_str())
      .def(
          "issue",
          [](PyCase& c, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Issue{}, command_id);
          },
          py::kw_only(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("统一出件 by the front desk once every item is decided.").c_str())
      // Approval operations (docs/approvals.md).
      .def(
          "claim",
          [](PyCase& c, const std::string& item, const py::object& slot, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Claim{item, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::kw_only(), py::arg("slot") = py::none(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("认领: a candidate (staff of the slot's department and role) takes an unassigned signature.").c_str())
      .def(
          "unclaim",
          [](PyCase& c, const std::string& item, const py::object& slot, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Unclaim{item, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::kw_only(), py::arg("slot") = py::none(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("释放: gives a claimed or assigned signature back to its candidates.").c_str())
      .def(
          "transfer",
          [](PyCase& c, const std::string& item, const std::string& to, const std::string& comment, const py::object& slot,
             const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Transfer{item, to, comment, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("to"), py::arg("comment"), py::kw_only(), py::arg("slot") = py::none(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("转办: the holder (or the item's supervisor) hands a signature to `to` for good; a comment is required.").c_str())
      .def(
          "delegate",
          [](PyCase& c, const std::string& item, const std::string& to, const std::string& comment, const py::object& slot,
             const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Delegate{item, to, comment, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("to"), py::arg("comment"), py::kw_only(), py::arg("slot") = py::none(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("委派: the holder asks `to` for advice and signs once the delegation is resolved.").c_str())
      .def(
          "resolve_delegation",
          [](PyCase& c, const std::string& item, const py::object& advice, const std::string& comment,
             const py::object& slot, const py::object& by, const py::object& command_id) {
            std::optional<Decision> a;
            if (!advice.is_none()) {
              const auto text = advice.cast<std::string>();
              a = parse_decision(text);
              if (!a) throw py::value_error(fmt::format("advice `{}`: use \"approve\", \"reject\" or \"return\"", text));
            }
            return execute(c, to_actor(by, "by"), ResolveDelegation{item, a, comment, slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("advice") = py::none(), py::arg("comment") = "", py::kw_only(),
          py::arg("slot") = py::none(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("Ends a delegation: the delegate gives `advice`; the owner recalls it with no advice.").c_str())
      .def(
          "add_signer",
          [](PyCase& c, const std::string& item, const std::string& role, const std::string& comment,
             const std::string& department, int weight, const std::string& person, const std::string& position,
             const py::object& relative_to, const py::object& by, const py::object& command_id) {
            const auto p = parse_add_position(position);
            if (!p) throw py::value_error(fmt::format("position `{}`: use \"before\", \"after\" or \"parallel\"", position));
            return execute(c, to_actor(by, "by"),
                           AddSigner{item, role, department, weight, person, *p, slot_of(relative_to), comment}, command_id);
          },
          py::arg("item"), py::arg("role"), py::arg("comment"), py::kw_only(), py::arg("department") = "",
          py::arg("weight") = 1, py::arg("person") = "", py::arg("position") = "parallel",
          py::arg("relative_to") = py::none(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("加签: adds a signer for this round, before, after or beside (`parallel`) the current one.").c_str())
      .def(
          "remove_signer",
          [](PyCase& c, const std::string& item, std::uint32_t slot, const std::string& comment, const py::object& by,
             const py::object& command_id) {
            return execute(c, to_actor(by, "by"), RemoveSigner{item, slot, comment}, command_id);
          },
          py::arg("item"), py::arg("slot"), py::arg("comment"), py::kw_only(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("减签: removes a slot that has not signed; the join is re-evaluated at once.").c_str())
      .def(
          "reject_back",
          [](PyCase& c, const std::string& item, const std::string& to, const std::string& comment,
             const py::object& materials, const py::object& slot, const py::object& by, const py::object& command_id) {
            return execute(c, to_actor(by, "by"),
                           RejectBack{item, to, comment, to_strings(materials, "materials"), slot_of(slot)}, command_id);
          },
          py::arg("item"), py::arg("to"), py::arg("comment"), py::kw_only(), py::arg("materials") = py::none(),
          py::arg("slot") = py::none(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("驳回 to \"applicant\" (a correction), \"previous\" or a named earlier step, which is reviewed again.").c_str())
      .def(
          "reclaim",
          [](PyCase& c, const std::string& item, const std::string& comment, const py::object& slot, const py::object& by,
             const py::object& command_id) {
            return execute(c, to_actor(by, "by"), Reclaim{item, slot_of(slot), comment}, command_id);
          },
          py::arg("item"), py::arg("comment") = "", py::kw_only(), py::arg("slot") = py::none(), py::arg("by"),
          py::arg("command_id") = py::none(),
          doc("拿回: a signer takes back their decision while nothing after it has been acted on.").c_str())
      .def(
          "remind",
          [](PyCase& c, const std::string& item, const std::string& comment, const py::object& by,
             const py::object& command_id) {
            return execute(c, applicant_actor(c, by), Remind{item, comment}, command_id);
          },
          py::arg("item"), py::arg("comment") = "", py::kw_only(), py::arg("by") = py::none(),
          py::arg("command_id") = py::none(),
          doc("催办 by hand: the applicant (default) or the front desk reminds the signers of an item in review.").c_str())
      .def(
          "migrate",
          [](PyCase& c, const std::string& version, const py::object& by, const py::object& command_id) {
            const MigrateCase cmd{command_id_of(*c.engine, command_id), to_actor(by, "by"), version};
            auto r = c.engine->run([&](Engine& e) { return e.migrate(c.id, cmd); });
            return outcome(c, std::move(r));
          },
          py::arg("version"), py::kw_only(), py::arg("by"), py::arg("command_id") = py::none(),
          doc("Moves the running case to another deployed version of its bundle, when what it has done maps onto "
              "it (front desk only).")
              .c_str())
      .def("__eq__",
           [](const PyCase& a, const py::object& o) -> py::object {
             if (!py::isinstance<PyCase>(o)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             const auto& b = o.cast<const PyCase&>();
             return py::bool_(a.engine == b.engine && a.id == b.id);
           })
      .def("__hash__",
           [](const PyCase& c) {
             return py::hash(py::make_tuple(reinterpret_cast<std::uintptr_t>(c.engine.get()), c.id.value));
           })
      .def("__repr__", &repr_of);
}

}  // namespace yishi::python
