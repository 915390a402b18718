// The expression grammar (Boost.Spirit X3), included only by x3/grammar.cpp.
//
// Rules produce node indices: semantic actions append nodes to the `Builder` reached through
// the context (`builder_tag`), each annotated with the byte range it was parsed from. Prefix
// operators and binary chains are loops, not recursion, so only brackets nest on the C++
// stack; `scan_limits` bounds bracket depth before parsing starts.
#pragma once

#include <charconv>
#include <deque>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/spirit/home/x3.hpp>
#include <fmt/format.h>

#include "yishi/calendar/calendar.hpp"
#include "yishi/expr/ast.hpp"
#include "yishi/expr/expr.hpp"

// "expected …" messages name what was expected by x3::what(), which names a parser without a
// name of its own by its C++ type. A semantic action, a list and a sequence are named after
// what they start with, so every expectation reads as a phrase of the grammar.
namespace boost::spirit::x3 {
template <class Subject, class Action>
struct get_info<action<Subject, Action>> {
  using result_type = std::string;
  std::string operator()(const action<Subject, Action>& p) const { return what(p.subject); }
};
template <class Left, class Right>
struct get_info<list<Left, Right>> {
  using result_type = std::string;
  std::string operator()(const list<Left, Right>& p) const { return what(p.left); }
};
template <class Left, class Right>
struct get_info<sequence<Left, Right>> {
  using result_type = std::string;
  std::string operator()(const sequence<Left, Right>& p) const { return what(p.left); }
};
}  // namespace boost::spirit::x3

namespace yishi::dsl::grammar {

namespace x3 = boost::spirit::x3;
using Iter = const char*;

/// Collects nodes (and decision-table tests) while parsing; reports bad literals.
struct Builder {
  Iter base = nullptr;
  std::size_t max_string = 4096;
  expr::Ast ast;
  std::vector<expr::UnaryTest> tests;
  struct Problem {
    std::uint32_t begin, end;
    std::string message;
  };
  std::vector<Problem> problems;

  std::uint32_t off(Iter p) const { return static_cast<std::uint32_t>(p - base); }
  std::uint32_t add(expr::Node n) {
    ast.nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(ast.nodes.size() - 1);
  }
  template <class Range>
  expr::Node node(expr::NodeKind k, const Range& r) const {
    expr::Node n;
    n.kind = k;
    n.begin = off(&*r.begin());
    n.end = n.begin + static_cast<std::uint32_t>(r.end() - r.begin());
    return n;
  }
  void problem(Iter b, Iter e, std::string msg) { problems.push_back({off(b), off(e), std::move(msg)}); }
};
struct builder_tag;

template <class Ctx>
Builder& builder(const Ctx& ctx) {
  return x3::get<builder_tag>(ctx).get();
}

// ---- Lexical pieces (ASCII classes only: bytes of UTF-8 text are never classified) ------

const auto digit = x3::char_('0', '9');
const auto letter = x3::char_('a', 'z') | x3::char_('A', 'Z') | x3::char_('_');
const auto ident_char = letter | digit;
struct keyword_id;
/// A keyword: the word not followed by an identifier character. Its name (for "expected
/// `by`" messages) is the word in backticks.
inline auto kw(const char* s) {
  static std::deque<std::string> names;  // rule names must outlive the rules
  names.push_back(fmt::format("`{}`", s));
  return x3::rule<keyword_id>{names.back().c_str()} = x3::lexeme[x3::lit(s) >> !ident_char];
}
const auto keyword = kw("and") | kw("or") | kw("not") | kw("in") | kw("true") | kw("false");
const auto name_part = x3::lexeme[letter >> *ident_char];

/// Whitespace and `#` comments to the end of the line.
const auto skipper = x3::char_(" \t\r\n") | x3::lexeme['#' >> *(x3::char_ - '\n')];

// ---- Actions ----------------------------------------------------------------------------

inline std::int64_t days_of(Date d) { return d.time_since_epoch().count(); }

struct on_date {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    const auto& r = x3::_attr(ctx);
    auto n = b.node(expr::NodeKind::date, r);
    const std::string_view text(&*r.begin(), static_cast<std::size_t>(r.end() - r.begin()));
    if (auto d = parse_date(text)) n.integer = days_of(*d);
    else b.problem(&*r.begin(), &*r.begin() + text.size(), fmt::format("`{}` is not a calendar date", text));
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_duration {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    const auto& r = x3::_attr(ctx);
    auto n = b.node(expr::NodeKind::work_duration, r);
    // `NwdMwh`, `Nwd` or `Mwh`: read the numbers in order.
    std::int64_t hours = 0, value = 0;
    bool overflow = false;
    for (Iter p = &*r.begin(); p != &*r.begin() + (r.end() - r.begin()); ++p) {
      if (*p >= '0' && *p <= '9') {
        if (!overflow) value = value * 10 + (*p - '0');  // stop before it could wrap
        overflow = overflow || value > 1'000'000;
      } else if (*p == 'w' && p[1] == 'd') {
        hours += value * 8, value = 0, ++p;
      } else if (*p == 'w' && p[1] == 'h') {
        hours += value, value = 0, ++p;
      }
    }
    if (overflow) b.problem(&*r.begin(), &*r.begin() + (r.end() - r.begin()), "the duration is too long");
    n.integer = hours;
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_number {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    const auto& r = x3::_attr(ctx);
    const char* first = &*r.begin();
    const char* last = first + (r.end() - r.begin());
    const bool dec = std::find(first, last, '.') != last;
    auto n = b.node(dec ? expr::NodeKind::decimal : expr::NodeKind::integer, r);
    if (dec) {
      n.decimal = std::strtod(std::string(first, last).c_str(), nullptr);
    } else {
      auto [p, ec] = std::from_chars(first, last, n.integer);
      if (ec != std::errc{} || p != last)
        b.problem(first, last, fmt::format("`{}` is too large for an integer", std::string_view(first, last - first)));
    }
    x3::_val(ctx) = b.add(std::move(n));
  }
};

/// The value of a quoted string token (quotes included in [first, last)); bad escapes and
/// over-long strings are reported to the builder.
inline std::string unescape(Builder& b, const char* first, const char* last) {
  std::string out;
  const char* p = first;
  const char quote = *p++;
  --last;  // the closing quote
  for (; p < last; ++p) {
    if (*p != '\\') { out += *p; continue; }
    ++p;
    switch (*p) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      default:
        b.problem(p - 1, p + 1, fmt::format("unknown escape `\\{}` (use `\\\\`, `\\{}`, `\\n` or `\\t`)", *p, quote));
    }
  }
  if (out.size() > b.max_string)
    b.problem(first, last + 1, fmt::format("the string is longer than {} bytes", b.max_string));
  return out;
}

struct on_string {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    const auto& r = x3::_attr(ctx);
    auto n = b.node(expr::NodeKind::string, r);
    n.text = unescape(b, &*r.begin(), &*r.begin() + (r.end() - r.begin()));
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_boolean {
  bool value;
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto n = b.node(expr::NodeKind::boolean, x3::_attr(ctx));
    n.flag = value;
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_name {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    const auto& r = x3::_attr(ctx);
    auto n = b.node(expr::NodeKind::name, r);
    n.text.assign(&*r.begin(), static_cast<std::size_t>(r.end() - r.begin()));
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_input {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    x3::_val(ctx) = b.add(b.node(expr::NodeKind::input, x3::_attr(ctx)));
  }
};

struct on_list {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    expr::Node n;
    n.kind = expr::NodeKind::list;
    n.children = x3::_attr(ctx);
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_call {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto& a = x3::_attr(ctx);
    const auto& name = boost::fusion::at_c<0>(a);
    expr::Node n;
    n.kind = expr::NodeKind::call;
    n.text.assign(&*name.begin(), static_cast<std::size_t>(name.end() - name.begin()));
    n.name_end = b.off(&*name.begin()) + static_cast<std::uint32_t>(n.text.size());
    n.children = boost::fusion::at_c<1>(a);
    x3::_val(ctx) = b.add(std::move(n));
  }
};

struct on_paren {  // keeps the operand, widened to include the brackets
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    x3::_val(ctx) = x3::_attr(ctx);
  }
};

/// Wraps the operand in one node per prefix operator (`not not x`, `- -x`), innermost last.
template <expr::NodeKind Kind>
struct on_prefix {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto& a = x3::_attr(ctx);
    const auto& ops = boost::fusion::at_c<0>(a);
    std::uint32_t operand = boost::fusion::at_c<1>(a);
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      expr::Node n;
      n.kind = Kind;
      n.begin = b.off(&*it->begin());
      n.end = b.ast.nodes[operand].end;
      n.children = {operand};
      operand = b.add(std::move(n));
    }
    x3::_val(ctx) = operand;
  }
};

struct on_first {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    x3::_val(ctx) = x3::_attr(ctx);
  }
};

struct on_binary {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto& a = x3::_attr(ctx);
    const std::uint32_t lhs = x3::_val(ctx);
    const std::uint32_t rhs = boost::fusion::at_c<1>(a);
    expr::Node n;
    n.kind = expr::NodeKind::binary;
    n.op = boost::fusion::at_c<0>(a);
    n.begin = b.ast.nodes[lhs].begin;
    n.end = b.ast.nodes[rhs].end;
    n.children = {lhs, rhs};
    x3::_val(ctx) = b.add(std::move(n));
  }
};

// ---- Rules ------------------------------------------------------------------------------

struct comparison_ops : x3::symbols<expr::BinaryOp> {
  comparison_ops() {
    add("==", expr::BinaryOp::eq)("!=", expr::BinaryOp::ne)("<=", expr::BinaryOp::le)(">=", expr::BinaryOp::ge)(
        "<", expr::BinaryOp::lt)(">", expr::BinaryOp::gt);
  }
};
struct additive_ops : x3::symbols<expr::BinaryOp> {
  additive_ops() { add("+", expr::BinaryOp::add)("-", expr::BinaryOp::sub); }
};
struct multiplicative_ops : x3::symbols<expr::BinaryOp> {
  multiplicative_ops() { add("*", expr::BinaryOp::mul)("/", expr::BinaryOp::div); }
};
inline const comparison_ops comparison_op;
inline const additive_ops additive_op;
inline const multiplicative_ops multiplicative_op;

using range_t = boost::iterator_range<Iter>;

x3::rule<struct expression_id, std::uint32_t> const expression = "an expression";
x3::rule<struct or_id, std::uint32_t> const or_expression = "an expression";
x3::rule<struct and_id, std::uint32_t> const and_expression = "an expression";
x3::rule<struct not_id, std::uint32_t> const not_expression = "an expression";
x3::rule<struct comparison_id, std::uint32_t> const comparison = "an expression";
x3::rule<struct sum_id, std::uint32_t> const sum = "a value";
x3::rule<struct product_id, std::uint32_t> const product = "a value";
x3::rule<struct signed_id, std::uint32_t> const signed_value = "a value";
x3::rule<struct primary_id, std::uint32_t> const primary = "a value";
x3::rule<struct relation_id, expr::BinaryOp> const relation = "a comparison";

// Tokens: rules with an explicit range attribute (a bare `raw` inside an alternative or a
// sequence would not know its attribute type).
x3::rule<struct date_id, range_t> const date_literal = "a date";
const auto date_literal_def = x3::raw[x3::lexeme[
    x3::repeat(4)[digit] >> '-' >> x3::repeat(2)[digit] >> '-' >> x3::repeat(2)[digit] >> !ident_char]];
x3::rule<struct duration_id, range_t> const duration_literal = "a duration";
const auto duration_literal_def = x3::raw[x3::lexeme[
    +digit >> ((x3::lit("wd") >> -(+digit >> x3::lit("wh"))) | x3::lit("wh")) >> !ident_char]];
x3::rule<struct number_id, range_t> const number_literal = "a number";
const auto number_literal_def = x3::raw[x3::lexeme[+digit >> -('.' >> +digit) >> !ident_char]];
x3::rule<struct string_id, range_t> const string_literal = "a text";
const auto string_literal_def = x3::raw[x3::lexeme[(('"' >> *(('\\' >> ~x3::char_('\n')) | ~x3::char_("\"\\\n"))) > '"') |
                       (('\'' >> *(('\\' >> ~x3::char_('\n')) | ~x3::char_("'\\\n"))) > '\'')]];
x3::rule<struct path_id, range_t> const path = "a name";
const auto path_def = x3::raw[x3::lexeme[!keyword >> name_part >> *('.' >> name_part)]];
x3::rule<struct arguments_id, std::vector<std::uint32_t>> const argument_list = "arguments";
const auto argument_list_def = -(expression % ',');
x3::rule<struct function_name_id, range_t> const function_name = "a function name";
const auto function_name_def = x3::raw[x3::lexeme[!keyword >> name_part]];
x3::rule<struct minus_sign_id, range_t> const minus_sign = "`-`";
const auto minus_sign_def = x3::raw[x3::lit('-')];
x3::rule<struct not_word_id, range_t> const not_word = "`not`";
const auto not_word_def = x3::raw[kw("not")];

// Lists and calls take their span from the rule's matched range (the `_where` of an action
// on an expectation sequence does not cover it). A rule whose body has an action hands
// `unused` to on_success; the node is the one the action added last.
struct annotate_span {
  template <class It, class Attr, class Ctx>
  void on_success(const It& first, const It& last, Attr&, const Ctx& ctx) const {
    auto& b = builder(ctx);
    b.ast.nodes.back().begin = b.off(first);
    b.ast.nodes.back().end = b.off(last);
  }
};
struct list_id : annotate_span {};
struct call_id : annotate_span {};
x3::rule<list_id, std::uint32_t> const list_literal = "a list";
const auto list_literal_def = (x3::lit('[') > argument_list > ']')[on_list{}];
x3::rule<call_id, std::uint32_t> const function_call = "a call";
const auto function_call_def = ((function_name >> '(') > argument_list > ')')[on_call{}];

const auto primary_def =
    date_literal[on_date{}] | duration_literal[on_duration{}] | number_literal[on_number{}] |
    string_literal[on_string{}] | x3::raw[kw("true")][on_boolean{true}] | x3::raw[kw("false")][on_boolean{false}] |
    list_literal[on_first{}] | function_call[on_first{}] |
    path[on_name{}] | x3::raw[x3::lit('?')][on_input{}] | (x3::lit('(') > expression > ')')[on_paren{}];
const auto signed_value_def = (*minus_sign >> primary)[on_prefix<expr::NodeKind::negate>{}];
const auto product_def = signed_value[on_first{}] >> *((multiplicative_op > signed_value)[on_binary{}]);
const auto sum_def = product[on_first{}] >> *((additive_op > product)[on_binary{}]);
const auto relation_def = comparison_op | (kw("not") >> kw("in") >> x3::attr(expr::BinaryOp::not_in)) |
                          (kw("in") >> x3::attr(expr::BinaryOp::in));
const auto comparison_def = sum[on_first{}] >> -((relation > sum)[on_binary{}]);
const auto not_expression_def = (*not_word >> comparison)[on_prefix<expr::NodeKind::not_>{}];
const auto and_expression_def =
    not_expression[on_first{}] >> *(((kw("and") >> x3::attr(expr::BinaryOp::and_)) > not_expression)[on_binary{}]);
const auto or_expression_def =
    and_expression[on_first{}] >> *(((kw("or") >> x3::attr(expr::BinaryOp::or_)) > and_expression)[on_binary{}]);
const auto expression_def = or_expression[on_first{}];

BOOST_SPIRIT_DEFINE(expression, or_expression, and_expression, not_expression, comparison, sum, product, signed_value,
                    primary, relation)
BOOST_SPIRIT_DEFINE(date_literal, duration_literal, number_literal, string_literal, path, argument_list, function_name,
                    minus_sign, not_word, list_literal, function_call)

// ---- Decision-table cells (DMN unary tests) ---------------------------------------------

/// Matches nothing and yields where the next token begins (after blanks): the start of a
/// test whose own attribute does not carry its position.
struct here_parser : x3::parser<here_parser> {
  using attribute_type = Iter;
  static bool const has_attribute = true;
  template <class It, class Ctx, class RCtx, class Attr>
  bool parse(It& first, const It& last, const Ctx& ctx, RCtx&, Attr& attr) const {
    x3::skip_over(first, last, ctx);
    attr = first;
    return true;
  }
};
inline const here_parser here{};

struct on_compare_test {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto& a = x3::_attr(ctx);
    expr::UnaryTest t;
    t.kind = expr::UnaryTest::Kind::compare;
    t.begin = b.off(boost::fusion::at_c<0>(a));
    t.op = boost::fusion::at_c<1>(a);
    t.low = boost::fusion::at_c<2>(a);
    t.end = b.ast.nodes[t.low].end;
    b.tests.push_back(t);
  }
};
struct on_interval_test {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    auto& a = x3::_attr(ctx);
    expr::UnaryTest t;
    t.kind = expr::UnaryTest::Kind::interval;
    t.begin = b.off(boost::fusion::at_c<0>(a));
    t.low_closed = boost::fusion::at_c<1>(a) == '[';
    t.low = boost::fusion::at_c<2>(a);
    t.high = boost::fusion::at_c<3>(a);
    t.high_closed = boost::fusion::at_c<4>(a) == ']';
    // (In Boost 1.74 an action's `_where` begins where the match ended.)
    t.end = b.off(x3::_where(ctx).begin());
    b.tests.push_back(t);
  }
};
struct on_value_test {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = builder(ctx);
    expr::UnaryTest t;
    t.kind = expr::UnaryTest::Kind::equals;  // `predicate` when it uses `?` (decided after parsing)
    t.low = x3::_attr(ctx);
    t.begin = b.ast.nodes[t.low].begin;
    t.end = b.ast.nodes[t.low].end;
    b.tests.push_back(t);
  }
};

const auto cell_end = x3::eoi | x3::lit('|') | x3::lit("=>");
x3::rule<struct interval_end_id, char> const interval_end = "`]` or `)`";
const auto interval_end_def = x3::char_("])");
BOOST_SPIRIT_DEFINE(interval_end)
const auto interval_test = ((here >> x3::char_("[(") >> expression >> "..") > expression > interval_end)[on_interval_test{}];
const auto single_test = (here >> relation >> expression)[on_compare_test{}] | interval_test | expression[on_value_test{}];
const auto test_list = single_test % ',';

/// What a cell is: `-`, `not(...)` or a plain list; the tests go to the builder.
enum class CellForm : std::uint8_t { any, negated, plain };
// `true`: propagate the attribute although the tests inside carry actions.
x3::rule<struct unary_tests_id, CellForm, true> const unary_tests = "a decision-table cell";
const auto unary_tests_def = (x3::lit('-') >> &cell_end >> x3::attr(CellForm::any)) |
    ((kw("not") >> '(' >> x3::omit[test_list]) > (')' >> x3::attr(CellForm::negated))) |
    (x3::omit[test_list] >> x3::attr(CellForm::plain));

BOOST_SPIRIT_DEFINE(unary_tests)

}  // namespace yishi::dsl::grammar
