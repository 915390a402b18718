// The one translation unit that instantiates the X3 grammars: expressions, decision-table
// cells and (in bundle_def.hpp) the bundle DSL. Everything else talks to the Boost-free
// interfaces in parse.hpp and load.hpp.
#include <algorithm>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include "yishi/dsl/parse.hpp"
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

}  // namespace yishi::dsl
