// libFuzzer target: the expression and decision-cell parsers, the type checker, the compiler
// and the evaluator. Any input must yield diagnostics or a value; never a crash, a leak or a
// sanitizer report. A program that checked clean must evaluate without allocating beyond
// its stack, on answered and on unanswered fields alike.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "yishi/dsl/parse.hpp"
#include "yishi/expr/expr.hpp"

using namespace yishi;

namespace {

struct Fixture {
  expr::Environment env;
  std::vector<expr::Value> answered, unanswered, situations;
  expr::Value categories[2] = {expr::Value::string("hot_food"), expr::Value::string("raw_food")};
  Fixture() {
    env.add_field("premises.area_m2", expr::Type::decimal());
    env.add_field("premises.seats", expr::Type::integer());
    env.add_field("menu.kind", expr::Type::string(), {"hot_food", "cold_food"});
    env.add_field("menu.categories", expr::Type::list_of(expr::Type::string()), {"hot_food", "raw_food"});
    env.add_field("operator.birth_date", expr::Type::date());
    env.add_field("operator.name", expr::Type::string());
    env.add_field("sign.installed", expr::Type::boolean());
    env.add_situation("large_venue");
    answered = {expr::Value::decimal(120.5), expr::Value::integer(0), expr::Value::string("hot_food"),
                expr::Value::list(categories, 2), expr::Value::date(7000), expr::Value::string("张三"),
                expr::Value::boolean(true)};
    unanswered.assign(answered.size(), expr::Value::unknown());
    situations = {expr::Value::boolean(false)};
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Diagnostics d;
  if (auto ast = dsl::parse_expression(text, {}, d)) {
    auto typed = expr::check(*ast, f.env, {}, d);
    if (typed.ok) {
      auto program = expr::compile(*ast, typed);
      (void)program.disassemble();
      expr::Evaluator ev;
      for (const auto* fields : {&f.answered, &f.unanswered})
        (void)expr::to_string(ev.run(program, {.fields = *fields, .situations = f.situations, .today = 20000}));
    }
  }
  Diagnostics cells;
  if (auto tests = dsl::parse_unary_tests(text, {}, cells)) (void)tests->tests.size();
  return 0;
}
