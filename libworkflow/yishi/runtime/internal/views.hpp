// Queries: a case's state as shown (CaseView) and its audit trail, personal data masked.
#pragma once

#include <functional>
#include <string>

#include <vector>

#include "yishi/runtime/engine.hpp"
#include "yishi/runtime/internal/plan.hpp"

namespace yishi::runtime_internal {

[[nodiscard]] CaseView make_view(const Plan& plan, const CaseState& state);
[[nodiscard]] std::vector<AuditEntry> make_audit_trail(const Plan& plan, const Calendar& calendar,
                                                       const StoredCase& log,
                                                       const std::function<const Plan*(const std::string&)>& version = {});
/// A readable sentence for one event ("item `fire_check` approved on a pledge").
[[nodiscard]] std::string describe(const Plan& plan, const Calendar& calendar, const Event& event);

}  // namespace yishi::runtime_internal
