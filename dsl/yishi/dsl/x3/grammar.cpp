// The one translation unit that instantiates the X3 grammars: expressions, decision-table
// cells and (in bundle_def.hpp) the bundle DSL. Everything else talks to the Boost-free
// interfaces in parse.hpp and load.hpp.
#include <algorithm>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include <fstream>
#include <sstream>

#include "yishi/dsl/load.hpp"
#include "yishi/dsl/parse.hpp"
#include "yishi/dsl/x3/bundle_def.hpp"
#include "yishi/dsl/x3/expression_def.hpp"
#include "yishi/dsl/x3/syntax.hpp"

namespace yishi::dsl {

namespace x3 = boost::spirit::x3;
using grammar::Iter;

namespace syntax {

std::string describe_expected(std::string_view which) {
  // Rule names read as phrases ("an expression"); literals come quoted ('"' or "'..'").
  if (which.size() >= 2 && (which.front() == '\'' || which.front() == '"') && which.back() == which.front()) {
    which = which.substr(1, which.size() - 2);
    if (which == "\"" || which == "'") return "a closing quote";
    return fmt::format("`{}`", which);
  }
  // A parser without a name would be shown by its C++ type name (every expectation of the
  // grammar is named, so this is only a safety net): say less rather than that.
  if (which.find("boost") != std::string_view::npos) return "another word or sign here";
  return std::string(which);
}

std::string describe_found(std::string_view rest) {
  if (rest.empty()) return "the end of the text";
  std::size_t i = 0;
  auto cp = text::decode_utf8(rest, i);
  if (!cp) return "an invalid byte";
  const unsigned char c = static_cast<unsigned char>(rest[0]);
  const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
  if (word) {
    std::size_t n = 0;
    while (n < rest.size() && n < 24) {
      const unsigned char d = static_cast<unsigned char>(rest[n]);
      if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || d == '_' || (d >= '0' && d <= '9') || d == '.')) break;
      ++n;
    }
    return fmt::format("`{}`", rest.substr(0, n));
  }
  if (c == '\n' || c == '\r') return "the end of the line";
  return fmt::format("`{}`", rest.substr(0, i));
}

std::uint32_t first_char_size(std::string_view rest) {
  if (rest.empty()) return 0;
  std::size_t i = 0;
  (void)text::decode_utf8(rest, i);
  return static_cast<std::uint32_t>(i);
}

std::optional<std::pair<std::uint32_t, std::string>> scan_limits(std::string_view text, const expr::Limits& limits) {
  if (text.size() > limits.max_text)
    return std::pair{0u, fmt::format("the expression is {} bytes long; the limit is {}", text.size(), limits.max_text)};
  std::size_t depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote || c == '\n') quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '(' || c == '[') {
      if (++depth > limits.max_depth)
        return std::pair{static_cast<std::uint32_t>(i),
                         fmt::format("brackets nest deeper than {} levels", limits.max_depth)};
    } else if ((c == ')' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace syntax

namespace {

void report(Diagnostics& out, DiagCode code, const expr::SpanMap& spans, std::uint32_t begin, std::uint32_t end,
            std::string message, std::string label = {}) {
  auto d = Diagnostic::make(code, spans.at(begin, end), std::move(message));
  if (!label.empty()) (void)std::move(d).label(std::move(label));
  out.add(std::move(d));
}

// Runs `parser` over the whole text with a fresh builder; reports syntax errors. Returns the
// builder when the text parsed completely and every literal was valid.
template <class Parser, class Attr>
std::optional<grammar::Builder> run(std::string_view text, const expr::SpanMap& spans, Diagnostics& out,
                                    const expr::Limits& limits, const Parser& parser, Attr& attr,
                                    std::string_view what) {
  if (auto over = syntax::scan_limits(text, limits)) {
    report(out, DiagCode::expression_too_complex, spans, over->first, over->first + 1, over->second);
    return std::nullopt;
  }
  grammar::Builder b;
  b.base = text.data();
  b.max_string = limits.max_string;
  Iter first = text.data();
  const Iter last = text.data() + text.size();
  bool ok = false;
  try {
    ok = x3::phrase_parse(first, last, x3::with<grammar::builder_tag>(std::ref(b))[parser], grammar::skipper, attr);
  } catch (const x3::expectation_failure<Iter>& e) {
    // The failure is reported where the next token starts (after blanks and comments).
    Iter where = e.where();
    x3::skip_over(where, last, x3::make_context<x3::skipper_tag>(grammar::skipper));
    const auto at = b.off(where);
    const std::string_view rest(where, static_cast<std::size_t>(last - where));
    report(out, DiagCode::syntax_error, spans, at, at + syntax::first_char_size(rest),
           fmt::format("expected {}, found {}", syntax::describe_expected(e.which()), syntax::describe_found(rest)),
           fmt::format("expected {}", syntax::describe_expected(e.which())));
    return std::nullopt;
  }
  if (!ok || first != last) {
    const auto at = b.off(first);
    const std::string_view rest(first, static_cast<std::size_t>(last - first));
    const auto width = syntax::first_char_size(rest);
    if (at == 0 && !ok)
      report(out, DiagCode::syntax_error, spans, 0, width,
             fmt::format("expected {}, found {}", what, syntax::describe_found(rest)), fmt::format("expected {}", what));
    else
      report(out, DiagCode::syntax_error, spans, at, at + width,
             fmt::format("unexpected {} after the end of {}", syntax::describe_found(rest), what),
             "an operator or the end was expected here");
    return std::nullopt;
  }
  for (auto& p : b.problems) report(out, DiagCode::invalid_literal, spans, p.begin, p.end, p.message);
  if (b.ast.nodes.size() > limits.max_nodes) {
    report(out, DiagCode::expression_too_complex, spans, 0, static_cast<std::uint32_t>(text.size()),
           fmt::format("the expression has {} parts; the limit is {}", b.ast.nodes.size(), limits.max_nodes));
    return std::nullopt;
  }
  if (!b.problems.empty()) return std::nullopt;
  return b;
}

bool uses_input(const expr::Ast& ast, std::uint32_t root) {
  std::vector<std::uint32_t> todo{root};
  while (!todo.empty()) {
    const auto& n = ast.nodes[todo.back()];
    todo.pop_back();
    if (n.kind == expr::NodeKind::input) return true;
    todo.insert(todo.end(), n.children.begin(), n.children.end());
  }
  return false;
}

}  // namespace

std::optional<expr::Ast> parse_expression(std::string_view text, const expr::SpanMap& spans, Diagnostics& out,
                                          const expr::Limits& limits) {
  std::uint32_t root = 0;
  auto b = run(text, spans, out, limits, grammar::expression, root, "an expression");
  if (!b) return std::nullopt;
  b->ast.root = root;
  return std::move(b->ast);
}

std::optional<expr::UnaryTests> parse_unary_tests(std::string_view text, const expr::SpanMap& spans,
                                                  Diagnostics& out, const expr::Limits& limits) {
  grammar::CellForm form = grammar::CellForm::plain;
  auto b = run(text, spans, out, limits, grammar::unary_tests, form, "a decision-table cell");
  if (!b) return std::nullopt;
  expr::UnaryTests t;
  t.any = form == grammar::CellForm::any;
  t.negated = form == grammar::CellForm::negated;
  t.tests = std::move(b->tests);
  for (auto& test : t.tests)
    if (test.kind == expr::UnaryTest::Kind::equals && uses_input(b->ast, test.low))
      test.kind = expr::UnaryTest::Kind::predicate;
  t.ast = std::move(b->ast);
  return t;
}

// ---- The bundle DSL ---------------------------------------------------------------------

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Skips blanks and `#` comments.
Iter skip_blank(Iter p, Iter last) {
  x3::skip_over(p, last, x3::make_context<x3::skipper_tag>(grammar::skipper));
  return p;
}

std::string_view word_at(Iter p, Iter last) {
  Iter e = p;
  while (e != last && is_word_char(*e)) ++e;
  return {p, static_cast<std::size_t>(e - p)};
}

bool at_declaration_keyword(Iter p, Iter last) {
  const auto w = word_at(p, last);
  return std::find(std::begin(grammar::declaration_keywords), std::end(grammar::declaration_keywords), w) !=
         std::end(grammar::declaration_keywords);
}

// After a syntax error in the declaration that starts at `start`: the place to go on from.
// Braces opened by the declaration are closed first (strings and comments do not count);
// then the next line that starts with a declaration keyword, or the `}` that closes the
// bundle, is where parsing resumes.
Iter resynchronise(Iter start, Iter error, Iter last) {
  int depth = 0;
  for (Iter p = start; p < last; ++p) {
    const char c = *p;
    if (c == '"' || c == '\'') {
      for (++p; p < last && *p != c && *p != '\n'; ++p)
        if (*p == '\\') ++p;
      if (p >= last) return last;
      if (*p != '\n') continue;
    } else if (c == '#') {
      while (p < last && *p != '\n') ++p;
      if (p >= last) return last;
    } else if (c == '{') {
      ++depth;
      continue;
    } else if (c == '}') {
      if (--depth < 0 && p >= error) return p;  // the bundle's closing brace
      continue;
    } else if (c != '\n') {
      continue;
    }
    // At the end of a line: does the next line start a declaration (or close the bundle)?
    Iter q = p + 1;
    while (q < last && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
    if (q >= error && depth <= 0 && q < last && (at_declaration_keyword(q, last) || *q == '}')) return q;
  }
  return last;
}

std::string expected_declaration(std::string_view found) {
  std::vector<std::string_view> words(std::begin(grammar::declaration_keywords), std::end(grammar::declaration_keywords));
  if (auto best = text::closest_match(found, words)) return fmt::format("did you mean `{}`?", *best);
  return "a bundle holds department, field, material, situation, eligibility, table, item and stage declarations";
}

class DslLoader {
 public:
  DslLoader(SourceMap& sources, LoadResult& res, const LoadOptions& options) : sources_(sources), res_(res), opts_(options) {}

  void run(SourceId src) {
    const std::string& t = sources_.file(src).text();
    first_ = t.data();
    last_ = t.data() + t.size();
    exprs_.base = first_;
    exprs_.max_string = 1u << 20;
    b_.source = src;
    b_.base = first_;
    b_.out = &res_.diagnostics;
    b_.expressions = &exprs_;
    Iter p = skip_blank(first_, last_);
    if (p == last_) {
      res_.diagnostics.add(Diagnostic::make(DiagCode::no_bundle, {src, 0, 0}, "the file contains no bundle")
                               .with_help("a `.yi` file starts with `bundle ID \"名称\" version 1 {`"));
      return;
    }
    if (!parse(p, grammar::bundle_header, "the bundle header")) {
      report_problems();
      return;
    }
    bool closed = false;
    while (errors_ < opts_.max_syntax_errors) {
      p = skip_blank(p, last_);
      if (p == last_) break;
      if (*p == '}') {
        closed = true;
        p = skip_blank(p + 1, last_);
        if (p != last_) syntax_error(p, fmt::format("unexpected {} after the end of the bundle", syntax::describe_found({p, static_cast<std::size_t>(last_ - p)})),
                                     "the bundle ended at the `}` before", "");
        break;
      }
      const Iter start = p;
      if (!parse(p, grammar::declaration, "a declaration")) p = resynchronise(start, error_at_, last_);
      exprs_.ast.nodes.clear();
      exprs_.tests.clear();
    }
    if (!closed && errors_ < opts_.max_syntax_errors)
      syntax_error(last_, "expected `}` to close the bundle, found the end of the file", "expected `}`", "");
    report_problems();
    limits();
    if (b_.bundle.lead.id.empty() && !res_.diagnostics.has_errors())
      res_.diagnostics.add(Diagnostic::make(DiagCode::missing_key, b_.bundle.loc.span, "the bundle has no `lead` department")
                               .label("this bundle")
                               .with_help("add `lead DEPARTMENT_ID` to its body"));
    if (!res_.diagnostics.has_errors()) res_.bundle = std::move(b_.bundle);
  }

 private:
  template <class Parser>
  bool parse(Iter& p, const Parser& parser, std::string_view what) {
    Iter at = p;
    try {
      const bool ok = x3::phrase_parse(
          at, last_, x3::with<grammar::builder_tag>(std::ref(exprs_))[x3::with<grammar::bundle_tag>(std::ref(b_))[parser]],
          grammar::skipper, x3::skip_flag::dont_post_skip);
      if (ok) {
        p = at;
        return true;
      }
      const std::string_view rest(p, static_cast<std::size_t>(last_ - p));
      const auto word = word_at(p, last_);
      syntax_error(p, fmt::format("expected {}, found {}", what, syntax::describe_found(rest)), fmt::format("expected {}", what),
                   word.empty() ? std::string{} : expected_declaration(word));
      error_at_ = p;
      return false;
    } catch (const x3::expectation_failure<Iter>& e) {
      Iter where = skip_blank(e.where(), last_);
      const std::string_view rest(where, static_cast<std::size_t>(last_ - where));
      syntax_error(where,
                   fmt::format("expected {}, found {}", syntax::describe_expected(e.which()), syntax::describe_found(rest)),
                   fmt::format("expected {}", syntax::describe_expected(e.which())), "");
      error_at_ = where;
      return false;
    }
  }

  void syntax_error(Iter at, std::string message, std::string label, std::string help) {
    ++errors_;
    const auto off = static_cast<std::uint32_t>(at - first_);
    const std::string_view rest(at, static_cast<std::size_t>(last_ - at));
    auto d = Diagnostic::make(DiagCode::syntax_error, {b_.source, off, off + syntax::first_char_size(rest)}, std::move(message));
    d.label_text = std::move(label);
    d.help = std::move(help);
    res_.diagnostics.add(std::move(d));
  }

  // Invalid literals met by the expression grammar (dates, escapes) while reading.
  void report_problems() {
    for (const auto& pr : exprs_.problems)
      res_.diagnostics.add(Diagnostic::make(DiagCode::invalid_literal, {b_.source, pr.begin, pr.end}, pr.message));
    exprs_.problems.clear();
  }

  void limits() {
    const auto& b = b_.bundle;
    auto check = [&](std::size_t n, std::string_view what) {
      if (n > opts_.max_entries)
        res_.diagnostics.add(Diagnostic::make(DiagCode::too_many_entries, b.loc.span,
                                              fmt::format("the bundle declares {} {}, more than the limit of {}", n, what,
                                                          opts_.max_entries)));
    };
    check(b.departments.size(), "departments");
    check(b.fields.size(), "fields");
    check(b.materials.size(), "materials");
    check(b.situations.size(), "situations");
    check(b.tables.size(), "tables");
    check(b.items.size(), "items");
  }

  SourceMap& sources_;
  LoadResult& res_;
  const LoadOptions& opts_;
  grammar::Builder exprs_;
  grammar::BundleBuilder b_;
  Iter first_ = nullptr, last_ = nullptr, error_at_ = nullptr;
  std::size_t errors_ = 0;
};

}  // namespace

LoadResult load_text(SourceMap& sources, std::string name, std::string text, const LoadOptions& options) {
  LoadResult res;
  if (text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);
  const std::size_t size = text.size();
  res.source = sources.add(std::move(name), std::move(text));
  const std::string& t = sources.file(res.source).text();
  if (size > options.max_bytes) {
    res.diagnostics.add(Diagnostic::make(DiagCode::file_too_large, {res.source, 0, 0},
                                         fmt::format("the file is {} bytes; the limit is {}", size, options.max_bytes)));
    return res;
  }
  if (auto bad = text::find_invalid_utf8(t)) {
    const auto at = static_cast<std::uint32_t>(*bad);
    res.diagnostics.add(Diagnostic::make(DiagCode::invalid_utf8, {res.source, at, at + 1}, "the file is not valid UTF-8")
                            .with_help("save the file as UTF-8"));
    return res;
  }
  if (auto nul = t.find('\0'); nul != std::string::npos) {
    const auto at = static_cast<std::uint32_t>(nul);
    res.diagnostics.add(Diagnostic::make(DiagCode::invalid_utf8, {res.source, at, at + 1}, "file contains a NUL byte"));
    return res;
  }
  DslLoader(sources, res, options).run(res.source);
  return res;
}

LoadResult load_file(SourceMap& sources, const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || in.bad()) {
    LoadResult res;
    res.diagnostics.add(Diagnostic::make(DiagCode::io_error, {}, fmt::format("cannot read `{}`", path)));
    return res;
  }
  return load_text(sources, path, ss.str(), options);
}

}  // namespace yishi::dsl
