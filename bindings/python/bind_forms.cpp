// Forms and materials for one applicant (docs/forms.md): the merged form with its guided
// questions, the material plan, and the validation of a submission split per department.
#include "common.hpp"

namespace yishi::python {
namespace {


py::dict form_field(const forms::FormField& f) {
  py::dict d;
  d["id"] = f.id;
  d["label"] = f.label;
  d["help"] = f.help;
  field_shape(d, f.type, f.values, f.multiple, f.sensitive, f.constraints);
  d["patterns"] = to_py_strings(f.patterns);
  d["provider"] = f.provider;
  d["items"] = to_py_strings(f.items);
  d["departments"] = to_py_strings(f.departments);
  d["decides"] = to_py_strings(f.decides);
  d["answered"] = f.answered;
  d["prefilled"] = f.prefilled;
  return d;
}

py::dict merged_form_dict(const forms::MergedForm& form) {
  py::dict d;
  py::list fields, sections;
  for (const auto& f : form.fields) fields.append(form_field(f));
  for (const auto& s : form.sections) {
    py::dict sd;
    py::list ids;
    for (std::size_t i : s.fields) ids.append(py::str(form.fields.at(i).id));
    sd["kind"] = s.kind == forms::SectionKind::shared ? "shared" : "item";
    sd["key"] = s.key;
    sd["title"] = s.title;
    sd["fields"] = ids;
    sections.append(sd);
  }
  d["fields"] = fields;
  d["sections"] = sections;
  d["active_items"] = to_py_strings(form.active_items);
  d["undecided_items"] = to_py_strings(form.undecided_items);
  d["next_questions"] = to_py_strings(form.next_questions);
  d["remaining"] = to_py_strings(form.remaining);
  d["ineligible"] = to_py_strings(form.ineligible);
  d["errors"] = to_py_strings(form.errors);
  d["complete"] = form.complete();
  return d;
}

py::dict material_plan_dict(const forms::MaterialPlan& plan) {
  py::dict d, counts;
  py::list materials;
  for (const auto& m : plan.materials) {
    py::dict md;
    md["id"] = m.id;
    md["name"] = m.name;
    md["requirement"] = std::string(forms::to_string(m.requirement));
    md["items"] = to_py_strings(m.items);
    md["departments"] = to_py_strings(m.departments);
    md["core"] = m.core;
    md["deadline"] = to_py_duration(m.deadline);
    md["provider"] = m.provider;
    md["pledgeable"] = m.pledgeable;
    materials.append(md);
  }
  for (auto r : {forms::MaterialRequirement::submit, forms::MaterialRequirement::deferrable,
                 forms::MaterialRequirement::provided, forms::MaterialRequirement::pledged})
    counts[py::str(std::string(forms::to_string(r)))] = plan.count(r);
  d["materials"] = materials;
  d["undecided_items"] = to_py_strings(plan.undecided_items);
  d["errors"] = to_py_strings(plan.errors);
  d["requested_separately"] = plan.requested_separately;
  d["counts"] = counts;
  return d;
}

constexpr const char* applicant_args =
    " `answers`: dict field id → value; `today`: datetime.date conditions are evaluated on (default today); "
    "`situations`: dict situation id → bool decided by the front desk; `pledged`: items the applicant pledges "
    "for (告知承诺); `unavailable`: provider materials that could not be supplied.";

}  // namespace

forms::Applicant to_applicant(py::handle answers, py::handle today, py::handle situations, py::handle pledged,
                              py::handle unavailable, bool every_item) {
  forms::Applicant a;
  a.answers = to_answers(answers);
  a.today = today_of(today);
  a.situations = to_situations(situations);
  a.pledged = to_strings(pledged, "pledged");
  a.unavailable = to_strings(unavailable, "unavailable");
  a.every_item = every_item;
  return a;
}

void bind_forms(py::module_& m) {
  auto compiled = bound_class<PyCompiled, std::shared_ptr<PyCompiled>>(m, "CompiledBundle");
  compiled.def(
      "merged_form",
      [](const PyCompiled& c, const py::object& answers, const py::object& today, const py::object& situations,
         const py::object& pledged, const py::object& unavailable, bool every_item) {
        const auto a = to_applicant(answers, today, situations, pledged, unavailable, every_item);
        forms::MergedForm form;
        {
          py::gil_scoped_release release;
          form = c.model->merge(a);
        }
        return merged_form_dict(form);
      },
      py::arg("answers") = py::none(), py::kw_only(), py::arg("today") = py::none(), py::arg("situations") = py::none(),
      py::arg("pledged") = py::none(), py::arg("unavailable") = py::none(), py::arg("every_item") = false,
      (std::string("The merged form (多表合一) for the answers so far: {fields, sections, active_items, "
                   "undecided_items, next_questions, remaining, ineligible, errors, complete}. Each field: {id, "
                   "label, help, type, values, multiple, sensitive, required, min, max, min_length, max_length, "
                   "patterns, provider, items, departments, decides, answered, prefilled}. `every_item`: count every "
                   "item as applicable (the bundle-wide form).") +
       applicant_args)
          .c_str());
  compiled.def(
      "material_plan",
      [](const PyCompiled& c, const py::object& answers, const py::object& today, const py::object& situations,
         const py::object& pledged, const py::object& unavailable, bool every_item) {
        const auto a = to_applicant(answers, today, situations, pledged, unavailable, every_item);
        forms::MaterialPlan plan;
        {
          py::gil_scoped_release release;
          plan = c.model->materials(a);
        }
        return material_plan_dict(plan);
      },
      py::arg("answers") = py::none(), py::kw_only(), py::arg("today") = py::none(), py::arg("situations") = py::none(),
      py::arg("pledged") = py::none(), py::arg("unavailable") = py::none(), py::arg("every_item") = false,
      (std::string("The material plan (材料一次提交): {materials, undecided_items, errors, requested_separately, "
                   "counts}. Each material: {id, name, requirement (submit, deferrable, provided, pledged), items, "
                   "departments, core, deadline, provider, pledgeable}; `counts` by requirement.") +
       applicant_args)
          .c_str());
  compiled.def(
      "validate",
      [](const PyCompiled& c, const py::object& answers, const py::object& today, const py::object& situations,
         const py::object& pledged, const py::object& unavailable) {
        const auto a = to_applicant(answers, today, situations, pledged, unavailable, false);
        forms::Submission s;
        {
          py::gil_scoped_release release;
          s = c.model->accept(a);
        }
        py::dict d;
        py::list errors, payloads;
        for (const auto& e : s.errors) {
          py::dict ed;
          ed["field"] = e.field;
          ed["message"] = e.message;
          errors.append(ed);
        }
        for (const auto& p : s.payloads) {
          py::dict pd;
          pd["department"] = p.department;
          pd["items"] = to_py_strings(p.items);
          pd["answers"] = to_py_answers(p.answers);
          payloads.append(pd);
        }
        d["accepted"] = s.accepted();
        d["errors"] = errors;
        d["payloads"] = payloads;
        return d;
      },
      py::arg("answers"), py::kw_only(), py::arg("today") = py::none(), py::arg("situations") = py::none(),
      py::arg("pledged") = py::none(), py::arg("unavailable") = py::none(),
      (std::string("Validates a complete submission against the applicant's merged form: {accepted, errors "
                   "[{field, message}], payloads [{department, items, answers}]}. All or nothing: payloads only when "
                   "accepted, each department receiving exactly the answers its items ask. Messages never quote an "
                   "answer.") +
       applicant_args)
          .c_str());
}

}  // namespace yishi::python
