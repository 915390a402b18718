// Parsing and type checking of every expression of a bundle, in dependency order: decision
// tables first (conditions may call them), then situations, eligibility and `when`.
#include "yishi/check/expressions.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "yishi/dsl/parse.hpp"

namespace yishi {

namespace {

expr::SpanMap span_of(const ir::Expression& e) { return expr::SpanMap{e.loc.span, e.exact}; }

std::optional<CheckedExpression> condition(const ir::Expression& e, const expr::Environment& env, Diagnostics& out,
                                           std::string_view what) {
  auto ast = dsl::parse_expression(e.text, span_of(e), out);
  if (!ast) return std::nullopt;
  auto typed = expr::check_condition(*ast, env, span_of(e), out, what);
  if (!typed.ok) return std::nullopt;
  return CheckedExpression{std::move(*ast), std::move(typed)};
}

// Situations that use each other in a circle: reported once per circle; returns an order of
// the others.
std::vector<std::uint32_t> order_situations(const ir::Bundle& b, const BundleExpressions& x, Diagnostics& out,
                                            bool& ok) {
  const std::size_t n = b.situations.size();
  std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::uint32_t> order;
  for (std::uint32_t start = 0; start < n; ++start) {
    if (state[start]) continue;
    // Iterative depth-first search: (situation, next dependency to visit).
    std::vector<std::pair<std::uint32_t, std::size_t>> stack{{start, 0}};
    state[start] = 1;
    while (!stack.empty()) {
      auto& [s, k] = stack.back();
      const auto& deps = x.situations[s] ? x.situations[s]->typed.situations : std::vector<std::uint32_t>{};
      if (k < deps.size()) {
        const std::uint32_t d = deps[k++];
        if (state[d] == 0) {
          state[d] = 1;
          stack.push_back({d, 0});
        } else if (state[d] == 1) {
          std::string circle;
          auto from = std::find_if(stack.begin(), stack.end(), [&](const auto& e) { return e.first == d; });
          for (auto it = from; it != stack.end(); ++it) circle += fmt::format("`{}` → ", b.situations[it->first].id);
          circle += fmt::format("`{}`", b.situations[d].id);
          ok = false;
          out.add(Diagnostic::make(DiagCode::situation_cycle, b.situations[s].condition.loc.span,
                                   fmt::format("situations refer to each other in a circle: {}", circle))
                      .label(fmt::format("uses `{}`", b.situations[d].id))
                      .with_help("a situation can use other situations only if none of them uses it back"));
        }
      } else {
        state[s] = 2;
        order.push_back(s);
        stack.pop_back();
      }
    }
  }
  return order;
}

}  // namespace

expr::Environment environment_of(const ir::Bundle& b) {
  expr::Environment env;
  auto add = [&](const ir::Field& f) {
    if (env.field(f.id)) return;
    env.add_field(f.id, expr::type_of_field(f.type, f.multiple),
                  f.type == ir::FieldType::enumeration ? f.values : std::vector<std::string>{});
  };
  for (const auto& f : b.fields) add(f);
  for (const auto& it : b.items)
    for (const auto& fe : it.form)
      if (fe.inline_definition) add(*fe.inline_definition);
  for (const auto& s : b.situations)
    if (!env.situation(s.id)) env.add_situation(s.id);
  for (const auto& t : b.tables) {
    if (env.table(t.id)) continue;
    auto signature = expr::signature_of(t);
    // An enumerated input checks the texts passed to it against its values, through a
    // stand-in field (`#` keeps its id apart from every real field).
    for (std::size_t k = 0; k < t.inputs.size(); ++k)
      if (t.inputs[k].type == ir::FieldType::enumeration && !t.inputs[k].values.empty())
        signature.inputs[k].enumeration = static_cast<std::int32_t>(
            env.add_field(fmt::format("#{}.{}", t.id, t.inputs[k].name), expr::Type::string(), t.inputs[k].values));
    env.add_table(std::move(signature));
  }
  return env;
}

BundleExpressions check_expressions(const ir::Bundle& b, Diagnostics& out) {
  BundleExpressions x;
  x.env = environment_of(b);
  const auto before = out.error_count();

  for (const auto& t : b.tables) {
    expr::ParsedTable pt;
    pt.table = &t;
    bool parsed = true;
    for (const auto& rule : t.rules) {
      auto& ins = pt.inputs.emplace_back();
      auto& outs = pt.outputs.emplace_back();
      for (const auto& cell : rule.inputs) {
        auto u = dsl::parse_unary_tests(cell.text, span_of(cell), out);
        if (u) ins.push_back(std::move(*u));
        else parsed = false;
      }
      for (const auto& cell : rule.outputs) {
        auto a = dsl::parse_expression(cell.text, span_of(cell), out);
        if (a) outs.push_back(std::move(*a));
        else parsed = false;
      }
    }
    for (const auto& cell : t.default_outputs) {
      auto a = dsl::parse_expression(cell.text, span_of(cell), out);
      if (a) pt.default_outputs.push_back(std::move(*a));
      else parsed = false;
    }
    if (parsed && expr::check_table(pt, x.env, out)) {
      expr::note_table_reads(pt, x.env);
      x.tables.push_back(std::move(pt));
    } else {
      x.tables.push_back(std::nullopt);
    }
  }

  for (const auto& s : b.situations)
    x.situations.push_back(condition(s.condition, x.env, out, fmt::format("the condition of situation `{}`", s.id)));
  bool acyclic = true;
  x.situation_order = order_situations(b, x, out, acyclic);

  for (const auto& e : b.eligibility) x.eligibility.push_back(condition(e.condition, x.env, out, "an eligibility condition"));

  for (const auto& it : b.items) {
    auto& terms = x.when.emplace_back();
    for (const auto& w : it.when) terms.push_back(condition(w, x.env, out, fmt::format("the `when` of item `{}`", it.id)));
  }
  x.ok = out.error_count() == before && acyclic;
  return x;
}

}  // namespace yishi
