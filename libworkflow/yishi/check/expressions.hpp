// The expressions of a bundle (situations, `when`, eligibility, decision tables), parsed and
// type-checked against the bundle's own field dictionary. Used by `check` for its findings
// and by `compile` to build programs.
#pragma once

#include <optional>
#include <vector>

#include "yishi/diag/diagnostic.hpp"
#include "yishi/expr/expr.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi {

/// One expression after parsing and type checking.
struct CheckedExpression {
  expr::Ast ast;
  expr::Typed typed;
};

/// Every expression of a bundle; an entry is empty when its expression had an error.
struct BundleExpressions {
  expr::Environment env;  ///< fields (dictionary, then inline form fields), situations, tables
  std::vector<std::optional<CheckedExpression>> situations;         ///< by situation
  std::vector<std::vector<std::optional<CheckedExpression>>> when;  ///< by item, by condition
  std::vector<std::optional<CheckedExpression>> eligibility;        ///< by eligibility condition
  std::vector<std::optional<expr::ParsedTable>> tables;             ///< by table
  /// Situations ordered so that each comes after the situations its condition uses (only
  /// complete when there is no cycle).
  std::vector<std::uint32_t> situation_order;
  bool ok = true;  ///< no error was reported
};

/// The environment of a bundle: its fields (with their expression types and enumeration
/// values), situations and decision tables.
[[nodiscard]] expr::Environment environment_of(const ir::Bundle& bundle);

/// Parses and checks every expression of `bundle`, reporting syntax errors (E2001, E2002),
/// unknown names (E3003, E3005, E3009, E3010), type errors (E4003–E4007), situation cycles
/// (E5010), table findings (E5011, W5107, W5108) and limits (E6004) to `out`.
[[nodiscard]] BundleExpressions check_expressions(const ir::Bundle& bundle, Diagnostics& out);

}  // namespace yishi
