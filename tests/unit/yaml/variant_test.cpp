// Local variants (`extends:`): a YAML bundle that adds, overrides and removes entries of a
// base bundle in YAML or the DSL; located errors in both files; what the report shows.
#include <doctest/doctest.h>

#include <fstream>

#include "test_support.hpp"

using namespace yishi;

namespace {

struct Loaded {
  SourceMap sources;
  ir::LoadResult result;
  [[nodiscard]] std::string text() const { return render_text(result.diagnostics, sources); }
  [[nodiscard]] const std::string& file_of(const SourceSpan& s) const { return sources.file(s.source).name(); }
};

std::unique_ptr<Loaded> load(const std::string& path) {
  auto l = std::make_unique<Loaded>();
  l->result = load_bundle_file(l->sources, path);
  return l;
}

ir::Bundle base_of(const std::string& rel) {
  SourceMap sources;
  auto r = load_bundle_file(sources, test::source_dir() + "/" + rel);
  REQUIRE(r.bundle);
  return *r.bundle;
}

const ir::Item& item(const ir::Bundle& b, std::string_view id) {
  for (const auto& it : b.items)
    if (it.id == id) return it;
  FAIL("no item ", id);
  return b.items.front();
}

void write(const test::TempDir& dir, const std::string& name, const std::string& text) {
  std::ofstream(dir.file(name)) << text;
}

}  // namespace

TEST_CASE("yaml.variant.adds_overrides_and_removes_entries_of_its_base") {
  auto l = load(test::source_dir() + "/bundles/local/open_restaurant_sichuan.yaml");
  REQUIRE_MESSAGE(l->result.bundle, l->text());
  const ir::Bundle& v = *l->result.bundle;
  const ir::Bundle base = base_of("bundles/national/open_restaurant.yaml");
  CHECK(v.id == "open_restaurant_sichuan");
  CHECK(v.version == "2024.1-sc");
  CHECK(v.lead.id == base.lead.id);  // what the variant does not say comes from the base
  CHECK(v.items.size() == base.items.size() + 2);
  CHECK(v.find_material("health_certificates") == nullptr);
  CHECK(v.find_material("tobacco_licence_application") != nullptr);
  // an override changes only the keys it gives
  const ir::Item& food = item(v, "food_licence");
  const ir::Item& food_base = item(base, "food_licence");
  CHECK(food.materials.size() == 3);
  CHECK(food.name == food_base.name);
  CHECK(food.promised == food_base.promised);
  CHECK(food.review == food_base.review);
  CHECK(food.form == food_base.form);
  // items the variant does not mention are the base's
  CHECK(item(v, "fire_check") == item(base, "fire_check"));
  // every value keeps where it was written: the base file or the variant
  CHECK(l->file_of(item(v, "tobacco_retail_licence").loc.span).ends_with("bundles/local/open_restaurant_sichuan.yaml"));
  CHECK(l->file_of(food.loc.span).ends_with("bundles/national/open_restaurant.yaml"));
  CHECK(l->file_of(food.materials[0].material.loc.span).ends_with("bundles/local/open_restaurant_sichuan.yaml"));
  CHECK(l->file_of(food.promised_loc.span).ends_with("bundles/national/open_restaurant.yaml"));
  // the loader recorded what the variant changes
  const ir::Provenance& p = v.provenance;
  CHECK(p.is_variant());
  CHECK(p.base_id == "open_restaurant");
  CHECK(p.base_version == "2024.1");
  std::vector<std::string> changes;
  for (const auto& c : p.changes)
    changes.push_back(std::string(c.kind == ir::VariantChange::Kind::added     ? "+"
                                  : c.kind == ir::VariantChange::Kind::removed ? "-"
                                                                               : "~") +
                      c.what + " " + c.id);
  CHECK(changes == std::vector<std::string>{"~bundle open_restaurant_sichuan", "+department tobacco_monopoly",
                                            "+department health_commission", "+field staff.count",
                                            "+material tobacco_licence_application", "+material staff_id_documents",
                                            "~item food_licence", "+item tobacco_retail_licence",
                                            "+item staff_health_check", "-material health_certificates"});
  // it checks and compiles clean, and its report lists the changes
  CHECK(check(v).items().empty());
  auto compiled = compile(v);
  REQUIRE(compiled.compiled);
  const auto report = analysis::report(forms::FormModel(*compiled.compiled));
  CHECK(report.base == "open_restaurant");
  CHECK(report.variant_changes.size() == 10);
  CHECK(analysis::to_text(report).find("local variant of open_restaurant (version 2024.1), 10 changes") !=
        std::string::npos);
  CHECK(analysis::to_json(report).find(R"("variant":{"base":"open_restaurant")") != std::string::npos);
}

TEST_CASE("yaml.variant.of_a_dsl_base_and_equal_to_the_bundle_it_amounts_to") {
  auto l = load(test::source_dir() + "/bundles/local/newborn_birth_guangdong.yaml");
  REQUIRE_MESSAGE(l->result.bundle, l->text());
  const ir::Bundle& v = *l->result.bundle;
  const ir::Bundle base = base_of("bundles/national/newborn_birth.yi");
  CHECK(item(v, "maternity_allowance").promised == ir::WorkDuration{4, 0});
  CHECK(item(base, "maternity_allowance").promised == ir::WorkDuration{10, 0});
  CHECK(item(v, "birth_certificate") == item(base, "birth_certificate"));
  // 5 working days for the whole bundle [S20]
  auto compiled = compile(v);
  REQUIRE(compiled.compiled);
  CHECK(analysis::report(forms::FormModel(*compiled.compiled)).days.bundled == doctest::Approx(5));
  // printed, a variant is the complete bundle; loaded back it is equal (provenance aside)
  SourceMap sources;
  auto again = yaml::load_text(sources, "printed.yaml", yaml::print(v));
  REQUIRE_MESSAGE(again.bundle, render_text(again.diagnostics, sources));
  CHECK(*again.bundle == v);
  CHECK_FALSE(again.bundle->provenance.is_variant());
}

TEST_CASE("yaml.variant.errors_are_located_in_the_variant_or_the_base") {
  test::TempDir dir;
  write(dir, "base.yaml", test::minimal_bundle());
  SUBCASE("a base that cannot be read") {
    write(dir, "v.yaml", "bundle: v\nversion: \"2\"\nextends: nowhere.yaml\n");
    auto l = load(dir.file("v.yaml"));
    CHECK_FALSE(l->result.bundle);
    CHECK(l->text().find("v.yaml:3:10: error[E1000]: the base bundle `nowhere.yaml` does not load") != std::string::npos);
  }
  SUBCASE("a base with errors: reported in the base file") {
    write(dir, "broken.yaml", test::replace(test::minimal_bundle(), "lead: dept_a", "lead: [dept_a"));
    write(dir, "v.yaml", "bundle: v\nversion: \"2\"\nextends: broken.yaml\n");
    auto l = load(dir.file("v.yaml"));
    CHECK_FALSE(l->result.bundle);
    CHECK(l->text().find("broken.yaml:") != std::string::npos);
    CHECK(l->text().find("error[E1001]") != std::string::npos);
  }
  SUBCASE("a variant that extends itself through another") {
    write(dir, "a.yaml", "bundle: a\nversion: \"1\"\nextends: b.yaml\n");
    write(dir, "b.yaml", "bundle: b\nversion: \"1\"\nextends: a.yaml\n");
    auto l = load(dir.file("a.yaml"));
    CHECK_FALSE(l->result.bundle);
    CHECK(l->text().find("extends itself") != std::string::npos);
  }
  SUBCASE("an override that names nothing: a misspelt id") {
    write(dir, "v.yaml", "bundle: v\nversion: \"2\"\nextends: base.yaml\nitems:\n  secnd:\n    promised: 3wd\n");
    auto l = load(dir.file("v.yaml"));
    CHECK_FALSE(l->result.bundle);
    CHECK(l->text().find("v.yaml:5:3: error[E1013]: the base has no item `secnd` to override") != std::string::npos);
    CHECK(l->text().find("did you mean `second`?") != std::string::npos);
  }
  SUBCASE("a new item must be complete") {
    write(dir, "v.yaml", "bundle: v\nversion: \"2\"\nextends: base.yaml\nitems:\n  third:\n    name: 第三项\n");
    auto l = load(dir.file("v.yaml"));
    CHECK_FALSE(l->result.bundle);
    CHECK(l->text().find("error[E1007]: missing required key `department` in item `third`") != std::string::npos);
  }
  SUBCASE("an unknown key in an override") {
    write(dir, "v.yaml", "bundle: v\nversion: \"2\"\nextends: base.yaml\nitems:\n  second:\n    promisd: 3wd\n");
    auto l = load(dir.file("v.yaml"));
    CHECK(l->text().find("error[E1005]: unknown key `promisd`") != std::string::npos);
    CHECK(l->text().find("did you mean `promised`?") != std::string::npos);
  }
  SUBCASE("the text loader of YAML alone has no bases") {
    SourceMap sources;
    auto r = yaml::load_text(sources, "v.yaml", "bundle: v\nversion: \"2\"\nextends: base.yaml\n");
    CHECK_FALSE(r.bundle);
    CHECK(render_text(r.diagnostics, sources).find("`extends` is not available here") != std::string::npos);
  }
  SUBCASE("an override and a removal together") {
    write(dir, "v.yaml",
          "bundle: v\nversion: \"2\"\nextends: base.yaml\nitems:\n  second:\n    after: []\n    promised: 2wd\n"
          "remove:\n  items: [first]\n  departments: [dept_a]\n");
    auto l = load(dir.file("v.yaml"));
    // dept_a is still the lead (base file): the removal is refused with both places named
    CHECK_FALSE(l->result.bundle);
    const std::string t = l->text();
    CHECK(t.find("error[E1014]: department `dept_a` is removed but still used") != std::string::npos);
    CHECK(t.find("base.yaml:4:7") != std::string::npos);
  }
}
