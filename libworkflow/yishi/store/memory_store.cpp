// MemoryStore: case logs in memory, guarded by one mutex.
//
// Laid out for speed, since the engine's in-memory throughput rests on it: logs live in a
// vector indexed by case id (ids are handed out here, densely), and the idempotency index is
// an open-addressing table of (key hash, case, commit) that compares keys against the commits
// themselves, so a key is stored once and indexing it allocates nothing.
#include "yishi/store/memory_store.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <string>
#include <utility>

namespace yishi {

struct MemoryStore::Impl {
  struct Log {
    bool exists = false;
    std::vector<Commit> commits;
    std::vector<Event> events;
    std::optional<Instant> next_due;
    std::optional<CaseState> snapshot;
  };
  struct Lease {
    std::string worker;
    std::chrono::system_clock::time_point until{};
    [[nodiscard]] bool held_by_other(std::string_view w, std::chrono::system_clock::time_point now) const {
      return !worker.empty() && worker != w && until > now;
    }
  };
  struct Pending {  // an outbox entry
    std::uint64_t case_id = 0;
    std::uint32_t commit = 0;
    Lease lease;
  };
  struct Slot {
    std::uint64_t hash = 0;  ///< 0: empty
    std::uint64_t case_id = 0;
    std::uint32_t commit = 0;
  };

  explicit Impl(MemoryStoreOptions o) : options(o) {}

  MemoryStoreOptions options;
  mutable std::mutex mu;
  std::uint64_t next_id = 1;
  std::unordered_map<std::uint64_t, Lease> due_leases;  // case id → lease
  std::map<std::uint64_t, Pending> outbox;               // seq → entry
  std::vector<StoredDefinition> definitions;
  std::uint64_t next_seq = 1;
  std::size_t events = 0, cases = 0, keys = 0;
  std::vector<Log> logs;  // logs[id - 1]
  std::vector<Slot> slots = std::vector<Slot>(1024);
  std::set<std::pair<Instant, std::uint64_t>> due;

  static std::uint64_t hash_of(std::string_view key) noexcept {
    std::uint64_t h = std::hash<std::string_view>{}(key);
    return h ? h : 1;  // 0 marks an empty slot
  }

  Log* find_log(std::uint64_t id) {
    if (id == 0 || id > logs.size() || !logs[id - 1].exists) return nullptr;
    return &logs[id - 1];
  }
  const Log* find_log(std::uint64_t id) const { return const_cast<Impl*>(this)->find_log(id); }

  const Commit& commit_of(const Slot& s) const { return logs[s.case_id - 1].commits[s.commit]; }

  /// The slot holding `key`, or the empty slot where it would go.
  std::size_t probe(std::string_view key, std::uint64_t h) const {
    const std::size_t mask = slots.size() - 1;
    for (std::size_t k = h & mask;; k = (k + 1) & mask) {
      const Slot& s = slots[k];
      if (s.hash == 0 || (s.hash == h && commit_of(s).command_id == key)) return k;
    }
  }

  void grow() {
    std::vector<Slot> old(slots.size() * 2);
    old.swap(slots);
    const std::size_t mask = slots.size() - 1;
    for (const Slot& s : old) {
      if (s.hash == 0) continue;
      std::size_t k = s.hash & mask;
      while (slots[k].hash != 0) k = (k + 1) & mask;
      slots[k] = s;
    }
  }
};

MemoryStore::MemoryStore(MemoryStoreOptions options) : impl_(std::make_unique<Impl>(options)) {}
MemoryStore::~MemoryStore() = default;

CaseId MemoryStore::allocate_case_id() {
  std::lock_guard lock(impl_->mu);
  return CaseId{impl_->next_id++};
}

AppendStatus MemoryStore::append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                 std::span<const Event> events, std::optional<Instant> next_due) {
  std::lock_guard lock(impl_->mu);
  Impl& s = *impl_;
  if (commit.first_version != expected_version + 1 || commit.count != events.size() || events.empty())
    throw StoreError("append: the commit header does not match its events");
  if (id.value == 0 || id.value >= s.next_id) throw StoreError("append: a case id this store did not allocate");
  // The id first: a retry is a duplicate whatever version it expected.
  const std::uint64_t h = Impl::hash_of(commit.command_id);
  const std::size_t slot = s.probe(commit.command_id, h);
  if (s.slots[slot].hash != 0) return AppendStatus::duplicate;
  Impl::Log* log = s.find_log(id.value);
  if ((log ? log->events.size() : 0) != expected_version) return AppendStatus::conflict;
  if (!log) {
    if (s.logs.size() < id.value) s.logs.resize(id.value);
    log = &s.logs[id.value - 1];
    log->exists = true;
    log->commits.reserve(8);
    ++s.cases;
  }
  s.slots[slot] = {h, id.value, static_cast<std::uint32_t>(log->commits.size())};
  if (s.options.outbox) s.outbox.emplace(s.next_seq++, Impl::Pending{id.value, static_cast<std::uint32_t>(log->commits.size()), {}});
  log->commits.push_back(commit);
  log->events.insert(log->events.end(), events.begin(), events.end());
  s.events += events.size();
  if (++s.keys * 2 > s.slots.size()) s.grow();
  if (log->next_due != next_due) {
    if (log->next_due) s.due.erase({*log->next_due, id.value});
    if (next_due) s.due.insert({*next_due, id.value});
    log->next_due = next_due;
  }
  s.due_leases.erase(id.value);
  return AppendStatus::ok;
}

std::optional<std::uint64_t> MemoryStore::version(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Log* log = impl_->find_log(id.value);
  if (!log) return std::nullopt;
  return log->events.size();
}

std::optional<StoredCase> MemoryStore::load(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Log* log = impl_->find_log(id.value);
  if (!log) return std::nullopt;
  return StoredCase{id, log->commits, log->events, std::nullopt, 0};
}

std::optional<CommandRecord> MemoryStore::find_command(std::string_view command_id) const {
  std::lock_guard lock(impl_->mu);
  const Impl& s = *impl_;
  const Impl::Slot& slot = s.slots[s.probe(command_id, Impl::hash_of(command_id))];
  if (slot.hash == 0) return std::nullopt;
  const Impl::Log& log = s.logs[slot.case_id - 1];
  const Commit& c = log.commits[slot.commit];
  const auto first = log.events.begin() + static_cast<std::ptrdiff_t>(c.first_version - 1);
  return CommandRecord{CaseId{slot.case_id}, c, std::vector<Event>(first, first + c.count)};
}

std::vector<DueCase> MemoryStore::due(Instant until, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  std::vector<DueCase> out;
  for (auto it = impl_->due.begin(); it != impl_->due.end() && it->first <= until && out.size() < limit; ++it)
    out.push_back({it->first, CaseId{it->second}});
  return out;
}

std::vector<DueCase> MemoryStore::claim_due(std::string_view worker, Instant until, std::size_t limit,
                                            std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& s = *impl_;
  const auto now = std::chrono::system_clock::now();
  std::vector<DueCase> out;
  for (auto it = s.due.begin(); it != s.due.end() && it->first <= until && out.size() < limit; ++it) {
    auto held = s.due_leases.find(it->second);
    if (held != s.due_leases.end() && held->second.held_by_other(worker, now)) continue;
    s.due_leases[it->second] = {std::string(worker), now + lease};
    out.push_back({it->first, CaseId{it->second}});
  }
  return out;
}

std::optional<StoredCase> MemoryStore::load_latest(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  const Impl::Log* log = impl_->find_log(id.value);
  if (!log) return std::nullopt;
  if (!log->snapshot) return StoredCase{id, log->commits, log->events, std::nullopt, 0};
  const std::uint64_t base = log->snapshot->version;
  StoredCase out{id, {}, {}, log->snapshot, base};
  for (const Commit& c : log->commits)
    if (c.first_version > base) out.commits.push_back(c);
  out.events.assign(log->events.begin() + static_cast<std::ptrdiff_t>(base), log->events.end());
  return out;
}

void MemoryStore::save_snapshot(CaseId id, const CaseState& state) {
  std::lock_guard lock(impl_->mu);
  Impl::Log* log = impl_->find_log(id.value);
  if (!log || state.id != id || state.version > log->events.size()) throw StoreError("save_snapshot: no such case or version");
  log->snapshot = state;
}

std::vector<OutboxEntry> MemoryStore::claim_outbox(std::string_view worker, std::size_t limit,
                                                   std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& s = *impl_;
  const auto now = std::chrono::system_clock::now();
  std::vector<OutboxEntry> out;
  for (auto it = s.outbox.begin(); it != s.outbox.end() && out.size() < limit; ++it) {
    Impl::Pending& p = it->second;
    if (p.lease.held_by_other(worker, now)) continue;
    p.lease = {std::string(worker), now + lease};
    const Impl::Log& log = s.logs[p.case_id - 1];
    const Commit& c = log.commits[p.commit];
    const auto first = log.events.begin() + static_cast<std::ptrdiff_t>(c.first_version - 1);
    out.push_back({it->first, CaseId{p.case_id}, c, std::vector<Event>(first, first + c.count)});
  }
  return out;
}

std::size_t MemoryStore::ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) {
  std::lock_guard lock(impl_->mu);
  std::size_t removed = 0;
  for (std::uint64_t seq : seqs) {
    auto it = impl_->outbox.find(seq);
    if (it == impl_->outbox.end() || it->second.lease.worker != worker) continue;
    impl_->outbox.erase(it);
    ++removed;
  }
  return removed;
}

std::vector<CaseId> MemoryStore::cases() const {
  std::lock_guard lock(impl_->mu);
  std::vector<CaseId> out;
  for (std::size_t k = 0; k < impl_->logs.size(); ++k)
    if (impl_->logs[k].exists) out.push_back(CaseId{k + 1});
  return out;
}

bool MemoryStore::put_definition(const StoredDefinition& d) {
  std::lock_guard lock(impl_->mu);
  auto& defs = impl_->definitions;
  for (auto it = defs.begin(); it != defs.end(); ++it)
    if (it->bundle == d.bundle && it->version == d.version) {
      if (it->hash != d.hash) return false;
      std::rotate(it, it + 1, defs.end());  // put again: the latest again
      return true;
    }
  defs.push_back(d);
  return true;
}

std::vector<StoredDefinition> MemoryStore::definitions() const {
  std::lock_guard lock(impl_->mu);
  return impl_->definitions;
}

std::size_t MemoryStore::case_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->cases;
}

std::size_t MemoryStore::event_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->events;
}

}  // namespace yishi
