// The YAML loader and printer, decision by decision: wrong kinds, bad values, optional keys and round trips.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.hpp"

namespace yishi::test {
namespace {

/// A load kept with its sources, so that spans can be read back.
struct Loaded {
  SourceMap sources;
  ir::LoadResult result;
  std::vector<std::string> base_paths;  ///< what `load_base` was asked for

  [[nodiscard]] std::string text() const { return render_text(result.diagnostics, sources); }
  /// The first diagnostic with this code whose message contains `part`.
  [[nodiscard]] const Diagnostic* find(std::string_view code, std::string_view part = {}) const {
    for (const auto& d : result.diagnostics.items())
      if (code_string(d.code) == code && d.message.find(part) != std::string::npos) return &d;
    return nullptr;
  }
  [[nodiscard]] std::string underlined(const Diagnostic& d) const { return std::string(sources.slice(d.span)); }
  [[nodiscard]] std::string where(const Diagnostic& d) const {
    const LineColumn lc = sources.file(d.span.source).line_column(d.span.begin);
    return fmt::format("{}:{}", lc.line, lc.column);
  }
  [[nodiscard]] std::size_t count(std::string_view code) const {
    std::size_t n = 0;
    for (const auto& d : result.diagnostics.items()) n += code_string(d.code) == code;
    return n;
  }
};

std::unique_ptr<Loaded> load(std::string text, yaml::LoadOptions options = {}) {
  auto l = std::make_unique<Loaded>();
  l->result = yaml::load_text(l->sources, "t.yaml", std::move(text), options);
  return l;
}

/// A base bundle for variants: the minimal bundle with one situation.
std::string base_text() {
  return replace(minimal_bundle(), "fields:", "situations:\n  big: \"applicant.name == 'x'\"\nfields:");
}

/// Loads a variant (`v.yaml`) whose bases are loaded from `base` into the same sources.
std::unique_ptr<Loaded> load_variant(std::string text, std::string base = base_text()) {
  auto l = std::make_unique<Loaded>();
  yaml::LoadOptions o;
  Loaded* raw = l.get();
  o.load_base = [raw, base](const std::string& path) {
    raw->base_paths.push_back(path);
    return yaml::load_text(raw->sources, path, base);
  };
  l->result = yaml::load_text(l->sources, "v.yaml", std::move(text), o);
  return l;
}

/// One malformed input, the code of the problem it gives, its message (a part of it) and the
/// text under the problem's caret (empty: not checked).
struct Row {
  std::string_view what;
  std::string text;
  std::string_view code;
  std::string message;
  std::string at;
};

void check_row(const Row& row, const Loaded& l) {
  INFO(l.text());
  CHECK_FALSE(l.result.bundle);
  const Diagnostic* d = l.find(row.code, row.message);
  REQUIRE(d);
  if (!row.at.empty()) CHECK(l.underlined(*d) == row.at);
}

void run_rows(const std::vector<Row>& rows, const yaml::LoadOptions& options = {}) {
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.text);
    const auto l = load(row.text, options);
    check_row(row, *l);
  }
}

void run_variant_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.text);
    const auto l = load_variant(row.text);
    check_row(row, *l);
  }
}

/// The minimal bundle with top-level keys inserted before `fields:` (at line 8).
std::string top(std::string_view keys) { return replace(minimal_bundle(), "fields:", std::string(keys) + "fields:"); }
/// The minimal bundle with keys added to item `second` (from line 28).
std::string second(std::string_view keys) { return minimal_bundle() + std::string(keys); }
/// The minimal bundle with the definition of field `applicant.name` replaced.
std::string field_def(std::string_view def) {
  return replace(minimal_bundle(), "{type: string, label: 姓名}", def);
}
/// The minimal bundle with the definition of material `form_a` replaced.
std::string material_def(std::string_view def) {
  return replace(minimal_bundle(), "form_a: 申请表", "form_a: " + std::string(def));
}
/// A flow list of `n` ids `a0`, `a1`, …
std::string ids(int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += fmt::format("{}a{}", i ? ", " : "", i);
  return s + "]";
}

/// A loaded bundle (no loader error) and its load.
std::unique_ptr<Loaded> loaded(std::string text) {
  auto l = load(std::move(text));
  INFO(l->text());
  REQUIRE(l->result.bundle);
  CHECK_FALSE(l->result.diagnostics.has_errors());
  return l;
}

TEST_CASE("yaml.paths.top_level_values") {
  run_rows({
      {"root is text", "just text\n", "E1006", "expected a map for the bundle, found text", "just text"},
      {"unknown key, nothing close", top("qqqqqqqqqqqq: 1\n"), "E1005", "unknown key `qqqqqqqqqqqq` in the bundle",
       "qqqqqqqqqqqq"},
      {"a list as a key", top("? [a, b]\n: 1\n"), "E1006", "expected text for a key in the bundle, found a list", "["},
      {"bundle id not snake_case", replace(minimal_bundle(), "bundle: mini", "bundle: Mini-B"), "E1011",
       "`Mini-B` is not a valid id", "Mini-B"},
      {"bundle id a list", replace(minimal_bundle(), "bundle: mini", "bundle: [mini]"), "E1006",
       "expected text for `bundle`, found a list", "["},
      {"name a map", replace(minimal_bundle(), "name: 最小", "name: {a: 1}"), "E1006",
       "expected text for `name`, found a map", "{"},
      {"version a list", replace(minimal_bundle(), "version: \"1\"", "version: [1]"), "E1006",
       "expected text for `version`, found a list", "["},
      {"applicant kind unknown", top("applicant: company\n"), "E1009", "unknown applicant kind `company`", "company"},
      {"applicant a list", top("applicant: [x]\n"), "E1006", "expected text for `applicant`, found a list", "["},
      {"lead not an id", replace(minimal_bundle(), "lead: dept_a", "lead: Dept"), "E1011", "`Dept` is not a valid id",
       "Dept"},
      {"lead a map", replace(minimal_bundle(), "lead: dept_a", "lead: {a: 1}"), "E1006",
       "expected text for `lead`, found a map", "{"},
      {"apply by mail", top("apply: mail\n"), "E1009", "unknown channel `mail` for `apply`", "mail"},
      {"apply unknown", top("apply: fax\n"), "E1009", "unknown channel `fax` for `apply`", "fax"},
      {"apply a list", top("apply: [online]\n"), "E1006", "expected text for `apply`, found a list", "["},
      {"delivery unknown", top("delivery: fax\n"), "E1009", "unknown channel `fax` for `delivery`", "fax"},
      {"delivery a map", top("delivery: {a: 1}\n"), "E1006", "expected text for `delivery`, found a map", "{"},
      {"basis a map", top("basis: {a: 1}\n"), "E1006", "expected text for `basis`, found a map", "{"},
      {"key twice below", top("basis: 甲\nbasis: 乙\n"), "E1008", "key `basis` appears twice in the bundle", "basis"},
      {"missing name", replace(minimal_bundle(), "name: 最小\n", ""), "E1007", "missing required key `name` in the bundle",
       ""},
  });
}

TEST_CASE("yaml.paths.channel_help_depends_on_apply_or_delivery") {
  auto apply = load(top("apply: mail\n"));
  const Diagnostic* a = apply->find("E1009", "unknown channel");
  REQUIRE(a);
  CHECK(a->help == "use `online` (一网通办) or `window` (一窗受理)");
  CHECK(apply->where(*a) == "8:8");
  auto delivery = load(top("delivery: fax\n"));
  const Diagnostic* d = delivery->find("E1009", "unknown channel");
  REQUIRE(d);
  CHECK(d->help == "use `online`, `window` or `mail`");
  auto unknown = load(top("qqqqqqqqqqqq: 1\n"));
  const Diagnostic* u = unknown->find("E1005");
  REQUIRE(u);
  CHECK(u->help.starts_with("known keys here: bundle, name, version, applicant, lead"));
}

TEST_CASE("yaml.paths.top_level_optional_values_load") {
  auto l = loaded(top("applicant: individual\napply: online\ndelivery: mail\nbasis: 《条例》\n"));
  const ir::Bundle& b = *l->result.bundle;
  CHECK(b.applicant == ir::ApplicantKind::individual);
  CHECK(b.apply == ir::Channel::online);
  CHECK(b.delivery == ir::Channel::mail);
  CHECK(b.basis == "《条例》");
  auto e = loaded(top("applicant: enterprise\napply: window\ndelivery: online\n"));
  CHECK(e->result.bundle->applicant == ir::ApplicantKind::enterprise);
  CHECK(e->result.bundle->delivery == ir::Channel::online);
  auto plain = loaded(minimal_bundle());
  CHECK(plain->result.bundle->basis.empty());
}

TEST_CASE("yaml.paths.spans_of_quoted_folded_and_block_scalars") {
  run_rows({
      {"double quotes with an escape", top("applicant: \"a\\\"b\"\n"), "E1009", "unknown applicant kind `a\"b`",
       "\"a\\\"b\""},
      {"single quotes with a doubled quote", top("applicant: 'it''s'\n"), "E1009", "unknown applicant kind `it's`",
       "'it''s'"},
      {"a plain scalar over two lines", top("applicant: enter\n  prise\n"), "E1009",
       "unknown applicant kind `enter prise`", "enter"},
      {"a plain scalar over two lines, trailing spaces", top("applicant: enter   \n  prise\n"), "E1009",
       "unknown applicant kind `enter prise`", "enter"},
      {"a literal block", top("applicant: |\n  person\n"), "E1009", "unknown applicant kind `person\n`", "|"},
      {"a folded block", top("applicant: >\n  per\n  son\n"), "E1009", "unknown applicant kind `per son\n`", ">"},
  });
}

TEST_CASE("yaml.paths.departments_section") {
  run_rows({
      {"a list", replace(minimal_bundle(), "departments:\n  dept_a: 甲部门\n  dept_b: 乙部门\n", "departments: [dept_a]\n"),
       "E1006", "expected a map from id to definition for `departments`, found a list", "["},
      {"a list as an id", replace(minimal_bundle(), "  dept_b: 乙部门\n", "  ? [x]\n  : 乙部门\n"), "E1006",
       "expected text for an id in `departments`, found a list", "["},
      {"a department as a list", replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: [乙部门]"), "E1006",
       "expected a map for department `dept_b`, found a list", "["},
      {"a department without a name", replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: {basis: 依据}"), "E1007",
       "missing required key `name` in department `dept_b`", "{"},
      {"an empty name in the map", replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: {name: \"\"}"), "E1009",
       "`name` is empty", "\"\""},
      {"a basis as a list", replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: {name: 乙, basis: [a]}"), "E1006",
       "expected text for `basis`, found a list", "["},
      {"an unknown key", replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: {name: 乙, nmae: x}"), "E1005",
       "unknown key `nmae` in department `dept_b`", "nmae"},
  });
  auto l = loaded(replace(minimal_bundle(), "dept_b: 乙部门", "dept_b: {name: 乙部门, basis: 《组织法》}"));
  const ir::Department* d = l->result.bundle->find_department("dept_b");
  REQUIRE(d);
  CHECK(d->name == "乙部门");
  CHECK(d->basis == "《组织法》");
}

TEST_CASE("yaml.paths.an_empty_section_loads_as_nothing") {
  auto l = load(replace(minimal_bundle(), "materials:\n  form_a: 申请表\n", "materials:\nsituations: ~\ntables:\n"));
  // the items name `form_a`, but that is the checker's business: the loader gives no error
  INFO(l->text());
  REQUIRE(l->result.bundle);
  CHECK(l->result.bundle->materials.empty());
  CHECK(l->result.bundle->situations.empty());
  CHECK(l->result.bundle->tables.empty());
}

TEST_CASE("yaml.paths.field_definitions") {
  run_rows({
      {"field id not a path", replace(minimal_bundle(), "  applicant.name: {", "  Applicant.name: {"), "E1011",
       "`Applicant.name` is not a valid field id", "Applicant.name"},
      {"a definition as text", field_def("string"), "E1006", "expected a map for field `applicant.name`, found text",
       "string"},
      {"type misspelt", field_def("{type: strng, label: 姓名}"), "E1009", "unknown field type `strng`", "strng"},
      {"type unknown", field_def("{type: qqqqqqqqqq, label: 姓名}"), "E1009", "unknown field type `qqqqqqqqqq`",
       "qqqqqqqqqq"},
      {"type a list", field_def("{type: [string], label: 姓名}"), "E1006", "expected text for `type`, found a list", "["},
      {"label missing", field_def("{type: string}"), "E1007", "missing required key `label` in field `applicant.name`",
       "{"},
      {"values as text", field_def("{type: enum, label: 类, values: a}"), "E1006",
       "expected a list for `values`, found text", "a"},
      {"a value a list", field_def("{type: enum, label: 类, values: [a, [b]]}"), "E1006",
       "expected text for an enum value, found a list", "["},
      {"multiple not a boolean", field_def("{type: string, label: 姓名, multiple: maybe}"), "E1009",
       "expected `true` or `false` for `multiple`, found `maybe`", "maybe"},
      {"sensitive a list", field_def("{type: string, label: 姓名, sensitive: [true]}"), "E1006",
       "expected text for `sensitive`, found a list", "["},
      {"required not a boolean", field_def("{type: string, label: 姓名, required: 1}"), "E1009",
       "expected `true` or `false` for `required`, found `1`", "1"},
      {"min not a number", field_def("{type: int, label: 数, min: abc}"), "E1009",
       "expected a number for `min`, found `abc`", "abc"},
      {"min with trailing text", field_def("{type: int, label: 数, min: 1x}"), "E1009",
       "expected a number for `min`, found `1x`", "1x"},
      {"max infinite", field_def("{type: int, label: 数, max: inf}"), "E1009", "expected a number for `max`, found `inf`",
       "inf"},
      {"max out of range", field_def("{type: int, label: 数, max: 1e999}"), "E1009",
       "expected a number for `max`, found `1e999`", "1e999"},
      {"min a map", field_def("{type: int, label: 数, min: {a: 1}}"), "E1006", "expected text for `min`, found a map",
       "{"},
      {"min_length a fraction", field_def("{type: string, label: 姓名, min_length: 1.5}"), "E1009",
       "expected a whole number for `min_length`, found `1.5`", "1.5"},
      {"min_length negative", field_def("{type: string, label: 姓名, min_length: -1}"), "E1009",
       "`min_length` must be between 0 and 1000000, found -1", "-1"},
      {"max_length too large", field_def("{type: string, label: 姓名, max_length: 1000001}"), "E1009",
       "`max_length` must be between 0 and 1000000, found 1000001", "1000001"},
      {"max_length not a number", field_def("{type: string, label: 姓名, max_length: many}"), "E1009",
       "expected a whole number for `max_length`, found `many`", "many"},
      {"pattern a list", field_def("{type: string, label: 姓名, pattern: [a]}"), "E1006",
       "expected text for `pattern`, found a list", "["},
      {"help a map", field_def("{type: string, label: 姓名, help: {a: 1}}"), "E1006",
       "expected text for `help`, found a map", "{"},
      {"source not an id", field_def("{type: string, label: 姓名, source: Registry}"), "E1011",
       "`Registry` is not a valid id", "Registry"},
      {"a key twice", field_def("{type: string, type: int, label: 姓名}"), "E1008",
       "key `type` appears twice in field `applicant.name`", "type"},
      {"an id key outside a form", field_def("{id: x, type: string, label: 姓名}"), "E1005",
       "unknown key `id` in field `applicant.name`", "id"},
  });
  auto type_help = load(field_def("{type: strng, label: 姓名}"));
  const Diagnostic* close = type_help->find("E1009");
  REQUIRE(close);
  CHECK(close->help == "did you mean `string`?");
  auto far = load(field_def("{type: qqqqqqqqqq, label: 姓名}"));
  const Diagnostic* none = far->find("E1009");
  REQUIRE(none);
  CHECK(none->help == "types: string, int, decimal, bool, date, enum, id_card, phone, address, attachment");
}

TEST_CASE("yaml.paths.field_definition_optional_keys_load") {
  auto l = loaded(field_def("{type: enum, label: 类, values: [a, b], multiple: true, sensitive: true, required: false, "
                            "min: -1.5, max: 10, min_length: 0, max_length: 20, pattern: \"^[a-z]+$\", help: 选一个, "
                            "source: registry}"));
  const ir::Field* f = l->result.bundle->find_field("applicant.name");
  REQUIRE(f);
  CHECK(f->type == ir::FieldType::enumeration);
  CHECK(f->values == std::vector<std::string>{"a", "b"});
  CHECK(f->multiple);
  CHECK(f->sensitive);
  CHECK_FALSE(f->constraints.required);
  CHECK(f->constraints.min == -1.5);
  CHECK(f->constraints.max == 10.0);
  CHECK(f->constraints.min_length == 0);
  CHECK(f->constraints.max_length == 20);
  CHECK(f->constraints.pattern == "^[a-z]+$");
  CHECK(l->sources.slice(f->constraints.pattern_loc.span) == "\"^[a-z]+$\"");
  CHECK(l->sources.slice(f->constraints.min_loc.span) == "min");
  CHECK(l->sources.slice(f->values_loc.span) == "values");
  CHECK(f->help == "选一个");
  CHECK(f->source == "registry");
  auto req = loaded(field_def("{type: string, label: 姓名, required: true, multiple: false}"));
  CHECK(req->result.bundle->find_field("applicant.name")->constraints.required);
  CHECK_FALSE(req->result.bundle->find_field("applicant.name")->multiple);
}

TEST_CASE("yaml.paths.material_definitions") {
  run_rows({
      {"a list", material_def("[申请表]"), "E1006", "expected a map for material `form_a`, found a list", "["},
      {"name missing", material_def("{pledge: true}"), "E1007", "missing required key `name` in material `form_a`", "{"},
      {"name a list", material_def("{name: [a]}"), "E1006", "expected text for `name`, found a list", "["},
      {"deferrable not a duration", material_def("{name: 表, deferrable: soon}"), "E1009",
       "invalid duration `soon` for `deferrable`", "soon"},
      {"issue before supply, not deferrable", material_def("{name: 表, issue_before_supply: true}"), "E1009",
       "`issue_before_supply` applies only to a deferrable material", "true"},
      {"issue before supply not a boolean", material_def("{name: 表, issue_before_supply: 1}"), "E1009",
       "expected `true` or `false` for `issue_before_supply`, found `1`", "1"},
      {"source not an id", material_def("{name: 表, source: Other}"), "E1011", "`Other` is not a valid id", "Other"},
      {"pledge not a boolean", material_def("{name: 表, pledge: yes}"), "E1009",
       "expected `true` or `false` for `pledge`, found `yes`", "yes"},
      {"basis a map", material_def("{name: 表, basis: {a: 1}}"), "E1006", "expected text for `basis`, found a map", "{"},
      {"an unknown key", material_def("{name: 表, defferable: 3wd}"), "E1005", "unknown key `defferable` in material `form_a`",
       "defferable"},
      {"an empty scalar name", material_def("\"\""), "E1009", "the name of material `form_a` is empty", "\"\""},
  });
  auto l = loaded(material_def("{name: 申请表, deferrable: 3wd, issue_before_supply: true, source: registry, "
                               "pledge: true, basis: 《规定》}"));
  const ir::Material* m = l->result.bundle->find_material("form_a");
  REQUIRE(m);
  CHECK(m->deferrable == ir::WorkDuration{3, 0});
  CHECK(m->issue_before_supply);
  CHECK(m->source == "registry");
  CHECK(m->pledge);
  CHECK(m->basis == "《规定》");
  auto off = loaded(material_def("{name: 申请表, issue_before_supply: false, pledge: false}"));
  CHECK_FALSE(off->result.bundle->find_material("form_a")->issue_before_supply);
  CHECK_FALSE(off->result.bundle->find_material("form_a")->pledge);
}

TEST_CASE("yaml.paths.situations") {
  auto sit = [](std::string_view s) { return top("situations:\n  big: " + std::string(s) + "\n"); };
  run_rows({
      {"a list", sit("[a]"), "E1006", "expected a map for situation `big`, found a list", "["},
      {"when missing", sit("{label: 大}"), "E1007", "missing required key `when` in situation `big`", "{"},
      {"an empty condition", sit("\"  \""), "E1009", "a situation's condition is empty", "\"  \""},
      {"an empty condition in the map", sit("{when: \"\"}"), "E1009", "a situation's condition is empty", "\"\""},
      {"a condition as a list", sit("{when: [a]}"), "E1006", "expected text for a situation's condition, found a list",
       "["},
      {"label a map", sit("{when: \"true\", label: {a: 1}}"), "E1006", "expected text for `label`, found a map", "{"},
      {"basis a list", sit("{when: \"true\", basis: [a]}"), "E1006", "expected text for `basis`, found a list", "["},
      {"a situation id not snake_case", top("situations:\n  Big: x\n"), "E1011",
       "`Big` is not a valid id", "Big"},
  });
  auto l = loaded(sit("{when: \"applicant.name == 'x'\", label: 大店, basis: 《办法》}"));
  const ir::Situation& s = l->result.bundle->situations.at(0);
  CHECK(s.label == "大店");
  CHECK(s.basis == "《办法》");
  CHECK(s.condition.text == "applicant.name == 'x'");
  CHECK(s.condition.exact);
}

TEST_CASE("yaml.paths.conditions_with_escapes_are_not_exact") {
  auto l = loaded(top("situations:\n  a: \"x == \\\"y\\\"\"\n  b: >\n    x ==\n    1\n  c: 'it''s'\n"));
  const auto& s = l->result.bundle->situations;
  REQUIRE(s.size() == 3);
  CHECK(s[0].condition.text == "x == \"y\"");
  CHECK_FALSE(s[0].condition.exact);
  CHECK(s[1].condition.text == "x == 1\n");
  CHECK_FALSE(s[1].condition.exact);
  CHECK(s[2].condition.text == "it's");
  CHECK_FALSE(s[2].condition.exact);
  // An inexact condition is located at its whole written value, quotes included.
  CHECK(l->sources.slice(s[0].condition.loc.span) == "\"x == \\\"y\\\"\"");
  CHECK(l->sources.slice(s[2].condition.loc.span) == "'it''s'");
}

TEST_CASE("yaml.paths.eligibility") {
  run_rows({
      {"a map", top("eligibility: {when: \"true\"}\n"), "E1006", "expected a list for `eligibility`, found a map", "{"},
      {"an entry a list", top("eligibility: [[a]]\n"), "E1006",
       "expected a map for an eligibility condition, found a list", "["},
      {"an empty scalar", top("eligibility: [\"\"]\n"), "E1009", "an eligibility condition is empty", "\"\""},
      {"when missing", top("eligibility: [{label: 年满十八}]\n"), "E1007",
       "missing required key `when` in an eligibility condition", "{"},
      {"an empty when", top("eligibility: [{when: \" \", label: 成年}]\n"), "E1009", "an eligibility condition is empty",
       "\" \""},
      {"a when a list", top("eligibility: [{when: [a]}]\n"), "E1006",
       "expected text for an eligibility condition, found a list", "["},
      {"an empty label", top("eligibility: [{when: \"true\", label: \"\"}]\n"), "E1009", "`label` is empty", "\"\""},
      {"an unknown key", top("eligibility: [{when: \"true\", lable: x}]\n"), "E1005",
       "unknown key `lable` in an eligibility condition", "lable"},
  });
  auto one = loaded(top("eligibility: \"applicant.name != ''\"\n"));
  REQUIRE(one->result.bundle->eligibility.size() == 1);
  CHECK(one->result.bundle->eligibility[0].condition.text == "applicant.name != ''");
  CHECK(one->result.bundle->eligibility[0].label.empty());
  auto two = loaded(top("eligibility:\n  - \"true\"\n  - {when: \"false\", label: 不可能}\n"));
  REQUIRE(two->result.bundle->eligibility.size() == 2);
  CHECK(two->result.bundle->eligibility[1].label == "不可能");
  CHECK(two->result.bundle->eligibility[1].condition.text == "false");
  auto none = loaded(top("eligibility:\n"));
  CHECK(none->result.bundle->eligibility.empty());
}

/// A table `t` with the given body (4-space indented keys), inserted at line 9.
std::string table(std::string_view body) { return top("tables:\n  t:\n" + std::string(body)); }

TEST_CASE("yaml.paths.decision_tables") {
  const std::string cols = "    inputs: {age: int}\n    outputs: {fee: decimal}\n";
  run_rows({
      {"a table as text", top("tables:\n  t: x\n"), "E1006", "expected a map for table `t`, found text", "x"},
      {"rules missing", table("    outputs: {fee: decimal}\n"), "E1007", "missing required key `rules` in table `t`", ""},
      {"hit policy unknown", table(cols + "    hit: sometimes\n    rules: [[\"-\", \"1\"]]\n"), "E1009",
       "unknown hit policy `sometimes`", "sometimes"},
      {"hit a list", table(cols + "    hit: [first]\n    rules: [[\"-\", \"1\"]]\n"), "E1006",
       "expected text for `hit`, found a list", "["},
      {"aggregation unknown", table(cols + "    hit: collect\n    aggregation: avg\n    rules: [[\"-\", \"1\"]]\n"),
       "E1009", "unknown aggregation `avg`", "avg"},
      {"aggregation a map", table(cols + "    aggregation: {a: 1}\n    rules: [[\"-\", \"1\"]]\n"), "E1006",
       "expected text for `aggregation`, found a map", "{"},
      {"label a list", table(cols + "    label: [a]\n    rules: [[\"-\", \"1\"]]\n"), "E1006",
       "expected text for `label`, found a list", "["},
      {"basis a map", table(cols + "    basis: {a: 1}\n    rules: [[\"-\", \"1\"]]\n"), "E1006",
       "expected text for `basis`, found a map", "{"},
      {"inputs a list", table("    inputs: [age]\n    outputs: {fee: decimal}\n    rules: []\n"), "E1006",
       "expected a map from id to definition for `inputs`, found a list", "["},
      {"a column type unknown", table("    inputs: {age: money}\n    outputs: {fee: decimal}\n    rules: []\n"), "E1009",
       "unknown column type `money`", "money"},
      {"a column type a list", table("    inputs: {age: {type: [int]}}\n    outputs: {fee: decimal}\n    rules: []\n"),
       "E1006", "expected text for `type`, found a list", "["},
      {"a column without type", table("    inputs: {age: {label: 年龄}}\n    outputs: {fee: decimal}\n    rules: []\n"),
       "E1007", "missing required key `type` in input `age`", "{"},
      {"an output column as a list", table("    outputs: {fee: [decimal]}\n    rules: []\n"), "E1006",
       "expected a map for output `fee`, found a list", "["},
      {"column values as text", table("    outputs: {fee: {type: enum, values: a}}\n    rules: []\n"), "E1006",
       "expected a list for `values`, found text", "a"},
      {"a column value a map", table("    outputs: {fee: {type: enum, values: [a, {b: 1}]}}\n    rules: []\n"), "E1006",
       "expected text for a value, found a map", "{"},
      {"a column label a list", table("    outputs: {fee: {type: int, label: [a]}}\n    rules: []\n"), "E1006",
       "expected text for `label`, found a list", "["},
      {"rules a map", table(cols + "    rules: {a: 1}\n"), "E1006", "expected a list of rules for `rules`, found a map",
       "{"},
      {"a rule as text", table(cols + "    rules: [x]\n"), "E1006", "expected a map for a rule, found text", "x"},
      {"a rule without then", table(cols + "    rules: [{if: [\"-\"]}]\n"), "E1007",
       "missing required key `then` in a rule", "{"},
      {"a cell a map", table(cols + "    rules: [[\"-\", {a: 1}]]\n"), "E1006", "expected text for a cell, found a map",
       "{"},
      {"an empty cell", table(cols + "    rules: [[\"-\", \"\"]]\n"), "E1009", "a cell is empty", "\"\""},
      {"an annotation a list", table(cols + "    rules: [{then: [\"1\"], annotation: [a]}]\n"), "E1006",
       "expected text for `annotation`, found a list", "["},
      {"default a map", table(cols + "    default: {a: 1}\n    rules: []\n"), "E1006",
       "expected a list for `default`, found a map", "{"},
      {"an unknown key", table(cols + "    rule: []\n    rules: []\n"), "E1005", "unknown key `rule` in table `t`", "rule"},
  });
}

TEST_CASE("yaml.paths.decision_table_with_every_part_loads") {
  auto l = loaded(table("    label: 收费表\n    basis: 《收费办法》\n    hit: collect\n    aggregation: sum\n"
                        "    inputs:\n      age: int\n      kind: {type: enum, label: 类别, values: [a, b]}\n"
                        "    outputs: {fee: decimal}\n"
                        "    rules:\n      - [\"< 18\", \"\\\"a\\\"\", \"0\"]\n"
                        "      - {if: [\"-\", \"-\"], then: [\"10\"], annotation: 其余}\n"
                        "      - {then: \"5\"}\n"
                        "    default: \"1\"\n"));
  REQUIRE(l->result.bundle->tables.size() == 1);
  const ir::DecisionTable& t = l->result.bundle->tables[0];
  CHECK(t.label == "收费表");
  CHECK(t.basis == "《收费办法》");
  CHECK(t.hit == ir::HitPolicy::collect);
  CHECK(l->sources.slice(t.hit_loc.span) == "collect");
  CHECK(t.aggregation == ir::Aggregation::sum);
  REQUIRE(t.inputs.size() == 2);
  CHECK(t.inputs[0].type == ir::FieldType::integer);
  CHECK(t.inputs[1].label == "类别");
  CHECK(t.inputs[1].values == std::vector<std::string>{"a", "b"});
  REQUIRE(t.rules.size() == 3);
  CHECK(t.rules[0].inputs.size() == 2);  // a flat rule split by the number of inputs
  REQUIRE(t.rules[0].outputs.size() == 1);
  CHECK(t.rules[0].outputs[0].text == "0");
  CHECK(t.rules[1].annotation == "其余");
  CHECK(t.rules[1].inputs.size() == 2);
  CHECK(t.rules[2].inputs.empty());
  CHECK(t.rules[2].outputs.size() == 1);
  REQUIRE(t.default_outputs.size() == 1);
  CHECK(t.default_outputs[0].text == "1");
  auto short_rule = loaded(table("    inputs: {a: int, b: int}\n    outputs: {fee: int}\n    rules: [[\"1\"]]\n"));
  const ir::TableRule& r = short_rule->result.bundle->tables[0].rules.at(0);
  CHECK(r.inputs.size() == 1);  // fewer cells than inputs: all are inputs
  CHECK(r.outputs.empty());
  auto plain = loaded(table("    outputs: {fee: int}\n    rules: [[\"1\"]]\n"));
  CHECK(plain->result.bundle->tables[0].hit == ir::HitPolicy::unique);
  CHECK(plain->sources.slice(plain->result.bundle->tables[0].hit_loc.span) == "t");
}

TEST_CASE("yaml.paths.stages") {
  run_rows({
      {"a map", top("stages: {id: s1, items: first}\n"), "E1006", "expected a list for `stages`, found a map", "{"},
      {"a stage as text", top("stages: [s1]\n"), "E1006", "expected a map for a stage, found text", "s1"},
      {"items missing", top("stages: [{id: s1}]\n"), "E1007", "missing required key `items` in a stage", "{"},
      {"id not snake_case", top("stages: [{id: S1, items: first}]\n"), "E1011", "`S1` is not a valid id", "S1"},
      {"name a list", top("stages: [{id: s1, name: [a], items: first}]\n"), "E1006", "expected text for `name`, found a list",
       "["},
      {"items a map", top("stages: [{id: s1, items: {first: 1}}]\n"), "E1006",
       "expected an id or a list of ids for `items`, found a map", "{"},
      {"an item id a list", top("stages: [{id: s1, items: [first, [second]]}]\n"), "E1006",
       "expected text for `items`, found a list", "["},
  });
  auto l = loaded(top("stages:\n  - {id: s1, name: 第一阶段, items: first}\n  - {id: s2, items: [second]}\n  - {id: s3, items: ~}\n"));
  const auto& st = l->result.bundle->stages;
  REQUIRE(st.size() == 3);
  CHECK(st[0].id == "s1");
  CHECK(st[0].name == "第一阶段");
  CHECK(l->sources.slice(st[0].loc.span) == "s1");
  REQUIRE(st[0].items.size() == 1);
  CHECK(st[0].items[0].id == "first");
  CHECK(st[1].items.at(0).id == "second");
  CHECK(st[1].name.empty());
  CHECK(st[2].items.empty());
}

TEST_CASE("yaml.paths.item_keys") {
  const std::string f = "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second";
  auto first_form = [&](std::string_view form) {
    return replace(minimal_bundle(), f, "    form: " + std::string(form) + "\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second");
  };
  auto first_materials = [&](std::string_view m) {
    return replace(minimal_bundle(), f, "    form: [applicant.name]\n    materials: " + std::string(m) + "\n    statutory: 10wd\n    promised: 5wd\n  second");
  };
  run_rows({
      {"items a list", replace(minimal_bundle(), "items:\n  first:", "items: [first]\nx:\n  first:"), "E1006",
       "expected a map from id to definition for `items`, found a list", "["},
      {"an item as text", minimal_bundle() + "  third: 第三项\n", "E1006", "expected a map for item `third`, found text",
       "第三项"},
      {"an item without department", minimal_bundle() + "  third: {name: 三, statutory: 1wd, promised: 1wd}\n", "E1007",
       "missing required key `department` in item `third`", "{"},
      {"a second name", second("    name: [a]\n"), "E1008", "key `name` appears twice in item `second`", "name"},
      {"department not an id", replace(minimal_bundle(), "department: dept_b", "department: Dept_B"), "E1011",
       "`Dept_B` is not a valid id", "Dept_B"},
      {"statutory a list", replace(minimal_bundle(), "statutory: 10wd", "statutory: [10wd]"), "E1006",
       "expected text for `statutory`, found a list", "["},
      {"promised not a duration", replace(minimal_bundle(), "promised: 5wd", "promised: 5wx"), "E1009",
       "invalid duration `5wx` for `promised`", "5wx"},
      {"when a map", second("    when: {a: 1}\n"), "E1006", "expected a list for `when`, found a map", "{"},
      {"an empty when", second("    when: [\"true\", \"\"]\n"), "E1009", "a `when` condition is empty", "\"\""},
      {"a when condition a map", second("    when: [{a: 1}]\n"), "E1006", "expected text for a `when` condition, found a map",
       "{"},
      {"an after id a list", replace(minimal_bundle(), "after: [first]", "after: [first, [x]]"),
       "E1006", "expected text for `after`, found a list", "["},
      {"pledge not a boolean", second("    pledge: 1\n"), "E1009", "expected `true` or `false` for `pledge`, found `1`", "1"},
      {"essential not a boolean", second("    essential: no\n"), "E1009",
       "expected `true` or `false` for `essential`, found `no`", "no"},
      {"fee a list", second("    fee: [1]\n"), "E1006", "expected text for `fee`, found a list", "["},
      {"inspection not an id", second("    inspection: Site\n"), "E1011", "`Site` is not a valid id", "Site"},
      {"basis a map", second("    basis: {a: 1}\n"), "E1006", "expected text for `basis`, found a map", "{"},
      {"form a map", first_form("{a: 1}"), "E1006", "expected a list for `form`, found a map", "{"},
      {"a form entry a list", first_form("[[applicant.name]]"), "E1006",
       "expected a field id or an inline field definition for a form entry, found a list", "["},
      {"a form field id not a path", first_form("[Applicant]"), "E1011", "`Applicant` is not a valid field id",
       "Applicant"},
      {"an inline field without id", first_form("[{type: string, label: 地址}]"), "E1007",
       "missing required key `id` in an inline form field", "{"},
      {"an inline field id not a path", first_form("[{id: Shop, type: string, label: 店名}]"), "E1011",
       "`Shop` is not a valid field id", "Shop"},
      {"an inline field without label", first_form("[{id: shop.name, type: string}]"), "E1007",
       "missing required key `label` in field `shop.name`", "{"},
      {"an inline field with an unknown key", first_form("[{id: shop.name, type: string, label: 店名, lable: x}]"),
       "E1005", "unknown key `lable` in field `shop.name`", "lable"},
      {"materials a map", first_materials("{form_a: 1}"), "E1006", "expected a list for `materials`, found a map", "{"},
      {"a material use a list", first_materials("[[form_a]]"), "E1006", "expected a map for a material use, found a list",
       "["},
      {"a material use without id", first_materials("[{core: true}]"), "E1007",
       "missing required key `id` in a material use", "{"},
      {"a material use id not an id", first_materials("[{id: Form}]"), "E1011", "`Form` is not a valid id", "Form"},
      {"a material id not an id", first_materials("[Form]"), "E1011", "`Form` is not a valid id", "Form"},
      {"core not a boolean", first_materials("[{id: form_a, core: yes}]"), "E1009",
       "expected `true` or `false` for `core`, found `yes`", "yes"},
  });
}

TEST_CASE("yaml.paths.item_optional_keys_load") {
  auto l = loaded(second("    when: \"true\"\n    pledge: true\n    essential: false\n    fee: \"0\"\n"
                         "    inspection: joint_site_check\n    basis: 《条例》第十条\n") );
  const ir::Item& it = l->result.bundle->items.at(1);
  REQUIRE(it.when.size() == 1);
  CHECK(it.pledge);
  CHECK_FALSE(it.essential);
  CHECK(it.fee_fen == 0);
  CHECK(it.inspection == "joint_site_check");
  CHECK(it.basis == "《条例》第十条");
  CHECK(l->sources.slice(it.statutory_loc.span) == "10wd");
  CHECK(l->sources.slice(it.promised_loc.span) == "5wd");
  auto mats = loaded(replace(minimal_bundle(), "materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                             "materials: [{id: form_a, core: true}, {id: form_a}]\n    statutory: 10wd\n    promised: 5wd\n  second"));
  const ir::Item& first = mats->result.bundle->items.at(0);
  REQUIRE(first.materials.size() == 2);
  CHECK(first.materials[0].core);
  CHECK_FALSE(first.materials[1].core);
  CHECK(first.materials[0].material.id == "form_a");
  auto none = loaded(replace(replace(minimal_bundle(), "form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second",
                                     "form:\n    materials: ~\n    statutory: 10wd\n    promised: 5wd\n  second"),
                             "after: [first]", "after: ~"));
  CHECK(none->result.bundle->items.at(0).form.empty());
  CHECK(none->result.bundle->items.at(0).materials.empty());
  CHECK(none->result.bundle->items.at(1).after.empty());
}

TEST_CASE("yaml.paths.review") {
  run_rows({
      {"a list", second("    review: [a]\n"), "E1006", "expected a map for the review of `second`, found a list", "["},
      {"signers missing", second("    review: {join: all}\n"), "E1007",
       "missing required key `signers` in the review of `second`", "{"},
      {"join unknown", second("    review: {join: some, signers: [a]}\n"), "E1009", "unknown join policy `some`", "some"},
      {"join a list", second("    review: {join: [all], signers: [a]}\n"), "E1006", "expected text for `join`, found a list",
       "["},
      {"threshold not a number", second("    review: {join: vote, threshold: two, signers: [a]}\n"), "E1009",
       "expected a whole number for `threshold`, found `two`", "two"},
      {"signers as text", second("    review: {signers: a}\n"), "E1006", "expected a list for `signers`, found text", "a"},
      {"a signer role not an id", second("    review: {signers: [Chief]}\n"), "E1011", "`Chief` is not a valid id",
       "Chief"},
      {"a signer a list", second("    review: {signers: [[a]]}\n"), "E1006", "expected a map for a signer, found a list",
       "["},
      {"a signer without role", second("    review: {signers: [{department: dept_a}]}\n"), "E1007",
       "missing required key `role` in a signer", "{"},
      {"a signer's role not an id", second("    review: {signers: [{role: Chief}]}\n"), "E1011",
       "`Chief` is not a valid id", "Chief"},
      {"a signer's department not an id", second("    review: {signers: [{role: a, department: Dept}]}\n"), "E1011",
       "`Dept` is not a valid id", "Dept"},
      {"a weight of zero", second("    review: {join: vote, threshold: 1, signers: [{role: a, weight: 0}]}\n"), "E1009",
       "`weight` must be between 1 and 1000, found 0", "0"},
      {"a weight too large", second("    review: {join: vote, threshold: 1, signers: [{role: a, weight: 1001}]}\n"),
       "E1009", "`weight` must be between 1 and 1000, found 1001", "1001"},
      {"a weight with join any", second("    review: {join: any, signers: [{role: a, weight: 2}, {role: b, weight: 3}]}\n"),
       "E1009", "`weight` only applies to `join: vote`", "2"},
      {"a threshold with join sequence", second("    review: {join: sequence, threshold: 1, signers: [a]}\n"), "E1009",
       "`threshold` only applies to `join: vote`", "1"},
      {"an unknown signer key", second("    review: {signers: [{role: a, wieght: 2}]}\n"), "E1005",
       "unknown key `wieght` in a signer", "wieght"},
  });
  auto l = loaded(second("    review: {join: sequence, signers: [a, {role: b, department: dept_a}]}\n"));
  const ir::Review& rv = l->result.bundle->items.at(1).review;
  CHECK(rv.join == ir::JoinKind::sequence);
  REQUIRE(rv.signers.size() == 2);
  CHECK(rv.signers[1].role == "b");
  REQUIRE(rv.signers[1].department);
  CHECK(rv.signers[1].department->id == "dept_a");
  CHECK(rv.signers[1].weight == 1);
  CHECK(l->sources.slice(rv.signers_loc.span) == "signers");
  auto vote = loaded(second("    review: {join: vote, threshold: 3, signers: [{role: a, weight: 2}, {role: b, weight: 1}]}\n"));
  CHECK(vote->result.bundle->items.at(1).review.threshold == 3);
  CHECK(vote->sources.slice(vote->result.bundle->items.at(1).review.threshold_loc.span) == "3");
}

TEST_CASE("yaml.paths.approvals_shapes_and_values") {
  auto ap = [](std::string_view body) { return second("    approvals: " + std::string(body) + "\n"); };
  run_rows({
      {"a list", ap("[transfer]"), "E1006", "expected a map for `approvals` of item `second`, found a list", "["},
      {"supervisor not an id", ap("{supervisor: Chief}"), "E1011", "`Chief` is not a valid id", "Chief"},
      {"allow a map", ap("{allow: {transfer: 1}}"), "E1006", "expected a list for `allow`, found a map", "{"},
      {"an operation a list", ap("{allow: [[transfer]]}"), "E1006", "expected text for an approval operation, found a list",
       "["},
      {"an operation twice", ap("{allow: [transfer, delegate, transfer]}"), "E1009", "operation `transfer` is listed twice",
       "transfer"},
      {"an operation as a word", ap("{allow: qqqqqqqqqqqq}"), "E1009", "unknown approval operation `qqqqqqqqqqqq`",
       "qqqqqqqqqqqq"},
      {"reject as text", ap("{reject: applicant}"), "E1006",
       "expected a map for `reject` of `approvals` of item `second`, found text", "applicant"},
      {"reject without to", ap("{reject: {resume: rerun}}"), "E1007",
       "missing required key `to` in `reject` of `approvals` of item `second`", "{"},
      {"a target twice", ap("{reject: {to: [applicant, previous, applicant]}}"), "E1009",
       "rejection target `applicant` is listed twice", "applicant"},
      {"an item target twice", ap("{reject: {to: [first, first]}}"), "E1009", "rejection target `first` is listed twice",
       "first"},
      {"a target not an id", ap("{reject: {to: [First]}}"), "E1011", "`First` is not a valid id", "First"},
      {"no target left", ap("{reject: {to: [First]}}"), "E1009", "`reject.to` lists no target", "["},
      {"a target a map", ap("{reject: {to: [{a: 1}]}}"), "E1006", "expected text for a rejection target, found a map",
       "{"},
      {"to a map", ap("{reject: {to: {a: 1}}}"), "E1006", "expected a list for `reject.to`, found a map", "{"},
      {"resume unknown", ap("{reject: {to: applicant, resume: later}}"), "E1009", "unknown resume policy `later`", "later"},
      {"siblings a list", ap("{reject: {to: applicant, siblings: [keep]}}"), "E1006",
       "expected text for `siblings`, found a list", "["},
      {"resume a map", ap("{reject: {to: applicant, resume: {a: 1}}}"), "E1006", "expected text for `resume`, found a map",
       "{"},
      {"remind as text", ap("{remind: 1wd}"), "E1006", "expected a map for `remind` of `approvals` of item `second`",
       "1wd"},
      {"remind without every", ap("{remind: {first: 1wd}}"), "E1007", "missing required key `every` in `remind`", "{"},
      {"first of no time", ap("{remind: {first: 0wh, every: 1wd}}"), "E1009", "`first` must be at least `1wh`", "0wh"},
      {"every not a duration", ap("{remind: {every: often}}"), "E1009", "invalid duration `often` for `every`", "often"},
      {"max of zero", ap("{remind: {every: 1wd, max: 0}}"), "E1009", "`max` must be between 1 and 20, found 0", "0"},
      {"max not a number", ap("{remind: {every: 1wd, max: x}}"), "E1009", "expected a whole number for `max`, found `x`",
       "x"},
      {"auto_decide as a list", ap("{auto_decide: [approve]}"), "E1006",
       "expected a map for `auto_decide` of `approvals` of item `second`, found a list", "["},
      {"auto_decide without decision", ap("{auto_decide: {after: 1wd}}"), "E1007",
       "missing required key `decision` in `auto_decide`", "{"},
      {"after of no time", ap("{auto_decide: {decision: approve, after: 0wd}}"), "E1009", "`after` must be at least `1wh`",
       "0wd"},
      {"decision a list", ap("{auto_decide: {decision: [approve]}}"), "E1006", "expected text for `decision`, found a list",
       "["},
  });
  auto far = load(ap("{allow: [qqqqqqqqqqqq]}"));
  const Diagnostic* d = far->find("E1009", "unknown approval operation");
  REQUIRE(d);
  CHECK(d->help == "operations: claim, transfer, delegate, add_signer, remove_signer, reclaim, remind (or `all`, `none`)");
  auto close = load(ap("{allow: [delegat]}"));
  const Diagnostic* c = close->find("E1009", "unknown approval operation");
  REQUIRE(c);
  CHECK(c->help == "did you mean `delegate`?");
}

TEST_CASE("yaml.paths.approvals_values_load") {
  auto l = loaded(second("    approvals:\n      allow: none\n      supervisor: chief\n"
                         "      reject: {to: previous, siblings: cancel, resume: rejecting_step}\n"
                         "      remind: {first: 2wh, every: 1wd, max: 5}\n      auto_decide: {decision: approve}\n"));
  const ir::Approvals& ap = l->result.bundle->items.at(1).approvals;
  CHECK(ap.allow.empty());
  CHECK(ap.allow_word() == "none");
  CHECK(ap.supervisor == "chief");
  CHECK(l->sources.slice(ap.supervisor_loc.span) == "chief");
  REQUIRE(ap.reject_to.size() == 1);
  CHECK(ap.reject_to[0].kind == ir::RejectTarget::Kind::previous);
  CHECK(ap.siblings == ir::SiblingPolicy::cancel);
  CHECK(ap.resume == ir::ResumePolicy::rejecting_step);
  REQUIRE(ap.remind);
  CHECK(ap.remind->first == ir::WorkDuration{0, 2});
  CHECK(ap.remind->max == 5);
  REQUIRE(ap.auto_decide);
  CHECK(ap.auto_decide->approve);
  CHECK_FALSE(ap.auto_decide->after);
  CHECK(l->sources.slice(ap.loc.span) == "approvals");
  CHECK(l->sources.slice(ap.reject_loc.span) == "reject");
  auto any = loaded(second("    approvals: {allow: [remind, claim], reject: {to: any, siblings: redo}}\n"));
  const ir::Approvals& a2 = any->result.bundle->items.at(1).approvals;
  REQUIRE(a2.allow.size() == 2);
  CHECK(a2.allow[0] == ir::ApprovalOperation::claim);  // sorted
  CHECK(a2.reject_to.at(0).kind == ir::RejectTarget::Kind::any);
  CHECK(a2.siblings == ir::SiblingPolicy::redo);
  auto late = loaded(second("    approvals: {auto_decide: {decision: reject, after: 2wd}}\n"));
  CHECK(late->result.bundle->items.at(1).approvals.auto_decide->after == ir::WorkDuration{2, 0});
}

TEST_CASE("yaml.paths.separately") {
  auto sep = [](std::string_view body) { return second("    separately: " + std::string(body) + "\n"); };
  run_rows({
      {"as text", sep("20wd"), "E1006", "expected a map for `separately` of item `second`, found text", "20wd"},
      {"an unknown key", sep("{step: 4}"), "E1005", "unknown key `step` in `separately` of item `second`", "step"},
      {"limit not a duration", sep("{limit: 20}"), "E1009", "invalid duration `20` for `limit`", "20"},
      {"apply by mail", sep("{apply: mail}"), "E1009", "unknown channel `mail` for `apply`", "mail"},
      {"delivery unknown", sep("{delivery: fax}"), "E1009", "unknown channel `fax` for `delivery`", "fax"},
      {"steps of zero", sep("{steps: 0}"), "E1009", "`steps` must be between 1 and 100, found 0", "0"},
      {"steps too many", sep("{steps: 101}"), "E1009", "`steps` must be between 1 and 100, found 101", "101"},
  });
  auto l = loaded(sep("{limit: 20wd, apply: online, delivery: mail, steps: 4}"));
  const ir::Separately& s = l->result.bundle->items.at(1).separately;
  CHECK(s.limit == ir::WorkDuration{20, 0});
  CHECK(s.apply == ir::Channel::online);
  CHECK(s.delivery == ir::Channel::mail);
  CHECK(s.steps == 4);
  CHECK(l->sources.slice(s.loc.span) == "separately");
  auto empty = loaded(sep("{}"));
  CHECK_FALSE(empty->result.bundle->items.at(1).separately.limit);
  CHECK_FALSE(empty->result.bundle->items.at(1).separately.steps);
}

TEST_CASE("yaml.paths.entry_limits_in_every_list") {
  yaml::LoadOptions o;
  o.max_entries = 9;  // the minimal bundle has 8 top-level keys; one more section fits
  const std::string f = "    form: [applicant.name]\n";
  run_rows(
      {
          {"after", replace(minimal_bundle(), "after: [first]", "after: " + ids(10)), "E6003",
           "`after` has 10 entries, more than the limit of 9", "["},
          {"a form", replace(minimal_bundle(), f, "    form: " + ids(10) + "\n"), "E6003",
           "`form` has 10 entries, more than the limit of 9", "["},
          {"enum values", field_def("{type: enum, label: 类, values: " + ids(10) + "}"), "E6003",
           "`values` has 10 entries, more than the limit of 9", "["},
          {"signers", second("    review: {signers: " + ids(10) + "}\n"), "E6003",
           "`signers` has 10 entries, more than the limit of 9", "["},
          {"departments", replace(minimal_bundle(), "  dept_b: 乙部门\n",
                                  "  dept_b: 乙部门\n  d1: 一\n  d2: 二\n  d3: 三\n  d4: 四\n  d5: 五\n  d6: 六\n  d7: 七\n  d8: 八\n"),
           "E6003", "`departments` has 10 entries, more than the limit of 9", ""},
          {"a map's keys", second("    review: {join: all, join: all, join: all, join: all, join: all, join: all, "
                                  "join: all, join: all, join: all, signers: [a]}\n"),
           "E6003", "the review of `second` has 10 entries, more than the limit of 9", "{"},
          {"rules", table("    outputs: {fee: int}\n    rules: " + ids(10) + "\n"), "E6003",
           "`rules` has 10 entries, more than the limit of 9", "["},
          {"column values", table("    outputs: {fee: {type: enum, values: " + ids(10) + "}}\n    rules: []\n"), "E6003",
           "`values` has 10 entries, more than the limit of 9", "["},
      },
      o);
}

TEST_CASE("yaml.paths.document_level_problems") {
  run_rows({
      {"invalid UTF-8", minimal_bundle() + "\xff\n", "E1003", "file is not valid UTF-8 (byte 0xFF)", ""},
      {"a NUL byte", std::string("bundle: mini\n\0\n", 15), "E1003", "file contains a NUL byte", ""},
      {"a tab in indentation", replace(minimal_bundle(), "  dept_b", "\tdept_b"), "E1002", "tab character in indentation",
       "\t"},
      {"unclosed flow list", "bundle: [mini\n", "E1001", "invalid YAML", ""},
      {"an empty file", "", "E1004", "file contains no bundle", ""},
      {"only a comment", "# nothing\n", "E1004", "file contains no bundle", ""},
      {"two documents", minimal_bundle() + "---\nbundle: other\n", "E1010", "file holds 2 YAML documents", "-"},
      {"a parser that cannot advance", ",\n", "E1001", "invalid YAML: the parser cannot go past this character", ","},
      {"deep nesting", std::string(2000, '[') + std::string(2000, ']') + "\n", "E6002", "document nests", ""},
  });
  std::string many;
  for (int i = 0; i < 120; ++i) many += "--- a\n";
  auto l = load(many);
  const Diagnostic* d = l->find("E1010");
  REQUIRE(d);
  CHECK(d->message == "file holds 100 or more YAML documents; a bundle file holds one");
  std::string tabs;
  for (int i = 0; i < 30; ++i) tabs += "\tx: 1\n";
  auto t = load(tabs);
  CHECK(t->count("E1002") == 20);  // reporting stops at twenty
}

TEST_CASE("yaml.paths.variant_base_loading") {
  auto unavailable = load("bundle: v\nextends: base.yaml\nversion: \"2\"\n");
  const Diagnostic* d = unavailable->find("E1009", "`extends` is not available here");
  REQUIRE(d);
  CHECK(unavailable->underlined(*d) == "base.yaml");
  CHECK_FALSE(unavailable->result.bundle);

  auto listed = load_variant("bundle: v\nextends: [base.yaml]\nversion: \"2\"\n");
  const Diagnostic* w = listed->find("E1006", "expected text for `extends`, found a list");
  REQUIRE(w);
  CHECK_FALSE(listed->result.bundle);
  CHECK(listed->base_paths.empty());

  auto broken = load_variant("bundle: v\nextends: ../lib/base.yaml\nversion: \"2\"\n", "bundle: [\n");
  CHECK_FALSE(broken->result.bundle);
  REQUIRE(broken->base_paths.size() == 1);
  CHECK(broken->base_paths[0] == "../lib/base.yaml");
  const Diagnostic* io = broken->find("E1000", "the base bundle `../lib/base.yaml` does not load");
  REQUIRE(io);
  CHECK(broken->underlined(*io) == "../lib/base.yaml");
  CHECK(broken->find("E1001"));  // the base's own error is kept

  auto missing = load_variant("bundle: v\nextends: base.yaml\nname: 变体\n");
  CHECK(missing->find("E1007", "missing required key `version` in the variant"));
  auto unknown = load_variant("bundle: v\nextends: base.yaml\nversion: \"2\"\nremoves: {items: [second]}\n");
  const Diagnostic* u = unknown->find("E1005", "unknown key `removes` in the variant");
  REQUIRE(u);
  CHECK(u->help == "did you mean `remove`?");
}

TEST_CASE("yaml.paths.variant_records_what_it_changes") {
  auto l = load_variant(
      "bundle: v\nextends: sub/../base.yaml\nversion: \"2\"\nname: 变体\napplicant: individual\nlead: dept_b\n"
      "apply: online\ndelivery: mail\nbasis: 地方规定\neligibility: \"true\"\nstages: [{id: s1, items: [first, second]}]\n"
      "departments: {dept_b: 新乙部门, dept_c: 丙部门}\n"
      "fields: {applicant.name: {type: string, label: 名字}}\n"
      "materials: {form_b: 补充表}\n"
      "situations: {big: \"true\"}\n"
      "items:\n  second: {promised: 3wd, fee: \"10\"}\n  third: {name: 三, department: dept_c, statutory: 2wd, promised: 1wd}\n");
  INFO(l->text());
  REQUIRE(l->result.bundle);
  const ir::Bundle& b = *l->result.bundle;
  REQUIRE(l->base_paths.size() == 1);
  CHECK(l->base_paths[0] == "base.yaml");
  CHECK(b.provenance.base_path == "sub/../base.yaml");
  CHECK(b.provenance.base_id == "mini");
  CHECK(b.provenance.base_version == "1");
  CHECK(b.id == "v");
  CHECK(b.applicant == ir::ApplicantKind::individual);
  CHECK(b.lead.id == "dept_b");
  CHECK(b.departments.size() == 3);
  CHECK(b.find_department("dept_b")->name == "新乙部门");
  CHECK(b.find_field("applicant.name")->label == "名字");
  CHECK(b.materials.size() == 2);
  CHECK(b.situations.size() == 1);
  REQUIRE(b.items.size() == 3);
  CHECK(b.items[1].promised == ir::WorkDuration{3, 0});
  CHECK(b.items[1].name == "第二项");  // kept from the base
  CHECK(b.items[1].fee_fen == 1000);
  std::vector<std::string> got;
  for (const auto& c : b.provenance.changes) {
    const std::string_view kind = c.kind == ir::VariantChange::Kind::added       ? "added"
                                  : c.kind == ir::VariantChange::Kind::removed   ? "removed"
                                                                                 : "overridden";
    got.push_back(fmt::format("{} {} {} [{}]", kind, c.what, c.id, fmt::join(c.keys, ",")));
  }
  CHECK(got == std::vector<std::string>{
                   "overridden bundle v [name]",
                   "overridden bundle v [applicant]",
                   "overridden bundle v [lead]",
                   "overridden bundle v [apply]",
                   "overridden bundle v [delivery]",
                   "overridden bundle v [basis]",
                   "overridden bundle v [eligibility]",
                   "overridden bundle v [stages]",
                   "overridden department dept_b []",
                   "added department dept_c []",
                   "overridden field applicant.name [type,label]",
                   "added material form_b []",
                   "overridden situation big []",
                   "overridden item second [promised,fee]",
                   "added item third []",
               });
}

TEST_CASE("yaml.paths.variant_overrides_and_removals_that_name_nothing") {
  const std::string head = "bundle: v\nextends: base.yaml\nversion: \"2\"\n";
  run_variant_rows({
      {"an override of a misspelt item", head + "items:\n  secnd: {promised: 3wd}\n", "E1013",
       "the base has no item `secnd` to override", "secnd"},
      {"an override of an unknown item", head + "items:\n  qqqqqqqqqq: {promised: 3wd}\n", "E1013",
       "the base has no item `qqqqqqqqqq` to override", "qqqqqqqqqq"},
      {"a patch as text", head + "items:\n  second: 3wd\n", "E1006", "expected a map for item `second`, found text", "3wd"},
      {"a patch with a bad value", head + "items:\n  second: {promised: x}\n", "E1009", "invalid duration `x` for `promised`",
       "x"},
      {"remove a list", head + "remove: [second]\n", "E1006", "expected a map for `remove`, found a list", "["},
      {"remove an unknown section", head + "remove: {stages: [s1]}\n", "E1005", "unknown key `stages` in `remove`", "stages"},
      {"remove a misspelt material", head + "remove: {materials: [form_b]}\n", "E1013",
       "the base has no material `form_b` to remove", "form_b"},
      {"remove an unknown situation", head + "remove: {situations: small}\n", "E1013",
       "the base has no situation `small` to remove", "small"},
      {"remove a field id that is not one", head + "remove: {fields: [Applicant]}\n", "E1011",
       "`Applicant` is not a valid field id", "Applicant"},
      {"remove a map", head + "remove: {items: {second: 1}}\n", "E1006", "expected a list for `remove: items`, found a map",
       "{"},
      {"remove a used item", head + "remove: {items: [first]}\n", "E1014", "item `first` is removed but still used", "first"},
      {"remove a used material", head + "remove: {materials: [form_a]}\n", "E1014",
       "material `form_a` is removed but still used", "form_a"},
      {"remove a used field", head + "remove: {fields: [applicant.name]}\n", "E1014",
       "field `applicant.name` is removed but still used", "applicant.name"},
      {"remove a used department", head + "remove: {departments: [dept_a]}\n", "E1014",
       "department `dept_a` is removed but still used", "dept_a"},
  });
  auto close = load_variant(head + "items:\n  secnd: {promised: 3wd}\n");
  const Diagnostic* c = close->find("E1013");
  REQUIRE(c);
  CHECK(c->help == "did you mean `second`? (a new item needs `name`, `department`, `statutory` and `promised`)");
  auto far = load_variant(head + "items:\n  qqqqqqqqqq: {promised: 3wd}\n");
  REQUIRE(far->find("E1013"));
  CHECK(far->find("E1013")->help == "a new item needs `name`, `department`, `statutory` and `promised`");
  auto mat = load_variant(head + "remove: {materials: [form_b]}\n");
  REQUIRE(mat->find("E1013"));
  CHECK(mat->find("E1013")->help == "did you mean `form_a`?");
  auto sit = load_variant(head + "remove: {situations: small}\n");
  REQUIRE(sit->find("E1013"));
  CHECK(sit->find("E1013")->help.empty());
  auto dept = load_variant(head + "remove: {departments: [dept_a]}\n");
  const Diagnostic* used = dept->find("E1014");
  REQUIRE(used);
  CHECK(used->labels.size() == 2);  // item `first` and the lead
  auto field = load_variant(head + "remove: {fields: [applicant.name]}\n");
  const Diagnostic* in_forms = field->find("E1014");
  REQUIRE(in_forms);
  CHECK(in_forms->labels.size() == 2);  // the forms of both items
}

TEST_CASE("yaml.paths.variant_removals_that_leave_nothing_dangling") {
  auto l = load_variant("bundle: v\nextends: base.yaml\nversion: \"2\"\n"
                        "remove: {items: second, departments: [dept_b], situations: [big]}\n");
  INFO(l->text());
  REQUIRE(l->result.bundle);
  const ir::Bundle& b = *l->result.bundle;
  CHECK(b.items.size() == 1);
  CHECK(b.departments.size() == 1);
  CHECK(b.situations.empty());
  std::vector<std::string> got;
  for (const auto& c : b.provenance.changes)
    if (c.kind == ir::VariantChange::Kind::removed) got.push_back(c.what + " " + c.id);
  CHECK(got == std::vector<std::string>{"item second", "department dept_b", "situation big"});
  auto fields = load_variant("bundle: v\nextends: base.yaml\nversion: \"2\"\n"
                             "fields: {shop.name: {type: string, label: 店名}}\nmaterials: {form_b: 表}\n"
                             "remove: {fields: [shop.name], materials: form_b}\n");
  INFO(fields->text());
  REQUIRE(fields->result.bundle);
  CHECK(fields->result.bundle->fields.size() == 1);
  CHECK(fields->result.bundle->materials.size() == 1);
}

/// Loads a calendar from text.
struct LoadedCalendar {
  SourceMap sources;
  yaml::CalendarLoadResult result;
  [[nodiscard]] std::string text() const { return render_text(result.diagnostics, sources); }
  [[nodiscard]] const Diagnostic* find(std::string_view code, std::string_view part) const {
    for (const auto& d : result.diagnostics.items())
      if (code_string(d.code) == code && d.message.find(part) != std::string::npos) return &d;
    return nullptr;
  }
};

std::unique_ptr<LoadedCalendar> load_calendar(std::string text, yaml::LoadOptions options = {}) {
  auto l = std::make_unique<LoadedCalendar>();
  l->result = yaml::load_calendar_text(l->sources, "cal.yaml", std::move(text), options);
  return l;
}

TEST_CASE("yaml.paths.calendar_files") {
  const std::string head = "calendar: cn\nyear: 2025\nsource: 国务院办公厅通知\nholidays:\n";
  const std::vector<Row> rows = {
      {"root a list", "- a\n", "E1006", "expected a map for the calendar, found a list", "-"},
      {"calendar id not an id", replace(head, "calendar: cn", "calendar: CN") + "  - {name: x, off: 2025-01-01}\n", "E1011",
       "`CN` is not a valid id", "CN"},
      {"year too early", replace(head, "2025", "1900") + "  - {name: x, off: 1900-01-01}\n", "E1009",
       "`year` must be between 1949 and 2100, found 1900", "1900"},
      {"year not a number", replace(head, "2025", "next") + "  - {name: x, off: 2025-01-01}\n", "E1009",
       "expected a whole number for `year`, found `next`", "next"},
      {"source a list", replace(head, "国务院办公厅通知", "[a]") + "  - {name: x, off: 2025-01-01}\n", "E1006",
       "expected text for `source`, found a list", "["},
      {"holidays a map", head + "  a: 1\n", "E1006", "expected a list for `holidays`, found a map", "a"},
      {"a holiday as text", head + "  - 元旦\n", "E1006", "expected a map for a holiday, found text", "元旦"},
      {"a holiday name a list", head + "  - {name: [x], off: 2025-01-01}\n", "E1006",
       "expected text for `name`, found a list", "["},
      {"off a list", head + "  - {name: x, off: [2025-01-01]}\n", "E1006", "expected text for `off`, found a list", "["},
      {"a range without to", head + "  - {name: x, off: {from: 2025-10-01}}\n", "E1007",
       "missing required key `to` in a range of days off", "{"},
      {"a range from a bad date", head + "  - {name: x, off: {from: 2025-02-30, to: 2025-03-02}}\n", "E1009",
       "invalid date `2025-02-30` for `from`", "2025-02-30"},
      {"a range to a bad date", head + "  - {name: x, off: {from: 2025-03-01, to: soon}}\n", "E1009",
       "invalid date `soon` for `to`", "soon"},
      {"a range to another year", head + "  - {name: x, off: {from: 2025-12-31, to: 2026-01-01}}\n", "E1009",
       "date 2026-01-01 is not in 2025", "2026-01-01"},
      {"a range longer than a month", head + "  - {name: x, off: {from: 2025-01-01, to: 2025-03-01}}\n", "E1009",
       "a range of days off runs forward and at most a month", "2025-03-01"},
      {"work as text", head + "  - {name: x, off: 2025-10-01, work: 2025-09-28}\n", "E1006",
       "expected a list of dates for `work`, found text", "2025-09-28"},
      {"a make-up day not a date", head + "  - {name: x, off: 2025-10-01, work: [someday]}\n", "E1009",
       "invalid date `someday` for a make-up working day", "someday"},
      {"a make-up day in another year", head + "  - {name: x, off: 2025-10-01, work: [2024-09-28]}\n", "E1009",
       "date 2024-09-28 is not in 2025", "2024-09-28"},
      {"an unknown key", head + "  - {name: x, off: 2025-10-01, werk: [2025-09-28]}\n", "E1005",
       "unknown key `werk` in a holiday", "werk"},
      {"holidays missing", "calendar: cn\nyear: 2025\nsource: s\n", "E1007",
       "missing required key `holidays` in the calendar", "c"},
      {"holidays null", head, "E1006", "expected a list for `holidays`, found nothing", ":"},
      {"a range from another year", head + "  - {name: x, off: {from: 2024-12-31, to: 2025-01-01}}\n", "E1009",
       "date 2024-12-31 is not in 2025", "2024-12-31"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.text);
    const auto l = load_calendar(row.text);
    INFO(l->text());
    CHECK_FALSE(l->result.year);
    const Diagnostic* d = l->find(row.code, row.message);
    REQUIRE(d);
    if (!row.at.empty()) CHECK(std::string(l->sources.slice(d->span)) == row.at);
  }
}

TEST_CASE("yaml.paths.calendar_without_a_year_checks_no_dates_against_it") {
  auto l = load_calendar("calendar: cn\nsource: s\nholidays:\n  - {name: x, off: 2030-01-01, work: [2030-01-05]}\n");
  CHECK_FALSE(l->result.year);
  REQUIRE(l->result.diagnostics.items().size() == 1);
  CHECK(l->find("E1007", "missing required key `year` in the calendar"));
}

TEST_CASE("yaml.paths.calendar_limits_and_a_good_year") {
  yaml::LoadOptions o;
  o.max_entries = 4;
  auto many = load_calendar("calendar: cn\nyear: 2025\nsource: s\nholidays:\n" +
                                std::string("  - {name: a, off: 2025-01-01}\n  - {name: b, off: 2025-01-02}\n"
                                            "  - {name: c, off: 2025-01-03}\n  - {name: d, off: 2025-01-06}\n"
                                            "  - {name: e, off: 2025-01-07}\n"),
                            o);
  CHECK_FALSE(many->result.year);
  CHECK(many->find("E6003", "`holidays` has 5 entries, more than the limit of 4"));
  auto good = load_calendar("calendar: cn\nyear: 2025\nsource: s\nholidays:\n"
                            "  - {name: 国庆节, off: {from: 2025-10-01, to: 2025-10-08}, work: [2025-09-28, 2025-10-11]}\n"
                            "  - {name: 元旦, off: 2025-01-01}\n");
  INFO(good->text());
  REQUIRE(good->result.year);
  CHECK(good->result.year->year == 2025);
  CHECK(good->result.year->source == "s");
  CHECK(good->result.year->days_off.size() == 9);
  CHECK(good->result.year->make_up_days.size() == 2);
}

TEST_CASE("yaml.paths.calendar_files_and_directories") {
  TempDir dir;
  const std::string year = "calendar: cn\nyear: 2025\nsource: s\nholidays:\n  - {name: 元旦, off: 2025-01-01}\n";
  std::ofstream(dir.file("a.yaml")) << year;
  std::ofstream(dir.file("notes.txt")) << "not a calendar";
  SourceMap sources;
  auto one = yaml::load_calendar_dir(sources, dir.path().string());
  INFO(render_text(one.diagnostics, sources));
  REQUIRE(one.calendar);
  CHECK_FALSE(one.diagnostics.has_errors());

  std::ofstream(dir.file("b.yaml")) << year;
  auto twice = yaml::load_calendar_dir(sources, dir.path().string());
  CHECK_FALSE(twice.calendar);
  REQUIRE(twice.diagnostics.items().size() == 1);
  CHECK(twice.diagnostics.items()[0].code == DiagCode::io_error);
  CHECK(twice.diagnostics.items()[0].message.starts_with("year 2025 is given by two files in"));

  std::ofstream(dir.file("b.yaml")) << "calendar: cn\n";
  auto bad = yaml::load_calendar_dir(sources, dir.path().string());
  CHECK_FALSE(bad.calendar);
  CHECK(bad.diagnostics.has_errors());

  auto none = yaml::load_calendar_dir(sources, dir.file("missing"));
  CHECK_FALSE(none.calendar);
  REQUIRE(none.diagnostics.items().size() == 1);
  CHECK(none.diagnostics.items()[0].message.starts_with("cannot read the calendar directory"));

  auto file = yaml::load_calendar_file(sources, dir.file("missing.yaml"));
  CHECK_FALSE(file.year);
  REQUIRE(file.diagnostics.items().size() == 1);
  CHECK(file.diagnostics.items()[0].code == DiagCode::io_error);
}

TEST_CASE("yaml.paths.explicit_nulls_are_located") {
  run_rows({
      {"a null version", replace(minimal_bundle(), "version: \"1\"", "version: ~"), "E1006",
       "expected text for `version`, found nothing", "~"},
      {"a null item", minimal_bundle() + "  third: ~\n", "E1006", "expected a map for item `third`, found nothing", "~"},
      {"a null eligibility condition", top("eligibility: [~]\n"), "E1006",
       "expected a map for an eligibility condition, found nothing", "~"},
      {"a null after id", replace(minimal_bundle(), "after: [first]", "after: [~]"), "E1006",
       "expected text for `after`, found nothing", "~"},
      {"a null key", top("? ~\n: 1\n"), "E1006", "expected text for a key in the bundle, found nothing", "~"},
      {"a null enum value", field_def("{type: enum, label: 类, values: [~]}"), "E1006",
       "expected text for an enum value, found nothing", "~"},
      {"a null form entry", replace(minimal_bundle(), "form: [applicant.name]", "form: [~]"), "E1006",
       "expected a field id or an inline field definition for a form entry, found nothing", "~"},
      {"an empty key", top("\"\": 1\n"), "E1005", "unknown key `` in the bundle", "\"\""},
  });
  auto cal = load_calendar("calendar: cn\nyear: 2025\nsource: s\nholidays:\n  - {name: x, off: 2025-10-01, work: [~]}\n");
  CHECK_FALSE(cal->result.year);
  const Diagnostic* d = cal->find("E1006", "expected text for a make-up working day, found nothing");
  REQUIRE(d);
  CHECK(cal->sources.slice(d->span) == "~");
}

TEST_CASE("yaml.paths.windows_line_ends") {
  std::string crlf = minimal_bundle();
  for (std::size_t at = crlf.find('\n'); at != std::string::npos; at = crlf.find('\n', at + 2)) crlf.replace(at, 1, "\r\n");
  auto l = loaded(crlf);
  auto lf = loaded(minimal_bundle());
  CHECK(*l->result.bundle == *lf->result.bundle);
  CHECK(l->sources.slice(l->result.bundle->items[1].after.at(0).loc.span) == "first");
  auto bad = load(replace(crlf, "department: dept_b", "department: Dept_B"));
  const Diagnostic* d = bad->find("E1011");
  REQUIRE(d);
  CHECK(bad->underlined(*d) == "Dept_B");
  CHECK(bad->where(*d) == "22:17");
}

TEST_CASE("yaml.paths.repeated_ids_in_a_section_are_left_to_the_checker") {
  auto c = load_and_check(replace(minimal_bundle(), "departments:", "departments:\n  dept_a: 重复"));
  REQUIRE(c.bundle);
  REQUIRE(c.bundle->departments.size() == 3);
  CHECK(c.bundle->departments[0].name == "重复");
  CHECK(c.bundle->departments[1].name == "甲部门");
  CHECK(c.has(DiagCode::duplicate_id));
}

TEST_CASE("yaml.paths.a_quoted_condition_over_two_lines") {
  auto l = loaded(top("situations:\n  s: \"a ==\n    1\"\n"));
  const ir::Expression& e = l->result.bundle->situations.at(0).condition;
  CHECK(e.text == "a == 1");
  CHECK_FALSE(e.exact);
}

TEST_CASE("yaml.paths.variant_new_item_as_text") {
  auto v = load_variant("bundle: v\nextends: base.yaml\nversion: \"2\"\nitems:\n  fourth: x\n");
  CHECK_FALSE(v->result.bundle);
  const Diagnostic* d = v->find("E1006", "expected a map for item `fourth`, found text");
  REQUIRE(d);
  CHECK(v->where(*d) == "5:11");
}

/// A bundle using every optional key, and scalars that need quoting.
std::string rich_bundle() {
  return R"(# 开头的注释
bundle: rich
name: " 前后空格 "
version: "2.0"
applicant: individual
lead: dept_a
apply: online
delivery: mail
basis: "yes"
departments:
  dept_a: "tab\there\x01"
  dept_b: {name: 乙部门, basis: "a: b"}
fields:
  shop.kind: {type: enum, label: 类别, values: [a, "b, c", "null"], multiple: true, required: false, sensitive: true,
              min: 1.5, max: 10, min_length: 1, max_length: 20, pattern: "^[a-z]+$", help: "# 说明", source: registry}
  applicant.id: {type: id_card, label: "back\\slash", sensitive: false}
materials:
  form_a: 申请表
  form_b: {name: 补充表, deferrable: 3wd, issue_before_supply: true, source: registry, pledge: true, basis: 依据}
situations:
  big: 'shop.kind == "a"'
  small: {label: 小, when: "not big", basis: 规定}
  odd: "shop.kind == \"it's\""
  multi: "shop.kind ==\n 'a'"
  colon: "shop.kind: a"
eligibility:
  - "true"
  - {when: "false", label: 不可能}
tables:
  fees:
    label: 收费
    hit: collect
    aggregation: sum
    inputs: {age: int, kind: {type: enum, label: 类, values: [a, b]}}
    outputs: {fee: decimal}
    rules:
      - ["< 18", '"a"', "0"]
      - {if: ["-", "-"], then: ["10"], annotation: 其余}
    default: ["1"]
    basis: 办法
  none:
    outputs: {}
    rules: []
items:
  first:
    name: 第一项
    department: dept_a
    form: [shop.kind, applicant.id]
    materials: [form_a, {id: form_b, core: true}]
    statutory: 10wd
    promised: 1wd4wh
    when: big
    pledge: true
    essential: false
    fee: 12.5
    inspection: joint_check
    separately: {limit: 20wd, apply: window, delivery: mail, steps: 4}
    review: {join: vote, threshold: 2, signers: [a, {role: b, department: dept_b}, {role: c, weight: 2}]}
    approvals: {allow: [transfer, remind], supervisor: chief, reject: {to: [applicant, previous], siblings: redo, resume: rerun},
                remind: {first: 2wh, every: 1wd, max: 5}, auto_decide: {decision: reject, after: 3wd}}
    basis: 第十条
  second:
    name: 第二项
    department: dept_b
    after: [first]
    form: [shop.kind, {id: shop.area, type: decimal, label: 面积, min: 0}]
    statutory: 5wd
    promised: 5wd
    when: [big, not small]
    fee: 3
    separately: {steps: 2}
    review: {join: any, signers: [a, b]}
    approvals: {allow: all}
  third:
    name: 第三项
    department: dept_a
    statutory: 1wd
    promised: 1wd
    review: {join: sequence, signers: [reviewer]}
    approvals: {allow: none, reject: {to: any}, remind: {every: 1wd}, auto_decide: {decision: approve}}
stages:
  - {id: s1, name: 一, items: [first]}
  - {id: s2, items: [second, third]}
# 结尾的注释
)";
}

TEST_CASE("yaml.paths.print_round_trips_every_optional_key") {
  auto l = loaded(rich_bundle());
  const ir::Bundle& b = *l->result.bundle;
  const std::string printed = yaml::print(b);
  INFO(printed);
  SourceMap sources;
  auto again = yaml::load_text(sources, "printed.yaml", printed);
  INFO(render_text(again.diagnostics, sources));
  REQUIRE(again.bundle);
  CHECK(*again.bundle == b);
  for (const std::string_view want : {
           "name: \" 前后空格 \"\n", "applicant: individual\n", "apply: online\n", "delivery: mail\n", "basis: \"yes\"\n",
           "  dept_a: \"tab\\there\\x01\"\n", "    basis: \"a: b\"\n", "    values: [a, \"b, c\", \"null\"]\n",
           "    multiple: true\n", "    required: false\n", "    sensitive: true\n", "    min: 1.5\n", "    max: 10\n",
           "    min_length: 1\n", "    max_length: 20\n", "    pattern: \"^[a-z]+$\"\n", "    help: \"# 说明\"\n",
           "    source: registry\n", "    label: back\\slash\n", "    sensitive: false\n", "    deferrable: 3wd\n",
           "    issue_before_supply: true\n", "    pledge: true\n", "    when: 'shop.kind == \"a\"'\n",
           "    when: \"shop.kind == \\\"it's\\\"\"\n", "    when: \"shop.kind ==\\n 'a'\"\n", "    when: 'shop.kind: a'\n",
           "  - when: 'true'\n", "  - when: 'false'\n    label: 不可能\n", "    aggregation: sum\n",
           "      - if: [< 18, '\"a\"']\n        then: [0]\n", "        annotation: 其余\n", "    default: [1]\n",
           "  none:\n    hit: unique\n    outputs: {}\n    rules: []\n", "    materials: [form_a, {id: form_b, core: true}]\n",
           "    fee: 12.50\n", "    essential: false\n", "    inspection: joint_check\n",
           "    separately: {limit: 20wd, apply: window, delivery: mail, steps: 4}\n", "      threshold: 2\n",
           "      signers: [a, {role: b, department: dept_b}, {role: c, weight: 2}]\n", "      allow: [transfer, remind]\n",
           "      supervisor: chief\n", "      reject: {to: [applicant, previous], siblings: redo, resume: rerun}\n",
           "      remind: {first: 2wh, every: 1wd, max: 5}\n", "      auto_decide: {decision: reject, after: 3wd}\n",
           "    when: [big, not small]\n", "      - shop.kind\n      - id: shop.area\n        type: decimal\n",
           "    fee: 3\n", "    separately: {steps: 2}\n", "      allow: all\n", "      allow: none\n",
           "      reject: {to: [any]}\n", "      remind: {every: 1wd, max: 3}\n", "      auto_decide: {decision: approve}\n",
           "  - id: s1\n    name: 一\n    items: [first]\n", "  - id: s2\n    items: [second, third]\n"}) {
    CAPTURE(want);
    CHECK(printed.find(want) != std::string::npos);
  }
  CHECK(printed.find("#") == printed.find("# 说明"));  // no comment without the source
  const std::string with_comments = yaml::print(b, &l->sources.file(l->result.source));
  CHECK(with_comments.starts_with("# 开头的注释\nbundle: rich\n"));
  CHECK(with_comments.ends_with("# 结尾的注释\n"));
}

/// One bundle the printer must write so that it loads back equal, and a line it writes.
struct PrintRow {
  std::string_view what;
  std::string text;
  std::string line;
};

TEST_CASE("yaml.paths.print_round_trips_each_variation") {
  const std::vector<PrintRow> rows = {
      {"two default signers", second("    review: {signers: [reviewer, b]}\n"), "      signers: [reviewer, b]\n"},
      {"the reviewer of another department", second("    review: {signers: [{role: reviewer, department: dept_a}]}\n"),
       "      signers: [{role: reviewer, department: dept_a}]\n"},
      {"another single signer", second("    review: {signers: [other]}\n"), "      join: all\n      signers: [other]\n"},
      {"a vote of one", second("    review: {join: vote, threshold: 1, signers: [reviewer]}\n"), "      threshold: 1\n"},
      {"only the sibling policy", second("    approvals: {reject: {to: applicant, siblings: cancel}}\n"),
       "      reject: {to: [applicant], siblings: cancel}\n"},
      {"only the resume policy", second("    approvals: {reject: {to: applicant, resume: rerun}}\n"),
       "      reject: {to: [applicant], resume: rerun}\n"},
      {"only a supervisor", second("    approvals: {supervisor: chief}\n"), "    approvals:\n      supervisor: chief\n"},
      {"the default operations", second("    approvals: {allow: [claim, transfer, delegate], auto_decide: {decision: approve, after: 2wh}}\n"),
       "    approvals:\n      auto_decide: {decision: approve, after: 2wh}\n"},
      {"an item target", second("    approvals: {reject: {to: [first]}}\n"), "      reject: {to: [first]}\n"},
      {"conditions that need quotes in a list", second("    when: [\"a, b\", \"x in [1, 2]\", \"y != 'z'\"]\n"),
       "    when: ['a, b', 'x in [1, 2]', \"y != 'z'\"]\n"},
      {"a limit alone", second("    separately: {limit: 3wd}\n"), "    separately: {limit: 3wd}\n"},
      {"a channel alone", second("    separately: {apply: online}\n"), "    separately: {apply: online}\n"},
      {"a delivery alone", second("    separately: {delivery: online}\n"), "    separately: {delivery: online}\n"},
      {"a fee in fen", second("    fee: 0.05\n"), "    fee: 0.05\n"},
      {"labels and values that need quotes", field_def("{type: enum, label: \"注意:\", values: [\"-x\", \"a?b\", \"a]b\", ok]}"),
       "    label: \"注意:\"\n    values: [\"-x\", \"a?b\", \"a]b\", ok]\n"},
      {"a basis with a comment sign", material_def("{name: 表, basis: \"见 #3\"}"), "    basis: \"见 #3\"\n"},
      {"a name with a trailing space", replace(minimal_bundle(), "name: 第一项", "name: \"第一项 \""),
       "    name: \"第一项 \"\n"},
      {"an id that reads as a word", replace(replace(minimal_bundle(), "  first:\n", "  \"yes\":\n"), "after: [first]",
                                             "after: [\"yes\"]"),
       "  \"yes\":\n"},
      {"empty required sections", "bundle: e\nname: 空\nversion: \"1\"\nlead: x\ndepartments:\nitems:\n",
       "\ndepartments: {}\n\nitems: {}\n"},
  };
  for (const PrintRow& row : rows) {
    CAPTURE(row.what);
    auto l = loaded(row.text);
    const std::string printed = yaml::print(*l->result.bundle);
    INFO(printed);
    CHECK(printed.find(row.line) != std::string::npos);
    SourceMap sources;
    auto again = yaml::load_text(sources, "printed.yaml", printed);
    INFO(render_text(again.diagnostics, sources));
    REQUIRE(again.bundle);
    CHECK(*again.bundle == *l->result.bundle);
  }
}

TEST_CASE("yaml.paths.a_value_left_out_is_located_at_its_key") {
  // yaml-cpp places a value left out at the next token, often a line below: the error points
  // at the key's `:` instead, past comments; a written `~` is located where it is written.
  for (const auto& [what, text, message, where] : std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"version", replace(minimal_bundle(), "version: \"1\"", "version:"), "expected text for `version`, found nothing", "3:8"},
           {"version, then a comment line", replace(minimal_bundle(), "version: \"1\"", "version:\n# a note\n"),
            "expected text for `version`, found nothing", "3:8"},
           {"version with a trailing comment", replace(minimal_bundle(), "version: \"1\"", "version:   # to do"),
            "expected text for `version`, found nothing", "3:8"},
           {"statutory", replace(minimal_bundle(), "statutory: 10wd", "statutory:"), "found nothing", "18:14"},
       }) {
    CAPTURE(what);
    const auto l = load(text);
    INFO(l->text());
    const Diagnostic* d = l->find("E1006", message);
    REQUIRE(d);
    CHECK(l->where(*d) == where);
    CHECK(l->underlined(*d) == ":");
  }
  const auto l = load(replace(minimal_bundle(), "version: \"1\"", "version: ~"));
  const Diagnostic* d = l->find("E1006", "expected text for `version`, found nothing");
  REQUIRE(d);
  CHECK(l->underlined(*d) == "~");
}

}  // namespace
}  // namespace yishi::test
