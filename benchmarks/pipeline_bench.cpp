// Front-end pipeline speed: load (YAML) + check + compile, on the restaurant bundle and on a
// generated 200-item bundle. Target: under 1 ms for the restaurant bundle.
#include <benchmark/benchmark.h>

#include <fstream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "yishi/yishi.hpp"

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A large, realistic-shaped bundle: 20 departments, 300 fields, 150 materials (a third
// deferrable, a fifth provider-supplied), 20 situations, and 200 items in layers, each
// waiting for up to three items of earlier layers.
std::string field_name(int f) { return fmt::format("group{}.field{}", f % 10, f); }

std::string generated_bundle(int items) {
  std::mt19937 rng(42);
  std::string s = "bundle: generated\nname: 生成的大型一件事\nversion: \"1\"\nlead: dept0\ndepartments:\n";
  for (int d = 0; d < 20; ++d) s += fmt::format("  dept{}: 部门{}\n", d, d);
  s += "fields:\n";
  for (int f = 0; f < 300; ++f)
    s += fmt::format("  {}: {{type: {}, label: 字段{}}}\n", field_name(f),
                     f % 3 == 0 ? "string" : (f % 3 == 1 ? "int" : "date"), f);
  s += "materials:\n";
  for (int m = 0; m < 150; ++m)
    s += fmt::format("  material{}: {{name: 材料{}{}{}}}\n", m, m, m % 3 == 0 ? ", deferrable: 3wd" : "",
                     m % 5 == 0 ? ", source: e_licence" : "");
  s += "situations:\n";
  for (int k = 0; k < 20; ++k) s += fmt::format("  situation{}: \"{} > {}\"\n", k, field_name(k * 15 + 1), k);
  s += "items:\n";
  for (int i = 0; i < items; ++i) {
    s += fmt::format("  item{}:\n    name: 事项{}\n    department: dept{}\n", i, i, i % 20);
    s += "    form: [";
    for (int f = 0; f < 8; ++f) s += fmt::format("{}{}", f ? ", " : "", field_name((i * 8 + f) % 300));
    s += "]\n    materials: [";
    for (int m = 0; m < 4; ++m) s += fmt::format("{}material{}", m ? ", " : "", (i * 5 + m * 11 + 1) % 150);
    s += "]\n    statutory: 20wd\n    promised: 10wd\n";
    const int layer = i / 20;
    if (layer > 0) {
      s += "    after: [";
      const int n = 1 + static_cast<int>(rng() % 3);
      for (int a = 0; a < n; ++a) s += fmt::format("{}item{}", a ? ", " : "", static_cast<int>(rng() % static_cast<unsigned>(layer * 20)));
      s += "]\n";
    }
    if (i % 7 == 0) s += fmt::format("    when: situation{}\n", i % 20);
    if (i % 5 == 0) s += "    review: {join: vote, threshold: 2, signers: [a, b, c]}\n";
  }
  return s;
}

void run_pipeline(benchmark::State& state, const std::string& text) {
  std::size_t steps = 0;
  for (auto _ : state) {
    yishi::SourceMap sources;
    auto loaded = yishi::yaml::load_text(sources, "bench.yaml", text);
    if (!loaded.bundle) {
      state.SkipWithError("bundle did not load");
      return;
    }
    auto result = yishi::compile(std::move(*loaded.bundle));
    if (!result.compiled) {
      state.SkipWithError(yishi::render_text(result.diagnostics, sources).c_str());
      return;
    }
    steps = result.compiled->steps().size();
    benchmark::DoNotOptimize(steps);
  }
  state.counters["steps"] = static_cast<double>(steps);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_RestaurantLoadCheckCompile(benchmark::State& state) {
  static const std::string text = read_file(std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  run_pipeline(state, text);
}
BENCHMARK(BM_RestaurantLoadCheckCompile)->Unit(benchmark::kMicrosecond);

void BM_Generated200LoadCheckCompile(benchmark::State& state) {
  static const std::string text = generated_bundle(200);
  run_pipeline(state, text);
}
BENCHMARK(BM_Generated200LoadCheckCompile)->Unit(benchmark::kMicrosecond);

// The stages apart, on the restaurant bundle: where does the time go?
void BM_RestaurantLoadOnly(benchmark::State& state) {
  static const std::string text = read_file(std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  for (auto _ : state) {
    yishi::SourceMap sources;
    auto loaded = yishi::yaml::load_text(sources, "bench.yaml", text);
    benchmark::DoNotOptimize(loaded.bundle);
  }
}
BENCHMARK(BM_RestaurantLoadOnly)->Unit(benchmark::kMicrosecond);

void BM_RestaurantCheckAndCompileOnly(benchmark::State& state) {
  static const std::string text = read_file(std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  yishi::SourceMap sources;
  const yishi::ir::Bundle bundle = *yishi::yaml::load_text(sources, "bench.yaml", text).bundle;
  for (auto _ : state) {
    auto result = yishi::compile(bundle);
    benchmark::DoNotOptimize(result.compiled);
  }
}
BENCHMARK(BM_RestaurantCheckAndCompileOnly)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
