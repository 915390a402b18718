// The simulator's store: hands every commit's events to the simulator as the engine appends
// them (the way an outbox consumer sees them, but synchronously), and keeps only what the
// engine needs while a case runs: its version. With `keep_logs` it forwards to a MemoryStore
// that keeps every log as well.
//
// Without logs, a case the engine has dropped from its cache (it does so once the case
// ends) cannot be loaded again, and command ids are not indexed (the simulator never repeats
// one): a store for running a caseload once, not for serving a platform.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "yishi/runtime/store.hpp"
#include "yishi/store/memory_store.hpp"

namespace yishi::simulate::internal {

class SinkStore final : public Store {
 public:
  using Sink = std::function<void(CaseId, std::span<const Event>, std::optional<Instant>)>;

  SinkStore(Sink sink, bool keep_logs)
      : sink_(std::move(sink)), logs_(keep_logs ? std::make_unique<MemoryStore>() : nullptr) {}

  [[nodiscard]] CaseId allocate_case_id() override {
    if (logs_) return logs_->allocate_case_id();
    versions_.push_back(0);
    return CaseId{versions_.size()};
  }
  [[nodiscard]] AppendStatus append(CaseId id, std::uint64_t expected, const Commit& commit,
                                    std::span<const Event> events, std::optional<Instant> next_due) override {
    if (logs_) {
      const AppendStatus st = logs_->append(id, expected, commit, events, next_due);
      if (st == AppendStatus::ok) sink_(id, events, next_due);
      return st;
    }
    if (id.value == 0 || id.value > versions_.size()) throw StoreError("append: a case id this store did not allocate");
    if (commit.first_version != expected + 1 || commit.count != events.size() || events.empty())
      throw StoreError("append: the commit header does not match its events");
    std::uint64_t& v = versions_[id.value - 1];
    if (v != expected) return AppendStatus::conflict;
    v += events.size();
    sink_(id, events, next_due);
    return AppendStatus::ok;
  }
  [[nodiscard]] std::optional<std::uint64_t> version(CaseId id) const override {
    if (logs_) return logs_->version(id);
    if (id.value == 0 || id.value > versions_.size() || versions_[id.value - 1] == 0) return std::nullopt;
    return versions_[id.value - 1];
  }
  [[nodiscard]] std::optional<StoredCase> load(CaseId id) const override {
    return logs_ ? logs_->load(id) : std::nullopt;
  }
  [[nodiscard]] std::optional<CommandRecord> find_command(std::string_view key) const override {
    return logs_ ? logs_->find_command(key) : std::nullopt;
  }
  [[nodiscard]] bool indexes_commands() const noexcept override { return logs_ != nullptr; }
  [[nodiscard]] std::vector<CaseId> cases() const override {
    if (logs_) return logs_->cases();
    std::vector<CaseId> out;
    for (std::size_t k = 0; k < versions_.size(); ++k)
      if (versions_[k]) out.push_back(CaseId{k + 1});
    return out;
  }
  [[nodiscard]] bool put_definition(const StoredDefinition& d) override { return logs_ ? logs_->put_definition(d) : true; }
  [[nodiscard]] std::vector<StoredDefinition> definitions() const override {
    return logs_ ? logs_->definitions() : std::vector<StoredDefinition>{};
  }
  /// The simulator tracks each case's next timer from the appends; nothing is queued here.
  [[nodiscard]] std::vector<DueCase> due(Instant, std::size_t) const override { return {}; }
  [[nodiscard]] std::vector<DueCase> claim_due(std::string_view, Instant, std::size_t,
                                               std::chrono::milliseconds) override {
    return {};
  }
  [[nodiscard]] std::vector<OutboxEntry> claim_outbox(std::string_view, std::size_t, std::chrono::milliseconds) override {
    return {};
  }
  std::size_t ack_outbox(std::string_view, std::span<const std::uint64_t>) override { return 0; }

  /// The kept logs (keep_logs), else null.
  [[nodiscard]] const MemoryStore* logs() const noexcept { return logs_.get(); }

 private:
  Sink sink_;
  std::unique_ptr<MemoryStore> logs_;
  std::vector<std::uint64_t> versions_;
};

}  // namespace yishi::simulate::internal
