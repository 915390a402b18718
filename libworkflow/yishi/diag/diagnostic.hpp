// Diagnostics: user mistakes as data (code, message, spans, help), rendered separately.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "yishi/source/source_map.hpp"

namespace yishi {

enum class Severity : std::uint8_t { error, warning, note };

/// Every diagnostic code yishi emits; see diag/codes.def and docs/diagnostics.md.
enum class DiagCode : std::uint16_t {
#define YISHI_DIAG(name, severity, number, title, explanation) name,
#include "yishi/diag/codes.def"
#undef YISHI_DIAG
};

/// Static facts about one code.
struct DiagInfo {
  DiagCode code;
  Severity severity;
  int number;
  std::string_view name;
  std::string_view title;
  std::string_view explanation;
};

/// The table of all codes, in declaration order.
[[nodiscard]] const std::vector<DiagInfo>& all_diagnostic_codes();
[[nodiscard]] const DiagInfo& info(DiagCode code);
/// "E3001" or "W5101".
[[nodiscard]] std::string code_string(DiagCode code);
/// Looks up "E3001", "e3001" or "3001".
[[nodiscard]] std::optional<DiagCode> parse_code(std::string_view text);
[[nodiscard]] std::string_view to_string(Severity s);

/// A secondary span with its own short message ("first defined here").
struct DiagLabel {
  SourceSpan span;
  std::string message;
};

/// One finding about user input. Built with the fluent helpers:
/// `Diagnostic::make(DiagCode::unknown_item, span, "unknown item `x`").label("no item with this id")`.
struct Diagnostic {
  Severity severity = Severity::error;
  DiagCode code{};
  std::string message;          ///< one sentence, lowercase start, no final period
  SourceSpan span;              ///< primary location
  std::string label_text;       ///< text under the primary caret
  std::vector<DiagLabel> labels;  ///< secondary locations
  std::string help;             ///< guidance ("did you mean `x`?")
  std::vector<std::string> notes;

  [[nodiscard]] static Diagnostic make(DiagCode code, SourceSpan span, std::string message);
  Diagnostic&& label(std::string text) &&;
  Diagnostic&& also(SourceSpan span, std::string text) &&;
  Diagnostic&& with_help(std::string text) &&;
  Diagnostic&& note(std::string text) &&;
};

/// A collection of diagnostics with a cap on errors (later ones are counted, not kept).
class Diagnostics {
 public:
  explicit Diagnostics(std::size_t max_errors = 100) : max_errors_(max_errors) {}

  void add(Diagnostic d);
  void append(const Diagnostics& other);
  [[nodiscard]] const std::vector<Diagnostic>& items() const noexcept { return items_; }
  [[nodiscard]] std::size_t error_count() const noexcept { return errors_; }
  [[nodiscard]] std::size_t warning_count() const noexcept { return warnings_; }
  [[nodiscard]] bool has_errors() const noexcept { return errors_ > 0; }
  /// Errors beyond the cap, counted but not stored.
  [[nodiscard]] std::size_t dropped() const noexcept { return dropped_; }
  [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
  /// Orders by file, then position, then code (stable for the same position).
  void sort();

 private:
  std::vector<Diagnostic> items_;
  std::size_t max_errors_;
  std::size_t errors_ = 0;
  std::size_t warnings_ = 0;
  std::size_t dropped_ = 0;
};

/// Renders like a compiler: `file:line:col: error[E3001]: message`, the source line,
/// a caret line under the span (aligned for wide characters), help and notes.
[[nodiscard]] std::string render_text(const Diagnostic& d, const SourceMap& sources, bool color = false);
/// Renders all diagnostics followed by a summary line ("2 errors, 1 warning").
[[nodiscard]] std::string render_text(const Diagnostics& ds, const SourceMap& sources, bool color = false);
/// The summary line alone: "2 errors, 1 warning" / "no errors".
[[nodiscard]] std::string summary_line(const Diagnostics& ds);
/// One JSON object per diagnostic, in a JSON array.
[[nodiscard]] std::string render_json(const Diagnostics& ds, const SourceMap& sources);
/// docs/diagnostics.md, generated from the code table.
[[nodiscard]] std::string diagnostics_reference_markdown();

}  // namespace yishi
