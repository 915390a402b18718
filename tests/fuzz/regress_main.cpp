// Runs a fuzz target's entry function on files, without libFuzzer: the ctest tests
// `fuzz.regress.*` (each minimised crash kept in tests/regress/) and `fuzz.corpus.*` (the seed
// corpus) replay them in every build, sanitizers included, so a fixed crash stays fixed.
//   regress_<target> PATH...   a file is one input; a directory gives each file in it
// A failing input aborts inside the target (or trips a sanitizer); the input's name is printed
// first so the log says which one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

int run(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "regress: cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), {}};
  std::fprintf(stderr, "regress: %s (%zu bytes)\n", file.c_str(), bytes.size());
  std::fflush(stderr);
  // A copy on the heap of exactly the input's size, as libFuzzer passes it, so that a read
  // past the end is caught by AddressSanitizer.
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  static std::uint8_t none = 0;  // libFuzzer never passes a null pointer, even for no bytes
  (void)LLVMFuzzerTestOneInput(data.empty() ? &none : data.data(), data.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH...\n", argv[0]);
    return 2;
  }
  int failed = 0, inputs = 0;
  for (int k = 1; k < argc; ++k) {
    const fs::path path = argv[k];
    std::vector<fs::path> files;
    if (fs::is_directory(path)) {
      for (const auto& entry : fs::directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const fs::path& file : files) {
      failed += run(file);
      ++inputs;
    }
  }
  std::printf("regress: %d input(s) ran, %d unreadable\n", inputs, failed);
  return failed == 0 && inputs > 0 ? 0 : 1;
}
