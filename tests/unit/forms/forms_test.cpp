// The merged form, guided questions, prefill, validation, split per department and the
// material plan, on the bookstore fixture and on small bundles written here.
#include <filesystem>
#include <fstream>
#include <set>

#include <unistd.h>

#include <fmt/format.h>

#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace yishi;
using forms::Applicant;
using forms::FormModel;
using forms::MaterialRequirement;

namespace {

const FormModel& bookstore() {
  static const FormModel model(test::bookstore_bundle());
  return model;
}

std::vector<std::string> ids(const forms::MergedForm& f) {
  std::vector<std::string> out;
  for (const auto& x : f.fields) out.push_back(x.id);
  return out;
}

// The bundle-wide view: every item counts.
Applicant every() {
  Applicant a;
  a.every_item = true;
  return a;
}

bool has(const std::vector<std::string>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

expr::Answers without(expr::Answers a, std::string_view id) {
  std::erase_if(a, [&](const auto& x) { return x.first == id; });
  return a;
}
expr::Answers with(expr::Answers a, std::string id, expr::Answer v) {
  a = without(std::move(a), id);
  a.emplace_back(std::move(id), std::move(v));
  return a;
}

std::string temp_path(std::string_view name) {
  const auto p = fs::temp_directory_path() / fmt::format("yishi-forms-{}-{}", ::getpid(), name);
  fs::remove(p);
  return p.string();
}

}  // namespace

TEST_CASE("forms.merge.each_field_once_with_its_provenance") {
  const auto form = bookstore().merge(every());
  const auto all = ids(form);
  CHECK(std::set<std::string>(all.begin(), all.end()).size() == all.size());
  CHECK(all.size() == 11);  // 10 item questions + `sign.installed`, which a condition reads
  const auto* name = form.find("store.name");
  REQUIRE(name);
  CHECK(name->items == std::vector<std::string>{"business_licence", "fire_check", "publication_permit", "tax_registration"});
  CHECK(name->departments == std::vector<std::string>{"market_regulation", "fire_rescue", "culture", "tax"});
  const auto* phone = form.find("applicant.phone");
  REQUIRE(phone);
  CHECK(phone->sensitive);
  CHECK(phone->departments == std::vector<std::string>{"market_regulation", "fire_rescue"});
}

TEST_CASE("forms.merge.bundle_wide_questions_of_conditional_items_are_not_required") {
  const auto form = bookstore().merge(every());
  CHECK_FALSE(form.find("sign.area_m2")->constraints.required);  // only the sign item asks it
  CHECK(form.find("store.name")->constraints.required);
  CHECK(bookstore().merge(Applicant{}).find("store.name")->constraints.required);
}

TEST_CASE("forms.merge.sections_shared_topics_first_then_each_items_own") {
  const auto form = bookstore().merge(every());
  std::vector<std::string> keys;
  for (const auto& s : form.sections) keys.push_back(s.key);
  CHECK(keys == std::vector<std::string>{"applicant", "store", "sign", "publication_permit", "tax_registration"});
  CHECK(form.sections[3].kind == forms::SectionKind::item);
  CHECK(form.sections[3].title == "出版物零售业务经营许可");
  std::vector<std::string> own;
  for (auto f : form.sections[3].fields) own.push_back(form.fields[f].id);
  CHECK(own == std::vector<std::string>{"manager.name", "publication.categories"});
  // Display order follows the sections.
  std::size_t next = 0;
  for (const auto& s : form.sections)
    for (auto f : s.fields) CHECK(f == next++);
}

TEST_CASE("forms.merge.strictest_of_every_definition") {
  const std::string src = R"(bundle: merge
name: 合并
version: "1"
lead: a
departments: {a: 甲, b: 乙}
fields:
  shop.name: {type: string, label: 名称, max_length: 50, min_length: 2, required: false}
  shop.staff: {type: int, label: 人数, min: 0, max: 100}
materials: {m: 材料}
items:
  one:
    name: 一
    department: a
    form: [shop.name, shop.staff]
    materials: [m]
    statutory: 5wd
    promised: 3wd
  two:
    name: 二
    department: b
    form:
      - {id: shop.name, type: string, label: 名称, max_length: 30, pattern: "^[^0-9]", sensitive: true}
      - {id: shop.staff, type: int, label: 人数, min: 5}
    materials: [m]
    statutory: 5wd
    promised: 3wd
)";
  const FormModel model(test::compile_text(src));
  const auto form = model.merge(Applicant{});
  const auto* name = form.find("shop.name");
  REQUIRE(name);
  CHECK(name->constraints.max_length == 30);
  CHECK(name->constraints.min_length == 2);
  CHECK(name->constraints.required);  // the inline definition requires it
  CHECK(name->sensitive);
  CHECK(name->patterns == std::vector<std::string>{"^[^0-9]"});
  const auto* staff = form.find("shop.staff");
  REQUIRE(staff);
  CHECK(staff->constraints.min == 5);
  CHECK(staff->constraints.max == 100);
  // The merged constraints are the ones validated.
  CHECK(!model.check_answer(*name, std::string("9号店")).empty());
  CHECK(!model.check_answer(*staff, std::int64_t{3}).empty());
  CHECK(model.check_answer(*staff, std::int64_t{5}).empty());
}

TEST_CASE("forms.merge.incompatible_definitions_do_not_compile") {
  SourceMap sources;
  auto r = load_bundle_text(sources, "x.yaml", test::read_file(test::source_dir() + "/tests/golden/check/E4008_ranges_do_not_overlap.yaml"));
  REQUIRE(r.bundle);
  auto c = compile(std::move(*r.bundle));
  CHECK_FALSE(c.compiled);
  REQUIRE(c.diagnostics.error_count() == 1);
  CHECK(c.diagnostics.items()[0].code == DiagCode::incompatible_constraints);
}

TEST_CASE("forms.merge.questions_of_items_that_do_not_apply_are_not_asked") {
  Applicant a;
  a.answers = {{"store.area_m2", 30.0}, {"sign.installed", false}};
  const auto form = bookstore().merge(a);
  CHECK(form.active_items == std::vector<std::string>{"business_licence", "publication_permit", "tax_registration"});
  CHECK(form.undecided_items.empty());
  CHECK(form.next_questions.empty());
  CHECK_FALSE(form.find("sign.area_m2"));
  REQUIRE(form.find("sign.installed"));  // answered, and read by a condition: kept
  CHECK(form.find("sign.installed")->answered);
  CHECK(has(form.remaining, "applicant.phone"));
  CHECK_FALSE(has(form.remaining, "store.area_m2"));
  CHECK_FALSE(form.complete());
}

TEST_CASE("forms.guided.asks_only_what_still_decides_something") {
  const auto first = bookstore().merge(Applicant{});
  CHECK(first.undecided_items == std::vector<std::string>{"fire_check", "outdoor_sign"});
  // Each decides one item: display order (the `store` section comes before `sign`).
  CHECK(first.next_questions == std::vector<std::string>{"store.area_m2", "sign.installed"});
  REQUIRE(first.find("store.area_m2"));
  CHECK(first.find("store.area_m2")->decides == std::vector<std::string>{"fire_check"});
  CHECK_FALSE(first.find("sign.area_m2"));  // only the sign item asks it; it is undecided

  Applicant a;
  a.answers = {{"sign.installed", true}};
  const auto second = bookstore().merge(a);
  CHECK(second.next_questions == std::vector<std::string>{"store.area_m2"});
  CHECK(second.find("sign.area_m2"));
  CHECK(has(second.remaining, "sign.area_m2"));
}

TEST_CASE("forms.guided.short_circuit_skips_questions_that_cannot_matter") {
  const std::string src = R"(bundle: guided
name: 引导
version: "1"
lead: a
departments: {a: 甲}
fields:
  shop.chain: {type: bool, label: 是否连锁}
  shop.outlets: {type: int, label: 门店数}
  shop.name: {type: string, label: 名称}
materials: {m: 材料}
items:
  base:
    name: 基础
    department: a
    form: [shop.name]
    materials: [m]
    statutory: 5wd
    promised: 3wd
  chain_filing:
    name: 连锁备案
    department: a
    when: "shop.chain and shop.outlets > 3"
    form: [shop.name]
    materials: [m]
    statutory: 5wd
    promised: 3wd
)";
  const FormModel model(test::compile_text(src));
  CHECK(model.merge(Applicant{}).next_questions == std::vector<std::string>{"shop.chain", "shop.outlets"});
  Applicant no_chain;
  no_chain.answers = {{"shop.chain", false}};
  const auto form = model.merge(no_chain);
  CHECK(form.next_questions.empty());
  CHECK_FALSE(form.find("shop.outlets"));
  CHECK(form.undecided_items.empty());
}

TEST_CASE("forms.prefill.fills_marks_and_is_not_asked_again") {
  forms::MemoryProvider p;
  p.put("population_registry", "S1", "applicant.name", "王小明");
  p.put("population_registry", "S1", "applicant.id_number", "11010519491231002X");
  p.put("e_licence", "S1", "licence_copy", "91310000MA1FL0000X");
  p.put("e_licence", "S1", "id_proof", "E-ID-1");
  auto pre = forms::prefill(bookstore(), p, "S1", every());
  CHECK(p.calls() == 2);  // one fetch per provider
  CHECK(pre.failures.empty());
  CHECK(pre.prefilled == std::vector<std::string>{"applicant.name", "applicant.id_number"});
  CHECK(pre.provided_materials == std::vector<std::string>{"id_proof", "licence_copy"});
  const auto form = bookstore().merge(pre.applicant);
  REQUIRE(form.find("applicant.name"));
  CHECK(form.find("applicant.name")->prefilled);
  CHECK(form.find("applicant.name")->provider == "population_registry");
  CHECK_FALSE(has(form.remaining, "applicant.name"));
  CHECK_FALSE(has(form.remaining, "applicant.id_number"));
  CHECK(has(form.remaining, "applicant.phone"));
  const auto plan = bookstore().materials(pre.applicant);
  CHECK(plan.find("id_proof")->requirement == MaterialRequirement::provided);
}

TEST_CASE("forms.prefill.keeps_the_applicants_own_answers") {
  forms::MemoryProvider p;
  p.put("population_registry", "S1", "applicant.name", "王小明");
  Applicant a;
  a.answers = {{"applicant.name", std::string("王晓明")}};
  auto pre = forms::prefill(bookstore(), p, "S1", a);
  CHECK(pre.prefilled.empty());
  REQUIRE(pre.applicant.answers.size() == 1);
  CHECK(std::get<std::string>(pre.applicant.answers[0].second) == "王晓明");
}

TEST_CASE("forms.prefill.a_failing_provider_degrades_to_asking") {
  forms::MemoryProvider p;
  p.fail("population_registry", "timeout after 3 s");
  p.fail("e_licence", "connection refused");
  auto pre = forms::prefill(bookstore(), p, "S1", every());
  REQUIRE(pre.failures.size() == 2);
  CHECK(pre.failures[0].provider == "e_licence");
  CHECK(pre.failures[1].message == "timeout after 3 s");
  CHECK(pre.prefilled.empty());
  const auto form = bookstore().merge(pre.applicant);
  CHECK(has(form.remaining, "applicant.name"));
  CHECK(has(form.remaining, "applicant.id_number"));
  const auto plan = bookstore().materials(pre.applicant);
  CHECK(plan.find("licence_copy")->requirement == MaterialRequirement::submit);
  CHECK(plan.find("id_proof")->requirement == MaterialRequirement::submit);
  CHECK(plan.count(MaterialRequirement::provided) == 0);
}

TEST_CASE("forms.prefill.a_value_that_does_not_fit_is_asked_and_not_quoted") {
  forms::MemoryProvider p;
  p.put("population_registry", "S1", "applicant.id_number", "110105194912310021");  // wrong check digit
  p.put("population_registry", "S1", "applicant.name", "王小明");
  auto pre = forms::prefill(bookstore(), p, "S1", Applicant{});
  CHECK(pre.prefilled == std::vector<std::string>{"applicant.name"});
  REQUIRE(pre.notes.size() == 1);
  CHECK(pre.notes[0].find("applicant.id_number") != std::string::npos);
  CHECK(pre.notes[0].find("110105194912310021") == std::string::npos);
}

TEST_CASE("forms.prefill.sqlite_provider_reads_its_table") {
  const auto db = temp_path("providers.db");
  forms::SqliteProvider::put(db, "population_registry", "S1", "applicant.name", "王小明");
  forms::SqliteProvider::put(db, "population_registry", "S1", "applicant.name", "王小明");  // replaced, not doubled
  forms::SqliteProvider::put(db, "population_registry", "S2", "applicant.name", "别人");
  forms::SqliteProvider::put(db, "e_licence", "S1", "licence_copy", "91310000MA1FL0000X");
  forms::SqliteProvider provider(db);
  auto pre = forms::prefill(bookstore(), provider, "S1", every());
  CHECK(pre.failures.empty());
  CHECK(pre.prefilled == std::vector<std::string>{"applicant.name"});
  CHECK(std::get<std::string>(pre.applicant.answers.at(0).second) == "王小明");
  CHECK(pre.provided_materials == std::vector<std::string>{"licence_copy"});
  CHECK(has(pre.applicant.unavailable, "id_proof"));  // the provider holds no such document
  fs::remove(db);
}

TEST_CASE("forms.prefill.sqlite_provider_failures_never_block") {
  SUBCASE("missing file") {
    forms::SqliteProvider provider(temp_path("absent.db"));
    auto pre = forms::prefill(bookstore(), provider, "S1", Applicant{});
    CHECK(pre.failures.size() == 2);
    CHECK(pre.failures[0].message.find("cannot open") != std::string::npos);
  }
  SUBCASE("not a database") {
    const auto path = temp_path("garbage.db");
    std::ofstream(path, std::ios::binary) << std::string(4096, '\x5a');
    forms::SqliteProvider provider(path);
    auto pre = forms::prefill(bookstore(), provider, "S1", Applicant{});
    CHECK(pre.failures.size() == 2);
    CHECK(test::read_file(path) == std::string(4096, '\x5a'));  // left untouched
    fs::remove(path);
  }
  SUBCASE("a database without the table") {
    const auto path = temp_path("empty.db");
    std::ofstream(path, std::ios::binary).flush();  // an empty file is an empty SQLite database
    forms::SqliteProvider provider(path);
    auto pre = forms::prefill(bookstore(), provider, "S1", Applicant{});
    CHECK(pre.failures.size() == 2);
    CHECK(pre.failures[0].message.find("not a provider database") != std::string::npos);
    fs::remove(path);
  }
}

TEST_CASE("forms.accept.splits_exactly_what_each_department_declared") {
  Applicant a;
  a.answers = test::bookstore_small_shop();
  const auto s = bookstore().accept(a);
  REQUIRE_MESSAGE(s.accepted(), (s.errors.empty() ? std::string() : s.errors[0].message));
  std::vector<std::string> departments;
  for (const auto& p : s.payloads) departments.push_back(p.department);
  CHECK(departments == std::vector<std::string>{"market_regulation", "culture", "tax"});
  const ir::Bundle& b = bookstore().compiled().bundle();
  for (const auto& p : s.payloads) {
    std::set<std::string> declared;
    for (const auto& item : p.items)
      for (const auto& fe : b.find_item(item)->form) declared.insert(fe.field.id);
    std::set<std::string> sent;
    for (const auto& [id, v] : p.answers) sent.insert(id);
    CHECK_MESSAGE(sent == declared, p.department);  // exactly its fields, no more, no less
  }
  const auto& tax = s.payloads[2];
  CHECK(tax.items == std::vector<std::string>{"tax_registration"});
  // Personal data goes only where it was declared: the phone only to market regulation.
  for (const auto& p : s.payloads) {
    const bool phone = std::any_of(p.answers.begin(), p.answers.end(), [](const auto& x) { return x.first == "applicant.phone"; });
    CHECK(phone == (p.department == "market_regulation"));
  }
  // `sign.installed` decided which items apply; no department asked for it.
  for (const auto& p : s.payloads)
    for (const auto& [id, v] : p.answers) CHECK(id != "sign.installed");
}

TEST_CASE("forms.accept.reports_every_violation_and_accepts_nothing") {
  Applicant a;
  a.answers = test::bookstore_small_shop();
  a.answers = with(a.answers, "store.area_m2", 0.0);                                   // below min 1
  a.answers = with(a.answers, "applicant.id_number", std::string("110105194912310021")); // bad check digit
  a.answers = with(a.answers, "applicant.phone", std::string("12345"));
  a.answers = with(a.answers, "store.name", std::string(60, 'x'));                     // over 50
  a.answers = with(a.answers, "publication.categories", std::vector<std::string>{"books", "books"});
  a.answers = without(a.answers, "manager.name");                                      // required
  a.answers.emplace_back("sign.area_m2", 3.0);                                         // no sign item
  a.answers.emplace_back("shop.colour", std::string("red"));                           // no such field
  const auto s = bookstore().accept(a);
  CHECK_FALSE(s.accepted());
  CHECK(s.payloads.empty());
  std::set<std::string> fields;
  for (const auto& e : s.errors) fields.insert(e.field);
  CHECK(fields == std::set<std::string>{"store.area_m2", "applicant.id_number", "applicant.phone", "store.name",
                                        "publication.categories", "manager.name", "sign.area_m2", "shop.colour"});
  for (const auto& e : s.errors) {
    CHECK(e.message.find("110105194912310021") == std::string::npos);
    CHECK(e.message.find("12345") == std::string::npos);
  }
}

TEST_CASE("forms.accept.undecided_or_ineligible_is_not_accepted") {
  Applicant a;
  a.answers = without(test::bookstore_small_shop(), "sign.installed");
  const auto s = bookstore().accept(a);
  CHECK_FALSE(s.accepted());
  REQUIRE_FALSE(s.errors.empty());
  CHECK(std::any_of(s.errors.begin(), s.errors.end(),
                    [](const forms::FieldError& e) { return e.message.find("`outdoor_sign`") != std::string::npos; }));
}

TEST_CASE("forms.answers.formats_of_phone_and_id_card") {
  const auto& m = bookstore();
  const auto& phone = *m.field("applicant.phone");
  CHECK(m.check_answer(phone, std::string("13812345678")).empty());
  CHECK(m.check_answer(phone, std::string("021-63212345")).empty());
  CHECK_FALSE(m.check_answer(phone, std::string("23812345678")).empty());
  const auto& id = *m.field("applicant.id_number");
  CHECK(m.check_answer(id, std::string("11010519491231002X")).empty());
  CHECK_FALSE(m.check_answer(id, std::string("11010519491331002X")).empty());  // month 13
  CHECK_FALSE(m.check_answer(id, std::int64_t{1}).empty());
  const auto& area = *m.field("store.area_m2");
  CHECK(forms::parse_answer(area, "12.5"));
  CHECK_FALSE(forms::parse_answer(area, "twelve"));
  const auto& cats = *m.field("publication.categories");
  auto parsed = forms::parse_answer(cats, "books,audio_video");
  REQUIRE(parsed);
  CHECK(std::get<std::vector<std::string>>(*parsed) == std::vector<std::string>{"books", "audio_video"});
  const auto wrong = m.check_answer(cats, std::vector<std::string>{"comics"});
  REQUIRE(wrong.size() == 1);
  CHECK(wrong[0].message == "field `publication.categories` takes only its listed values (books, periodicals, audio_video)");
  CHECK_FALSE(forms::parse_answer(*m.field("store.area_m2"), ""));
  CHECK(m.check_answer(*m.field("store.area_m2"), std::string("12")).at(0).message == "field `store.area_m2` needs a number");
}

TEST_CASE("forms.materials.once_each_with_what_the_applicant_does") {
  const auto plan = bookstore().materials(every());
  CHECK(plan.errors.empty());
  CHECK(plan.requested_separately == 13);
  CHECK(plan.materials.size() == 8);
  const auto* premises = plan.find("premises_proof");
  REQUIRE(premises);
  CHECK(premises->core);
  CHECK(premises->requirement == MaterialRequirement::submit);
  CHECK(premises->items == std::vector<std::string>{"business_licence", "fire_check", "publication_permit", "outdoor_sign"});
  const auto* fire = plan.find("fire_plan");
  REQUIRE(fire);
  CHECK(fire->requirement == MaterialRequirement::deferrable);
  CHECK(fire->deadline == ir::WorkDuration{3, 0});
  const auto* floor = plan.find("floor_plan");
  CHECK(floor->pledgeable);
  CHECK(floor->requirement == MaterialRequirement::submit);
  CHECK(plan.count(MaterialRequirement::provided) == 2);
}

TEST_CASE("forms.materials.pledges_replace_pledge_materials_of_pledged_items") {
  Applicant a = every();
  a.pledged = {"publication_permit"};
  const auto plan = bookstore().materials(a);
  CHECK(plan.find("floor_plan")->requirement == MaterialRequirement::pledged);
  CHECK(plan.find("premises_proof")->requirement == MaterialRequirement::submit);  // not a pledge material
  a.pledged = {"tax_registration", "no_such_item"};
  const auto bad = bookstore().materials(a);
  REQUIRE(bad.errors.size() == 2);
  CHECK(bad.errors[0].find("does not allow a pledge") != std::string::npos);
  CHECK(bad.find("floor_plan")->requirement == MaterialRequirement::submit);
}

TEST_CASE("forms.materials.only_for_items_that_apply") {
  Applicant a;
  a.answers = {{"store.area_m2", 30.0}, {"sign.installed", false}};
  const auto plan = bookstore().materials(a);
  CHECK_FALSE(plan.find("sign_design"));
  CHECK_FALSE(plan.find("fire_plan"));
  CHECK(plan.find("premises_proof")->items == std::vector<std::string>{"business_licence", "publication_permit"});
  const auto undecided = bookstore().materials(Applicant{});
  CHECK(undecided.undecided_items == std::vector<std::string>{"fire_check", "outdoor_sign"});
}
