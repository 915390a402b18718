// Choosing the loader by file name.
#include "yishi/load/load.hpp"

#include "yishi/dsl/load.hpp"
#include "yishi/yaml/load.hpp"

namespace yishi {

bool is_dsl_path(std::string_view path) noexcept { return path.ends_with(".yi"); }

ir::LoadResult load_bundle_text(SourceMap& sources, std::string name, std::string text) {
  if (is_dsl_path(name)) return dsl::load_text(sources, std::move(name), std::move(text));
  return yaml::load_text(sources, std::move(name), std::move(text));
}

ir::LoadResult load_bundle_file(SourceMap& sources, const std::string& path) {
  return is_dsl_path(path) ? dsl::load_file(sources, path) : yaml::load_file(sources, path);
}

}  // namespace yishi
