// Diagnostic table, collection and rendering (text and JSON).
#include "yishi/diag/diagnostic.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "yishi/base/json.hpp"
#include "yishi/base/text.hpp"

namespace yishi {

const std::vector<DiagInfo>& all_diagnostic_codes() {
  static const std::vector<DiagInfo> table = {
#define YISHI_DIAG(name, severity, number, title, explanation) \
  {DiagCode::name, Severity::severity, number, #name, title, explanation},
#include "yishi/diag/codes.def"
#undef YISHI_DIAG
  };
  return table;
}

const DiagInfo& info(DiagCode code) { return all_diagnostic_codes().at(static_cast<std::size_t>(code)); }

std::string code_string(DiagCode code) {
  const auto& i = info(code);
  return fmt::format("{}{:04}", i.severity == Severity::warning ? 'W' : 'E', i.number);
}

std::optional<DiagCode> parse_code(std::string_view text) {
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text[0]))) text.remove_prefix(1);
  int n = 0;
  if (text.empty() || text.size() > 4) return std::nullopt;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    n = n * 10 + (c - '0');
  }
  for (const auto& i : all_diagnostic_codes())
    if (i.number == n) return i.code;
  return std::nullopt;
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "error";
}

Diagnostic Diagnostic::make(DiagCode code, SourceSpan span, std::string message) {
  Diagnostic d;
  d.severity = info(code).severity;
  d.code = code;
  d.span = span;
  d.message = std::move(message);
  return d;
}
Diagnostic&& Diagnostic::label(std::string text) && { label_text = std::move(text); return std::move(*this); }
Diagnostic&& Diagnostic::also(SourceSpan s, std::string text) && {
  labels.push_back({s, std::move(text)});
  return std::move(*this);
}
Diagnostic&& Diagnostic::with_help(std::string text) && { help = std::move(text); return std::move(*this); }
Diagnostic&& Diagnostic::note(std::string text) && { notes.push_back(std::move(text)); return std::move(*this); }

void Diagnostics::add(Diagnostic d) {
  if (d.severity == Severity::error) {
    if (errors_ >= max_errors_) {
      ++dropped_;
      return;
    }
    ++errors_;
  } else if (d.severity == Severity::warning) {
    ++warnings_;
  }
  items_.push_back(std::move(d));
}

void Diagnostics::append(const Diagnostics& other) {
  for (const auto& d : other.items_) add(d);
  dropped_ += other.dropped_;
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.span.source != b.span.source) return a.span.source < b.span.source;
    if (a.span.begin != b.span.begin) return a.span.begin < b.span.begin;
    return a.code < b.code;
  });
}

namespace {

struct Style {
  bool on;
  std::string_view bold() const { return on ? "\x1b[1m" : ""; }
  std::string_view red() const { return on ? "\x1b[1;31m" : ""; }
  std::string_view yellow() const { return on ? "\x1b[1;33m" : ""; }
  std::string_view blue() const { return on ? "\x1b[1;34m" : ""; }
  std::string_view reset() const { return on ? "\x1b[0m" : ""; }
};

// Shows one span: the source line and a caret line under the spanned text. A span that
// runs past the end of its line is underlined to the end of that line.
void render_excerpt(std::string& out, const SourceFile& f, const SourceSpan& span, std::string_view label,
                    char mark, const Style& st, std::size_t gutter) {
  const LineColumn lc = f.line_column(span.begin);
  const std::string_view line = f.line_text(lc.line);
  const std::uint32_t line_start = f.offset_of(lc.line - 1, 0);
  const std::size_t col_byte = std::min<std::size_t>(span.begin - line_start, line.size());
  std::size_t end_byte = std::min<std::size_t>(span.end > span.begin ? span.end - line_start : col_byte + 1, line.size());
  // Never split a multi-byte character when clamping the caret range.
  std::string_view before = line.substr(0, col_byte);
  std::string_view under = line.substr(col_byte, end_byte > col_byte ? end_byte - col_byte : 0);
  const std::string lineno = std::to_string(lc.line);
  // Tabs are shown as single spaces so that carets line up; invalid UTF-8 (each byte one
  // column wide) as U+FFFD, so that the output itself stays valid text.
  std::string shown;
  for (std::size_t i = 0; i < line.size();) {
    const std::size_t at = i;
    if (auto cp = text::decode_utf8(line, i)) shown.append(line.substr(at, i - at));
    else shown += "\xEF\xBF\xBD";
  }
  std::replace(shown.begin(), shown.end(), '\t', ' ');
  out += fmt::format("{}{:>{}} |{} {}\n", st.blue(), lineno, gutter, st.reset(), shown);
  const std::size_t pad = text::display_width(before);
  const std::size_t width = std::max<std::size_t>(1, text::display_width(under));
  out += fmt::format("{}{:>{}} |{} {}{}{}", st.blue(), "", gutter, st.reset(), std::string(pad, ' '),
                     mark == '^' ? st.red() : st.blue(), std::string(width, mark));
  if (!label.empty()) out += fmt::format(" {}", label);
  out += fmt::format("{}\n", st.reset());
}

}  // namespace

std::string render_text(const Diagnostic& d, const SourceMap& sources, bool color) {
  const Style st{color};
  std::string out;
  const auto sev = to_string(d.severity);
  const auto sev_color = d.severity == Severity::error ? st.red() : st.yellow();
  const bool located = d.span.valid() && d.span.source < sources.size();
  if (located) {
    const SourceFile& f = sources.file(d.span.source);
    const LineColumn lc = f.line_column(d.span.begin);
    out += fmt::format("{}{}:{}:{}:{} ", st.bold(), f.name(), lc.line, lc.column, st.reset());
  }
  out += fmt::format("{}{}[{}]{}: {}{}{}\n", sev_color, sev, code_string(d.code), st.reset(), st.bold(), d.message,
                     st.reset());
  std::size_t gutter = 1;
  if (located) gutter = std::to_string(sources.file(d.span.source).line_column(d.span.begin).line).size();
  for (const auto& l : d.labels)
    if (l.span.valid() && l.span.source < sources.size())
      gutter = std::max(gutter, std::to_string(sources.file(l.span.source).line_column(l.span.begin).line).size());
  if (located) {
    out += fmt::format("{}{:>{}} |{}\n", st.blue(), "", gutter, st.reset());
    render_excerpt(out, sources.file(d.span.source), d.span, d.label_text, '^', st, gutter);
  }
  for (const auto& l : d.labels) {
    if (!l.span.valid() || l.span.source >= sources.size()) continue;
    const SourceFile& lf = sources.file(l.span.source);
    const LineColumn lc = lf.line_column(l.span.begin);
    out += fmt::format("{}{:>{}} :::{} {}:{}:{}\n", st.blue(), "", gutter, st.reset(), lf.name(), lc.line, lc.column);
    render_excerpt(out, lf, l.span, l.message, '-', st, gutter);
  }
  if (!d.help.empty()) out += fmt::format("{}{:>{}} ={} help: {}\n", st.blue(), "", gutter, st.reset(), d.help);
  for (const auto& n : d.notes) out += fmt::format("{}{:>{}} ={} note: {}\n", st.blue(), "", gutter, st.reset(), n);
  return out;
}

std::string summary_line(const Diagnostics& ds) {
  const std::size_t e = ds.error_count() + ds.dropped();
  const std::size_t w = ds.warning_count();
  if (e == 0 && w == 0) return "no errors";
  std::string s;
  if (e > 0) s += fmt::format("{} error{}", e, e == 1 ? "" : "s");
  if (w > 0) s += fmt::format("{}{} warning{}", s.empty() ? "" : ", ", w, w == 1 ? "" : "s");
  return s;
}

std::string render_text(const Diagnostics& ds, const SourceMap& sources, bool color) {
  std::string out;
  for (const auto& d : ds.items()) {
    out += render_text(d, sources, color);
    out += '\n';
  }
  if (ds.dropped() > 0) out += fmt::format("note: {} more errors not shown\n", ds.dropped());
  out += summary_line(ds);
  out += '\n';
  return out;
}

namespace {
void append_location(std::string& out, const SourceSpan& span, const SourceMap& sources) {
  if (!span.valid() || span.source >= sources.size()) {
    out += "null";
    return;
  }
  const SourceFile& f = sources.file(span.source);
  const LineColumn b = f.line_column(span.begin);
  const LineColumn e = f.line_column(std::max(span.begin, span.end));
  out += R"({"file":)";
  json::append_string(out, f.name());
  out += fmt::format(R"(,"line":{},"column":{},"end_line":{},"end_column":{},"offset":{},"length":{}}})", b.line,
                     b.column, e.line, e.column, span.begin, span.end > span.begin ? span.end - span.begin : 0);
}
}  // namespace

std::string render_json(const Diagnostics& ds, const SourceMap& sources) {
  std::string out = "[";
  bool first = true;
  for (const auto& d : ds.items()) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    out += R"({"severity":)";
    json::append_string(out, to_string(d.severity));
    out += R"(,"code":)";
    json::append_string(out, code_string(d.code));
    out += R"(,"message":)";
    json::append_string(out, d.message);
    out += R"(,"location":)";
    append_location(out, d.span, sources);
    out += R"(,"label":)";
    json::append_string(out, d.label_text);
    out += R"(,"labels":[)";
    for (std::size_t i = 0; i < d.labels.size(); ++i) {
      if (i) out += ',';
      out += R"({"message":)";
      json::append_string(out, d.labels[i].message);
      out += R"(,"location":)";
      append_location(out, d.labels[i].span, sources);
      out += '}';
    }
    out += R"(],"help":)";
    if (d.help.empty()) out += "null";
    else json::append_string(out, d.help);
    out += R"(,"notes":[)";
    for (std::size_t i = 0; i < d.notes.size(); ++i) {
      if (i) out += ',';
      json::append_string(out, d.notes[i]);
    }
    out += "]}";
  }
  out += first ? "]\n" : "\n]\n";
  return out;
}

namespace {
// Markdown renderers derive heading anchors in lowercase (`## E3001` -> `#e3001`).
std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

std::string diagnostics_reference_markdown() {
  std::string out =
      "# Diagnostic codes\n\n"
      "Generated from `libworkflow/yishi/diag/codes.def` by `yishi explain --all`; a test keeps this file in step\n"
      "with the table. Codes are grouped by stage: 1xxx YAML and structure, 2xxx DSL syntax, 3xxx names,\n"
      "4xxx types, 5xxx graph and flow, 6xxx limits, 7xxx runtime, 8xxx store. `E` codes are errors (the bundle\n"
      "is rejected), `W` codes are warnings (legal but suspicious).\n\n"
      "| code | title |\n|---|---|\n";
  for (const auto& i : all_diagnostic_codes())
    out += fmt::format("| [{}](#{}) | {} |\n", code_string(i.code), lowercase(code_string(i.code)), i.title);
  for (const auto& i : all_diagnostic_codes()) {
    out += fmt::format("\n## {}\n\n**{}** ({}, `{}`)\n\n{}\n", code_string(i.code), i.title, to_string(i.severity),
                       i.name, i.explanation);
  }
  return out;
}

}  // namespace yishi
