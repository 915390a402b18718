// The bundle DSL: every construct, syntax errors with exact positions, recovery that reports
// several errors in one run, equivalence with YAML, and round trips through both printers.
#include <doctest/doctest.h>

#include <filesystem>

#include <fmt/format.h>

#include "test_support.hpp"
#include "yishi/source/comments.hpp"

using namespace yishi;
using namespace yishi::test;
namespace fs = std::filesystem;

namespace {

struct Loaded {
  SourceMap sources;
  dsl::LoadResult result;
  [[nodiscard]] std::string text() const { return render_text(result.diagnostics, sources); }
  [[nodiscard]] std::vector<std::string> located() const {
    std::vector<std::string> out;
    for (const auto& d : result.diagnostics.items()) {
      const auto lc = sources.file(d.span.source).line_column(d.span.begin);
      out.push_back(fmt::format("{}:{} {} {}", lc.line, lc.column, code_string(d.code), d.message));
    }
    return out;
  }
};

std::unique_ptr<Loaded> load(std::string text) {
  auto l = std::make_unique<Loaded>();
  l->result = dsl::load_text(l->sources, "test.yi", std::move(text));
  return l;
}

// A bundle using every construct of the DSL.
const char* const everything = R"yi(# 开办民宿一件事 — every construct of the DSL.
bundle open_guesthouse "开办民宿一件事" version "2024.1-rc" {
  applicant individual
  lead market_regulation
  basis "[I] illustrative"

  department market_regulation "市场监督管理局" { basis "[S6]" }
  department fire_rescue "消防救援支队"

  field operator.name string "经营者姓名" { min_length 2  max_length 50 }
  field operator.id_number id_card "身份证号"
  field operator.birth_date date "出生日期"
  field premises.rooms int "客房数" { min 1  max 500 }
  field premises.area_m2 decimal "面积" { min 0.5 }
  field premises.district enum "所在区" { values [huangpu, xuhui, "浦东"] }
  field services.kinds enum "服务" { values [lodging, breakfast]  multiple  optional }
  field contact.note string "备注" { optional  sensitive true  pattern "^[^<>]*$"  help "选填" }

  material id_copy "身份证" { source e_licence }
  material floor_plan "平面图"
  material fire_plan "消防预案" { deferrable 1wd4wh  issue_before_supply  basis "[I]" }

  situation large = premises.rooms > 14 or premises.area_m2 >= 300 { basis "[L]" }
  situation serves_food "提供早餐" = contains(services.kinds, "breakfast")
  situation large_with_food = large and serves_food

  eligibility "经营者须年满18周岁" = age(operator.birth_date) >= 18
  eligibility = matches(operator.id_number, "id_card")

  table inspection_fee "现场核查费" hit first {
    input rooms int "客房数"
    input district enum [huangpu, xuhui, "浦东"]
    output fee int
    rule < 5 | - => 0
    rule [5..15) | "huangpu", "xuhui" => 200 annotation "中型"
    rule [5..15) | not("huangpu", "xuhui") => 150
    rule >= 15 | - => 500
    basis "[I]"
  }
  table checks hit collect count {
    input area decimal
    output check string
    rule ? > 100 => "fire"
    rule - => "licence"
    default "none"
  }

  item licence "民宿经营许可" by market_regulation {
    form operator.name, operator.id_number, premises.rooms, premises.district
    field extra.owner_consent bool "业主是否同意" { help "出租房屋需业主同意" }
    form premises.area_m2
    materials core id_copy, floor_plan
    statutory 10wd  promised 3wd
    when table("inspection_fee", premises.rooms, premises.district) >= 0
    pledge
    fee 12.5
    review vote 3 [reviewer, section_chief weight 2, inspector @ fire_rescue]
    basis "[I]"
  }

  item fire_check "消防检查" by fire_rescue after licence {
    form premises.area_m2, services.kinds
    materials floor_plan, fire_plan
    statutory 10wd  promised 5wd
    when large
    when not serves_food or large_with_food
    optional
    review sequence [inspector, section_chief]
    approvals {
      allow transfer, delegate, add_signer, remove_signer, reclaim, remind
      supervisor section_chief
      reject to applicant, previous, licence siblings cancel resume rerun
      remind first 4wh every 1wd max 3
      auto approve after 4wd
    }
  }

  stage approvals "审批" { items licence }
  stage checks "检查" { items fire_check }
}
)yi";

}  // namespace

TEST_CASE("dsl.constructs.every_declaration_lowers_to_the_ir") {
  auto l = load(everything);
  INFO(l->text());
  REQUIRE(l->result.bundle);
  const ir::Bundle& b = *l->result.bundle;
  CHECK(b.id == "open_guesthouse");
  CHECK(b.version == "2024.1-rc");
  CHECK(b.applicant == ir::ApplicantKind::individual);
  CHECK(b.lead.id == "market_regulation");
  CHECK(b.departments.size() == 2);
  CHECK(b.departments[0].basis == "[S6]");
  REQUIRE(b.fields.size() == 8);
  CHECK(b.fields[0].constraints.min_length == 2);
  CHECK(b.fields[1].sensitive);  // id_card: sensitive by default
  CHECK(b.fields[4].constraints.min == 0.5);
  CHECK(b.fields[5].values == std::vector<std::string>{"huangpu", "xuhui", "浦东"});
  CHECK(b.fields[6].multiple);
  CHECK_FALSE(b.fields[6].constraints.required);
  CHECK(b.fields[7].sensitive);
  CHECK(b.fields[7].constraints.pattern == "^[^<>]*$");
  CHECK(b.materials[0].source == "e_licence");
  CHECK(b.materials[2].deferrable == ir::WorkDuration{1, 4});
  CHECK(b.materials[2].issue_before_supply);
  CHECK(b.situations[0].condition.text == "premises.rooms > 14 or premises.area_m2 >= 300");
  CHECK(b.situations[0].basis == "[L]");
  CHECK(b.situations[1].label == "提供早餐");
  CHECK(b.situations[0].condition.exact);
  CHECK(l->sources.slice(b.situations[0].condition.loc.span) == "premises.rooms > 14 or premises.area_m2 >= 300");
  REQUIRE(b.eligibility.size() == 2);
  CHECK(b.eligibility[0].label == "经营者须年满18周岁");
  REQUIRE(b.tables.size() == 2);
  CHECK(b.tables[0].hit == ir::HitPolicy::first);
  CHECK(b.tables[0].rules.size() == 4);
  CHECK(b.tables[0].rules[1].inputs[0].text == "[5..15)");
  CHECK(b.tables[0].rules[1].inputs[1].text == "\"huangpu\", \"xuhui\"");
  CHECK(b.tables[0].rules[1].annotation == "中型");
  CHECK(b.tables[0].rules[0].inputs[1].text == "-");
  CHECK(b.tables[1].aggregation == ir::Aggregation::count);
  CHECK(b.tables[1].rules[1].inputs[0].text == "-");
  CHECK(b.tables[1].default_outputs.size() == 1);
  REQUIRE(b.items.size() == 2);
  const ir::Item& lic = b.items[0];
  REQUIRE(lic.form.size() == 6);
  CHECK(lic.form[4].inline_definition);
  CHECK(lic.form[5].field.id == "premises.area_m2");
  CHECK(lic.materials[0].core);
  CHECK_FALSE(lic.materials[1].core);
  CHECK(lic.statutory == ir::WorkDuration{10, 0});
  CHECK(lic.pledge);
  CHECK(lic.fee_fen == 1250);
  CHECK(lic.review.join == ir::JoinKind::vote);
  CHECK(lic.review.threshold == 3);
  REQUIRE(lic.review.signers.size() == 3);
  CHECK(lic.review.signers[1].weight == 2);
  CHECK(lic.review.signers[2].department->id == "fire_rescue");
  const ir::Item& fire = b.items[1];
  CHECK(fire.after.size() == 1);
  CHECK(fire.when.size() == 2);
  CHECK_FALSE(fire.essential);
  CHECK(fire.review.join == ir::JoinKind::sequence);
  const ir::Approvals& ap = fire.approvals;
  CHECK(ap.allow == std::vector{ir::ApprovalOperation::transfer, ir::ApprovalOperation::delegate,
                                ir::ApprovalOperation::add_signer, ir::ApprovalOperation::remove_signer,
                                ir::ApprovalOperation::reclaim, ir::ApprovalOperation::remind});
  CHECK(ap.supervisor == "section_chief");
  REQUIRE(ap.reject_to.size() == 3);
  CHECK(ap.reject_to[1].kind == ir::RejectTarget::Kind::previous);
  CHECK(ap.reject_to[2].item.id == "licence");
  CHECK(ap.siblings == ir::SiblingPolicy::cancel);
  CHECK(ap.resume == ir::ResumePolicy::rerun);
  REQUIRE(ap.remind);
  CHECK(ap.remind->first == ir::WorkDuration{0, 4});
  CHECK(ap.remind->every == ir::WorkDuration{1, 0});
  REQUIRE(ap.auto_decide);
  CHECK(ap.auto_decide->approve);
  CHECK(ap.auto_decide->after == ir::WorkDuration{4, 0});
  CHECK(lic.approvals.is_default());
  CHECK(b.stages.size() == 2);
  // And the whole bundle checks and compiles.
  auto c = compile(b);
  INFO(render_text(c.diagnostics, l->sources));
  CHECK(c.compiled);
}

TEST_CASE("dsl.yaml_equivalence.same_ir_from_both_syntaxes") {
  auto l = load(everything);
  REQUIRE(l->result.bundle);
  const std::string yaml_text = yaml::print(*l->result.bundle);
  SourceMap m;
  auto y = yaml::load_text(m, "printed.yaml", yaml_text);
  INFO(yaml_text, render_text(y.diagnostics, m));
  REQUIRE(y.bundle);
  CHECK(*y.bundle == *l->result.bundle);
}

TEST_CASE("dsl.errors.exact_positions") {
  auto l = load("bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\"\n  item i \"项\" bx d {\n  }\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "4:14 E2001 expected `by`, found `bx`");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  itm i \"项\" by d { }\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "3:3 E2001 expected a declaration, found `itm`");
  CHECK(l->result.diagnostics.items()[0].help == "did you mean `item`?");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  situation s = a.b >\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "4:1 E2001 expected a value, found `}`");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\"\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0].ends_with("expected `}` to close the bundle, found the end of the file"));

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  field x.y strng \"标签\"\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "3:13 E1009 unknown field type `strng`");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  department Bad \"部门\"\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "3:14 E1011 `Bad` is not a valid id");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\"\n  item i \"项\" by d { statutory 1wd promised 1wd statutory 2wd }\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "4:48 E1008 `statutory` appears twice in item `i`");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  item i \"项\" by d { promised 1wd }\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "3:8 E1007 item `i` has no `statutory` limit");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  situation s = x.d < 2025-02-30\n}\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "3:23 E2002 `2025-02-30` is not a calendar date");

  l = load("bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\" { basis \"x\" }\n} extra\n");
  REQUIRE(l->located().size() == 1);
  CHECK(l->located()[0] == "4:3 E2001 unexpected `extra` after the end of the bundle");
}

TEST_CASE("dsl.errors.approvals_values_are_checked") {
  const std::string head = "bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\"\n  item i \"项\" by d {\n"
                           "    statutory 5wd promised 2wd\n    approvals {\n";
  auto l = load(head + "      allow transfer, transfer, sign\n      remind every 0wd max 30\n"
                       "      reject to any, applicant\n      auto maybe\n    }\n  }\n}\n");
  const auto got = l->located();
  REQUIRE(got.size() == 6);
  CHECK(got[0] == "7:23 E1009 operation `transfer` is listed twice");
  CHECK(got[1] == "7:33 E1009 unknown approval operation `sign`");
  CHECK(got[2] == "8:20 E1009 the time between reminders must be at least `1wh`");
  CHECK(got[3] == "8:28 E1009 the most reminders must be between 1 and 20, found 30");
  CHECK(got[4] == "9:22 E1009 `any` already names every legal target");
  CHECK(got[5] == "10:12 E1009 unknown automatic decision `maybe`");
}

TEST_CASE("dsl.errors.recovery_reports_several_errors_in_one_run") {
  auto l = load(R"yi(bundle b "乙" version 1 {
  lead d
  department d "部门"
  field a.b strin "甲" { min 1 }
  item i "项" by d {
    statutory 1wd promised
    when a.b > 3
  }
  situation s = (a.b > 1
  material m "材料" { deferrable 0wd }
  itme j "项" by d { statutory 1wd promised 1wd }
  stage st { items i }
}
)yi");
  INFO(l->text());
  const auto found = l->located();
  REQUIRE(found.size() == 5);
  CHECK(found[0] == "4:13 E1009 unknown field type `strin`");
  CHECK(found[1] == "7:5 E2001 expected a duration, found `when`");
  CHECK(found[2] == "10:3 E2001 expected `)`, found `material`");
  CHECK(found[3] == "10:32 E1009 a deferral needs a supply deadline of at least `1wh`");
  CHECK(found[4] == "11:3 E2001 expected a declaration, found `itme`");
  CHECK_FALSE(l->result.bundle);
}

TEST_CASE("dsl.errors.bad_input_never_crashes") {
  for (std::string text : {std::string(""), std::string("   # only a comment\n"), std::string("bundle"),
                           std::string("bundle b \"x\" version 1 {"), std::string("}}}}"),
                           std::string("bundle b \"x\" version 1 { item i \"a\" by d { when ((((( } }"),
                           std::string("bundle b \"\xff\" version 1 { }"), std::string("bundle b \"x\" version 1 {\0}", 26)}) {
    auto l = load(text);
    CHECK(l->result.diagnostics.has_errors());
    CHECK_FALSE(l->result.bundle);
    (void)l->text();
  }
}

namespace {

// Every bundle the repository ships or tests with, that loads cleanly.
std::vector<fs::path> bundle_files() {
  std::vector<fs::path> out;
  for (const char* dir : {"bundles", "tests/golden/check", "tests/golden/report", "tests/scenarios/bundles", "docs/examples"}) {
    const fs::path root = fs::path(source_dir()) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      const auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yi") && e.path().parent_path().filename() != "calendars")
        out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<ir::Bundle> load_any(SourceMap& m, const fs::path& p, SourceId* src = nullptr) {
  auto r = load_bundle_file(m, p.string());
  if (src) *src = r.source;
  return r.bundle;
}

}  // namespace

TEST_CASE("dsl.round_trip.every_bundle_through_both_printers") {
  std::size_t tried = 0;
  for (const auto& p : bundle_files()) {
    SourceMap m;
    SourceId src = no_source;
    auto b = load_any(m, p, &src);
    if (!b) continue;  // inputs of load-error tests
    // An expression that does not parse has no DSL form (the grammar must find where it ends).
    const auto ds = check(*b);
    if (std::any_of(ds.items().begin(), ds.items().end(), [](const Diagnostic& d) {
          return d.code == DiagCode::syntax_error || d.code == DiagCode::invalid_literal ||
                 d.code == DiagCode::expression_too_complex;
        }))
      continue;
    ++tried;
    const std::string as_dsl = dsl::print(*b, &m.file(src));
    const std::string as_yaml = yaml::print(*b, &m.file(src));
    auto d = dsl::load_text(m, p.string() + ".printed.yi", as_dsl);
    auto y = yaml::load_text(m, p.string() + ".printed.yaml", as_yaml);
    INFO(p.string(), "\n", render_text(d.diagnostics, m), render_text(y.diagnostics, m));
    REQUIRE(d.bundle);
    REQUIRE(y.bundle);
    CHECK(*d.bundle == *b);
    CHECK(*y.bundle == *b);
    // Printing is canonical: printing what was printed changes nothing, comments included.
    CHECK(dsl::print(*d.bundle, &m.file(d.source)) == as_dsl);
    CHECK(yaml::print(*y.bundle, &m.file(y.source)) == as_yaml);
    // Comments survive both printers.
    const auto comments = comments_of(m.file(src));
    CHECK(comments_of(m.file(d.source)).size() == comments.size());
    CHECK(comments_of(m.file(y.source)).size() == comments.size());
  }
  CHECK(tried >= 40);
}

// A YAML scalar keeps whatever its quotes hold; the DSL ends an expression at its last token.
// The IR's `==` compares what the parser reads (ir::significant_text), and the DSL printer
// writes only that, so a trailing comment cannot swallow what follows on the line.
TEST_CASE("dsl.expressions.blanks_and_a_trailing_comment_are_not_part_of_the_expression") {
  struct Case {
    const char* written;
    const char* read;
  };
  const Case cases[] = {
      {"adult", "adult"},
      {"  adult  ", "adult"},
      {"adult# 成年人", "adult"},
      {"adult  # a # b ", "adult"},
      {"\t# before\n adult\n", "adult"},
      {"adult # why\n and s", "adult # why\n and s"},            // a comment inside stays
      {"s == \"#1\" # not this", "s == \"#1\""},                   // `#` in a quoted text is text
      {"s == '\\'#' or adult #", "s == '\\'#' or adult"},          // an escaped quote does not end it
      {"s == \"a\\\\\" # c", "s == \"a\\\\\""},                    // an escaped backslash does
      {"#", ""},
  };
  for (const Case& c : cases) {
    INFO(c.written);
    CHECK(ir::significant_text(c.written) == c.read);
    // The DSL parser agrees: it reads the same text from a situation's condition.
    if (*c.read == '\0') continue;
    auto l = load(fmt::format("bundle b \"b\" version 1 {{\n  lead d\n  department d \"d\"\n  field s string \"s\"\n"
                              "  situation adult = s == \"x\"\n  situation t =\n{}\n"
                              "  item i \"i\" by d {{\n    form s\n    statutory 1wd\n    promised 1wd\n  }}\n}}\n",
                              c.written));
    REQUIRE_MESSAGE(l->result.bundle, l->text());
    CHECK(l->result.bundle->situations.at(1).condition.text == c.read);
  }
  const ir::Expression a{"adult  # 成年人", {}, true}, b{" adult", {}, true}, c{"adult_", {}, true};
  CHECK(a == b);
  CHECK_FALSE(a == c);
  // And the same bundle written in YAML prints into a DSL that loads back equal.
  SourceMap m;
  auto y = yaml::load_text(m, "t.yaml", R"(bundle: b
name: b
version: "1"
lead: d
departments: {d: d}
fields: {s: {type: string, label: s}}
situations:
  adult: {when: " s == 'x'  # 成年人", basis: 《条例》}
eligibility:
  - when: "adult # only adults"
items:
  i: {name: i, department: d, form: [s], when: "adult #", statutory: 1wd, promised: 1wd}
tables:
  t:
    hit: first
    inputs: {s: string}
    outputs: {n: int}
    rules:
      - ["'x' # first", "1 # one"]
)");
  REQUIRE_MESSAGE(y.bundle, render_text(y.diagnostics, m));
  const std::string as_dsl = dsl::print(*y.bundle);
  CHECK(as_dsl.find('#') == std::string::npos);
  auto d = dsl::load_text(m, "t.yi", as_dsl);
  REQUIRE_MESSAGE(d.bundle, render_text(d.diagnostics, m) << as_dsl);
  CHECK(*d.bundle == *y.bundle);
  CHECK(dsl::print(*d.bundle) == as_dsl);
}

TEST_CASE("dsl.bundles.three_national_bundles_are_kept_in_the_dsl") {
  std::size_t dsl = 0;
  for (const auto& p : bundle_files())
    if (p.extension() == ".yi" && p.string().find("bundles/national") != std::string::npos) {
      ++dsl;
      SourceMap m;
      auto r = dsl::load_file(m, p.string());
      INFO(p.string(), render_text(r.diagnostics, m));
      REQUIRE(r.bundle);
      // Kept in canonical layout (`yishi fmt --check`).
      CHECK(dsl::print(*r.bundle, &m.file(r.source)) == m.file(r.source).text());
    }
  CHECK(dsl >= 3);
}
