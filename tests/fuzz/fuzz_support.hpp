// Helpers shared by the fuzz targets that drive cases: the bundle they run, loaded and
// compiled once per process, and a reader that turns fuzz bytes into choices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "yishi/calendar/calendar.hpp"
#include "yishi/check/check.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/yaml/load.hpp"

#ifndef YISHI_SOURCE_DIR
#error "YISHI_SOURCE_DIR must name the repository (tests/fuzz/CMakeLists.txt defines it)"
#endif

namespace yishi::fuzz {

/// Stops the process when the fixture itself is broken: that is no finding of the fuzzer.
[[noreturn]] inline void fixture_failed(const std::string& what) {
  std::fprintf(stderr, "fuzz fixture: %s\n", what.c_str());
  std::abort();
}

/// Loads a bundle of the repository (a path relative to it), checked clean.
inline ir::Bundle load_bundle(const std::string& relative) {
  SourceMap sources;
  auto r = yaml::load_file(sources, std::string(YISHI_SOURCE_DIR) + "/" + relative);
  if (!r.bundle) fixture_failed(render_text(r.diagnostics, sources));
  if (const Diagnostics ds = check(*r.bundle); ds.has_errors()) fixture_failed(render_text(ds, sources));
  return std::move(*r.bundle);
}

inline CompiledBundle compile_or_die(ir::Bundle b) {
  auto c = compile(std::move(b));
  if (!c.compiled) fixture_failed("a fixture bundle does not compile");
  return std::move(*c.compiled);
}

/// The official holiday calendars of bundles/calendars/, so that deadlines cross real
/// holidays and make-up working days.
inline Calendar load_calendar() {
  SourceMap sources;
  auto r = yaml::load_calendar_dir(sources, std::string(YISHI_SOURCE_DIR) + "/bundles/calendars");
  if (!r.calendar) fixture_failed(render_text(r.diagnostics, sources));
  return std::move(*r.calendar);
}

/// Reads fuzz bytes front to back; past the end every read is 0, so any input decodes.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  [[nodiscard]] bool empty() const noexcept { return n_ == 0; }
  std::uint8_t byte() noexcept {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  /// A choice among `count` alternatives (count > 0).
  std::size_t pick(std::size_t count) noexcept { return byte() % count; }
  bool flag() noexcept { return (byte() & 1) != 0; }
  std::uint32_t u16() noexcept {
    const std::uint32_t hi = byte();
    return hi << 8 | byte();
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

}  // namespace yishi::fuzz
