// The diagram model of a bundle and its DOT and Mermaid renderings.
#include <algorithm>

#include <doctest/doctest.h>

#include "test_support.hpp"
#include "yishi/export/diagram.hpp"

using namespace yishi;

namespace {

const CompiledBundle& restaurant() {
  static const CompiledBundle b = test::compile_text(
      test::read_file(test::source_dir() + "/bundles/national/open_restaurant.yaml"), "open_restaurant.yaml");
  return b;
}

const exporting::DiagramNode& node(const exporting::Diagram& d, std::string_view id) {
  auto it = std::find_if(d.nodes.begin(), d.nodes.end(), [&](const auto& n) { return n.id == id; });
  REQUIRE(it != d.nodes.end());
  return *it;
}

bool has_line(const exporting::DiagramNode& n, std::string_view text) {
  return std::any_of(n.lines.begin(), n.lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

bool edge(const exporting::Diagram& d, std::string_view from, std::string_view to, bool critical) {
  return std::any_of(d.edges.begin(), d.edges.end(), [&](const exporting::DiagramEdge& e) {
    return d.nodes[e.from].id == from && d.nodes[e.to].id == to && e.critical == critical;
  });
}

}  // namespace

TEST_CASE("diagram.lanes_are_the_departments_that_handle_items") {
  const auto d = exporting::diagram(restaurant());
  REQUIRE(d.lanes.size() == 3);
  CHECK(d.lanes[0].id == "market_regulation");
  CHECK(d.lanes[0].name == "市场监督管理局");
  CHECK(node(d, "intake").lane == -1);
  CHECK(node(d, "issuance").lane == -1);
  CHECK(d.lanes[static_cast<std::size_t>(node(d, "fire_check").lane)].id == "fire_rescue");
  CHECK(d.nodes.front().id == "intake");
  CHECK(d.nodes.back().id == "issuance");
}

TEST_CASE("diagram.serial_and_parallel_structure_follow_the_step_graph") {
  const auto d = exporting::diagram(restaurant());
  CHECK(d.edges.size() == 7);  // intake → check → three parallel reviews → issuance
  CHECK(edge(d, "intake", "licence_check", true));
  CHECK(edge(d, "licence_check", "food_licence", true));
  CHECK(edge(d, "licence_check", "fire_check", false));
  CHECK(edge(d, "licence_check", "outdoor_sign", false));
  CHECK(edge(d, "food_licence", "issuance", true));
  CHECK(edge(d, "fire_check", "issuance", false));
}

TEST_CASE("diagram.critical_path_is_the_longest_promised_chain") {
  const auto d = exporting::diagram(restaurant());
  // licence_check (0wd) → food_licence (5wd) ties with fire_check (5wd); the earlier-declared
  // item is on the path.
  CHECK(d.critical_hours == 5 * 8);
  CHECK(node(d, "licence_check").critical);
  CHECK(node(d, "food_licence").critical);
  CHECK_FALSE(node(d, "fire_check").critical);
  CHECK_FALSE(node(d, "outdoor_sign").critical);
}

TEST_CASE("diagram.items_show_situations_pledges_deferrable_materials_and_inspections") {
  const auto d = exporting::diagram(restaurant());
  const auto& sign = node(d, "outdoor_sign");
  CHECK(sign.conditional);
  CHECK(has_line(sign, "情形: 设置户外招牌"));
  const auto& food = node(d, "food_licence");
  CHECK_FALSE(food.conditional);
  CHECK(has_line(food, "可告知承诺"));
  CHECK(has_line(food, "容缺: 食品安全管理制度(3wd)"));
  CHECK(has_line(food, "依次审批: reviewer → section_chief"));
  CHECK(has_line(node(d, "fire_check"), "会签: inspector, section_chief"));
  CHECK(has_line(food, "联合踏勘: premises_joint_inspection"));
  CHECK_FALSE(has_line(node(d, "licence_check"), "容缺"));
}

TEST_CASE("diagram.dot_is_deterministic_and_escapes_quotes") {
  const auto d = exporting::diagram(restaurant());
  const std::string dot = exporting::to_dot(d);
  CHECK(dot == exporting::to_dot(exporting::diagram(restaurant())));
  CHECK(dot.find("subgraph \"cluster_fire_rescue\"") != std::string::npos);
  CHECK(dot.find("\"item_licence_check\" -> \"item_food_licence\" [color=\"#c0392b\", penwidth=2];") != std::string::npos);
  CHECK(dot.find("\"item_licence_check\" -> \"item_fire_check\";") != std::string::npos);
  CHECK(dot.find("style=\"rounded,dashed\"") != std::string::npos);

  exporting::Diagram tricky = d;
  tricky.nodes[1].lines = {R"(名称 "带引号" \ 反斜杠)"};
  const std::string escaped = exporting::to_dot(tricky);
  CHECK(escaped.find(R"(label="名称 \"带引号\" \\ 反斜杠")") != std::string::npos);
}

TEST_CASE("diagram.mermaid_has_lanes_classes_and_entities") {
  auto d = exporting::diagram(restaurant());
  const std::string m = exporting::to_mermaid(d);
  CHECK(m.starts_with("---\ntitle: 开办餐饮店一件事\n---\nflowchart LR\n"));
  CHECK(m.find("subgraph lane_fire_rescue[\"消防救援支队\"]") != std::string::npos);
  CHECK(m.find("class intake,item_licence_check,item_food_licence,issuance critical") != std::string::npos);
  CHECK(m.find("class item_outdoor_sign,item_fire_check conditional") != std::string::npos);
  CHECK(m.find("linkStyle 0,1,4 stroke:#c0392b") != std::string::npos);
  // A condition written as an expression is shown as such, with `>` and `"` as entities.
  d.nodes[1].lines = {"面积 >= 50 \"m2\""};
  CHECK(exporting::to_mermaid(d).find("面积 #62;= 50 #34;m2#34;") != std::string::npos);
}

TEST_CASE("diagram.every_national_bundle_draws") {
  for (const char* name : {"newborn_birth.yi", "utility_hookup.yi", "retirement.yi"}) {
    CAPTURE(name);
    const auto b = test::compile_text(test::read_file(test::source_dir() + "/bundles/national/" + name), name);
    const auto d = exporting::diagram(b);
    CHECK(d.nodes.size() == b.steps().size());
    std::size_t critical_edges = 0;
    for (const auto& e : d.edges) critical_edges += e.critical;
    // The critical path runs from intake to issuance: one more edge than its items.
    std::size_t critical_items = 0;
    for (const auto& n : d.nodes) critical_items += n.critical && !n.terminal;
    CHECK(critical_edges == critical_items + 1);
  }
}
