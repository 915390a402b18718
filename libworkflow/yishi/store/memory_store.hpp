// MemoryStore: the in-memory implementation of the store interface, for tests, simulation and
// embedding where durability is not needed. Thread-safe (one mutex).
//
// The outbox is off unless asked for: a simulation of a city-year would otherwise keep an
// entry per commit that nobody consumes. Snapshots are kept when saved (the engine asks for
// none: `snapshot_interval` is 0, since replaying from memory is cheap).
#pragma once

#include <cstddef>
#include <memory>

#include "yishi/runtime/store.hpp"

namespace yishi {

struct MemoryStoreOptions {
  bool outbox = false;  ///< queue every commit in the outbox
};

class MemoryStore final : public Store {
 public:
  explicit MemoryStore(MemoryStoreOptions options = {});
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  [[nodiscard]] CaseId allocate_case_id() override;
  [[nodiscard]] AppendStatus append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                    std::span<const Event> events, std::optional<Instant> next_due) override;
  [[nodiscard]] std::optional<std::uint64_t> version(CaseId id) const override;
  [[nodiscard]] std::optional<StoredCase> load(CaseId id) const override;
  [[nodiscard]] std::optional<CommandRecord> find_command(std::string_view command_id) const override;
  [[nodiscard]] std::vector<CaseId> cases() const override;
  [[nodiscard]] bool put_definition(const StoredDefinition& definition) override;
  [[nodiscard]] std::vector<StoredDefinition> definitions() const override;
  [[nodiscard]] std::vector<DueCase> due(Instant until, std::size_t limit) const override;
  [[nodiscard]] std::vector<DueCase> claim_due(std::string_view worker, Instant until, std::size_t limit,
                                               std::chrono::milliseconds lease) override;
  [[nodiscard]] std::optional<StoredCase> load_latest(CaseId id) const override;
  void save_snapshot(CaseId id, const CaseState& state) override;
  [[nodiscard]] std::vector<OutboxEntry> claim_outbox(std::string_view worker, std::size_t limit,
                                                      std::chrono::milliseconds lease) override;
  std::size_t ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) override;

  /// Number of cases and of events stored.
  [[nodiscard]] std::size_t case_count() const;
  [[nodiscard]] std::size_t event_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi
