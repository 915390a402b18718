// Exports of a compiled bundle: its diagram (Graphviz DOT, Mermaid) and its merged form as
// a JSON Schema (draft 2020-12).
#include "common.hpp"

namespace yishi::python {

void bind_export(py::module_& m) {
  bound_class<PyCompiled, std::shared_ptr<PyCompiled>>(m, "CompiledBundle")
      .def(
          "to_dot",
          [](const PyCompiled& c) {
            py::gil_scoped_release release;
            return exporting::to_dot(exporting::diagram(c.compiled));
          },
          "The diagram as Graphviz DOT (as `yishi graph --dot`): departments as swimlanes, the critical path bold.")
      .def(
          "to_mermaid",
          [](const PyCompiled& c) {
            py::gil_scoped_release release;
            return exporting::to_mermaid(exporting::diagram(c.compiled));
          },
          "The diagram as a Mermaid flowchart (as `yishi graph --mermaid`).")
      .def(
          "json_schema",
          [](const PyCompiled& c, const py::object& answers, const py::object& today, const py::object& situations,
             const py::object& title) {
            forms::Applicant a = to_applicant(answers, today, situations, py::none(), py::none(), false);
            // As `yishi export --schema`: without answers, the bundle-wide form (every item).
            a.every_item = a.answers.empty();
            const std::string t = title.is_none() ? c.compiled.bundle().name : title.cast<std::string>();
            std::string json;
            {
              py::gil_scoped_release release;
              json = exporting::json_schema(c.model->merge(a), t);
            }
            return from_json(json);
          },
          py::arg("answers") = py::none(), py::kw_only(), py::arg("today") = py::none(),
          py::arg("situations") = py::none(), py::arg("title") = py::none(),
          "The merged form as a JSON Schema (draft 2020-12), parsed into a dict (as `yishi export --schema`): "
          "without answers every item's questions, with answers those of the items that apply. `title` defaults "
          "to the bundle's name.");
}

}  // namespace yishi::python
