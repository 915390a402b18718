// Diagnostic table, collection, and text/JSON rendering.
#include <doctest/doctest.h>

#include <set>

#include "yishi/diag/diagnostic.hpp"

using namespace yishi;

TEST_CASE("diag.table.codes_are_unique_and_grouped_by_stage") {
  std::set<int> numbers;
  for (const auto& i : all_diagnostic_codes()) {
    CHECK(numbers.insert(i.number).second);
    CHECK(i.number >= 1000);
    CHECK(i.number < 9000);
    CHECK_FALSE(i.title.empty());
    CHECK_FALSE(i.explanation.empty());
    // warnings live in the x1xx block of their stage
    CHECK((i.severity == Severity::warning) == (i.number % 1000 >= 100));
  }
  CHECK(code_string(DiagCode::unknown_item) == "E3001");
  CHECK(code_string(DiagCode::item_without_materials) == "W5101");
  CHECK(parse_code("e3001") == DiagCode::unknown_item);
  CHECK(parse_code("3001") == DiagCode::unknown_item);
  CHECK_FALSE(parse_code("E9999").has_value());
  CHECK_FALSE(parse_code("E30011").has_value());
}

TEST_CASE("diag.render.text_has_location_excerpt_and_caret") {
  SourceMap m;
  auto id = m.add("b.yaml", "items:\n  x:\n    after: [food_licnce]\n");
  Diagnostics ds;
  const std::uint32_t at = static_cast<std::uint32_t>(std::string("items:\n  x:\n    after: [").size());
  ds.add(Diagnostic::make(DiagCode::unknown_item, {id, at, at + 11}, "unknown item `food_licnce`")
             .label("no item with this id")
             .with_help("did you mean `food_licence`?"));
  const std::string out = render_text(ds, m);
  CHECK(out ==
        "b.yaml:3:13: error[E3001]: unknown item `food_licnce`\n"
        "  |\n"
        "3 |     after: [food_licnce]\n"
        "  |             ^^^^^^^^^^^ no item with this id\n"
        "  = help: did you mean `food_licence`?\n"
        "\n"
        "1 error\n");
}

TEST_CASE("diag.render.caret_aligns_under_wide_characters") {
  SourceMap m;
  auto id = m.add("b.yaml", "name: 开办餐饮店 bad\n");
  const std::uint32_t at = static_cast<std::uint32_t>(std::string("name: 开办餐饮店 ").size());
  const std::string out = render_text(Diagnostic::make(DiagCode::invalid_value, {id, at, at + 3}, "x"), m);
  CHECK(out.find("b.yaml:1:13:") != std::string::npos);  // column counts code points
  CHECK(out.find("\n  | " + std::string(6 + 10 + 1, ' ') + "^^^") != std::string::npos);  // width counts 2 per 汉字
}

TEST_CASE("diag.collection.caps_errors_and_counts_the_rest") {
  Diagnostics ds(2);
  for (int i = 0; i < 5; ++i) ds.add(Diagnostic::make(DiagCode::unknown_item, {}, "x"));
  ds.add(Diagnostic::make(DiagCode::unused_field, {}, "w"));
  CHECK(ds.items().size() == 3);
  CHECK(ds.dropped() == 3);
  CHECK(summary_line(ds) == "5 errors, 1 warning");
}

TEST_CASE("diag.render.json_escapes_and_locates") {
  SourceMap m;
  auto id = m.add("j.yaml", "a: \"x\"\n");
  Diagnostics ds;
  ds.add(Diagnostic::make(DiagCode::invalid_value, {id, 3, 6}, "bad \"quote\"\tand tab").label("here"));
  const std::string j = render_json(ds, m);
  CHECK(j.find(R"("code":"E1009")") != std::string::npos);
  CHECK(j.find(R"("message":"bad \"quote\"\tand tab")") != std::string::npos);
  CHECK(j.find(R"("line":1,"column":4)") != std::string::npos);
  CHECK(render_json(Diagnostics{}, m) == "[]\n");
}

TEST_CASE("diag.reference.lists_every_code") {
  const std::string md = diagnostics_reference_markdown();
  for (const auto& i : all_diagnostic_codes()) CHECK(md.find("## " + code_string(i.code)) != std::string::npos);
}
