// A store for tests: forwards every call to a MemoryStore, so that a test store overrides
// only the calls it makes misbehave or records.
#pragma once

#include "yishi/yishi.hpp"

namespace yishi::test {

class ForwardingStore : public Store {
 public:
  CaseId allocate_case_id() override { return inner.allocate_case_id(); }
  AppendStatus append(CaseId id, std::uint64_t expected_version, const Commit& commit, std::span<const Event> events,
                      std::optional<Instant> next_due) override {
    return inner.append(id, expected_version, commit, events, next_due);
  }
  std::optional<std::uint64_t> version(CaseId id) const override { return inner.version(id); }
  std::optional<StoredCase> load(CaseId id) const override { return inner.load(id); }
  std::optional<CommandRecord> find_command(std::string_view command_id) const override {
    return inner.find_command(command_id);
  }
  std::vector<CaseId> cases() const override { return inner.cases(); }
  bool put_definition(const StoredDefinition& definition) override { return inner.put_definition(definition); }
  std::vector<StoredDefinition> definitions() const override { return inner.definitions(); }
  std::vector<DueCase> due(Instant until, std::size_t limit) const override { return inner.due(until, limit); }
  std::vector<DueCase> claim_due(std::string_view worker, Instant until, std::size_t limit,
                                 std::chrono::milliseconds lease) override {
    return inner.claim_due(worker, until, limit, lease);
  }
  std::vector<OutboxEntry> claim_outbox(std::string_view worker, std::size_t limit,
                                        std::chrono::milliseconds lease) override {
    return inner.claim_outbox(worker, limit, lease);
  }
  std::size_t ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) override {
    return inner.ack_outbox(worker, seqs);
  }

  MemoryStore inner;
};

}  // namespace yishi::test
