// The checks every YAML input of yishi goes through before its content is read: size,
// encoding, NUL bytes, tab indentation, well-formed YAML (with a guard against yaml-cpp 0.7's
// endless loop on some malformed input), exactly one document. Used by the bundle and calendar
// loaders here and by the scenario loader (simulate/scenario.cpp), which reads a YAML format
// of its own: one gate for every YAML file. Private: yaml-cpp types, never installed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/source/source_map.hpp"
#include "yishi/yaml/load.hpp"

namespace yishi::yaml::internal {

/// Registers `text` in `sources` under `name` (setting `source`) and returns its one
/// document's root, or nullopt with the reason in `diags`. `what` names the kind of file in
/// messages (`bundle`, `calendar`, `scenario`).
[[nodiscard]] std::optional<YAML::Node> parse_document(SourceMap& sources, SourceId& source, std::string name,
                                                       std::string text, const LoadOptions& options, Diagnostics& diags,
                                                       std::string_view what);

}  // namespace yishi::yaml::internal
