// Differential property tests of the expression language:
//  - parsing the text of a random expression tree gives that tree (with only the brackets
//    precedence needs, with redundant ones, blanks, line breaks and comments);
//  - the checker accepts every generated (well-typed) expression;
//  - the compiled evaluator (expr/program.cpp, expr/machine.cpp) gives the same value as a
//    plain tree walk written from docs/language.md (reference.hpp), on random answers with
//    missing ones, over every operator and function, with decision tables;
//  - decision tables (expr/table.cpp) agree with the reference on random inputs.
// YISHI_PROPERTY_CASES and YISHI_PROPERTY_SEED scale and reproduce a run.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <deque>

#include "generators.hpp"
#include "reference.hpp"

using namespace yishi;
using namespace yishi::property;
using reference::RValue;

namespace {

const ir::FieldType scope_types[] = {ir::FieldType::string,  ir::FieldType::integer,     ir::FieldType::decimal,
                                     ir::FieldType::boolean, ir::FieldType::date,        ir::FieldType::enumeration,
                                     ir::FieldType::id_card, ir::FieldType::enumeration, ir::FieldType::attachment,
                                     ir::FieldType::integer, ir::FieldType::decimal,     ir::FieldType::date};

// A random world for expressions: fields of every type, situations, decision tables.
struct World {
  ExprScope scope;
  std::deque<ir::DecisionTable> defs;        // stable addresses for the parsed tables
  std::deque<reference::Table> ref_tables;   // the reference's view of them
  std::vector<expr::ParsedTable> parsed;     // the library's view of them
  expr::Environment env;
  expr::TableSet tables;
  int tables_refused = 0;

  World(Rng& rng, bool with_tables, int max_tables = 2) {
    std::set<std::string> ids;
    const int n = rng.pick(2, 9);
    for (int k = 0; k < n; ++k) {
      const ir::FieldType ft = rng.one_of(scope_types);
      std::string id;
      do id = rng.chance(0.85) ? fmt::format("{}.{}", rng.one_of({"applicant", "premises", "menu", "x"}),
                                             rng.one_of({"a", "seats", "area_m2", "kind", "birth_date", "name", "n1"}))
                               : std::string(rng.one_of({"seats", "age_years", "flag", "large_venue"}));
      while (!ids.insert(id).second);
      ExprField f{id, expr::type_of_field(ft, false), {}};
      if (ft == ir::FieldType::enumeration) {
        const int nv = rng.pick(1, 4);
        for (int v = 0; v < nv * 2 && static_cast<int>(f.values.size()) < nv; ++v) {
          std::string value = random_enum_value(rng);
          if (std::find(f.values.begin(), f.values.end(), value) == f.values.end()) f.values.push_back(value);
        }
        f.type.list = rng.chance(0.4);
      }
      scope.fields.push_back(std::move(f));
    }
    const int ns = rng.pick(0, 3);
    for (int k = 0; k < ns; ++k) {
      // `large_venue` may also be a one-word field: the situation wins.
      std::string s = rng.one_of({"large_venue", "serves_raw", "outdoor_sign", "s1"});
      if (std::find(scope.situations.begin(), scope.situations.end(), s) == scope.situations.end()) scope.situations.push_back(s);
    }
    const expr::Environment fields_only = scope.environment();
    if (with_tables) {
      const int nt = rng.pick(0, max_tables);
      for (int k = 0; k < nt; ++k) {
        TableOptions to;
        defs.push_back(random_table(rng, fmt::format("t{}", k), scope, to));
        auto ref = reference::parse_table(defs.back());
        Diagnostics d;
        if (!ref) {
          FAIL_CHECK("a generated table does not parse: " << yaml::print(bundle_of(defs.back())));
          defs.pop_back();
          continue;
        }
        expr::ParsedTable pt{&defs.back(), ref->inputs, ref->outputs, ref->defaults};
        if (!expr::check_table(pt, fields_only, d)) {
          ++tables_refused;
          defs.pop_back();
          continue;
        }
        ref_tables.push_back(std::move(*ref));
        parsed.push_back(std::move(pt));
        scope.tables.push_back(table_signature(defs.back()));
      }
    }
    env = scope.environment();
    for (const auto& pt : parsed) tables.add(pt, env);
  }

  // The table in a bundle, to show it when something fails.
  static ir::Bundle bundle_of(const ir::DecisionTable& t) {
    ir::Bundle b;
    b.id = "shown";
    b.name = "表";
    b.tables.push_back(t);
    return b;
  }
  std::string show_tables() const {
    ir::Bundle b = bundle_of(ir::DecisionTable{});
    b.tables.assign(defs.begin(), defs.end());
    return dsl::print(b);
  }

  reference::Env reference_env(const expr::Answers& answers, const std::vector<expr::Value>& situations,
                               std::int64_t today) const {
    reference::Env e;
    for (const auto& f : scope.fields) {
      e.field_ids.push_back(f.id);
      e.field_types.push_back(f.type);
      e.fields.push_back(RValue::unknown());
    }
    for (const auto& [id, a] : answers)
      for (std::size_t k = 0; k < scope.fields.size(); ++k)
        if (scope.fields[k].id == id) e.fields[k] = reference::from_answer(a, scope.fields[k].type);
    for (std::size_t k = 0; k < scope.situations.size(); ++k) {
      const auto& v = situations[k];
      e.situations[scope.situations[k]] = v.kind == expr::ValueKind::boolean ? RValue::boolean(v.b) : RValue::unknown();
    }
    for (std::size_t k = 0; k < ref_tables.size(); ++k) e.tables[ref_tables[k].def->id] = &ref_tables[k];
    e.today = today;
    return e;
  }
};

std::string show_answers(const expr::Answers& answers) {
  std::string s;
  for (const auto& [id, a] : answers) {
    s += "  " + id + " = ";
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) s += quote_string(v);
          else if constexpr (std::is_same_v<T, std::chrono::sys_days>) s += date_text(v.time_since_epoch().count());
          else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            s += "[";
            for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + quote_string(v[k]);
            s += "]";
          } else if constexpr (std::is_same_v<T, bool>) s += v ? "true" : "false";
          else s += fmt::format("{}", v);
        },
        a);
    s += "\n";
  }
  return s;
}

}  // namespace

namespace {

void parse_and_check(std::uint64_t seed, int cases) {
  int failures = 0;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    World w(rng, true, 1);
    ExprOptions o;
    o.depth = rng.pick(1, 6);
    o.spacing = rng.chance(0.5);
    const GenExpr g = random_expression(rng, w.scope, std::nullopt, o);
    Diagnostics d;
    SourceMap sources;
    const auto id = sources.add("expr", g.text);
    const expr::SpanMap spans{SourceSpan{id, 0, static_cast<std::uint32_t>(g.text.size())}, true};
    auto ast = dsl::parse_expression(g.text, spans, d);
    if (!ast) {
      ++failures;
      FAIL_CHECK("a generated expression does not parse (" << rerun(s) << "):\n" << g.text << "\n" << render_text(d, sources));
      continue;
    }
    std::string why;
    if (!same_tree(g.ast, *ast, &why)) {
      ++failures;
      FAIL_CHECK("the parsed tree differs from the generated one (" << rerun(s) << "): " << why << "\n" << g.text);
      continue;
    }
    const expr::Typed typed = expr::check(*ast, w.env, spans, d);
    if (!typed.ok) {
      ++failures;
      FAIL_CHECK("the checker refuses a well-typed expression (" << rerun(s) << "):\n" << g.text << "\n"
                                                                  << render_text(d, sources) << w.show_tables());
    }
  }
}

void differential(std::uint64_t seed, int cases) {
  const int inputs_per_case = 4;
  int failures = 0, compared = 0, tables_refused = 0;
  std::map<std::string, int> outcomes;  // what the results were, to show the spread
  expr::Evaluator machine;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    World w(rng, rng.chance(0.5));
    tables_refused += w.tables_refused;
    ExprOptions o;
    o.depth = rng.pick(1, 5);
    o.spacing = rng.chance(0.2);
    const GenExpr g = random_expression(rng, w.scope, std::nullopt, o);
    Diagnostics d;
    auto ast = dsl::parse_expression(g.text, {}, d);
    if (!ast) continue;  // reported by the parsing property
    const expr::Typed typed = expr::check(*ast, w.env, {}, d);
    if (!typed.ok) continue;  // reported by the parsing property
    const expr::Program program = expr::compile(*ast, typed, &w.tables);
    for (int j = 0; j < inputs_per_case; ++j) {
      const expr::Answers answers = random_answers(rng, w.env, rng.pick(0, 4) / 8.0, w.scope.fields.size());
      const expr::Bound bound = expr::bind(w.env, answers);
      if (!bound.errors.empty()) FAIL("generated answers do not bind: " << bound.errors.front());
      std::vector<expr::Value> situations;
      for (std::size_t n = 0; n < w.scope.situations.size(); ++n)
        situations.push_back(rng.chance(0.2) ? expr::Value::unknown() : expr::Value::boolean(rng.chance(0.5)));
      const std::int64_t today = random_day(rng);
      const expr::Value got = machine.run(program, {.fields = bound.slots, .situations = situations, .today = today});
      const reference::Env env = w.reference_env(answers, situations, today);
      reference::Evaluator walker(env);
      const RValue want = walker.eval(*ast);
      ++compared;
      ++outcomes[want.kind == expr::ValueKind::error ? reference::to_string(want) : std::string(expr::to_string(want.kind))];
      if (!reference::same(want, got)) {
        ++failures;
        std::string sits;
        for (std::size_t n = 0; n < situations.size(); ++n)
          sits += fmt::format("  {} = {}\n", w.scope.situations[n], expr::to_string(situations[n]));
        FAIL_CHECK("the compiled evaluator disagrees with the reference (" << rerun(s) << ")\n  expression: " << g.text
                   << "\n  compiled:   " << expr::to_string(got) << " (" << std::string(expr::to_string(got.kind)) << ")"
                   << "\n  reference:  " << reference::to_string(want) << "\n  today:      " << date_text(today)
                   << "\nanswers:\n" << show_answers(answers) << "situations:\n" << sits
                   << (w.defs.empty() ? "" : "tables:\n" + w.show_tables()) << "program:\n" << program.disassemble());
        break;
      }
    }
  }
  std::string spread;
  for (const auto& [what, n] : outcomes) spread += fmt::format("{} {}, ", n, what);
  MESSAGE(compared << " evaluations compared; " << tables_refused << " generated tables refused by the checker; results: "
                   << spread);
  CHECK(compared >= cases * inputs_per_case * 9 / 10);
}

void tables(std::uint64_t seed, int cases) {
  int failures = 0, compared = 0, refused = 0;
  std::map<std::string, int> outcomes;
  expr::Evaluator machine;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    World w(rng, false);
    TableOptions to;
    to.max_rules = rng.pick(1, 8);
    ir::DecisionTable def = random_table(rng, "t", w.scope, to);
    auto ref = reference::parse_table(def);
    REQUIRE(ref);
    expr::ParsedTable pt{&def, ref->inputs, ref->outputs, ref->defaults};
    Diagnostics d;
    if (!expr::check_table(pt, w.env, d)) {
      ++refused;
      continue;
    }
    expr::TableSet set;
    set.add(pt, w.env);
    const int failures_before = failures;
    for (int j = 0; j < 6 && failures == failures_before; ++j) {
      // Inputs near the cells' values: small numbers, the columns' enum values, unknown.
      std::vector<expr::Value> args;
      std::vector<RValue> rargs;
      std::deque<std::string> texts;
      for (const auto& c : def.inputs) {
        if (rng.chance(0.15)) {
          args.push_back(expr::Value::unknown());
          rargs.push_back(RValue::unknown());
          continue;
        }
        switch (c.type) {
          case ir::FieldType::integer: {
            const std::int64_t v = rng.pick(-6, 201);
            args.push_back(expr::Value::integer(v));
            rargs.push_back(RValue::integer(v));
            break;
          }
          case ir::FieldType::decimal: {
            const double v = rng.pick(-50, 2001) / 4.0;
            args.push_back(expr::Value::decimal(v));
            rargs.push_back(RValue::decimal(v));
            break;
          }
          case ir::FieldType::boolean: {
            const bool v = rng.chance(0.5);
            args.push_back(expr::Value::boolean(v));
            rargs.push_back(RValue::boolean(v));
            break;
          }
          case ir::FieldType::date: {
            const auto v = random_day(rng);
            args.push_back(expr::Value::date(v));
            rargs.push_back(RValue::date(v));
            break;
          }
          default: {
            const std::string& v = texts.emplace_back(!c.values.empty() && rng.chance(0.8) ? rng.one_of(c.values)
                                                                                            : random_enum_value(rng));
            args.push_back(expr::Value::string(v));
            rargs.push_back(RValue::string(v));
            break;
          }
        }
      }
      const expr::Answers answers = random_answers(rng, w.env, 0.3, w.scope.fields.size());
      const expr::Bound bound = expr::bind(w.env, answers);
      const std::int64_t today = random_day(rng);
      const reference::Env env =
          w.reference_env(answers, std::vector<expr::Value>(w.scope.situations.size()), today);
      for (std::size_t o = 0; o < def.outputs.size(); ++o) {
        const expr::Value got = set.evaluate(0, static_cast<std::uint32_t>(o), args, machine,
                                             {.fields = bound.slots, .situations = {}, .today = today});
        reference::Evaluator walker(env);
        const RValue want = walker.table(*ref, o, rargs);
        ++compared;
        ++outcomes[want.kind == expr::ValueKind::error ? reference::to_string(want) : std::string(expr::to_string(want.kind))];
        if (!reference::same(want, got)) {
          ++failures;
          std::string in;
          for (std::size_t a = 0; a < args.size(); ++a) in += fmt::format("{}{}", a ? ", " : "", expr::to_string(args[a]));
          ir::Bundle shown = World::bundle_of(def);
          FAIL_CHECK("a decision table disagrees with the reference (" << rerun(s) << ")\n  inputs:    " << in
                     << "\n  output:    " << def.outputs[o].name << "\n  compiled:  " << expr::to_string(got) << " ("
                     << std::string(expr::to_string(got.kind)) << ")\n  reference: " << reference::to_string(want)
                     << "\n  detail:    " << machine.error_detail() << "\nanswers:\n" << show_answers(answers)
                     << dsl::print(shown));
          break;
        }
      }
    }
  }
  std::string spread;
  for (const auto& [what, n] : outcomes) spread += fmt::format("{} {}, ", n, what);
  MESSAGE(compared << " table evaluations compared; " << refused << " generated tables refused by the checker; results: "
                   << spread);
  CHECK(refused < cases / 3);
}

// The fields an unknown condition reads, as docs/language.md ("How the engine uses it")
// defines the fields to ask: the unanswered fields it names, those of the unknown situations
// it uses (not decided by the front desk), and those the decision tables it calls read.
struct Reads {
  const ir::Bundle& bundle;
  const reference::Env& env;
  const std::map<std::string, const reference::Table*>& tables;
  const std::set<std::string>& fixed;
  std::set<std::string> out;

  void expression(const expr::Ast& ast, std::uint32_t i, int quantifiers) {
    const expr::Node& n = ast.nodes[i];
    if (n.kind == expr::NodeKind::name) {
      if (n.text == "it" && quantifiers > 0) return;
      if (n.text.find('.') == std::string::npos && bundle.find_situation(n.text)) {
        const auto v = env.situations.find(n.text);
        if (!fixed.count(n.text) && v != env.situations.end() && v->second.kind == expr::ValueKind::unknown)
          condition(bundle.find_situation(n.text)->condition.text);
        return;
      }
      for (std::size_t k = 0; k < env.field_ids.size(); ++k)
        if (env.field_ids[k] == n.text && env.fields[k].kind == expr::ValueKind::unknown) out.insert(n.text);
      return;
    }
    if (n.kind == expr::NodeKind::call && n.text == "table") {
      std::string id = ast.nodes[n.children[0]].text;
      if (auto dot = id.find('.'); dot != std::string::npos) id = id.substr(0, dot);
      const reference::Table& t = *tables.at(id);
      for (const auto& rule : t.inputs)
        for (const auto& cell : rule) for (std::uint32_t k = 0; k < cell.ast.nodes.size(); ++k) expression(cell.ast, k, 1);
      for (const auto& rule : t.outputs)
        for (const auto& a : rule) expression(a, a.root, 0);
      for (const auto& a : t.defaults) expression(a, a.root, 0);
    }
    const bool quantifier = n.kind == expr::NodeKind::call && (n.text == "any" || n.text == "all" || n.text == "count");
    for (std::size_t c = 0; c < n.children.size(); ++c) expression(ast, n.children[c], quantifiers + (quantifier && c == 1));
  }
  void condition(const std::string& text) {
    Diagnostics d;
    const auto ast = dsl::parse_expression(text, {}, d);
    expression(*ast, ast->root, 0);
  }
};

// CompiledBundle::evaluate_conditions against the reference: situations (some decided by the
// front desk), eligibility, which items apply, and which fields to ask.
void bundle_conditions(std::uint64_t seed, int cases) {
  int failures = 0, compared = 0, undecided = 0, asked = 0;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    BundleOptions o;
    o.stages = false;
    o.approvals = false;
    const ir::Bundle ir = random_valid_bundle(rng, o);
    auto result = compile(ir);
    if (!result.compiled) continue;  // reported by the compile property
    const CompiledBundle& c = *result.compiled;
    const ir::Bundle& b = c.bundle();
    std::deque<reference::Table> ref_tables;
    std::map<std::string, const reference::Table*> tables;
    for (const auto& t : b.tables) tables[t.id] = &ref_tables.emplace_back(*reference::parse_table(t));
    auto parse = [](const std::string& text) {
      Diagnostics d;
      return *dsl::parse_expression(text, {}, d);
    };
    for (int j = 0; j < 4; ++j) {
      const expr::Answers answers = random_answers(rng, c.environment(), rng.pick(0, 4) / 4.0);
      std::vector<std::pair<std::string, bool>> decided;
      std::set<std::string> fixed;
      for (const auto& x : b.situations)
        if (rng.chance(0.2)) decided.emplace_back(x.id, rng.chance(0.5)), fixed.insert(x.id);
      const std::int64_t today = random_day(rng);
      const ConditionResult got = c.evaluate_conditions(answers, today, decided);

      reference::Env env;
      for (const auto& f : c.environment().fields()) {
        env.field_ids.push_back(f.id);
        env.field_types.push_back(f.type);
        env.fields.push_back(RValue::unknown());
      }
      for (const auto& [id, a] : answers)
        for (std::size_t n = 0; n < env.field_ids.size(); ++n)
          if (env.field_ids[n] == id) env.fields[n] = reference::from_answer(a, env.field_types[n]);
      env.tables = tables;
      env.today = today;
      std::string why;
      std::size_t errors = 0;
      // Situations in declaration order (the generator lets a situation use earlier ones only).
      for (std::size_t n = 0; n < b.situations.size(); ++n) {
        const auto& x = b.situations[n];
        const auto d = std::find_if(decided.begin(), decided.end(), [&](const auto& p) { return p.first == x.id; });
        RValue v = d != decided.end() ? RValue::boolean(d->second) : reference::Evaluator(env).eval(parse(x.condition.text));
        errors += v.kind == expr::ValueKind::error;
        if (why.empty() && !reference::same(v, got.situations[n]))
          why = fmt::format("situation `{}`: {} vs reference {}", x.id, expr::to_string(got.situations[n]), reference::to_string(v));
        env.situations[x.id] = v;
      }
      Reads reads{b, env, tables, fixed, {}};
      std::map<std::string, std::set<std::string>> deciding;
      std::vector<std::size_t> ineligible;
      for (std::size_t n = 0; n < b.eligibility.size(); ++n) {
        const RValue v = reference::Evaluator(env).eval(parse(b.eligibility[n].condition.text));
        errors += v.kind == expr::ValueKind::error;
        if (v.kind == expr::ValueKind::boolean && !v.b) ineligible.push_back(n);
        if (v.kind == expr::ValueKind::unknown) {
          reads.out.clear();
          reads.condition(b.eligibility[n].condition.text);
          for (const auto& f : reads.out) deciding[f].insert("eligibility");
        }
      }
      if (why.empty() && ineligible != got.ineligible) why = "ineligible conditions";
      for (std::size_t n = 0; n < b.items.size(); ++n) {
        std::vector<RValue> values;
        for (const auto& w : b.items[n].when) values.push_back(reference::Evaluator(env).eval(parse(w.text)));
        std::optional<bool> active = true;
        const bool any_false = std::any_of(values.begin(), values.end(), [](const RValue& v) {
          return v.kind == expr::ValueKind::boolean && !v.b;
        });
        for (std::size_t t = 0; t < values.size(); ++t) {
          errors += values[t].kind == expr::ValueKind::error;
          if (any_false) continue;
          if (!(values[t].kind == expr::ValueKind::boolean && values[t].b)) active.reset();
          if (values[t].kind == expr::ValueKind::unknown) {
            reads.out.clear();
            reads.condition(b.items[n].when[t].text);
            for (const auto& f : reads.out) deciding[f].insert(b.items[n].id);
          }
        }
        if (any_false) active = false;
        if (why.empty() && active != got.active[n])
          why = fmt::format("item `{}` active: {} vs reference {}", b.items[n].id,
                            got.active[n] ? (*got.active[n] ? "yes" : "no") : "undecided",
                            active ? (*active ? "yes" : "no") : "undecided");
      }
      std::vector<std::string> missing;
      std::vector<std::vector<std::string>> who;
      for (const auto& [f, w] : deciding) missing.push_back(f), who.push_back({w.begin(), w.end()});
      if (why.empty() && missing != got.missing_fields)
        why = fmt::format("fields to ask: [{}] vs reference [{}]", fmt::join(got.missing_fields, ", "), fmt::join(missing, ", "));
      if (why.empty() && who != got.deciding) why = "what the fields to ask decide";
      if (why.empty() && errors != got.errors.size())
        why = fmt::format("{} errors vs reference {}: {}", got.errors.size(), errors, fmt::join(got.errors, "; "));
      ++compared;
      undecided += !got.decided();
      asked += !got.missing_fields.empty();
      if (!why.empty()) {
        ++failures;
        std::string ds;
        for (const auto& [id, v] : decided) ds += fmt::format("  {} = {}\n", id, v);
        FAIL_CHECK("evaluate_conditions disagrees with the reference (" << rerun(s) << "): " << why << "\n  today: "
                   << date_text(today) << "\nanswers:\n" << show_answers(answers) << "decided:\n" << ds << dsl::print(ir));
        break;
      }
    }
  }
  MESSAGE(compared << " condition evaluations compared; " << undecided << " undecided, " << asked << " asking for fields");
}

}  // namespace

TEST_CASE("property.expr.parsing_the_text_of_a_tree_gives_the_tree_and_it_checks") {
  parse_and_check(base_seed(20261211), case_count());
}

TEST_CASE("property.expr.compiled_evaluator_agrees_with_a_tree_walking_evaluator") {
  differential(base_seed(20261212), case_count());
}

TEST_CASE("property.expr.decision_tables_agree_with_a_reference_evaluator") {
  tables(base_seed(20261213), case_count());
}

TEST_CASE("property.expr.bundle_conditions_agree_with_a_reference_evaluator") {
  bundle_conditions(base_seed(20261214), case_count());
}

