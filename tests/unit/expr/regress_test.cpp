// Regressions found while writing docs/language.md, each kept as a test.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

struct Bundle {
  SourceMap sources;
  std::optional<ir::Bundle> ir;
  Diagnostics diagnostics;
  std::optional<CompiledBundle> compiled;

  explicit Bundle(const std::string& body) {
    auto r = dsl::load_text(sources, "regress.yi", fmt::format(R"yi(bundle b "回归" version 1 {{
  lead d
  department d "部门"
  field premises.area_m2 decimal "面积"
  field premises.seats int "座位"
  field premises.district enum "区" {{ values [huangpu, xuhui] }}
  field menu.categories enum "类别" {{ values [hot_food, raw_food]  multiple }}
  field sign.area_m2 decimal "招牌面积" {{ optional }}
  situation big = premises.area_m2 > 100
  situation wide = premises.seats > 50
{}
}}
)yi", body));
    diagnostics = r.diagnostics;
    ir = std::move(r.bundle);
    if (ir) {
      diagnostics.append(check(*ir));
      if (!diagnostics.has_errors()) compiled = compile(*ir).compiled;
    }
  }
  [[nodiscard]] bool has(DiagCode c) const {
    return std::any_of(diagnostics.items().begin(), diagnostics.items().end(), [&](const Diagnostic& d) { return d.code == c; });
  }
  [[nodiscard]] std::string text() const { return render_text(diagnostics, sources); }
};

std::string eval(const Bundle& b, const std::string& text, const expr::Answers& answers = {}) {
  Diagnostics d;
  auto ast = dsl::parse_expression(text, {}, d);
  REQUIRE(ast);
  auto typed = expr::check(*ast, b.compiled->environment(), {}, d);
  REQUIRE(typed.ok);
  auto program = expr::compile(*ast, typed, &b.compiled->tables());
  auto bound = expr::bind(b.compiled->environment(), answers);
  expr::Evaluator ev;
  return expr::to_string(ev.run(program, {.fields = bound.slots, .situations = {}, .today = 0}));
}

}  // namespace

TEST_CASE("regress.when_with_and_is_satisfiable") {
  Bundle b(R"(  item i "项" by d {
    statutory 1wd  promised 1wd
    when big and wide
    when premises.seats > 1 and premises.seats < 50
  })");
  INFO(b.text());
  CHECK_FALSE(b.has(DiagCode::never_activatable));
  Bundle contradiction(R"(  item i "项" by d {
    statutory 1wd  promised 1wd
    when big and not big
  })");
  CHECK(contradiction.has(DiagCode::never_activatable));
}

TEST_CASE("regress.table_enum_input_is_checked_at_the_call") {
  Bundle b(R"(  table t hit first {
    input district enum [huangpu, xuhui]
    output fee int
    rule - => 1
  }
  situation costly = table("t", "jingan") > 0
  item i "项" by d { statutory 1wd  promised 1wd  when costly })");
  CHECK(b.has(DiagCode::not_an_enum_value));
}

TEST_CASE("regress.needs_answers_skips_items_already_decided") {
  Bundle b(R"(  item i "项" by d {
    statutory 1wd  promised 1wd
    when premises.seats > 100
    when premises.area_m2 > 100
  })");
  REQUIRE(b.compiled);
  const auto r = b.compiled->evaluate_conditions({{"premises.area_m2", 5.0}}, 0);
  CHECK(r.active == std::vector<std::optional<bool>>{false});
  CHECK(r.missing_fields.empty());
  CHECK(r.decided());
}

TEST_CASE("regress.a_failing_situation_says_why") {
  Bundle b(R"(  situation odd = premises.seats / 0 > 1
  item i "项" by d { statutory 1wd  promised 1wd  when odd })");
  REQUIRE(b.compiled);
  const auto r = b.compiled->evaluate_conditions({{"premises.seats", std::int64_t{3}}}, 0);
  REQUIRE_FALSE(r.errors.empty());
  CHECK(r.errors[0] == "situation `odd`: error(division_by_zero)");
}

TEST_CASE("regress.text_in_a_multiple_choice_field_is_checked") {
  Bundle b(R"(  situation raw = "rawfood" in menu.categories
  item i "项" by d { statutory 1wd  promised 1wd  when raw })");
  CHECK(b.has(DiagCode::not_an_enum_value));
}

TEST_CASE("regress.in_list_cells_in_tables") {
  Bundle b(R"(  table t hit first {
    input district enum [huangpu, xuhui]
    output fee int
    rule in ["huangpu"] => 1
    rule not in ["huangpu"] => 2
  }
  situation costly = table("t", premises.district) > 1
  item i "项" by d { statutory 1wd  promised 1wd  when costly })");
  INFO(b.text());
  REQUIRE(b.compiled);
  const expr::Value huangpu[1] = {expr::Value::string("huangpu")}, xuhui[1] = {expr::Value::string("xuhui")};
  expr::Evaluator ev;
  CHECK(expr::to_string(b.compiled->tables().evaluate(0, 0, huangpu, ev)) == "1");
  CHECK(expr::to_string(b.compiled->tables().evaluate(0, 0, xuhui, ev)) == "2");
}

TEST_CASE("regress.or_else_keeps_the_decimal_type") {
  Bundle b(R"(  item i "项" by d { statutory 1wd  promised 1wd })");
  REQUIRE(b.compiled);
  CHECK(eval(b, "or_else(sign.area_m2, 0)") == "0.0");
  CHECK(eval(b, "or_else(premises.seats, 0)") == "0");
  CHECK(eval(b, "-(1wd4wh)") == "-1wd4wh");
}

// Found by fuzz_expression (tests/regress/expression-duration-digits-overflow): a duration
// with more digits than fit in 64 bits overflowed while being read (UBSan: signed overflow).
TEST_CASE("expr.regress.a_duration_with_too_many_digits_is_an_error_not_an_overflow") {
  Bundle b(R"(  item i "项" by d {
    statutory 1wd  promised 1wd
    when premises.seats > 3333333333333333333333333333333333333333wd
  })");
  bool found = false;
  for (const Diagnostic& d : b.diagnostics.items()) found = found || d.message.find("the duration is too long") != std::string::npos;
  std::string all;
  for (const Diagnostic& d : b.diagnostics.items()) all += d.message + "\n";
  INFO(all);
  CHECK(found);
}
