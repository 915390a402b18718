// Loads a bundle written in the text DSL (`.yi` files, docs/language.md) into the IR, with
// located errors. One run reports several syntax errors: after a mistake the parser skips to
// the next declaration and goes on.
//
//   SourceMap sources;
//   auto r = dsl::load_file(sources, "bundles/national/newborn_birth.yi");
//   if (!r.bundle) std::cerr << render_text(r.diagnostics, sources);
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/ir/bundle.hpp"
#include "yishi/ir/load_result.hpp"
#include "yishi/source/source_map.hpp"

namespace yishi::dsl {

/// Resource limits that protect the loader from hostile or accidental huge input.
struct LoadOptions {
  std::size_t max_bytes = 8u << 20;  ///< larger files are refused (E6001)
  std::size_t max_entries = 10'000;  ///< declarations of one kind, entries of one list (E6003)
  std::size_t max_syntax_errors = 20;  ///< the parser stops after this many
};

/// The outcome of a load (shared by both syntaxes).
using LoadResult = ir::LoadResult;

/// Loads a bundle from DSL text registered in `sources` under `name`. Never throws on bad input.
[[nodiscard]] LoadResult load_text(SourceMap& sources, std::string name, std::string text,
                                   const LoadOptions& options = {});
/// Reads and loads a `.yi` file. An unreadable file yields E1000 (no exception).
[[nodiscard]] LoadResult load_file(SourceMap& sources, const std::string& path, const LoadOptions& options = {});

/// Prints a bundle in the DSL, canonically: declarations in the order bundle properties,
/// departments, fields, materials, situations, eligibility, tables, items, stages; two spaces
/// of indentation; expressions as written. With `comments` (the source the bundle was loaded
/// from), the comments of that source are kept, each before the declaration that followed it.
/// `load_text(print(b))` yields a bundle equal to `b`.
[[nodiscard]] std::string print(const ir::Bundle& bundle, const SourceFile* comments = nullptr);

}  // namespace yishi::dsl
