// Choosing the loader by file name.
#include "yishi/load/load.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/dsl/load.hpp"
#include "yishi/yaml/load.hpp"

namespace yishi {

bool is_dsl_path(std::string_view path) noexcept { return path.ends_with(".yi"); }

namespace {

/// YAML options whose `load_base` loads a variant's base in either syntax, refusing a chain
/// of more than 8 bases or one that comes back to a file already on it.
yaml::LoadOptions with_bases(SourceMap& sources, std::vector<std::string> chain) {
  yaml::LoadOptions o;
  o.load_base = [&sources, chain](const std::string& path) {
    ir::LoadResult r;
    if (std::find(chain.begin(), chain.end(), path) != chain.end() || chain.size() > 8) {
      r.diagnostics.add(Diagnostic::make(DiagCode::io_error, {},
                                         fmt::format("`{}` extends itself, through {} bases", path, chain.size())));
      return r;
    }
    if (is_dsl_path(path)) return dsl::load_file(sources, path);
    std::vector<std::string> longer = chain;
    longer.push_back(path);
    return yaml::load_file(sources, path, with_bases(sources, std::move(longer)));
  };
  return o;
}

}  // namespace

ir::LoadResult load_bundle_text(SourceMap& sources, std::string name, std::string text) {
  if (is_dsl_path(name)) return dsl::load_text(sources, std::move(name), std::move(text));
  auto options = with_bases(sources, {name});
  return yaml::load_text(sources, std::move(name), std::move(text), options);
}

ir::LoadResult load_bundle_file(SourceMap& sources, const std::string& path) {
  if (is_dsl_path(path)) return dsl::load_file(sources, path);
  return yaml::load_file(sources, path, with_bases(sources, {std::filesystem::path(path).lexically_normal().string()}));
}

}  // namespace yishi
