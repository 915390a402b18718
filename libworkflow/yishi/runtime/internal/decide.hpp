// Deciding: validates a command against a case's state and emits its events. Each event is
// applied to the state as it is emitted (so later decisions of the same command see it);
// every check runs before the first event, so an error leaves the state untouched.
#pragma once

#include <optional>
#include <vector>

#include "yishi/runtime/engine.hpp"
#include "yishi/runtime/internal/plan.hpp"

namespace yishi::runtime_internal {

struct DecideContext {
  const Plan& plan;
  const Calendar& calendar;
  const EngineOptions& options;
  Instant now;
};

/// Opens `state` (a fresh state with its id set).
[[nodiscard]] std::optional<CommandError> decide_open(CaseState& state, const DecideContext& ctx,
                                                      const OpenCase& command, std::vector<Event>& out);
/// Runs a command on a case.
[[nodiscard]] std::optional<CommandError> decide(CaseState& state, const DecideContext& ctx, const Actor& actor,
                                                 const CommandBody& body, std::vector<Event>& out);
/// After a change from outside a command (a case moved to another version): starts what can
/// start, sends what must be sent, closes what is done, as after every command.
void settle(CaseState& state, const DecideContext& ctx, std::vector<Event>& out);
/// Fires the case's earliest timer when it is due at or before `ctx.now` (which should be
/// that timer's due instant). Returns false when no timer is due.
bool fire_next_timer(CaseState& state, const DecideContext& ctx, std::vector<Event>& out);
/// The case's earliest pending timer, if any.
[[nodiscard]] std::optional<Instant> next_due(const Plan& plan, const CaseState& state);

/// The post-check draw (事后核查抽查): deterministic in (seed, case, item).
[[nodiscard]] bool drawn_for_post_check(std::uint64_t seed, CaseId id, std::uint32_t item, double rate);

}  // namespace yishi::runtime_internal
