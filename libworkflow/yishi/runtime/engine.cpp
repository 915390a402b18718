// Engine: command handling around the decider — idempotency, optimistic concurrency against
// the store, the cache of live states, and timers.
#include "yishi/runtime/engine.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>
#include <utility>
#include <queue>
#include <unordered_map>

#include "yishi/base/assert.hpp"
#include "yishi/base/id_map.hpp"
#include "yishi/runtime/internal/decide.hpp"
#include "yishi/runtime/internal/plan.hpp"
#include "yishi/runtime/internal/views.hpp"

namespace yishi {

using runtime_internal::Plan;

namespace {
CommandError error(ErrorKind k, std::string message) { return {k, std::move(message), nullptr, {}}; }

/// Timer commits are recorded under `timer:CASE:VERSION`; clients may not use that form.
constexpr std::string_view timer_prefix = "timer:";

std::optional<CommandError> check_key(std::string_view key) {
  if (key.empty()) return error(ErrorKind::invalid_argument, "the command has no id");
  if (key.starts_with(timer_prefix))
    return error(ErrorKind::invalid_argument, "command ids starting with `timer:` are reserved for the engine's timers");
  return std::nullopt;
}
}  // namespace

struct Engine::Impl {
  struct Live {
    std::shared_ptr<const Plan> plan;
    CaseState state;
    std::uint64_t snapshot_at = 0;  ///< version of the case's latest snapshot
    std::optional<Instant> due;     ///< when its earliest timer falls due (kept by every commit)
  };

  Impl(Store& s, Clock& c, Calendar cal, EngineOptions o)
      : store(s), clock(c), calendar(std::move(cal)), options(std::move(o)) {}

  Store& store;
  Clock& clock;
  Calendar calendar;
  EngineOptions options;
  /// Orders (id, version) keys and finds one by views, without copying the strings.
  struct KeyLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };
  std::map<std::pair<std::string, std::string>, std::shared_ptr<const Plan>, KeyLess> plans;  // (id, version)
  std::unordered_map<std::string, std::string> latest;                                // id → version
  IdMap<Live> cache;  // live states by case id
  /// The storage of cases that finished in a commit, for the next cases opened on the same
  /// plan (a few dozen per plan at most): their item, signer and material vectors keep their
  /// capacity (and the signers their strings'), so a steady stream of cases does not
  /// allocate each state afresh, and a case never holds a larger bundle's capacity. Only the
  /// vectors are kept: `case_opened` assigns all three before anything reads them.
  struct Spares {
    const Plan* plan = nullptr;
    std::vector<CaseState> states;
  };
  std::vector<Spares> spares;  // by plan; deployed plans are few
  static constexpr std::size_t max_spares = 64;
  std::vector<CaseState>& spares_for(const Plan* plan) {
    for (Spares& s : spares)
      if (s.plan == plan) return s.states;
    return spares.emplace_back(Spares{plan, {}}).states;
  }
  std::vector<Event> events;  // scratch, reused by every command
  // Commit headers, reused by every command (assigning keeps their strings' buffers).
  Commit command_header;
  Commit timer_header{{}, 0, Actor::system(), CommandKind::timer, {}, 0, 0};

  /// The scratch header for a command.
  Commit& header_for(const std::string& command_id, std::uint64_t fp, const Actor& actor, CommandKind kind,
                     Instant at) {
    command_header.command_id = command_id;
    command_header.fingerprint = fp;
    command_header.actor = actor;
    command_header.command = kind;
    command_header.at = at;
    return command_header;
  }

  /// A command's fingerprint, or 0 for a store that does not index command ids (it never
  /// hands back a recorded command to compare with).
  template <class C>
  std::uint64_t fingerprint_of(const C& command) const {
    return store.indexes_commands() ? fingerprint(command) : 0;
  }

  /// The state a new case starts from: default fields, on the spare vectors when there are
  /// some (their elements are a finished case's until `case_opened` assigns all three).
  CaseState fresh_state(const Plan* plan) {
    CaseState s;
    std::vector<CaseState>& kept = spares_for(plan);
    if (kept.empty()) return s;
    s.items = std::move(kept.back().items);
    s.signers = std::move(kept.back().signers);
    s.materials = std::move(kept.back().materials);
    kept.pop_back();
    return s;
  }

  runtime_internal::DecideContext context(const Plan& plan, Instant now) const {
    return {plan, calendar, options, now};
  }

  std::shared_ptr<const Plan> find_plan(const std::string& id, const std::string& version) const {
    auto it = plans.find(std::pair<std::string_view, std::string_view>(id, version));
    return it == plans.end() ? nullptr : it->second;
  }

  /// The live state of a case: from the cache, or loaded from the store (from its latest
  /// snapshot when there is one) and replayed.
  Result<Live*, CommandError> live(CaseId id) {
    if (Live* cached = cache.find(id.value)) return cached;
    auto stored = store.load_latest(id);
    if (!stored) return unexpected(error(ErrorKind::unknown_case, fmt::format("no case {}", id.value)));
    auto loaded = from_log(id, *stored);
    if (!loaded) return unexpected(std::move(loaded).error());
    Live& l = cache.insert(id.value, std::move(*loaded));
    maybe_snapshot(id, l);
    return &l;
  }

  /// Replays a stored log (from its snapshot, if any) into a live state.
  Result<Live, CommandError> from_log(CaseId id, StoredCase& stored) {
    const std::string* bundle = nullptr;
    const std::string* version = nullptr;
    if (stored.snapshot) {
      bundle = &stored.snapshot->bundle;
      version = &stored.snapshot->bundle_version;
    } else if (const auto* opened = stored.events.empty() ? nullptr : std::get_if<CaseOpened>(&stored.events.front())) {
      bundle = &opened->bundle;
      version = &opened->version;
    } else {
      throw StoreError(fmt::format("case {}: the log does not start with case_opened", id.value));
    }
    auto plan = find_plan(*bundle, *version);
    if (!plan)
      return unexpected(error(ErrorKind::unknown_bundle,
                              fmt::format("case {} runs bundle `{}` version {}, which is not deployed", id.value,
                                          *bundle, *version)));
    Live l{std::move(plan), {}, stored.base, std::nullopt};
    std::optional<std::string> missing;  // a version the case moved to that is not deployed
    const runtime_internal::MigrationHook moved = [&](CaseState& s, const CaseMigrated& e) -> const Plan& {
      auto next = find_plan(s.bundle, e.to_version);
      if (!next) {
        missing = e.to_version;
        throw std::invalid_argument("not deployed");
      }
      runtime_internal::apply_migration(s, *l.plan, *next, e);
      l.plan = std::move(next);
      return *l.plan;
    };
    try {
      if (stored.snapshot) {
        if (stored.snapshot->id != id || stored.snapshot->version != stored.base)
          throw std::invalid_argument("its snapshot belongs to another case or version");
        l.state = std::move(*stored.snapshot);
      } else {
        l.state.id = id;
      }
      runtime_internal::replay_onto(*l.plan, l.state, stored.commits, stored.events, moved);
    } catch (const std::invalid_argument& e) {
      if (missing)
        return unexpected(error(ErrorKind::unknown_bundle,
                                fmt::format("case {} moved to bundle `{}` version {}, which is not deployed", id.value,
                                            *bundle, *missing)));
      throw StoreError(fmt::format("case {}: {}", id.value, e.what()));
    }
    l.due = runtime_internal::next_due(*l.plan, l.state);
    return l;
  }

  /// The plans of a case's versions, by version, for its audit trail.
  std::function<const Plan*(const std::string&)> versions_of(const std::string& bundle) const {
    return [this, bundle](const std::string& version) { return find_plan(bundle, version).get(); };
  }

  /// Snapshots the case when the store asks for one every N events and N have passed.
  void maybe_snapshot(CaseId id, Live& l) {
    const std::uint64_t every = store.snapshot_interval();
    if (every == 0 || l.state.version < l.snapshot_at + every) return;
    store.save_snapshot(id, l.state);
    l.snapshot_at = l.state.version;
  }

  /// Builds the outcome of a command id already recorded.
  CommandResult recorded(const CommandRecord& rec, std::uint64_t fp, std::optional<CaseId> target,
                         std::string_view key) const {
    if (rec.commit.fingerprint != fp || (target && rec.case_id != *target))
      return unexpected(error(ErrorKind::key_reused,
                              fmt::format("command id `{}` was already used by a different command (`{}` on case {})",
                                          key, to_string(rec.commit.command), rec.case_id.value)));
    auto original = std::make_shared<Applied>(
        Applied{rec.case_id, rec.commit.first_version - 1 + rec.commit.count, rec.events});
    return unexpected(CommandError{ErrorKind::duplicate_command,
                                   fmt::format("command `{}` was already applied", key), std::move(original), {}});
  }

  /// Appends the scratch events as one commit; keeps the cache in step with the store.
  AppendStatus commit(CaseId id, Live& live, std::uint64_t old_version, Commit& header) {
    header.first_version = old_version + 1;
    header.count = static_cast<std::uint32_t>(events.size());
    live.due = runtime_internal::next_due(*live.plan, live.state);
    AppendStatus st = AppendStatus::conflict;
    try {
      st = store.append(id, old_version, header, events, live.due);
    } catch (...) {
      cache.erase(id.value);  // the state holds events the store did not take
      throw;
    }
    if (st != AppendStatus::ok || is_terminal(live.state.status)) {
      if (std::vector<CaseState>& pool = spares_for(live.plan.get());
          st == AppendStatus::ok && pool.size() < max_spares) {  // finished: keep its storage
        CaseState& kept = pool.emplace_back();
        kept.items = std::move(live.state.items);
        kept.signers = std::move(live.state.signers);
        kept.materials = std::move(live.state.materials);
      }
      cache.erase(id.value);  // stale or finished
      return st;
    }
    maybe_snapshot(id, live);
    return st;
  }

  /// The events of the command just committed, for its result: moved out (the scratch
  /// regrows; no copy), or none when the caller reads them from the store's feed.
  std::vector<Event> take_events() { return options.return_events ? std::exchange(events, {}) : std::vector<Event>{}; }

  enum class Fired { one, none, stale };

  /// Runs a command on a case: fires the case's due timers first (each at its own instant:
  /// the command sees the case as it stands now, whether or not anyone called advance_to),
  /// lets `decide(live)` validate it and emit into `events` (changing nothing when it
  /// refuses), and appends. A repeated id is caught by the store's append (which checks the
  /// id first, atomically), so the common path costs one lookup; before refusing, the id is
  /// looked up too, since a retry of an applied command usually no longer fits the state. A
  /// stale cached state (another engine moved the case on) is reloaded and the command tried
  /// again, up to `max_attempts`.
  template <class Decide>
  CommandResult run_command(CaseId id, Commit& header, Decide&& decide) {
    for (int attempt = 0; attempt < std::max(1, options.max_attempts); ++attempt) {
      auto got = live(id);
      if (!got) return unexpected(std::move(got).error());
      Live* l = *got;
      Fired f = Fired::one;
      while (f == Fired::one && l->due && *l->due <= header.at) {
        f = fire_one(id, *l, header.at);
        if (f == Fired::one && !cache.contains(id.value)) break;  // a timer ended the case
      }
      if (f == Fired::stale) continue;
      if (!cache.contains(id.value)) {  // a timer ended the case
        if (auto again = live(id); again) l = *again;
        else return unexpected(std::move(again).error());
      }
      events.clear();
      const std::uint64_t old = l->state.version;
      if (std::optional<CommandError> e = decide(*l)) {
        if (auto rec = store.find_command(header.command_id)) {
          cache.erase(id.value);  // decide ran on it; refusals emit nothing, but stay safe
          return recorded(*rec, header.fingerprint, id, header.command_id);
        }
        // Refused on the cached state: make sure it is current before saying no. Only this
        // path pays for the check.
        if (store.version(id) != old) {
          cache.erase(id.value);
          continue;
        }
        if (is_terminal(l->state.status)) cache.erase(id.value);
        return unexpected(std::move(*e));
      }
      switch (commit(id, *l, old, header)) {
        case AppendStatus::ok: {
          const std::uint64_t version = old + events.size();
          return Applied{id, version, take_events()};
        }
        case AppendStatus::duplicate:
          if (auto rec = store.find_command(header.command_id))
            return recorded(*rec, header.fingerprint, id, header.command_id);
          continue;
        case AppendStatus::conflict: continue;
      }
    }
    return unexpected(error(ErrorKind::conflict,
                            fmt::format("case {} kept changing under this command; try again", id.value)));
  }

  /// Fires the case's earliest timer if it is due at or before `until`, at its due instant.
  Fired fire_one(CaseId id, Live& live, Instant until) {
    const std::optional<Instant> due = live.due;
    if (!due || *due > until) return Fired::none;
    events.clear();
    const std::uint64_t old = live.state.version;
    const bool fired = runtime_internal::fire_next_timer(live.state, context(*live.plan, *due), events);
    YISHI_ASSERT(fired && !events.empty(), "a due timer fires");
    timer_header.command_id.clear();
    fmt::format_to(std::back_inserter(timer_header.command_id), "timer:{}:{}", id.value, old + 1);
    timer_header.at = *due;
    return commit(id, live, old, timer_header) == AppendStatus::ok ? Fired::one : Fired::stale;
  }
};

Engine::Engine(Store& store, Clock& clock, Calendar calendar, EngineOptions options)
    : impl_(std::make_unique<Impl>(store, clock, std::move(calendar), std::move(options))) {}
Engine::~Engine() = default;

bool Engine::can_deploy(const CompiledBundle& bundle) const {
  const ir::Bundle& b = bundle.bundle();
  auto it = impl_->plans.find(std::pair<std::string, std::string>{b.id, b.version});
  return it == impl_->plans.end() || it->second->compiled.bundle() == b;
}

bool Engine::deploy(CompiledBundle bundle) {
  if (!can_deploy(bundle)) return false;
  const ir::Bundle& b = bundle.bundle();
  std::pair<std::string, std::string> key{b.id, b.version};
  if (impl_->plans.find(key) == impl_->plans.end()) {
    impl_->plans.emplace(key, std::make_shared<const Plan>(std::move(bundle)));
  }
  impl_->latest[key.first] = key.second;
  return true;
}

CommandResult Engine::open_case(const OpenCase& command) {
  Impl& m = *impl_;
  if (auto e = check_key(command.id)) return unexpected(std::move(*e));
  const std::uint64_t fp = m.fingerprint_of(command);
  std::string version = command.version;
  if (version.empty()) {
    auto it = m.latest.find(command.bundle);
    if (it != m.latest.end()) version = it->second;
  }
  auto plan = m.find_plan(command.bundle, version);
  if (!plan)
    return unexpected(error(ErrorKind::unknown_bundle,
                            version.empty() ? fmt::format("no bundle `{}` is deployed", command.bundle)
                                            : fmt::format("bundle `{}` version {} is not deployed", command.bundle, version)));
  const Instant now = m.clock.now();
  Impl::Live live{plan, m.fresh_state(plan.get()), 0, std::nullopt};
  live.state.id = m.store.allocate_case_id();
  m.events.clear();
  if (auto e = runtime_internal::decide_open(live.state, m.context(*plan, now), command, m.events)) {
    if (auto rec = m.store.find_command(command.id)) return m.recorded(*rec, fp, std::nullopt, command.id);
    return unexpected(std::move(*e));
  }
  const CaseId id = live.state.id;
  m.cache.erase(id.value);  // a fresh id; a store that hands one out twice must not see a stale state
  auto& cached = m.cache.insert(id.value, std::move(live));
  switch (m.commit(id, cached, 0, m.header_for(command.id, fp, command.actor, CommandKind::open, now))) {
    case AppendStatus::ok: return Applied{id, cached.state.version, m.take_events()};
    case AppendStatus::duplicate:
      if (auto rec = m.store.find_command(command.id)) return m.recorded(*rec, fp, std::nullopt, command.id);
      break;
    case AppendStatus::conflict: break;
  }
  return unexpected(error(ErrorKind::conflict, fmt::format("case {} could not be created", id.value)));
}

CommandResult Engine::execute(CaseId id, const Command& command) {
  Impl& m = *impl_;
  if (auto e = check_key(command.id)) return unexpected(std::move(*e));
  if (command.actor.kind == ActorKind::system)
    return unexpected(error(ErrorKind::not_authorised, "the system actor only fires timers"));
  const Instant now = m.clock.now();
  return m.run_command(id, m.header_for(command.id, m.fingerprint_of(command), command.actor, kind_of(command.body), now),
                       [&](Impl::Live& live) {
                         return runtime_internal::decide(live.state, m.context(*live.plan, now), command.actor,
                                                         command.body, m.events);
                       });
}

CommandResult Engine::migrate(CaseId id, const MigrateCase& command) {
  Impl& m = *impl_;
  if (auto e = check_key(command.id)) return unexpected(std::move(*e));
  const Instant now = m.clock.now();
  return m.run_command(
      id, m.header_for(command.id, m.fingerprint_of(command), command.actor, CommandKind::migrate, now),
      [&](Impl::Live& live) -> std::optional<CommandError> {
        auto target = m.find_plan(live.state.bundle, command.version);
        if (command.actor.kind != ActorKind::staff || command.actor.role != m.options.intake_role)
          return error(ErrorKind::not_authorised,
                       fmt::format("only front-desk staff (role `{}`) may move a case to another version",
                                   m.options.intake_role));
        if (!target)
          return error(ErrorKind::unknown_bundle,
                       fmt::format("bundle `{}` version {} is not deployed", live.state.bundle, command.version));
        if (command.version == live.state.bundle_version)
          return error(ErrorKind::invalid_argument,
                       fmt::format("case {} is on version {} already", id.value, command.version));
        if (auto why = runtime_internal::migration_obstacles(*live.plan, *target, live.state); !why.empty())
          return error(ErrorKind::invalid_transition, fmt::format("case {} cannot move to version {}: {}", id.value,
                                                                  command.version, fmt::join(why, "; ")));
        CaseMigrated moved = runtime_internal::migration_event(*live.plan, *target);
        runtime_internal::apply_migration(live.state, *live.plan, *target, moved);
        m.events.push_back(std::move(moved));
        live.plan = target;
        runtime_internal::settle(live.state, m.context(*target, now), m.events);  // start what can start now
        return std::nullopt;
      });
}

std::size_t Engine::advance_to(Instant t) {
  Impl& m = *impl_;
  using Entry = std::pair<Instant, std::uint64_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  for (const DueCase& d : m.store.due(t, std::numeric_limits<std::size_t>::max())) queue.push({d.due, d.id.value});
  std::size_t fired = 0;
  std::unordered_map<std::uint64_t, int> stale;
  while (!queue.empty()) {
    const auto [at, raw] = queue.top();
    queue.pop();
    const CaseId id{raw};
    auto got = m.live(id);
    if (!got) continue;
    Impl::Live* live = *got;
    const std::optional<Instant> due = live->due;
    if (!due || *due > t) {
      if (is_terminal(live->state.status)) m.cache.erase(raw);
      continue;
    }
    if (*due > at) {  // the store's entry was early: requeue at the real time, keep the global order
      queue.push({*due, raw});
      continue;
    }
    switch (m.fire_one(id, *live, t)) {
      case Impl::Fired::one: ++fired; break;
      case Impl::Fired::stale:
        if (++stale[raw] >= std::max(1, m.options.max_attempts)) continue;
        break;
      case Impl::Fired::none: continue;
    }
    if (auto again = m.live(id); again) {
      if (const std::optional<Instant> next = (*again)->due; next && *next <= t)
        queue.push({*next, raw});
      else if (is_terminal((*again)->state.status))
        m.cache.erase(raw);
    }
  }
  m.clock.advance_to(t);
  return fired;
}

std::size_t Engine::fire_due(std::string_view worker, Instant until, std::size_t limit,
                             std::chrono::milliseconds lease) {
  Impl& m = *impl_;
  std::size_t fired = 0;
  for (const DueCase& d : m.store.claim_due(worker, until, limit, lease)) fired += fire_timers(d.id, until);
  return fired;
}

std::size_t Engine::fire_timers(CaseId id, Instant until) {
  Impl& m = *impl_;
  std::size_t fired = 0;
  for (int attempt = 0; attempt < std::max(1, m.options.max_attempts); ++attempt) {
    Impl::Fired f = Impl::Fired::none;
    for (;;) {
      auto got = m.live(id);  // again after each timer: a commit may drop the cached state
      if (!got) return fired;
      f = m.fire_one(id, **got, until);
      if (f != Impl::Fired::one) break;
      ++fired;
    }
    if (f != Impl::Fired::stale) break;  // else another engine moved the case: reload, retry
  }
  if (const Impl::Live* l = m.cache.find(id.value); l && is_terminal(l->state.status)) m.cache.erase(id.value);
  return fired;
}

Result<CaseView, CommandError> Engine::view(CaseId id) {
  auto got = impl_->live(id);
  if (!got) return unexpected(std::move(got).error());
  CaseView v = runtime_internal::make_view(*(*got)->plan, (*got)->state);
  if (is_terminal(v.status)) impl_->cache.erase(id.value);
  return v;
}

Result<std::vector<AuditEntry>, CommandError> Engine::audit_trail(CaseId id) {
  Impl& m = *impl_;
  auto got = m.live(id);
  if (!got) return unexpected(std::move(got).error());
  const std::string bundle = (*got)->state.bundle;
  if (is_terminal((*got)->state.status)) m.cache.erase(id.value);
  auto stored = m.store.load(id);
  if (!stored) return unexpected(error(ErrorKind::unknown_case, fmt::format("no case {}", id.value)));
  const auto* opened = stored->events.empty() ? nullptr : std::get_if<CaseOpened>(&stored->events.front());
  auto first = opened ? m.find_plan(opened->bundle, opened->version) : nullptr;
  if (!first) throw StoreError(fmt::format("case {}: the log does not start with case_opened", id.value));
  try {
    return runtime_internal::make_audit_trail(*first, m.calendar, *stored, m.versions_of(bundle));
  } catch (const std::invalid_argument& e) {
    return unexpected(error(ErrorKind::unknown_bundle, fmt::format("case {}: {}", id.value, e.what())));
  }
}

Result<CaseState, CommandError> Engine::state(CaseId id) {
  auto got = impl_->live(id);
  if (!got) return unexpected(std::move(got).error());
  CaseState s = (*got)->state;
  if (is_terminal(s.status)) impl_->cache.erase(id.value);
  return s;
}

Result<std::uint64_t, CommandError> Engine::snapshot(CaseId id) {
  auto got = impl_->live(id);
  if (!got) return unexpected(std::move(got).error());
  impl_->store.save_snapshot(id, (*got)->state);
  (*got)->snapshot_at = (*got)->state.version;
  return (*got)->state.version;
}

Result<bool, CommandError> Engine::verify(CaseId id) {
  Impl& m = *impl_;
  auto latest = m.store.load_latest(id);
  auto whole = m.store.load(id);
  if (!latest || !whole) return unexpected(error(ErrorKind::unknown_case, fmt::format("no case {}", id.value)));
  auto from_snapshot = m.from_log(id, *latest);
  if (!from_snapshot) return unexpected(std::move(from_snapshot).error());
  auto replayed = m.from_log(id, *whole);
  if (!replayed) return unexpected(std::move(replayed).error());
  if (from_snapshot->state == replayed->state) return true;
  m.cache.erase(id.value);
  m.store.save_snapshot(id, replayed->state);  // rebuilt from the log, which is the truth
  return false;
}

const Calendar& Engine::calendar() const noexcept { return impl_->calendar; }
const EngineOptions& Engine::options() const noexcept { return impl_->options; }
std::size_t Engine::live_cases() const noexcept { return impl_->cache.size(); }
std::size_t Engine::live_state_bytes() const noexcept {
  std::size_t n = 0;
  impl_->cache.for_each([&](std::uint64_t id, const Impl::Live& live) {
    n += live.state.memory_bytes() + sizeof(live) + sizeof(id);
  });
  return n;
}
void Engine::drop_cache() noexcept { impl_->cache.clear(); }

}  // namespace yishi
