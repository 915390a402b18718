// The DSL front end, path by path: every clause twice, every bad value, every syntax error with its position, recovery, load limits, and the printer on every optional part.
#include <doctest/doctest.h>

#include <fstream>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

struct Case {
  std::string what;
  std::string text;
  std::vector<std::string> expected;  // "line:column CODE message", in order
};

std::vector<std::string> located(const dsl::LoadResult& r, const SourceMap& m) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics.items()) {
    const auto lc = d.span.valid() ? m.file(d.span.source).line_column(d.span.begin) : LineColumn{0, 0};
    out.push_back(fmt::format("{}:{} {} {}", lc.line, lc.column, code_string(d.code), d.message));
  }
  return out;
}

std::vector<std::string> located(std::string text, const dsl::LoadOptions& options = {}) {
  SourceMap m;
  const auto r = dsl::load_text(m, "t.yi", std::move(text), options);
  if (!r.diagnostics.has_errors()) CHECK(r.bundle);
  return located(r, m);
}

// A bundle whose declarations start on line 4.
std::string in_bundle(const std::string& body) {
  return "bundle b \"乙\" version 1 {\n  lead d\n  department d \"部门\"\n" + body + "\n}\n";
}
// An item on line 4 whose further properties start at column 48.
std::string in_item(const std::string& props) {
  return in_bundle("  item i \"项\" by d { statutory 1wd promised 1wd " + props + " }");
}
std::string as_is(const std::string& text) { return text; }

void check_cases(const std::vector<Case>& cases, std::string (*wrap)(const std::string&)) {
  for (const Case& c : cases) {
    const std::string text = wrap(c.text);
    INFO(c.what);
    CAPTURE(text);
    const auto got = located(text);
    CHECK(got == c.expected);
  }
}

std::unique_ptr<dsl::LoadResult> load_ok(SourceMap& m, std::string name, std::string text) {
  auto r = std::make_unique<dsl::LoadResult>(dsl::load_text(m, std::move(name), std::move(text)));
  INFO(render_text(r->diagnostics, m));
  REQUIRE(r->bundle);
  return r;
}

}  // namespace

TEST_CASE("dsl.paths.bundle_field_material_and_table_values_are_checked") {
  check_cases({
      {"apply twice", "  apply online\n  apply window", {"5:3 E1008 `apply` appears twice in the bundle"}},
      {"delivery twice", "  delivery mail\n  delivery online", {"5:3 E1008 `delivery` appears twice in the bundle"}},
      {"unknown applicant", "  applicant people", {"4:13 E1009 unknown applicant kind `people`"}},
      {"mail is no apply channel", "  apply mail", {"4:9 E1009 unknown channel `mail` for `apply`"}},
      {"unknown delivery channel", "  delivery fax", {"4:12 E1009 unknown channel `fax` for `delivery`"}},
      {"department empty name", "  department e \"  \"", {"4:16 E1009 the name of department `e` is empty"}},
      {"values twice", "  field a.b enum \"x\" { values [p] values [q] }", {"4:35 E1008 `values` appears twice in field `a.b`"}},
      {"min overflows a double", "  field a.b decimal \"x\" { max 10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000 }", {"4:31 E1009 `10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000` is not a number"}},
      {"min_length with decimals", "  field a.b string \"x\" { min_length 1.5 }", {"4:37 E1009 expected a whole number for `min_length`, found `1.5`"}},
      {"max_length too large", "  field a.b string \"x\" { max_length 2000000 }", {"4:37 E1009 `max_length` must be between 0 and 1000000, found 2000000"}},
      {"min_length negative", "  field a.b string \"x\" { min_length -1 }", {"4:37 E1009 `min_length` must be between 0 and 1000000, found -1"}},
      {"min_length overflows", "  field a.b string \"x\" { min_length 99999999999999999999 }", {"4:37 E1009 expected a whole number for `min_length`, found `99999999999999999999`"}},
      {"type without a near name", "  field a.b qqqqqqqq \"x\"", {"4:13 E1009 unknown field type `qqqqqqqq`"}},
      {"field id upper case", "  field A.b string \"x\"", {"4:9 E1011 `A.b` is not a valid field id"}},
      {"field label empty", "  field a.b string \"\"", {"4:20 E1009 `label` is empty"}},
      {"field source invalid id", "  field a.b string \"x\" { source Bad }", {"4:33 E1011 `Bad` is not a valid id"}},
      {"material pledge twice", "  material m \"x\" { pledge pledge }", {"4:27 E1008 `pledge` appears twice in material `m`"}},
      {"issue_before_supply alone", "  material m \"x\" { issue_before_supply }", {"4:20 E1009 `issue_before_supply` applies only to a deferrable material"}},
      {"deferral too long", "  material m \"x\" { deferrable 100001wd }", {"4:31 E1009 duration `100001wd` is too long"}},
      {"deferral of nothing", "  material m \"x\" { deferrable 0wh }", {"4:31 E1009 a deferral needs a supply deadline of at least `1wh`"}},
      {"material source invalid", "  material m \"x\" { source Bad }", {"4:27 E1011 `Bad` is not a valid id"}},
      {"material empty name", "  material m \"\"", {"4:14 E1009 `name` is empty"}},
      {"situation invalid id", "  situation S = true", {"4:13 E1011 `S` is not a valid id"}},
      {"eligibility empty label", "  eligibility \"\" = true", {"4:15 E1009 `label` is empty"}},
      {"unknown hit policy", "  table t hit sometimes { }", {"4:15 E1009 unknown hit policy `sometimes`"}},
      {"unknown aggregation", "  table t hit collect average { }", {"4:23 E1009 unknown aggregation `average`"}},
      {"input unknown type", "  table t { input x strng }", {"4:21 E1009 unknown field type `strng`"}},
      {"output unknown type", "  table t { output y numbr }", {"4:22 E1009 unknown field type `numbr`"}},
      {"stage invalid id", "  stage S { items a }", {"4:9 E1011 `S` is not a valid id"}},
      {"item invalid id", "  item I \"x\" by d { statutory 1wd promised 1wd }", {"4:8 E1011 `I` is not a valid id"}},
      {"item empty name", "  item i \"\" by d { statutory 1wd promised 1wd }", {"4:10 E1009 `name` is empty"}},
      {"item without limits", "  item i \"x\" by d { }", {"4:8 E1007 item `i` has no `statutory` limit", "4:8 E1007 item `i` has no `promised` limit"}},
      {"item without statutory", "  item i \"x\" by d { promised 1wd }", {"4:8 E1007 item `i` has no `statutory` limit"}},
  }, in_bundle);
}

TEST_CASE("dsl.paths.declaration_syntax_errors_are_located") {
  check_cases({
      {"department basis without text", "  department e \"x\" { basis }", {"4:28 E2001 expected a text, found `}`"}},
      {"department without name", "  department e\n  field a.b string \"x\"", {"5:3 E2001 expected a text, found `field`"}},
      {"department unknown property", "  department e \"x\" { help \"a\" }", {"4:22 E2001 expected `}`, found `help`"}},
      {"values trailing comma", "  field a.b enum \"x\" { values [p, ] }", {"4:33 E2001 expected `]`, found `,`"}},
      {"values missing comma", "  field a.b enum \"x\" { values [p q] }", {"4:34 E2001 expected `]`, found `q`"}},
      {"min not a number", "  field a.b int \"x\" { min abc }", {"4:27 E2001 expected a number, found `abc`"}},
      {"sensitive not a boolean", "  field a.b string \"x\" { sensitive yes }", {"4:36 E2001 expected `true` or `false`, found `yes`"}},
      {"field unknown property", "  field a.b string \"x\" { bogus }", {"4:26 E2001 expected `}`, found `bogus`"}},
      {"field pattern without text", "  field a.b string \"x\" { pattern }", {"4:34 E2001 expected a text, found `}`"}},
      {"deferrable without duration", "  material m \"x\" { deferrable soon }", {"4:31 E2001 expected a duration, found `soon`"}},
      {"material unknown property", "  material m \"x\" { color red }", {"4:20 E2001 expected `}`, found `color`"}},
      {"situation without expression", "  situation s =", {"5:1 E2001 expected an expression, found `}`"}},
      {"situation without equals", "  situation s \"x\" true", {"4:19 E2001 expected `=`, found `true`"}},
      {"situation basis without text", "  situation s = true { basis }", {"4:30 E2001 expected a text, found `}`"}},
      {"eligibility without equals", "  eligibility true", {"4:15 E2001 expected `=`, found `true`"}},
      {"rule without arrow", "  table t { rule 1 | 2 }", {"4:24 E2001 expected `=>`, found `}`"}},
      {"annotation without text", "  table t { rule - => 1 annotation }", {"4:36 E2001 expected a text, found `}`"}},
      {"unknown table line", "  table t { inputs x int }", {"4:13 E2001 expected `}`, found `inputs`"}},
      {"column values not closed", "  table t { input x enum [a, b }", {"4:32 E2001 expected `]`, found `}`"}},
      {"stage without items", "  stage s { items }", {"4:19 E2001 expected a list of identifiers, found `}`"}},
      {"stage item keyword", "  stage s { item a }", {"4:13 E2001 expected `items`, found `item`"}},
      {"stage not closed", "  stage s { items a", {"6:1 E2001 expected `}` to close the bundle, found the end of the file"}},
      {"after without id", "  item i \"x\" by d after { statutory 1wd promised 1wd }", {"4:25 E2001 expected a list of identifiers, found `{`"}},
  }, in_bundle);
}

TEST_CASE("dsl.paths.each_single_valued_item_property_appears_once") {
  check_cases({
      {"promised twice", "promised 2wd", {"4:48 E1008 `promised` appears twice in item `i`"}},
      {"pledge twice", "pledge pledge", {"4:55 E1008 `pledge` appears twice in item `i`"}},
      {"optional twice", "optional optional", {"4:57 E1008 `optional` appears twice in item `i`"}},
      {"fee twice", "fee 1 fee 2", {"4:54 E1008 `fee` appears twice in item `i`"}},
      {"inspection twice", "inspection x inspection y", {"4:61 E1008 `inspection` appears twice in item `i`"}},
      {"separately twice", "separately { } separately { }", {"4:63 E1008 `separately` appears twice in item `i`"}},
      {"separately limit twice", "separately { limit 1wd limit 2wd }", {"4:71 E1008 `separately.limit` appears twice in item `i`"}},
      {"separately apply twice", "separately { apply online apply window }", {"4:74 E1008 `separately.apply` appears twice in item `i`"}},
      {"separately delivery twice", "separately { delivery mail delivery online }", {"4:75 E1008 `separately.delivery` appears twice in item `i`"}},
      {"separately steps twice", "separately { steps 2 steps 3 }", {"4:69 E1008 `separately.steps` appears twice in item `i`"}},
      {"review twice", "review any [a] review all [b]", {"4:63 E1008 `review` appears twice in item `i`"}},
      {"approvals twice", "approvals { } approvals { }", {"4:62 E1008 `approvals` appears twice in item `i`"}},
      {"allow twice", "approvals { allow transfer allow remind }", {"4:75 E1008 `approvals.allow` appears twice in the approvals of `i`"}},
      {"supervisor twice", "approvals { supervisor a supervisor b }", {"4:73 E1008 `approvals.supervisor` appears twice in the approvals of `i`"}},
      {"reject twice", "approvals { reject to applicant reject to previous }", {"4:80 E1008 `approvals.reject` appears twice in the approvals of `i`"}},
      {"remind twice", "approvals { remind every 1wd remind every 2wd }", {"4:77 E1008 `approvals.remind` appears twice in the approvals of `i`"}},
      {"auto twice", "approvals { auto approve auto reject }", {"4:73 E1008 `approvals.auto` appears twice in the approvals of `i`"}},
      {"statutory too long", "statutory 100001wd", {"4:48 E1008 `statutory` appears twice in item `i`", "4:58 E1009 duration `100001wd` is too long"}},
  }, in_item);
}

TEST_CASE("dsl.paths.item_review_and_approvals_values_are_checked") {
  check_cases({
      {"fee with three decimals", "fee 12.345", {"4:52 E1009 invalid fee `12.345`"}},
      {"fee negative", "fee -1", {"4:52 E1009 invalid fee `-1`"}},
      {"separately apply by mail", "separately { apply mail }", {"4:67 E1009 unknown channel `mail` for `apply`"}},
      {"separately unknown delivery", "separately { delivery fax }", {"4:70 E1009 unknown channel `fax` for `delivery`"}},
      {"separately zero steps", "separately { steps 0 }", {"4:67 E1009 `steps` must be between 1 and 100, found 0"}},
      {"separately too many steps", "separately { steps 101 }", {"4:67 E1009 `steps` must be between 1 and 100, found 101"}},
      {"separately limit too long", "separately { limit 100001wd }", {"4:67 E1009 duration `100001wd` is too long"}},
      {"unknown join", "review maybe [a]", {"4:55 E1009 unknown join policy `maybe`"}},
      {"threshold outside vote", "review all 2 [a, b]", {"4:59 E1009 a threshold only applies to `review vote`"}},
      {"vote without threshold", "review vote [a, b]", {"4:48 E1007 `review vote` needs a threshold"}},
      {"weight outside vote", "review all [a weight 2]", {"4:69 E1009 a weight only applies to `review vote`"}},
      {"weight zero", "review vote 1 [a weight 0]", {"4:72 E1009 a weight must be between 1 and 1000, found 0"}},
      {"weight with decimals", "review vote 1 [a weight 1.5]", {"4:72 E1009 expected a whole number for a weight, found `1.5`"}},
      {"threshold too large", "review vote 2000000 [a]", {"4:60 E1009 the threshold must be between -1000000 and 1000000, found 2000000"}},
      {"allow all and none", "approvals { allow all, none }", {"4:71 E1009 `none` stands alone in `allow`"}},
      {"allow operation then all", "approvals { allow transfer, all }", {"4:76 E1009 `all` stands alone in `allow`"}},
      {"allow misspelt operation", "approvals { allow claim, tranfer }", {"4:73 E1009 unknown approval operation `tranfer`"}},
      {"allow unknown operation", "approvals { allow zzzzzz }", {"4:66 E1009 unknown approval operation `zzzzzz`"}},
      {"supervisor invalid id", "approvals { supervisor Boss }", {"4:71 E1011 `Boss` is not a valid id"}},
      {"reject applicant twice", "approvals { reject to applicant, applicant }", {"4:81 E1009 rejection target `applicant` is listed twice"}},
      {"reject any after a target", "approvals { reject to applicant, any }", {"4:81 E1009 `any` already names every legal target"}},
      {"reject target after any", "approvals { reject to any, previous }", {"4:75 E1009 `any` already names every legal target"}},
      {"unknown sibling policy", "approvals { reject to any siblings keeper }", {"4:83 E1009 unknown sibling policy `keeper`"}},
      {"unknown resume policy", "approvals { reject to any resume never }", {"4:81 E1009 unknown resume policy `never`"}},
      {"first reminder zero", "approvals { remind first 0wd every 1wd }", {"4:73 E1009 the first reminder must be at least `1wh`"}},
      {"no reminders", "approvals { remind every 1wd max 0 }", {"4:81 E1009 the most reminders must be between 1 and 20, found 0"}},
      {"auto after zero", "approvals { auto approve after 0wd }", {"4:79 E1009 the time before the automatic decision must be at least `1wh`"}},
  }, in_item);
}

TEST_CASE("dsl.paths.item_syntax_errors_are_located") {
  check_cases({
      {"fee not a number", "fee abc", {"4:52 E2001 expected a number, found `abc`"}},
      {"separately unknown property", "separately { color red }", {"4:61 E2001 expected `}`, found `color`"}},
      {"signer department missing", "review vote 1 [a @ ]", {"4:67 E2001 expected an identifier, found `]`"}},
      {"signers trailing comma", "review vote 1 [a, ]", {"4:64 E2001 expected `]`, found `,`"}},
      {"signers missing comma", "review vote 1 [a b]", {"4:65 E2001 expected `]`, found `b`"}},
      {"remind without every", "approvals { remind first 1wd }", {"4:77 E2001 expected `every`, found `}`"}},
      {"approvals unknown property", "approvals { color }", {"4:60 E2001 expected `}`, found `color`"}},
      {"reject without to", "approvals { reject applicant }", {"4:67 E2001 expected `to`, found `applicant`"}},
      {"unknown item property", "colour red", {"4:48 E2001 expected `}`, found `colour`"}},
      {"form without field", "form", {"4:53 E2001 expected a list of field ids, found `}`"}},
      {"when without expression", "when", {"4:53 E2001 expected an expression, found `}`"}},
      {"inspection without id", "inspection", {"4:59 E2001 expected an identifier, found `}`"}},
      {"review without join", "review", {"4:55 E2001 expected an identifier, found `}`"}},
      {"steps without number", "separately { steps }", {"4:67 E2001 expected a number, found `}`"}},
  }, in_item);
}

TEST_CASE("dsl.paths.header_and_literal_errors") {
  check_cases({
      {"header invalid id", "bundle B \"x\" version 1 {\n  lead d\n}\n", {"1:8 E1011 `B` is not a valid id"}},
      {"header empty name", "bundle b \"\" version 1 {\n  lead d\n}\n", {"1:10 E1009 the bundle's name is empty"}},
      {"header without version", "bundle b \"x\" {\n  lead d\n}\n", {"1:14 E2001 expected `version`, found `{`"}},
      {"header misspelt", "bundl b \"x\" version 1 {\n}\n", {"1:1 E2001 expected the bundle header, found `bundl`"}},
      {"header starts with a quote", "\"x\"\n", {"1:1 E2001 expected the bundle header, found `\"`"}},
      {"header without brace", "bundle b \"x\" version 1", {"1:23 E2001 expected `{`, found the end of the text"}},
      {"header unterminated name", "bundle b \"x version 1 {\n  lead d\n}\n", {"2:3 E2001 expected a closing quote, found `lead`"}},
      {"header bad version", "bundle b \"x\" version {\n  lead d\n}\n", {"1:22 E2001 expected a version, found `{`"}},
      {"only blanks", "  \n\t\n", {"1:1 E1004 the file contains no bundle"}},
      {"no lead", "bundle b \"x\" version 1 {\n}\n", {"1:8 E1007 the bundle has no `lead` department"}},
      {"lead invalid id", "bundle b \"x\" version 1 {\n  lead Dept\n}\n", {"2:8 E1011 `Dept` is not a valid id"}},
      {"unknown escape in a name", "bundle b \"a\\qb\" version 1 {\n  lead d\n}\n", {"1:12 E2002 unknown escape `\\q` (use `\\\\`, `\\\"`, `\\n` or `\\t`)"}},
      {"unknown escape in a basis", "bundle b \"x\" version 1 {\n  lead d\n  basis 'a\\q'\n}\n", {"3:11 E2002 unknown escape `\\q` (use `\\\\`, `\\'`, `\\n` or `\\t`)"}},
      {"bad date in a rule", "bundle b \"x\" version 1 {\n  lead d\n  table t { input x date\n output y int\n rule < 2025-13-01 => 1 }\n}\n", {"5:9 E2002 `2025-13-01` is not a calendar date"}},
      {"integer too large", "bundle b \"x\" version 1 {\n  lead d\n  situation s = a > 99999999999999999999\n}\n", {"3:21 E2002 `99999999999999999999` is too large for an integer"}},
      {"duration too long in an expression", "bundle b \"x\" version 1 {\n  lead d\n  situation s = a > 9999999wd\n}\n", {"3:21 E2002 the duration is too long"}},
  }, as_is);
}

TEST_CASE("dsl.paths.recovery_skips_strings_comments_and_nested_braces") {
  check_cases({
      {"error then string with braces and escapes", "bundle b \"x\" version 1 {\n  lead d\n  department d \"{\\\"}\" { basis }\n  itme i\n}\n", {"3:31 E2001 expected a text, found `}`"}},
      {"error then comment with a brace", "bundle b \"x\" version 1 {\n  lead d\n  department d { # } {\n  }\n  stage s { item }\n}\n", {"3:16 E2001 expected a text, found `{`", "5:13 E2001 expected `items`, found `item`"}},
      {"error then unterminated string", "bundle b \"x\" version 1 {\n  lead d\n  department d x \"abc\n", {"3:16 E2001 expected a text, found `x`", "4:1 E2001 expected `}` to close the bundle, found the end of the file"}},
      {"error then comment to the end", "bundle b \"x\" version 1 {\n  lead d\n  department d x # c", {"3:16 E2001 expected a text, found `x`", "3:21 E2001 expected `}` to close the bundle, found the end of the file"}},
      {"error then closing brace", "bundle b \"x\" version 1 {\n  lead d\n  department d x\n\t\r}\n", {"3:16 E2001 expected a text, found `x`"}},
      {"error, nested braces, next declaration", "bundle b \"x\" version 1 {\n  lead d\n  item i \"x\" by d { separately { colour } approvals { }\n  }\n  department 1 \"x\"\n}\n", {"3:34 E2001 expected `}`, found `colour`", "5:14 E2001 expected an identifier, found `1`"}},
      {"garbage token", "bundle b \"x\" version 1 {\n  lead d\n  ** \n}\n", {"3:3 E2001 expected a declaration, found `*`"}},
      {"non ascii garbage", "bundle b \"x\" version 1 {\n  lead d\n  部门 d\n}\n", {"3:3 E2001 expected a declaration, found `部`"}},
      {"garbage after the bundle", "bundle b \"x\" version 1 {\n  lead d\n}\n}\n", {"4:1 E2001 unexpected `}` after the end of the bundle"}},
      {"expression unexpected line end", "bundle b \"x\" version 1 {\n  lead d\n  situation s = (a\n\n", {"5:1 E2001 expected `)`, found the end of the text", "5:1 E2001 expected `}` to close the bundle, found the end of the file"}},
  }, as_is);
}

TEST_CASE("dsl.paths.syntax_error_help_and_labels") {
  SourceMap m;
  auto r = dsl::load_text(m, "t.yi", in_bundle("  field a.b qqqqqqqq \"x\""));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help == "types: string, int, decimal, bool, date, enum, id_card, phone, address, attachment");
  CHECK(r.diagnostics.items()[0].label_text == "not a field type");
  r = dsl::load_text(m, "t.yi", in_item("approvals { allow claim, tranfer }"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help == "did you mean `transfer`?");
  r = dsl::load_text(m, "t.yi", in_item("approvals { allow zzzzzz }"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help == "operations: claim, transfer, delegate, add_signer, remove_signer, reclaim, remind");
  r = dsl::load_text(m, "t.yi", in_bundle("  apply mail"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help == "use `online` (一网通办) or `window` (一窗受理)");
  r = dsl::load_text(m, "t.yi", in_bundle("  delivery fax"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help == "use `online`, `window` or `mail`");
  // A word that is no declaration keyword gets a suggestion or the list of declarations.
  r = dsl::load_text(m, "t.yi", in_bundle("  zzzzzzzzzz x"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help ==
        "a bundle holds department, field, material, situation, eligibility, table, item and stage declarations");
  CHECK(r.diagnostics.items()[0].label_text == "expected a declaration");
  r = dsl::load_text(m, "t.yi", in_bundle("  ** x"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].help.empty());
  r = dsl::load_text(m, "t.yi", in_bundle("  situation s = (a"));
  REQUIRE(r.diagnostics.items().size() == 1);
  CHECK(r.diagnostics.items()[0].label_text == "expected `)`");
}

TEST_CASE("dsl.paths.accepted_values_reach_the_ir") {
  SourceMap m;
  const auto r = load_ok(m, "t.yi", in_bundle(
      "  applicant enterprise\n  apply online\n  delivery mail\n  basis \"a\\tb\\n\\\\\"\n"
      "  department e \"x\" { basis \"[1]\" basis \"[2]\" }\n"
      "  field a.b decimal \"x\" { min -0.5  max 12  sensitive true }\n"
      "  field a.c enum \"x\" { values [p, 'q r'] }\n"
      "  material m \"x\" { deferrable 1wh  issue_before_supply  pledge }\n"
      "  situation s \"\" = a.b >= 2025-01-31 and a.b != 3wd2wh\n"
      "  eligibility = s\n"
      "  table t {\n    input x int [lo, 'hi']\n    output y string \"标签\"\n    rule not(1, 2) => \"a\" | 'b'\n    default\n  }\n"
      "  item i \"x\" by d after j, k { statutory 1wd2wh promised 3wh  review vote -1 [a @ e weight 2, b]"
      "  approvals { reject to any  allow all } }\n"
      "  stage st { items i, j }"));
  const ir::Bundle& b = *r->bundle;
  CHECK(b.applicant == ir::ApplicantKind::enterprise);
  CHECK(b.apply == ir::Channel::online);
  CHECK(b.delivery == ir::Channel::mail);
  CHECK(b.basis == "a\tb\n\\");
  REQUIRE(b.departments.size() == 2);
  CHECK(b.departments[1].basis == "[2]");
  REQUIRE(b.fields.size() == 2);
  CHECK(b.fields[0].constraints.min == -0.5);
  CHECK(b.fields[0].constraints.max == 12.0);
  CHECK(b.fields[0].sensitive);
  CHECK(b.fields[1].values == std::vector<std::string>{"p", "q r"});
  REQUIRE(b.materials.size() == 1);
  CHECK(b.materials[0].deferrable == ir::WorkDuration{0, 1});
  CHECK(b.materials[0].issue_before_supply);
  CHECK(b.materials[0].pledge);
  CHECK(b.situations[0].label.empty());
  CHECK(b.situations[0].condition.text == "a.b >= 2025-01-31 and a.b != 3wd2wh");
  REQUIRE(b.tables.size() == 1);
  CHECK(b.tables[0].inputs[0].values == std::vector<std::string>{"lo", "hi"});
  CHECK(b.tables[0].outputs[0].label == "标签");
  REQUIRE(b.tables[0].rules.size() == 1);
  CHECK(b.tables[0].rules[0].inputs[0].text == "not(1, 2)");
  REQUIRE(b.tables[0].rules[0].outputs.size() == 2);
  CHECK(b.tables[0].rules[0].outputs[1].text == "'b'");
  CHECK(b.tables[0].default_outputs.empty());
  REQUIRE(b.items.size() == 1);
  const ir::Item& it = b.items[0];
  CHECK(it.after.size() == 2);
  CHECK(it.statutory == ir::WorkDuration{1, 2});
  CHECK(it.promised == ir::WorkDuration{0, 3});
  CHECK(it.review.threshold == -1);
  REQUIRE(it.review.signers.size() == 2);
  CHECK(it.review.signers[0].weight == 2);
  CHECK(it.review.signers[0].department->id == "e");
  CHECK_FALSE(it.review.signers[1].department);
  REQUIRE(it.approvals.reject_to.size() == 1);
  CHECK(it.approvals.reject_to[0].kind == ir::RejectTarget::Kind::any);
  CHECK(it.approvals.allow_word() == std::optional<std::string_view>("all"));
  REQUIRE(b.stages.size() == 1);
  CHECK(b.stages[0].name.empty());
  CHECK(b.stages[0].items.size() == 2);
}

TEST_CASE("dsl.paths.load_options_and_files_bound_the_input") {
  const std::string ok = "bundle b \"x\" version 1 {\n  lead D\n}\n";
  dsl::LoadOptions small;
  small.max_bytes = 10;
  CHECK(located(ok, small) == std::vector<std::string>{fmt::format("1:1 E6001 the file is {} bytes; the limit is 10", ok.size())});
  CHECK(located("bundle b \"\xff\" version 1 {\n}\n") == std::vector<std::string>{"1:11 E1003 the file is not valid UTF-8"});
  CHECK(located(std::string("bundle b \"x\" version 1 {\n\0}\n", 28)) ==
        std::vector<std::string>{"2:1 E1003 file contains a NUL byte"});
  // A byte order mark is dropped: columns count from the first character after it.
  CHECK(located("\xEF\xBB\xBF" + ok) == std::vector<std::string>{"2:8 E1011 `D` is not a valid id"});

  dsl::LoadOptions one;
  one.max_entries = 1;
  CHECK(located(in_bundle("  department e \"e\"\n  field a.b string \"x\"\n  field a.c string \"x\"\n"
                          "  material m \"m\"\n  material n \"n\"\n  situation s = true\n  situation t = true\n"
                          "  table t1 { }\n  table t2 { }\n"
                          "  item i \"i\" by d { statutory 1wd promised 1wd }\n  item j \"j\" by d { statutory 1wd promised 1wd }"),
                one) == std::vector<std::string>{
                            "1:8 E6003 the bundle declares 2 departments, more than the limit of 1",
                            "1:8 E6003 the bundle declares 2 fields, more than the limit of 1",
                            "1:8 E6003 the bundle declares 2 materials, more than the limit of 1",
                            "1:8 E6003 the bundle declares 2 situations, more than the limit of 1",
                            "1:8 E6003 the bundle declares 2 tables, more than the limit of 1",
                            "1:8 E6003 the bundle declares 2 items, more than the limit of 1"});

  // The parser stops after the most syntax errors, without the missing `}` on top.
  dsl::LoadOptions two;
  two.max_syntax_errors = 2;
  const std::string three_errors = "bundle b \"x\" version 1 {\n  lead d\n  zz\n  department 1\n  lead\n";
  CHECK(located(three_errors, two) == std::vector<std::string>{"3:3 E2001 expected a declaration, found `zz`",
                                                               "4:14 E2001 expected an identifier, found `1`"});
  CHECK(located(three_errors).size() == 4);

  SourceMap m;
  const auto missing = dsl::load_file(m, "/nonexistent/dir/b.yi");
  CHECK_FALSE(missing.bundle);
  CHECK(located(missing, m) == std::vector<std::string>{"0:0 E1000 cannot read `/nonexistent/dir/b.yi`"});
  TempDir dir;
  {
    std::ofstream out(dir.file("b.yi"), std::ios::binary);
    out << "bundle b \"x\" version 1 {\n  lead d\n}\n";
  }
  const auto loaded = dsl::load_file(m, dir.file("b.yi"));
  REQUIRE(loaded.bundle);
  CHECK(loaded.bundle->lead.id == "d");
  // A text longer than the limit of one string (1 MiB in the DSL) is refused.
  const auto long_basis = located(in_bundle("  basis \"" + std::string((1u << 20) + 1, 'x') + "\""));
  CHECK(long_basis == std::vector<std::string>{"4:9 E2002 the string is longer than 1048576 bytes"});
}

namespace {

const char* const full_bundle = R"yi(# leading comment
bundle full_bundle "全部 \"引号\" 与 \\ 反斜杠" version "1.0 beta" {
  # before lead
  lead market
  apply online
  delivery mail
  basis "《条例》\t第一条\n第二款"

  department market "市场监管" { basis "[S1]" }
  department fire "消防"

  field person.id id_card "身份证" { sensitive false }
  field person.note string "备注" { sensitive true  min_length 0  max_length 200  pattern "^[a-z]+$"  help "可选\"说明\""  source registry  optional }
  field premises.area decimal "面积" { min 0.25  max 1000000.5 }
  field premises.kind enum "类型" { values ["and", "true", "A B", "浦东", plain_value, "x\\y"]  multiple }

  material licence "执照" { deferrable 2wd3wh  issue_before_supply  source e_licence  pledge  basis "[M]" }
  material photo "照片" { deferrable 4wh }

  situation big "大型" = premises.area > 300 { basis "a very long basis text that does not fit on the line of the situation at all, so it gets its own block" }
  situation small = premises.area <= 300 { basis "[S]" }
  situation any_kind = contains(premises.kind, "A B")

  eligibility = big or small
  eligibility "有备注" = person.note != ""

  table rates "费率" hit priority {
    input area decimal "面积"
    input kind enum "类型" ["and", "A B"]
    output rate int "费率" [low, high]
    output note string
    rule > 100 | - => 1 | "big"
    rule => 2 | "none" annotation "无条件"
    default 0 | ""
    basis "[T]"
  }
  table totals hit collect sum {
    input area decimal
    output n int
    rule - => 1
  }
  table plain {
    input area decimal
    output n int
    rule - => 1
  }

  item licence "许可" by market {
    form person.id, person.note, premises.area, premises.kind, person.id, person.note, premises.area, premises.kind, person.id
    field extra.consent bool "同意" { help "需要业主同意，这是一段比较长的说明文字用于让这一行超过一百个字符的宽度限制从而换行" }
    form premises.area
    materials core licence, photo, licence, photo, licence, photo, licence, photo, licence, photo, licence, photo
    statutory 10wd  promised 3wd4wh
    when big
    pledge
    optional
    fee 12.05
    inspection joint_site
    separately { limit 5wd apply online delivery mail steps 2 }
    review vote 2 [reviewer, chief @ market weight 3, inspector @ fire]
    approvals {
      allow all
      supervisor chief
      reject to applicant siblings redo
      remind every 1wd max 2
      auto reject
    }
    basis "[I]"
  }
  item check "检查" by fire after licence, other {
    statutory 1wd  promised 1wd
    fee 3
    separately { apply window }
    review any [a @ fire, b]
    approvals {
      allow none
      reject to previous resume rejecting_step
      remind first 2wh every 4wh max 5
      auto approve after 1wd
    }
  }
  item other "其他" by fire {
    statutory 1wd  promised 1wd
    review all [reviewer @ fire]
    approvals {
      allow claim, reclaim
    }
  }

  stage first_stage "第一" { items licence, check }
  stage second { items other }
  # trailing comment
}
)yi";

const char* const full_printed = R"yi(# leading comment
bundle full_bundle "全部 \"引号\" 与 \\ 反斜杠" version "1.0 beta" {
  # before lead
  lead market
  apply online
  delivery mail
  basis "《条例》\t第一条\n第二款"

  department market "市场监管" { basis "[S1]" }
  department fire "消防"

  field person.id id_card "身份证" { sensitive false }
  field person.note string "备注" {
    optional
    sensitive true
    min_length 0
    max_length 200
    pattern "^[a-z]+$"
    help "可选\"说明\""
    source registry
  }
  field premises.area decimal "面积" { min 0.25  max 1000000.5 }
  field premises.kind enum "类型" {
    values ["and", "true", "A B", "浦东", plain_value, "x\\y"]
    multiple
  }

  material licence "执照" {
    deferrable 2wd3wh
    issue_before_supply
    source e_licence
    pledge
    basis "[M]"
  }
  material photo "照片" { deferrable 4wh }

  situation big "大型" = premises.area > 300 {
    basis "a very long basis text that does not fit on the line of the situation at all, so it gets its own block"
  }
  situation small = premises.area <= 300 { basis "[S]" }
  situation any_kind = contains(premises.kind, "A B")

  eligibility = big or small
  eligibility "有备注" = person.note != ""

  table rates "费率" hit priority {
    input area decimal "面积"
    input kind enum "类型" ["and", "A B"]
    output rate int "费率" [low, high]
    output note string
    rule > 100 | - => 1 | "big"
    rule => 2 | "none" annotation "无条件"
    default 0 | ""
    basis "[T]"
  }

  table totals hit collect sum {
    input area decimal
    output n int
    rule - => 1
  }

  table plain {
    input area decimal
    output n int
    rule - => 1
  }

  item licence "许可" by market {
    form person.id, person.note, premises.area, premises.kind, person.id, person.note, premises.area,
        premises.kind, person.id
    field extra.consent bool "同意" {
      help "需要业主同意，这是一段比较长的说明文字用于让这一行超过一百个字符的宽度限制从而换行"
    }
    form premises.area
    materials core licence, photo, licence, photo, licence, photo, licence, photo, licence, photo,
        licence, photo
    statutory 10wd  promised 3wd4wh
    when big
    pledge
    optional
    fee 12.05
    inspection joint_site
    separately { limit 5wd apply online delivery mail steps 2 }
    review vote 2 [reviewer, chief @ market weight 3, inspector @ fire]
    approvals {
      allow all
      supervisor chief
      reject to applicant siblings redo
      remind every 1wd max 2
      auto reject
    }
    basis "[I]"
  }

  item check "检查" by fire after licence, other {
    statutory 1wd  promised 1wd
    fee 3
    separately { apply window }
    review any [a @ fire, b]
    approvals {
      allow none
      reject to previous
      remind first 2wh every 4wh max 5
      auto approve after 1wd
    }
  }

  item other "其他" by fire {
    statutory 1wd  promised 1wd
    review all [reviewer @ fire]
    approvals {
      allow claim, reclaim
    }
  }

  stage first_stage "第一" { items licence, check }
  stage second { items other }
  # trailing comment
}
)yi";

}  // namespace

TEST_CASE("dsl.paths.every_optional_part_prints_and_loads_back") {
  SourceMap m;
  const auto r = load_ok(m, "full.yi", full_bundle);
  const ir::Bundle& b = *r->bundle;
  CHECK(b.version == "1.0 beta");
  CHECK(b.name == "全部 \"引号\" 与 \\ 反斜杠");
  CHECK(b.tables[1].aggregation == ir::Aggregation::sum);
  CHECK(b.tables[0].rules[1].inputs.empty());
  CHECK(b.items[0].fee_fen == 1205);
  CHECK(b.items[0].separately.steps == 2);
  CHECK(b.items[0].inspection == "joint_site");
  CHECK(b.items[1].approvals.allow.empty());
  CHECK(b.materials[0].pledge);

  const std::string printed = dsl::print(b, &m.file(r->source));
  CHECK(printed == full_printed);
  const auto again = load_ok(m, "printed.yi", printed);
  CHECK(*again->bundle == b);
  CHECK(dsl::print(*again->bundle, &m.file(again->source)) == printed);

  // Without the source, the comments go and nothing else changes.
  std::string without;
  for (std::size_t at = 0; at < printed.size();) {
    const std::size_t end = printed.find('\n', at) + 1;
    const std::string_view line(printed.data() + at, end - at);
    if (line.find_first_not_of(' ') == std::string_view::npos || line[line.find_first_not_of(' ')] != '#') without += line;
    at = end;
  }
  CHECK(dsl::print(b) == without);
}

TEST_CASE("dsl.paths.printer_quotes_names_values_and_numbers") {
  ir::Bundle b;
  b.id = "b";
  b.name = "a\"b\\c\nd\te";
  b.version = "2024.1-rc_2";
  b.lead.id = "d";
  ir::Field f;
  f.id = "f.x";
  f.type = ir::FieldType::enumeration;
  f.label = "l";
  f.values = {"in", "x y", "ok", "not", "false"};
  f.sensitive = ir::sensitive_by_default(f.type);
  ir::Field g;
  g.id = "f.y";
  g.type = ir::FieldType::decimal;
  g.label = "m";
  g.constraints.min = 1e20;
  g.constraints.max = -0.125;
  g.sensitive = ir::sensitive_by_default(g.type);
  b.fields = {f, g};
  const std::string text = dsl::print(b);
  CHECK(text ==
        "bundle b \"a\\\"b\\\\c\\nd\\te\" version 2024.1-rc_2 {\n"
        "  lead d\n"
        "\n"
        "  field f.x enum \"l\" { values [\"in\", \"x y\", ok, \"not\", \"false\"] }\n"
        "  field f.y decimal \"m\" { min 100000000000000000000  max -0.125 }\n"
        "}\n");
  SourceMap m;
  const auto back = load_ok(m, "p.yi", text);
  CHECK(*back->bundle == b);
  b.version = "";
  CHECK(dsl::print(b).starts_with("bundle b \"a\\\"b\\\\c\\nd\\te\" version \"\" {\n"));
}

namespace {

struct ExprCase {
  std::string text;
  std::vector<std::string> expected;  // "begin-end CODE message", offsets into the text
  expr::Limits limits{};
};

std::vector<std::string> offsets(const Diagnostics& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds.items())
    out.push_back(fmt::format("{}-{} {} {}", d.span.begin, d.span.end, code_string(d.code), d.message));
  return out;
}

expr::Limits limits_with(std::size_t text, std::size_t string, std::size_t depth, std::size_t nodes) {
  expr::Limits l;
  l.max_text = text;
  l.max_string = string;
  l.max_depth = depth;
  l.max_nodes = nodes;
  return l;
}

}  // namespace

TEST_CASE("dsl.paths.expression_errors_are_located_in_the_text") {
  const expr::Limits d;
  const std::vector<ExprCase> cases = {
      {"", {"0-0 E2001 expected an expression, found the end of the text"}},
      {"\xff", {"0-1 E2001 expected an expression, found an invalid byte"}},
      {"a b", {"2-3 E2001 unexpected `b` after the end of an expression"}},
      {"a )", {"2-3 E2001 unexpected `)` after the end of an expression"}},
      {"a 部", {"2-5 E2001 unexpected `部` after the end of an expression"}},
      {"a abcdefghijklmnopqrstuvwxyz0123", {"2-3 E2001 unexpected `abcdefghijklmnopqrstuvwx` after the end of an expression"}},
      {"(a", {"2-2 E2001 expected `)`, found the end of the text"}},
      {"a +  # c\n", {"9-9 E2001 expected a value, found the end of the text"}},
      {"f(1, ", {"3-4 E2001 expected `)`, found `,`"}},
      {"[1, 2", {"5-5 E2001 expected `]`, found the end of the text"}},
      {"\"abc", {"4-4 E2001 expected a closing quote, found the end of the text"}},
      {"'abc", {"4-4 E2001 expected a closing quote, found the end of the text"}},
      {"a and", {"5-5 E2001 expected an expression, found the end of the text"}},
      {"a or", {"4-4 E2001 expected an expression, found the end of the text"}},
      {"a >= 2025-02-30", {"5-15 E2002 `2025-02-30` is not a calendar date"}},
      {"\"a\\qb\"", {"2-4 E2002 unknown escape `\\q` (use `\\\\`, `\\\"`, `\\n` or `\\t`)"}},
      {"'abcd'", {"0-6 E2002 the string is longer than 3 bytes"}, limits_with(d.max_text, 3, d.max_depth, d.max_nodes)},
      {"99999999999999999999", {"0-20 E2002 `99999999999999999999` is too large for an integer"}},
      {"1234567wd", {"0-9 E2002 the duration is too long"}},
      {"abcd", {"0-1 E6004 the expression is 4 bytes long; the limit is 3"}, limits_with(3, d.max_string, d.max_depth, d.max_nodes)},
      {"((a))", {"1-2 E6004 brackets nest deeper than 1 levels"}, limits_with(d.max_text, d.max_string, 1, d.max_nodes)},
      {"a + b", {"0-5 E6004 the expression has 3 parts; the limit is 2"}, limits_with(d.max_text, d.max_string, d.max_depth, 2)},
      // Brackets inside strings and comments do not nest; an escaped quote does not end a string.
      {"'((\\'((' == \"((\" # ((((\n and (a)", {}, limits_with(d.max_text, d.max_string, 1, d.max_nodes)},
      {"'(\n(a)", {"3-4 E2001 expected a closing quote, found `(`"}, limits_with(d.max_text, d.max_string, 1, d.max_nodes)},
      {"a) and (b", {"1-2 E2001 unexpected `)` after the end of an expression"}, limits_with(d.max_text, d.max_string, 1, d.max_nodes)},
  };
  for (const ExprCase& c : cases) {
    CAPTURE(c.text);
    Diagnostics out;
    const auto ast = dsl::parse_expression(c.text, expr::SpanMap{SourceSpan{0, 0, static_cast<std::uint32_t>(c.text.size())}, true}, out, c.limits);
    CHECK(offsets(out) == c.expected);
    CHECK(ast.has_value() == c.expected.empty());
  }
}

TEST_CASE("dsl.paths.decision_table_cells_parse_each_form") {
  auto cell = [](std::string_view text, Diagnostics& out) {
    return dsl::parse_unary_tests(text, expr::SpanMap{SourceSpan{0, 0, static_cast<std::uint32_t>(text.size())}, true}, out);
  };
  Diagnostics out;
  auto t = cell("-", out);
  REQUIRE(t);
  CHECK(t->any);
  CHECK(t->tests.empty());
  t = cell("- 1", out);  // a negative number, not "any"
  REQUIRE(t);
  CHECK_FALSE(t->any);
  REQUIRE(t->tests.size() == 1);
  CHECK(t->tests[0].kind == expr::UnaryTest::Kind::equals);
  t = cell("not(\"x\", \"y\")", out);
  REQUIRE(t);
  CHECK(t->negated);
  CHECK(t->tests.size() == 2);
  t = cell("[1..2), (3..4], ? > 5, < 6, 7", out);
  REQUIRE(t);
  REQUIRE(t->tests.size() == 5);
  CHECK(t->tests[0].kind == expr::UnaryTest::Kind::interval);
  CHECK(t->tests[0].low_closed);
  CHECK_FALSE(t->tests[0].high_closed);
  CHECK_FALSE(t->tests[1].low_closed);
  CHECK(t->tests[1].high_closed);
  CHECK(t->tests[2].kind == expr::UnaryTest::Kind::predicate);
  CHECK(t->tests[3].kind == expr::UnaryTest::Kind::compare);
  CHECK(t->tests[3].op == expr::BinaryOp::lt);
  CHECK(t->tests[4].kind == expr::UnaryTest::Kind::equals);
  CHECK(out.items().empty());

  const std::pair<std::string, std::string> bad[] = {
      {"", "0-0 E2001 expected a decision-table cell, found the end of the text"},
      {"1 2", "2-3 E2001 unexpected `2` after the end of a decision-table cell"},
      {"< 2025-02-30", "2-12 E2002 `2025-02-30` is not a calendar date"},
      {"[1..", "4-4 E2001 expected an expression, found the end of the text"},
  };
  for (const auto& [text, expected] : bad) {
    CAPTURE(text);
    Diagnostics errs;
    CHECK_FALSE(cell(text, errs));
    CHECK(offsets(errs) == std::vector<std::string>{expected});
  }
}

TEST_CASE("dsl.paths.cell_tests_and_literals_span_their_own_text") {
  auto cell = [](std::string_view text, Diagnostics& out) {
    return dsl::parse_unary_tests(text, expr::SpanMap{SourceSpan{0, 0, static_cast<std::uint32_t>(text.size())}, true}, out);
  };
  Diagnostics out;
  const std::string text = "[1..2), (3..4], ? > 5, < 6, 7";
  auto t = cell(text, out);
  REQUIRE(t);
  REQUIRE(t->tests.size() == 5);
  const auto slice = [&](const expr::UnaryTest& u) { return text.substr(u.begin, u.end - u.begin); };
  CHECK(slice(t->tests[0]) == "[1..2)");
  CHECK(slice(t->tests[1]) == "(3..4]");
  CHECK(slice(t->tests[2]) == "? > 5");
  CHECK(slice(t->tests[3]) == "< 6");
  CHECK(slice(t->tests[4]) == "7");
  // `?` and the yes/no literals are nodes of one character or word.
  const auto& nodes = t->ast.nodes;
  const auto input = std::find_if(nodes.begin(), nodes.end(), [](const expr::Node& n) { return n.kind == expr::NodeKind::input; });
  REQUIRE(input != nodes.end());
  CHECK(text.substr(input->begin, input->end - input->begin) == "?");

  Diagnostics d;
  const std::string e = "true and not false";
  const auto ast = dsl::parse_expression(e, expr::SpanMap{SourceSpan{0, 0, static_cast<std::uint32_t>(e.size())}, true}, d);
  REQUIRE(ast);
  std::vector<std::string> literals;
  for (const auto& n : ast->nodes)
    if (n.kind == expr::NodeKind::boolean) literals.push_back(e.substr(n.begin, n.end - n.begin));
  CHECK(literals == std::vector<std::string>{"true", "false"});
}

TEST_CASE("dsl.paths.a_question_mark_outside_a_cell_is_underlined_itself") {
  for (const auto& [text, underlined] : std::vector<std::pair<std::string, std::string>>{{"? > 1", "?"}, {"(?) > 1", "?"}}) {
    CAPTURE(text);
    SourceMap m;
    const auto id = m.add("e", text);
    const expr::SpanMap spans{SourceSpan{id, 0, static_cast<std::uint32_t>(text.size())}, true};
    Diagnostics d;
    auto ast = dsl::parse_expression(text, spans, d);
    REQUIRE(ast);
    expr::Environment env;
    (void)expr::check_condition(*ast, env, spans, d, "the condition");
    REQUIRE(d.items().size() == 1);
    CHECK(d.items()[0].message == "`?` stands for the input of a decision-table cell and is not allowed here");
    CHECK(m.slice(d.items()[0].span) == underlined);
  }
}

TEST_CASE("dsl.paths.an_inline_field_does_not_reset_its_items_properties") {
  // Before the field: the limits count; after it: a repeated `pledge` is still a repeat.
  CHECK(located(in_bundle("  item i \"项\" by d { statutory 1wd promised 1wd field x.y string \"y\" }")).empty());
  CHECK(located(in_bundle("  item i \"项\" by d { field x.y string \"y\" statutory 1wd promised 1wd }")).empty());
  CHECK(located(in_bundle("  item i \"项\" by d { statutory 1wd promised 1wd pledge field x.y string \"y\" { max_length 3 } pledge }")) ==
        std::vector<std::string>{"4:93 E1008 `pledge` appears twice in item `i`"});
}

TEST_CASE("dsl.paths.every_expectation_names_a_phrase_of_the_grammar") {
  // Unnamed parts of the grammar (lists, actions, sequences) are named after what they begin with.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"  field a.b enum \"x\" { values [] }", "expected a value, found `]`"},
      {"  table t hit { }", "expected an identifier, found `{`"},
      {"  item i \"项\" by d { statutory 1wd promised 1wd review vote 1 [ ] }", "expected a signer, found `]`"},
      {"  item i \"项\" by d { statutory 1wd promised 1wd approvals { remind every 1wd max x } }", "expected a number, found `x`"},
      {"  item i \"项\" by d { statutory 1wd promised 1wd approvals { allow } } }", "expected an identifier, found `}`"},
      {"  item i \"项\" by d { statutory 1wd promised 1wd materials } }",
       "expected a material id (`core` before it marks a core material), found `}`"},
      {"  table t hit first {\n    input x int\n    output y int\n    rule not(1 => 2\n  }", "expected `)`, found `=`"},
      {"  table t hit first {\n    input x int\n    output y int\n    rule [1..2 => 3\n  }", "expected `]` or `)`, found `=`"},
  };
  for (const auto& [body, message] : cases) {
    CAPTURE(body);
    const auto got = located(in_bundle(body));
    REQUIRE_FALSE(got.empty());
    CHECK(got[0].find(message) != std::string::npos);
    for (const auto& g : got) CHECK(g.find("boost") == std::string::npos);
  }
}

TEST_CASE("dsl.paths.a_repeated_bundle_property_is_located_at_its_keyword") {
  CHECK(located("bundle b \"乙\" version 1 {\n  lead d\n  lead d\n  department d \"部门\"\n}\n") ==
        std::vector<std::string>{"3:3 E1008 `lead` appears twice in the bundle"});
  CHECK(located("bundle b \"乙\" version 1 {\n  lead d\n  applicant individual\n  applicant individual\n  department d \"部门\"\n}\n") ==
        std::vector<std::string>{"4:3 E1008 `applicant` appears twice in the bundle"});
  CHECK(located("bundle b \"乙\" version 1 {\n  lead d\n  basis \"a\"\n  basis \"b\"\n  department d \"部门\"\n}\n") ==
        std::vector<std::string>{"4:3 E1008 `basis` appears twice in the bundle"});
}
