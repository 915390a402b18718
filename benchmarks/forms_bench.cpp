// Forms and the 四减 report: the merged form, the material plan and the report for one
// applicant, per shipped national bundle and the bookstore fixture (one core).
// Target (judged in benchmarks/RESULTS.md): all three together under 200 µs for the largest.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "yishi/yishi.hpp"

namespace {

namespace fs = std::filesystem;

std::optional<yishi::CompiledBundle> compile_file(const fs::path& path) {
  yishi::SourceMap sources;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  auto r = yishi::load_bundle_text(sources, path.filename().string(), text.str());
  if (!r.bundle) return std::nullopt;
  auto c = yishi::compile(std::move(*r.bundle));
  return c.compiled;
}

void forms_plan_report(benchmark::State& state, const fs::path& path) {
  const auto compiled = compile_file(path);
  if (!compiled) {
    state.SkipWithError("the bundle does not compile");
    return;
  }
  const yishi::forms::FormModel model(*compiled);
  yishi::forms::Applicant applicant;
  applicant.every_item = true;  // every item applies: the largest form and plan
  std::size_t fields = 0;
  for (auto _ : state) {
    auto form = model.merge(applicant);
    auto plan = model.materials(applicant);
    auto report = yishi::analysis::report(model, applicant);
    fields = form.fields.size();
    benchmark::DoNotOptimize(form);
    benchmark::DoNotOptimize(plan);
    benchmark::DoNotOptimize(report);
  }
  state.counters["fields"] = static_cast<double>(fields);
  state.counters["items"] = static_cast<double>(compiled->bundle().items.size());
}

const int registered = [] {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(YISHI_SOURCE_DIR) / "bundles" / "national")) files.push_back(e.path());
  files.push_back(fs::path(YISHI_SOURCE_DIR) / "tests" / "golden" / "report" / "open_bookstore.yaml");
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    benchmark::RegisterBenchmark(("BM_FormPlanReport/" + f.stem().string()).c_str(), forms_plan_report, f)
        ->Unit(benchmark::kMicrosecond);
  return 0;
}();

}  // namespace

BENCHMARK_MAIN();
