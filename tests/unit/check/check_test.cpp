// The checker: each rule, its location, and that all errors are collected in one run.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using yishi::test::load_and_check;
using yishi::test::minimal_bundle;
using yishi::test::replace;

namespace {
// A bundle with items a, b, c (each with one material) and a given tail of item text.
std::string three_items(std::string_view a_extra, std::string_view b_extra, std::string_view c_extra,
                        std::string_view top_extra = "") {
  return fmt::format(R"(bundle: t
name: 测试
version: "1"
lead: d
departments: {{d: 部门}}
materials: {{m: 材料}}
{}items:
  a:
    name: 甲
    department: d
    materials: [m]
    statutory: 5wd
    promised: 5wd
{}  b:
    name: 乙
    department: d
    materials: [m]
    statutory: 5wd
    promised: 5wd
{}  c:
    name: 丙
    department: d
    materials: [m]
    statutory: 5wd
    promised: 5wd
{})",
                     top_extra, a_extra, b_extra, c_extra);
}
}  // namespace

TEST_CASE("check.clean_bundle.has_no_diagnostics") {
  auto c = load_and_check(minimal_bundle());
  INFO(c.text());
  CHECK(c.diagnostics.empty());
  auto r = load_and_check(three_items("", "", ""));
  INFO(r.text());
  CHECK(r.diagnostics.empty());
}

TEST_CASE("check.references.unknown_item_department_material_field_situation") {
  auto c = load_and_check(three_items("    after: [bb]\n", "    department: dd\n    form: [x.y]\n", "    when: big\n",
                                      "situations: {big: \"shop.area > 3\"}\n"));
  // b has department twice → YAML duplicate key; use other texts instead for b.
  CHECK(c.has(DiagCode::duplicate_key));
  auto r = load_and_check(replace(three_items("    after: [bb]\n", "    form: [x.y]\n", "    when: bigg\n",
                                              "situations: {big: \"shop.area > 3\"}\n"),
                                  "materials: [m]\n    statutory: 5wd\n    promised: 5wd\n    form: [x.y]",
                                  "materials: [mm]\n    statutory: 5wd\n    promised: 5wd\n    form: [x.y]"));
  INFO(r.text());
  const Diagnostic* item = r.find(DiagCode::unknown_item);
  REQUIRE(item);
  CHECK(r.underlined(*item) == "bb");
  CHECK(item->help == "did you mean `b`?");
  const Diagnostic* mat = r.find(DiagCode::unknown_material);
  REQUIRE(mat);
  CHECK(r.underlined(*mat) == "mm");
  const Diagnostic* sit = r.find(DiagCode::unknown_situation);
  REQUIRE(sit);
  CHECK(sit->help == "did you mean `big`?");
  // the field in the situation's condition is located inside the YAML string
  int unknown_fields = 0;
  for (const auto& d : r.diagnostics.items())
    if (d.code == DiagCode::unknown_field) {
      ++unknown_fields;
      if (r.underlined(d) == "shop.area") CHECK(r.where(d).column == 20);
      else CHECK(r.underlined(d) == "x.y");
    }
  CHECK(unknown_fields == 2);
  CHECK(r.diagnostics.error_count() >= 5);  // all collected in one run
}

TEST_CASE("check.cycle.names_the_path_and_each_edge") {
  auto c = load_and_check(three_items("    after: [c]\n", "    after: [a]\n", "    after: [b]\n"));
  const Diagnostic* d = c.find(DiagCode::dependency_cycle);
  REQUIRE(d);
  CHECK(d->message == "dependency cycle: `a` waits for `c` waits for `b` waits for `a`");
  CHECK(d->labels.size() == 2);
  int cycles = 0;
  for (const auto& x : c.diagnostics.items()) cycles += x.code == DiagCode::dependency_cycle;
  CHECK(cycles == 1);  // one report per cycle, not one per member
}

TEST_CASE("check.cycle.self_dependency") {
  auto c = load_and_check(three_items("    after: [a]\n", "", ""));
  const Diagnostic* d = c.find(DiagCode::dependency_cycle);
  REQUIRE(d);
  CHECK(d->message == "dependency cycle: `a` waits for `a`");
}

TEST_CASE("check.cycle.two_separate_cycles_are_both_reported") {
  auto c = load_and_check(three_items("    after: [a]\n", "    after: [c]\n", "    after: [b]\n"));
  int cycles = 0;
  for (const auto& x : c.diagnostics.items()) cycles += x.code == DiagCode::dependency_cycle;
  CHECK(cycles == 2);
}

TEST_CASE("check.situations.never_activatable_items") {
  auto c = load_and_check(three_items("    when: [big, not big]\n", "    when: never\n", "",
                                      "situations: {big: \"1 > 0\", never: \" false \"}\n"));
  int n = 0;
  for (const auto& d : c.diagnostics.items()) n += d.code == DiagCode::never_activatable;
  CHECK(n == 2);
  auto ok = load_and_check(three_items("    when: not never\n", "", "", "situations: {never: \"false\"}\n"));
  CHECK_FALSE(ok.has(DiagCode::never_activatable));
}

TEST_CASE("check.materials.deferrable_core_and_late_deferral") {
  auto c = load_and_check(replace(three_items("", "", ""), "materials: {m: 材料}",
                                  "materials: {m: 材料, late: {name: 迟交, deferrable: 10wd}}") +
                          "    materials: [m, {id: late, core: true}]\n");
  REQUIRE(c.has(DiagCode::duplicate_key));  // c already has materials: the test text must not
  auto r = load_and_check(replace(replace(three_items("", "", ""), "materials: {m: 材料}",
                                          "materials: {m: 材料, late: {name: 迟交, deferrable: 10wd}}"),
                                  "  c:\n    name: 丙\n    department: d\n    materials: [m]",
                                  "  c:\n    name: 丙\n    department: d\n    materials: [m, {id: late, core: true}]"));
  INFO(r.text());
  const Diagnostic* d = r.find(DiagCode::deferrable_core_material);
  REQUIRE(d);
  CHECK(r.underlined(*d) == "late");
  CHECK(r.has(DiagCode::deferral_beyond_promise));  // 10wd deferral vs 5wd promise
}

TEST_CASE("check.limits.promised_above_statutory") {
  auto c = load_and_check(replace(minimal_bundle(), "promised: 5wd", "promised: 10wd1wh"));
  const Diagnostic* d = c.find(DiagCode::promised_exceeds_statutory);
  REQUIRE(d);
  CHECK(c.underlined(*d) == "10wd1wh");
  CHECK(d->message == "item `first` promises 10wd1wh but its statutory limit is 10wd");
  auto equal = load_and_check(replace(minimal_bundle(), "promised: 5wd", "promised: 10wd"));
  CHECK_FALSE(equal.has(DiagCode::promised_exceeds_statutory));
  auto hours = load_and_check(replace(minimal_bundle(), "promised: 5wd", "promised: 79wh"));
  CHECK_FALSE(hours.has(DiagCode::promised_exceeds_statutory));  // 79h < 10 days of 8h
}

TEST_CASE("check.review.vote_threshold_and_empty_signers") {
  auto high = load_and_check(minimal_bundle() + "    review: {join: vote, threshold: 4, signers: [a, {role: b, weight: 2}]}\n");
  const Diagnostic* d = high.find(DiagCode::vote_unreachable);
  REQUIRE(d);
  CHECK(d->help == "lower the threshold to at most 3");
  auto reachable = load_and_check(minimal_bundle() + "    review: {join: vote, threshold: 3, signers: [a, {role: b, weight: 2}]}\n");
  CHECK_FALSE(reachable.has(DiagCode::vote_unreachable));
  auto zero = load_and_check(minimal_bundle() + "    review: {join: vote, threshold: 0, signers: [a]}\n");
  CHECK(zero.has(DiagCode::vote_unreachable));
  auto empty = load_and_check(minimal_bundle() + "    review: {signers: []}\n");
  CHECK(empty.has(DiagCode::no_signers));
  auto dept = load_and_check(minimal_bundle() + "    review: {signers: [{role: a, department: nowhere}]}\n");
  CHECK(dept.has(DiagCode::unknown_department));
}

TEST_CASE("check.bundle.empty_and_lead_rules") {
  auto empty = load_and_check("bundle: e\nname: 空\nversion: \"1\"\nlead: d\ndepartments: {d: 部门}\nitems: {}\n");
  INFO(empty.text());
  CHECK(empty.has(DiagCode::empty_bundle));
  auto lead = load_and_check(replace(minimal_bundle(), "lead: dept_a", "lead: dept_c").replace(0, 0, ""));
  CHECK(lead.has(DiagCode::unknown_department));
  auto idle_lead = load_and_check(replace(replace(minimal_bundle(), "department: dept_a", "department: dept_b"),
                                          "  dept_b: 乙部门", "  dept_b: 乙部门\n  dept_c: 丙部门"));
  const Diagnostic* d = idle_lead.find(DiagCode::lead_handles_nothing);
  REQUIRE(d);
  CHECK(idle_lead.underlined(*d) == "dept_a");
  CHECK(idle_lead.has(DiagCode::idle_department));  // dept_c
}

TEST_CASE("check.fields.conflicting_definitions_point_at_both") {
  auto c = load_and_check(replace(minimal_bundle(), "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                  "    form: [{id: applicant.name, type: date, label: 生日}]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"));
  const Diagnostic* d = c.find(DiagCode::field_type_conflict);
  REQUIRE(d);
  CHECK(d->message == "field `applicant.name` is defined as `date` here but as `string` elsewhere");
  REQUIRE(d->labels.size() == 1);
  CHECK(c.sources.slice(d->labels[0].span) == "applicant.name");
}

TEST_CASE("check.fields.invalid_constraints") {
  for (const char* def : {"{type: int, label: x, min: 5, max: 1}", "{type: string, label: x, min: 1}",
                          "{type: int, label: x, pattern: \"a\"}", "{type: enum, label: x}",
                          "{type: string, label: x, values: [a]}", "{type: string, label: x, pattern: \"(\"}",
                          "{type: string, label: x, min_length: 3, max_length: 2}", "{type: enum, label: x, values: [a, a]}"}) {
    auto c = load_and_check(replace(minimal_bundle(), "{type: string, label: 姓名}", def));
    CHECK_MESSAGE(c.has(DiagCode::invalid_constraint), def);
  }
}

// tests/regress/yaml-pattern-repeat-count-overflows-std-regex: libstdc++'s regex compiler
// overflows reading a repeat count of 20 digits (UBSan), so counts above 1000 are refused
// before it sees them; escaped braces and braces in a bracket expression are no counts.
TEST_CASE("check.fields.pattern_repeat_counts_are_bounded") {
  for (const char* pattern : {"a{99999999999999999999}", "a{2,1001}", "^[0-9]{1001,}$", "(ab){5}x{1,99999}"}) {
    auto c = load_and_check(replace(minimal_bundle(), "{type: string, label: 姓名}",
                                    fmt::format("{{type: string, label: x, pattern: \"{}\"}}", pattern)));
    const Diagnostic* d = c.find(DiagCode::invalid_constraint);
    REQUIRE_MESSAGE(d, pattern);
    CHECK(d->message.find("repeats too often") != std::string::npos);
  }
  for (const char* pattern : {"a{1000}", "^[0-9]{3,4}$", "\\\\{99999\\\\}", "[{99999}]", "a{2,}"}) {
    auto c = load_and_check(replace(minimal_bundle(), "{type: string, label: 姓名}",
                                    fmt::format("{{type: string, label: x, pattern: \"{}\"}}", pattern)));
    CHECK_MESSAGE(!c.has(DiagCode::invalid_constraint), pattern, c.text());
  }
}

TEST_CASE("check.stages.membership_and_order") {
  const std::string stages = "stages:\n  - {id: s1, items: [a, b]}\n  - {id: s2, items: [c, a]}\n";
  auto twice = load_and_check(three_items("", "", "", stages));
  CHECK(twice.has(DiagCode::item_in_several_stages));
  auto missing = load_and_check(three_items("", "", "", "stages:\n  - {id: s1, items: [a, zz]}\n"));
  CHECK(missing.has(DiagCode::item_without_stage));
  CHECK(missing.has(DiagCode::unknown_item));
  auto later = load_and_check(three_items("    after: [c]\n", "", "", "stages:\n  - {id: s1, items: [a, b]}\n  - {id: s2, items: [c]}\n"));
  const Diagnostic* d = later.find(DiagCode::waits_for_later_stage);
  REQUIRE(d);
  CHECK(later.underlined(*d) == "c");
  auto fine = load_and_check(three_items("", "", "    after: [a]\n", "stages:\n  - {id: s1, items: [a, b]}\n  - {id: s2, items: [c]}\n"));
  INFO(fine.text());
  CHECK_FALSE(fine.diagnostics.has_errors());
}

TEST_CASE("check.warnings.can_be_turned_off") {
  auto c = load_and_check(replace(minimal_bundle(), "  form_a: 申请表", "  form_a: 申请表\n  unused: 没用"));
  CHECK(c.has(DiagCode::unused_material));
  REQUIRE(c.bundle);
  CheckOptions o;
  o.warnings = false;
  CHECK(check(*c.bundle, o).empty());
}

TEST_CASE("check.warnings.unused_field_situation_and_itemless_materials") {
  auto c = load_and_check(replace(replace(minimal_bundle(), "fields:", "situations: {s: \"applicant.age > 1\"}\nfields:"),
                                  "  applicant.name: {type: string, label: 姓名}",
                                  "  applicant.name: {type: string, label: 姓名}\n  applicant.age: {type: int, label: 年龄}\n  applicant.x: {type: int, label: 未用}"));
  INFO(c.text());
  CHECK(c.has(DiagCode::unused_situation));
  const Diagnostic* f = c.find(DiagCode::unused_field);
  REQUIRE(f);
  CHECK(c.underlined(*f) == "applicant.x");  // applicant.age counts as used by the situation
}

TEST_CASE("check.items.a_field_or_material_listed_twice") {
  auto c = load_and_check(replace(minimal_bundle(), "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                  "    form: [applicant.name, applicant.name]\n    materials: [form_a, form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"));
  int twice = 0;
  for (const auto& d : c.diagnostics.items())
    if (d.code == DiagCode::duplicate_id) {
      ++twice;
      CHECK(d.labels.size() == 1);
    }
  CHECK(twice == 2);
  const Diagnostic* d = c.find(DiagCode::duplicate_id);
  REQUIRE(d);
  CHECK(d->message == "field `applicant.name` appears twice in the form of item `first`");
}
