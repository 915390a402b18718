// SqliteStore: the embedded, durable store (the default). One database file holds every
// case's log, snapshots, due timers, the outbox and the commands' idempotency keys.
//
//   yishi::SqliteStore store("cases.db", {.durability = yishi::Durability::full});
//   yishi::Engine engine(store, clock, calendar);
//
// Durability (docs/storage.md):
//  - `full`: an append returns after its transaction is in the write-ahead log and fsynced;
//    a crash at any point loses no command that returned.
//  - `batched` (group commit): appends join one open transaction, committed (and fsynced)
//    every `batch_interval`, every `batch_limit` appends, on `sync()` and on destruction. A
//    command is durable once `sync()` returns after it; a crash loses at most the appends
//    of the open batch, whole commands only. If committing a batch fails (disk full), the
//    store refuses every later call: the engines that used it hold states the file does not,
//    so they and the store must be opened again. A batch whose COMMIT failed on its sync may
//    still be recovered by a crash: the error says its outcome is unknown, and retrying its
//    commands with the same ids applies each at most once.
//
// Schema: versioned migrations (`schema_version`); an older file is upgraded when opened, a
// newer one is refused. A file that is not a yishi database, a corrupt page, a lock held too
// long or a full disk is a StoreError naming the file. A failed append leaves nothing behind,
// except when its COMMIT fails on the sync: then the error says that whether the command is
// in the file is unknown (a crash may recover it), and a retry with the same command id
// applies it at most once (docs/storage.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "yishi/runtime/store.hpp"

namespace yishi {

enum class Durability : std::uint8_t { full, batched };
[[nodiscard]] std::string_view to_string(Durability d);

struct SqliteOptions {
  Durability durability = Durability::full;
  std::chrono::milliseconds batch_interval{5};  ///< batched: the longest a batch stays open
  std::size_t batch_limit = 1024;               ///< batched: appends per batch at most
  std::uint64_t snapshot_every = 64;            ///< events between a case's snapshots (0: never)
  std::chrono::milliseconds busy_timeout{5000}; ///< how long to wait for another writer's lock
  std::int64_t max_pages = 0;                   ///< cap on the file's pages (0: none); for tests of a full disk
};

/// What a store has done since it was opened (for tests and monitoring).
struct SqliteStats {
  std::uint64_t appends = 0;
  std::uint64_t transactions = 0;       ///< write transactions committed (batches, in batched mode)
  std::uint64_t snapshots_written = 0;
  std::uint64_t snapshots_rejected = 0; ///< snapshots found not to match their log, ignored
};

class SqliteStore final : public Store {
 public:
  /// The schema version this build writes (and upgrades older files to).
  static constexpr int schema_version = 3;

  /// Opens (creating if needed) the database at `path`. Throws StoreError.
  explicit SqliteStore(const std::string& path, SqliteOptions options = {});
  /// Commits an open batch and pending snapshots (errors are lost here: call sync() first).
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  [[nodiscard]] CaseId allocate_case_id() override;
  [[nodiscard]] AppendStatus append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                    std::span<const Event> events, std::optional<Instant> next_due) override;
  [[nodiscard]] std::optional<std::uint64_t> version(CaseId id) const override;
  [[nodiscard]] std::optional<StoredCase> load(CaseId id) const override;
  [[nodiscard]] std::optional<CommandRecord> find_command(std::string_view command_id) const override;
  [[nodiscard]] std::vector<DueCase> due(Instant until, std::size_t limit) const override;
  [[nodiscard]] std::vector<DueCase> claim_due(std::string_view worker, Instant until, std::size_t limit,
                                               std::chrono::milliseconds lease) override;
  [[nodiscard]] std::optional<StoredCase> load_latest(CaseId id) const override;
  [[nodiscard]] std::uint64_t snapshot_interval() const noexcept override;
  void save_snapshot(CaseId id, const CaseState& state) override;
  [[nodiscard]] std::vector<OutboxEntry> claim_outbox(std::string_view worker, std::size_t limit,
                                                      std::chrono::milliseconds lease) override;
  std::size_t ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) override;
  void sync() override;

  [[nodiscard]] std::vector<CaseId> cases() const override;
  [[nodiscard]] bool put_definition(const StoredDefinition& definition) override;
  [[nodiscard]] std::vector<StoredDefinition> definitions() const override;
  [[nodiscard]] const std::string& path() const noexcept;
  [[nodiscard]] const SqliteOptions& options() const noexcept;
  [[nodiscard]] SqliteStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi
