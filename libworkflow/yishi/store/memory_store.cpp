// MemoryStore: case logs in memory, guarded by one mutex.
#include "yishi/store/memory_store.hpp"

#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace yishi {

struct MemoryStore::Impl {
  struct Log {
    std::vector<Commit> commits;
    std::vector<Event> events;
    std::optional<Instant> next_due;
  };
  struct CommandRef {
    std::uint64_t case_id;
    std::size_t commit;
  };
  mutable std::mutex mu;
  std::uint64_t next_id = 1;
  std::size_t events = 0;
  std::unordered_map<std::uint64_t, Log> cases;
  std::unordered_map<std::string, CommandRef> commands;
  std::set<std::pair<Instant, std::uint64_t>> due;
};

MemoryStore::MemoryStore() : impl_(std::make_unique<Impl>()) {}
MemoryStore::~MemoryStore() = default;

CaseId MemoryStore::allocate_case_id() {
  std::lock_guard lock(impl_->mu);
  return CaseId{impl_->next_id++};
}

AppendStatus MemoryStore::append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                 std::span<const Event> events, std::optional<Instant> next_due) {
  std::lock_guard lock(impl_->mu);
  Impl& s = *impl_;
  auto found = s.cases.find(id.value);
  const std::uint64_t current = found == s.cases.end() ? 0 : found->second.events.size();
  if (s.commands.count(commit.command_id)) return AppendStatus::duplicate;  // before the version: a retry is a duplicate
  if (current != expected_version) return AppendStatus::conflict;
  if (commit.first_version != expected_version + 1 || commit.count != events.size())
    throw StoreError("append: the commit header does not match its events");
  Impl::Log& log = found == s.cases.end() ? s.cases[id.value] : found->second;
  s.commands.emplace(commit.command_id, Impl::CommandRef{id.value, log.commits.size()});
  log.commits.push_back(commit);
  log.events.insert(log.events.end(), events.begin(), events.end());
  s.events += events.size();
  if (log.next_due != next_due) {
    if (log.next_due) s.due.erase({*log.next_due, id.value});
    if (next_due) s.due.insert({*next_due, id.value});
    log.next_due = next_due;
  }
  return AppendStatus::ok;
}

std::optional<std::uint64_t> MemoryStore::version(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->cases.find(id.value);
  if (found == impl_->cases.end()) return std::nullopt;
  return found->second.events.size();
}

std::optional<StoredCase> MemoryStore::load(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->cases.find(id.value);
  if (found == impl_->cases.end()) return std::nullopt;
  return StoredCase{id, found->second.commits, found->second.events};
}

std::optional<CommandRecord> MemoryStore::find_command(std::string_view command_id) const {
  std::lock_guard lock(impl_->mu);
  auto found = impl_->commands.find(std::string(command_id));
  if (found == impl_->commands.end()) return std::nullopt;
  const Impl::Log& log = impl_->cases.at(found->second.case_id);
  const Commit& c = log.commits[found->second.commit];
  const auto first = log.events.begin() + static_cast<std::ptrdiff_t>(c.first_version - 1);
  return CommandRecord{CaseId{found->second.case_id}, c, std::vector<Event>(first, first + c.count)};
}

std::vector<DueCase> MemoryStore::due(Instant until, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  std::vector<DueCase> out;
  for (auto it = impl_->due.begin(); it != impl_->due.end() && it->first <= until && out.size() < limit; ++it)
    out.push_back({it->first, CaseId{it->second}});
  return out;
}

std::size_t MemoryStore::case_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->cases.size();
}

std::size_t MemoryStore::event_count() const {
  std::lock_guard lock(impl_->mu);
  return impl_->events;
}

}  // namespace yishi
