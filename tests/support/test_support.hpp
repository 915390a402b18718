// Helpers shared by the unit suites: load text as a bundle, render, find diagnostics.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "yishi/yishi.hpp"

namespace yishi::test {

inline std::string source_dir() { return YISHI_SOURCE_DIR; }

/// A fresh directory under the system's temporary folder, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "yishi-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(std::string_view name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// `s` with the first occurrence of `from` replaced; fails the test when `from` is absent.
inline std::string replace(std::string s, std::string_view from, std::string_view to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

/// Loads YAML text and, when it loaded, runs the checker; all diagnostics together.
struct Checked {
  SourceMap sources;
  std::optional<ir::Bundle> bundle;
  Diagnostics diagnostics;

  [[nodiscard]] bool has(DiagCode c) const {
    return std::any_of(diagnostics.items().begin(), diagnostics.items().end(),
                       [&](const Diagnostic& d) { return d.code == c; });
  }
  [[nodiscard]] const Diagnostic* find(DiagCode c) const {
    for (const auto& d : diagnostics.items())
      if (d.code == c) return &d;
    return nullptr;
  }
  /// The source text under a diagnostic's primary caret.
  [[nodiscard]] std::string underlined(const Diagnostic& d) const { return std::string(sources.slice(d.span)); }
  [[nodiscard]] LineColumn where(const Diagnostic& d) const {
    return sources.file(d.span.source).line_column(d.span.begin);
  }
  [[nodiscard]] std::string text() const { return render_text(diagnostics, sources); }
};

inline Checked load_and_check(std::string text, std::string name = "test.yaml") {
  Checked c;
  auto r = yaml::load_text(c.sources, std::move(name), std::move(text));
  c.diagnostics = std::move(r.diagnostics);
  if (r.bundle) {
    c.bundle = std::move(r.bundle);
    c.diagnostics.append(check(*c.bundle));
  }
  return c;
}

/// Loads a bundle (YAML, or the DSL for a `.yi` name) and compiles it; fails the test when it
/// does not compile.
inline CompiledBundle compile_text(const std::string& text, const std::string& name = "test.yaml") {
  SourceMap sources;
  auto r = load_bundle_text(sources, name, text);
  REQUIRE_MESSAGE(r.bundle, render_text(r.diagnostics, sources));
  auto c = compile(std::move(*r.bundle));
  REQUIRE_MESSAGE(c.compiled, render_text(c.diagnostics, sources));
  return *c.compiled;
}

/// The bookstore fixture of the form and report tests (tests/golden/report/open_bookstore.yaml).
inline CompiledBundle bookstore_bundle() {
  return compile_text(read_file(source_dir() + "/tests/golden/report/open_bookstore.yaml"), "open_bookstore.yaml");
}

/// A complete, valid bookstore submission: a 30 m² shop without a sign (the fire check and
/// the sign item do not apply).
inline expr::Answers bookstore_small_shop() {
  return {{"applicant.name", std::string("王小明")},
          {"applicant.id_number", std::string("11010519491231002X")},
          {"applicant.phone", std::string("13812345678")},
          {"store.name", std::string("新华路书屋")},
          {"store.address", std::string("上海市黄浦区新华路1号")},
          {"store.area_m2", 30.0},
          {"manager.name", std::string("李四")},
          {"publication.categories", std::vector<std::string>{"books", "periodicals"}},
          {"sign.installed", false},
          {"tax.invoice_types", std::vector<std::string>{"general"}}};
}

/// A minimal valid bundle to derive test cases from.
inline std::string minimal_bundle() {
  return R"(bundle: mini
name: 最小
version: "1"
lead: dept_a
departments:
  dept_a: 甲部门
  dept_b: 乙部门
fields:
  applicant.name: {type: string, label: 姓名}
materials:
  form_a: 申请表
items:
  first:
    name: 第一项
    department: dept_a
    form: [applicant.name]
    materials: [form_a]
    statutory: 10wd
    promised: 5wd
  second:
    name: 第二项
    department: dept_b
    after: [first]
    form: [applicant.name]
    materials: [form_a]
    statutory: 10wd
    promised: 5wd
)";
}

}  // namespace yishi::test
