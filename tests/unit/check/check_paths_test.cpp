// The checker's decisions one by one: each rule's variants, where it points and what it leaves alone.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using yishi::test::Checked;
using yishi::test::load_and_check;
using yishi::test::minimal_bundle;
using yishi::test::replace;

namespace {

using Edits = std::vector<std::pair<std::string_view, std::string_view>>;

// minimal_bundle() with each edit applied in turn (each `from` must occur).
std::string edited(const Edits& edits, std::string text = minimal_bundle()) {
  for (const auto& [from, to] : edits) text = replace(std::move(text), from, to);
  return text;
}

std::size_t count(const Checked& c, DiagCode code) {
  std::size_t n = 0;
  for (const auto& d : c.diagnostics.items()) n += d.code == code;
  return n;
}

// One expected finding: its code, a fragment of its message, the text under the caret and
// the caret's line and column (0 when not checked).
struct Case {
  std::string_view what;
  std::string text;
  DiagCode code;
  std::string_view message;
  std::string_view underlined;
  std::uint32_t line;
  std::uint32_t column;
};

void check_cases(const std::vector<Case>& cases) {
  for (const auto& k : cases) {
    CAPTURE(k.what);
    auto c = load_and_check(k.text);
    INFO(c.text());
    const Diagnostic* d = c.find(k.code);
    REQUIRE(d);
    CHECK(d->message.find(k.message) != std::string::npos);
    if (!k.underlined.empty()) CHECK(c.underlined(*d) == k.underlined);
    if (k.line) {
      CHECK(c.where(*d).line == k.line);
      CHECK(c.where(*d).column == k.column);
    }
    CHECK(count(c, k.code) == 1);
  }
}

// minimal_bundle() with the dictionary definition of applicant.name replaced.
std::string name_field(std::string_view def) { return edited({{"{type: string, label: 姓名}", def}}); }

// minimal_bundle() with item `first` given an inline definition of applicant.name.
std::string inline_name(std::string_view dictionary, std::string_view inline_def) {
  return edited({{"{type: string, label: 姓名}", dictionary},
                 {"    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                  fmt::format("    form: [{}]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                              inline_def)}});
}

// Three items p, q, r on one department; `extra_*` is appended to each item's block.
std::string three(std::string_view extra_p, std::string_view extra_q, std::string_view extra_r,
                  std::string_view top = "") {
  return fmt::format(R"(bundle: t
name: 测试
version: "1"
lead: d
departments: {{d: 部门}}
materials: {{m: 材料}}
{}items:
  p:
    name: 甲
    department: d
    materials: [m]
    statutory: 5wd
    promised: 3wd
{}  q:
    name: 乙
    department: d
    materials: [m]
    statutory: 5wd
    promised: 3wd
{}  r:
    name: 丙
    department: d
    materials: [m]
    statutory: 5wd
    promised: 3wd
{})",
                     top, extra_p, extra_q, extra_r);
}

}  // namespace

TEST_CASE("check.paths.field_constraints_point_at_the_offending_key") {
  const std::vector<Case> cases = {
      {"max alone on a string", name_field("{type: string, label: x, max: 5}"), DiagCode::invalid_constraint,
       "field `applicant.name` of type `string` cannot have `min` or `max`", "max", 9, 44},
      {"min and max on a date", name_field("{type: date, label: x, min: 1, max: 5}"), DiagCode::invalid_constraint,
       "of type `date` cannot have `min` or `max`", "min", 9, 42},
      {"min_length on an int", name_field("{type: int, label: x, min_length: 2}"), DiagCode::invalid_constraint,
       "field `applicant.name` of type `int` cannot have a length or pattern constraint", "min_length", 9, 41},
      {"max_length on a bool", name_field("{type: bool, label: x, max_length: 2}"), DiagCode::invalid_constraint,
       "of type `bool` cannot have a length or pattern constraint", "max_length", 9, 42},
      {"pattern wins over lengths on a decimal", name_field("{type: decimal, label: x, max_length: 4, pattern: \"a\"}"),
       DiagCode::invalid_constraint, "of type `decimal` cannot have a length or pattern constraint", "\"a\"", 0, 0},
      {"multiple on a string", name_field("{type: string, label: x, multiple: true}"), DiagCode::invalid_constraint,
       "field `applicant.name` of type `string` cannot have `values` or `multiple`", "", 0, 0},
      {"values on a date", name_field("{type: date, label: x, values: [a]}"), DiagCode::invalid_constraint,
       "of type `date` cannot have `values` or `multiple`", "values", 0, 0},
      {"enum with an empty list", name_field("{type: enum, label: x, values: []}"), DiagCode::invalid_constraint,
       "enum field `applicant.name` has no `values`", "values", 0, 0},
      {"a value listed twice", name_field("{type: enum, label: x, values: [a, b, a]}"), DiagCode::invalid_constraint,
       "lists the value `a` twice", "values", 0, 0},
      {"min above max on a decimal", name_field("{type: decimal, label: x, min: 2.5, max: 1.5}"),
       DiagCode::invalid_constraint, "has `min` 2.5 above `max` 1.5", "min", 0, 0},
      {"min_length above max_length on a phone", name_field("{type: phone, label: x, min_length: 12, max_length: 11}"),
       DiagCode::invalid_constraint, "has `min_length` 12 above `max_length` 11", "min_length", 0, 0},
      {"invalid pattern on an address", name_field("{type: address, label: x, pattern: \"[a-\"}"),
       DiagCode::invalid_constraint, "field `applicant.name` has an invalid `pattern`", "\"[a-\"", 0, 0},
  };
  check_cases(cases);
}

TEST_CASE("check.paths.textual_types_take_length_and_pattern") {
  for (std::string_view type : {"string", "id_card", "phone", "address"}) {
    CAPTURE(type);
    auto c = load_and_check(name_field(fmt::format("{{type: {}, label: x, min_length: 1, max_length: 40, pattern: \"^.+$\"}}", type)));
    INFO(c.text());
    CHECK_FALSE(c.has(DiagCode::invalid_constraint));
  }
  for (std::string_view type : {"int", "decimal"}) {
    CAPTURE(type);
    auto c = load_and_check(name_field(fmt::format("{{type: {}, label: x, min: 1, max: 1}}", type)));
    INFO(c.text());
    CHECK_FALSE(c.has(DiagCode::invalid_constraint));
  }
  auto multi = load_and_check(name_field("{type: enum, label: x, values: [a, b], multiple: true}"));
  INFO(multi.text());
  CHECK_FALSE(multi.has(DiagCode::invalid_constraint));
}

TEST_CASE("check.paths.pattern_repeat_counts_as_written") {
  // What the checker says about a pattern: the count it refuses, "invalid" for a pattern
  // std::regex refuses, or nothing.
  struct Pattern {
    std::string_view pattern;
    std::string_view shown;
  };
  const std::vector<Pattern> patterns = {
      {"a{1001", "{1001"},                // no closing brace: the rest of the pattern
      {"a{0,5000}b", "{0,5000}"},          // the upper bound of {m,n}
      {"x{3}y{7}z{2000}", "{2000}"},       // a later count
      {"[\\\\]]{5000}", "{5000}"},          // an escaped `]` does not close the class
      {"a{,5000}", "invalid"},            // no lower bound: not a count
      {"a{b}", "invalid"},                // not digits
      {"a{", "invalid"},                  // a brace at the end
      {"a{5", "invalid"},                 // a count without its closing brace
      {"a{5,", "invalid"},                // a comma at the end
      {"a{!}", "invalid"},                // below the digits
      {"a{~}", "invalid"},                // above the digits
      {"a{5,}{6}", ""},                   // open upper bound
      {"\\\\d{2,3}-[{]x", ""},             // a brace inside a class
  };
  for (const auto& p : patterns) {
    CAPTURE(p.pattern);
    auto c = load_and_check(name_field(fmt::format("{{type: string, label: x, pattern: \"{}\"}}", p.pattern)));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::invalid_constraint);
    if (p.shown.empty()) {
      CHECK(c.diagnostics.empty());
    } else if (p.shown == "invalid") {
      REQUIRE(d);
      CHECK(d->message == "field `applicant.name` has an invalid `pattern`");
      CHECK(count(c, DiagCode::invalid_constraint) == 1);
    } else {
      REQUIRE(d);
      CHECK(d->message == fmt::format("field `applicant.name` has a `pattern` that repeats too often: `{}`", p.shown));
      CHECK(d->help == "a repeat count may be at most 1000");
      CHECK(count(c, DiagCode::invalid_constraint) == 1);
    }
  }
}

TEST_CASE("check.paths.constraint_without_a_location_points_at_the_field") {
  auto c = load_and_check(minimal_bundle());
  REQUIRE(c.bundle);
  ir::Bundle b = *c.bundle;
  b.fields[0].constraints.max = 3;  // set without a source position
  b.fields[0].values = {"x"};
  const auto found = check(b);
  std::size_t invalid = 0;
  for (const auto& d : found.items()) {
    if (d.code != DiagCode::invalid_constraint) continue;
    ++invalid;
    CHECK(std::string(c.sources.slice(d.span)) == "applicant.name");
  }
  CHECK(invalid == 2);
}

TEST_CASE("check.paths.merged_field_definitions") {
  SUBCASE("enum values differ") {
    auto c = load_and_check(inline_name("{type: enum, label: x, values: [a, b]}", "{id: applicant.name, type: enum, label: y, values: [a, c]}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::field_type_conflict);
    REQUIRE(d);
    CHECK(d->message == "field `applicant.name` is defined with other enum values than elsewhere");
    CHECK(d->label_text == "these values");
    REQUIRE(d->labels.size() == 1);
    CHECK(c.sources.slice(d->labels[0].span) == "applicant.name");
    CHECK(count(c, DiagCode::field_type_conflict) == 1);
  }
  SUBCASE("multiple differs") {
    auto c = load_and_check(inline_name("{type: enum, label: x, values: [a, b]}",
                                        "{id: applicant.name, type: enum, label: y, values: [a, b], multiple: true}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::field_type_conflict);
    REQUIRE(d);
    CHECK(d->message == "field `applicant.name` is defined with other enum values than elsewhere");
  }
  SUBCASE("same values agree") {
    auto c = load_and_check(inline_name("{type: enum, label: x, values: [a, b]}", "{id: applicant.name, type: enum, label: y, values: [a, b]}"));
    INFO(c.text());
    CHECK_FALSE(c.diagnostics.has_errors());
  }
  SUBCASE("numeric ranges that do not overlap") {
    auto c = load_and_check(inline_name("{type: int, label: x, min: 10}", "{id: applicant.name, type: int, label: y, max: 5}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::incompatible_constraints);
    REQUIRE(d);
    CHECK(d->message == "field `applicant.name` cannot be asked once: together its definitions require at least 10 and at most 5");
    CHECK(d->label_text == "this definition");
    REQUIRE(d->labels.size() == 1);
    CHECK(d->labels[0].message == "conflicts with this one");
    CHECK(c.where(*d).line == 16);
    CHECK(c.sources.file(d->labels[0].span.source).line_column(d->labels[0].span.begin).line == 9);
  }
  SUBCASE("the conflicting definition is found by its maximum") {
    auto c = load_and_check(inline_name("{type: decimal, label: x, max: 5}", "{id: applicant.name, type: decimal, label: y, min: 10}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::incompatible_constraints);
    REQUIRE(d);
    CHECK(d->message == "field `applicant.name` cannot be asked once: together its definitions require at least 10 and at most 5");
    REQUIRE(d->labels.size() == 1);
    CHECK(c.sources.file(d->labels[0].span.source).line_column(d->labels[0].span.begin).line == 9);
  }
  SUBCASE("the conflicting length is found by its minimum") {
    auto c = load_and_check(inline_name("{type: string, label: x, min_length: 5}",
                                        "{id: applicant.name, type: string, label: y, max_length: 3}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::incompatible_constraints);
    REQUIRE(d);
    CHECK(d->message ==
          "field `applicant.name` cannot be asked once: together its definitions require at least 5 and at most 3 characters");
    REQUIRE(d->labels.size() == 1);
    CHECK(c.sources.file(d->labels[0].span.source).line_column(d->labels[0].span.begin).line == 9);
  }
  SUBCASE("lengths that do not overlap") {
    auto c = load_and_check(inline_name("{type: string, label: x, max_length: 3}",
                                        "{id: applicant.name, type: string, label: y, min_length: 5}"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::incompatible_constraints);
    REQUIRE(d);
    CHECK(d->message ==
          "field `applicant.name` cannot be asked once: together its definitions require at least 5 and at most 3 characters");
  }
  SUBCASE("overlapping ranges merge") {
    auto c = load_and_check(inline_name("{type: int, label: x, min: 1, max: 10}", "{id: applicant.name, type: int, label: y, min: 5, max: 20}"));
    INFO(c.text());
    CHECK_FALSE(c.diagnostics.has_errors());
  }
  SUBCASE("another type stops the merge") {
    auto c = load_and_check(inline_name("{type: int, label: x, min: 10}", "{id: applicant.name, type: decimal, label: y, max: 5}"));
    INFO(c.text());
    CHECK(c.has(DiagCode::field_type_conflict));
    CHECK_FALSE(c.has(DiagCode::incompatible_constraints));
  }
}

TEST_CASE("check.paths.unknown_fields_and_suggestions") {
  SUBCASE("nothing close") {
    auto c = load_and_check(edited({{"    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                     "    form: [zzz.qqq]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"}}));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_field);
    REQUIRE(d);
    CHECK(d->message == "unknown field `zzz.qqq`");
    CHECK(d->help.empty());
    CHECK(c.where(*d).line == 16);
    CHECK(c.where(*d).column == 12);
  }
  SUBCASE("a bundle without a dictionary suggests inline definitions") {
    auto c = load_and_check(edited({{"fields:\n  applicant.name: {type: string, label: 姓名}\n", ""},
                                    {"    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                     "    form: [{id: applicant.name, type: string, label: 姓名}]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"},
                                    {"    form: [applicant.name]", "    form: [applicant.nam]"}}));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_field);
    REQUIRE(d);
    CHECK(d->help == "did you mean `applicant.name`?");
    CHECK(count(c, DiagCode::unknown_field) == 1);
  }
  SUBCASE("a bundle without any field") {
    auto c = load_and_check(edited({{"fields:\n  applicant.name: {type: string, label: 姓名}\n", ""},
                                    {"    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                     "    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"}}));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_field);
    REQUIRE(d);
    CHECK(d->message == "unknown field `applicant.name`");
    CHECK(d->help.empty());
  }
}

TEST_CASE("check.paths.duplicate_stage_id_points_at_both") {
  auto c = load_and_check(R"(bundle: t
name: 测试
version: "1"
lead: d
departments: {d: 部门}
materials: {m: 材料}
situations: {s: "true"}
items:
  p: {name: 甲, department: d, materials: [m], statutory: 5wd, promised: 3wd, when: s}
stages:
  - {id: one, items: [p]}
  - {id: one, items: []}
)");
  INFO(c.text());
  const Diagnostic* d = c.find(DiagCode::duplicate_id);
  REQUIRE(d);
  CHECK(d->message == "duplicate stage id `one`");
  CHECK(d->label_text == "declared again here");
  REQUIRE(d->labels.size() == 1);
  CHECK(d->labels[0].message == "first declared here");
}

TEST_CASE("check.paths.departments_and_lead") {
  SUBCASE("an unknown department of an item silences the lead rule") {
    auto c = load_and_check(edited({{"    department: dept_a", "    department: dept_x"}}));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_department);
    REQUIRE(d);
    CHECK(d->message == "unknown department `dept_x`");
    CHECK(d->help.find("did you mean") != std::string::npos);
    CHECK_FALSE(c.has(DiagCode::lead_handles_nothing));
    CHECK_FALSE(c.has(DiagCode::idle_department));  // the misspelt reference is the error to fix
  }
  SUBCASE("a review signer's department keeps it busy") {
    auto c = load_and_check(edited({{"  dept_b: 乙部门", "  dept_b: 乙部门\n  dept_c: 丙部门"}}) +
                            "    review: {signers: [{role: a, department: dept_c}]}\n");
    INFO(c.text());
    CHECK(c.diagnostics.empty());
  }
  SUBCASE("the lead of an empty bundle is not idle") {
    auto c = load_and_check("bundle: e\nname: 空\nversion: \"1\"\nlead: d\ndepartments: {d: 部门, e: 另一}\nitems: {}\n");
    INFO(c.text());
    CHECK(c.has(DiagCode::empty_bundle));
    CHECK_FALSE(c.has(DiagCode::lead_handles_nothing));
    const Diagnostic* d = c.find(DiagCode::idle_department);
    REQUIRE(d);
    CHECK(d->message == "department `e` handles no item");
    CHECK(count(c, DiagCode::idle_department) == 1);
  }
}

TEST_CASE("check.paths.limits_of_items") {
  const std::vector<Case> cases = {
      {"baseline in hours beyond the statutory days", minimal_bundle() + "    separately: {limit: 10wd1wh}\n",
       DiagCode::baseline_beyond_statutory, "item `second` takes 10wd1wh on its own but its statutory limit is 10wd", "", 0, 0},
      {"promised in hours", edited({{"promised: 5wd", "promised: 81wh"}}), DiagCode::promised_exceeds_statutory,
       "item `first` promises 81wh but its statutory limit is 10wd", "81wh", 19, 15},
  };
  check_cases(cases);
  auto within = load_and_check(minimal_bundle() + "    separately: {limit: 80wh}\n");
  INFO(within.text());
  CHECK_FALSE(within.has(DiagCode::baseline_beyond_statutory));
}

TEST_CASE("check.paths.rejection_targets") {
  SUBCASE("to itself") {
    auto c = load_and_check(three("    approvals:\n      reject: {to: [p]}\n", "", ""));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::reject_target_not_before);
    REQUIRE(d);
    CHECK(d->message == "item `p` cannot reject back to itself");
    CHECK(d->label_text == "the step itself");
    CHECK(c.underlined(*d) == "p");
    CHECK(c.where(*d).line == 15);
    CHECK(c.where(*d).column == 21);
  }
  SUBCASE("to a later step") {
    auto c = load_and_check(three("    approvals:\n      reject: {to: [q]}\n", "    after: [p]\n", ""));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::reject_target_not_before);
    REQUIRE(d);
    CHECK(d->message == "item `p` cannot reject back to `q`: `q` comes after it");
    CHECK(d->label_text == "comes after this item");
  }
  SUBCASE("parallel without a common step") {
    auto c = load_and_check(three("", "    approvals:\n      reject: {to: [r]}\n", ""));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::reject_target_parallel);
    REQUIRE(d);
    CHECK(d->message == "item `q` cannot reject back to `r`: they run in parallel");
    CHECK(d->help == "reject back to a step both come after, or to `applicant`");
  }
  SUBCASE("parallel after a chain names the nearest common step") {
    auto c = load_and_check(three("", "    after: [p]\n", "    after: [q]\n") +
                            "  s:\n    name: 丁\n    department: d\n    materials: [m]\n    statutory: 5wd\n    promised: 3wd\n"
                            "    after: [q]\n    approvals:\n      reject: {to: [r]}\n");
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::reject_target_parallel);
    REQUIRE(d);
    CHECK(d->help == "reject back to a step both come after, such as `q`");
  }
  SUBCASE("an unknown target") {
    auto c = load_and_check(three("", "    after: [p]\n    approvals:\n      reject: {to: [pp]}\n", ""));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_item);
    REQUIRE(d);
    CHECK(d->message == "unknown item `pp`");
    CHECK(d->help == "did you mean `p`?");
    CHECK(c.diagnostics.error_count() == 1);
  }
  SUBCASE("an earlier step is fine") {
    auto c = load_and_check(three("", "    after: [p]\n", "    after: [q]\n    approvals:\n      reject: {to: [p, previous, applicant]}\n"));
    INFO(c.text());
    CHECK(c.diagnostics.empty());
  }
  SUBCASE("a broken order skips the rejection checks") {
    auto c = load_and_check(three("    after: [q]\n    approvals:\n      reject: {to: [p]}\n", "    after: [p]\n", ""));
    INFO(c.text());
    CHECK(c.has(DiagCode::dependency_cycle));
    CHECK_FALSE(c.has(DiagCode::reject_target_not_before));
  }
}

TEST_CASE("check.paths.previous_with_one_predecessor_or_without_warnings") {
  auto one = load_and_check(three("", "    after: [p, p]\n", "    after: [q]\n    approvals:\n      reject: {to: [previous]}\n"));
  INFO(one.text());
  CHECK_FALSE(one.has(DiagCode::ambiguous_previous));
  auto two = load_and_check(three("", "", "    after: [p, q]\n    approvals:\n      reject: {to: [previous]}\n"));
  INFO(two.text());
  const Diagnostic* d = two.find(DiagCode::ambiguous_previous);
  REQUIRE(d);
  CHECK(d->message == "`previous` of `r` may be ambiguous: it comes directly after `p` and `q`");
  REQUIRE(two.bundle);
  CheckOptions quiet;
  quiet.warnings = false;
  CHECK(check(*two.bundle, quiet).empty());
}

TEST_CASE("check.paths.supervisor_needs_an_operation") {
  struct Allow {
    std::string_view allow;
    bool error;
  };
  for (const auto& a : {Allow{"[delegate, remind]", true}, Allow{"none", true}, Allow{"[add_signer]", false},
                        Allow{"[remove_signer]", false}, Allow{"[transfer]", false}, Allow{"all", false}}) {
    CAPTURE(a.allow);
    auto c = load_and_check(three(fmt::format("    approvals:\n      allow: {}\n      supervisor: chief\n", a.allow), "", ""));
    INFO(c.text());
    CHECK(c.has(DiagCode::supervisor_without_operations) == a.error);
    if (a.error) {
      const Diagnostic* d = c.find(DiagCode::supervisor_without_operations);
      REQUIRE(d);
      CHECK(d->message == "supervisor `chief` of `p` has nothing to supervise");
      CHECK(c.underlined(*d) == "chief");
    }
  }
  auto none = load_and_check(three("    approvals:\n      allow: none\n", "", ""));
  INFO(none.text());
  CHECK(none.diagnostics.empty());
}

TEST_CASE("check.paths.approval_warnings") {
  const std::vector<Case> cases = {
      {"resume without a step target", three("    approvals:\n      reject: {to: [applicant], resume: rerun}\n", "", ""),
       DiagCode::reject_policy_unused, "`resume` of `p` has no effect", "", 0, 0},
      {"siblings without a step target", three("    approvals:\n      reject: {to: [applicant], siblings: cancel}\n", "", ""),
       DiagCode::reject_policy_unused, "`siblings` of `p` has no effect", "", 0, 0},
      {"automatic decision after the statutory limit", three("    approvals:\n      auto_decide: {decision: approve, after: 5wd1wh}\n", "", ""),
       DiagCode::auto_decision_beyond_statutory, "item `p` decides automatically after 5wd1wh, beyond its statutory limit 5wd", "", 0, 0},
      {"first reminder after the promise", three("    approvals:\n      remind: {first: 4wd, every: 1wd, max: 2}\n", "", ""),
       DiagCode::reminder_after_deadline, "the first reminder of `p` comes after its promised limit 3wd", "", 0, 0},
      {"every reminder after the promise", three("    approvals:\n      remind: {every: 3wd1wh, max: 2}\n", "", ""),
       DiagCode::reminder_after_deadline, "the first reminder of `p`", "", 0, 0},
  };
  check_cases(cases);
  for (std::string_view ok : {"    approvals:\n      auto_decide: {decision: reject}\n",
                              "    approvals:\n      auto_decide: {decision: approve, after: 5wd}\n",
                              "    approvals:\n      remind: {first: 1wd, every: 4wd, max: 2}\n",
                              "    approvals:\n      remind: {every: 3wd, max: 2}\n"}) {
    CAPTURE(ok);
    auto c = load_and_check(three(ok, "", ""));
    INFO(c.text());
    CHECK(c.diagnostics.empty());
  }
  auto step = load_and_check(three("", "    after: [p]\n    approvals:\n      reject: {to: [p], resume: rerun, siblings: cancel}\n", ""));
  INFO(step.text());
  CHECK(step.diagnostics.empty());
}

TEST_CASE("check.paths.never_activatable_variants") {
  SUBCASE("a constant situation is named in a note") {
    auto c = load_and_check(three("    when: [yes, not yes]\n", "    when: not yes\n", "", "situations: {yes: \"true\"}\n"));
    INFO(c.text());
    CHECK(count(c, DiagCode::never_activatable) == 2);
    for (const auto& d : c.diagnostics.items()) {
      if (d.code != DiagCode::never_activatable) continue;
      REQUIRE_FALSE(d.notes.empty());
      CHECK(d.notes[0] == "situation `yes` is the constant `true`");
    }
  }
  SUBCASE("several conditions name each other") {
    auto c = load_and_check(three("    when: [s, t, not s]\n", "", "", "situations: {s: \"1 > 0\", t: \"2 > 0\"}\n"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::never_activatable);
    REQUIRE(d);
    CHECK(d->message == "item `p` can never be active: its `when` conditions cannot all hold");
    CHECK(d->label_text == "these conditions contradict each other");
    CHECK(d->labels.size() == 2);
    CHECK(d->notes.empty());
  }
  SUBCASE("a literal false alone") {
    auto c = load_and_check(three("    when: \"false or false\"\n", "", ""));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::never_activatable);
    REQUIRE(d);
    CHECK(d->label_text == "this condition never holds");
  }
  SUBCASE("comparisons are free variables") {
    auto c = load_and_check(three("    when: \"s and not t\"\n", "", "",
                                  "situations: {s: \"1 > 0\", t: \"false\"}\n"));
    INFO(c.text());
    CHECK_FALSE(c.has(DiagCode::never_activatable));
  }
  SUBCASE("a term with an error is not analysed") {
    auto c = load_and_check(three("    when: [false, nosuch]\n", "", ""));
    INFO(c.text());
    CHECK(c.has(DiagCode::unknown_situation));
    CHECK_FALSE(c.has(DiagCode::never_activatable));
  }
}

TEST_CASE("check.paths.never_activatable_gives_up_beyond_twelve_variables") {
  std::string situations = "situations: {";
  std::string twelve, thirteen;
  for (int k = 1; k <= 13; ++k) {
    situations += fmt::format("{}v{}: \"{} > 0\"", k > 1 ? ", " : "", k, k);
    if (k <= 12) twelve += fmt::format("v{} and ", k);
    thirteen += fmt::format("v{} and ", k);
  }
  situations += "}\n";
  auto at_limit = load_and_check(three(fmt::format("    when: \"{}false\"\n", twelve), fmt::format("    when: \"{}v13\"\n", twelve), "", situations));
  INFO(at_limit.text());
  CHECK(count(at_limit, DiagCode::never_activatable) == 1);
  auto beyond = load_and_check(three(fmt::format("    when: \"{}false\"\n", thirteen), "", "", situations));
  INFO(beyond.text());
  CHECK_FALSE(beyond.has(DiagCode::never_activatable));
}

TEST_CASE("check.paths.review_without_signers_or_threshold_positions") {
  auto c = load_and_check(minimal_bundle());
  REQUIRE(c.bundle);
  ir::Bundle b = *c.bundle;
  b.items[0].review.signers.clear();
  b.items[0].review.signers_loc = {};
  b.items[0].review.loc = b.items[0].loc;
  b.items[1].review.join = ir::JoinKind::vote;
  b.items[1].review.threshold = -2;
  b.items[1].review.threshold_loc = {};
  b.items[1].review.loc = b.items[1].loc;
  const auto found = check(b);
  bool no_signers = false, vote = false;
  for (const auto& d : found.items()) {
    if (d.code == DiagCode::no_signers) {
      no_signers = true;
      CHECK(d.message == "the review of `first` has no signers");
      CHECK(c.sources.slice(d.span) == "first");
    }
    if (d.code == DiagCode::vote_unreachable) {
      vote = true;
      CHECK(d.message == "vote threshold -2 of `second` can never be reached: 1 signer with total weight 1");
      CHECK(d.help == "the threshold must be at least 1");
      CHECK(c.sources.slice(d.span) == "second");
    }
  }
  CHECK(no_signers);
  CHECK(vote);
}

TEST_CASE("check.paths.stages_edge_cases") {
  SUBCASE("waiting for an item outside every stage or in an earlier one") {
    auto c = load_and_check(three("", "    after: [p]\n", "    after: [q]\n",
                                  "stages:\n  - {id: one, items: [p, r]}\n  - {id: two, items: [q]}\n"));
    INFO(c.text());
    CHECK(c.has(DiagCode::waits_for_later_stage));  // r waits for q of the later stage
    const Diagnostic* d = c.find(DiagCode::waits_for_later_stage);
    REQUIRE(d);
    CHECK(d->message == "item `r` in stage `one` waits for `q` of the later stage `two`");
    CHECK(count(c, DiagCode::waits_for_later_stage) == 1);  // q waits for p of an earlier stage: fine
  }
  SUBCASE("the same item twice in one stage") {
    auto c = load_and_check(three("", "", "", "stages:\n  - {id: one, items: [p, q, r, p]}\n"));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::item_in_several_stages);
    REQUIRE(d);
    CHECK(d->message == "item `p` is placed in stage `one` and in stage `one`");
  }
  SUBCASE("an unknown item in a stage leaves the rest checked") {
    auto c = load_and_check(three("", "", "    after: [zz]\n", "stages:\n  - {id: one, items: [p, q, r]}\n"));
    INFO(c.text());
    CHECK(count(c, DiagCode::unknown_item) == 1);
    CHECK_FALSE(c.has(DiagCode::item_without_stage));
  }
}

TEST_CASE("check.paths.material_warnings") {
  SUBCASE("a pledge material used by an item that allows a pledge") {
    auto c = load_and_check(edited({{"materials: {m: 材料}", "materials: {m: {name: 材料, pledge: true}}"}},
                                   three("    pledge: true\n", "", "")));
    INFO(c.text());
    CHECK_FALSE(c.has(DiagCode::pledge_not_allowed));
    CHECK(c.diagnostics.empty());
  }
  SUBCASE("an unused pledge material is only unused") {
    auto c = load_and_check(edited({{"materials: {m: 材料}", "materials: {m: 材料, spare: {name: 备用, pledge: true}}"}},
                                   three("", "", "")));
    INFO(c.text());
    CHECK(c.has(DiagCode::unused_material));
    CHECK_FALSE(c.has(DiagCode::pledge_not_allowed));
  }
  SUBCASE("a pledge material whose items do not allow a pledge") {
    auto c = load_and_check(edited({{"materials: {m: 材料}", "materials: {m: {name: 材料, pledge: true}}"}},
                                   three("", "", "")));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::pledge_not_allowed);
    REQUIRE(d);
    CHECK(d->message == "material `m` may be replaced by a pledge, but no item that uses it allows one");
    CHECK(c.underlined(*d) == "m");
  }
  SUBCASE("a deferral within the promise") {
    auto c = load_and_check(edited({{"materials: {m: 材料}", "materials: {m: {name: 材料, deferrable: 3wd}}"}},
                                   three("", "", "")));
    INFO(c.text());
    CHECK(c.diagnostics.empty());
  }
  SUBCASE("an unknown material is not looked up for its deferral") {
    auto c = load_and_check(edited({{"    materials: [m]\n    statutory: 5wd\n    promised: 3wd\n  q",
                                     "    materials: [mm]\n    statutory: 5wd\n    promised: 3wd\n  q"}},
                                   three("", "", "")));
    INFO(c.text());
    const Diagnostic* d = c.find(DiagCode::unknown_material);
    REQUIRE(d);
    CHECK(d->help == "did you mean `m`?");
    CHECK(c.diagnostics.error_count() == 1);
  }
}

TEST_CASE("check.paths.situation_used_only_by_eligibility_or_another_situation") {
  auto c = load_and_check(edited({{"fields:", "situations: {adult: \"applicant.age >= 18\", grown: \"adult\"}\neligibility: [grown]\nfields:"},
                                  {"  applicant.name: {type: string, label: 姓名}",
                                   "  applicant.name: {type: string, label: 姓名}\n  applicant.age: {type: int, label: 年龄}"}}));
  INFO(c.text());
  CHECK_FALSE(c.has(DiagCode::unused_situation));
  CHECK_FALSE(c.has(DiagCode::unused_field));
}

TEST_CASE("check.paths.a_bundle_without_a_lead") {
  auto c = load_and_check(minimal_bundle());
  REQUIRE(c.bundle);
  ir::Bundle b = *c.bundle;
  b.lead = {};
  const auto found = check(b);
  for (const auto& d : found.items()) {
    CAPTURE(d.message);
    CHECK(d.code != DiagCode::unknown_department);
    CHECK(d.code != DiagCode::lead_handles_nothing);
  }
  // Without a lead, a department that handles nothing is idle.
  b.items[1].department.id = "dept_a";
  const auto idle = check(b);
  REQUIRE(idle.items().size() == 1);
  CHECK(idle.items()[0].code == DiagCode::idle_department);
  CHECK(idle.items()[0].message == "department `dept_b` handles no item");
}
