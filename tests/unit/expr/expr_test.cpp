// The expression language: grammar per construct, syntax errors at exact positions, the type
// checker's findings, three-valued evaluation, the function library and the limits.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include <fmt/format.h>

#include "yishi/dsl/parse.hpp"
#include "yishi/expr/expr.hpp"

using namespace yishi;
using expr::Value;

// Counts heap allocations while `counting` is set (this test executable only). The
// replacement operators pair malloc with free, which GCC cannot see through.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
bool counting = false;
std::size_t allocations = 0;
}  // namespace
void* operator new(std::size_t n) {
  if (counting) ++allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

// A field dictionary like a restaurant bundle's, and answers for it.
struct Fixture {
  expr::Environment env;
  SourceMap sources;
  std::vector<Value> fields;
  std::vector<Value> situations;
  Value categories[2] = {Value::string("raw_food"), Value::string("hot_food")};
  std::int64_t today = expr::day_number(std::chrono::sys_days{std::chrono::year{2025} / 6 / 15});

  Fixture() {
    env.add_field("premises.area_m2", expr::Type::decimal());                                       // 0
    env.add_field("premises.seats", expr::Type::integer());                                         // 1
    env.add_field("menu.kind", expr::Type::string(), {"hot_food", "cold_food", "drinks"});          // 2
    env.add_field("menu.categories", expr::Type::list_of(expr::Type::string()), {"hot_food", "raw_food", "pastry"});  // 3
    env.add_field("operator.birth_date", expr::Type::date());                                       // 4
    env.add_field("operator.name", expr::Type::string());                                           // 5
    env.add_field("sign.installed", expr::Type::boolean());                                         // 6
    env.add_field("operator.id_number", expr::Type::string());                                      // 7
    env.add_situation("large_venue");
    fields.assign(8, Value::unknown());
    fields[0] = Value::decimal(120.5);
    fields[1] = Value::integer(40);
    fields[2] = Value::string("hot_food");
    fields[3] = Value::list(categories, 2);
    fields[4] = Value::date(expr::day_number(std::chrono::sys_days{std::chrono::year{1990} / 6 / 16}));
    fields[5] = Value::string("张三");
    fields[6] = Value::boolean(false);
    fields[7] = Value::string("11010519491231002X");
    situations.assign(1, Value::boolean(true));
  }

  expr::SpanMap spans_for(std::string_view text) {
    const auto id = sources.add("expr", std::string(text));
    return {SourceSpan{id, 0, static_cast<std::uint32_t>(text.size())}, true};
  }

  // Parses, checks and compiles; fails the test with the diagnostics otherwise.
  std::optional<expr::Program> program(std::string_view text) {
    Diagnostics d;
    auto spans = spans_for(text);
    auto ast = dsl::parse_expression(text, spans, d);
    if (ast) {
      auto typed = expr::check(*ast, env, spans, d);
      if (typed.ok) return expr::compile(*ast, typed);
    }
    FAIL_CHECK(render_text(d, sources));
    return std::nullopt;
  }

  std::string eval(std::string_view text) {
    auto p = program(text);
    if (!p) return "<invalid>";
    expr::Evaluator ev;
    return expr::to_string(ev.run(*p, {.fields = fields, .situations = situations, .today = today}));
  }

  // The diagnostics of a bad expression, rendered without the source excerpt.
  struct Finding {
    std::string code;
    std::string message;
    std::string underlined;
    std::string help;
  };
  std::vector<Finding> errors(std::string_view text) {
    Diagnostics d;
    auto spans = spans_for(text);
    auto ast = dsl::parse_expression(text, spans, d);
    if (ast) (void)expr::check_condition(*ast, env, spans, d, "the condition");
    std::vector<Finding> out;
    for (const auto& x : d.items())
      out.push_back({code_string(x.code), x.message, std::string(sources.slice(x.span)), x.help});
    return out;
  }
};

}  // namespace

TEST_CASE("expr.grammar.literals") {
  Fixture f;
  CHECK(f.eval("42") == "42");
  CHECK(f.eval("-7") == "-7");
  CHECK(f.eval("3.25") == "3.25");
  CHECK(f.eval("\"开办\"") == "\"开办\"");
  CHECK(f.eval("'single'") == "\"single\"");
  CHECK(f.eval("\"a\\\"b\"") == "\"a\\\"b\"");
  CHECK(f.eval("true") == "true");
  CHECK(f.eval("2025-10-01") == "2025-10-01");
  CHECK(f.eval("5wd") == "5wd");
  CHECK(f.eval("1wd4wh") == "1wd4wh");
  CHECK(f.eval("[1, 2.5]") == "[1.0, 2.5]");
  CHECK(f.eval("[]") == "[]");
}

TEST_CASE("expr.grammar.precedence_and_associativity") {
  Fixture f;
  CHECK(f.eval("1 + 2 * 3") == "7");
  CHECK(f.eval("(1 + 2) * 3") == "9");
  CHECK(f.eval("10 - 4 - 3") == "3");  // left-associative
  CHECK(f.eval("7 / 2") == "3.5");     // `/` always yields a decimal
  CHECK(f.eval("not false and false") == "false");  // `not` binds tighter than `and`
  CHECK(f.eval("true or false and false") == "true");  // `and` binds tighter than `or`
  CHECK(f.eval("not not true") == "true");
  CHECK(f.eval("- -3 == 3") == "true");
  CHECK(f.eval("1 + 1 == 2 and 3 > 2") == "true");
}

TEST_CASE("expr.grammar.names_comparisons_and_membership") {
  Fixture f;
  CHECK(f.eval("premises.area_m2 >= 50") == "true");
  CHECK(f.eval("premises.seats < 40") == "false");
  CHECK(f.eval("premises.seats <= 40 and premises.seats != 41") == "true");
  CHECK(f.eval("menu.kind in [\"hot_food\", \"drinks\"]") == "true");
  CHECK(f.eval("menu.kind not in [\"hot_food\", \"drinks\"]") == "false");
  CHECK(f.eval("large_venue and not sign.installed") == "true");
  CHECK(f.eval("operator.birth_date < 2000-01-01") == "true");
  CHECK(f.eval("5wd > 1wd4wh") == "true");
  CHECK(f.eval("1wd == 8wh") == "true");  // eight working hours make a working day
}

TEST_CASE("expr.functions.library") {
  Fixture f;
  CHECK(f.eval("age(operator.birth_date)") == "34");  // the birthday is tomorrow
  CHECK(f.eval("age(operator.birth_date, 2025-06-16)") == "35");
  CHECK(f.eval("days_between(2025-01-01, 2025-03-01)") == "59");
  CHECK(f.eval("today()") == "2025-06-15");
  CHECK(f.eval("year(operator.birth_date) * 100 + month(operator.birth_date)") == "199006");
  CHECK(f.eval("len(operator.name)") == "2");  // characters, not bytes
  CHECK(f.eval("len(menu.categories)") == "2");
  CHECK(f.eval("contains(menu.categories, \"raw_food\")") == "true");
  CHECK(f.eval("contains(operator.name, \"三\")") == "true");
  CHECK(f.eval("starts_with(operator.name, \"张\") and ends_with(operator.name, \"三\")") == "true");
  CHECK(f.eval("any(menu.categories, it == \"raw_food\")") == "true");
  CHECK(f.eval("all(menu.categories, it in [\"raw_food\", \"hot_food\"])") == "true");
  CHECK(f.eval("count(menu.categories, it != \"pastry\")") == "2");
  CHECK(f.eval("matches(operator.id_number, \"id_card\")") == "true");
  CHECK(f.eval("matches(\"110105194912310021\", \"id_card\")") == "false");  // wrong check digit
  CHECK(f.eval("matches(\"13812345678\", \"mobile\")") == "true");
  CHECK(f.eval("matches(\"91350100M000100Y43\", \"credit_code\")") == "true");
  CHECK(f.eval("matches(\"91350100M000100Y44\", \"credit_code\")") == "false");
  CHECK(f.eval("matches(\"200001\", \"postcode\")") == "true");
  CHECK(f.eval("min(premises.seats, 10) + max(1, 2.5)") == "12.5");
}

TEST_CASE("expr.unknown.three_valued_logic") {
  Fixture f;
  f.fields[1] = Value::unknown();  // premises.seats unanswered
  CHECK(f.eval("premises.seats > 10") == "unknown");
  CHECK(f.eval("premises.seats > 10 and false") == "false");  // false decides `and`
  CHECK(f.eval("false and premises.seats > 10") == "false");
  CHECK(f.eval("premises.seats > 10 or true") == "true");     // true decides `or`
  CHECK(f.eval("premises.seats > 10 and true") == "unknown");
  CHECK(f.eval("not (premises.seats > 10)") == "unknown");
  CHECK(f.eval("premises.seats + 1") == "unknown");
  CHECK(f.eval("answered(premises.seats)") == "false");
  CHECK(f.eval("answered(premises.area_m2)") == "true");
  CHECK(f.eval("or_else(premises.seats, 0) >= 0") == "true");
  CHECK(f.eval("age(operator.birth_date) > 18 or premises.seats > 10") == "true");
  f.fields[3] = Value::unknown();
  CHECK(f.eval("any(menu.categories, it == \"raw_food\")") == "unknown");
  // A quantifier over a known list with an unknown element condition.
  f.fields[3] = Value::list(f.categories, 2);
  CHECK(f.eval("any(menu.categories, premises.seats > 3)") == "unknown");
  CHECK(f.eval("any(menu.categories, it == \"raw_food\" or premises.seats > 3)") == "true");
}

TEST_CASE("expr.errors.runtime_failures_are_values") {
  Fixture f;
  CHECK(f.eval("premises.seats / 0") == "error(division_by_zero)");
  CHECK(f.eval("9223372036854775807 + premises.seats") == "error(overflow)");
  CHECK(f.eval("premises.seats / 0 > 1 or true") == "error(division_by_zero)");
  CHECK(f.eval("false and premises.seats / 0 > 1") == "false");  // never evaluated
}

TEST_CASE("expr.syntax.errors_have_exact_positions") {
  Fixture f;
  auto e = f.errors("premises.area_m2 >= ");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E2001");
  CHECK(e[0].message == "expected a value, found the end of the text");

  e = f.errors("(premises.area_m2 > 50");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "expected `)`, found the end of the text");

  e = f.errors("premises.area_m2 > 50 50");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "unexpected `50` after the end of an expression");
  CHECK(e[0].underlined == "5");

  e = f.errors("menu.kind == \"hot");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "expected a closing quote, found the end of the text");

  e = f.errors("premises.area_m2 （ 5");
  REQUIRE(e.size() == 1);
  CHECK(e[0].underlined == "（");

  e = f.errors("operator.birth_date > 2025-13-01");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E2002");
  CHECK(e[0].underlined == "2025-13-01");

  e = f.errors("premises.seats > 99999999999999999999");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E2002");

  e = f.errors("operator.name == \"a\\qb\"");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E2002");
  CHECK(e[0].underlined == "\\q");
}

TEST_CASE("expr.check.unknown_names_with_suggestions") {
  Fixture f;
  auto e = f.errors("premises.area > 50");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E3003");
  CHECK(e[0].message == "unknown field `premises.area`");
  CHECK(e[0].underlined == "premises.area");
  CHECK(e[0].help == "did you mean `premises.area_m2`?");

  e = f.errors("large_venu and true");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E3005");
  CHECK(e[0].help == "did you mean `large_venue`?");

  e = f.errors("agee(operator.birth_date) > 3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E3009");
  CHECK(e[0].underlined == "agee");
  CHECK(e[0].help == "did you mean `age`?");

  e = f.errors("it == 3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "`it` is only defined inside `any`, `all` and `count`");
}

TEST_CASE("expr.check.type_errors") {
  Fixture f;
  auto e = f.errors("age(operator.name) > 18");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4003");
  CHECK(e[0].message == "`age` needs a date here, but this is text");
  CHECK(e[0].underlined == "operator.name");

  e = f.errors("premises.area_m2 > \"50\"");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "cannot compare decimal with text using `>`");

  e = f.errors("menu.categories == \"raw_food\"");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4003");
  CHECK(e[0].help.find("contains(field, value)") != std::string::npos);

  e = f.errors("menu.categories in [\"raw_food\"]");
  REQUIRE(e.size() == 1);
  CHECK(e[0].help.find("any(field, it in [...])") != std::string::npos);

  e = f.errors("premises.area_m2 and true");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "`and` needs yes/no values, but this is decimal");

  e = f.errors("operator.birth_date - 2025-01-01 > 3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].help == "use `days_between(a, b)` to count days between dates");

  e = f.errors("days_between(operator.birth_date) > 3");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4004");
  CHECK(e[0].message == "`days_between` takes 2 arguments, not 1");

  e = f.errors("matches(operator.name, \"idcard\")");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4004");
  CHECK(e[0].help == "did you mean \"id_card\"?");

  e = f.errors("menu.kind == \"hot_fod\"");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4005");
  CHECK(e[0].underlined == "\"hot_fod\"");
  CHECK(e[0].help == "did you mean \"hot_food\"?");

  e = f.errors("contains(menu.categories, \"rawfood\")");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4005");

  e = f.errors("premises.seats in [1, premises.seats]");
  REQUIRE(e.size() == 1);
  CHECK(e[0].message == "list elements must be literal values");

  e = f.errors("premises.area_m2 + 1");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E4006");

  // Several independent mistakes are all reported, without cascades.
  e = f.errors("age(operator.name) > 18 and menu.kind == \"x\" and nosuch.field");
  CHECK(e.size() == 3);
}

TEST_CASE("expr.limits.hostile_input_is_refused") {
  Fixture f;
  expr::Limits limits;
  std::string deep(40, '(');
  deep += "1";
  deep += std::string(40, ')');
  auto e = f.errors(deep);
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E6004");

  // Deep nesting without brackets: prefix operators and chains are loops, not recursion.
  std::string nots;
  for (int k = 0; k < 1500; ++k) nots += "not ";
  CHECK(f.eval(nots + "true") == "true");

  std::string chain = "1";
  for (int k = 0; k < 900; ++k) chain += " + 1";
  CHECK(f.eval(chain) == "901");
  for (int k = 0; k < 2000; ++k) chain += " + 1";
  e = f.errors(chain + " > 0");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E6004");

  std::string long_text = "operator.name == \"" + std::string(5000, 'x') + "\"";
  e = f.errors(long_text);
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E2002");

  e = f.errors(std::string(20000, ' ') + "true");
  REQUIRE(e.size() == 1);
  CHECK(e[0].code == "E6004");
}

TEST_CASE("expr.program.fuses_the_common_clause_and_short_circuits") {
  Fixture f;
  auto p = f.program("premises.area_m2 >= 50 and premises.seats > 20 and menu.kind == \"hot_food\"");
  REQUIRE(p);
  CHECK(p->size() == 8);  // three fused comparisons, two tests, two joins, ret
  CHECK(p->disassemble().find("compare_field 0 >= 50") != std::string::npos);
  CHECK(std::vector<std::uint32_t>(p->fields().begin(), p->fields().end()) == std::vector<std::uint32_t>{0, 1, 2});
}

TEST_CASE("expr.bind.answers_are_typed") {
  Fixture f;
  expr::Answers answers{{"premises.area_m2", std::int64_t{80}},
                        {"menu.kind", std::string("hot_food")},
                        {"menu.categories", std::vector<std::string>{"pastry"}},
                        {"operator.birth_date", std::string("1990-06-16")},
                        {"sign.installed", true}};
  auto b = expr::bind(f.env, answers);
  CHECK(b.errors.empty());
  CHECK(expr::to_string(b.slots[0]) == "80.0");
  CHECK(expr::to_string(b.slots[3]) == "[\"pastry\"]");
  CHECK(expr::to_string(b.slots[4]) == "1990-06-16");
  CHECK(b.slots[1].kind == expr::ValueKind::unknown);

  auto bad = expr::bind(f.env, {{"premises.seats", std::string("many")},
                                {"menu.kind", std::string("hot_fod")},
                                {"no.such", true},
                                {"sign.installed", true},
                                {"sign.installed", false}});
  REQUIRE(bad.errors.size() == 4);
  CHECK(bad.errors[0] == "field `premises.seats` needs an integer, but the answer is a text");
  CHECK(bad.errors[1] == "field `menu.kind` has no value \"hot_fod\"");
  CHECK(bad.errors[2] == "unknown field `no.such`");
  CHECK(bad.errors[3] == "field `sign.installed` is answered twice");
}

TEST_CASE("expr.evaluator.does_not_allocate_when_warm") {
  Fixture f;
  auto p = f.program("premises.area_m2 >= 50 and any(menu.categories, it == \"raw_food\") and age(operator.birth_date) > 18");
  REQUIRE(p);
  expr::Evaluator ev;
  const expr::Inputs in{.fields = f.fields, .situations = f.situations, .today = f.today};
  const Value first = ev.run(*p, in);  // sizes the stack
  CHECK(first.is_true());
  allocations = 0;
  counting = true;
  bool same = true;
  for (int k = 0; k < 1000; ++k) same = same && ev.run(*p, in).is_true();
  counting = false;
  CHECK(same);
  CHECK(allocations == 0);
}
