// The stack machine: instruction set, program layout and the evaluator's state. Private to
// the expr module (program.cpp compiles, machine.cpp runs, table.cpp calls back in).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "yishi/expr/expr.hpp"

namespace yishi::expr {

enum class Op : std::uint8_t {
  constant,        // push constants[x]
  field,           // push fields[x]
  situation,       // push situations[x]
  element,         // push the element of the quantifier a levels out (0 = innermost)
  input,           // push `?`
  compare_field,   // push fields[b] <a: BinaryOp> constants[x]   (fused: the common clause)
  not_,
  negate,
  and_test,        // if top is false: jump to x (keeping it); else go on
  and_,
  or_test,         // if top is true: jump to x (keeping it); else go on
  or_,
  compare,         // a: BinaryOp (eq..ge)
  in,              // a: 1 for `not in`
  in_field,        // push fields[b] in constants[x] (a: 1 for `not in`)  (fused)
  arith,           // a: BinaryOp (add..div)
  call,            // a: internal::Fn, b: argument count, x: detail (format)
  quantify,        // a: internal::Fn (any/all/count), x: start of the condition's code; pops the list
  table,           // a: argument count, x: table << 8 | output
  ret,
};

struct Instr {
  Op op;
  std::uint8_t a = 0;
  std::uint16_t b = 0;
  std::uint32_t x = 0;
};

struct Program::Impl {
  std::vector<Instr> code;  // the main code ends with `ret`; quantifier conditions follow, each ending with `ret`
  std::vector<Value> constants;
  std::deque<std::string> strings;            // backing store of string constants
  std::deque<std::vector<Value>> lists;       // backing store of list constants
  Type type;
  std::vector<std::uint32_t> fields, situations;
  std::size_t stack = 1;                      // values this program needs on the stack
  const TableSet* tables = nullptr;
};

/// Bump allocation of list results (COLLECT, RULE ORDER) in blocks that are kept between
/// evaluations, so a warm evaluator does not allocate.
class Scratch {
 public:
  Value* allocate(std::size_t n);
  void reset() { block_ = 0, used_ = 0; }

 private:
  static constexpr std::size_t block_size = 1024;
  std::vector<std::unique_ptr<Value[]>> blocks_;
  std::vector<std::size_t> sizes_;
  std::size_t block_ = 0, used_ = 0;
};

struct Evaluator::State {
  std::vector<Value> stack;
  Value elements[64];  // `it` of nested quantifiers
  std::size_t depth = 0;
  Scratch scratch;
  Evaluator* owner = nullptr;
};

/// Runs `p` from instruction `pc` with its stack starting at `sp`; returns the value left on
/// top. Used by Evaluator::run and by decision tables for their cells.
Value execute(const Program::Impl& p, std::uint32_t pc, Value* sp, Evaluator::State& st, const Inputs& in);

/// Ordering of two known values of comparable kinds: -1, 0, 1. Integers and decimals compare
/// numerically (exactly, even beyond 2^53); strings bytewise.
int order(const Value& a, const Value& b) noexcept;
/// Ordering of two numbers (integer or decimal), exactly.
int order_numbers(const Value& a, const Value& b) noexcept;
/// `a op b` for op in eq..ge, with unknown and error propagation.
Value compare(BinaryOp op, const Value& a, const Value& b) noexcept;

}  // namespace yishi::expr
