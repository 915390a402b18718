// MemoryStore: the in-memory implementation of the store interface, for tests, simulation and
// embedding where durability is not needed. Thread-safe (one mutex).
#pragma once

#include <cstddef>
#include <memory>

#include "yishi/runtime/store.hpp"

namespace yishi {

class MemoryStore final : public Store {
 public:
  MemoryStore();
  ~MemoryStore() override;
  MemoryStore(const MemoryStore&) = delete;
  MemoryStore& operator=(const MemoryStore&) = delete;

  [[nodiscard]] CaseId allocate_case_id() override;
  [[nodiscard]] AppendStatus append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                    std::span<const Event> events, std::optional<Instant> next_due) override;
  [[nodiscard]] std::optional<std::uint64_t> version(CaseId id) const override;
  [[nodiscard]] std::optional<StoredCase> load(CaseId id) const override;
  [[nodiscard]] std::optional<CommandRecord> find_command(std::string_view command_id) const override;
  [[nodiscard]] std::vector<DueCase> due(Instant until, std::size_t limit) const override;

  /// Number of cases and of events stored.
  [[nodiscard]] std::size_t case_count() const;
  [[nodiscard]] std::size_t event_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi
