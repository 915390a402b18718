// Library bugs the property tests found, each kept as its minimal reproducer (now fixed; the
// generators no longer keep clear of them). Each comment says where the bug was and what the
// documented behaviour is.
#include <doctest/doctest.h>

#include "generators.hpp"

using namespace yishi;
using namespace yishi::property;

namespace {

// A bundle in the DSL with one item whose `when` is `when` (and `extra` declarations).
CompiledBundle compiled(const std::string& declarations, const std::string& when) {
  const std::string text = "bundle demo \"示例\" version 1 {\n  lead d\n  department d \"部门\"\n" + declarations +
                           "\n  item i \"事项\" by d {\n    statutory 1wd  promised 1wd\n    when " + when + "\n  }\n}\n";
  const Reloaded r = load_dsl(text);
  REQUIRE_MESSAGE(r.bundle, r.diagnostics);
  auto c = compile(*r.bundle);
  SourceMap none;
  REQUIRE_MESSAGE(c.compiled, render_text(c.diagnostics, none));
  return *c.compiled;
}

// The value of situation 0 for no answers.
std::string situation_value(const CompiledBundle& c) {
  return expr::to_string(c.evaluate_conditions({}, 20000).situations.at(0));
}

// Parses, checks and compiles `text` over `env`; the check's first error, or the value.
std::string evaluate(const std::string& text, const expr::Environment& env) {
  Diagnostics d;
  auto ast = dsl::parse_expression(text, {}, d);
  REQUIRE(ast);
  const expr::Typed typed = expr::check(*ast, env, {}, d);
  if (!typed.ok) return code_string(d.items().front().code);
  const expr::Program p = expr::compile(*ast, typed);
  expr::Evaluator ev;
  return expr::to_string(ev.run(p, {}));
}

ir::Bundle small_bundle() {
  ir::Bundle b;
  b.id = "demo";
  b.name = "示例";
  b.version = "1";
  b.lead = {"d", {}};
  b.departments.push_back({"d", "部门", "", {}});
  ir::Item it;
  it.id = "i";
  it.name = "事项";
  it.department = {"d", {}};
  it.review.signers = {ir::Signer{"reviewer", std::nullopt, 1, {}}};
  b.items.push_back(it);
  return b;
}

}  // namespace

// dsl/yishi/dsl/x3/bundle_def.hpp, `on_material`: the set of properties already seen in the
// current declaration (`seen`, for "appears twice") is not cleared when a material begins, so
// the second material with `pledge` is refused with E1008. Fix: `b.seen.clear();` in
// on_material, as on_field_begin and on_item_begin do.
TEST_CASE("property.regress.dsl_pledge_on_two_materials_is_refused") {
  const Reloaded r = load_dsl(
      "bundle demo \"示例\" version 1 {\n  lead d\n  department d \"部门\"\n"
      "  material a \"甲\" { pledge }\n  material b \"乙\" { pledge }\n"
      "  item i \"事项\" by d {\n    materials a, b\n    statutory 1wd  promised 1wd\n    pledge\n  }\n}\n");
  CHECK_MESSAGE(r.bundle, r.diagnostics);
}

// libworkflow/yishi/yaml/print.cpp, `plain_ok`: in a flow list (`[...]`) a plain scalar with
// `?` is not read back by yaml-cpp ("unknown token", "end of sequence flow not found"), yet
// it is printed plain: enum values such as `a?b`, and table cells such as `? > 3` (every
// `?` condition without a quoted text in it). Fix: with `flow`, also refuse `?` (and `:`,
// to be safe) in plain_ok.
TEST_CASE("property.regress.yaml_printer_leaves_question_marks_unquoted_in_flow_lists") {
  ir::Bundle b = small_bundle();
  ir::Field f;
  f.id = "x.kind";
  f.label = "种类";
  f.type = ir::FieldType::enumeration;
  f.values = {"a?b", "c"};
  b.fields.push_back(f);
  b.items[0].form.push_back({{"x.kind", {}}, std::nullopt});
  ir::DecisionTable t;
  t.id = "t";
  t.hit = ir::HitPolicy::first;
  t.inputs.push_back({"n", "", ir::FieldType::integer, {}, {}});
  t.outputs.push_back({"o", "", ir::FieldType::integer, {}, {}});
  t.rules.push_back({{{"? > 3", {}, true}}, {{"1", {}, true}}, "", {}});
  b.tables.push_back(t);
  const std::string text = yaml::print(b);
  const Reloaded r = load_yaml(text);
  CHECK_MESSAGE(r.bundle, r.diagnostics << text);
  if (r.bundle) CHECK(*r.bundle == b);
}

// libworkflow/yishi/yaml/print.cpp: ids are printed plain, as keys (`null: 部门`) and values
// (`lead: null`), but YAML reads a plain `null` as no value (E1006). `null` is a valid id
// (ir::is_valid_id). Fix: print ids through `scalar()`, which quotes `null`.
TEST_CASE("property.regress.yaml_printer_writes_the_id_null_plain") {
  ir::Bundle b = small_bundle();
  b.departments[0].id = "null";
  b.lead.id = "null";
  b.items[0].department.id = "null";
  const std::string text = yaml::print(b);
  const Reloaded r = load_yaml(text);
  CHECK_MESSAGE(r.bundle, r.diagnostics << text);
}

// The DSL cannot write ids that are keywords of expressions (`and`, `or`, `not`, `in`, `true`,
// `false`): docs/language.md says these "are reserved: they cannot be used as names", but
// ir::is_valid_id accepted them, so the YAML loader took an item `and` that dsl::print then
// wrote as text the DSL loader refused. Now both loaders refuse them as ids (E1011).
TEST_CASE("property.regress.reserved_words_are_refused_as_ids") {
  for (const char* word : {"and", "or", "not", "in", "true", "false"}) {
    CAPTURE(word);
    CHECK_FALSE(ir::is_valid_id(word));
    CHECK_FALSE(ir::is_valid_field_path(std::string("applicant.") + word));
  }
  CHECK(ir::is_valid_id("android"));
  CHECK(ir::is_valid_id("null"));
  ir::Bundle b = small_bundle();
  b.items[0].id = "and";
  const Reloaded from_yaml = load_yaml(yaml::print(b));
  CHECK_FALSE(from_yaml.bundle);
  CHECK(from_yaml.diagnostics.find("E1011") != std::string::npos);
  CHECK(from_yaml.diagnostics.find("not `and`") != std::string::npos);
  const Reloaded from_dsl = load_dsl(
      "bundle demo \"示例\" version 1 {\n  lead d\n  department d \"部门\"\n"
      "  item in \"事项\" by d {\n    statutory 1wd  promised 1wd\n  }\n}\n");
  CHECK_FALSE(from_dsl.bundle);
}

// libworkflow/yishi/expr/check.cpp, `case Fn::contains`: the part of `contains(text, part)` is
// tested with `args[1] == Type::string()`, which an enum value (a text whose type names its
// enumeration) fails: "`contains` needs a text here, but this is text" (E4003). docs/
// language.md: an `enum` field's value is text. Fix: `!args[1].list && args[1].base ==
// BaseType::string`.
TEST_CASE("property.regress.contains_refuses_an_enum_value_as_the_part") {
  expr::Environment env;
  env.add_field("business.name", expr::Type::string());
  env.add_field("menu.kind", expr::Type::string(), {"hot_food", "drinks"});
  CHECK(evaluate("contains(business.name, menu.kind)", env) == "unknown");
}

// libworkflow/yishi/expr/table.cpp, TableSet::evaluate_on: an input that is an error reaches
// the cells, and a cell that does not test it (`-`, or a rule after the first match under
// `first`) drops it, so `table("t", 9223372036854775807 + 1)` gives the output of rule `-`.
// docs/language.md ("Errors"): "An error passes through comparisons, calculations and
// functions" (`table` is one of the functions), so a failing inner table or calculation would
// not go unnoticed. Fix: at the start of evaluate_on, return the first argument that is an
// error.
TEST_CASE("property.regress.an_error_passed_to_a_table_is_lost") {
  const CompiledBundle c = compiled(
      "  table t {\n    input n int\n    output o int\n    rule - => 1\n  }\n"
      "  situation s = table(\"t\", 9223372036854775807 + 1) == 1",
      "s");
  CHECK(situation_value(c) == "error(overflow)");
}

// libworkflow/yishi/expr/table.cpp: a computed output (`1 + 2`) in a `decimal` column keeps
// the integer it computes (only literal outputs are converted), though the table's type says
// decimal; `table("t") * 9223372036854775807` then overflows as an integer. docs/language.md
// ("Cells"): "An integer fits a decimal output, where it becomes a decimal". Fix: in
// evaluate_on, convert an integer output (rule, default, COLLECT element, MIN/MAX) of a
// decimal column to a decimal.
TEST_CASE("property.regress.a_computed_integer_in_a_decimal_output_stays_an_integer") {
  const CompiledBundle c = compiled(
      "  table t {\n    output o decimal\n    rule => 1 + 2\n  }\n"
      "  situation s = table(\"t\") * 9223372036854775807 > 0",
      "s");
  CHECK(situation_value(c) == "true");
}

// libworkflow/yishi/expr/check.cpp, `case NodeKind::not_`, `case NodeKind::negate` and
// `quantifier`: the operand is tested on its base type only (`a.base != BaseType::boolean`,
// `a.base != BaseType::work_duration`), so a list passes: `not [true]` is typed yes/no but
// gives the list `[true]`, `-[1wd]` gives `[1wd]`, and `all([1], [false])` gives true (the
// machine reads a list as a yes/no). A realistic case is `not table("checks")` for a COLLECT
// table with a yes/no output. docs/language.md: "`and`, `or` and `not` take yes/no values";
// "the condition of `any` must be yes/no" (E4003). Fix: add `&& !a.list` / `!p.list` to those
// three tests.
TEST_CASE("property.regress.not_negate_and_quantifiers_accept_lists") {
  expr::Environment env;
  CHECK(evaluate("not [true]", env) == "E4003");
  CHECK(evaluate("-[1wd]", env) == "E4003");
  CHECK(evaluate("all([1], [false])", env) == "E4003");
}

// libworkflow/yishi/expr/table.cpp, TableChecker::structure: `hit collect sum` (and min/max)
// is not checked against the output's type, so a text output is summed by reading the text's
// pointer as a number: the table, typed text, gives a decimal such as 189062849601344.0.
// docs/bundle-format.md: an aggregation gives "one number instead of a list". Fix: E4007 when
// an aggregation other than `count` has an output that is not `int` or `decimal` (or, for
// min/max, not ordered).
TEST_CASE("property.regress.collect_sum_of_texts_is_accepted") {
  const Reloaded r = load_dsl(
      "bundle demo \"示例\" version 1 {\n  lead d\n  department d \"部门\"\n"
      "  table t hit collect sum {\n    output o string\n    rule => \"a\"\n  }\n"
      "  situation s = table(\"t\") == \"a\"\n"
      "  item i \"事项\" by d {\n    statutory 1wd  promised 1wd\n    when s\n  }\n}\n");
  REQUIRE(r.bundle);
  const Diagnostics d = check(*r.bundle);
  CHECK(d.has_errors());
}

// libworkflow/yishi/expr/machine.cpp, `order` and `same_value`: an integer is compared with a
// decimal after converting it to a double, so beyond 2^53 different values compare equal:
// `9007199254740993 == 9007199254740992.0` is true. docs/language.md: "Integers and decimals
// compare by value". Minor (only integers beyond 2^53 against decimals). Fix: compare the
// integer with the decimal exactly (as the reference evaluator's compare_numbers does), in
// order() and in the fast path of `compare_field`.
TEST_CASE("property.regress.integers_beyond_2_to_the_53_equal_nearby_decimals") {
  expr::Environment env;
  CHECK(evaluate("9007199254740993 == 9007199254740992.0", env) == "false");
  CHECK(evaluate("9007199254740993 > 9007199254740992.0", env) == "true");
}
// libworkflow/yishi/compile/conditions.cpp, evaluate_conditions (`collect_missing`): the
// fields to ask are the fields the unknown condition's program reads (`Program::fields()`,
// from expr::check), which leaves out the fields a decision table's cells read. A condition
// that is unknown because a cell (`< x.seats`) reads an unanswered field lists no field to
// ask: open_case answers `needs_answers` with an empty `missing_fields`, and the applicant
// cannot tell what to answer (CompiledBundle::condition_fields() misses the field too).
// docs/language.md ("How the engine uses it"): "the engine lists the fields to ask. These are
// the unanswered fields that the unknown conditions read". Fix: in expr::check's `table()`,
// add the fields the called table's cells and outputs read to `typed.fields` (or follow
// `Program`'s tables in collect_missing).
TEST_CASE("property.regress.fields_read_by_table_cells_are_not_asked") {
  const CompiledBundle c = compiled(
      "  field x.seats int \"座位\"\n  table t {\n    input n int\n    output o int\n"
      "    rule < x.seats => 1\n    rule >= x.seats => 2\n  }\n"
      "  situation s = table(\"t\", 5) == 1",
      "s");
  const auto r = c.evaluate_conditions({}, 20000);
  REQUIRE(r.situations[0].kind == expr::ValueKind::unknown);
  CHECK(r.missing_fields == std::vector<std::string>{"x.seats"});
}
