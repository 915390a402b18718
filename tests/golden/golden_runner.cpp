// Golden-file runner: renders a file's diagnostics and compares them with `<stem>.diag`, or
// a bundle's 四减 report (text, then JSON) and compares it with an expected `.report` file.
//   golden_runner ROOT tests/golden/check/E3001_unknown_item.yaml
//   golden_runner ROOT --report bundles/national/retirement.yi tests/golden/report/national/retirement.report
//   golden_runner ROOT --coverage tests/golden/check    (every code has a golden file)
// With YISHI_UPDATE_GOLDEN=1 the expected file is rewritten instead of compared.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "yishi/yishi.hpp"

namespace fs = std::filesystem;

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string render(const fs::path& root, const std::string& rel) {
  yishi::SourceMap sources;
  // Load by the path relative to the repository so the rendering does not depend on where
  // the checkout lives.
  auto r = yishi::load_bundle_text(sources, rel, slurp(root / rel));
  yishi::Diagnostics all = std::move(r.diagnostics);
  if (r.bundle) all.append(yishi::check(*r.bundle));
  return yishi::render_text(all, sources);
}

// The report of a bundle that must compile (diagnostics instead, which then fail the comparison).
std::string render_report(const fs::path& root, const std::string& rel) {
  yishi::SourceMap sources;
  auto r = yishi::load_bundle_text(sources, rel, slurp(root / rel));
  yishi::Diagnostics all = std::move(r.diagnostics);
  if (!r.bundle) return yishi::render_text(all, sources);
  auto c = yishi::compile(std::move(*r.bundle));
  if (!c.compiled) return yishi::render_text(c.diagnostics, sources);
  const yishi::forms::FormModel model(*c.compiled);
  const auto report = yishi::analysis::report(model);
  return yishi::analysis::to_text(report) + "\n" + yishi::analysis::to_json(report) + "\n";
}

int compare(const std::string& rel, const fs::path& expected_path, const std::string& actual) {
  const char* update = std::getenv("YISHI_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(expected_path, std::ios::binary) << actual;
    std::cout << "updated " << expected_path.string() << "\n";
    return 0;
  }
  if (!fs::exists(expected_path)) {
    std::cerr << "missing expected file " << expected_path.string() << "\nactual output:\n" << actual;
    return 1;
  }
  const std::string expected = slurp(expected_path);
  if (expected == actual) return 0;
  std::cerr << "golden mismatch for " << rel << "\n--- expected (" << expected_path.string() << ")\n"
            << expected << "--- actual\n" << actual
            << "(set YISHI_UPDATE_GOLDEN=1 to accept the new output)\n";
  return 1;
}

// Codes that no single YAML file can produce; each is covered by a unit test instead.
const std::set<std::string> exempt = {
    "E1000",  // unreadable file: unit test yaml.load_file.unreadable_path
    "E6001",  // 8 MiB file: corpus test corpus.huge_file_is_refused
    "E6003",  // 10,000 entries: unit test yaml.limits.too_many_entries
};

int coverage(const fs::path& root, const std::string& dir) {
  std::set<std::string> seen;
  for (const auto& e : fs::directory_iterator(root / dir)) {
    if (e.path().extension() != ".diag") continue;
    const std::string text = slurp(e.path());
    for (std::size_t i = text.find('['); i != std::string::npos; i = text.find('[', i + 1))
      if (i + 6 < text.size() && text[i + 6] == ']') seen.insert(text.substr(i + 1, 5));
  }
  int missing = 0;
  for (const auto& info : yishi::all_diagnostic_codes()) {
    if (info.number >= 2000 && info.number < 3000) continue;  // DSL: its own golden suite
    if (info.number >= 7000) continue;                        // runtime and store codes
    const std::string code = yishi::code_string(info.code);
    if (seen.count(code) || exempt.count(code)) continue;
    std::cerr << "no golden file produces " << code << " (" << info.title << ")\n";
    ++missing;
  }
  return missing == 0 ? 0 : 1;
}
}  // namespace

int main(int argc, char** argv) {
  // Paths are relative to the repository (a variant's `extends` too): work from there.
  if (argc >= 2) fs::current_path(argv[1]);
  if (argc == 4 && std::string(argv[2]) == "--coverage") return coverage(argv[1], argv[3]);
  if (argc == 5 && std::string(argv[2]) == "--report")
    return compare(argv[3], fs::path(argv[1]) / argv[4], render_report(argv[1], argv[3]));
  if (argc != 3) {
    std::cerr << "usage: golden_runner ROOT FILE | ROOT --report FILE EXPECTED | ROOT --coverage DIR\n";
    return 2;
  }
  return compare(argv[2], (fs::path(argv[1]) / argv[2]).replace_extension(".diag"), render(argv[1], argv[2]));
}
