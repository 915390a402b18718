// Answers of each type against each constraint, submissions, eligibility, material precedence and provider prefill paths.
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <sqlite3.h>

#include "test_support.hpp"

using namespace yishi;
using forms::Applicant;
using forms::FieldError;
using forms::FormModel;
using forms::MaterialRequirement;

namespace {

const char* const paths_bundle = R"(bundle: fpaths
name: 表单路径
version: "1"
lead: a
departments: {a: 甲, b: 乙}
fields:
  applicant.age: {type: int, label: 年龄, min: 0, max: 150, source: population}
  applicant.phone: {type: phone, label: 电话}
  applicant.id: {type: id_card, label: 身份证, source: population}
  shop.count: {type: int, label: 人数, min: 1, max: 10}
  shop.area: {type: decimal, label: 面积, min: 0.5, max: 99.5}
  shop.open: {type: bool, label: 营业, source: registry}
  shop.since: {type: date, label: 开业日期, source: registry}
  shop.kind: {type: enum, label: 类型, values: [food, book]}
  shop.tags: {type: enum, label: 标签, values: [x, y, z], multiple: true, source: registry}
  shop.code: {type: string, label: 代码, min_length: 2, max_length: 4, pattern: "^[a-z]+$"}
  shop.note: {type: string, label: 备注, min_length: 2, required: false}
  shop.photo: {type: attachment, label: 照片}
  shop.addr: {type: address, label: 地址}
  sign.size: {type: decimal, label: 招牌面积}
materials:
  m_form: 申请表
  m_licence: {name: 营业执照, source: e_licence}
  m_rules: {name: 管理制度, deferrable: 3wd}
  m_plan: {name: 平面图, pledge: true}
  m_photo: {name: 照片, pledge: true, deferrable: 2wd}
situations:
  big: {label: 大型, when: "shop.area >= 50"}
eligibility:
  - when: "applicant.age >= 18"
    label: 须成年
  - "shop.count <= 5"
items:
  base:
    name: 基础
    department: a
    pledge: true
    form: [applicant.age, applicant.phone, applicant.id, shop.count, shop.area, shop.open, shop.since, shop.kind,
           shop.tags, shop.code, shop.note, shop.photo, shop.addr]
    materials: [{id: m_form, core: true}, m_licence, m_rules, m_plan, m_photo]
    statutory: 10wd
    promised: 5wd
  large:
    name: 大型
    department: b
    when: big
    form: [shop.area, sign.size]
    materials: [m_plan, m_photo, m_licence]
    statutory: 10wd
    promised: 5wd
)";

const FormModel& model() {
  static const FormModel m(test::compile_text(paths_bundle));
  return m;
}

const forms::FormField& def(std::string_view id) {
  const auto* f = model().field(id);
  REQUIRE(f);
  return *f;
}

std::vector<std::string> messages(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.message);
  return out;
}

// A complete, valid submission of a small shop (the `large` item does not apply).
expr::Answers small_shop() {
  return {{"applicant.age", std::int64_t{30}},
          {"applicant.phone", std::string("13812345678")},
          {"applicant.id", std::string("11010519491231002X")},
          {"shop.count", std::int64_t{3}},
          {"shop.area", 20.0},
          {"shop.open", true},
          {"shop.since", std::string("2024-02-29")},
          {"shop.kind", std::string("food")},
          {"shop.tags", std::vector<std::string>{"x", "z"}},
          {"shop.code", std::string("ab")},
          {"shop.photo", std::string("photo.jpg")},
          {"shop.addr", std::string("上海市黄浦区新华路1号")}};
}

expr::Answers with(expr::Answers a, const std::string& id, std::optional<expr::Answer> v) {
  std::erase_if(a, [&](const auto& x) { return x.first == id; });
  if (v) a.emplace_back(id, std::move(*v));
  return a;
}

// Throws something that is not a std::exception.
class OddProvider final : public forms::DataProvider {
 public:
  std::vector<std::pair<std::string, std::string>> fetch(std::string_view, std::string_view,
                                                          std::span<const std::string>) override {
    throw 42;
  }
};

}  // namespace

TEST_CASE("forms.paths.check_answer_of_each_type_against_each_constraint") {
  struct Row {
    std::string_view field;
    expr::Answer answer;
    std::vector<std::string> expected;
  };
  const std::vector<Row> rows = {
      // whole numbers
      {"shop.count", std::int64_t{5}, {}},
      {"shop.count", std::int64_t{0}, {"field `shop.count` must be at least 1"}},
      {"shop.count", std::int64_t{11}, {"field `shop.count` must be at most 10"}},
      {"shop.count", 2.5, {"field `shop.count` needs a whole number"}},
      {"shop.count", std::string("3"), {"field `shop.count` needs a whole number"}},
      // decimals, also answered with a whole number
      {"shop.area", 0.25, {"field `shop.area` must be at least 0.5"}},
      {"shop.area", std::int64_t{100}, {"field `shop.area` must be at most 99.5"}},
      {"shop.area", std::int64_t{50}, {}},
      {"shop.area", true, {"field `shop.area` needs a number"}},
      // yes/no, dates
      {"shop.open", std::string("yes"), {"field `shop.open` needs yes or no"}},
      {"shop.open", false, {}},
      {"shop.since", std::int64_t{20240101}, {"field `shop.since` needs a date written YYYY-MM-DD"}},
      {"shop.since", std::string("2024-02-30"), {"field `shop.since` needs a date written YYYY-MM-DD"}},
      {"shop.since", std::string("2024-02-29"), {}},
      // enumerations, single and multiple
      {"shop.kind", std::string("toys"), {"field `shop.kind` takes only its listed values (food, book)"}},
      {"shop.kind", std::vector<std::string>{"food"}, {"field `shop.kind` needs one of its values"}},
      {"shop.kind", std::int64_t{1}, {"field `shop.kind` needs one of its values"}},
      {"shop.kind", std::string("book"), {}},
      {"shop.tags", std::string("x"), {"field `shop.tags` needs a list of its values"}},
      {"shop.tags", std::vector<std::string>{"w"}, {"field `shop.tags` takes only its listed values (x, y, z)"}},
      {"shop.tags", std::vector<std::string>{}, {"field `shop.tags` is required: choose at least one value"}},
      {"shop.tags", std::vector<std::string>{"y", "y"}, {"field `shop.tags` lists a value twice"}},
      {"shop.tags", std::vector<std::string>{"y", "x"}, {}},
      // texts: emptiness, lengths in code points, patterns
      {"shop.code", std::string(" \t"), {"field `shop.code` is required: the answer is empty"}},
      {"shop.code", std::string("a"), {"field `shop.code` needs at least 2 characters"}},
      {"shop.code", std::string("abcde"), {"field `shop.code` allows at most 4 characters"}},
      {"shop.code", std::string("AB"), {"field `shop.code` does not have the required format"}},
      {"shop.code", std::string("A"),
       {"field `shop.code` needs at least 2 characters", "field `shop.code` does not have the required format"}},
      {"shop.code", std::string("中文字"), {"field `shop.code` does not have the required format"}},
      {"shop.code", 1.0, {"field `shop.code` needs a text"}},
      {"shop.note", std::string(""), {"field `shop.note` needs at least 2 characters"}},  // optional, still too short
      {"shop.note", std::string("好的"), {}},
      {"shop.photo", std::string("\r\n"), {"field `shop.photo` is required: the answer is empty"}},
      {"shop.photo", std::string("a.png"), {}},
      {"shop.addr", false, {"field `shop.addr` needs a text"}},
      // formats
      {"applicant.phone", std::string("010-12345678-123"), {}},
      {"applicant.phone", std::string("0211234567"), {}},
      {"applicant.phone", std::string("0211234"),
       {"field `applicant.phone` is not a valid phone number (a mobile number, or a landline with its area code)"}},
      {"applicant.id", std::string("11010519491231002X"), {}},
      {"applicant.id", std::string("1101051949123100"),
       {"field `applicant.id` is not a valid resident identity card number (GB 11643)"}},
      {"applicant.id", std::int64_t{1}, {"field `applicant.id` needs a text"}},
  };
  for (const Row& r : rows) {
    INFO(std::string(r.field), " #", &r - rows.data());
    CHECK(messages(model().check_answer(def(r.field), r.answer)) == r.expected);
  }
}

TEST_CASE("forms.paths.check_answer_of_a_date_value_and_an_unknown_field") {
  const auto day = std::chrono::sys_days{std::chrono::year{2024} / 3 / 1};
  CHECK(model().check_answer(def("shop.since"), day).empty());
  forms::FormField stranger = def("shop.kind");
  stranger.id = "no.such";
  const auto errors = model().check_answer(stranger, std::string("food"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == FieldError{"no.such", "field `no.such` takes only its listed values (food, book)"});
  stranger.type = ir::FieldType::boolean;
  CHECK(messages(model().check_answer(stranger, true)) == std::vector<std::string>{"field `no.such` needs yes or no"});
}

TEST_CASE("forms.paths.parse_answer_of_each_type") {
  struct Row {
    std::string_view field, text;
    std::optional<expr::Answer> expected;
  };
  const std::vector<Row> rows = {
      {"shop.open", "true", expr::Answer{true}},
      {"shop.open", "1", expr::Answer{true}},
      {"shop.open", "false", expr::Answer{false}},
      {"shop.open", "0", expr::Answer{false}},
      {"shop.open", "yes", std::nullopt},
      {"shop.count", "12", expr::Answer{std::int64_t{12}}},
      {"shop.count", "-3", expr::Answer{std::int64_t{-3}}},
      {"shop.count", "12x", std::nullopt},
      {"shop.count", "", std::nullopt},
      {"shop.count", "1.5", std::nullopt},
      {"shop.area", "2.5", expr::Answer{2.5}},
      {"shop.area", "2.5m", std::nullopt},
      {"shop.kind", "food", expr::Answer{std::string("food")}},
      {"shop.tags", "x,y", expr::Answer{std::vector<std::string>{"x", "y"}}},
      {"shop.tags", "x,", expr::Answer{std::vector<std::string>{"x", ""}}},
      {"shop.tags", "", expr::Answer{std::vector<std::string>{}}},
      {"shop.since", "2024-02-29", expr::Answer{std::string("2024-02-29")}},
      {"shop.since", "2023-02-29", std::nullopt},
      {"shop.since", "29.02.2024", std::nullopt},
      {"shop.code", "任何文字", expr::Answer{std::string("任何文字")}},
      {"applicant.id", "11010519491231002X", expr::Answer{std::string("11010519491231002X")}},
  };
  for (const Row& r : rows) {
    INFO(std::string(r.field), " <- ", std::string(r.text));
    CHECK(forms::parse_answer(def(r.field), r.text) == r.expected);
  }
}

TEST_CASE("forms.paths.accept_reports_duplicates_strangers_and_missing_answers") {
  Applicant a;
  a.answers = small_shop();
  a.answers.emplace_back("shop.count", std::int64_t{4});
  a.answers.emplace_back("sign.size", 2.0);
  a.answers.emplace_back("zz.top", std::string("?"));
  a.answers = with(a.answers, "shop.code", std::nullopt);
  const auto s = model().accept(a);
  CHECK_FALSE(s.accepted());
  CHECK(s.payloads.empty());
  CHECK(s.errors == std::vector<FieldError>{
                        {"shop.count", "field `shop.count` is answered twice"},
                        {"sign.size", "field `sign.size` is not asked of this applicant: no applicable item or undecided "
                                      "condition needs it"},
                        {"zz.top", "field `zz.top` does not exist in bundle `fpaths`"},
                        {"shop.code", "field `shop.code` is required"},
                    });
}

TEST_CASE("forms.paths.accept_of_an_ineligible_applicant_names_each_condition") {
  Applicant a;
  a.answers = with(with(small_shop(), "applicant.age", std::int64_t{16}), "shop.count", std::int64_t{8});
  const auto form = model().merge(a);
  CHECK(form.ineligible == std::vector<std::string>{"须成年", "shop.count <= 5"});
  CHECK_FALSE(form.complete());
  const auto s = model().accept(a);
  CHECK(s.errors == std::vector<FieldError>{{"", "not eligible: 须成年"}, {"", "not eligible: shop.count <= 5"}});
}

TEST_CASE("forms.paths.accept_splits_a_large_shop_per_department") {
  Applicant a;
  a.answers = with(small_shop(), "shop.area", 60.0);
  a.answers.emplace_back("sign.size", 2.5);
  const auto s = model().accept(a);
  REQUIRE_MESSAGE(s.accepted(), (s.errors.empty() ? std::string() : s.errors[0].message));
  CHECK(s.form.complete());
  REQUIRE(s.payloads.size() == 2);
  CHECK(s.payloads[0].department == "a");
  CHECK(s.payloads[0].answers.size() == 12);
  CHECK(s.payloads[1].department == "b");
  CHECK(s.payloads[1].items == std::vector<std::string>{"large"});
  CHECK(s.payloads[1].answers == expr::Answers{{"shop.area", 60.0}, {"sign.size", 2.5}});
}

TEST_CASE("forms.paths.merge_guides_through_eligibility_and_situations") {
  const auto first = model().merge(Applicant{});
  CHECK(first.undecided_items == std::vector<std::string>{"large"});
  CHECK(first.active_items == std::vector<std::string>{"base"});
  CHECK(first.find("applicant.age")->decides == std::vector<std::string>{"eligibility"});
  CHECK(first.find("shop.area")->decides == std::vector<std::string>{"large"});
  CHECK_FALSE(first.find("sign.size"));
  CHECK(std::set<std::string>(first.next_questions.begin(), first.next_questions.end()) ==
        std::set<std::string>{"applicant.age", "shop.count", "shop.area"});

  // The front desk decides the situation: the large item applies without the area.
  Applicant desk;
  desk.situations = {{"big", true}};
  const auto fixed = model().merge(desk);
  CHECK(fixed.active_items == std::vector<std::string>{"base", "large"});
  CHECK(fixed.undecided_items.empty());
  REQUIRE(fixed.find("sign.size"));
  CHECK(fixed.find("sign.size")->departments == std::vector<std::string>{"b"});
  CHECK(fixed.find("shop.area")->departments == std::vector<std::string>{"a", "b"});
  CHECK(fixed.find("shop.area")->decides.empty());

  desk.situations = {{"big", false}};
  CHECK(model().merge(desk).active_items == std::vector<std::string>{"base"});
}

TEST_CASE("forms.paths.sections_of_the_bundle_wide_form") {
  Applicant all;
  all.every_item = true;
  const auto form = model().merge(all);
  std::vector<std::string> keys;
  std::vector<forms::SectionKind> kinds;
  for (const auto& s : form.sections) {
    keys.push_back(s.key);
    kinds.push_back(s.kind);
  }
  CHECK(keys == std::vector<std::string>{"applicant", "shop", "large"});
  CHECK(kinds == std::vector<forms::SectionKind>{forms::SectionKind::shared, forms::SectionKind::shared,
                                                 forms::SectionKind::item});
  CHECK(form.sections[2].title == "大型");
  CHECK_FALSE(form.find("sign.size")->constraints.required);  // only the conditional item asks it
  CHECK(form.find("shop.area")->constraints.required);        // the unconditional item asks it too
  CHECK(form.undecided_items.empty());
  CHECK(form.next_questions.empty());
  CHECK(form.ineligible.empty());
}

TEST_CASE("forms.paths.prefilled_only_when_also_answered") {
  Applicant a;
  a.answers = {{"applicant.age", std::int64_t{40}}};
  a.prefilled = {"applicant.age", "applicant.id"};
  const auto form = model().merge(a);
  CHECK(form.find("applicant.age")->prefilled);
  CHECK(form.find("applicant.age")->answered);
  CHECK_FALSE(form.find("applicant.id")->prefilled);
  CHECK_FALSE(form.find("applicant.id")->answered);
  CHECK(std::find(form.remaining.begin(), form.remaining.end(), "applicant.id") != form.remaining.end());
  CHECK(std::find(form.remaining.begin(), form.remaining.end(), "applicant.age") == form.remaining.end());
  CHECK(std::find(form.remaining.begin(), form.remaining.end(), "shop.note") == form.remaining.end());  // optional
}

TEST_CASE("forms.paths.material_requirements_by_precedence") {
  struct Row {
    std::string_view what;
    double area;
    std::vector<std::string> pledged, unavailable;
    std::vector<std::pair<std::string, MaterialRequirement>> expected;
  };
  using R = MaterialRequirement;
  const std::vector<Row> rows = {
      {"small shop, nothing pledged", 20.0, {}, {},
       {{"m_form", R::submit}, {"m_licence", R::provided}, {"m_rules", R::deferrable}, {"m_plan", R::submit},
        {"m_photo", R::deferrable}}},
      {"small shop, base pledged, licence unavailable", 20.0, {"base"}, {"m_licence"},
       {{"m_form", R::submit}, {"m_licence", R::submit}, {"m_rules", R::deferrable}, {"m_plan", R::pledged},
        {"m_photo", R::pledged}}},
      {"large shop, base pledged: the large item cannot pledge", 60.0, {"base"}, {},
       {{"m_form", R::submit}, {"m_licence", R::provided}, {"m_rules", R::deferrable}, {"m_plan", R::submit},
        {"m_photo", R::deferrable}}},
  };
  for (const Row& r : rows) {
    INFO(std::string(r.what));
    Applicant a;
    a.answers = with(small_shop(), "shop.area", r.area);
    a.pledged = r.pledged;
    a.unavailable = r.unavailable;
    const auto plan = model().materials(a);
    CHECK(plan.errors.empty());
    std::vector<std::pair<std::string, MaterialRequirement>> got;
    for (const auto& m : plan.materials) got.emplace_back(m.id, m.requirement);
    CHECK(got == r.expected);
  }
}

TEST_CASE("forms.paths.material_plan_details_and_errors") {
  Applicant a;
  a.answers = with(small_shop(), "shop.area", 60.0);
  a.pledged = {"large", "nothing"};
  a.unavailable = {"m_ghost"};
  const auto plan = model().materials(a);
  CHECK(plan.errors == std::vector<std::string>{"item `large` does not allow a pledge (告知承诺)",
                                                "unknown item `nothing` pledged",
                                                "unknown material `m_ghost` marked unavailable"});
  CHECK(plan.requested_separately == 8);
  const auto* plan_doc = plan.find("m_plan");
  REQUIRE(plan_doc);
  CHECK(plan_doc->items == std::vector<std::string>{"base", "large"});
  CHECK(plan_doc->departments == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(plan_doc->pledgeable);
  CHECK_FALSE(plan_doc->core);
  const auto* photo = plan.find("m_photo");
  REQUIRE(photo);
  CHECK(photo->deadline == ir::WorkDuration{2, 0});
  CHECK(plan.find("m_form")->core);
  CHECK(plan.find("m_licence")->provider == "e_licence");
  CHECK_FALSE(plan.find("m_nothing"));
  CHECK(plan.count(MaterialRequirement::deferrable) == 2);
  CHECK(plan.count(MaterialRequirement::pledged) == 0);

  Applicant small;
  small.answers = small_shop();
  const auto small_plan = model().materials(small);
  CHECK(small_plan.find("m_plan")->pledgeable);
  CHECK(small_plan.requested_separately == 5);
  CHECK(small_plan.undecided_items.empty());
  CHECK(model().materials(Applicant{}).undecided_items == std::vector<std::string>{"large"});
}

TEST_CASE("forms.paths.material_requirement_names") {
  CHECK(forms::to_string(MaterialRequirement::submit) == "submit");
  CHECK(forms::to_string(MaterialRequirement::deferrable) == "deferrable");
  CHECK(forms::to_string(MaterialRequirement::provided) == "provided");
  CHECK(forms::to_string(MaterialRequirement::pledged) == "pledged");
}

TEST_CASE("forms.paths.prefill_notes_values_of_the_wrong_type") {
  forms::MemoryProvider p;
  p.put("registry", "S1", "shop.open", "yes");
  p.put("registry", "S1", "shop.since", "2024-02-30");
  p.put("registry", "S1", "shop.tags", "x,w");
  p.put("population", "S1", "applicant.age", "200");
  p.put("population", "S1", "applicant.id", "11010519491231002X");
  p.put("population", "S2", "applicant.age", "33");  // another subject
  const auto pre = forms::prefill(model(), p, "S1", Applicant{});
  CHECK(p.calls() == 3);  // e_licence, population, registry
  CHECK(pre.failures.empty());
  CHECK(pre.prefilled == std::vector<std::string>{"applicant.id"});
  CHECK(pre.notes ==
        std::vector<std::string>{
            "provider `population` gave a value for `applicant.age` that does not fit it (field `applicant.age` must be "
            "at most 150); it is asked instead",
            "provider `registry` gave a value for `shop.open` that does not fit it (unreadable); it is asked instead",
            "provider `registry` gave a value for `shop.since` that does not fit it (unreadable); it is asked instead",
            "provider `registry` gave a value for `shop.tags` that does not fit it (field `shop.tags` takes only its "
            "listed values (x, y, z)); it is asked instead",
        });
  CHECK(pre.provided_materials.empty());
  CHECK(pre.applicant.unavailable == std::vector<std::string>{"m_licence"});
  CHECK(pre.applicant.prefilled == std::vector<std::string>{"applicant.id"});
}

TEST_CASE("forms.paths.prefill_fills_fields_and_materials_of_several_providers") {
  forms::MemoryProvider p;
  p.put("registry", "S1", "shop.open", "1");
  p.put("registry", "S1", "shop.since", "2020-01-31");
  p.put("registry", "S1", "shop.tags", "y,z");
  p.put("e_licence", "S1", "m_licence", "91310000MA1FL0000X");
  p.put("e_licence", "S1", "m_other", "ignored: not asked");
  Applicant a;
  a.answers = {{"shop.open", false}};  // kept, not asked of the provider
  const auto pre = forms::prefill(model(), p, "S1", a);
  CHECK(pre.prefilled == std::vector<std::string>{"shop.since", "shop.tags"});
  CHECK(pre.provided_materials == std::vector<std::string>{"m_licence"});
  CHECK(pre.notes.empty());
  CHECK(pre.applicant.unavailable.empty());
  CHECK(pre.applicant.answers == expr::Answers{{"shop.open", false},
                                               {"shop.since", std::string("2020-01-31")},
                                               {"shop.tags", std::vector<std::string>{"y", "z"}}});
  const auto form = model().merge(pre.applicant);
  CHECK(form.find("shop.tags")->prefilled);
  CHECK_FALSE(form.find("shop.open")->prefilled);
}

TEST_CASE("forms.paths.prefill_survives_a_provider_that_throws_anything") {
  OddProvider odd;
  const auto pre = forms::prefill(model(), odd, "S1", Applicant{});
  REQUIRE(pre.failures.size() == 3);
  CHECK(pre.failures[0].provider == "e_licence");
  CHECK(pre.failures[0].message == "unknown failure");
  CHECK(pre.failures[0].keys == std::vector<std::string>{"m_licence"});
  CHECK(pre.failures[1].keys == std::vector<std::string>{"applicant.age", "applicant.id"});
  CHECK(pre.failures[2].keys == std::vector<std::string>{"shop.open", "shop.since", "shop.tags"});
  CHECK(pre.prefilled.empty());
  CHECK(pre.applicant.unavailable == std::vector<std::string>{"m_licence"});
  CHECK(model().materials(pre.applicant).find("m_licence")->requirement == MaterialRequirement::submit);
}

TEST_CASE("forms.paths.memory_provider_filters_by_subject_and_key") {
  forms::MemoryProvider p;
  p.put("reg", "S1", "k1", "v1");
  p.put("reg", "S1", "k2", "v2");
  p.put("reg", "S2", "k1", "other");
  p.put("other", "S1", "k1", "elsewhere");
  const std::vector<std::string> keys{"k1", "k3"};
  CHECK(p.fetch("reg", "S1", keys) == std::vector<std::pair<std::string, std::string>>{{"k1", "v1"}});
  CHECK(p.fetch("reg", "S3", keys).empty());
  p.fail("reg", "down");
  CHECK_THROWS_WITH_AS(p.fetch("reg", "S1", keys), "down", forms::ProviderError);
  CHECK(p.fetch("other", "S1", keys) == std::vector<std::pair<std::string, std::string>>{{"k1", "elsewhere"}});
  CHECK(p.calls() == 4);
}

TEST_CASE("forms.paths.sqlite_provider_fetches_again_and_refuses_unwritable_paths") {
  test::TempDir dir;
  const std::string db = dir.file("p.db");
  forms::SqliteProvider::put(db, "reg", "S1", "k1", "v1");
  forms::SqliteProvider::put(db, "reg", "S1", "k2", "v2");
  forms::SqliteProvider provider(db);
  const std::vector<std::string> keys{"k2"};
  CHECK(provider.fetch("reg", "S1", keys) == std::vector<std::pair<std::string, std::string>>{{"k2", "v2"}});
  CHECK(provider.fetch("reg", "S1", keys) == std::vector<std::pair<std::string, std::string>>{{"k2", "v2"}});
  CHECK(provider.fetch("reg", "S9", keys).empty());

  const std::string bad = dir.file("missing/dir/p.db");
  std::string message;
  try {
    forms::SqliteProvider::put(bad, "reg", "S1", "k1", "v1");
  } catch (const forms::ProviderError& e) {
    message = e.what();
  }
  CHECK(message.rfind(fmt::format("provider database `{}`: cannot open: ", bad), 0) == 0);
}

namespace {

// A field defined in the dictionary and again inline (help, provider and patterns come from
// later definitions), an inline-only field, an optional multiple choice, a question only
// eligibility reads and an eligibility condition through a decision table without a default.
const char* const merged_bundle = R"(bundle: merged
name: 合并
version: "1"
lead: a
departments: {a: 甲, b: 乙}
fields:
  person.resident: {type: bool, label: 本地户籍}
  applicant.name: {type: string, label: 姓名}
  firm.name: {type: string, label: 名称}
  firm.tags: {type: enum, label: 标签, values: [p, q], multiple: true, required: false}
  firm.size: {type: int, label: 规模}
materials: {m: 材料}
tables:
  band:
    inputs:
      size: int
    outputs:
      level: int
    rules:
      - ["< 10", 1]
eligibility:
  - when: "person.resident"
    label: 须本地户籍
  - 'table("band", firm.size) > 0'
items:
  one:
    name: 一
    department: a
    form: [applicant.name, firm.name, firm.tags, firm.size]
    materials: [m]
    statutory: 5wd
    promised: 3wd
  two:
    name: 二
    department: b
    form:
      - {id: firm.name, type: string, label: 名称, help: 营业执照上的名称, source: registry, pattern: "^[^0-9]"}
    materials: [m]
    statutory: 5wd
    promised: 3wd
  three:
    name: 三
    department: b
    form:
      - {id: firm.name, type: string, label: 名称, help: 另一说明, source: other, pattern: "^[^0-9]"}
      - {id: firm.code, type: string, label: 代码, help: 统一社会信用代码, pattern: "^[0-9A-Z]{18}$"}
    materials: [m]
    statutory: 5wd
    promised: 3wd
)";

const FormModel& merged() {
  static const FormModel m(test::compile_text(merged_bundle));
  return m;
}

}  // namespace

TEST_CASE("forms.paths.later_definitions_fill_help_provider_and_patterns") {
  const auto* name = merged().field("firm.name");
  REQUIRE(name);
  CHECK(name->help == "营业执照上的名称");
  CHECK(name->provider == "registry");
  CHECK(name->patterns == std::vector<std::string>{"^[^0-9]"});
  const auto* code = merged().field("firm.code");
  REQUIRE(code);
  CHECK(code->help == "统一社会信用代码");
  CHECK(code->patterns == std::vector<std::string>{"^[0-9A-Z]{18}$"});
  std::vector<std::string> all;
  for (const auto& f : merged().all_fields()) all.push_back(f.id);
  CHECK(all == std::vector<std::string>{"person.resident", "applicant.name", "firm.name", "firm.tags", "firm.size",
                                        "firm.code"});
  CHECK_FALSE(merged().field("firm.other"));
  CHECK(messages(merged().check_answer(*name, std::string("9号"))) ==
        std::vector<std::string>{"field `firm.name` does not have the required format"});
  CHECK(merged().check_answer(*merged().field("firm.tags"), std::vector<std::string>{}).empty());  // optional
}

TEST_CASE("forms.paths.applicant_topic_is_shared_and_eligibility_questions_are_asked") {
  const auto form = merged().merge(Applicant{});
  std::vector<std::string> keys;
  for (const auto& s : form.sections) keys.push_back(s.key);
  // `applicant` leads although one item asks it and it comes second in the dictionary; then
  // dictionary order: `person` (only eligibility reads it), `firm`.
  INFO(fmt::format("{}", fmt::join(keys, ",")));
  CHECK(keys == std::vector<std::string>{"applicant", "person", "firm"});
  REQUIRE(form.find("person.resident"));
  CHECK(form.find("person.resident")->items.empty());
  CHECK(form.find("person.resident")->decides == std::vector<std::string>{"eligibility"});
  CHECK(form.find("firm.name")->departments == std::vector<std::string>{"a", "b"});
  CHECK(form.find("firm.code")->items == std::vector<std::string>{"three"});

  Applicant all;
  all.every_item = true;
  const auto wide = merged().merge(all);
  REQUIRE(wide.find("person.resident"));  // bundle-wide, the questions conditions read stay
  CHECK(wide.find("person.resident")->decides.empty());
  CHECK(wide.next_questions.empty());
}

TEST_CASE("forms.paths.failed_evaluation_blocks_acceptance") {
  Applicant a;
  a.answers = {{"applicant.name", std::string("张三")},
               {"person.resident", true},
               {"firm.name", std::string("甲公司")},
               {"firm.size", std::int64_t{20}},
               {"firm.code", std::string("91310000MA1FL0000X")}};
  const auto form = merged().merge(a);
  CHECK(form.ineligible.empty());
  REQUIRE(form.errors.size() == 1);
  CHECK(form.errors[0].find("table `band`: no rule matches and there is no default") != std::string::npos);
  CHECK_FALSE(form.complete());
  const auto s = merged().accept(a);
  REQUIRE(s.errors.size() == 1);
  CHECK(s.errors[0].field.empty());
  CHECK(s.errors[0].message == form.errors[0]);

  a.answers[3].second = std::int64_t{5};
  const auto ok = merged().accept(a);
  REQUIRE_MESSAGE(ok.accepted(), (ok.errors.empty() ? std::string() : ok.errors[0].message));
  REQUIRE(ok.payloads.size() == 2);
  CHECK(ok.payloads[1].department == "b");
  CHECK(ok.payloads[1].items == std::vector<std::string>{"two", "three"});
  CHECK(ok.payloads[1].answers == expr::Answers{{"firm.name", std::string("甲公司")},
                                                {"firm.code", std::string("91310000MA1FL0000X")}});
  a.answers[1].second = false;
  CHECK(merged().accept(a).errors == std::vector<FieldError>{{"", "not eligible: 须本地户籍"}});
}

TEST_CASE("forms.paths.accepted_small_shop_reaches_one_department") {
  Applicant a;
  a.answers = small_shop();
  const auto s = model().accept(a);
  REQUIRE_MESSAGE(s.accepted(), (s.errors.empty() ? std::string() : s.errors[0].message));
  REQUIRE(s.payloads.size() == 1);
  CHECK(s.payloads[0].department == "a");
  CHECK(s.payloads[0].items == std::vector<std::string>{"base"});
  // Answers the form does not hold are not sent anywhere.
  expr::Answers extra = small_shop();
  extra.emplace_back("sign.size", 1.0);
  const auto split = forms::split(model().compiled(), s.form, extra);
  REQUIRE(split.size() == 1);
  CHECK(split[0].answers == small_shop());
}

TEST_CASE("forms.paths.sqlite_provider_database_faults") {
  test::TempDir dir;
  auto exec = [](const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  };
  auto put_error = [](const std::string& path) {
    try {
      forms::SqliteProvider::put(path, "reg", "S1", "k1", "v1");
    } catch (const forms::ProviderError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto fetch_error = [](const std::string& path) {
    forms::SqliteProvider provider(path);
    const std::vector<std::string> keys{"k1"};
    try {
      (void)provider.fetch("reg", "S1", keys);
    } catch (const forms::ProviderError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };

  SUBCASE("not a database") {
    const std::string path = dir.file("garbage.db");
    std::ofstream(path, std::ios::binary) << std::string(4096, 'Z');
    CHECK(put_error(path) == fmt::format("provider database `{}`: cannot create the table: file is not a database", path));
  }
  SUBCASE("a table of another shape") {
    const std::string path = dir.file("other.db");
    exec(path, "CREATE TABLE provider_data(a TEXT, b TEXT)");
    CHECK(put_error(path).rfind(fmt::format("provider database `{}`: cannot prepare: ", path), 0) == 0);
    CHECK(fetch_error(path).rfind(fmt::format("provider database `{}`: not a provider database: ", path), 0) == 0);
  }
  SUBCASE("a value the table refuses") {
    const std::string path = dir.file("check.db");
    exec(path, "CREATE TABLE provider_data(provider TEXT, subject TEXT, key TEXT, value TEXT CHECK(length(value) > 5))");
    CHECK(put_error(path).rfind(fmt::format("provider database `{}`: cannot store: ", path), 0) == 0);
  }
  SUBCASE("a view that fails while it is read") {
    const std::string path = dir.file("view.db");
    exec(path,
         "CREATE VIEW provider_data AS SELECT 'reg' AS provider, 'S1' AS subject, 'k1' AS key, "
         "abs(-9223372036854775807 - 1) AS value");
    CHECK(fetch_error(path) == fmt::format("provider database `{}`: cannot read: integer overflow", path));
  }
  SUBCASE("null values read as empty text") {
    const std::string path = dir.file("null.db");
    exec(path,
         "CREATE TABLE provider_data(provider TEXT, subject TEXT, key TEXT, value TEXT);"
         "INSERT INTO provider_data VALUES('reg', 'S1', 'k1', NULL), ('reg', 'S1', NULL, 'v');");
    forms::SqliteProvider provider(path);
    const std::vector<std::string> keys{"k1", ""};
    CHECK(provider.fetch("reg", "S1", keys) ==
          std::vector<std::pair<std::string, std::string>>{{"k1", ""}, {"", "v"}});
  }
}
