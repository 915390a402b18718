// Embedding yishi: load a bundle, report diagnostics, compile it, and walk its step graph.
//
//   example_check_and_compile bundles/national/open_restaurant.yaml
#include <cstdio>

#include <yishi/yishi.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s BUNDLE.yaml\n", argv[0]);
    return 2;
  }
  yishi::SourceMap sources;  // owns the text every diagnostic points into
  auto loaded = yishi::yaml::load_file(sources, argv[1]);
  if (!loaded.bundle) {
    std::fputs(yishi::render_text(loaded.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  auto result = yishi::compile(std::move(*loaded.bundle));  // runs the checker first
  if (!result.compiled) {
    std::fputs(yishi::render_text(result.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  const yishi::CompiledBundle& bundle = *result.compiled;  // immutable; copy and share freely
  std::printf("%s (%s): %zu steps\n", bundle.bundle().id.c_str(), bundle.bundle().name.c_str(),
              bundle.steps().size());
  std::string order;
  for (yishi::StepId id : bundle.topological_order()) {
    if (!order.empty()) order += " -> ";
    order += bundle.step(id).name;
  }
  std::printf("%s\n", order.c_str());
  for (const auto& level : bundle.levels()) {
    std::printf("in parallel:");
    for (yishi::StepId id : level) std::printf(" %s", bundle.step(id).name.c_str());
    std::printf("\n");
  }
  return 0;
}
