// A reference evaluator for the differential property test (expression_property_test.cpp):
// a plain tree walk over the expression AST (yishi/expr/ast.hpp) with owning values, written
// from docs/language.md, independent of the compiled evaluator (expr/program.cpp,
// expr/machine.cpp, expr/table.cpp). It also evaluates decision tables from their parsed
// cells. It trusts its input to be well typed (the checker has accepted it).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "yishi/yishi.hpp"

namespace yishi::property::reference {

/// A value, owning its text and elements.
struct RValue {
  expr::ValueKind kind = expr::ValueKind::unknown;
  bool b = false;
  std::int64_t i = 0;  ///< integer; date (days since 1970-01-01); working time (hours)
  double d = 0;
  std::string s;
  std::vector<RValue> l;
  expr::EvalError error = expr::EvalError::division_by_zero;

  static RValue unknown() { return {}; }
  static RValue failure(expr::EvalError e) { RValue v; v.kind = expr::ValueKind::error; v.error = e; return v; }
  static RValue boolean(bool x) { RValue v; v.kind = expr::ValueKind::boolean; v.b = x; return v; }
  static RValue integer(std::int64_t x) { RValue v; v.kind = expr::ValueKind::integer; v.i = x; return v; }
  static RValue decimal(double x) { RValue v; v.kind = expr::ValueKind::decimal; v.d = x; return v; }
  static RValue string(std::string x) { RValue v; v.kind = expr::ValueKind::string; v.s = std::move(x); return v; }
  static RValue date(std::int64_t x) { RValue v; v.kind = expr::ValueKind::date; v.i = x; return v; }
  static RValue hours(std::int64_t x) { RValue v; v.kind = expr::ValueKind::work_duration; v.i = x; return v; }
  static RValue list(std::vector<RValue> x) { RValue v; v.kind = expr::ValueKind::list; v.l = std::move(x); return v; }

  [[nodiscard]] bool known() const { return kind != expr::ValueKind::unknown && kind != expr::ValueKind::error; }
};

/// The value as the language writes it (`42`, `2.5`, `"a"`, `[1, 2]`, `unknown`, `error(overflow)`).
[[nodiscard]] std::string to_string(const RValue& v);
/// Whether the compiled evaluator's value is the same: same kind (an integer is not a
/// decimal), same content, same error.
[[nodiscard]] bool same(const RValue& r, const expr::Value& v);
/// The reference value of an application's answer to a field of type `t` (docs/language.md:
/// a decimal field answered 120 holds 120.0; a date may be answered as text).
[[nodiscard]] RValue from_answer(const expr::Answer& a, const expr::Type& t);

/// A decision table with its cells parsed.
struct Table {
  const ir::DecisionTable* def = nullptr;
  std::vector<std::vector<expr::UnaryTests>> inputs;  ///< [rule][input]
  std::vector<std::vector<expr::Ast>> outputs;         ///< [rule][output]
  std::vector<expr::Ast> defaults;
};
/// Parses the cells of `t`; nullopt when a cell does not parse.
[[nodiscard]] std::optional<Table> parse_table(const ir::DecisionTable& t);

/// What the names of an expression mean, and the inputs of one evaluation.
struct Env {
  std::vector<std::string> field_ids;     ///< by slot
  std::vector<expr::Type> field_types;    ///< by slot
  std::vector<RValue> fields;             ///< by slot; unknown when unanswered
  std::map<std::string, RValue> situations;
  std::map<std::string, const Table*> tables;
  std::int64_t today = 0;
};

/// Evaluates expressions and tables over an Env, by the rules of docs/language.md.
class Evaluator {
 public:
  explicit Evaluator(const Env& env);
  [[nodiscard]] RValue eval(const expr::Ast& ast) { return eval(ast, ast.root, nullptr, nullptr); }
  /// Table `t`'s output `output` for `args`.
  [[nodiscard]] RValue table(const Table& t, std::size_t output, const std::vector<RValue>& args);

 private:
  RValue eval(const expr::Ast& ast, std::uint32_t i, const RValue* input, const expr::Type* input_type);
  expr::Type type_of(const expr::Ast& ast, std::uint32_t i, const expr::Type* input_type);
  /// The table and output index that a `table("id.output")` argument names.
  [[nodiscard]] std::pair<const Table*, std::size_t> table_output(const std::string& ref) const;
  RValue call(const expr::Ast& ast, const expr::Node& n, std::uint32_t i, const RValue* input, const expr::Type* input_type);
  RValue cell(const Table& t, const expr::UnaryTests& u, const RValue& v, const expr::Type& column);
  RValue output(const Table& t, const expr::Ast& a, std::size_t column);
  std::optional<std::size_t> field_slot(const std::string& id) const;

  const Env& env_;
  struct It {
    RValue value;
    expr::Type type;
  };
  std::vector<It> it_;  ///< elements of the enclosing any/all/count, innermost last
};

}  // namespace yishi::property::reference
