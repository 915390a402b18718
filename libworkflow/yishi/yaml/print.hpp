// Prints a bundle as YAML in the canonical layout of docs/bundle-format.md.
#pragma once

#include <string>

#include "yishi/ir/bundle.hpp"
#include "yishi/source/source_map.hpp"

namespace yishi::yaml {

/// The bundle as YAML: top-level keys in the order of the format reference, block maps,
/// flow lists for short lists, scalars quoted only when needed, expressions in single
/// quotes when they contain double quotes. With `comments` (the source the bundle was loaded
/// from, YAML or DSL), its comments are kept, each before the declaration that followed it.
/// `load_text(print(b))` yields a bundle equal to `b`.
[[nodiscard]] std::string print(const ir::Bundle& bundle, const SourceFile* comments = nullptr);

}  // namespace yishi::yaml
