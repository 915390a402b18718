// The store interface: where case logs live. The engine appends each command's events as one
// atomic commit guarded by the case version (optimistic concurrency) and by the command's
// idempotency key; recovery is loading the log and replaying it.
//
// Implementations: MemoryStore (store/memory_store.hpp). Durable stores implement the same
// contract; infrastructure failures (disk full, corrupt file) are thrown as StoreError.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/runtime/event.hpp"

namespace yishi {

/// An infrastructure failure of a store (not a user mistake, not an invalid command).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A case's log: its commits and, in order, their events (event k has version k + 1).
struct StoredCase {
  CaseId id;
  std::vector<Commit> commits;
  std::vector<Event> events;
  [[nodiscard]] std::uint64_t version() const noexcept { return events.size(); }
};

/// A command already applied: its case, its commit and its events.
struct CommandRecord {
  CaseId case_id;
  Commit commit;
  std::vector<Event> events;
};

/// A case with a timer due, and when.
struct DueCase {
  Instant due{};
  CaseId id;
  friend bool operator==(const DueCase&, const DueCase&) = default;
};

enum class AppendStatus : std::uint8_t {
  ok,
  conflict,   ///< the case is not at the expected version (another writer was first)
  duplicate,  ///< the command id is already recorded
};

/// Where case logs live. Every member may be called from several threads at once.
class Store {
 public:
  virtual ~Store() = default;

  /// A case id never handed out before by this store.
  [[nodiscard]] virtual CaseId allocate_case_id() = 0;

  /// Appends one commit atomically: only if `commit.command_id` is unused (else `duplicate`,
  /// checked first) and the case is at `expected_version` (0: the case does not exist yet;
  /// else `conflict`); `commit.first_version` must be `expected_version + 1`. Records
  /// `next_due`, the case's earliest pending timer.
  [[nodiscard]] virtual AppendStatus append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                            std::span<const Event> events, std::optional<Instant> next_due) = 0;

  /// The case's current version (number of events), or nullopt if there is no such case.
  [[nodiscard]] virtual std::optional<std::uint64_t> version(CaseId id) const = 0;

  /// The case's whole log, or nullopt if there is no such case.
  [[nodiscard]] virtual std::optional<StoredCase> load(CaseId id) const = 0;

  /// The command recorded under `command_id`, if any.
  [[nodiscard]] virtual std::optional<CommandRecord> find_command(std::string_view command_id) const = 0;

  /// Up to `limit` cases whose next timer is due at or before `until`, earliest first.
  [[nodiscard]] virtual std::vector<DueCase> due(Instant until, std::size_t limit) const = 0;
};

}  // namespace yishi
