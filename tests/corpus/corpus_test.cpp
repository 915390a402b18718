// The corpus: every malformed input yields an error and no crash; every shipped bundle is clean.
#include <doctest/doctest.h>

#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
namespace fs = std::filesystem;

namespace {
// Loads YAML or (for `.yi`) DSL text with the same limits.
Diagnostics load_check_compile(const std::string& name, std::string text, SourceMap& m,
                               const yaml::LoadOptions& o = {}) {
  std::optional<ir::Bundle> bundle;
  Diagnostics all;
  if (name.ends_with(".yi")) {
    auto r = dsl::load_text(m, name, std::move(text), {o.max_bytes, o.max_entries});
    bundle = std::move(r.bundle);
    all = std::move(r.diagnostics);
  } else {
    auto r = yaml::load_text(m, name, std::move(text), o);
    bundle = std::move(r.bundle);
    all = std::move(r.diagnostics);
  }
  auto& r = bundle;
  if (r) {
    auto c = compile(std::move(*r));
    all.append(c.diagnostics);
    // A compiled bundle exists exactly when there are no errors.
    CHECK(c.compiled.has_value() == !c.diagnostics.has_errors());
  } else {
    CHECK(all.has_errors());  // no bundle without a reason
  }
  // Every diagnostic must render without throwing, located inside its file.
  const std::string text_out = render_text(all, m);
  CHECK_FALSE(text_out.empty());
  (void)render_json(all, m);
  return all;
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() &&
        (e.path().extension() == ".yaml" || e.path().extension() == ".yml" || e.path().extension() == ".yi"))
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("corpus.shipped_bundles_are_clean") {
  const auto files = files_under(fs::path(test::source_dir()) / "bundles" / "national");
  REQUIRE_FALSE(files.empty());
  for (const auto& f : files) {
    SourceMap m;
    auto ds = load_check_compile(f.string(), test::read_file(f.string()), m);
    INFO(f.string() << "\n" << render_text(ds, m));
    CHECK(ds.empty());  // neither errors nor warnings
  }
}

TEST_CASE("corpus.malformed_files_each_yield_an_error") {
  const auto files = files_under(fs::path(test::source_dir()) / "tests" / "corpus" / "malformed");
  REQUIRE(files.size() >= 5);
  for (const auto& f : files) {
    SourceMap m;
    auto ds = load_check_compile(f.string(), test::read_file(f.string()), m);
    INFO(f.string());
    CHECK(ds.has_errors());
  }
}

TEST_CASE("corpus.degenerate_inputs") {
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"empty", ""},
      {"whitespace", "   \n\n  \n"},
      {"comment only", "# nothing here\n"},
      {"scalar", "just text"},
      {"null root", "~"},
      {"nul byte", std::string("bundle: a\0b\n", 12)},
      {"bom then garbage", "\xEF\xBB\xBF: : :"},
      {"unclosed quote", "bundle: \"abc\nname: x\n"},
      {"unclosed flow", "items: [a, {b: c\n"},
      {"alias loop", "a: &x [*x]\n"},
      {"undefined alias", "bundle: *nope\n"},
      {"tabs", "bundle: a\n\tname: b\n"},
      {"deep nesting", std::string(100000, '[')},
      {"deep maps", [] {
         std::string s;
         for (int i = 0; i < 5000; ++i) s += std::string(static_cast<std::size_t>(i % 50), ' ') + "a:\n";
         return s;
       }()},
      {"many documents", "bundle: a\n---\nbundle: b\n---\n"},
      {"crlf bundle", [] {
         std::string s = test::minimal_bundle() + "  third: 3\n";
         std::string out;
         for (char c : s) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
         return out;
       }()},
  };
  for (const auto& [name, text] : inputs) {
    SourceMap m;
    INFO(name);
    auto ds = load_check_compile(name, text, m);
    CHECK(ds.has_errors());
  }
}

TEST_CASE("corpus.binary_garbage") {
  std::mt19937 rng(20241);
  for (int round = 0; round < 200; ++round) {
    std::string s(static_cast<std::size_t>(rng() % 4096), '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    SourceMap m;
    auto ds = load_check_compile("garbage", s, m);
    CHECK(ds.has_errors());
  }
}

TEST_CASE("corpus.huge_file_is_refused") {
  std::string big = test::minimal_bundle();
  big += "# " + std::string(10u << 20, 'x') + "\n";  // a 10 MB file
  SourceMap m;
  auto ds = load_check_compile("huge.yaml", big, m);
  REQUIRE(ds.items().size() == 1);
  CHECK(ds.items()[0].code == DiagCode::file_too_large);
}

TEST_CASE("corpus.large_valid_file_within_limits_loads") {
  // 2,000 items in a chain: far larger than any real bundle, still loads and compiles.
  std::string s = "bundle: big\nname: 大\nversion: \"1\"\nlead: d\ndepartments: {d: 部门}\nmaterials: {m: 材料}\nitems:\n";
  for (int i = 0; i < 2000; ++i)
    s += fmt::format("  i{}: {{name: 项{}, department: d, materials: [m], statutory: 5wd, promised: 1wd{}}}\n", i, i,
                     i ? fmt::format(", after: [i{}]", i - 1) : "");
  SourceMap m;
  auto ds = load_check_compile("big.yaml", s, m);
  INFO(render_text(ds, m));
  CHECK(ds.empty());
}

TEST_CASE("corpus.random_mutations_of_a_real_bundle_never_crash") {
  const std::string base = test::read_file(test::source_dir() + "/bundles/national/open_restaurant.yaml");
  std::mt19937 rng(7);
  const std::string alphabet = ":-[]{}#&*!|>'\"%@` \n\tabc0wd,";
  int rejected = 0;
  for (int round = 0; round < 1500; ++round) {
    std::string s = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[at] = alphabet[rng() % alphabet.size()]; break;
        case 1: s.erase(at, 1 + rng() % 8); break;
        default: s.insert(at, 1, alphabet[rng() % alphabet.size()]); break;
      }
    }
    SourceMap m;
    auto ds = load_check_compile("mutant.yaml", s, m);
    rejected += ds.has_errors();
  }
  CHECK(rejected > 500);  // most mutations break the bundle; none may crash it
}
