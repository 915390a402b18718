// What loading a bundle yields, whatever its syntax (YAML or the DSL).
#pragma once

#include <optional>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/ir/bundle.hpp"
#include "yishi/source/source_map.hpp"

namespace yishi::ir {

/// The outcome of a load: a bundle when no error was found, and every diagnostic.
struct LoadResult {
  std::optional<Bundle> bundle;
  Diagnostics diagnostics;
  SourceId source = no_source;  ///< the loaded text in the SourceMap (no_source if unreadable)
};

}  // namespace yishi::ir
