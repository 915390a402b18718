// Decision tables: every hit policy, the evaluation failures (UNIQUE with two matches is an
// error, not a silent pick), unknown inputs, the static analyses and calls from conditions.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using namespace yishi::test;
using expr::Value;

namespace {

// A bundle with one table `t` (given as YAML lines under `tables:`) used by a situation.
std::string bundle_with(std::string_view table, std::string_view call = "table(\"t\", premises.area_m2, premises.district) != 0") {
  std::string text = minimal_bundle();
  text = replace(text, "fields:\n", "fields:\n  premises.area_m2: {type: decimal, label: 面积}\n"
                                    "  premises.district: {type: enum, label: 区, values: [huangpu, xuhui, pudong]}\n");
  text = replace(text, "materials:\n", fmt::format("tables:\n  t:\n{}situations:\n  s:\n    when: '{}'\nmaterials:\n", table, call));
  text = replace(text, "    after: [first]\n", "    after: [first]\n    when: s\n");
  text = replace(text, "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd",
                 "    form: [applicant.name, premises.area_m2, premises.district]\n    materials: [form_a]\n    statutory: 10wd");
  return text;
}

struct Table {
  Checked checked;
  std::optional<CompiledBundle> compiled;
  expr::Evaluator ev;

  explicit Table(std::string_view yaml_table, std::string_view call = "table(\"t\", premises.area_m2, premises.district) != 0")
      : checked(load_and_check(bundle_with(yaml_table, call))) {
    if (checked.bundle && !checked.diagnostics.has_errors()) compiled = compile(*checked.bundle).compiled;
  }
  std::string eval(Value area, std::string_view district, std::uint32_t output = 0) {
    REQUIRE(compiled);
    const Value args[2] = {area, district.empty() ? Value::unknown() : Value::string(district)};
    const Value v = compiled->tables().evaluate(0, output, args, ev);
    return expr::to_string(v);
  }
};

constexpr std::string_view columns = R"y(    inputs:
      area: decimal
      district: {type: enum, values: [huangpu, xuhui, pudong]}
    outputs:
      fee: int
)y";

}  // namespace

TEST_CASE("table.hit.unique") {
  Table t(std::string("    hit: unique\n") + std::string(columns) + R"y(    rules:
      - ["< 50", "-", 100]
      - ["[50..200)", '"huangpu", "xuhui"', 200]
      - ["[50..200)", '"pudong"', 250]
      - [">= 200", "-", 300]
)y");
  INFO(t.checked.text());
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(20), "xuhui") == "100");
  CHECK(t.eval(Value::decimal(50), "huangpu") == "200");  // closed lower bound
  CHECK(t.eval(Value::decimal(199.9), "pudong") == "250");
  CHECK(t.eval(Value::decimal(200), "pudong") == "300");  // open upper bound
  CHECK(t.eval(Value::integer(75), "xuhui") == "200");    // integers compare with decimals
}

TEST_CASE("table.hit.unique.two_matches_is_an_error_not_a_pick") {
  // The overlap is written with a predicate cell, which the static analysis does not read;
  // evaluation must still refuse to pick.
  Table t(std::string("    hit: unique\n") + std::string(columns) + R"y(    rules:
      - ["? < 100", "-", 1]
      - ["? > 10", "-", 2]
)y");
  INFO(t.checked.text());
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(5), "xuhui") == "1");
  CHECK(t.eval(Value::decimal(50), "xuhui") == "error(several_rules_matched)");
  CHECK(t.ev.error_detail() == "table `t`: rules 1 and 2 both match (hit policy unique)");
  CHECK(t.eval(Value::decimal(500), "xuhui") == "2");
}

TEST_CASE("table.hit.first_takes_the_first_match_in_rule_order") {
  Table t(std::string("    hit: first\n") + std::string(columns) + R"y(    rules:
      - ["> 500", '"pudong"', 900]
      - ["> 100", "-", 500]
      - ["-", "-", 100]
)y");
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(600), "pudong") == "900");
  CHECK(t.eval(Value::decimal(600), "xuhui") == "500");
  CHECK(t.eval(Value::decimal(1), "xuhui") == "100");
  // Unknown input: undecided while an earlier rule might match...
  CHECK(t.eval(Value::unknown(), "xuhui") == "unknown");
  // ...but decided once a matching rule comes before every undecided one.
  CHECK(t.eval(Value::decimal(600), "") == "unknown");
}

TEST_CASE("table.hit.priority_orders_by_output_values") {
  Table t(R"y(    hit: priority
    inputs:
      area: decimal
      district: {type: enum, values: [huangpu, xuhui, pudong]}
    outputs:
      level: {type: enum, values: [high, medium, low]}
    rules:
      - ["-", "-", '"low"']
      - ["> 100", "-", '"medium"']
      - ["> 300", '"pudong"', '"high"']
)y", "table(\"t\", premises.area_m2, premises.district) != \"low\"");
  INFO(t.checked.text());
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(50), "pudong") == "\"low\"");
  CHECK(t.eval(Value::decimal(200), "pudong") == "\"medium\"");
  CHECK(t.eval(Value::decimal(400), "pudong") == "\"high\"");
  CHECK(t.eval(Value::decimal(400), "xuhui") == "\"medium\"");
}

TEST_CASE("table.hit.any_requires_agreeing_outputs") {
  Table t(std::string("    hit: any\n") + std::string(columns) + R"y(    rules:
      - ["? < 100", "-", 1]
      - ["-", '"xuhui"', 1]
      - ["? > 1000", "-", 2]
      - ["-", '"pudong"', 1]
)y");
  INFO(t.checked.text());
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(50), "xuhui") == "1");
  CHECK(t.eval(Value::decimal(5000), "pudong") == "error(outputs_disagree)");
}

TEST_CASE("table.hit.collect_and_aggregations") {
  const std::string rules = R"y(    rules:
      - ["> 0", "-", 10]
      - ["> 100", "-", 20]
      - ["-", '"pudong"', 5]
)y";
  Table list(std::string("    hit: collect\n") + std::string(columns) + rules, "len(table(\"t\", premises.area_m2, premises.district)) > 0");
  INFO(list.checked.text());
  REQUIRE(list.compiled);
  CHECK(list.eval(Value::decimal(150), "pudong") == "[10, 20, 5]");
  CHECK(list.eval(Value::decimal(-1), "xuhui") == "[]");

  for (auto [agg, expected] : {std::pair{"sum", "35"}, {"min", "5"}, {"max", "20"}, {"count", "3"}}) {
    Table t(fmt::format("    hit: collect\n    aggregation: {}\n{}{}", agg, columns, rules));
    INFO(agg, t.checked.text());
    REQUIRE(t.compiled);
    CHECK(t.eval(Value::decimal(150), "pudong") == expected);
  }
  Table sum(fmt::format("    hit: collect\n    aggregation: sum\n{}{}", columns, rules));
  CHECK(sum.eval(Value::decimal(-1), "xuhui") == "0");
  Table min(fmt::format("    hit: collect\n    aggregation: min\n{}{}", columns, rules));
  CHECK(min.eval(Value::decimal(-1), "xuhui") == "error(empty_aggregate)");
}

TEST_CASE("table.hit.rule_order_lists_outputs_in_rule_order") {
  Table t(std::string("    hit: rule_order\n") + std::string(columns) + R"y(    rules:
      - ["-", '"pudong"', 5]
      - ["> 0", "-", 10]
)y", "len(table(\"t\", premises.area_m2, premises.district)) > 0");
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(3), "pudong") == "[5, 10]");
}

TEST_CASE("table.no_match_uses_the_default_or_fails") {
  Table without(std::string("    hit: first\n") + std::string(columns) + R"y(    rules:
      - ["> 100", "-", 1]
)y");
  REQUIRE(without.compiled);
  CHECK(without.eval(Value::decimal(5), "xuhui") == "error(no_rule_matched)");
  CHECK(without.ev.error_detail() == "table `t`: no rule matches and there is no default");
  CHECK(without.checked.has(DiagCode::table_gap));

  Table with(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["> 100", "-", 1]
)y");
  REQUIRE(with.compiled);
  CHECK(with.eval(Value::decimal(5), "xuhui") == "0");
  CHECK_FALSE(with.checked.has(DiagCode::table_gap));
}

TEST_CASE("table.cells.negation_lists_and_predicates") {
  Table t(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["-", 'not("pudong")', 1]
      - ["? > 10 and ? < 20", "-", 2]
      - ["(100..200]", "-", 3]
)y");
  INFO(t.checked.text());
  REQUIRE(t.compiled);
  CHECK(t.eval(Value::decimal(15), "xuhui") == "1");
  CHECK(t.eval(Value::decimal(15), "pudong") == "2");
  CHECK(t.eval(Value::decimal(100), "pudong") == "0");  // open lower bound
  CHECK(t.eval(Value::decimal(200), "pudong") == "3");
}

TEST_CASE("table.check.analyses") {
  SUBCASE("overlap under unique names both rules and a witness") {
    Table t(std::string("    hit: unique\n") + std::string(columns) + R"y(    rules:
      - ["<= 100", "-", 1]
      - ["[100..200]", '"xuhui"', 2]
      - ["> 100", '"huangpu", "pudong"', 3]
      - ["> 200", '"xuhui"', 4]
)y");
    const Diagnostic* d = t.checked.find(DiagCode::overlapping_rules);
    REQUIRE(d);
    CHECK(d->message == "rules 1 and 2 of table `t` both match area = 100.0, district = \"xuhui\"");
    CHECK_FALSE(t.checked.has(DiagCode::table_gap));
  }
  SUBCASE("gap for enumerated inputs") {
    Table t(std::string("    hit: unique\n") + std::string(columns) + R"y(    rules:
      - ["-", '"huangpu", "xuhui"', 1]
)y");
    const Diagnostic* d = t.checked.find(DiagCode::table_gap);
    REQUIRE(d);
    CHECK(d->message == "no rule of table `t` matches area = 0.0, district = \"pudong\"");
  }
  SUBCASE("unreachable rule under first") {
    Table t(std::string("    hit: first\n") + std::string(columns) + R"y(    rules:
      - ["> 10", "-", 1]
      - ["> 20", '"xuhui"', 2]
      - ["<= 10", "-", 3]
)y");
    const Diagnostic* d = t.checked.find(DiagCode::unreachable_rule);
    REQUIRE(d);
    CHECK(d->message == "rule 2 of table `t` is never used: earlier rules match every input it matches");
    CHECK(t.checked.underlined(*d).starts_with("["));
  }
  SUBCASE("structure") {
    Table t(std::string("    hit: first\n    aggregation: sum\n") + std::string(columns) + R"y(    rules:
      - ["-", "-", 1]
      - ["-", 1]
)y");
    INFO(t.checked.text());
    CHECK(t.checked.diagnostics.error_count() == 2);  // aggregation without collect; a short rule
    CHECK(t.checked.has(DiagCode::invalid_table));
  }
  SUBCASE("cell types") {
    Table t(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["> ten", "-", 1]
      - ['"big"', "-", 1]
      - ["-", '"jingan"', 1]
      - ["-", "-", '"one"']
)y");
    INFO(t.checked.text());
    CHECK(t.checked.diagnostics.error_count() == 4);
    CHECK(t.checked.has(DiagCode::unknown_situation));  // `ten` is not a name
    CHECK(t.checked.has(DiagCode::type_mismatch));      // "big" for a number, "one" for an integer
    CHECK(t.checked.has(DiagCode::not_an_enum_value));  // jingan
  }
  SUBCASE("a cell may not call a table") {
    Table t(std::string("    hit: first\n") + std::string(columns) + R"y(    rules:
      - ["-", "-", 'table("t", 1, "xuhui")']
)y");
    CHECK(t.checked.has(DiagCode::wrong_arguments));
  }
}

TEST_CASE("table.called_from_a_condition_decides_a_situation") {
  Table t(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["> 100", "-", 1]
)y");
  REQUIRE(t.compiled);
  auto r = t.compiled->evaluate_conditions({{"premises.area_m2", 150.0}, {"premises.district", std::string("xuhui")}}, 0);
  CHECK(r.errors.empty());
  CHECK(expr::to_string(r.situations[0]) == "true");
  CHECK(r.active == std::vector<std::optional<bool>>{true, true});
  r = t.compiled->evaluate_conditions({{"premises.area_m2", 50.0}, {"premises.district", std::string("xuhui")}}, 0);
  CHECK(r.active == std::vector<std::optional<bool>>{true, false});
  r = t.compiled->evaluate_conditions({{"premises.district", std::string("xuhui")}}, 0);
  CHECK(r.active[1] == std::nullopt);
  CHECK(r.missing_fields == std::vector<std::string>{"premises.area_m2"});

  Diagnostics d;
  Table wrong(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["> 100", "-", 1]
)y", "table(\"t\", premises.district, premises.area_m2) > 0");
  CHECK(wrong.checked.has(DiagCode::type_mismatch));
  Table arity(std::string("    hit: first\n    default: [0]\n") + std::string(columns) + R"y(    rules:
      - ["> 100", "-", 1]
)y", "table(\"t\", premises.area_m2) > 0");
  CHECK(arity.checked.has(DiagCode::wrong_arguments));
}
