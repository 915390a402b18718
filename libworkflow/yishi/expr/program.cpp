// The compiler: a checked AST becomes stack-machine code with its constants. Literal lists
// become constants; `field <op> literal` becomes one fused instruction; `and`/`or` jump over
// their right side when the left decides (Kleene logic keeps `unknown` otherwise).
#include <algorithm>

#include <fmt/format.h>

#include "yishi/expr/internal/library.hpp"
#include "yishi/expr/internal/machine.hpp"

namespace yishi::expr {

Program::Program(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;
const Type& Program::type() const noexcept { return impl_->type; }
std::span<const std::uint32_t> Program::fields() const noexcept { return impl_->fields; }
std::span<const std::uint32_t> Program::situations() const noexcept { return impl_->situations; }
std::size_t Program::size() const noexcept { return impl_->code.size(); }

namespace {

const char* op_name(Op op) {
  switch (op) {
    case Op::constant: return "constant";
    case Op::field: return "field";
    case Op::situation: return "situation";
    case Op::element: return "element";
    case Op::input: return "input";
    case Op::compare_field: return "compare_field";
    case Op::not_: return "not";
    case Op::negate: return "negate";
    case Op::and_test: return "and_test";
    case Op::and_: return "and";
    case Op::or_test: return "or_test";
    case Op::or_: return "or";
    case Op::compare: return "compare";
    case Op::in: return "in";
    case Op::in_field: return "in_field";
    case Op::arith: return "arith";
    case Op::call: return "call";
    case Op::quantify: return "quantify";
    case Op::table: return "table";
    case Op::ret: return "ret";
  }
  return "?";
}

class Compiler {
 public:
  Compiler(const Ast& ast, const Typed& typed, const TableSet* tables) : ast_(ast), typed_(typed) {
    p_ = std::make_unique<Program::Impl>();
    p_->type = typed.type;
    p_->fields = typed.fields;
    p_->situations = typed.situations;
    p_->tables = tables;
  }

  std::unique_ptr<Program::Impl> run() {
    // A quantifier's condition runs on the stack above its list; summing the needs of
    // every piece bounds the deepest nesting.
    std::size_t need = emit(ast_.root);
    p_->code.push_back({Op::ret});
    // Quantifier conditions are compiled after the main code; each may add more.
    for (std::size_t k = 0; k < pending_.size(); ++k) {
      const Pending job = pending_[k];
      p_->code[job.at].x = static_cast<std::uint32_t>(p_->code.size());
      quantifier_depth_ = job.level;
      need += emit(job.node);
      p_->code.push_back({Op::ret});
    }
    p_->stack = need + 1;
    return std::move(p_);
  }

 private:
  const Node& node(std::uint32_t i) const { return ast_.nodes[i]; }
  const NodeInfo& info(std::uint32_t i) const { return typed_.nodes[i]; }

  std::uint32_t constant(const Value& v) {
    p_->constants.push_back(v);
    return static_cast<std::uint32_t>(p_->constants.size() - 1);
  }
  // The value of a literal node (strings and lists are copied into the program).
  Value literal(std::uint32_t i) {
    const Node& n = node(i);
    switch (n.kind) {
      case NodeKind::boolean: return Value::boolean(n.flag);
      case NodeKind::integer: return Value::integer(n.integer);
      case NodeKind::decimal: return Value::decimal(n.decimal);
      case NodeKind::string: return Value::string(p_->strings.emplace_back(n.text));
      case NodeKind::date: return Value::date(n.integer);
      case NodeKind::work_duration: return Value::work_hours(n.integer);
      case NodeKind::negate: {
        Value v = literal(n.children[0]);
        if (v.kind == ValueKind::integer) v.i = -v.i;
        else v.d = -v.d;
        return v;
      }
      case NodeKind::list: {
        auto& elems = p_->lists.emplace_back();
        elems.reserve(n.children.size());
        for (auto c : n.children) {
          Value e = literal(c);
          // A list of numbers with a decimal among them holds decimals throughout.
          if (info(i).type.base == BaseType::decimal && e.kind == ValueKind::integer) e = Value::decimal(static_cast<double>(e.i));
          elems.push_back(e);
        }
        return Value::list(elems.data(), elems.size());
      }
      default: return Value::unknown();
    }
  }
  static bool is_literal(const Node& n, const Ast& ast) {
    switch (n.kind) {
      case NodeKind::boolean:
      case NodeKind::integer:
      case NodeKind::decimal:
      case NodeKind::string:
      case NodeKind::date:
      case NodeKind::work_duration:
      case NodeKind::list: return true;
      case NodeKind::negate: {
        const auto& c = ast.nodes[n.children[0]];
        return c.kind == NodeKind::integer || c.kind == NodeKind::decimal;
      }
      default: return false;
    }
  }

  void push(Instr i) { p_->code.push_back(i); }

  // Emits code leaving the node's value on the stack; returns the stack depth it needs.
  std::size_t emit(std::uint32_t i) {
    const Node& n = node(i);
    if (is_literal(n, ast_)) {
      push({Op::constant, 0, 0, constant(literal(i))});
      return 1;
    }
    switch (n.kind) {
      case NodeKind::name: {
        const auto& r = info(i);
        if (r.resolved == Resolved::field) push({Op::field, 0, 0, r.index});
        else if (r.resolved == Resolved::situation) push({Op::situation, 0, 0, r.index});
        else push({Op::element, static_cast<std::uint8_t>(quantifier_depth_ - 1 - r.index)});
        return 1;
      }
      case NodeKind::input: push({Op::input}); return 1;
      case NodeKind::not_: {
        const auto d = emit(n.children[0]);
        push({Op::not_});
        return d;
      }
      case NodeKind::negate: {
        const auto d = emit(n.children[0]);
        push({Op::negate});
        return d;
      }
      case NodeKind::binary: return binary(i, n);
      case NodeKind::call: return call(i, n);
      default: return 1;
    }
  }

  std::size_t binary(std::uint32_t, const Node& n) {
    const auto l = n.children[0], r = n.children[1];
    if (n.op == BinaryOp::and_ || n.op == BinaryOp::or_) {
      const auto dl = emit(l);
      const auto at = p_->code.size();
      push({n.op == BinaryOp::and_ ? Op::and_test : Op::or_test});
      const auto dr = emit(r);
      push({n.op == BinaryOp::and_ ? Op::and_ : Op::or_});
      p_->code[at].x = static_cast<std::uint32_t>(p_->code.size());
      return std::max(dl, 1 + dr);
    }
    const bool comparison = n.op >= BinaryOp::eq && n.op <= BinaryOp::ge;
    // The common clause `field op literal`: one instruction.
    if (comparison && node(l).kind == NodeKind::name && info(l).resolved == Resolved::field &&
        is_literal(node(r), ast_) && info(l).index <= 0xFFFF) {
      Value c = literal(r);
      push({Op::compare_field, static_cast<std::uint8_t>(n.op), static_cast<std::uint16_t>(info(l).index), constant(c)});
      return 1;
    }
    // `field in [literals]`: one instruction.
    if ((n.op == BinaryOp::in || n.op == BinaryOp::not_in) && node(l).kind == NodeKind::name &&
        info(l).resolved == Resolved::field && node(r).kind == NodeKind::list && info(l).index <= 0xFFFF) {
      Value c = literal(r);
      push({Op::in_field, n.op == BinaryOp::not_in ? std::uint8_t{1} : std::uint8_t{0},
            static_cast<std::uint16_t>(info(l).index), constant(c)});
      return 1;
    }
    const auto dl = emit(l);
    const auto dr = emit(r);
    if (comparison) push({Op::compare, static_cast<std::uint8_t>(n.op)});
    else if (n.op == BinaryOp::in || n.op == BinaryOp::not_in) push({Op::in, n.op == BinaryOp::not_in ? std::uint8_t{1} : std::uint8_t{0}});
    else push({Op::arith, static_cast<std::uint8_t>(n.op)});
    return std::max(dl, 1 + dr);
  }

  std::size_t call(std::uint32_t i, const Node& n) {
    const auto fn = static_cast<internal::Fn>(info(i).index);
    if (fn == internal::Fn::any || fn == internal::Fn::all || fn == internal::Fn::count) {
      const auto d = emit(n.children[0]);
      const auto at = p_->code.size();
      push({Op::quantify, static_cast<std::uint8_t>(fn)});
      // The condition is compiled later, one quantifier level deeper (`it` is its element).
      pending_.push_back({at, n.children[1], quantifier_depth_ + 1});
      return d;
    }
    std::size_t need = 0, k = 0;
    std::size_t first = 0;
    if (fn == internal::Fn::table) first = 1;  // the table id is resolved at check time
    for (std::size_t a = first; a < n.children.size(); ++a, ++k) need = std::max(need, k + emit(n.children[a]));
    if (fn == internal::Fn::table)
      push({Op::table, static_cast<std::uint8_t>(k), 0, info(i).extra});
    else
      push({Op::call, static_cast<std::uint8_t>(fn), static_cast<std::uint16_t>(k), info(i).extra});
    return std::max<std::size_t>(need, 1);
  }

  const Ast& ast_;
  const Typed& typed_;
  std::unique_ptr<Program::Impl> p_;
  struct Pending {
    std::size_t at;
    std::uint32_t node;
    std::size_t level;  // quantifiers around the condition, itself included
  };
  std::vector<Pending> pending_;
  std::size_t quantifier_depth_ = 0;
};

}  // namespace

Program compile(const Ast& ast, const Typed& typed, const TableSet* tables) {
  return Program(Compiler(ast, typed, tables).run());
}

std::string Program::disassemble() const {
  std::string out;
  for (std::size_t k = 0; k < impl_->code.size(); ++k) {
    const auto& in = impl_->code[k];
    out += fmt::format("{:3} {}", k, op_name(in.op));
    switch (in.op) {
      case Op::constant: out += " " + to_string(impl_->constants[in.x]); break;
      case Op::field:
      case Op::situation: out += fmt::format(" {}", in.x); break;
      case Op::compare_field:
        out += fmt::format(" {} {} {}", in.b, to_string(static_cast<BinaryOp>(in.a)), to_string(impl_->constants[in.x]));
        break;
      case Op::in_field:
        out += fmt::format(" {} {}{}", in.b, in.a ? "not in " : "", to_string(impl_->constants[in.x]));
        break;
      case Op::compare:
      case Op::arith: out += fmt::format(" {}", to_string(static_cast<BinaryOp>(in.a))); break;
      case Op::and_test:
      case Op::or_test: out += fmt::format(" -> {}", in.x); break;
      case Op::call: out += fmt::format(" {}/{}", internal::function_info(static_cast<internal::Fn>(in.a)).name, in.b); break;
      case Op::quantify: out += fmt::format(" {} -> {}", internal::function_info(static_cast<internal::Fn>(in.a)).name, in.x); break;
      case Op::table: out += fmt::format(" {}.{}/{}", in.x >> 8, in.x & 0xFF, in.a); break;
      default: break;
    }
    out += '\n';
  }
  return out;
}

}  // namespace yishi::expr
