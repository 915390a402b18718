// Loads a bundle written in YAML (docs/bundle-format.md) into the IR, with located errors.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "yishi/calendar/calendar.hpp"
#include "yishi/diag/diagnostic.hpp"
#include "yishi/ir/bundle.hpp"
#include "yishi/ir/load_result.hpp"
#include "yishi/source/source_map.hpp"

namespace yishi::yaml {

/// Resource limits that protect the loader from hostile or accidental huge input.
struct LoadOptions {
  std::size_t max_bytes = 8u << 20;    ///< larger files are refused (E6001)
  std::size_t max_entries = 10'000;    ///< entries in one map or list (E6003)
  /// Loads the base of a local variant (`extends: PATH`), given PATH resolved against the
  /// variant's folder, into the same SourceMap. Without it `extends` is refused;
  /// yishi::load_bundle_file provides one that reads YAML or DSL bases.
  std::function<ir::LoadResult(const std::string& path)> load_base;
};

/// The outcome of a load (shared by both syntaxes).
using LoadResult = ir::LoadResult;

/// Loads a bundle from text registered in `sources` under `name`. Never throws on bad input.
[[nodiscard]] LoadResult load_text(SourceMap& sources, std::string name, std::string text,
                                   const LoadOptions& options = {});

/// Reads and loads a file. An unreadable file yields E1000 (no exception).
[[nodiscard]] LoadResult load_file(SourceMap& sources, const std::string& path, const LoadOptions& options = {});

/// The outcome of loading one calendar file (one year's official holiday notice).
struct CalendarLoadResult {
  std::optional<CalendarYear> year;
  Diagnostics diagnostics;
  SourceId source = no_source;
};

/// Loads a calendar year from text (format: docs/calendar.md; files in bundles/calendars/).
[[nodiscard]] CalendarLoadResult load_calendar_text(SourceMap& sources, std::string name, std::string text,
                                                    const LoadOptions& options = {});
/// Reads and loads a calendar file.
[[nodiscard]] CalendarLoadResult load_calendar_file(SourceMap& sources, const std::string& path,
                                                    const LoadOptions& options = {});

/// The outcome of loading a directory of calendar files.
struct CalendarDirResult {
  std::optional<Calendar> calendar;  ///< every year, when all loaded without errors
  Diagnostics diagnostics;
};
/// Loads every `*.yaml` calendar file of a directory (bundles/calendars/) into one calendar.
/// An unreadable directory or a year given twice is an E1000 error.
[[nodiscard]] CalendarDirResult load_calendar_dir(SourceMap& sources, const std::string& dir,
                                                  const LoadOptions& options = {});

}  // namespace yishi::yaml
