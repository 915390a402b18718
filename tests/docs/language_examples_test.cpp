// The examples of docs/language.md are tested, so the reference cannot drift from the code.
//
// The document's fenced blocks, by info string:
//   ```yi       a complete DSL bundle. It must load and check without errors, unless its
//               first line is `# expect: E4003` (then checking must report that code and no
//               other error). The first error-free `yi` block is "the example bundle".
//   ```answers  lines `field.id = LITERAL` (an expression literal: 120, 3.5, "text", true,
//               2025-06-15, ["a", "b"]): the answers the `expr` blocks below it are evaluated on.
//   ```expr     lines `EXPRESSION  ⇒  RESULT`, checked in the example bundle's environment
//               and evaluated on the latest answers, as of 2025-06-15. RESULT is the value
//               as `expr::to_string` shows it (`true`, `42`, `"text"`, `unknown`,
//               `error(division_by_zero)`), or `E4003` (etc.) when checking must report that
//               code. Lines starting with `#` are comments.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

struct Block {
  std::string info;
  std::string text;
  int line = 0;  // line of the opening fence in the document
};

std::vector<Block> blocks_of(const std::string& doc) {
  std::vector<Block> out;
  std::istringstream in(doc);
  std::string line;
  int n = 0;
  std::optional<Block> open;
  while (std::getline(in, line)) {
    ++n;
    if (line.starts_with("```")) {
      if (open) {
        out.push_back(std::move(*open));
        open.reset();
      } else {
        open = Block{line.substr(3), "", n};
      }
    } else if (open) {
      open->text += line + "\n";
    }
  }
  return out;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// The value of a literal written in the answers block, as an Answer.
std::optional<expr::Answer> answer_of(const std::string& text) {
  Diagnostics d;
  auto ast = dsl::parse_expression(text, {}, d);
  if (!ast) return std::nullopt;
  const auto& n = ast->nodes[ast->root];
  switch (n.kind) {
    case expr::NodeKind::boolean: return n.flag;
    case expr::NodeKind::integer: return n.integer;
    case expr::NodeKind::decimal: return n.decimal;
    case expr::NodeKind::string: return n.text;
    case expr::NodeKind::date: return std::chrono::sys_days{std::chrono::days{n.integer}};
    case expr::NodeKind::list: {
      std::vector<std::string> items;
      for (auto c : n.children) items.push_back(ast->nodes[c].text);
      return items;
    }
    case expr::NodeKind::negate: {
      const auto& c = ast->nodes[n.children[0]];
      if (c.kind == expr::NodeKind::integer) return -c.integer;
      return -c.decimal;
    }
    default: return std::nullopt;
  }
}

}  // namespace

TEST_CASE("docs.language.examples_are_true") {
  const std::string path = source_dir() + "/docs/language.md";
  const std::string doc = read_file(path);
  REQUIRE_FALSE(doc.empty());
  std::optional<CompiledBundle> example;
  expr::Answers answers;
  const std::int64_t today = expr::day_number(std::chrono::sys_days{std::chrono::year{2025} / 6 / 15});
  std::size_t bundles = 0, expressions = 0;
  for (const auto& b : blocks_of(doc)) {
    if (b.info == "yi") {
      ++bundles;
      SourceMap m;
      auto r = dsl::load_text(m, fmt::format("docs/language.md:{}", b.line), b.text);
      Diagnostics all = r.diagnostics;
      if (r.bundle) all.append(check(*r.bundle));
      INFO("docs/language.md:", b.line, "\n", render_text(all, m));
      if (b.text.starts_with("# expect: ")) {
        const std::string code = trim(b.text.substr(10, b.text.find('\n') - 10));
        bool found = false, others = false;
        for (const auto& d : all.items()) {
          if (code_string(d.code) == code) found = true;
          else if (d.severity == Severity::error) others = true;
        }
        CHECK(found);
        CHECK_FALSE(others);
        continue;
      }
      REQUIRE_FALSE(all.has_errors());
      if (!example) example = compile(std::move(*r.bundle)).compiled;
    } else if (b.info == "answers") {
      answers.clear();
      std::istringstream in(b.text);
      std::string line;
      while (std::getline(in, line)) {
        if (trim(line).empty() || trim(line).starts_with("#")) continue;
        const auto eq = line.find(" = ");
        INFO("docs/language.md:", b.line, ": ", line);
        REQUIRE(eq != std::string::npos);
        auto a = answer_of(trim(line.substr(eq + 3)));
        REQUIRE(a);
        answers.emplace_back(trim(line.substr(0, eq)), *a);
      }
    } else if (b.info == "expr") {
      REQUIRE(example);
      std::istringstream in(b.text);
      std::string line;
      while (std::getline(in, line)) {
        if (trim(line).empty() || trim(line).starts_with("#")) continue;
        const auto arrow = line.find("⇒");
        INFO("docs/language.md:", b.line, ": ", line);
        REQUIRE(arrow != std::string::npos);
        const std::string text = trim(line.substr(0, arrow));
        const std::string want = trim(line.substr(arrow + std::string("⇒").size()));
        ++expressions;
        SourceMap m;
        const auto id = m.add("example", text);
        const expr::SpanMap spans{SourceSpan{id, 0, static_cast<std::uint32_t>(text.size())}, true};
        Diagnostics d;
        auto ast = dsl::parse_expression(text, spans, d);
        std::optional<expr::Typed> typed;
        if (ast) typed = expr::check(*ast, example->environment(), spans, d);
        if (want.size() == 5 && (want[0] == 'E' || want[0] == 'W')) {
          INFO(render_text(d, m));
          CHECK(std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& x) { return code_string(x.code) == want; }));
          continue;
        }
        INFO(render_text(d, m));
        REQUIRE((typed && typed->ok));
        const auto program = expr::compile(*ast, *typed, &example->tables());
        const auto conditions = example->evaluate_conditions(answers, today);
        const expr::Bound bound = expr::bind(example->environment(), answers);
        REQUIRE(bound.errors.empty());
        expr::Evaluator ev;
        const expr::Value v = ev.run(program, {.fields = bound.slots, .situations = conditions.situations, .today = today});
        CHECK(expr::to_string(v) == want);
      }
    }
  }
  CHECK(bundles >= 3);
  CHECK(expressions >= 40);
}
