// Parsers for the expression language and for decision-table cells (Boost-free interface;
// the grammar lives in x3/ and is compiled once, in x3/grammar.cpp).
//
//   Diagnostics out;
//   auto ast = dsl::parse_expression("premises.area_m2 >= 50", {span_of_text}, out);
//   if (!ast) { /* out holds located syntax errors (E2001, E2002, E6004) */ }
#pragma once

#include <optional>
#include <string_view>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/expr/ast.hpp"
#include "yishi/expr/expr.hpp"

namespace yishi::dsl {

/// Parses one expression. Syntax errors and invalid literals are reported to `out`, located
/// through `spans`; the result is empty when there was any.
[[nodiscard]] std::optional<expr::Ast> parse_expression(std::string_view text, const expr::SpanMap& spans,
                                                        Diagnostics& out, const expr::Limits& limits = {});

/// Parses the unary tests of a decision-table input cell: `-`, `< 18`, `[18..60)`,
/// `"A", "B"`, `not("X")`, or an expression over `?`.
[[nodiscard]] std::optional<expr::UnaryTests> parse_unary_tests(std::string_view text, const expr::SpanMap& spans,
                                                                Diagnostics& out, const expr::Limits& limits = {});

}  // namespace yishi::dsl
