// One applicant's merged form, prefill, submission and material plan, then the bundle's
// 四减 report.   usage: example_form_and_report BUNDLE_FILE
#include <cstdio>
#include <string>

#include <yishi/yishi.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fputs("usage: example_form_and_report BUNDLE_FILE\n", stderr);
    return 2;
  }
  yishi::SourceMap sources;
  auto loaded = yishi::load_bundle_file(sources, argv[1]);  // YAML or DSL
  if (!loaded.bundle) {
    std::fputs(yishi::render_text(loaded.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  auto result = yishi::compile(std::move(*loaded.bundle));
  if (!result.compiled) {
    std::fputs(yishi::render_text(result.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  const yishi::forms::FormModel model(*result.compiled);

  // What to ask first (情形引导), before any answer.
  yishi::forms::Applicant applicant;
  for (const auto& q : model.merge(applicant).next_questions) std::printf("ask first: %s\n", q.c_str());

  // The applicant answers; a data provider prefills what the government already holds. The
  // e-licence service is down: its documents are then handed over instead (never blocking).
  applicant.answers = {{"store.area_m2", 30.0}, {"sign.installed", false}};
  yishi::forms::MemoryProvider providers;
  providers.put("population_registry", "11010519491231002X", "applicant.name", "王小明");
  providers.put("population_registry", "11010519491231002X", "applicant.id_number", "11010519491231002X");
  providers.fail("e_licence", "service unavailable");
  auto pre = yishi::forms::prefill(model, providers, "11010519491231002X", applicant);
  for (const auto& f : pre.failures) std::printf("provider %s failed: %s\n", f.provider.c_str(), f.message.c_str());
  applicant = pre.applicant;

  const auto form = model.merge(applicant);
  std::printf("merged form: %zu questions, %zu still to answer\n", form.fields.size(), form.remaining.size());

  // The rest of the answers, then one submission split per department.
  applicant.answers.insert(applicant.answers.end(),
                           {{"applicant.phone", std::string("13812345678")},
                            {"store.name", std::string("新华路书屋")},
                            {"store.address", std::string("上海市黄浦区新华路1号")},
                            {"manager.name", std::string("李四")},
                            {"publication.categories", std::vector<std::string>{"books"}},
                            {"tax.invoice_types", std::vector<std::string>{"general"}}});
  const auto submission = model.accept(applicant);
  for (const auto& e : submission.errors) std::printf("error: %s\n", e.message.c_str());
  for (const auto& p : submission.payloads)
    std::printf("to %s: %zu answers\n", p.department.c_str(), p.answers.size());

  for (const auto& m : model.materials(applicant).materials)
    std::printf("material %s: %s\n", m.id.c_str(), std::string(yishi::forms::to_string(m.requirement)).c_str());

  std::fputs(yishi::analysis::to_text(yishi::analysis::report(model)).c_str(), stdout);
  return submission.accepted() ? 0 : 1;
}
