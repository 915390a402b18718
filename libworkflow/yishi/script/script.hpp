// Case scripts: a readable script of commands and expectations run against the real engine
// (docs/scripts.md). Analysts try a case without code (`yishi run`); tests state scenarios
// (tests/scenarios/). After every command the runner checks that replaying the stored log
// rebuilds the live state, and that a refused command changed nothing.
//
//   yishi::script::ScriptOptions o;
//   o.root = ".";                                   // `bundle` and `calendar` paths are relative to it
//   yishi::script::Runner runner(std::move(o));
//   runner.run_file("tests/scenarios/restaurant_happy_path.scenario");  // throws ScriptError
//   for (yishi::CaseId id : runner.cases()) print(runner.engine()->view(id));
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/calendar/calendar.hpp"
#include "yishi/compile/compiled_bundle.hpp"
#include "yishi/runtime/engine.hpp"
#include "yishi/runtime/store.hpp"

namespace yishi::script {

/// A script that fails: a malformed line, a refused command nobody expected, an expectation
/// that does not hold. The message is `FILE:LINE: what` followed by the offending line.
class ScriptError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ScriptOptions {
  std::filesystem::path root = ".";       ///< what `bundle` and `calendar` paths are relative to
  std::optional<CompiledBundle> bundle;   ///< given beforehand (then a `bundle` line is an error)
  std::optional<Calendar> calendar;       ///< given beforehand (a `calendar` line replaces it)
  Store* store = nullptr;                 ///< where cases live; null: an in-memory store
  bool check_replay = true;               ///< replay every case after every command
  /// Put before every command id (`cmd-LINE` or the line's `key`): scripts that share a
  /// durable store keep apart (`yishi run --db` uses the script's name and a colon).
  std::string key_prefix;
};

class Runner {
 public:
  explicit Runner(ScriptOptions options);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Runs a script file to its end; throws ScriptError at the first failure.
  void run_file(const std::filesystem::path& script);
  /// Runs script text; `name` stands for the file in messages.
  void run_text(std::string_view text, std::string_view name);
  // A runner may run several scripts, one after the other, as one session (the same engine,
  // actors and cases). Each is numbered from its own first line; the default command keys of
  // the k-th script after the first are `cmd-k-LINE` (see docs/scripts.md).

  /// The cases opened so far, in order.
  [[nodiscard]] const std::vector<CaseId>& cases() const noexcept;
  /// The engine, once a command has created it (null before).
  [[nodiscard]] Engine* engine() noexcept;
  [[nodiscard]] const Calendar& calendar() const noexcept;
  /// An instant as scripts write it: `YYYY-MM-DD HH:MM`, local time.
  [[nodiscard]] std::string show(Instant t) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yishi::script
