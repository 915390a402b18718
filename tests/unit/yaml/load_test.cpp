// The YAML loader: shapes, keys, values, spans and limits.
#include <doctest/doctest.h>

#include "test_support.hpp"

using namespace yishi;
using yishi::test::load_and_check;
using yishi::test::minimal_bundle;
using yishi::test::replace;

TEST_CASE("yaml.minimal_bundle.loads_with_every_part") {
  auto c = load_and_check(minimal_bundle());
  INFO(c.text());
  REQUIRE(c.bundle);
  CHECK_FALSE(c.diagnostics.has_errors());
  const auto& b = *c.bundle;
  CHECK(b.id == "mini");
  CHECK(b.name == "最小");
  CHECK(b.lead.id == "dept_a");
  CHECK(b.departments.size() == 2);
  CHECK(b.departments[1].name == "乙部门");
  REQUIRE(b.items.size() == 2);
  CHECK(b.items[1].after.at(0).id == "first");
  CHECK(b.items[0].statutory == ir::WorkDuration{10, 0});
  CHECK(b.items[0].review.signers.size() == 1);  // the default single reviewer
  CHECK(b.items[0].review.signers[0].role == "reviewer");
}

TEST_CASE("yaml.spans.point_at_the_written_text") {
  auto c = load_and_check(minimal_bundle());
  REQUIRE(c.bundle);
  const auto& after = c.bundle->items[1].after[0];
  CHECK(c.sources.slice(after.loc.span) == "first");
  CHECK(c.sources.file(after.loc.span.source).line_column(after.loc.span.begin).line == 23);
  CHECK(c.sources.slice(c.bundle->items[0].loc.span) == "first");
}

TEST_CASE("yaml.equality.ignores_positions") {
  auto a = load_and_check(minimal_bundle());
  auto b = load_and_check("# a leading comment moves every position\n\n" + minimal_bundle());
  REQUIRE(a.bundle);
  REQUIRE(b.bundle);
  CHECK(*a.bundle == *b.bundle);
  auto changed = load_and_check(replace(minimal_bundle(), "promised: 5wd", "promised: 4wd"));
  REQUIRE(changed.bundle);
  CHECK_FALSE(*a.bundle == *changed.bundle);
}

TEST_CASE("yaml.unknown_key.is_located_and_suggests_the_known_key") {
  auto c = load_and_check(replace(minimal_bundle(), "    statutory: 10wd\n    promised: 5wd\n  second",
                                  "    statutory: 10wd\n    promisd: 5wd\n  second"));
  const Diagnostic* d = c.find(DiagCode::unknown_key);
  REQUIRE(d);
  CHECK(c.underlined(*d) == "promisd");
  CHECK(d->help == "did you mean `promised`?");
  CHECK(c.has(DiagCode::missing_key));  // and `promised` is then missing
  CHECK_FALSE(c.bundle);
}

TEST_CASE("yaml.duplicate_key.reports_both_occurrences") {
  auto c = load_and_check(replace(minimal_bundle(), "version: \"1\"\n", "version: \"1\"\nversion: \"2\"\n"));
  const Diagnostic* d = c.find(DiagCode::duplicate_key);
  REQUIRE(d);
  CHECK(c.where(*d).line == 4);
  REQUIRE(d->labels.size() == 1);
  CHECK(c.sources.file(0).line_column(d->labels[0].span.begin).line == 3);
}

TEST_CASE("yaml.duplicate_item_id.is_a_checker_error_naming_both") {
  std::string text = minimal_bundle() + "  first:\n    name: 重复\n    department: dept_a\n    statutory: 1wd\n    promised: 1wd\n";
  auto c = load_and_check(text);
  const Diagnostic* d = c.find(DiagCode::duplicate_id);
  REQUIRE(d);
  CHECK(d->message == "duplicate item id `first`");
  CHECK(c.where(*d).line == 28);
}

TEST_CASE("yaml.values.durations_fees_and_booleans") {
  SUBCASE("a bare number is not a duration") {
    auto c = load_and_check(replace(minimal_bundle(), "statutory: 10wd", "statutory: 10"));
    const Diagnostic* d = c.find(DiagCode::invalid_value);
    REQUIRE(d);
    CHECK(c.underlined(*d) == "10");
    CHECK(d->help == "limits count working days: write `10wd`");
  }
  SUBCASE("days and hours combine") {
    auto c = load_and_check(replace(minimal_bundle(), "promised: 5wd\n  second", "promised: 1wd4wh\n  second"));
    REQUIRE(c.bundle);
    CHECK(c.bundle->items[0].promised == ir::WorkDuration{1, 4});
  }
  SUBCASE("garbage durations are refused") {
    for (const char* bad : {"5 wd", "wd", "5wd5", "-1wd", "5days", "99999999wd"}) {
      auto c = load_and_check(replace(minimal_bundle(), "statutory: 10wd", std::string("statutory: ") + bad));
      CHECK_MESSAGE(c.has(DiagCode::invalid_value), bad);
    }
  }
  SUBCASE("fees are exact in fen") {
    auto c = load_and_check(replace(minimal_bundle(), "promised: 5wd\n  second", "promised: 5wd\n    fee: 12.5\n  second"));
    REQUIRE(c.bundle);
    CHECK(c.bundle->items[0].fee_fen == 1250);
    for (const char* bad : {"-1", "1.234", "abc", "1e3", ".5"}) {
      auto e = load_and_check(replace(minimal_bundle(), "promised: 5wd\n  second",
                                      std::string("promised: 5wd\n    fee: ") + bad + "\n  second"));
      CHECK_MESSAGE(e.has(DiagCode::invalid_value), bad);
    }
  }
  SUBCASE("booleans are true or false only") {
    auto c = load_and_check(replace(minimal_bundle(), "promised: 5wd\n  second", "promised: 5wd\n    pledge: yes\n  second"));
    const Diagnostic* d = c.find(DiagCode::invalid_value);
    REQUIRE(d);
    CHECK(c.underlined(*d) == "yes");
  }
}

TEST_CASE("yaml.shapes.wrong_kinds_are_reported") {
  auto c = load_and_check(replace(minimal_bundle(), "after: [first]", "after: {first: 1}"));
  const Diagnostic* d = c.find(DiagCode::wrong_type);
  REQUIRE(d);
  CHECK(d->message == "expected an id or a list of ids for `after`, found a map");
  auto root = load_and_check("- just\n- a list\n");
  CHECK(root.has(DiagCode::wrong_type));
}

TEST_CASE("yaml.ids.must_be_snake_case") {
  auto c = load_and_check(replace(minimal_bundle(), "  dept_b: 乙部门", "  Dept-B: 乙部门"));
  const Diagnostic* d = c.find(DiagCode::invalid_id);
  REQUIRE(d);
  CHECK(c.underlined(*d) == "Dept-B");
}

TEST_CASE("yaml.fields.types_sensitivity_and_inline_definitions") {
  auto c = load_and_check(replace(minimal_bundle(), "  applicant.name: {type: string, label: 姓名}",
                                  "  applicant.name: {type: string, label: 姓名}\n"
                                  "  applicant.id_number: {type: id_card, label: 身份证号}\n"
                                  "  applicant.phone: {type: phone, label: 电话, sensitive: false}") +
                          "    review: {join: vote, threshold: 2, signers: [a, b, {role: c, weight: 2, department: dept_a}]}\n");
  INFO(c.text());
  REQUIRE(c.bundle);
  CHECK(c.bundle->find_field("applicant.id_number")->sensitive);
  CHECK_FALSE(c.bundle->find_field("applicant.phone")->sensitive);
  CHECK_FALSE(c.bundle->find_field("applicant.name")->sensitive);
  const auto& rv = c.bundle->items[1].review;
  CHECK(rv.join == ir::JoinKind::vote);
  CHECK(rv.threshold == 2);
  REQUIRE(rv.signers.size() == 3);
  CHECK(rv.signers[2].weight == 2);
  CHECK(rv.signers[2].department->id == "dept_a");

  auto inl = load_and_check(replace(minimal_bundle(), "form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                    "form: [applicant.name, {id: shop.area, type: decimal, label: 面积, min: 0}]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second"));
  INFO(inl.text());
  REQUIRE(inl.bundle);
  REQUIRE(inl.bundle->items[0].form.size() == 2);
  REQUIRE(inl.bundle->items[0].form[1].inline_definition);
  CHECK(inl.bundle->items[0].form[1].inline_definition->type == ir::FieldType::decimal);
}

TEST_CASE("yaml.when.accepts_negation_and_lists") {
  auto c = load_and_check(replace(minimal_bundle(), "fields:", "situations:\n  big: \"applicant.name == 'x'\"\n  small: {when: \"true\"}\nfields:") +
                          "    when: [big, not small]\n");
  INFO(c.text());
  REQUIRE(c.bundle);
  const auto& w = c.bundle->items[1].when;
  REQUIRE(w.size() == 2);
  CHECK(w[0].text == "big");
  CHECK(w[1].text == "not small");
  CHECK(c.sources.slice(w[1].loc.span) == "not small");
  CHECK(c.bundle->situations[0].condition.text == "applicant.name == 'x'");
  CHECK(c.bundle->situations[0].condition.exact);
  CHECK(c.sources.slice(c.bundle->situations[0].condition.loc.span) == "applicant.name == 'x'");
}

TEST_CASE("yaml.vote.threshold_rules") {
  auto no_threshold = load_and_check(minimal_bundle() + "    review: {join: vote, signers: [a, b]}\n");
  CHECK(no_threshold.has(DiagCode::missing_key));
  auto stray = load_and_check(minimal_bundle() + "    review: {join: all, threshold: 1, signers: [a]}\n");
  CHECK(stray.has(DiagCode::invalid_value));
}

TEST_CASE("yaml.load_file.unreadable_path") {
  SourceMap m;
  auto r = yaml::load_file(m, "/nonexistent/dir/bundle.yaml");
  CHECK_FALSE(r.bundle);
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].code == DiagCode::io_error);
  auto dir = yaml::load_file(m, YISHI_SOURCE_DIR);
  CHECK_FALSE(dir.bundle);
  CHECK(dir.diagnostics.has_errors());
}

TEST_CASE("yaml.load_file.reads_the_restaurant_bundle") {
  SourceMap m;
  auto r = yaml::load_file(m, std::string(YISHI_SOURCE_DIR) + "/bundles/national/open_restaurant.yaml");
  INFO(render_text(r.diagnostics, m));
  REQUIRE(r.bundle);
  CHECK(r.bundle->items.size() == 4);
}

TEST_CASE("yaml.limits.too_many_entries") {
  std::string text = minimal_bundle();
  text = replace(text, "  form_a: 申请表", "  form_a: 申请表\n  m1: 一\n  m2: 二\n  m3: 三");
  SourceMap m;
  yaml::LoadOptions o;
  o.max_entries = 3;
  auto r = yaml::load_text(m, "t.yaml", text, o);
  CHECK_FALSE(r.bundle);
  bool found = false;
  for (const auto& d : r.diagnostics.items()) found |= d.code == DiagCode::too_many_entries;
  CHECK(found);
}

TEST_CASE("yaml.limits.file_too_large") {
  SourceMap m;
  yaml::LoadOptions o;
  o.max_bytes = 100;
  auto r = yaml::load_text(m, "t.yaml", minimal_bundle(), o);
  CHECK_FALSE(r.bundle);
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].code == DiagCode::file_too_large);
}

TEST_CASE("yaml.lists.a_single_entry_stands_for_a_one_entry_list") {
  auto c = load_and_check(replace(replace(minimal_bundle(), "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                          "    form: applicant.name\n    materials: form_a\n    statutory: 10wd\n    promised: 5wd\n  second"),
                                  "after: [first]", "after: first"));
  INFO(c.text());
  REQUIRE(c.bundle);
  CHECK(c.bundle->items[0].form.size() == 1);
  CHECK(c.bundle->items[0].materials.size() == 1);
  CHECK(c.bundle->items[1].after.size() == 1);
}

TEST_CASE("yaml.names.empty_names_and_labels_are_refused") {
  for (auto [from, to] : {std::pair{"name: 最小", "name: \"\""}, std::pair{"dept_b: 乙部门", "dept_b: \" \""},
                          std::pair{"form_a: 申请表", "form_a: {name: ''}"}, std::pair{"label: 姓名", "label: \"\""},
                          std::pair{"name: 第一项", "name: \"  \""}}) {
    auto c = load_and_check(replace(minimal_bundle(), from, to));
    INFO(to);
    const Diagnostic* d = c.find(DiagCode::invalid_value);
    REQUIRE(d);
    CHECK(d->label_text == "empty text");
  }
}

TEST_CASE("yaml.review.weight_only_with_vote") {
  auto c = load_and_check(minimal_bundle() + "    review: {join: all, signers: [a, {role: b, weight: 2}]}\n");
  const Diagnostic* d = c.find(DiagCode::invalid_value);
  REQUIRE(d);
  CHECK(d->message == "`weight` only applies to `join: vote`");
  CHECK(c.underlined(*d) == "2");
}

TEST_CASE("yaml.materials.a_deferral_needs_time") {
  auto c = load_and_check(replace(minimal_bundle(), "form_a: 申请表", "form_a: {name: 申请表, deferrable: 0wd}"));
  const Diagnostic* d = c.find(DiagCode::invalid_value);
  REQUIRE(d);
  CHECK(c.underlined(*d) == "0wd");
  auto ok = load_and_check(replace(minimal_bundle(), "form_a: 申请表", "form_a: {name: 申请表, deferrable: 4wh}"));
  CHECK(ok.bundle);
}

TEST_CASE("yaml.bom.a_byte_order_mark_does_not_shift_positions") {
  auto c = load_and_check("\xEF\xBB\xBF" + replace(minimal_bundle(), "department: dept_b", "department: dept_x"));
  const Diagnostic* d = c.find(DiagCode::unknown_department);
  REQUIRE(d);
  CHECK(c.underlined(*d) == "dept_x");
  CHECK(c.where(*d).line == 22);
  CHECK(c.where(*d).column == 17);
}

TEST_CASE("yaml.approvals.declaration_and_its_defaults") {
  auto plain = load_and_check(minimal_bundle());
  REQUIRE(plain.bundle);
  CHECK(plain.bundle->items[1].approvals.is_default());
  CHECK(plain.bundle->items[1].approvals.allows(ir::ApprovalOperation::transfer));
  CHECK_FALSE(plain.bundle->items[1].approvals.allows(ir::ApprovalOperation::add_signer));

  auto c = load_and_check(minimal_bundle() +
                          "    approvals:\n      allow: all\n      reject: {to: [applicant, first], resume: rerun}\n"
                          "      remind: {every: 4wh, max: 2}\n      auto_decide: {decision: reject, after: 3wd}\n");
  INFO(c.text());
  REQUIRE(c.bundle);
  CHECK_FALSE(c.diagnostics.has_errors());
  const ir::Approvals& ap = c.bundle->items[1].approvals;
  CHECK(ap.allow.size() == 7);
  CHECK(ap.allow_word() == "all");
  REQUIRE(ap.reject_to.size() == 2);
  CHECK(ap.reject_to[1].item.id == "first");
  CHECK(ap.resume == ir::ResumePolicy::rerun);
  CHECK(ap.remind->every == ir::WorkDuration{0, 4});
  CHECK_FALSE(ap.remind->first);
  CHECK_FALSE(ap.auto_decide->approve);
}

TEST_CASE("yaml.approvals.bad_values_are_located") {
  auto c = load_and_check(minimal_bundle() +
                          "    approvals:\n      allow: [transfer, sign]\n      reject: {to: [any, first], siblings: keep_all}\n"
                          "      remind: {every: 0wd, max: 21}\n      auto_decide: {decision: later}\n");
  std::vector<std::string> got;
  for (const auto& d : c.diagnostics.items())
    if (d.code == DiagCode::invalid_value) got.push_back(c.underlined(d) + ": " + d.message);
  REQUIRE(got.size() == 6);
  CHECK(got[0] == "sign: unknown approval operation `sign`");
  CHECK(got[1] == "[: `any` already names every legal target");  // at the list
  CHECK(got[2] == "keep_all: unknown sibling policy `keep_all`");
  CHECK(got[3] == "0wd: `every` must be at least `1wh`");
  CHECK(got[4] == "21: `max` must be between 1 and 20, found 21");
  CHECK(got[5] == "later: unknown automatic decision `later`");
  auto unknown = load_and_check(minimal_bundle() + "    approvals: {alow: all}\n");
  const Diagnostic* d = unknown.find(DiagCode::unknown_key);
  REQUIRE(d);
  CHECK(d->help == "did you mean `allow`?");
}
