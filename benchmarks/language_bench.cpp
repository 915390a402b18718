// The languages: compiled conditions, decision tables and DSL parsing, one core.
// Targets (judged in benchmarks/RESULTS.md): a 5-clause condition ≥ 20 M evaluations/s; a
// 20-rule FIRST decision table ≥ 5 M evaluations/s; DSL parsing ≥ 5 MB/s.
// `bench_language --applicants` prints the workload of the condition and table benchmarks
// instead (the condition, the rules, the 1,024 applicants and yishi's result for each), so
// that the peer engines of benchmarks/peers/ run exactly the same inputs and check their
// answers against yishi's.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "yishi/yishi.hpp"

namespace {

using yishi::expr::Value;

// A restaurant-like field dictionary with one table, compiled from DSL text.
const char* const bench_bundle = R"yi(bundle bench "基准" version 1 {
  lead market_regulation
  department market_regulation "市场监督管理局"
  field premises.area_m2 decimal "面积"
  field premises.seats int "座位数"
  field premises.district enum "所在区" { values [d0, d1, d2, d3, d4] }
  field menu.kind enum "经营类别" { values [hot_food, cold_food, drinks] }
  field sign.installed bool "是否设置招牌"
  field operator.birth_date date "出生日期"
  table fee "核查费" hit first {
    input area decimal
    input district enum [d0, d1, d2, d3, d4]
    output amount int
%RULES%  }
  item licence "许可" by market_regulation {
    form premises.area_m2, premises.seats, premises.district, menu.kind, sign.installed, operator.birth_date
    statutory 5wd  promised 3wd
  }
}
)yi";

/// A rule of the `fee` table: area in [from, to) and the district; the amount.
struct FeeRule {
  int from, to, district, amount;
};

/// 19 rules: four area bands (by 100 m²) for each of the five districts (three for the last),
/// then a catch-all (`rule - | - => 0`).
std::vector<FeeRule> fee_rules() {
  std::vector<FeeRule> out;
  for (int r = 0; r < 19; ++r) out.push_back({(r % 4) * 100, (r % 4 + 1) * 100, r / 4, 100 + r});
  return out;
}

std::string bundle_text() {
  std::string rules;
  for (const FeeRule& r : fee_rules())
    rules += fmt::format("    rule [{}..{}) | \"d{}\" => {}\n", r.from, r.to, r.district, r.amount);
  rules += "    rule - | - => 0\n";
  std::string text = bench_bundle;
  text.replace(text.find("%RULES%"), 7, rules);
  return text;
}

struct Setup {
  yishi::SourceMap sources;
  std::optional<yishi::CompiledBundle> compiled;
  Setup() {
    auto r = yishi::dsl::load_text(sources, "bench.yi", bundle_text());
    if (!r.bundle) throw std::runtime_error(yishi::render_text(r.diagnostics, sources));
    auto c = yishi::compile(std::move(*r.bundle));
    if (!c.compiled) throw std::runtime_error(yishi::render_text(c.diagnostics, sources));
    compiled = std::move(c.compiled);
  }
  yishi::expr::Program program(const std::string& text) {
    yishi::Diagnostics d;
    auto ast = yishi::dsl::parse_expression(text, {}, d);
    auto typed = yishi::expr::check(*ast, compiled->environment(), {}, d);
    if (!typed.ok) throw std::runtime_error("benchmark expression does not check");
    return yishi::expr::compile(*ast, typed, &compiled->tables());
  }
};

Setup& setup() {
  static Setup s;
  return s;
}

// Answers varied so that branches are not trivially predicted: 1024 applicants.
std::vector<std::vector<Value>> applicants() {
  std::mt19937 rng(7);
  static const char* kinds[] = {"hot_food", "cold_food", "drinks"};
  static const char* districts[] = {"d0", "d1", "d2", "d3", "d4"};
  std::vector<std::vector<Value>> out(1024);
  for (auto& a : out) {
    a = {Value::decimal(std::uniform_real_distribution<double>(10, 450)(rng)),
         Value::integer(std::uniform_int_distribution<int>(0, 120)(rng)),
         Value::string(districts[std::uniform_int_distribution<int>(0, 4)(rng)]),
         Value::string(kinds[std::uniform_int_distribution<int>(0, 2)(rng)]),
         Value::boolean(std::uniform_int_distribution<int>(0, 1)(rng) == 1),
         Value::date(std::uniform_int_distribution<int>(0, 15000)(rng))};
  }
  return out;
}

// Five clauses joined by `and`/`or`, on five different fields and types.
const char* const condition_text =
    "premises.area_m2 >= 50 and premises.seats > 20 and menu.kind in [\"hot_food\", \"cold_food\"] "
    "and not sign.installed or operator.birth_date < 1995-01-01";

void BM_Condition5Clauses(benchmark::State& state) {
  auto program = setup().program(condition_text);
  const auto people = applicants();
  yishi::expr::Evaluator ev;
  std::size_t i = 0, yes = 0;
  for (auto _ : state) {
    const Value v = ev.run(program, {.fields = people[i++ & 1023], .situations = {}, .today = 20000});
    yes += v.is_true();
  }
  benchmark::DoNotOptimize(yes);
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Condition5Clauses);

// A 20-rule FIRST table called directly with its two inputs.
void BM_Table20RulesFirst(benchmark::State& state) {
  const auto& tables = setup().compiled->tables();
  const auto people = applicants();
  yishi::expr::Evaluator ev;
  std::size_t i = 0;
  std::int64_t sum = 0;
  for (auto _ : state) {
    const auto& p = people[i++ & 1023];
    const Value args[2] = {p[0], p[2]};
    sum += tables.evaluate(0, 0, args, ev).i;
  }
  benchmark::DoNotOptimize(sum);
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Table20RulesFirst);

// The same table through a condition: `table("fee", ...) > 150`.
void BM_ConditionCallingTable(benchmark::State& state) {
  auto program = setup().program("table(\"fee\", premises.area_m2, premises.district) > 150");
  const auto people = applicants();
  yishi::expr::Evaluator ev;
  std::size_t i = 0, yes = 0;
  for (auto _ : state) yes += ev.run(program, {.fields = people[i++ & 1023], .situations = {}, .today = 20000}).is_true();
  benchmark::DoNotOptimize(yes);
  state.counters["evals/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ConditionCallingTable);

// DSL parsing (load to IR, no check): a generated bundle of about 1 MB.
std::string large_dsl() {
  std::string s = "bundle large \"大型一件事\" version 1 {\n  lead dept0\n";
  for (int d = 0; d < 20; ++d) s += fmt::format("  department dept{} \"部门{}\" {{ basis \"[I] 第{}部门\" }}\n", d, d, d);
  for (int f = 0; f < 300; ++f)
    s += fmt::format("  field group{}.field{} {} \"字段{}\" {{ help \"请填写字段{}\" }}\n", f % 10, f,
                     f % 3 == 0 ? "string" : (f % 3 == 1 ? "int" : "decimal"), f, f);
  for (int m = 0; m < 150; ++m)
    s += fmt::format("  material material{} \"材料{}\"{}\n", m, m, m % 3 == 0 ? " { deferrable 3wd  basis \"[I]\" }" : "");
  for (int k = 0; k < 40; ++k)
    s += fmt::format("  situation situation{} \"情形{}\" = group{}.field{} > {} and group{}.field{} < {}\n", k, k, (k * 3 + 1) % 10,
                     k * 3 + 1, k, (k * 3 + 4) % 10, k * 3 + 4, k * 10);
  for (int i = 0; i < 1500; ++i) {
    s += fmt::format("  item item{} \"事项{}\" by dept{}{} {{\n", i, i, i % 20, i > 0 ? fmt::format(" after item{}", i - 1) : "");
    s += fmt::format("    form group{}.field{}, group{}.field{}, group{}.field{}\n", i % 10, i % 300, (i + 1) % 10, (i + 1) % 300,
                     (i + 2) % 10, (i + 2) % 300);
    s += fmt::format("    materials core material{}, material{}\n", i % 150, (i + 7) % 150);
    s += "    statutory 10wd  promised 5wd\n";
    s += fmt::format("    when situation{} or group{}.field{} >= {}\n", i % 40, (i + 4) % 10, (i + 4) % 300, i % 50);
    s += "    review vote 2 [reviewer, section_chief weight 2, director]\n";
    s += fmt::format("    basis \"[I] 第{}项，依据地方办事指南\"\n  }}\n", i);
  }
  return s + "}\n";
}

void BM_DslParse(benchmark::State& state) {
  const std::string text = large_dsl();
  for (auto _ : state) {
    yishi::SourceMap m;
    auto r = yishi::dsl::load_text(m, "large.yi", text);
    if (!r.bundle) state.SkipWithError("the generated bundle does not load");
    benchmark::DoNotOptimize(r.bundle);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_DslParse)->Unit(benchmark::kMillisecond);

// The workload above as one JSON document (see the file comment); fields in the order of
// applicants(): area, seats, district, kind, sign installed, birth date (days since
// 1970-01-01, as the language stores a date).
void print_workload() {
  const auto people = applicants();
  auto condition = setup().program(condition_text);
  const auto& tables = setup().compiled->tables();
  yishi::expr::Evaluator ev;
  std::string quoted;  // the condition as a JSON string
  for (const char* c = condition_text; *c; ++c) {
    if (*c == '"' || *c == '\\') quoted += '\\';
    quoted += *c;
  }
  std::string out = fmt::format("{{\"condition\": \"{}\",\n\"rules\": [\n", quoted);
  for (const FeeRule& r : fee_rules())
    out += fmt::format("  {{\"area_from\": {}, \"area_to\": {}, \"district\": \"d{}\", \"amount\": {}}},\n", r.from, r.to,
                       r.district, r.amount);
  out += "  {\"area_from\": null, \"area_to\": null, \"district\": null, \"amount\": 0}],\n\"applicants\": [\n";
  for (std::size_t k = 0; k < people.size(); ++k) {
    const auto& p = people[k];
    const bool yes = ev.run(condition, {.fields = p, .situations = {}, .today = 20000}).is_true();
    const Value args[2] = {p[0], p[2]};
    const std::int64_t amount = tables.evaluate(0, 0, args, ev).i;
    out += fmt::format(
        "  {{\"area_m2\": {}, \"seats\": {}, \"district\": \"{}\", \"kind\": \"{}\", \"sign_installed\": {}, "
        "\"birth_date\": {}, \"condition\": {}, \"amount\": {}}}{}\n",
        p[0].d, p[1].i, p[2].str(), p[3].str(), p[4].b, p[5].i, yes, amount, k + 1 < people.size() ? "," : "");
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--applicants") {
    print_workload();
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
