// The 四减 report: text, JSON and summary table of reports built by hand, and the changes a local variant lists.
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace yishi;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

analysis::ItemFigures item(std::string id, std::string department, double promised, double alone, double statutory,
                           std::int32_t steps, std::int32_t trips, std::string inspection, bool critical) {
  analysis::ItemFigures f;
  f.id = std::move(id);
  f.name = f.id + "项";
  f.department = std::move(department);
  f.promised_days = promised;
  f.separate_days = alone;
  f.statutory_days = statutory;
  f.steps = steps;
  f.trips = trips;
  f.materials = 2;
  f.fields = 1;
  f.inspection = std::move(inspection);
  f.critical = critical;
  return f;
}

/// A local variant's report for given answers: two items, one on the critical path with an
/// inspection, one undecided item left out, one error, and a merged form larger than the
/// separate ones (a negative reduction).
analysis::Report variant_report() {
  analysis::Report r;
  r.bundle = "b";
  r.name = "名";
  r.version = "2";
  r.for_applicant = true;
  r.base = "base";
  r.base_version = "1";
  r.variant_changes = {"+ item `x`", "~ item `y`: promised"};
  r.undecided = {"u"};
  r.errors = {"e1"};
  r.items = {item("x", "d", 1.5, 2, 10, 5, 3, "fire", true), item("y", "d2", 0, 0, 0.125, 4, 2, "", false)};
  r.days = {2, 1.5};
  r.critical_path = {"x"};
  r.statutory_days = {10.125, 10};
  r.statutory_critical_path = {"x", "y"};
  r.steps = {9, 5};
  r.materials = {4, 1};
  r.materials_distinct = 2;
  r.materials_provided = 1;
  r.materials_pledged = 0;
  r.materials_deferrable = 1;
  r.fields = {2, 3};
  r.fields_prefillable = 1;
  r.trips = {5, 2};
  r.inspections_separately = 1;
  r.inspections_bundled = 1;
  return r;
}

}  // namespace

TEST_CASE("analysis.paths.an_empty_report_prints_dashes_for_undefined_savings") {
  analysis::Report r;
  r.bundle = "b";
  r.name = "空";
  r.version = "1";
  const std::string text = analysis::to_text(r);
  CAPTURE(text);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 14);
  CHECK(lines[0] == "四减 report: 空 (b, version 1), every item");
  CHECK(lines[1] == "");
  // Every figure is 0 separately: its reduction is undefined and shown as a dash.
  const std::vector<std::vector<std::string>> rows = {
      {"figure", "separately", "bundled", "saved"},
      {"时间", "time", "(working", "days)", "0", "0", "—", "promised", "limits"},
      {"法定", "statutory", "(working", "days)", "0", "0", "—"},
      {"环节", "steps", "0", "0", "—"},
      {"材料", "materials", "0", "0", "—", "0", "distinct,", "0", "provided,", "0", "pledged,", "0", "deferrable"},
      {"表单", "form", "fields", "0", "0", "—", "0", "prefillable"},
      {"跑动", "trips", "0", "0", "—", "0", "inspections,", "0", "bundled"},
  };
  for (std::size_t k = 0; k < rows.size(); ++k) {
    CAPTURE(k);
    CHECK(words_of(lines[2 + k]) == rows[k]);
  }
  CHECK(lines[9] == "");
  CHECK(lines[10] == "item  department  promised  alone   statutory  steps  trips  critical");
  CHECK(lines[11] == "");
  CHECK(lines[12] == "critical path (0 working days): —");
  CHECK(lines[13] == "statutory critical path (0 working days): —");
  for (const auto& line : lines) CHECK_FALSE(line.ends_with(" "));
}

TEST_CASE("analysis.paths.a_variant_report_in_text") {
  const std::string text = analysis::to_text(variant_report());
  CAPTURE(text);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 21);
  CHECK(lines[0] == "四减 report: 名 (b, version 2), for the given answers");
  CHECK(lines[1] == "  local variant of base (version 1), 2 changes:");
  CHECK(lines[2] == "    + item `x`");
  CHECK(lines[3] == "    ~ item `y`: promised");
  CHECK(lines[4] == "  left out, undecided: u");
  CHECK(lines[5] == "  error: e1");
  CHECK(lines[6] == "");
  // Savings: (2 − 1.5) / 2 = 25 %, (10.125 − 10) / 10.125 = 1.2 %, 4/9 = 44.4 %, 3/4 = 75 %,
  // (2 − 3) / 2 = −50 % (the merged form asks more), 3/5 = 60 %.
  const std::vector<std::vector<std::string>> rows = {
      {"时间", "time", "(working", "days)", "2", "1.5", "25.0%", "promised", "limits"},
      {"法定", "statutory", "(working", "days)", "10.125", "10", "1.2%"},
      {"环节", "steps", "9", "5", "44.4%"},
      {"材料", "materials", "4", "1", "75.0%", "2", "distinct,", "1", "provided,", "0", "pledged,", "1", "deferrable"},
      {"表单", "form", "fields", "2", "3", "-50.0%", "1", "prefillable"},
      {"跑动", "trips", "5", "2", "60.0%", "1", "inspections,", "1", "bundled"},
  };
  for (std::size_t k = 0; k < rows.size(); ++k) {
    CAPTURE(k);
    CHECK(words_of(lines[8 + k]) == rows[k]);
  }
  // Columns: ids 6 wide (at least), departments 12, then 10, 8, 11, 7, 7.
  CHECK(lines[15] == "item  department  promised  alone   statutory  steps  trips  critical");
  CHECK(lines[16] == "x     d           1.5       2       10         5      3      *");
  CHECK(lines[17] == "y     d2          0         0       0.125      4      2");
  CHECK(lines[18] == "");
  CHECK(lines[19] == "critical path (1.5 working days): x");
  CHECK(lines[20] == "statutory critical path (10 working days): x → y");
}

TEST_CASE("analysis.paths.long_ids_and_departments_widen_their_columns") {
  analysis::Report r = variant_report();
  r.items[0].id = "business_licence";   // 16 columns + 2
  r.items[1].department = "市场监督管理局";  // 14 columns + 2
  const auto lines = lines_of(analysis::to_text(r));
  REQUIRE(lines.size() == 21);
  CHECK(lines[15] == fmt::format("{:<18}{:<16}promised  alone   statutory  steps  trips  critical", "item", "department"));
  CHECK(lines[16] == fmt::format("{:<18}{:<16}1.5       2       10         5      3      *", "business_licence", "d"));
  CHECK(lines[17] == fmt::format("{:<18}市场监督管理局  0         0       0.125      4      2", "y"));
}

TEST_CASE("analysis.paths.json_of_a_variant_report") {
  // Reductions to 4 decimals: 0.5/2, 0.125/10.125 = 0.01234…, 4/9 = 0.4444…, 3/4, −1/2, 3/5.
  const std::string expected =
      R"({"bundle":"b","name":"名","version":"2","for_applicant":true,)"
      R"("variant":{"base":"base","base_version":"1","changes":["+ item `x`","~ item `y`: promised"]},)"
      R"("undecided":["u"],"errors":["e1"],)"
      R"("days":{"separately":2,"bundled":1.5,"reduction":0.25},"critical_path":["x"],)"
      R"("statutory_days":{"separately":10.125,"bundled":10,"reduction":0.0123},"statutory_critical_path":["x","y"],)"
      R"("steps":{"separately":9,"bundled":5,"reduction":0.4444},)"
      R"("materials":{"separately":4,"bundled":1,"reduction":0.75},)"
      R"("materials_detail":{"distinct":2,"provided":1,"pledged":0,"deferrable":1},)"
      R"("fields":{"separately":2,"bundled":3,"reduction":-0.5},"fields_prefillable":1,)"
      R"("trips":{"separately":5,"bundled":2,"reduction":0.6},"inspections":{"separately":1,"bundled":1},)"
      R"("items":[{"id":"x","name":"x项","department":"d","promised_days":1.5,"separate_days":2,"statutory_days":10,)"
      R"("steps":5,"trips":3,"materials":2,"fields":1,"inspection":"fire","critical":true},)"
      R"({"id":"y","name":"y项","department":"d2","promised_days":0,"separate_days":0,"statutory_days":0.125,)"
      R"("steps":4,"trips":2,"materials":2,"fields":1,"inspection":null,"critical":false}]})";
  CHECK(analysis::to_json(variant_report()) == expected);
}

TEST_CASE("analysis.paths.json_of_an_empty_report") {
  const std::string expected =
      R"({"bundle":"","name":"","version":"","for_applicant":false,"undecided":[],"errors":[],)"
      R"("days":{"separately":0,"bundled":0,"reduction":0},"critical_path":[],)"
      R"("statutory_days":{"separately":0,"bundled":0,"reduction":0},"statutory_critical_path":[],)"
      R"("steps":{"separately":0,"bundled":0,"reduction":0},"materials":{"separately":0,"bundled":0,"reduction":0},)"
      R"("materials_detail":{"distinct":0,"provided":0,"pledged":0,"deferrable":0},)"
      R"("fields":{"separately":0,"bundled":0,"reduction":0},"fields_prefillable":0,)"
      R"("trips":{"separately":0,"bundled":0,"reduction":0},"inspections":{"separately":0,"bundled":0},"items":[]})";
  CHECK(analysis::to_json(analysis::Report{}) == expected);
}

TEST_CASE("analysis.paths.summary_table_rows") {
  SUBCASE("no report: the header and its rule") {
    const std::string table = analysis::summary_table({});
    CAPTURE(table);
    const auto lines = lines_of(table);
    REQUIRE(lines.size() == 2);
    CHECK(words_of(lines[0]) == std::vector<std::string>{"一件事", "bundle", "items", "depts", "环节", "steps", "材料",
                                                          "materials", "表单", "fields", "时间", "days", "跑动", "trips",
                                                          "time", "saved"});
    // Each column is its widest cell plus two: 15 + 7 + 7 + 12 + 16 + 13 + 11 + 12 + 12.
    CHECK(lines[1] == std::string(105, '-'));
  }
  SUBCASE("one report: departments counted once, a dash for no time to save") {
    analysis::Report r = variant_report();
    r.items.push_back(item("z", "d", 0, 0, 0, 4, 2, "", false));
    r.days = {0, 0};
    const std::string table = analysis::summary_table(std::span(&r, 1));
    CAPTURE(table);
    const auto lines = lines_of(table);
    REQUIRE(lines.size() == 3);
    CHECK(lines[2].find("-") == std::string::npos);
    CHECK(words_of(lines[2]) ==
          std::vector<std::string>{"名", "3", "2", "9→5", "4→1", "2→3", "0→0", "5→2", "—"});
  }
  SUBCASE("three reports: one rule under the header, one above the total") {
    analysis::Report a = variant_report();
    analysis::Report b = variant_report();
    b.name = "乙";
    b.days = {3.25, 1};
    analysis::Report c;
    c.name = "丙";
    const std::vector<analysis::Report> reports{a, b, c};
    const std::string table = analysis::summary_table(reports);
    CAPTURE(table);
    const auto lines = lines_of(table);
    REQUIRE(lines.size() == 7);
    CHECK(lines[1].find_first_not_of('-') == std::string::npos);
    CHECK(lines[5] == lines[1]);
    // Days: 2 + 3.25 + 0 = 5.25 separately (shown to one decimal), 1.5 + 1 + 0 = 2.5 bundled,
    // (5.25 − 2.5) / 5.25 = 52.4 % saved.
    CHECK(words_of(lines[2]) == std::vector<std::string>{"名", "2", "2", "9→5", "4→1", "2→3", "2→1.5", "5→2", "25.0%"});
    CHECK(words_of(lines[3]) == std::vector<std::string>{"乙", "2", "2", "9→5", "4→1", "2→3", "3.2→1", "5→2", "69.2%"});
    CHECK(words_of(lines[4]) == std::vector<std::string>{"丙", "0", "0", "0→0", "0→0", "0→0", "0→0", "0→0", "—"});
    CHECK(words_of(lines[6]) == std::vector<std::string>{"total", "(3", "bundles)", "18→10", "8→2", "4→6", "5.2→2.5",
                                                         "10→4", "52.4%"});
  }
}

TEST_CASE("analysis.paths.a_local_variant_lists_its_changes") {
  // The minimal bundle (first 5wd, then second) and a variant that renames the bundle, renames
  // a department (a plain value: no keys listed) and shortens the second item to 2wd.
  test::TempDir dir;
  std::ofstream(dir.file("base.yaml")) << test::minimal_bundle();
  std::ofstream(dir.file("local.yaml")) << "bundle: mini_local\nversion: \"1-l\"\nname: 最小（本地）\nextends: base.yaml\n"
                                           "departments:\n  dept_b: 丙部门\n"
                                           "items:\n  second:\n    promised: 2wd\n";
  SourceMap sources;
  auto loaded = load_bundle_file(sources, dir.file("local.yaml"));
  REQUIRE_MESSAGE(loaded.bundle, render_text(loaded.diagnostics, sources));
  auto compiled = compile(std::move(*loaded.bundle));
  REQUIRE_MESSAGE(compiled.compiled, render_text(compiled.diagnostics, sources));
  const forms::FormModel model(*compiled.compiled);
  const analysis::Report r = analysis::report(model);
  CHECK(r.base == "mini");
  CHECK(r.base_version == "1");
  CHECK(r.variant_changes ==
        std::vector<std::string>{"~ bundle `mini_local`: name", "~ department `dept_b`", "~ item `second`: promised"});
  // Serial items: 5 + 2 days either way; 4 steps each alone, 4 bundled; the one material and
  // the one question asked twice alone, once bundled.
  CHECK(r.days.separately == doctest::Approx(7));
  CHECK(r.days.bundled == doctest::Approx(7));
  CHECK(r.critical_path == std::vector<std::string>{"first", "second"});
  CHECK(r.statutory_days.bundled == doctest::Approx(20));
  CHECK(r.steps.separately == 8);
  CHECK(r.steps.bundled == 4);
  CHECK(r.materials.separately == 2);
  CHECK(r.materials.bundled == 1);
  CHECK(r.fields.separately == 2);
  CHECK(r.fields.bundled == 1);
  const auto lines = lines_of(analysis::to_text(r));
  REQUIRE(lines.size() > 5);
  CHECK(lines[0] == "四减 report: 最小（本地） (mini_local, version 1-l), every item");
  CHECK(lines[1] == "  local variant of mini (version 1), 3 changes:");
  CHECK(lines[3] == "    ~ department `dept_b`");
  CHECK(analysis::to_json(r).find(R"("variant":{"base":"mini","base_version":"1","changes":["~ bundle `mini_local`: name",)") !=
        std::string::npos);
}
