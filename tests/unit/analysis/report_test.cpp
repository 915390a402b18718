// The critical path on hand-computed graphs and the 四减 report, including the bookstore
// reproduction (45.5 working days separately, 15 bundled).
#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;

namespace {

struct Node {
  std::string id;
  std::string promised;
  std::vector<std::string> after;
};

// A bundle whose items form the given graph; every item is handled by one department.
CompiledBundle graph(const std::vector<Node>& nodes) {
  std::string s = "bundle: g\nname: 图\nversion: \"1\"\nlead: d\ndepartments: {d: 部门}\nmaterials: {m: 材料}\nitems:\n";
  for (const auto& n : nodes) {
    s += fmt::format("  {}:\n    name: {}\n    department: d\n    materials: [m]\n    statutory: 20wd\n    promised: {}\n",
                     n.id, n.id, n.promised);
    if (!n.after.empty()) s += fmt::format("    after: [{}]\n", fmt::join(n.after, ", "));
  }
  return test::compile_text(s);
}

std::vector<std::int64_t> promised_hours(const CompiledBundle& cb) {
  std::vector<std::int64_t> h;
  for (const auto& it : cb.bundle().items) h.push_back(it.promised.days * 8 + it.promised.hours);
  return h;
}

std::vector<std::string> names(const CompiledBundle& cb, const analysis::CriticalPath& p) {
  std::vector<std::string> out;
  for (auto i : p.items) out.push_back(cb.bundle().items[i].id);
  return out;
}

const forms::FormModel& bookstore() {
  static const forms::FormModel model(test::bookstore_bundle());
  return model;
}

}  // namespace

TEST_CASE("analysis.critical_path.diamond_takes_the_longer_branch") {
  const auto cb = graph({{"a", "2wd", {}}, {"b", "5wd", {"a"}}, {"c", "3wd", {"a"}}, {"d", "1wd", {"b", "c"}}});
  const auto p = analysis::critical_path(cb, promised_hours(cb));
  CHECK(p.hours == 8 * 8);
  CHECK(names(cb, p) == std::vector<std::string>{"a", "b", "d"});
}

TEST_CASE("analysis.critical_path.equal_branches_prefer_the_earlier_item") {
  const auto cb = graph({{"a", "1wd", {}}, {"b", "3wd", {"a"}}, {"c", "3wd", {"a"}}, {"d", "1wd", {"c", "b"}}});
  const auto p = analysis::critical_path(cb, promised_hours(cb));
  CHECK(p.hours == 5 * 8);
  CHECK(names(cb, p) == std::vector<std::string>{"a", "b", "d"});
}

TEST_CASE("analysis.critical_path.long_serial_chain") {
  std::vector<Node> nodes;
  for (int k = 0; k < 60; ++k)
    nodes.push_back({fmt::format("s{}", k), k % 2 ? "1wd" : "4wh", k ? std::vector<std::string>{fmt::format("s{}", k - 1)}
                                                                     : std::vector<std::string>{}});
  const auto cb = graph(nodes);
  const auto p = analysis::critical_path(cb, promised_hours(cb));
  CHECK(p.hours == 30 * 8 + 30 * 4);  // 30 items of 1wd, 30 of half a day
  REQUIRE(p.items.size() == 60);
  CHECK(names(cb, p).front() == "s0");
  CHECK(names(cb, p).back() == "s59");
}

TEST_CASE("analysis.critical_path.independent_items_and_zero_durations") {
  const auto cb = graph({{"a", "0wd", {}}, {"b", "2wd", {}}, {"c", "1wd4wh", {"a"}}});
  const auto p = analysis::critical_path(cb, promised_hours(cb));
  CHECK(p.hours == 16);
  CHECK(names(cb, p) == std::vector<std::string>{"b"});
  std::vector<std::int64_t> none(3, 0);
  CHECK(analysis::critical_path(cb, none).hours == 0);
}

TEST_CASE("analysis.report.reproduces_the_bookstore_bundle") {
  const auto r = analysis::report(bookstore());
  CHECK_FALSE(r.for_applicant);
  CHECK(r.items.size() == 5);
  CHECK(r.days.separately == doctest::Approx(45.5));
  CHECK(r.days.bundled == doctest::Approx(15));
  CHECK(r.critical_path == std::vector<std::string>{"business_licence", "fire_check", "publication_permit"});
  CHECK(r.statutory_days.separately == doctest::Approx(60));
  CHECK(r.statutory_days.bundled == doctest::Approx(45));
  CHECK(r.steps.separately == 22);
  CHECK(r.steps.bundled == 5);  // apply, accept, review, issue, and the joint inspection once
  CHECK(r.materials.separately == 13);
  CHECK(r.materials.bundled == 6);
  CHECK(r.materials_distinct == 8);
  CHECK(r.materials_provided == 2);
  CHECK(r.materials_deferrable == 2);
  CHECK(r.fields.separately == 20);
  CHECK(r.fields.bundled == 11);
  CHECK(r.fields_prefillable == 2);
  CHECK(r.trips.separately == 11);
  CHECK(r.trips.bundled == 2);
  CHECK(r.inspections_separately == 2);
  CHECK(r.inspections_bundled == 1);
  CHECK(r.days.reduction() == doctest::Approx((45.5 - 15) / 45.5));
  const std::string text = analysis::to_text(r);
  CHECK(text.find("45.5") != std::string::npos);
  CHECK(text.find("business_licence → fire_check → publication_permit") != std::string::npos);
  const std::string json = analysis::to_json(r);
  CHECK(json.find(R"("days":{"separately":45.5,"bundled":15,)") != std::string::npos);
}

TEST_CASE("analysis.report.for_an_applicant_counts_the_items_that_apply") {
  forms::Applicant a;
  a.answers = {{"store.area_m2", 30.0}, {"sign.installed", false}};
  const auto r = analysis::report(bookstore(), a);
  CHECK(r.for_applicant);
  CHECK(r.items.size() == 3);
  CHECK(r.days.separately == doctest::Approx(28));  // 3 + 20 + 5
  // The permit waits for the fire check, which does not apply: it follows the licence directly.
  CHECK(r.critical_path == std::vector<std::string>{"business_licence", "publication_permit"});
  CHECK(r.days.bundled == doctest::Approx(11));
  CHECK(r.materials_pledged == 0);
  CHECK(r.inspections_bundled == 1);
  CHECK(r.trips.bundled == 2);
  CHECK(r.errors.empty());
}

TEST_CASE("analysis.report.a_pledged_item_is_approved_on_the_spot") {
  forms::Applicant a;
  a.answers = {{"store.area_m2", 30.0}, {"sign.installed", false}};
  a.pledged = {"publication_permit"};
  const auto r = analysis::report(bookstore(), a);
  CHECK(r.materials_pledged == 1);                   // the floor plan
  CHECK(r.days.separately == doctest::Approx(8));    // 3 + 0 + 5
  CHECK(r.days.bundled == doctest::Approx(2));       // licence, then tax registration
  CHECK(r.critical_path == std::vector<std::string>{"business_licence", "tax_registration"});
  CHECK(r.statutory_days.bundled == doctest::Approx(35));  // statutory limits do not change
  a.pledged = {"tax_registration"};
  CHECK(analysis::report(bookstore(), a).errors ==
        std::vector<std::string>{"item `tax_registration` does not allow a pledge (告知承诺)"});
}

TEST_CASE("analysis.report.one_item_bundle_saves_nothing") {
  const auto cb = graph({{"only", "5wd", {}}});
  const auto r = analysis::report(forms::FormModel(cb));
  CHECK(r.steps.separately == r.steps.bundled);
}

TEST_CASE("analysis.report.working_hours_are_exact") {
  const auto cb = graph({{"a", "1wh", {}}, {"b", "1wd1wh", {"a"}}});
  const auto r = analysis::report(forms::FormModel(cb));
  CHECK(r.days.bundled == doctest::Approx(1.25));
  CHECK(analysis::to_json(r).find(R"("days":{"separately":1.25,"bundled":1.25,)") != std::string::npos);
  CHECK(analysis::to_text(r).find("a → b") != std::string::npos);
}

TEST_CASE("analysis.report.undecided_items_are_left_out_and_listed") {
  const auto r = analysis::report(bookstore(), forms::Applicant{});
  CHECK(r.undecided == std::vector<std::string>{"fire_check", "outdoor_sign"});
  CHECK(r.items.size() == 3);
  CHECK(analysis::to_text(r).find("left out, undecided: fire_check, outdoor_sign") != std::string::npos);
}

TEST_CASE("analysis.report.defaults_claim_no_saving_that_was_not_declared") {
  // Without `separately`, an item's own limit is its promised one and its channels the
  // bundle's: a one-item bundle saves nothing.
  const auto cb = graph({{"only", "5wd", {}}});
  const forms::FormModel model(cb);
  const auto r = analysis::report(model);
  CHECK(r.days.separately == r.days.bundled);
  CHECK(r.trips.separately == r.trips.bundled);
  CHECK(r.materials.separately == r.materials.bundled);
  CHECK(r.fields.separately == r.fields.bundled);
}

TEST_CASE("report.summary_table_has_a_row_per_bundle_and_a_total") {
  const forms::FormModel model(test::bookstore_bundle());
  const analysis::Report r = analysis::report(model);
  const std::vector<analysis::Report> two{r, r};
  const std::string table = analysis::summary_table(two);
  CAPTURE(table);
  // Header, rule, two rows, rule, total.
  CHECK(std::count(table.begin(), table.end(), '\n') == 6);
  CHECK(table.find(fmt::format("{}→{}", r.steps.separately, r.steps.bundled)) != std::string::npos);
  CHECK(table.find(fmt::format("total (2 bundles)")) != std::string::npos);
  CHECK(table.find(fmt::format("{}→{}", 2 * r.steps.separately, 2 * r.steps.bundled)) != std::string::npos);
  // One bundle: no total row.
  const std::string one = analysis::summary_table(std::span(&r, 1));
  CHECK(one.find("total") == std::string::npos);
  CHECK(std::count(one.begin(), one.end(), '\n') == 3);
}
