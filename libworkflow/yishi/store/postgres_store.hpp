// PostgresStore: the store for several engine processes, on one or many machines, sharing
// one PostgreSQL database (through libpq).
//
//   yishi::PostgresStore store("postgresql://yishi@db.example/yishi", {.schema = "yishi"});
//   yishi::Engine engine(store, clock, calendar);
//   engine.fire_due("worker-1", clock.now(), 100, std::chrono::seconds(30));  // timers, shared out
//
// - Appends are one server-side function call, atomic, guarded by the case version: the
//   case row is locked (FOR UPDATE), so of two processes racing on one case exactly one
//   wins; the other gets `conflict` and its engine retries on fresh state.
// - Due timers and outbox entries are claimed with FOR UPDATE SKIP LOCKED and leased on the
//   server's clock, so workers never wait on each other and an entry whose worker died is
//   claimed again when its lease runs out.
// - A lost connection is re-established and the call retried once; an append whose reply was
//   lost is recognised by its command id (idempotency key) and reported as applied.
// - Every append is durable when it returns (PostgreSQL's synchronous commit).
//
// All tables live in `schema` (created if missing), versioned like the SQLite file: a schema
// written by a newer yishi is refused. Throws StoreError on failures.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "yishi/runtime/store.hpp"

namespace yishi {

struct PostgresOptions {
  std::string schema = "yishi";            ///< where the tables live
  std::uint64_t snapshot_every = 64;       ///< events between a case's snapshots (0: never)
  std::string application_name = "yishi";  ///< shown in pg_stat_activity
};

class PostgresStore final : public Store {
 public:
  static constexpr int schema_version = 1;

  /// Connects to `conninfo` (a libpq URL or key=value string) and creates or checks the schema.
  explicit PostgresStore(const std::string& conninfo, PostgresOptions options = {});
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

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

  [[nodiscard]] std::vector<CaseId> cases() const override;
  [[nodiscard]] bool put_definition(const StoredDefinition& definition) override;
  [[nodiscard]] std::vector<StoredDefinition> definitions() const override;
  /// How many times the connection was lost and re-established.
  [[nodiscard]] std::uint64_t reconnects() const;
  /// The server process of this store's connection (for tests that cut it).
  [[nodiscard]] int backend_pid() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi
