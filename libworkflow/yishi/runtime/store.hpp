// The store interface: where case logs live. The engine appends each command's events as one
// atomic commit guarded by the case version (optimistic concurrency) and by the command's
// idempotency key; recovery is loading the log and replaying it.
//
// Implementations: MemoryStore (store/memory_store.hpp) and SqliteStore (store/sqlite_store.hpp);
// the conformance suite (tests/store/) holds each to the same contract. Infrastructure
// failures (disk full, corrupt file, lost connection) are thrown as StoreError and leave the
// stored logs as they were before the call.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/runtime/case_state.hpp"
#include "yishi/runtime/event.hpp"

namespace yishi {

/// An infrastructure failure of a store (not a user mistake, not an invalid command).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A case's log: its commits and, in order, their events (event k has version base + k + 1).
/// `load` gives the whole log (base 0); `load_latest` may start from a snapshot, the case's
/// state at version `base`, and give only the commits after it.
struct StoredCase {
  CaseId id;
  std::vector<Commit> commits;
  std::vector<Event> events;
  std::optional<CaseState> snapshot;
  std::uint64_t base = 0;
  [[nodiscard]] std::uint64_t version() const noexcept { return base + events.size(); }
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

/// One commit waiting in the outbox for the platform to consume; `seq` orders the outbox.
struct OutboxEntry {
  std::uint64_t seq = 0;
  CaseId case_id;
  Commit commit;
  std::vector<Event> events;
};

/// A published definition of one bundle version: its canonical text (YAML, as yaml::print
/// writes it) and the content hash it was published under (store/publish.hpp).
struct StoredDefinition {
  std::string bundle;
  std::string version;
  std::string hash;
  std::string source;
  friend bool operator==(const StoredDefinition&, const StoredDefinition&) = default;
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

  /// Every case in the store, by id.
  [[nodiscard]] virtual std::vector<CaseId> cases() const = 0;

  /// Records a definition version; true if it is stored now or was already (same hash; it
  /// then moves to the end of `definitions()`), false, changing nothing, if the bundle's
  /// version holds another definition.
  [[nodiscard]] virtual bool put_definition(const StoredDefinition& definition) = 0;
  /// Every definition version, in the order they were last put (so the last of a bundle is
  /// the one published last, see publish.hpp).
  [[nodiscard]] virtual std::vector<StoredDefinition> definitions() const = 0;

  /// Up to `limit` cases whose next timer is due at or before `until`, earliest first.
  [[nodiscard]] virtual std::vector<DueCase> due(Instant until, std::size_t limit) const = 0;

  /// Like `due`, but leases the cases to `worker` for `lease` (wall-clock time): until the
  /// lease runs out or the case changes (an append), other workers' claims skip them. A
  /// worker that dies holding a lease delays its timers by at most `lease`.
  [[nodiscard]] virtual std::vector<DueCase> claim_due(std::string_view worker, Instant until, std::size_t limit,
                                                       std::chrono::milliseconds lease) = 0;

  /// The case's log from its latest valid snapshot on; a store without snapshots, or whose
  /// snapshot does not match the log (checksum, chain or format), gives the whole log.
  [[nodiscard]] virtual std::optional<StoredCase> load_latest(CaseId id) const { return load(id); }
  /// Whether `find_command` finds the ids of appended commands. A store that does not index
  /// them (the simulator's) cannot tell a retry from a new command, so the engine skips
  /// their fingerprints (stored as 0) for it.
  [[nodiscard]] virtual bool indexes_commands() const noexcept { return true; }
  /// How many events apart the engine should snapshot a case (0: never unless asked).
  [[nodiscard]] virtual std::uint64_t snapshot_interval() const noexcept { return 0; }
  /// Records `state` (of case `id`, at `state.version`, a commit boundary) as its snapshot.
  /// Snapshots only shorten loading: a store may write them lazily, and losing one loses
  /// nothing.
  virtual void save_snapshot(CaseId id, const CaseState& state) {
    (void)id;
    (void)state;
  }

  /// The outbox (事件发件箱): every commit, in append order, waits there until a consumer
  /// acknowledges it. Claims up to `limit` entries that no other worker holds a live lease on,
  /// leasing them to `worker` for `lease`; an entry not acknowledged in time is claimed again
  /// (at-least-once delivery).
  [[nodiscard]] virtual std::vector<OutboxEntry> claim_outbox(std::string_view worker, std::size_t limit,
                                                              std::chrono::milliseconds lease) = 0;
  /// Removes the entries `seqs` that `worker` holds; returns how many it removed.
  virtual std::size_t ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) = 0;

  /// Returns once every append that returned before the call is durable (see the store's
  /// durability mode); a no-op for stores that are durable per append or not at all.
  virtual void sync() {}
};

}  // namespace yishi
