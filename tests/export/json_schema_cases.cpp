// Writes, for the bookstore fixture and a 30 m² shop without a sign, the merged form's JSON
// Schema and a set of submissions with the engine's own verdict (FormModel::accept), as one
// JSON object on stdout. json_schema_test.py checks them against an independent validator.
#include <iostream>

#include <fmt/format.h>

#include "test_support.hpp"
#include "yishi/base/json.hpp"

using namespace yishi;

namespace {

std::string json_of(const expr::Answer& a) {
  struct V {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return fmt::format("{}", d); }
    std::string operator()(const std::string& s) const { return json::quote(s); }
    std::string operator()(std::chrono::sys_days d) const { return json::quote(to_string(d)); }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string o = "[";
      for (std::size_t i = 0; i < l.size(); ++i) o += (i ? "," : "") + json::quote(l[i]);
      return o + "]";
    }
  };
  return std::visit(V{}, a);
}

std::string json_of(const expr::Answers& answers) {
  std::string o = "{";
  for (std::size_t i = 0; i < answers.size(); ++i)
    o += (i ? "," : "") + json::quote(answers[i].first) + ":" + json_of(answers[i].second);
  return o + "}";
}

expr::Answers set(expr::Answers a, const std::string& id, std::optional<expr::Answer> v) {
  std::erase_if(a, [&](const auto& x) { return x.first == id; });
  if (v) a.emplace_back(id, std::move(*v));
  return a;
}

}  // namespace

int main() {
  const forms::FormModel model(test::bookstore_bundle());
  const expr::Answers good = test::bookstore_small_shop();
  const std::vector<std::pair<std::string, expr::Answers>> cases = {
      {"valid", good},
      {"landline phone", set(good, "applicant.phone", std::string("021-63212345"))},
      {"area below its minimum", set(good, "store.area_m2", 0.0)},
      {"area as text", set(good, "store.area_m2", std::string("big"))},
      {"phone too short", set(good, "applicant.phone", std::string("12345"))},
      {"name too long", set(good, "store.name", std::string(51, 'x'))},
      {"name at its longest", set(good, "store.name", std::string(50, 'x'))},
      {"category twice", set(good, "publication.categories", std::vector<std::string>{"books", "books"})},
      {"unknown category", set(good, "publication.categories", std::vector<std::string>{"comics"})},
      {"no category", set(good, "publication.categories", std::vector<std::string>{})},
      {"manager missing", set(good, "manager.name", std::nullopt)},
      {"question of an item that does not apply", set(good, "sign.area_m2", 3.0)},
      {"id number of the wrong shape", set(good, "applicant.id_number", std::string("ABC"))},
      {"id number with a wrong check digit", set(good, "applicant.id_number", std::string("110105194912310021"))},
      {"yes/no as text", set(good, "sign.installed", std::string("no"))},
  };
  forms::Applicant base;
  base.answers = good;
  std::string out = "{\"schema\":" + exporting::json_schema(model.merge(base), "开办书店一件事") + ",\"cases\":[";
  for (std::size_t i = 0; i < cases.size(); ++i) {
    forms::Applicant a;
    a.answers = cases[i].second;
    const bool accepted = model.accept(a).accepted();
    out += fmt::format("{}{{\"name\":{},\"submission\":{},\"accepted\":{}}}", i ? "," : "", json::quote(cases[i].first),
                       json_of(cases[i].second), accepted ? "true" : "false");
  }
  std::cout << out << "]}\n";
  return 0;
}
