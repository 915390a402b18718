// Loads a bundle in either syntax, chosen by the file name: `.yi` is the DSL
// (docs/language.md), anything else YAML (docs/bundle-format.md).
#pragma once

#include <string>
#include <string_view>

#include "yishi/ir/load_result.hpp"

namespace yishi {

/// Whether a file name is a DSL bundle (`.yi`).
[[nodiscard]] bool is_dsl_path(std::string_view path) noexcept;
/// Loads text registered under `name` with the loader its extension selects.
[[nodiscard]] ir::LoadResult load_bundle_text(SourceMap& sources, std::string name, std::string text);
/// Reads and loads a file with the loader its extension selects; unreadable is E1000.
[[nodiscard]] ir::LoadResult load_bundle_file(SourceMap& sources, const std::string& path);

}  // namespace yishi
