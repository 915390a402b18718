// The expression checker and decision tables decision by decision: each operator and function against each kind of operand, each table cell, hit policy and analysis.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "test_support.hpp"
#include "yishi/dsl/parse.hpp"

using namespace yishi;
using expr::Value;

namespace {

// Fields of every type, a situation and two decision-table signatures.
struct Env {
  expr::Environment env;
  SourceMap sources;
  std::vector<Value> fields;
  std::vector<Value> situations{Value::boolean(true)};
  Value kinds[2] = {Value::string("a"), Value::string("c")};

  Env() {
    env.add_field("shop.area", expr::Type::decimal());                                        // 0
    env.add_field("shop.seats", expr::Type::integer());                                       // 1
    env.add_field("shop.name", expr::Type::string());                                         // 2
    env.add_field("shop.opened", expr::Type::date());                                         // 3
    env.add_field("shop.licensed", expr::Type::boolean());                                    // 4
    env.add_field("shop.photo", expr::Type{expr::BaseType::attachment});                      // 5
    env.add_field("shop.kind", expr::Type::string(), {"food", "drink", "other"});             // 6
    env.add_field("shop.kinds", expr::Type::list_of(expr::Type::string()), {"a", "b", "c"});  // 7
    env.add_field("shop.zone", expr::Type::string(),
                  {"z1", "z2", "z3", "z4", "z5", "z6", "z7", "z8", "z9", "z10"});             // 8
    env.add_field("plain", expr::Type::integer());                                            // 9
    env.add_situation("busy");
    expr::TableSignature fee;
    fee.id = "fee";
    fee.inputs = {expr::Type::decimal(), env.fields()[6].type};
    fee.output_names = {"amount"};
    fee.output_types = {expr::Type::integer()};
    env.add_table(fee);
    expr::TableSignature risk;
    risk.id = "risk";
    risk.inputs = {expr::Type::integer()};
    risk.output_names = {"level", "points"};
    risk.output_types = {expr::Type::string(), expr::Type::decimal()};
    env.add_table(risk);
    fields.assign(10, Value::unknown());
    fields[0] = Value::decimal(80.5);
    fields[1] = Value::integer(12);
    fields[2] = Value::string("老街茶馆");
    fields[3] = Value::date(expr::day_number(std::chrono::sys_days{std::chrono::year{2020} / 3 / 1}));
    fields[4] = Value::boolean(true);
    fields[6] = Value::string("drink");
    fields[7] = Value::list(kinds, 2);
    fields[9] = Value::integer(-4);
  }

  expr::SpanMap spans_for(std::string_view text) {
    const auto id = sources.add("expr", std::string(text));
    return {SourceSpan{id, 0, static_cast<std::uint32_t>(text.size())}, true};
  }

  struct Finding {
    DiagCode code;
    std::string message;
    std::string underlined;
    std::string help;
  };
  // The findings of checking `text` (as a condition when `condition`).
  std::vector<Finding> findings(std::string_view text, bool condition = true, const expr::Limits& limits = {}) {
    Diagnostics d;
    auto spans = spans_for(text);
    auto ast = dsl::parse_expression(text, spans, d);
    if (ast) {
      if (condition) (void)expr::check_condition(*ast, env, spans, d, "the condition", limits);
      else (void)expr::check(*ast, env, spans, d, limits);
    }
    std::vector<Finding> out;
    for (const auto& x : d.items()) out.push_back({x.code, x.message, std::string(sources.slice(x.span)), x.help});
    return out;
  }
  // The type of a valid expression, or "<invalid>".
  std::string type_of(std::string_view text) {
    Diagnostics d;
    auto spans = spans_for(text);
    auto ast = dsl::parse_expression(text, spans, d);
    if (!ast) return "<invalid>";
    auto typed = expr::check(*ast, env, spans, d);
    if (!typed.ok) return "<invalid>";
    return expr::to_string(typed.type);
  }
  std::string eval(std::string_view text) {
    Diagnostics d;
    auto spans = spans_for(text);
    auto ast = dsl::parse_expression(text, spans, d);
    if (!ast) return "<syntax>";
    auto typed = expr::check(*ast, env, spans, d);
    if (!typed.ok) return "<invalid: " + render_text(d, sources) + ">";
    auto program = expr::compile(*ast, typed);
    expr::Evaluator ev;
    const std::int64_t today = expr::day_number(std::chrono::sys_days{std::chrono::year{2025} / 6 / 15});
    return expr::to_string(ev.run(program, {.fields = fields, .situations = situations, .today = today}));
  }
};

struct Bad {
  std::string_view text;
  DiagCode code;
  std::string_view message;     // exact
  std::string_view underlined;  // exact; empty: not checked
  std::string_view help;        // a fragment; empty: not checked
};

void check_bad(Env& e, const std::vector<Bad>& cases, bool condition = true) {
  for (const auto& k : cases) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text, condition);
    REQUIRE(f.size() == 1);
    CHECK(code_string(f[0].code) == code_string(k.code));
    CHECK(f[0].message == k.message);
    if (!k.underlined.empty()) CHECK(f[0].underlined == k.underlined);
    if (!k.help.empty()) CHECK(f[0].help.find(k.help) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("expr.paths.unary_operators_and_list_literals") {
  Env e;
  check_bad(e, {
                   {"not shop.seats", DiagCode::type_mismatch, "`not` needs a yes/no value, but this is integer", "shop.seats", ""},
                   {"not [true]", DiagCode::type_mismatch, "`not` needs a yes/no value, but this is list of yes/no", "[true]", ""},
                   {"-shop.name == \"x\"", DiagCode::type_mismatch, "cannot negate text", "shop.name", ""},
                   {"-[1] > 0", DiagCode::type_mismatch, "cannot negate list of integer", "[1]", ""},
                   {"-shop.licensed", DiagCode::type_mismatch, "cannot negate yes/no", "shop.licensed", ""},
                   {"-shop.opened == shop.opened", DiagCode::type_mismatch, "cannot negate date", "shop.opened", ""},
                   {"shop.seats in [1, \"a\"]", DiagCode::type_mismatch,
                    "a list holds values of one type: this is text, the first was integer", "\"a\"", ""},
                   {"shop.opened in [2025-01-01, 5wd]", DiagCode::type_mismatch,
                    "a list holds values of one type: this is working time, the first was date", "5wd", ""},
                   {"shop.seats in [-shop.seats]", DiagCode::type_mismatch, "list elements must be literal values",
                    "-shop.seats", "write the values themselves"},
                   {"shop.seats in [--1]", DiagCode::type_mismatch, "list elements must be literal values", "--1", ""},
               });
  CHECK(e.type_of("-5wd") == "working time");
  CHECK(e.type_of("-shop.area") == "decimal");
  CHECK(e.type_of("[-1, 2.5, -0.5]") == "list of decimal");
  CHECK(e.type_of("[true, false]") == "list of yes/no");
  CHECK(e.type_of("[2025-01-01]") == "list of date");
  CHECK(e.type_of("[]") == "list of any");
  CHECK(e.eval("-shop.seats") == "-12");
  CHECK(e.eval("-(1wd4wh)") == "-1wd4wh");
  CHECK(e.eval("shop.seats in [-1, 12]") == "true");
  CHECK(e.eval("not shop.licensed") == "false");
}

TEST_CASE("expr.paths.names_fields_situations_and_it") {
  Env e;
  CHECK(e.type_of("plain") == "integer");  // an undotted name that is no situation is a field
  CHECK(e.type_of("busy") == "yes/no");
  CHECK(e.type_of("shop.photo") == "attachment");
  CHECK(e.type_of("count(shop.kinds, any(shop.kinds, it == \"a\"))") == "integer");
  CHECK(e.eval("plain + 1") == "-3");
  CHECK(e.eval("count(shop.kinds, it != \"b\") + count([1, 2, 3], it > 1)") == "4");
  check_bad(e, {
                   {"zzz.qqq > 1", DiagCode::unknown_field, "unknown field `zzz.qqq`", "zzz.qqq", ""},
                   {"qwertyuiop", DiagCode::unknown_situation, "unknown situation `qwertyuiop`", "qwertyuiop", ""},
                   {"bussy", DiagCode::unknown_situation, "unknown situation `bussy`", "bussy", "did you mean `busy`?"},
                   {"any(shop.kinds, true) and it", DiagCode::unknown_field,
                    "`it` is only defined inside `any`, `all` and `count`", "it", "any(list, it"},
               });
  for (const auto& f : e.findings("zzz.qqq > 1")) CHECK(f.help.empty());
  for (const auto& f : e.findings("qwertyuiop")) CHECK(f.help.empty());
}

TEST_CASE("expr.paths.enum_values_in_comparisons_and_lists") {
  Env e;
  check_bad(e, {
                   {"shop.zone == \"qqqqqq\"", DiagCode::not_an_enum_value, "\"qqqqqq\" is not a value of `shop.zone`", "\"qqqqqq\"",
                    "the values are z1, z2, z3, z4, z5, z6, z7, z8, ..."},
                   {"shop.kind != \"qqqqqq\"", DiagCode::not_an_enum_value, "\"qqqqqq\" is not a value of `shop.kind`", "",
                    "the values are food, drink, other"},
                   {"\"fod\" == shop.kind", DiagCode::not_an_enum_value, "\"fod\" is not a value of `shop.kind`", "\"fod\"",
                    "did you mean \"food\"?"},
                   {"shop.kind in [\"food\", \"drnk\"]", DiagCode::not_an_enum_value, "\"drnk\" is not a value of `shop.kind`",
                    "\"drnk\"", "did you mean \"drink\"?"},
                   {"shop.kind not in [\"zzzzzz\"]", DiagCode::not_an_enum_value, "\"zzzzzz\" is not a value of `shop.kind`", "", ""},
                   {"\"d\" in shop.kinds", DiagCode::not_an_enum_value, "\"d\" is not a value of `shop.kinds`", "\"d\"", ""},
                   {"contains(shop.kinds, \"qqqq\")", DiagCode::not_an_enum_value, "\"qqqq\" is not a value of `shop.kinds`", "", ""},
               });
  CHECK(e.findings("shop.kind == shop.name").empty());  // not a literal: nothing to check
  CHECK(e.findings("shop.kind in [\"food\", \"other\"]").empty());
  CHECK(e.findings("\"a\" not in shop.kinds").empty());
  CHECK(e.eval("\"c\" in shop.kinds") == "true");
  CHECK(e.eval("\"b\" not in shop.kinds") == "true");
}

TEST_CASE("expr.paths.and_or_need_yes_no_on_each_side") {
  Env e;
  check_bad(e, {
                   {"true or shop.seats", DiagCode::type_mismatch, "`or` needs yes/no values, but this is integer", "shop.seats", ""},
                   {"[true] and true", DiagCode::type_mismatch, "`and` needs yes/no values, but this is list of yes/no", "[true]", ""},
                   {"shop.name or busy", DiagCode::type_mismatch, "`or` needs yes/no values, but this is text", "shop.name",
                    "compare it with something"},
               });
  CHECK(e.findings("true and shop.seats and shop.name").size() == 2);
}

TEST_CASE("expr.paths.equality_by_operand_types") {
  Env e;
  struct Mismatch {
    std::string_view text;
    std::string_view message;
    std::string_view help;  // exact
  };
  const std::vector<Mismatch> cases = {
      {"shop.seats == \"12\"", "cannot compare integer with text using `==`",
       "a number and a text never compare; remove the quotes around the number or compare with a text"},
      {"\"12\" != shop.area", "cannot compare text with decimal using `!=`",
       "a number and a text never compare; remove the quotes around the number or compare with a text"},
      {"shop.photo == shop.photo", "cannot compare attachment with attachment using `==`", ""},
      {"shop.opened == 5wd", "cannot compare date with working time using `==`", ""},
      {"shop.licensed != 1", "cannot compare yes/no with integer using `!=`", ""},
      {"[1] == 1", "cannot compare list of integer with integer using `==`",
       "for a multiple-choice field, write `contains(field, value)` or `any(field, it == value)`"},
      {"shop.kinds == [1]", "cannot compare list of text with list of integer using `==`",
       "for a multiple-choice field, write `contains(field, value)` or `any(field, it == value)`"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::type_mismatch);
    CHECK(f[0].message == k.message);
    CHECK(f[0].underlined == k.text);
    CHECK(f[0].help == k.help);
  }
  for (std::string_view ok : {"shop.kinds == []", "[] != shop.kinds", "[1, 2] == [3]", "shop.kinds == shop.kinds",
                              "shop.seats == shop.area", "5wd == 40wh", "shop.licensed == busy"}) {
    CAPTURE(ok);
    CHECK(e.findings(ok).empty());
  }
  CHECK(e.eval("[1, 2] == [1, 2]") == "true");
  CHECK(e.eval("shop.kinds == [\"a\", \"c\"]") == "true");
  CHECK(e.eval("shop.kinds != [\"c\", \"a\"]") == "true");
  CHECK(e.eval("shop.seats == 12.0") == "true");
  CHECK(e.eval("shop.opened == 2020-03-01") == "true");
}

TEST_CASE("expr.paths.ordering_by_operand_types") {
  Env e;
  struct Ordering {
    std::string_view text;
    std::string_view message;
  };
  for (const auto& k : std::vector<Ordering>{
           {"true < false", "cannot compare yes/no with yes/no using `<`"},
           {"shop.kinds <= shop.kinds", "cannot compare list of text with list of text using `<=`"},
           {"shop.opened > 5wd", "cannot compare date with working time using `>`"},
           {"shop.seats >= shop.name", "cannot compare integer with text using `>=`"},
           {"shop.photo < shop.photo", "cannot compare attachment with attachment using `<`"},
           {"[1] > 0", "cannot compare list of integer with integer using `>`"},
       }) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::type_mismatch);
    CHECK(f[0].message == k.message);
  }
  CHECK(e.eval("\"apple\" < \"banana\"") == "true");
  CHECK(e.eval("shop.name >= \"老\"") == "true");
  CHECK(e.eval("shop.opened <= 2020-03-01 and shop.opened > 2020-02-29") == "true");
  CHECK(e.eval("1wd4wh > 1wd and 8wh <= 1wd") == "true");
  CHECK(e.eval("shop.seats > 11.5") == "true");
}

TEST_CASE("expr.paths.membership_needs_one_value_and_a_list") {
  Env e;
  check_bad(e, {
                   {"shop.seats in 3", DiagCode::type_mismatch, "`in` needs a list on its right, but this is integer", "3",
                    "write a list, e.g. `x in [\"a\", \"b\"]`"},
                   {"shop.name not in shop.name", DiagCode::type_mismatch, "`not in` needs a list on its right, but this is text",
                    "shop.name", ""},
                   {"shop.kinds not in [\"a\"]", DiagCode::type_mismatch, "`not in` tests one value, but this is list of text",
                    "shop.kinds", "any(field, it in [...])"},
                   {"3 in [\"a\"]", DiagCode::type_mismatch, "cannot compare integer with list of text using `in`", "3 in [\"a\"]",
                    "a number and a text never compare"},
                   {"shop.photo in [1]", DiagCode::type_mismatch, "cannot compare attachment with list of integer using `in`", "", ""},
               });
  CHECK(e.findings("shop.seats in []").empty());
  CHECK(e.findings("shop.seats in [1, 2.5]").empty());
  CHECK(e.eval("shop.seats in []") == "false");
  CHECK(e.eval("shop.area not in [80, 80.5]") == "false");
  CHECK(e.eval("shop.opened in [2020-03-01]") == "true");
  CHECK(e.eval("8wh in [1wd]") == "true");
}

TEST_CASE("expr.paths.arithmetic_by_operand_types") {
  Env e;
  struct Arith {
    std::string_view text;
    std::string_view message;
    std::string_view help;
  };
  for (const auto& k : std::vector<Arith>{
           {"5wd * 2 > 1wd", "`*` cannot combine working time and integer", "arithmetic needs numbers"},
           {"5wd / 1wd > 1", "`/` cannot combine working time and working time", "arithmetic needs numbers"},
           {"shop.name + \"x\" == \"y\"", "`+` cannot combine text and text", "arithmetic needs numbers"},
           {"1 + shop.opened == shop.opened", "`+` cannot combine integer and date", "use `days_between(a, b)`"},
           {"5wd - 1 > 1wd", "`-` cannot combine working time and integer", "arithmetic needs numbers"},
           {"shop.licensed + 1 > 1", "`+` cannot combine yes/no and integer", "arithmetic needs numbers"},
           {"[1] + [2] == [3]", "`+` cannot combine list of integer and list of integer", "arithmetic needs numbers"},
       }) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::type_mismatch);
    CHECK(f[0].message == k.message);
    CHECK(f[0].help.find(k.help) != std::string::npos);
  }
  // An operand already reported does not cascade.
  CHECK(e.findings("nosuch.field + 1 > 2").size() == 1);
  CHECK(e.type_of("5wd + 1wd") == "working time");
  CHECK(e.type_of("5wd - 4wh") == "working time");
  CHECK(e.type_of("shop.seats * 2") == "integer");
  CHECK(e.type_of("shop.seats * 2.0") == "decimal");
  CHECK(e.type_of("shop.seats / 2") == "decimal");
  CHECK(e.eval("5wd + 1wd") == "6wd");
  CHECK(e.eval("5wd - 4wh") == "4wd4wh");
  CHECK(e.eval("shop.seats - 20") == "-8");
  CHECK(e.eval("shop.seats * 0.5") == "6.0");
  CHECK(e.eval("shop.area / 0") == "error(division_by_zero)");
  CHECK(e.eval("shop.seats / 4") == "3.0");
}

TEST_CASE("expr.paths.function_arity_messages") {
  Env e;
  check_bad(e, {
                   {"year() > 1", DiagCode::wrong_arguments, "`year` takes 1 argument, not 0", "year()", "year(date)"},
                   {"age(shop.opened, shop.opened, shop.opened) > 1", DiagCode::wrong_arguments, "`age` takes 1 or 2 arguments, not 3", "", ""},
                   {"today(1) > shop.opened", DiagCode::wrong_arguments, "`today` takes 0 arguments, not 1", "", ""},
                   {"any(shop.kinds) ", DiagCode::wrong_arguments, "`any` takes 2 arguments, not 1", "", ""},
                   {"frobnicate(1, 2)", DiagCode::unknown_function, "unknown function `frobnicate`", "frobnicate",
                    "docs/language.md lists the functions"},
               });
  {
    const auto f = e.findings("table() > 1");
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::wrong_arguments);
    CHECK(f[0].message == "`table` takes at least 1 argument, not 0");
  }
  // Unknown function: its arguments are still checked.
  CHECK(e.findings("frobnicate(nosuch.x)").size() == 2);
  CHECK(e.findings("year(nosuch.x, 1) > 1").size() == 2);
}

TEST_CASE("expr.paths.function_argument_types") {
  Env e;
  struct Arg {
    std::string_view text;
    std::string_view message;
    std::string_view underlined;
  };
  for (const auto& k : std::vector<Arg>{
           {"age(shop.opened, \"2025-01-01\") > 1", "`age` needs a date here, but this is text", "\"2025-01-01\""},
           {"days_between(shop.name, shop.opened) > 1", "`days_between` needs a date here, but this is text", "shop.name"},
           {"days_between(shop.opened, 3) > 1", "`days_between` needs a date here, but this is integer", "3"},
           {"year(5wd) > 1", "`year` needs a date here, but this is working time", "5wd"},
           {"month(shop.seats) > 1", "`month` needs a date here, but this is integer", "shop.seats"},
           {"len(shop.seats) > 1", "`len` needs a text or a list here, but this is integer", "shop.seats"},
           {"contains(3, \"a\")", "`contains` needs a text or a list here, but this is integer", "3"},
           {"contains(shop.name, 3)", "`contains` needs a text here, but this is integer", "3"},
           {"contains(shop.name, shop.kinds)", "`contains` needs a text here, but this is list of text", "shop.kinds"},
           {"starts_with(shop.kinds, \"a\")", "`starts_with` needs a text here, but this is list of text", "shop.kinds"},
           {"ends_with(shop.name, 1)", "`ends_with` needs a text here, but this is integer", "1"},
           {"matches(shop.seats, \"mobile\")", "`matches` needs a text here, but this is integer", "shop.seats"},
       }) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::type_mismatch);
    CHECK(f[0].message == k.message);
    CHECK(f[0].underlined == k.underlined);
  }
  check_bad(e, {
                   {"matches(shop.name, shop.name)", DiagCode::wrong_arguments,
                    "the format of `matches` must be written as one of \"id_card\", \"mobile\", \"credit_code\", \"postcode\"",
                    "shop.name", ""},
                   {"matches(shop.name, \"qqqqqqqqqq\")", DiagCode::wrong_arguments,
                    "the format of `matches` must be written as one of \"id_card\", \"mobile\", \"credit_code\", \"postcode\"",
                    "\"qqqqqqqqqq\"", ""},
               });
  for (const auto& f : e.findings("matches(shop.name, shop.name)")) CHECK(f.help.empty());
  for (const auto& f : e.findings("matches(shop.name, \"qqqqqqqqqq\")")) CHECK(f.help.empty());
  CHECK(e.eval("len(\"茶馆\") + len([1, 2, 3])") == "5");
  CHECK(e.eval("contains(shop.name, \"茶\")") == "true");
  CHECK(e.eval("contains([1, 2], 2.0)") == "true");
  CHECK(e.eval("contains(shop.kinds, \"b\")") == "false");
  CHECK(e.eval("ends_with(shop.name, \"老街\")") == "false");
  CHECK(e.eval("year(shop.opened) * 100 + month(shop.opened)") == "202003");
  CHECK(e.eval("days_between(shop.opened, 2020-03-31)") == "30");
  CHECK(e.eval("age(2000-06-16)") == "24");
}

TEST_CASE("expr.paths.or_else_min_and_max") {
  Env e;
  CHECK(e.type_of("or_else(shop.seats, 0)") == "integer");
  CHECK(e.type_of("or_else(shop.seats, 0.5)") == "decimal");
  CHECK(e.type_of("or_else(shop.name, \"x\")") == "text");
  CHECK(e.type_of("or_else(shop.kinds, [])") == "list of text");
  CHECK(e.type_of("min(shop.opened, 2025-01-01)") == "date");
  CHECK(e.type_of("max(1wd, 4wh)") == "working time");
  CHECK(e.type_of("max(shop.seats, 2.5)") == "decimal");
  // A reported argument does not cascade into the result.
  CHECK(e.findings("or_else(nosuch.x, 1) > 0").size() == 1);
  e.fields[1] = Value::unknown();
  CHECK(e.eval("or_else(shop.seats, 2.5)") == "2.5");
  CHECK(e.eval("min(shop.seats, 3)") == "unknown");
  CHECK(e.eval("max(shop.opened, 2025-01-01)") == "2025-01-01");
  CHECK(e.eval("min(1wd, 4wh)") == "4wh");
}

TEST_CASE("expr.paths.quantifiers") {
  Env e;
  check_bad(e, {
                   {"any(shop.name, true)", DiagCode::type_mismatch, "`any` needs a list first, but this is text", "shop.name",
                    "any(list, condition on `it`)"},
                   {"all(shop.kinds, it)", DiagCode::type_mismatch, "the condition of `all` must be yes/no, but this is text", "it", ""},
                   {"count(shop.kinds, [true]) > 1", DiagCode::type_mismatch,
                    "the condition of `count` must be yes/no, but this is list of yes/no", "[true]", ""},
               });
  CHECK(e.findings("any(nosuch.x, it > 1)").size() == 1);  // `it` of an unknown list is not reported again
  CHECK(e.eval("all([], it > 1)") == "true");
  CHECK(e.eval("any([], it > 1)") == "false");
  CHECK(e.eval("all([1, 2], any([2, 3], it > 2))") == "true");
}

TEST_CASE("expr.paths.table_calls") {
  Env e;
  check_bad(e, {
                   {"table(shop.name, 1) > 0", DiagCode::wrong_arguments,
                    "the table of `table` must be written as a text, e.g. `table(\"fee\", ...)`", "shop.name", ""},
                   {"table(\"qqqqqq\", 1) > 0", DiagCode::unknown_table, "unknown decision table `qqqqqq`", "\"qqqqqq\"", ""},
                   {"table(\"fe\", 1, \"food\") > 0", DiagCode::unknown_table, "unknown decision table `fe`", "", "did you mean `fee`?"},
                   {"table(\"risk\", 1) == \"x\"", DiagCode::unknown_table,
                    "table `risk` has 2 outputs; name one, e.g. \"risk.level\"", "\"risk\"", ""},
                   {"table(\"risk.grade\", 1) == \"x\"", DiagCode::unknown_table, "table `risk` has no output `grade`", "", ""},
                   {"table(\"fee.amount\", 1) > 0", DiagCode::wrong_arguments, "table `fee` takes 2 inputs, not 1", "", ""},
                   {"table(\"risk.level\") == \"x\"", DiagCode::wrong_arguments, "table `risk` takes 1 input, not 0", "", ""},
                   {"table(\"fee\", shop.area, 3) > 0", DiagCode::type_mismatch, "input 2 of table `fee` is text, but this is integer",
                    "3", ""},
                   {"table(\"fee\", shop.area, \"fod\") > 0", DiagCode::not_an_enum_value, "\"fod\" is not a value of `shop.kind`",
                    "\"fod\"", ""},
               });
  for (const auto& f : e.findings("table(\"qqqqqq\", 1) > 0")) CHECK(f.help.empty());
  CHECK(e.type_of("table(\"risk.points\", shop.seats)") == "decimal");
  CHECK(e.type_of("table(\"risk.level\", 2.5)") == "text");  // numbers are comparable inputs
  CHECK(e.type_of("table(\"fee\", shop.seats, shop.kind)") == "integer");
  CHECK(e.findings("table(\"fee\", nosuch.x, \"food\") > 0").size() == 1);  // argument errors are not repeated
  e.env.tables_callable = false;
  check_bad(e, {{"table(\"fee\", 1, \"food\") > 0", DiagCode::wrong_arguments, "a decision-table cell cannot call `table`", "", ""}});
}

TEST_CASE("expr.paths.conditions_must_be_yes_or_no") {
  Env e;
  struct Cond {
    std::string_view text;
    std::string_view type;
  };
  for (const auto& k : std::vector<Cond>{{"shop.kinds", "list of text"},
                                         {"shop.photo", "attachment"},
                                         {"5wd", "working time"},
                                         {"shop.opened", "date"},
                                         {"[true]", "list of yes/no"},
                                         {"shop.area", "decimal"}}) {
    CAPTURE(k.text);
    const auto f = e.findings(k.text);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == DiagCode::condition_not_boolean);
    CHECK(f[0].message == fmt::format("the condition must be yes or no, but this expression is {}", k.type));
    CHECK(f[0].underlined == k.text);
  }
  CHECK(e.findings("shop.kinds", false).empty());  // as a value it is fine
  CHECK(e.findings("nosuch.x").size() == 1);      // an error already reported: no second finding
}

TEST_CASE("expr.paths.node_limit_is_reported_once") {
  Env e;
  expr::Limits tight;
  tight.max_nodes = 4;
  const auto f = e.findings("1 + 2 + 3 > 0", true, tight);
  REQUIRE(f.size() == 1);
  CHECK(f[0].code == DiagCode::expression_too_complex);
  CHECK(f[0].message == "the expression has 7 parts; the limit is 4");
  CHECK(e.findings("1 > 0", true, tight).empty());
}

// ---- Decision tables ------------------------------------------------------------------

namespace {

// A DSL bundle with the given table declarations; checked and, when clean of errors, compiled.
struct Tables {
  SourceMap sources;
  Diagnostics diagnostics;
  std::optional<CompiledBundle> compiled;
  expr::Evaluator ev;

  explicit Tables(std::string_view body) {
    auto r = dsl::load_text(sources, "tables.yi", fmt::format(R"yi(bundle b "表" version 1 {{
  lead d
  department d "部门"
  field premises.area_m2 decimal "面积"
  field premises.seats int "座位"
{}
  item i "项" by d {{ statutory 1wd  promised 1wd }}
}}
)yi", body));
    diagnostics = r.diagnostics;
    if (r.bundle) {
      diagnostics.append(check(*r.bundle));
      if (!diagnostics.has_errors()) compiled = compile(*r.bundle).compiled;
    }
  }
  [[nodiscard]] std::string text() const { return render_text(diagnostics, sources); }
  [[nodiscard]] std::vector<const Diagnostic*> all(DiagCode c) const {
    std::vector<const Diagnostic*> out;
    for (const auto& d : diagnostics.items())
      if (d.code == c) out.push_back(&d);
    return out;
  }
  [[nodiscard]] const Diagnostic* find(DiagCode c) const {
    auto v = all(c);
    return v.empty() ? nullptr : v.front();
  }
  [[nodiscard]] std::string underlined(const Diagnostic& d) const { return std::string(sources.slice(d.span)); }
  // No finding about the tables (the fixture's unused fields and its item without materials aside).
  [[nodiscard]] bool tables_clean() const {
    return std::all_of(diagnostics.items().begin(), diagnostics.items().end(), [](const Diagnostic& d) {
      return d.code == DiagCode::unused_field || d.code == DiagCode::item_without_materials;
    });
  }
  std::string eval(std::string_view table, std::vector<Value> args, std::uint32_t output = 0, const expr::Inputs& in = {}) {
    REQUIRE(compiled);
    const auto k = compiled->tables().find(table);
    REQUIRE(k);
    return expr::to_string(compiled->tables().evaluate(*k, output, args, ev, in));
  }
};

Value date(int y, unsigned m, unsigned d) {
  return Value::date(expr::day_number(std::chrono::sys_days{std::chrono::year{y} / static_cast<int>(m) / static_cast<int>(d)}));
}

}  // namespace

TEST_CASE("expr.paths.table_structure_errors") {
  struct Structure {
    std::string_view what;
    std::string_view table;
    std::string_view message;
    std::string_view underlined;
  };
  for (const auto& k : std::vector<Structure>{
           {"no outputs", "table t hit first {\n    input x int\n    rule - =>\n  }", "table `t` has no outputs", ""},
           {"sum of texts", "table t hit collect sum {\n    input x int\n    output y string\n    rule - => \"a\"\n  }",
            "aggregation `sum` adds numbers, but output `y` has type `string`", "y"},
           {"an unsupported column", "table t hit first {\n    input x phone\n    output y int\n    rule - => 1\n  }",
            "column `x` has type `phone`; tables take int, decimal, string, bool, date or enum", "x"},
           {"an unsupported output", "table t hit first {\n    input x int\n    output y attachment\n    rule - => 1\n  }",
            "column `y` has type `attachment`; tables take int, decimal, string, bool, date or enum", "y"},
           {"a default of the wrong size", "table t hit first {\n    input x int\n    output y int\n    output z int\n    rule - => 1 | 2\n    default 0\n  }",
            "the default of table `t` has 1 values; the table has 2 outputs", "0"},
       }) {
    CAPTURE(k.what);
    Tables t(k.table);
    INFO(t.text());
    const Diagnostic* d = t.find(DiagCode::invalid_table);
    REQUIRE(d);
    CHECK(d->message == k.message);
    if (!k.underlined.empty()) CHECK(t.underlined(*d) == k.underlined);
    CHECK(t.all(DiagCode::invalid_table).size() == 1);
  }
}

TEST_CASE("expr.paths.table_cell_type_errors") {
  struct CellError {
    std::string_view what;
    std::string_view rules;
    DiagCode code;
    std::string_view message;
  };
  const std::string head = "table t hit first {\n    input area decimal\n    input kind enum [food, drink]\n    output fee int\n    output level enum [high, low]\n";
  for (const auto& k : std::vector<CellError>{
           {"a text in an interval", "    rule [\"a\"..10] | - => 1 | \"low\"", DiagCode::type_mismatch,
            "column `area` is decimal, but this cell's value is text"},
           {"a text compared by order", "    rule < \"a\" | - => 1 | \"low\"", DiagCode::type_mismatch,
            "column `area` is decimal, but this cell's value is text"},
           {"a number in a list for an enum", "    rule - | [\"food\", 1] => 1 | \"low\"", DiagCode::type_mismatch,
            "column `kind` is text, but this cell's value is integer"},
           {"a number for an enum", "    rule - | 3 => 1 | \"low\"", DiagCode::type_mismatch,
            "column `kind` is text, but this cell's value is integer"},
           {"a predicate that is no condition", "    rule ? + 1 | - => 1 | \"low\"", DiagCode::condition_not_boolean,
            "a test with `?` must be yes or no, but this expression is decimal"},
           {"an output of another type", "    rule - | - => 1.5 | \"low\"", DiagCode::type_mismatch,
            "output `fee` is integer, but this value is decimal"},
           {"a list as output", "    rule - | - => [1] | \"low\"", DiagCode::type_mismatch,
            "output `fee` is integer, but this value is list of integer"},
           {"an output value not declared", "    rule - | - => 1 | \"medium\"", DiagCode::not_an_enum_value,
            "\"medium\" is not a value of output `level`"},
           {"a default value not declared", "    rule - | - => 1 | \"low\"\n    default 0 | \"none\"", DiagCode::not_an_enum_value,
            "\"none\" is not a value of output `level`"},
           {"an unknown field in an output", "    rule - | - => premises.are | \"low\"", DiagCode::unknown_field,
            "unknown field `premises.are`"},
           {"an empty list as output", "    rule - | - => [] | \"low\"", DiagCode::type_mismatch,
            "output `fee` is integer, but this value is list of any"},
           {"an enum value not declared, tested with !=", "    rule - | != \"tea\" => 1 | \"low\"", DiagCode::not_an_enum_value,
            "\"tea\" is not a value of column `kind`"},
           {"an enum value not declared, in a list", "    rule - | [\"food\", \"tea\"] => 1 | \"low\"", DiagCode::not_an_enum_value,
            "\"tea\" is not a value of column `kind`"},
       }) {
    CAPTURE(k.what);
    Tables t(head + std::string(k.rules) + "\n  }");
    INFO(t.text());
    const Diagnostic* d = t.find(k.code);
    REQUIRE(d);
    CHECK(d->message == k.message);
    CHECK(t.diagnostics.error_count() == 1);
  }
}

TEST_CASE("expr.paths.table_fast_and_slow_tests") {
  Tables t(R"(  table nums hit first {
    input n int
    output r int
    rule [1..2.5] => 1
    rule (10..20) => 2
    rule != 30 => 3
    default 0
  }
  table words hit first {
    input w string
    output r int
    rule < "m" => 1
    rule "q", "r" => 2
    rule ["x", "y"] => 3
    rule not("z") => 4
    default 0
  }
  table flags hit unique {
    input f bool
    input d date
    output r string
    rule true | >= 2025-01-01 => "new"
    rule true | < 2025-01-01 => "old"
    rule false | [2020-01-01..2020-12-31] => "2020"
    rule false | not([2020-01-01..2020-12-31]) => "other"
  })");
  INFO(t.text());
  REQUIRE(t.compiled);
  CHECK(t.eval("nums", {Value::integer(2)}) == "1");    // interval with an integer and a decimal bound
  CHECK(t.eval("nums", {Value::integer(3)}) == "3");
  CHECK(t.eval("nums", {Value::integer(10)}) == "3");   // open lower bound
  CHECK(t.eval("nums", {Value::integer(15)}) == "2");
  CHECK(t.eval("nums", {Value::integer(30)}) == "0");   // `!=` is decided by comparison
  CHECK(t.eval("nums", {Value::unknown()}) == "unknown");
  CHECK(t.eval("nums", {Value::failure(expr::EvalError::overflow)}) == "error(overflow)");
  CHECK(t.eval("words", {Value::string("apple")}) == "1");
  CHECK(t.eval("words", {Value::string("r")}) == "2");
  CHECK(t.eval("words", {Value::string("y")}) == "3");
  CHECK(t.eval("words", {Value::string("s")}) == "4");
  CHECK(t.eval("words", {Value::string("z")}) == "0");
  CHECK(t.eval("flags", {Value::boolean(true), date(2025, 3, 1)}) == "\"new\"");
  CHECK(t.eval("flags", {Value::boolean(true), date(2024, 12, 31)}) == "\"old\"");
  CHECK(t.eval("flags", {Value::boolean(false), date(2020, 12, 31)}) == "\"2020\"");
  CHECK(t.eval("flags", {Value::boolean(false), date(2021, 1, 1)}) == "\"other\"");
  CHECK(t.eval("flags", {Value::boolean(false), Value::unknown()}) == "unknown");
  CHECK(t.eval("flags", {Value::unknown(), date(2021, 1, 1)}) == "unknown");
  CHECK(t.tables_clean());
}

TEST_CASE("expr.paths.table_cells_reading_fields_and_predicates") {
  Tables t(R"(  table t hit first {
    input n decimal
    output r decimal
    rule > premises.area_m2 => premises.seats
    rule [premises.seats..premises.area_m2] => 2
    rule ? / 0 > 1, ? < -100 => 3
    rule - => premises.seats + 1
  }
  table u hit unique {
    input n int
    output r int
    rule not(? > 5) => 1
    rule ? > 5 => 2
  })");
  INFO(t.text());
  REQUIRE(t.compiled);
  std::vector<Value> fields{Value::decimal(50), Value::integer(10)};
  const expr::Inputs in{.fields = fields, .situations = {}, .today = 0};
  CHECK(t.eval("t", {Value::decimal(60)}, 0, in) == "10.0");  // an integer field in a decimal output
  CHECK(t.eval("t", {Value::decimal(20)}, 0, in) == "2.0");
  CHECK(t.eval("t", {Value::decimal(5)}, 0, in) == "error(division_by_zero)");
  std::vector<Value> unanswered{Value::unknown(), Value::integer(10)};
  const expr::Inputs partly{.fields = unanswered, .situations = {}, .today = 0};
  CHECK(t.eval("t", {Value::decimal(20)}, 0, partly) == "unknown");
  CHECK(t.eval("u", {Value::integer(3)}) == "1");
  CHECK(t.eval("u", {Value::integer(8)}) == "2");
  CHECK(t.eval("u", {Value::unknown()}) == "unknown");
  // Neither table is analysed: no gap or overlap is claimed for them.
  CHECK_FALSE(t.find(DiagCode::table_gap));
  CHECK_FALSE(t.find(DiagCode::unreachable_rule));
  CHECK_FALSE(t.find(DiagCode::overlapping_rules));
}

TEST_CASE("expr.paths.table_hit_policies_in_detail") {
  Tables t(R"(  table agree hit any {
    input n int
    output r int
    output s string
    rule > 0 => 1 | "a"
    rule > 5 => 1 | "a"
    rule < 0 => 2 | "b"
    rule < -5 => 2 | "b"
    default 0 | "z"
  }
  table prio hit priority {
    input n int
    output level enum [high, low]
    output tag enum [x, y]
    rule - => "low" | "y"
    rule > 1 => "low" | "x"
    rule > 2 => "low" | "y"
    rule > 3 => "high" | "y"
  }
  table total hit collect sum {
    input n int
    output r decimal
    rule > 0 => 1.5
    rule > 1 => 2
  }
  table big hit collect sum {
    input n int
    output r int
    rule > 0 => 9223372036854775807
    rule > 1 => 1
  }
  table low hit collect min {
    input n int
    output r int
    rule > 0 => 5
    rule > 1 => 3
    default 100
  }
  table high hit collect max {
    input n date
    output r date
    rule > 2020-01-01 => 2021-01-01
    rule > 2021-01-01 => 2023-05-01
  }
  table many hit collect count {
    input n int
    output r int
    rule > 0 => 1
    rule > 1 => 1
  })");
  INFO(t.text());
  REQUIRE(t.compiled);
  CHECK(t.eval("agree", {Value::integer(10)}, 1) == "\"a\"");  // two rules agree on every output
  CHECK(t.eval("agree", {Value::integer(-10)}) == "2");
  CHECK(t.eval("agree", {Value::integer(0)}, 1) == "\"z\"");
  CHECK(t.eval("prio", {Value::integer(0)}, 1) == "\"y\"");
  CHECK(t.eval("prio", {Value::integer(2)}, 1) == "\"x\"");   // tie on `level`, `tag` decides
  CHECK(t.eval("prio", {Value::integer(3)}, 1) == "\"x\"");   // a later rule no better stays behind
  CHECK(t.eval("prio", {Value::integer(4)}, 0) == "\"high\"");
  CHECK(t.eval("prio", {Value::unknown()}) == "unknown");
  CHECK(t.eval("total", {Value::integer(5)}) == "3.5");
  CHECK(t.eval("total", {Value::integer(0)}) == "0.0");
  CHECK(t.eval("big", {Value::integer(1)}) == "9223372036854775807");
  CHECK(t.eval("big", {Value::integer(2)}) == "error(overflow)");
  CHECK(t.ev.error_detail() == "table `big`: the sum overflows");
  CHECK(t.eval("low", {Value::integer(5)}) == "3");
  CHECK(t.eval("low", {Value::integer(0)}) == "100");  // the default of an empty minimum
  CHECK(t.eval("high", {date(2022, 1, 1)}) == "2023-05-01");
  CHECK(t.eval("high", {date(2019, 1, 1)}) == "error(empty_aggregate)");
  CHECK(t.ev.error_detail() == "table `high`: no rule matches, so there is no max");
  CHECK(t.eval("many", {Value::integer(5)}) == "2");
  CHECK(t.eval("many", {Value::unknown()}) == "unknown");
}

TEST_CASE("expr.paths.table_analysis_witnesses") {
  SUBCASE("a text column names any other text") {
    Tables t("  table t {\n    input w string\n    output r int\n    rule \"a\" => 1\n    rule \"b\", \"c\" => 2\n  }");
    const Diagnostic* d = t.find(DiagCode::table_gap);
    REQUIRE(d);
    CHECK(d->message == "no rule of table `t` matches w = any other text");
  }
  SUBCASE("a yes/no column and several gaps") {
    Tables t("  table t {\n    input f bool\n    input n int\n    output r int\n    rule true | [1..3] => 1\n  }");
    const Diagnostic* d = t.find(DiagCode::table_gap);
    REQUIRE(d);
    CHECK(d->message == "no rule of table `t` matches f = false, n = 0 (and 6 more kinds of input)");
  }
  SUBCASE("a date column") {
    Tables t("  table t {\n    input day date\n    output r int\n    rule >= 2025-01-01 => 1\n  }");
    const Diagnostic* d = t.find(DiagCode::table_gap);
    REQUIRE(d);
    CHECK(d->message == "no rule of table `t` matches day = 2024-12-31");
  }
  SUBCASE("a decimal column between two points") {
    Tables t("  table t {\n    input a decimal\n    output r int\n    rule <= 1 => 1\n    rule >= 2 => 2\n  }");
    const Diagnostic* d = t.find(DiagCode::table_gap);
    REQUIRE(d);
    CHECK(d->message == "no rule of table `t` matches a = 1.5");
  }
  SUBCASE("an integer column with no integer between two points") {
    Tables t("  table t {\n    input a int\n    output r int\n    rule <= 1 => 1\n    rule >= 2 => 2\n  }");
    INFO(t.text());
    CHECK_FALSE(t.find(DiagCode::table_gap));
    CHECK(t.tables_clean());
  }
  SUBCASE("a column no cell tests") {
    Tables t("  table t {\n    input a int\n    output r int\n    rule - => 1\n  }");
    INFO(t.text());
    CHECK(t.tables_clean());
  }
  SUBCASE("a table without inputs") {
    Tables t("  table t hit unique {\n    output r int\n    rule => 1\n    rule => 2\n  }");
    INFO(t.text());
    const Diagnostic* d = t.find(DiagCode::overlapping_rules);
    REQUIRE(d);
    CHECK(d->message == "rules 1 and 2 of table `t` both match any input");
  }
  SUBCASE("any with different outputs") {
    Tables t("  table t hit any {\n    input a int\n    output r int\n    rule > 0 => 1\n    rule > 5 => 2\n    rule > 6 => 1\n    default 0\n  }");
    INFO(t.text());
    const auto overlaps = t.all(DiagCode::overlapping_rules);
    REQUIRE(overlaps.size() == 2);
    CHECK(overlaps[0]->message == "rules 1 and 2 of table `t` both match a = 6 with different outputs");
    CHECK(overlaps[1]->message == "rules 2 and 3 of table `t` both match a = 7 with different outputs");
    CHECK(overlaps[0]->help == "under hit policy any at most one rule may match; narrow a rule or use `hit: first`");
  }
  SUBCASE("negation and lists under first") {
    Tables t("  table t hit first {\n    input k enum [a, b, c]\n    output r int\n    rule not(\"a\") => 1\n    rule [\"b\", \"c\"] => 2\n    rule \"a\" => 3\n  }");
    INFO(t.text());
    const auto unreachable = t.all(DiagCode::unreachable_rule);
    REQUIRE(unreachable.size() == 1);
    CHECK(unreachable[0]->message == "rule 2 of table `t` is never used: earlier rules match every input it matches");
    CHECK_FALSE(t.find(DiagCode::table_gap));
  }
  SUBCASE("collect neither overlaps nor has gaps") {
    Tables t("  table t hit collect {\n    input a int\n    output r int\n    rule > 0 => 1\n    rule > 5 => 2\n  }");
    INFO(t.text());
    CHECK(t.tables_clean());
  }
}

TEST_CASE("expr.paths.table_analysis_gives_up_on_too_many_combinations") {
  std::string rules;
  std::string inputs;
  for (int k = 0; k < 6; ++k) inputs += fmt::format("    input i{} int\n", k);
  for (int r = 0; r < 10; ++r) {
    rules += "    rule ";
    for (int k = 0; k < 6; ++k) rules += fmt::format("{}[{}..{}]", k ? " | " : "", r * 10, r * 10 + 5);
    rules += fmt::format(" => {}\n", r);
  }
  Tables t("  table t hit unique {\n" + inputs + "    output r int\n" + rules + "  }");
  INFO(t.text());
  // Each input has over 40 representatives: more than 100,000 combinations, so no gap is claimed.
  CHECK_FALSE(t.find(DiagCode::table_gap));
  CHECK_FALSE(t.diagnostics.has_errors());
}

TEST_CASE("expr.paths.table_cells_with_lists_negatives_and_field_bounds") {
  Tables t(R"(  situation big = premises.area_m2 > 100
  table lists hit unique {
    input n int
    input a decimal
    output r int
    rule [1, 2] | -1.5 => 1
    rule not([1, 2]) | >= -1.5 => 2
    rule [1, 2] | not(-1.5) => 3
  }
  table bounds hit first {
    input n decimal
    output r int
    rule [premises.seats..premises.area_m2] => 1
    rule [1, premises.seats] => 2
    default 0
  }
  table flag hit first {
    input n int
    output r bool
    rule > 0 => big
    default false
  })");
  INFO(t.text());
  REQUIRE(t.compiled);
  const Diagnostic* gap = t.find(DiagCode::table_gap);
  REQUIRE(gap);  // `lists` has none for n = 0 or 3 with a below -1.5
  CHECK(gap->message == "no rule of table `lists` matches n = 0, a = -2.5 (and 1 more kinds of input)");
  CHECK(t.all(DiagCode::table_gap).size() == 1);  // `bounds` reads fields: not analysed
  CHECK(t.eval("lists", {Value::integer(2), Value::decimal(-1.5)}) == "1");
  CHECK(t.eval("lists", {Value::integer(7), Value::decimal(0)}) == "2");
  CHECK(t.eval("lists", {Value::integer(1), Value::decimal(3)}) == "3");
  CHECK(t.eval("lists", {Value::integer(7), Value::decimal(-2)}) == "error(no_rule_matched)");
  std::vector<Value> fields{Value::decimal(50), Value::integer(10)};
  const expr::Inputs in{.fields = fields, .situations = {}, .today = 0};
  CHECK(t.eval("bounds", {Value::decimal(20)}, 0, in) == "1");
  CHECK(t.eval("bounds", {Value::decimal(60)}, 0, in) == "0");
  CHECK(t.eval("bounds", {Value::decimal(1)}, 0, in) == "2");
  CHECK(t.eval("bounds", {Value::decimal(5)}, 0, in) == "0");
  std::vector<Value> no_area{Value::unknown(), Value::integer(10)};
  const expr::Inputs partly{.fields = no_area, .situations = {}, .today = 0};
  CHECK(t.eval("bounds", {Value::decimal(20)}, 0, partly) == "unknown");  // above the lower bound, upper unknown
  CHECK(t.eval("bounds", {Value::decimal(5)}, 0, partly) == "0");        // below the lower bound: decided
  std::vector<Value> big_situation{Value::boolean(true)};
  const expr::Inputs with_big{.fields = fields, .situations = big_situation, .today = 0};
  CHECK(t.eval("flag", {Value::integer(3)}, 0, with_big) == "true");
  CHECK(t.eval("flag", {Value::integer(-3)}, 0, with_big) == "false");
}

TEST_CASE("expr.paths.table_call_with_an_output_less_signature") {
  Env e;
  expr::TableSignature none;
  none.id = "none";
  e.env.add_table(none);
  check_bad(e, {{"table(\"none\") == 1", DiagCode::unknown_table, "table `none` has 0 outputs; name one, e.g. \"none.output\"",
                 "\"none\"", ""}});
  CHECK(e.findings("shop.seats in nosuch.list").size() == 1);
  CHECK(e.findings("1 + nosuch.x > 0").size() == 1);
  CHECK(e.findings("not nosuch").size() == 1);
  CHECK(e.findings("-nosuch.x > 1").size() == 1);
  CHECK(e.findings("[nosuch.x] == []").size() == 2);  // not a literal, and unknown
}

TEST_CASE("expr.paths.table_enum_column_needs_values") {
  Tables t("  table t hit first {\n    input k enum\n    output r int\n    rule - => 1\n  }");
  INFO(t.text());
  const Diagnostic* d = t.find(DiagCode::invalid_table);
  REQUIRE(d);
  CHECK(d->message == "enum column `k` has no values");
}

TEST_CASE("expr.paths.function_operand_mismatches_name_the_function") {
  Env e;
  check_bad(e, {
      {"contains(shop.kinds, 3)", DiagCode::type_mismatch, "`contains` cannot compare list of text with integer",
       "contains(shop.kinds, 3)", ""},
      {"or_else(shop.seats, \"none\") > 0", DiagCode::type_mismatch, "`or_else` cannot compare integer with text",
       "or_else(shop.seats, \"none\")", "remove the quotes"},
      {"min(shop.name, 3) > 0", DiagCode::type_mismatch, "`min` cannot compare text with integer", "", ""},
      {"min(shop.name, \"a\") == \"a\"", DiagCode::type_mismatch,
       "`min` needs numbers, dates or working time, but these are text and text", "min(shop.name, \"a\")", ""},
      {"max(true, false)", DiagCode::type_mismatch,
       "`max` needs numbers, dates or working time, but these are yes/no and yes/no", "max(true, false)", ""},
  });
}

TEST_CASE("expr.paths.a_failed_negation_is_reported_once") {
  Env e;
  const auto f = e.findings("-[1] == [1]");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message == "cannot negate list of integer");
  CHECK(f[0].underlined == "[1]");
  CHECK(e.findings("-shop.name > 0").size() == 1);
}

TEST_CASE("expr.paths.lists_of_numbers_compare_by_value") {
  Env e;
  CHECK(e.findings("[1, 2] == [1.0, 2.5]").empty());
  CHECK(e.eval("[1, 2] == [1.0, 2.0]") == "true");
  CHECK(e.eval("[1, 2] == [1.0, 2.5]") == "false");
  CHECK(e.eval("[1, 2] != [1.0, 2.5]") == "true");
  // Lists of texts and lists of numbers still never compare.
  const auto f = e.findings("[1, 2] == [\"1\", \"2\"]");
  REQUIRE(f.size() == 1);
  CHECK(f[0].message == "cannot compare list of integer with list of text using `==`");
}
