// Uses the installed yishi package: compiles a bundle given on the command line.
#include <cstdio>

#include <yishi/yishi.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  yishi::SourceMap sources;
  auto loaded = yishi::yaml::load_file(sources, argv[1]);
  if (!loaded.bundle) return 1;
  auto result = yishi::compile(std::move(*loaded.bundle));
  if (!result.compiled) return 1;
  std::printf("consumer compiled %s: %zu steps\n", result.compiled->bundle().id.c_str(),
              result.compiled->steps().size());
  return 0;
}
