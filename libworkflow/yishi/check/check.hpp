// Semantic checks over a loaded bundle: references, types, graph shape, policies.
#pragma once

#include "yishi/diag/diagnostic.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi {

/// Options for `check`.
struct CheckOptions {
  bool warnings = true;  ///< also report legal-but-suspicious things (W codes)
};

/// Runs every semantic check over `bundle` and returns all findings (never throws, never
/// stops at the first error). A bundle with no errors is safe to compile.
[[nodiscard]] Diagnostics check(const ir::Bundle& bundle, const CheckOptions& options = {});

}  // namespace yishi
