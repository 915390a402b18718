// Diagram labels, channels and escapes in DOT and Mermaid, and the JSON Schema of each field type and constraint.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "test_support.hpp"
#include "yishi/export/diagram.hpp"
#include "yishi/export/json_schema.hpp"

using namespace yishi;
using exporting::Diagram;
using exporting::DiagramNode;

namespace {

// Every join policy, a labelled and an unlabelled situation, a negated one, a pledge item,
// deferrable materials, an inspection and a department that handles no item.
const char* const joins_bundle = R"(bundle: joins
name: 联办
version: "1"
lead: dept_a
apply: online
delivery: mail
departments:
  dept_a: 甲部门
  dept_b: 乙部门
  dept_c: 丙部门
fields:
  shop.area: {type: decimal, label: 面积}
  shop.sign: {type: bool, label: 招牌}
materials:
  m_form: 申请表
  m_rules: {name: 管理制度, deferrable: 3wd}
  m_plan: {name: 平面图, deferrable: 2wd}
situations:
  big: {label: 大型场所, when: "shop.area >= 50"}
  signed: "shop.sign == true"
items:
  a_all:
    name: 会签项
    department: dept_a
    form: [shop.area, shop.sign]
    materials: [m_form, m_rules, m_plan]
    statutory: 10wd
    promised: 5wd
    pledge: true
    inspection: site_check
    review: {join: all, signers: [reviewer, chief]}
  b_any:
    name: 或签项
    department: dept_b
    after: a_all
    when: big
    materials: [m_form]
    statutory: 10wd
    promised: 2wd
    review: {join: any, signers: [reviewer, chief]}
  c_seq:
    name: 依次项
    department: dept_b
    after: a_all
    when: [signed, not big]
    materials: [m_form]
    statutory: 10wd
    promised: 3wd
    review: {join: sequence, signers: [clerk, chief, director]}
  d_vote:
    name: 票签项
    department: dept_a
    materials: [m_form]
    statutory: 10wd
    promised: 1wd
    review:
      join: vote
      threshold: 3
      signers: [reviewer, {role: chief, weight: 2}]
)";

const CompiledBundle& joins() {
  static const CompiledBundle b = test::compile_text(joins_bundle);
  return b;
}

const DiagramNode& node(const Diagram& d, std::string_view id) {
  auto it = std::find_if(d.nodes.begin(), d.nodes.end(), [&](const DiagramNode& n) { return n.id == id; });
  REQUIRE(it != d.nodes.end());
  return *it;
}

std::string after_first_line(const std::string& s) { return s.substr(s.find('\n') + 1); }

std::string bundle_with_channels(std::string_view apply, std::string_view delivery) {
  std::string src = test::minimal_bundle();
  src = test::replace(src, "lead: dept_a\n", "lead: dept_a\napply: " + std::string(apply) + "\ndelivery: " +
                                                 std::string(delivery) + "\n");
  return src;
}

forms::FormField field(std::string id, ir::FieldType type) {
  forms::FormField f;
  f.id = std::move(id);
  f.label = "标签";
  f.type = type;
  f.constraints.required = false;
  return f;
}

// The property of one field in a schema: from its key to the brace that closes its object.
std::string property(const std::string& schema, std::string_view id) {
  const std::string key = "\"" + std::string(id) + "\":{";
  const auto at = schema.find(key);
  REQUIRE(at != std::string::npos);
  int depth = 0;
  bool in_string = false;
  for (std::size_t k = at + key.size() - 1; k < schema.size(); ++k) {
    const char c = schema[k];
    if (in_string) {
      if (c == '\\') ++k;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return schema.substr(at, k + 1 - at);
    }
  }
  FAIL("unbalanced schema");
  return {};
}

}  // namespace

TEST_CASE("export.paths.item_lines_name_every_join_policy") {
  const auto d = exporting::diagram(joins());
  CHECK(node(d, "a_all").lines == std::vector<std::string>{"会签项", "承诺 5wd · 法定 10wd · 可告知承诺",
                                                            "会签: reviewer, chief", "容缺: 管理制度(3wd)、平面图(2wd)",
                                                            "联合踏勘: site_check"});
  CHECK(node(d, "b_any").lines == std::vector<std::string>{"或签项", "承诺 2wd · 法定 10wd", "或签: reviewer, chief",
                                                            "情形: 大型场所"});
  CHECK(node(d, "c_seq").lines == std::vector<std::string>{"依次项", "承诺 3wd · 法定 10wd",
                                                            "依次审批: clerk → chief → director", "情形: signed 且 not big"});
  CHECK(node(d, "d_vote").lines == std::vector<std::string>{"票签项", "承诺 1wd · 法定 10wd", "票签 ≥3/3: reviewer, chief×2"});
}

TEST_CASE("export.paths.conditional_nodes_lanes_and_critical_path") {
  const auto d = exporting::diagram(joins());
  REQUIRE(d.lanes.size() == 2);  // dept_c handles no item: no lane
  CHECK(d.lanes[0].id == "dept_a");
  CHECK(d.lanes[1].id == "dept_b");
  CHECK(node(d, "b_any").conditional);
  CHECK(node(d, "c_seq").conditional);
  CHECK_FALSE(node(d, "a_all").conditional);
  CHECK(node(d, "a_all").lane == 0);
  CHECK(node(d, "c_seq").lane == 1);
  // The longest promised chain: a_all (5wd) then c_seq (3wd).
  CHECK(d.critical_hours == 64);
  CHECK(node(d, "a_all").critical);
  CHECK(node(d, "c_seq").critical);
  CHECK_FALSE(node(d, "b_any").critical);
  CHECK_FALSE(node(d, "d_vote").critical);
  CHECK(node(d, "intake").lines == std::vector<std::string>{"综合受理", "一网申请"});
  CHECK(node(d, "issuance").lines == std::vector<std::string>{"统一出件", "寄递送达"});
}

TEST_CASE("export.paths.joins_bundle_renders_dashed_and_critical_styles") {
  const auto d = exporting::diagram(joins());
  const std::string dot = exporting::to_dot(d);
  CHECK(dot.find("  subgraph \"cluster_dept_b\" {\n    label=\"乙部门\";") != std::string::npos);
  CHECK(dot.find("subgraph \"cluster_dept_c\"") == std::string::npos);
  CHECK(dot.find("    \"item_b_any\" [label=\"或签项\\n承诺 2wd · 法定 10wd\\n或签: reviewer, chief\\n情形: 大型场所\", "
                 "style=\"rounded,dashed\"];\n") != std::string::npos);
  CHECK(dot.find("    \"item_c_seq\" [label=\"依次项\\n承诺 3wd · 法定 10wd\\n依次审批: clerk → chief → director\\n"
                 "情形: signed 且 not big\", style=\"rounded,dashed\", color=\"#c0392b\", penwidth=2];\n") !=
        std::string::npos);
  CHECK(dot.find("  \"item_a_all\" -> \"item_c_seq\" [color=\"#c0392b\", penwidth=2];\n") != std::string::npos);
  CHECK(dot.find("  \"item_a_all\" -> \"item_b_any\";\n") != std::string::npos);
  CHECK(dot.find("  \"intake\" -> \"item_d_vote\";\n") != std::string::npos);

  const std::string mmd = exporting::to_mermaid(d);
  CHECK(mmd.find("  intake([\"综合受理<br/>一网申请\"])\n") != std::string::npos);
  CHECK(mmd.find("  issuance([\"统一出件<br/>寄递送达\"])\n") != std::string::npos);
  CHECK(mmd.find("  subgraph lane_dept_b[\"乙部门\"]\n") != std::string::npos);
  CHECK(mmd.find("  class item_b_any,item_c_seq conditional\n") != std::string::npos);
  CHECK(mmd.find("  class intake,item_a_all,item_c_seq,issuance critical\n") != std::string::npos);
}

TEST_CASE("export.paths.intake_and_issuance_follow_the_channels") {
  struct Row {
    std::string_view apply, delivery, intake, issuance;
  };
  const Row rows[] = {
      {"window", "window", "一窗受理", "窗口领取"},
      {"online", "online", "一网申请", "网上送达"},
      {"window", "mail", "一窗受理", "寄递送达"},
  };
  for (const Row& r : rows) {
    INFO(r.apply, " / ", r.delivery);
    const auto d = exporting::diagram(test::compile_text(bundle_with_channels(r.apply, r.delivery)));
    CHECK(node(d, "intake").lines == std::vector<std::string>{"综合受理", std::string(r.intake)});
    CHECK(node(d, "issuance").lines == std::vector<std::string>{"统一出件", std::string(r.issuance)});
    CHECK(node(d, "intake").terminal);
    CHECK(node(d, "intake").lane == -1);
  }
}

TEST_CASE("export.paths.hand_built_diagram_renders_exactly_in_dot") {
  Diagram d;
  d.id = "x";
  d.title = "T \"q\"";
  d.lanes = {{"l1", "车道\\一"}};
  d.nodes = {
      DiagramNode{"a", {"A \"q\"", "x\\y"}, -1, false, false, false},
      DiagramNode{"b", {"B<1>#"}, 0, true, false, false},
      DiagramNode{"issuance", {"终"}, 0, false, true, true},
  };
  d.edges = {{0, 1, false}, {1, 2, true}};
  CHECK(after_first_line(exporting::to_dot(d)) ==
        "digraph \"x\" {\n"
        "  label=\"T \\\"q\\\"\"; labelloc=t; fontsize=18;\n"
        "  rankdir=LR; newrank=true; nodesep=0.3; ranksep=0.5;\n"
        "  fontname=\"Noto Sans CJK SC\";\n"
        "  node [shape=box, fontname=\"Noto Sans CJK SC\", fontsize=11];\n"
        "  edge [color=\"#555555\"];\n"
        "  \"item_a\" [label=\"A \\\"q\\\"\\nx\\\\y\", style=\"rounded\"];\n"
        "  subgraph \"cluster_l1\" {\n"
        "    label=\"车道\\\\一\"; style=\"rounded,filled\"; fillcolor=\"#f7f7f7\"; color=\"#bbbbbb\";\n"
        "    \"item_b\" [label=\"B<1>#\", style=\"rounded,dashed\"];\n"
        "    \"issuance\" [label=\"终\", style=\"filled\", fillcolor=\"#eef3fb\", color=\"#c0392b\", penwidth=2];\n"
        "  }\n"
        "  \"item_a\" -> \"item_b\";\n"
        "  \"item_b\" -> \"issuance\" [color=\"#c0392b\", penwidth=2];\n"
        "}\n");
}

TEST_CASE("export.paths.hand_built_diagram_renders_exactly_in_mermaid") {
  Diagram d;
  d.id = "x";
  d.title = "T \"q\" <b>";
  d.lanes = {{"l1", "车道#1"}};
  d.nodes = {
      DiagramNode{"a", {"A \"q\"", "x\\y"}, -1, false, false, false},
      DiagramNode{"b", {"B<1>#"}, 0, true, false, false},
      DiagramNode{"issuance", {"终"}, 0, false, true, true},
  };
  d.edges = {{0, 1, false}, {1, 2, true}};
  CHECK(exporting::to_mermaid(d) ==
        "---\ntitle: \"T \\\"q\\\" <b>\"\n---\nflowchart LR\n"
        "  item_a[\"A #34;q#34;<br/>x\\y\"]\n"
        "  subgraph lane_l1[\"车道#35;1\"]\n"
        "    item_b[\"B#60;1#62;#35;\"]\n"
        "    issuance([\"终\"])\n"
        "  end\n"
        "  item_a --> item_b\n"
        "  item_b --> issuance\n"
        "  classDef critical stroke:#c0392b,stroke-width:3px\n"
        "  classDef conditional stroke-dasharray:5 5\n"
        "  class issuance critical\n"
        "  class item_b conditional\n"
        "  linkStyle 1 stroke:#c0392b,stroke-width:3px\n");
}

TEST_CASE("export.paths.nothing_critical_or_conditional_leaves_out_class_lines") {
  Diagram d;
  d.id = "plain";
  d.title = "平";
  d.nodes = {DiagramNode{"a", {"甲"}, -1, false, false, false}, DiagramNode{"b", {"乙"}, -1, false, false, false}};
  d.edges = {{0, 1, false}};
  const std::string mmd = exporting::to_mermaid(d);
  CHECK(mmd ==
        "---\ntitle: 平\n---\nflowchart LR\n"
        "  item_a[\"甲\"]\n"
        "  item_b[\"乙\"]\n"
        "  item_a --> item_b\n"
        "  classDef critical stroke:#c0392b,stroke-width:3px\n"
        "  classDef conditional stroke-dasharray:5 5\n");
  const std::string dot = exporting::to_dot(d);
  CHECK(dot.find("subgraph") == std::string::npos);
  CHECK(dot.find("  \"item_a\" -> \"item_b\";\n") != std::string::npos);
  CHECK(dot.find("penwidth") == std::string::npos);
}

TEST_CASE("export.paths.json_schema_of_each_field_type_and_constraint") {
  using T = ir::FieldType;
  struct Row {
    std::string_view what;
    forms::FormField f;
    std::string expected;
  };
  std::vector<Row> rows;
  {
    auto f = field("n.int", T::integer);
    f.constraints.min = 1;
    f.constraints.max = 10;
    rows.push_back({"int with range", f, R"("n.int":{"title":"标签","type":"integer","minimum":1,"maximum":10})"});
  }
  {
    auto f = field("n.dec", T::decimal);
    f.constraints.min = 0.5;
    f.constraints.max = 99.25;
    rows.push_back({"decimal with range", f, R"("n.dec":{"title":"标签","type":"number","minimum":0.5,"maximum":99.25})"});
  }
  rows.push_back({"decimal without range", field("n.free", T::decimal), R"("n.free":{"title":"标签","type":"number"})"});
  rows.push_back({"boolean", field("n.b", T::boolean), R"("n.b":{"title":"标签","type":"boolean"})"});
  rows.push_back({"date", field("n.d", T::date),
                  R"("n.d":{"title":"标签","type":"string","format":"date","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"})"});
  {
    auto f = field("n.e", T::enumeration);
    f.values = {"a", "b"};
    rows.push_back({"single enum", f, R"("n.e":{"title":"标签","enum":["a","b"]})"});
  }
  {
    auto f = field("n.m", T::enumeration);
    f.values = {"a", "b"};
    f.multiple = true;
    rows.push_back({"optional multiple enum", f,
                    R"("n.m":{"title":"标签","type":"array","uniqueItems":true,"items":{"enum":["a","b"]}})"});
  }
  {
    auto f = field("n.s", T::string);
    f.constraints.min_length = 2;
    f.constraints.max_length = 4;
    f.patterns = {"^[a-z]+$", "^\\w"};
    f.constraints.required = true;
    rows.push_back({"string with lengths and two patterns", f,
                    R"("n.s":{"title":"标签","type":"string","minLength":2,"maxLength":4,"allOf":[{"pattern":"^[a-z]+$"},{"pattern":"^\\w"}]})"});
  }
  {
    auto f = field("n.addr", T::address);
    f.constraints.required = true;
    f.sensitive = true;
    rows.push_back({"required address", f,
                    R"("n.addr":{"title":"标签","type":"string","minLength":1,"x-yishi-sensitive":true})"});
  }
  {
    auto f = field("n.id", T::id_card);
    f.constraints.required = true;
    f.sensitive = true;
    rows.push_back({"id card", f,
                    R"("n.id":{"title":"标签","type":"string","pattern":"^[0-9]{17}[0-9Xx]$","x-yishi-sensitive":true})"});
  }
  {
    auto f = field("n.tel", T::phone);
    f.patterns = {"^1"};
    rows.push_back({"phone with its own pattern", f,
                    R"("n.tel":{"title":"标签","type":"string","allOf":[{"pattern":"^1"},{"pattern":"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"}]})"});
  }
  {
    auto f = field("n.att", T::attachment);
    f.constraints.required = true;
    rows.push_back({"attachment", f,
                    R"("n.att":{"title":"标签","type":"string","contentMediaType":"application/octet-stream"})"});
  }
  for (const Row& r : rows) {
    INFO(std::string(r.what));
    forms::MergedForm form;
    form.fields = {r.f};
    CHECK(property(exporting::json_schema(form), r.f.id) == r.expected);
  }
}

TEST_CASE("export.paths.json_schema_annotations_required_and_sections") {
  forms::MergedForm form;
  auto a = field("p.name", ir::FieldType::string);
  a.label = "名称 \"全称\"";
  a.help = "换行\n说明";
  a.constraints.required = true;
  a.provider = "registry";
  a.prefilled = true;
  a.answered = true;
  a.items = {"i1", "i2"};
  a.departments = {"d1"};
  auto b = field("p.big", ir::FieldType::boolean);
  b.constraints.required = true;
  b.decides = {"i3", "eligibility"};
  auto m = field("q.tags", ir::FieldType::enumeration);
  m.values = {"x"};
  m.multiple = true;
  m.constraints.required = true;
  form.fields = {a, b, m};
  form.sections = {forms::FormSection{forms::SectionKind::shared, "p", "p", {0, 1}},
                   forms::FormSection{forms::SectionKind::item, "i9", "事项九", {2}}};
  const std::string s = exporting::json_schema(form, "表");
  CHECK(s.rfind(R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","title":"表","additionalProperties":false,"properties":{)", 0) == 0);
  CHECK(property(s, "p.name") ==
        R"("p.name":{"title":"名称 \"全称\"","description":"换行\n说明","type":"string","minLength":1,"readOnly":true,"x-yishi-provider":"registry","x-yishi-items":["i1","i2"],"x-yishi-departments":["d1"]})");
  CHECK(property(s, "p.big") == R"("p.big":{"title":"标签","type":"boolean","x-yishi-decides":["i3","eligibility"]})");
  CHECK(property(s, "q.tags") ==
        R"("q.tags":{"title":"标签","type":"array","uniqueItems":true,"items":{"enum":["x"]},"minItems":1})");
  // Prefilled answers are read-only, not required.
  CHECK(s.find(R"(},"required":["p.big","q.tags"],"x-yishi-sections":[)") != std::string::npos);
  CHECK(s.substr(s.find("\"x-yishi-sections\"")) ==
        R"("x-yishi-sections":[{"kind":"shared","key":"p","title":"p","fields":["p.name","p.big"]},{"kind":"item","key":"i9","title":"事项九","fields":["q.tags"]}]})");
}

TEST_CASE("export.paths.json_schema_of_an_empty_form_without_title") {
  CHECK(exporting::json_schema(forms::MergedForm{}) ==
        R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object","additionalProperties":false,"properties":{},"required":[],"x-yishi-sections":[]})");
}

TEST_CASE("export.paths.json_schema_of_a_compiled_bundle_marks_sensitive_fields") {
  const std::string src = R"(bundle: schema
name: 模式
version: "1"
lead: a
departments: {a: 甲}
fields:
  applicant.phone: {type: phone, label: 电话}
  applicant.desk: {type: phone, label: 前台电话, sensitive: false}
  applicant.note: {type: string, label: 备注, sensitive: true, required: false, help: 可不填}
materials: {m: 材料}
items:
  one:
    name: 一
    department: a
    form: [applicant.phone, applicant.desk, applicant.note]
    materials: [m]
    statutory: 5wd
    promised: 3wd
)";
  const forms::FormModel model(test::compile_text(src));
  const std::string s = exporting::json_schema(model.merge(forms::Applicant{}));
  CHECK(property(s, "applicant.phone").find("\"x-yishi-sensitive\":true") != std::string::npos);
  CHECK(property(s, "applicant.desk").find("x-yishi-sensitive") == std::string::npos);
  CHECK(property(s, "applicant.note") ==
        R"("applicant.note":{"title":"备注","description":"可不填","type":"string","x-yishi-sensitive":true,"x-yishi-items":["one"],"x-yishi-departments":["a"]})");
  CHECK(s.find(R"("required":["applicant.phone","applicant.desk"])") != std::string::npos);
}

TEST_CASE("export.paths.stages_order_items_into_serial_edges") {
  const std::string src = R"(bundle: staged
name: 分段
version: "1"
lead: a
departments: {a: 甲, b: 乙}
materials: {m: 材料}
stages:
  - {id: first, name: 核验, items: [check]}
  - {id: second, name: 并联, items: [left, right]}
items:
  check: {name: 核验, department: a, materials: [m], statutory: 5wd, promised: 1wd}
  left: {name: 左, department: a, materials: [m], statutory: 5wd, promised: 2wd}
  right: {name: 右, department: b, materials: [m], statutory: 5wd, promised: 4wd}
)";
  const auto d = exporting::diagram(test::compile_text(src));
  std::vector<std::string> edges;
  for (const auto& e : d.edges)
    edges.push_back(d.nodes[e.from].id + (e.critical ? " => " : " -> ") + d.nodes[e.to].id);
  std::sort(edges.begin(), edges.end());
  INFO(fmt::format("{}", fmt::join(edges, " | ")));
  CHECK(edges == std::vector<std::string>{"check -> left", "check => right", "intake => check", "left -> issuance",
                                          "right => issuance"});
  CHECK(d.critical_hours == 40);
  const std::string mmd = exporting::to_mermaid(d);
  CHECK(mmd.find("  item_check --> item_left\n") != std::string::npos);
  CHECK(mmd.find("  class intake,item_check,item_right,issuance critical\n") != std::string::npos);
}

TEST_CASE("export.paths.titles_and_labels_with_line_breaks_colons_and_hashes_stay_well_formed") {
  Diagram d;
  d.id = "x";
  d.title = "开办: 书店 #1\n第二行";
  d.lanes = {{"l1", "车道"}};
  d.nodes = {DiagramNode{"a", {"甲\n乙"}, 0, false, false, false}};
  const std::string dot = exporting::to_dot(d);
  // The title's comment stays one line; a label's line break is DOT's `\n`.
  CHECK(dot.starts_with("// 开办: 书店 #1 第二行: generated by `yishi graph`\ndigraph \"x\" {\n"));
  CHECK(dot.find("label=\"开办: 书店 #1\\n第二行\"; labelloc=t") != std::string::npos);
  CHECK(dot.find("[label=\"甲\\n乙\", style=\"rounded\"]") != std::string::npos);
  const std::string mmd = exporting::to_mermaid(d);
  // A quoted YAML title: neither `: ` nor ` #` can end it early; a plain one stays plain.
  CHECK(mmd.starts_with("---\ntitle: \"开办: 书店 #1 第二行\"\n---\nflowchart LR\n"));
  for (const auto& [title, written] : std::vector<std::pair<std::string, std::string>>{
           {"开办餐饮店一件事", "开办餐饮店一件事"}, {"a:b#c", "a:b#c"}, {"", "\"\""}, {"- x", "\"- x\""},
           {"x:", "\"x:\""}, {"[x]", "\"[x]\""}, {"a\\b", "\"a\\\\b\""}, {"x ", "\"x \""}}) {
    d.title = title;
    CAPTURE(title);
    CHECK(exporting::to_mermaid(d).starts_with("---\ntitle: " + written + "\n---\n"));
  }
  CHECK(mmd.find("item_a[\"甲<br/>乙\"]") != std::string::npos);
}
