// The expression AST: what the parser produces and the type checker reads.
//
// Nodes live in one flat vector (children by index), so a tree of any shape is destroyed,
// copied and walked without recursion on the C++ stack. Offsets are byte positions in the
// expression's own text; the caller maps them into the source file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yishi::expr {

/// What a node is.
enum class NodeKind : std::uint8_t {
  boolean,        ///< `true`, `false`
  integer,        ///< `42`
  decimal,        ///< `3.5`
  string,         ///< `"text"` or `'text'` (the node's `text` holds the unescaped value)
  date,           ///< `2025-10-01` (`integer` holds days since 1970-01-01)
  work_duration,  ///< `5wd`, `4wh`, `1wd4wh` (`integer` holds working hours, 8 per day)
  list,           ///< `[a, b, c]`
  name,           ///< a field path `applicant.birth_date` or a situation id `large_venue`
  input,          ///< `?`: the value under test in a decision-table cell
  not_,           ///< `not x`
  negate,         ///< `-x`
  binary,         ///< `a op b`
  call,           ///< `f(a, b)` (`text` holds the function name)
};

/// Binary operators, by precedence group (lowest first).
enum class BinaryOp : std::uint8_t { or_, and_, eq, ne, lt, le, gt, ge, in, not_in, add, sub, mul, div };
[[nodiscard]] const char* to_string(BinaryOp op) noexcept;

/// One node. `children` are indices into `Ast::nodes`.
struct Node {
  NodeKind kind = NodeKind::boolean;
  BinaryOp op = BinaryOp::and_;
  bool flag = false;           ///< boolean: the value
  std::int64_t integer = 0;    ///< integer, date, work_duration
  double decimal = 0;
  std::string text;            ///< string value, name path, function name
  std::uint32_t begin = 0;     ///< byte offsets in the expression text
  std::uint32_t end = 0;
  std::uint32_t name_end = 0;  ///< call: end of the function name
  std::vector<std::uint32_t> children;
};

/// A parsed expression: a flat node vector and the index of the root.
struct Ast {
  std::vector<Node> nodes;
  std::uint32_t root = 0;
  [[nodiscard]] const Node& at(std::uint32_t i) const { return nodes.at(i); }
};

/// One test of a decision-table input cell (a DMN unary test).
struct UnaryTest {
  enum class Kind : std::uint8_t {
    compare,   ///< `< 18`, `>= 60`, `!= "x"`: `op` against `low`
    interval,  ///< `[18..60)`: `low` and `high`, each bound open or closed
    equals,    ///< `"A"`, `42`: the input equals `low`
    predicate, ///< an expression that uses `?` (the input) and yields a boolean
  };
  Kind kind = Kind::equals;
  BinaryOp op = BinaryOp::eq;
  std::uint32_t low = 0;   ///< node index of the endpoint or predicate
  std::uint32_t high = 0;  ///< interval: node index of the upper endpoint
  bool low_closed = true;
  bool high_closed = true;
  std::uint32_t begin = 0, end = 0;
};

/// A decision-table input cell: `-` (anything), a list of tests (any may match), or
/// `not(...)` of such a list.
struct UnaryTests {
  bool any = false;
  bool negated = false;
  std::vector<UnaryTest> tests;
  Ast ast;  ///< the nodes the tests refer to (`ast.root` is unused)
};

}  // namespace yishi::expr
