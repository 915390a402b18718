// Decision tables: checking (types, hit-policy rules, static analyses), compilation and
// evaluation under the DMN hit policies.
//
// The analyses reduce each input to finitely many representative values: every endpoint a
// test mentions, a value strictly between neighbouring endpoints and one beyond each end
// (numbers and dates), every declared value (enumerations, booleans), every mentioned text
// plus one unmentioned text. Constant tests cannot tell two values of the same cell apart,
// so checking every combination of representatives is exact. Tables with predicate cells
// (`? ...`) or with endpoints that read fields are not analysed.
#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include <fmt/format.h>

#include "yishi/expr/internal/machine.hpp"

namespace yishi::expr {

namespace {

Type column_type(const ir::TableColumn& c) {
  Type t = type_of_field(c.type, false);
  return t;
}

SpanMap span_of(const ir::Expression& e) { return SpanMap{e.loc.span, e.exact}; }

// A test or output operand: a constant, or a program evaluated at run time.
struct Operand {
  Value constant;
  std::int32_t program = -1;
};

struct Test {
  UnaryTest::Kind kind = UnaryTest::Kind::equals;
  BinaryOp op = BinaryOp::eq;
  Operand low, high;
  bool low_closed = true, high_closed = true;
  // Fast form of a test with constant endpoints, decided at compile time:
  // `range`: lo (<|<=) x (<|<=) hi on numbers and dates; `text`: x equals `low` (a string).
  enum class Fast : std::uint8_t { none, range, text } fast = Fast::none;
  double lo = 0, hi = 0;
  bool has_lo = false, has_hi = false;
};

// A number or a date as a double, for the fast range test.
inline bool numeric(const Value& v, double& out) {
  switch (v.kind) {
    case ValueKind::decimal: out = v.d; return true;
    case ValueKind::integer:
    case ValueKind::date: out = static_cast<double>(v.i); return true;
    default: return false;
  }
}

// Fills the fast form of a test whose endpoints are constants.
void make_fast(Test& t) {
  if (t.low.program >= 0 || (t.kind == UnaryTest::Kind::interval && t.high.program >= 0)) return;
  double a = 0, b = 0;
  switch (t.kind) {
    case UnaryTest::Kind::interval:
      if (numeric(t.low.constant, a) && numeric(t.high.constant, b) && t.low.constant.kind == t.high.constant.kind) {
        t.fast = Test::Fast::range;
        t.lo = a, t.hi = b, t.has_lo = t.has_hi = true;
      }
      return;
    case UnaryTest::Kind::compare:
      if (!numeric(t.low.constant, a)) return;
      switch (t.op) {
        case BinaryOp::lt: t.hi = a, t.has_hi = true, t.high_closed = false; break;
        case BinaryOp::le: t.hi = a, t.has_hi = true, t.high_closed = true; break;
        case BinaryOp::gt: t.lo = a, t.has_lo = true, t.low_closed = false; break;
        case BinaryOp::ge: t.lo = a, t.has_lo = true, t.low_closed = true; break;
        case BinaryOp::eq: t.lo = t.hi = a, t.has_lo = t.has_hi = true, t.low_closed = t.high_closed = true; break;
        default: return;
      }
      t.fast = Test::Fast::range;
      return;
    case UnaryTest::Kind::equals:
      if (t.low.constant.kind == ValueKind::string) t.fast = Test::Fast::text;
      else if (numeric(t.low.constant, a)) {
        t.lo = t.hi = a, t.has_lo = t.has_hi = true, t.low_closed = t.high_closed = true;
        t.fast = Test::Fast::range;
      }
      return;
    default: return;
  }
}

struct Cell {
  bool any = false;
  bool negated = false;
  std::vector<Test> tests;
};

struct Rule {
  std::vector<Cell> cells;
  std::vector<Operand> outputs;
};

}  // namespace

struct TableSet::Impl {
  struct Table {
    std::string id;
    ir::HitPolicy hit = ir::HitPolicy::unique;
    ir::Aggregation aggregation = ir::Aggregation::none;
    std::vector<Rule> rules;
    std::vector<Operand> defaults;
    std::vector<Type> output_types;
    std::vector<std::vector<Value>> priority;  // per output: values, best first
    std::vector<Program> programs;
    std::deque<std::string> strings;
    std::deque<std::vector<Value>> lists;
  };
  std::vector<std::unique_ptr<Table>> tables;
  std::size_t stack = 4;
};

namespace {

// Constant value of a literal node, or nullopt.
std::optional<Value> literal_value(const Ast& ast, std::uint32_t i, std::deque<std::string>& strings,
                                   std::deque<std::vector<Value>>& lists, const Type* as) {
  const Node& n = ast.nodes[i];
  Value v;
  switch (n.kind) {
    case NodeKind::boolean: v = Value::boolean(n.flag); break;
    case NodeKind::integer: v = Value::integer(n.integer); break;
    case NodeKind::decimal: v = Value::decimal(n.decimal); break;
    case NodeKind::string: v = Value::string(strings.emplace_back(n.text)); break;
    case NodeKind::date: v = Value::date(n.integer); break;
    case NodeKind::work_duration: v = Value::work_hours(n.integer); break;
    case NodeKind::negate: {
      auto inner = literal_value(ast, n.children[0], strings, lists, as);
      if (!inner || (inner->kind != ValueKind::integer && inner->kind != ValueKind::decimal)) return std::nullopt;
      v = *inner;
      if (v.kind == ValueKind::integer) v.i = -v.i;
      else v.d = -v.d;
      break;
    }
    case NodeKind::list: {
      auto& elems = lists.emplace_back();
      for (auto c : n.children) {
        auto e = literal_value(ast, c, strings, lists, nullptr);
        if (!e) return std::nullopt;
        elems.push_back(*e);
      }
      return Value::list(elems.data(), elems.size());
    }
    default: return std::nullopt;
  }
  if (as && as->base == BaseType::decimal && !as->list && v.kind == ValueKind::integer) v = Value::decimal(static_cast<double>(v.i));
  return v;
}

// An AST whose root is another node of `ast` (cells share one node vector).
Ast rooted(const Ast& ast, std::uint32_t root) {
  Ast a = ast;
  a.root = root;
  return a;
}

// Kleene combinations.
Value kleene_or(const Value& a, const Value& b) {
  if (a.kind == ValueKind::error) return a;
  if (b.kind == ValueKind::error) return b;
  if (a.is_true() || b.is_true()) return Value::boolean(true);
  if (!a.known() || !b.known()) return Value::unknown();
  return Value::boolean(false);
}
Value kleene_not(Value v) {
  if (v.kind == ValueKind::boolean) v.b = !v.b;
  return v;
}

}  // namespace

TableSet::TableSet() : impl_(std::make_unique<Impl>()) {}
TableSet::~TableSet() = default;
TableSet::TableSet(TableSet&&) noexcept = default;
TableSet& TableSet::operator=(TableSet&&) noexcept = default;
std::size_t TableSet::size() const noexcept { return impl_->tables.size(); }
std::size_t TableSet::stack_need() const noexcept { return impl_->stack; }
std::optional<std::uint32_t> TableSet::find(std::string_view id) const {
  for (std::size_t k = 0; k < impl_->tables.size(); ++k)
    if (impl_->tables[k]->id == id) return static_cast<std::uint32_t>(k);
  return std::nullopt;
}

TableSignature signature_of(const ir::DecisionTable& t) {
  TableSignature s;
  s.id = t.id;
  for (const auto& c : t.inputs) s.inputs.push_back(column_type(c));
  for (const auto& c : t.outputs) {
    s.output_names.push_back(c.name);
    Type o = column_type(c);
    if (t.hit == ir::HitPolicy::rule_order || (t.hit == ir::HitPolicy::collect && t.aggregation == ir::Aggregation::none))
      o.list = true;
    else if (t.hit == ir::HitPolicy::collect && t.aggregation == ir::Aggregation::count)
      o = Type::integer();
    s.output_types.push_back(o);
  }
  return s;
}

// ---- Compilation ------------------------------------------------------------------------

namespace {

class TableCompiler {
 public:
  TableCompiler(TableSet::Impl::Table& t, const Environment& env) : t_(t), env_(env) {}

  Operand operand(const Ast& ast, std::uint32_t root, const Type* as, const Type* input) {
    if (auto v = literal_value(ast, root, t_.strings, t_.lists, as)) return Operand{*v, -1};
    Environment env = env_;
    env.input = input ? std::optional<Type>(*input) : std::nullopt;
    env.tables_callable = false;
    Diagnostics ignore;
    Ast a = rooted(ast, root);
    Typed typed = check(a, env, SpanMap{}, ignore);
    t_.programs.push_back(compile(a, typed, nullptr));
    stack_ = std::max(stack_, t_.programs.back().impl().stack);
    return Operand{Value::unknown(), static_cast<std::int32_t>(t_.programs.size() - 1)};
  }

  Cell cell(const UnaryTests& u, const Type& input) {
    Cell c;
    c.any = u.any;
    c.negated = u.negated;
    for (const auto& ut : u.tests) {
      Test t;
      t.kind = ut.kind;
      t.op = ut.op;
      t.low_closed = ut.low_closed;
      t.high_closed = ut.high_closed;
      if (ut.kind == UnaryTest::Kind::predicate) {
        t.low = operand(u.ast, ut.low, nullptr, &input);
        t.low.program = t.low.program < 0 ? -1 : t.low.program;
      } else {
        t.low = operand(u.ast, ut.low, &input, nullptr);
        if (ut.kind == UnaryTest::Kind::interval) t.high = operand(u.ast, ut.high, &input, nullptr);
        make_fast(t);
      }
      c.tests.push_back(t);
    }
    return c;
  }

  std::size_t stack_ = 1;

 private:
  TableSet::Impl::Table& t_;
  const Environment& env_;
};

}  // namespace

void TableSet::add(const ParsedTable& pt, const Environment& env) {
  const ir::DecisionTable& d = *pt.table;
  auto t = std::make_unique<Impl::Table>();
  t->id = d.id;
  t->hit = d.hit;
  t->aggregation = d.aggregation;
  std::vector<Type> in_types;
  for (const auto& c : d.inputs) in_types.push_back(column_type(c));
  for (const auto& c : d.outputs) {
    t->output_types.push_back(column_type(c));
    auto& prio = t->priority.emplace_back();
    for (const auto& v : c.values) prio.push_back(Value::string(t->strings.emplace_back(v)));
  }
  TableCompiler tc(*t, env);
  for (std::size_t r = 0; r < pt.inputs.size(); ++r) {
    Rule rule;
    for (std::size_t k = 0; k < pt.inputs[r].size(); ++k) rule.cells.push_back(tc.cell(pt.inputs[r][k], in_types[k]));
    for (std::size_t k = 0; k < pt.outputs[r].size(); ++k)
      rule.outputs.push_back(tc.operand(pt.outputs[r][k], pt.outputs[r][k].root, &t->output_types[k], nullptr));
    t->rules.push_back(std::move(rule));
  }
  for (std::size_t k = 0; k < pt.default_outputs.size(); ++k)
    t->defaults.push_back(tc.operand(pt.default_outputs[k], pt.default_outputs[k].root, &t->output_types[k], nullptr));
  impl_->stack = std::max(impl_->stack, tc.stack_ + 2);
  impl_->tables.push_back(std::move(t));
}

// ---- Evaluation -------------------------------------------------------------------------

namespace {

struct Run {
  const TableSet::Impl::Table& t;
  Evaluator::State& st;
  const Inputs& in;
  Value* stack;

  Value value(const Operand& o, const Value* input) const {
    if (o.program < 0) return o.constant;
    Inputs sub = in;
    sub.input = input;
    return execute(t.programs[static_cast<std::size_t>(o.program)].impl(), 0, stack, st, sub);
  }

  // An output cell's value in a column of `type`: an integer computed in a decimal column
  // becomes a decimal, as a literal there does.
  Value output(const Operand& o, const Type& type) const {
    Value v = value(o, nullptr);
    if (type.base == BaseType::decimal && !type.list && v.kind == ValueKind::integer) v = Value::decimal(static_cast<double>(v.i));
    return v;
  }

  Value test(const Test& x, const Value& v) const {
    if (x.kind == UnaryTest::Kind::predicate) return value(x.low, &v);
    if (!v.known()) return v;
    if (x.fast == Test::Fast::range) {
      double d;
      if (numeric(v, d)) {
        const bool above = !x.has_lo || (x.low_closed ? d >= x.lo : d > x.lo);
        const bool below = !x.has_hi || (x.high_closed ? d <= x.hi : d < x.hi);
        return Value::boolean(above && below);
      }
    } else if (x.fast == Test::Fast::text && v.kind == ValueKind::string) {
      return Value::boolean(v.str() == x.low.constant.str());
    }
    switch (x.kind) {
      case UnaryTest::Kind::compare: {
        const Value e = value(x.low, nullptr);
        if (x.op == BinaryOp::in || x.op == BinaryOp::not_in) {  // `in ["a", "b"]`
          if (!e.known()) return e;
          bool found = false;
          for (std::uint32_t k = 0; k < e.size && !found; ++k) found = same_value(v, e.l[k]);
          return Value::boolean(found != (x.op == BinaryOp::not_in));
        }
        return compare(x.op, v, e);
      }
      case UnaryTest::Kind::equals: {
        const Value e = value(x.low, nullptr);
        if (e.kind == ValueKind::list) {  // `[..]` in a cell: membership
          if (!e.known()) return e;
          for (std::uint32_t k = 0; k < e.size; ++k)
            if (same_value(v, e.l[k])) return Value::boolean(true);
          return Value::boolean(false);
        }
        return compare(BinaryOp::eq, v, e);
      }
      case UnaryTest::Kind::interval: {
        const Value lo = compare(x.low_closed ? BinaryOp::ge : BinaryOp::gt, v, value(x.low, nullptr));
        if (lo.is_false() || lo.kind == ValueKind::error) return lo;
        const Value hi = compare(x.high_closed ? BinaryOp::le : BinaryOp::lt, v, value(x.high, nullptr));
        if (hi.is_false() || hi.kind == ValueKind::error) return hi;
        return lo.is_true() ? hi : lo;
      }
      default: return Value::unknown();
    }
  }

  Value cell(const Cell& c, const Value& v) const {
    if (c.any) return Value::boolean(true);
    Value r = Value::boolean(false);
    for (const auto& x : c.tests) {
      r = kleene_or(r, test(x, v));
      if (r.is_true() || r.kind == ValueKind::error) break;
    }
    return c.negated ? kleene_not(r) : r;
  }

  // true, false, unknown or an error: whether every cell of the rule matches.
  Value rule(const Rule& r, std::span<const Value> args) const {
    Value m = Value::boolean(true);
    for (std::size_t k = 0; k < r.cells.size(); ++k) {
      const Value c = cell(r.cells[k], args[k]);
      if (c.is_false() || c.kind == ValueKind::error) return c;
      if (!c.known()) m = c;
    }
    return m;
  }
};

}  // namespace

Value TableSet::evaluate(std::uint32_t index, std::uint32_t output, std::span<const Value> args, Evaluator& ev,
                         const Inputs& in) const {
  auto& st = *ev.state_;
  if (st.stack.size() < impl_->stack) st.stack.resize(impl_->stack);
  st.depth = 0;
  st.scratch.reset();
  ev.detail_.clear();
  return evaluate_on(index, output, args, ev, in, st.stack.data());
}

Value TableSet::evaluate_on(std::uint32_t index, std::uint32_t output, std::span<const Value> args, Evaluator& ev,
                            const Inputs& in, Value* stack) const {
  const auto& t = *impl_->tables.at(index);
  // An error passes through a table as through any function, even when no cell tests it.
  for (const Value& a : args)
    if (a.kind == ValueKind::error) return a;
  Run run{t, *ev.state_, in, stack};
  const Type& out_type = t.output_types[output];
  auto fail = [&](EvalError e, std::string detail) {
    if (ev.detail_.empty()) ev.detail_ = std::move(detail);
    return Value::failure(e);
  };
  const auto hit = t.hit;
  const bool many = hit == ir::HitPolicy::collect || hit == ir::HitPolicy::rule_order;
  std::size_t matched = 0;
  std::int64_t chosen = -1;
  // COLLECT/RULE ORDER results gather here (scratch memory, no allocation once warm).
  Value* results = many ? ev.state_->scratch.allocate(t.rules.size()) : nullptr;
  for (std::size_t r = 0; r < t.rules.size(); ++r) {
    const Value m = run.rule(t.rules[r], args);
    if (m.kind == ValueKind::error) return m;
    if (!m.known()) {
      // The rule might or might not match: FIRST is decided only if an earlier rule already
      // matched; the other policies need every rule decided.
      if (hit == ir::HitPolicy::first && chosen >= 0) break;
      return Value::unknown();
    }
    if (!m.b) continue;
    ++matched;
    switch (hit) {
      case ir::HitPolicy::first:
        return run.output(t.rules[r].outputs[output], out_type);
      case ir::HitPolicy::unique:
        if (chosen >= 0)
          return fail(EvalError::several_rules_matched,
                      fmt::format("table `{}`: rules {} and {} both match (hit policy unique)", t.id, chosen + 1, r + 1));
        chosen = static_cast<std::int64_t>(r);
        break;
      case ir::HitPolicy::any:
        if (chosen >= 0) {
          for (std::size_t o = 0; o < t.rules[r].outputs.size(); ++o)
            if (!same_value(run.value(t.rules[r].outputs[o], nullptr),
                            run.value(t.rules[static_cast<std::size_t>(chosen)].outputs[o], nullptr)))
              return fail(EvalError::outputs_disagree,
                          fmt::format("table `{}`: rules {} and {} match with different outputs (hit policy any)", t.id,
                                      chosen + 1, r + 1));
        } else {
          chosen = static_cast<std::int64_t>(r);
        }
        break;
      case ir::HitPolicy::priority: {
        if (chosen < 0) { chosen = static_cast<std::int64_t>(r); break; }
        // Better = its outputs come earlier in the outputs' value lists (first output first).
        for (std::size_t o = 0; o < t.priority.size(); ++o) {
          const auto& prio = t.priority[o];
          auto rank = [&](std::size_t rule) {
            const Value v = run.value(t.rules[rule].outputs[o], nullptr);
            for (std::size_t k = 0; k < prio.size(); ++k)
              if (same_value(v, prio[k])) return k;
            return prio.size();
          };
          const auto a = rank(r), b = rank(static_cast<std::size_t>(chosen));
          if (a != b) {
            if (a < b) chosen = static_cast<std::int64_t>(r);
            break;
          }
        }
        break;
      }
      default:  // collect, rule_order
        results[matched - 1] = run.output(t.rules[r].outputs[output], out_type);
        break;
    }
  }
  if (many) {
    const Type& type = out_type;
    switch (t.aggregation) {
      case ir::Aggregation::count: return Value::integer(static_cast<std::int64_t>(matched));
      case ir::Aggregation::sum: {
        if (type.base == BaseType::integer) {
          std::int64_t sum = 0;
          for (std::size_t k = 0; k < matched; ++k) {
            if (!results[k].known()) return results[k];
            if (__builtin_add_overflow(sum, results[k].i, &sum)) return fail(EvalError::overflow, fmt::format("table `{}`: the sum overflows", t.id));
          }
          return Value::integer(sum);
        }
        double sum = 0;
        for (std::size_t k = 0; k < matched; ++k) {
          if (!results[k].known()) return results[k];
          sum += results[k].kind == ValueKind::decimal ? results[k].d : static_cast<double>(results[k].i);
        }
        return Value::decimal(sum);
      }
      case ir::Aggregation::min:
      case ir::Aggregation::max: {
        if (matched == 0) {
          if (!t.defaults.empty()) return run.output(t.defaults[output], out_type);
          return fail(EvalError::empty_aggregate, fmt::format("table `{}`: no rule matches, so there is no {}", t.id,
                                                              ir::to_string(t.aggregation)));
        }
        Value best = results[0];
        for (std::size_t k = 0; k < matched; ++k) {
          if (!results[k].known()) return results[k];
          const int c = order(results[k], best);
          if ((t.aggregation == ir::Aggregation::min) ? c < 0 : c > 0) best = results[k];
        }
        return best;
      }
      case ir::Aggregation::none: return Value::list(results, matched);
    }
  }
  if (chosen < 0) {
    if (!t.defaults.empty()) return run.output(t.defaults[output], out_type);
    return fail(EvalError::no_rule_matched, fmt::format("table `{}`: no rule matches and there is no default", t.id));
  }
  return run.output(t.rules[static_cast<std::size_t>(chosen)].outputs[output], out_type);
}

// ---- Checking and static analysis -------------------------------------------------------

namespace {

class TableChecker {
 public:
  TableChecker(const ParsedTable& pt, const Environment& env, Diagnostics& out, std::size_t max_combinations)
      : pt_(pt), t_(*pt.table), env_(env), out_(out), max_combinations_(max_combinations) {}

  bool run() {
    structure();
    if (errors_ == 0) cells();
    if (errors_ == 0) analyse();
    return errors_ == 0;
  }

 private:
  void error(Diagnostic d) {
    if (d.severity == Severity::error) ++errors_;
    out_.add(std::move(d));
  }

  void structure() {
    if (t_.outputs.empty())
      error(Diagnostic::make(DiagCode::invalid_table, t_.loc.span, fmt::format("table `{}` has no outputs", t_.id))
                .with_help("declare at least one output column under `outputs`"));
    if (t_.aggregation == ir::Aggregation::sum)
      for (const auto& o : t_.outputs)
        if (o.type != ir::FieldType::integer && o.type != ir::FieldType::decimal)
          error(Diagnostic::make(DiagCode::invalid_table, o.loc.span,
                                 fmt::format("aggregation `sum` adds numbers, but output `{}` has type `{}`", o.name,
                                             ir::to_string(o.type)))
                    .label("not a number")
                    .with_help("give the output type `int` or `decimal`, or use `count`, `min`, `max` or no aggregation"));
    if (t_.aggregation != ir::Aggregation::none && t_.hit != ir::HitPolicy::collect)
      error(Diagnostic::make(DiagCode::invalid_table, t_.hit_loc.span,
                             fmt::format("aggregation `{}` applies only to the collect hit policy", ir::to_string(t_.aggregation)))
                .label(fmt::format("hit policy {}", ir::to_string(t_.hit))));
    if (t_.hit == ir::HitPolicy::priority)
      for (const auto& o : t_.outputs)
        if (o.values.empty())
          error(Diagnostic::make(DiagCode::invalid_table, o.loc.span,
                                 fmt::format("output `{}` needs `values` (best first) for the priority hit policy", o.name))
                    .label("no values"));
    for (const auto* cols : {&t_.inputs, &t_.outputs})
      for (const auto& c : *cols) {
        const bool ok = c.type == ir::FieldType::integer || c.type == ir::FieldType::decimal ||
                        c.type == ir::FieldType::string || c.type == ir::FieldType::boolean ||
                        c.type == ir::FieldType::date || c.type == ir::FieldType::enumeration;
        if (!ok)
          error(Diagnostic::make(DiagCode::invalid_table, c.loc.span,
                                 fmt::format("column `{}` has type `{}`; tables take int, decimal, string, bool, date or enum",
                                             c.name, ir::to_string(c.type)))
                    .label("unsupported type"));
        if (c.type == ir::FieldType::enumeration && c.values.empty())
          error(Diagnostic::make(DiagCode::invalid_table, c.loc.span, fmt::format("enum column `{}` has no values", c.name))
                    .label("no values"));
      }
    for (std::size_t r = 0; r < t_.rules.size(); ++r) {
      const auto& rule = t_.rules[r];
      if (rule.inputs.size() != t_.inputs.size() || rule.outputs.size() != t_.outputs.size())
        error(Diagnostic::make(DiagCode::invalid_table, rule.loc.span,
                               fmt::format("rule {} of table `{}` has {} input and {} output cells; the table has {} inputs and {} outputs",
                                           r + 1, t_.id, rule.inputs.size(), rule.outputs.size(), t_.inputs.size(),
                                           t_.outputs.size()))
                  .label("wrong number of cells"));
    }
    if (!t_.default_outputs.empty() && t_.default_outputs.size() != t_.outputs.size())
      error(Diagnostic::make(DiagCode::invalid_table, t_.default_outputs[0].loc.span,
                             fmt::format("the default of table `{}` has {} values; the table has {} outputs", t_.id,
                                         t_.default_outputs.size(), t_.outputs.size()))
                .label("wrong number of values"));
  }

  Environment column_env(const ir::TableColumn& c) const {
    Environment env = env_;
    env.input = column_type(c);
    env.tables_callable = false;
    return env;
  }

  // Type of one endpoint against its column; with enum checking.
  void endpoint(const ir::Expression& cell, const UnaryTests& u, std::uint32_t root, const ir::TableColumn& col,
                bool ordered_test, BinaryOp relation = BinaryOp::eq) {
    Environment env = env_;
    env.tables_callable = false;
    // The cell's value is compared with a stand-in field of the column's type (named `?`,
    // which no real field can be), so enumeration values and types are checked as usual.
    env.add_field("?", column_type(col), col.values);
    Ast a = rooted(u.ast, root);
    Typed typed = check(a, env, span_of(cell), out_);
    if (!typed.ok) { ++errors_; return; }
    Ast cmp = a;
    Node input;
    input.kind = NodeKind::name;
    input.text = "?";
    input.begin = a.nodes[root].begin;
    input.end = a.nodes[root].end;
    cmp.nodes.push_back(input);
    Node op;
    op.kind = NodeKind::binary;
    op.op = ordered_test ? BinaryOp::lt : relation;
    op.begin = input.begin;
    op.end = input.end;
    op.children = {static_cast<std::uint32_t>(cmp.nodes.size() - 1), root};
    cmp.nodes.push_back(op);
    cmp.root = static_cast<std::uint32_t>(cmp.nodes.size() - 1);
    Diagnostics local;
    (void)check(cmp, env, span_of(cell), local);
    for (auto d : local.items()) {
      if (d.code == DiagCode::type_mismatch)
        d.message = fmt::format("column `{}` is {}, but this cell's value is {}", col.name, to_string(column_type(col)),
                                to_string(typed.type));
      // The stand-in field's name means nothing to the author: name the column.
      if (const auto at = d.message.rfind("`?`"); d.code == DiagCode::not_an_enum_value && at != std::string::npos)
        d.message.replace(at, 3, fmt::format("column `{}`", col.name));
      error(std::move(d));
    }
  }

  void cells() {
    for (std::size_t r = 0; r < t_.rules.size(); ++r) {
      const auto& rule = t_.rules[r];
      for (std::size_t k = 0; k < rule.inputs.size(); ++k) {
        const auto& u = pt_.inputs[r][k];
        const auto& col = t_.inputs[k];
        for (const auto& test : u.tests) {
          switch (test.kind) {
            case UnaryTest::Kind::predicate: {
              Environment env = column_env(col);
              Ast a = rooted(u.ast, test.low);
              if (!check_condition(a, env, span_of(rule.inputs[k]), out_, "a test with `?`").ok) ++errors_;
              break;
            }
            case UnaryTest::Kind::interval:
              endpoint(rule.inputs[k], u, test.low, col, true);
              endpoint(rule.inputs[k], u, test.high, col, true);
              break;
            case UnaryTest::Kind::compare:
              if (test.op == BinaryOp::in || test.op == BinaryOp::not_in)
                endpoint(rule.inputs[k], u, test.low, col, false, test.op);
              else
                endpoint(rule.inputs[k], u, test.low, col, test.op != BinaryOp::eq && test.op != BinaryOp::ne);
              break;
            case UnaryTest::Kind::equals:
              if (u.ast.nodes[test.low].kind == NodeKind::list)
                for (auto c : u.ast.nodes[test.low].children) endpoint(rule.inputs[k], u, c, col, false);
              else
                endpoint(rule.inputs[k], u, test.low, col, false);
              break;
          }
        }
      }
      for (std::size_t k = 0; k < rule.outputs.size(); ++k) output(rule.outputs[k], pt_.outputs[r][k], t_.outputs[k]);
    }
    for (std::size_t k = 0; k < pt_.default_outputs.size() && k < t_.outputs.size(); ++k)
      output(t_.default_outputs[k], pt_.default_outputs[k], t_.outputs[k]);
  }

  void output(const ir::Expression& cell, const Ast& ast, const ir::TableColumn& col) {
    Environment env = env_;
    env.tables_callable = false;
    Typed typed = check(ast, env, span_of(cell), out_);
    if (!typed.ok) { ++errors_; return; }
    const Type want = column_type(col);
    const Type& got = typed.type;
    const bool fits = (got.base == BaseType::any && !got.list) || (!got.list && (got.base == want.base || (want.base == BaseType::decimal && got.base == BaseType::integer)));
    const Node& root = ast.nodes[ast.root];
    if (!fits) {
      error(Diagnostic::make(DiagCode::type_mismatch, span_of(cell).at(root.begin, root.end),
                             fmt::format("output `{}` is {}, but this value is {}", col.name, to_string(want), to_string(got)))
                .label(to_string(got)));
      return;
    }
    if (!col.values.empty() && root.kind == NodeKind::string &&
        std::find(col.values.begin(), col.values.end(), root.text) == col.values.end())
      error(Diagnostic::make(DiagCode::not_an_enum_value, span_of(cell).at(root.begin, root.end),
                             fmt::format("\"{}\" is not a value of output `{}`", root.text, col.name))
                .label("not declared"));
  }

  // ---- Analysis over representative inputs ----

  struct StaticTest {
    UnaryTest::Kind kind;
    BinaryOp op;
    Value low, high;
    bool low_closed, high_closed;
  };

  void analyse() {
    std::deque<std::string> strings;
    std::deque<std::vector<Value>> lists;
    const std::size_t n_in = t_.inputs.size();
    // Every test must be constant.
    std::vector<std::vector<Cell>> rules(t_.rules.size());
    for (std::size_t r = 0; r < t_.rules.size(); ++r) {
      for (std::size_t k = 0; k < n_in; ++k) {
        const auto& u = pt_.inputs[r][k];
        Cell c;
        c.any = u.any;
        c.negated = u.negated;
        const Type ct = column_type(t_.inputs[k]);
        for (const auto& ut : u.tests) {
          if (ut.kind == UnaryTest::Kind::predicate) return;
          Test x;
          x.kind = ut.kind;
          x.op = ut.op;
          x.low_closed = ut.low_closed;
          x.high_closed = ut.high_closed;
          auto lo = literal_value(u.ast, ut.low, strings, lists, &ct);
          if (!lo) return;
          x.low.constant = *lo;
          if (ut.kind == UnaryTest::Kind::interval) {
            auto hi = literal_value(u.ast, ut.high, strings, lists, &ct);
            if (!hi) return;
            x.high.constant = *hi;
          }
          c.tests.push_back(x);
        }
        rules[r].push_back(std::move(c));
      }
    }
    // Representatives per input.
    std::vector<std::vector<Value>> reps(n_in);
    std::size_t combinations = 1;
    for (std::size_t k = 0; k < n_in; ++k) {
      reps[k] = representatives(k, rules, strings);
      combinations *= std::max<std::size_t>(reps[k].size(), 1);
      if (combinations > max_combinations_) return;
    }
    std::vector<std::size_t> idx(n_in, 0);
    std::vector<Value> args(n_in);
    std::set<std::pair<std::size_t, std::size_t>> overlaps;
    std::vector<bool> ever_first(t_.rules.size(), false);
    std::size_t gaps = 0;
    std::string first_gap;
    const bool wants_gaps = t_.default_outputs.empty() && t_.hit != ir::HitPolicy::collect && t_.hit != ir::HitPolicy::rule_order;
    for (std::size_t c = 0; c < combinations; ++c) {
      for (std::size_t k = 0; k < n_in; ++k) args[k] = reps[k][idx[k]];
      std::vector<std::size_t> matching;
      for (std::size_t r = 0; r < rules.size(); ++r)
        if (matches(rules[r], args)) matching.push_back(r);
      if (matching.empty() && wants_gaps) {
        if (gaps++ == 0) first_gap = witness(args);
      }
      if (!matching.empty()) ever_first[matching[0]] = true;
      if (matching.size() >= 2 && (t_.hit == ir::HitPolicy::unique || t_.hit == ir::HitPolicy::any)) {
        for (std::size_t a = 0; a + 1 < matching.size(); ++a)
          for (std::size_t b = a + 1; b < matching.size(); ++b) {
            const auto pair = std::pair{matching[a], matching[b]};
            if (overlaps.count(pair)) continue;
            if (t_.hit == ir::HitPolicy::any && same_outputs(pair.first, pair.second)) continue;
            overlaps.insert(pair);
            const auto& ra = t_.rules[pair.first];
            const auto& rb = t_.rules[pair.second];
            error(Diagnostic::make(DiagCode::overlapping_rules, rb.loc.span,
                                   fmt::format("rules {} and {} of table `{}` both match {}{}", pair.first + 1,
                                               pair.second + 1, t_.id, witness(args),
                                               t_.hit == ir::HitPolicy::any ? " with different outputs" : ""))
                      .label(fmt::format("rule {}", pair.second + 1))
                      .also(ra.loc.span, fmt::format("rule {}", pair.first + 1))
                      .with_help(fmt::format("under hit policy {} at most one rule may match; narrow a rule or use `hit: first`",
                                             ir::to_string(t_.hit))));
          }
      }
      for (std::size_t k = n_in; k-- > 0;) {
        if (++idx[k] < reps[k].size()) break;
        idx[k] = 0;
      }
      if (n_in == 0) break;
    }
    if (gaps > 0)
      error(Diagnostic::make(DiagCode::table_gap, t_.loc.span,
                             fmt::format("no rule of table `{}` matches {}{}", t_.id, first_gap,
                                         gaps > 1 ? fmt::format(" (and {} more kinds of input)", gaps - 1) : std::string{}))
                .label("incomplete table")
                .with_help("add a rule for these inputs or a `default`"));
    if (t_.hit == ir::HitPolicy::first)
      for (std::size_t r = 0; r < rules.size(); ++r)
        if (!ever_first[r])
          error(Diagnostic::make(DiagCode::unreachable_rule, t_.rules[r].loc.span,
                                 fmt::format("rule {} of table `{}` is never used: earlier rules match every input it matches",
                                             r + 1, t_.id))
                    .label("unreachable under hit policy first"));
  }

  bool same_outputs(std::size_t a, std::size_t b) const {
    for (std::size_t o = 0; o < t_.outputs.size(); ++o)
      if (t_.rules[a].outputs[o].text != t_.rules[b].outputs[o].text) return false;
    return true;
  }

  static bool test_holds(const Test& x, const Value& v) {
    switch (x.kind) {
      case UnaryTest::Kind::compare:
        if (x.op == BinaryOp::in || x.op == BinaryOp::not_in) {
          bool found = false;
          for (std::uint32_t k = 0; k < x.low.constant.size && !found; ++k) found = same_value(v, x.low.constant.l[k]);
          return found != (x.op == BinaryOp::not_in);
        }
        return compare(x.op, v, x.low.constant).is_true();
      case UnaryTest::Kind::interval:
        return compare(x.low_closed ? BinaryOp::ge : BinaryOp::gt, v, x.low.constant).is_true() &&
               compare(x.high_closed ? BinaryOp::le : BinaryOp::lt, v, x.high.constant).is_true();
      case UnaryTest::Kind::equals:
        if (x.low.constant.kind == ValueKind::list) {
          for (std::uint32_t k = 0; k < x.low.constant.size; ++k)
            if (same_value(v, x.low.constant.l[k])) return true;
          return false;
        }
        return same_value(v, x.low.constant);
      default: return false;
    }
  }
  static bool matches(const std::vector<Cell>& rule, const std::vector<Value>& args) {
    for (std::size_t k = 0; k < rule.size(); ++k) {
      const Cell& c = rule[k];
      if (c.any) continue;
      bool hit = false;
      for (const auto& x : c.tests) hit = hit || test_holds(x, args[k]);
      if (hit == c.negated) return false;
    }
    return true;
  }

  std::string witness(const std::vector<Value>& args) const {
    std::string s;
    for (std::size_t k = 0; k < args.size(); ++k) {
      std::string v = to_string(args[k]);
      if (args[k].kind == ValueKind::string && args[k].str() == other_text) v = "any other text";
      s += fmt::format("{}{} = {}", k ? ", " : "", t_.inputs[k].name, v);
    }
    return s.empty() ? "any input" : s;
  }

  static constexpr std::string_view other_text = "\x01other";

  std::vector<Value> representatives(std::size_t k, const std::vector<std::vector<Cell>>& rules,
                                     std::deque<std::string>& strings) const {
    const auto& col = t_.inputs[k];
    std::vector<Value> out;
    if (col.type == ir::FieldType::boolean) return {Value::boolean(false), Value::boolean(true)};
    if (col.type == ir::FieldType::enumeration) {
      for (const auto& v : col.values) out.push_back(Value::string(strings.emplace_back(v)));
      return out;
    }
    std::vector<Value> points;
    for (const auto& rule : rules)
      for (const auto& x : rule[k].tests) {
        auto add = [&](const Value& v) {
          if (v.kind == ValueKind::list)
            for (std::uint32_t e = 0; e < v.size; ++e) points.push_back(v.l[e]);
          else if (v.known())
            points.push_back(v);
        };
        add(x.low.constant);
        if (x.kind == UnaryTest::Kind::interval) add(x.high.constant);
      }
    if (col.type == ir::FieldType::string) {
      std::set<std::string_view> seen;
      for (const auto& p : points)
        if (p.kind == ValueKind::string && seen.insert(p.str()).second) out.push_back(p);
      out.push_back(Value::string(other_text));
      return out;
    }
    // Numbers and dates: the points, values between neighbours, and one beyond each end.
    const bool integral = col.type == ir::FieldType::integer || col.type == ir::FieldType::date;
    std::vector<double> xs;
    for (const auto& p : points) xs.push_back(p.kind == ValueKind::decimal ? p.d : static_cast<double>(p.i));
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    auto make = [&](double x) {
      if (col.type == ir::FieldType::date) return Value::date(static_cast<std::int64_t>(x));
      if (integral) return Value::integer(static_cast<std::int64_t>(x));
      return Value::decimal(x);
    };
    if (xs.empty()) return {make(0)};
    std::vector<double> cand;
    cand.push_back(integral ? std::floor(xs.front()) - 1 : xs.front() - 1);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      cand.push_back(xs[i]);
      if (integral) {
        cand.push_back(std::floor(xs[i]));
        cand.push_back(std::ceil(xs[i]));
      }
      if (i + 1 < xs.size()) {
        if (integral) {
          const double lo = std::floor(xs[i]) + 1;
          if (lo < xs[i + 1]) cand.push_back(lo);
        } else {
          cand.push_back((xs[i] + xs[i + 1]) / 2);
        }
      }
    }
    cand.push_back(integral ? std::ceil(xs.back()) + 1 : xs.back() + 1);
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    for (double x : cand)
      if (!integral || x == std::floor(x)) out.push_back(make(x));
    return out;
  }

  const ParsedTable& pt_;
  const ir::DecisionTable& t_;
  const Environment& env_;
  Diagnostics& out_;
  std::size_t max_combinations_;
  std::size_t errors_ = 0;
};

}  // namespace

bool check_table(const ParsedTable& t, const Environment& env, Diagnostics& out, std::size_t max_combinations) {
  return TableChecker(t, env, out, max_combinations).run();
}

void note_table_reads(const ParsedTable& t, Environment& env) {
  std::vector<std::uint32_t> fields, situations;
  auto names = [&](const Ast& ast) {
    for (const auto& n : ast.nodes) {
      if (n.kind != NodeKind::name) continue;
      // Resolved as the checker does: an undotted name is a situation first.
      if (n.text.find('.') == std::string::npos)
        if (auto s = env.situation(n.text)) { situations.push_back(*s); continue; }
      if (auto f = env.field(n.text)) fields.push_back(*f);
    }
  };
  for (const auto& rule : t.inputs)
    for (const auto& u : rule) names(u.ast);
  for (const auto& rule : t.outputs)
    for (const auto& a : rule) names(a);
  for (const auto& a : t.default_outputs) names(a);
  for (auto* v : {&fields, &situations}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  const auto index = env.table(t.table->id);
  if (index) env.note_table_reads(*index, std::move(fields), std::move(situations));
}

}  // namespace yishi::expr
