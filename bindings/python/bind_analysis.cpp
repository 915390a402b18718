// The 四减 report (docs/report.md), as the dict `yishi report --json` prints for a bundle.
#include "common.hpp"

namespace yishi::python {

void bind_analysis(py::module_& m) {
  bound_class<PyCompiled, std::shared_ptr<PyCompiled>>(m, "CompiledBundle")
      .def(
          "report",
          [](const PyCompiled& c, const py::object& answers, const py::object& pledged, const py::object& today,
             const py::object& situations, const py::object& unavailable) {
            forms::Applicant a = to_applicant(answers, today, situations, pledged, unavailable, false);
            // As `yishi report`: without answers every item counts (pledges alone keep that view).
            const bool given =
                !a.answers.empty() || !a.pledged.empty() || !a.situations.empty() || !a.unavailable.empty();
            a.every_item = a.answers.empty() && a.situations.empty();
            std::string json;
            {
              py::gil_scoped_release release;
              const auto r = given ? analysis::report(*c.model, a) : analysis::report(*c.model);
              json = analysis::to_json(r);
            }
            return from_json(json);
          },
          py::arg("answers") = py::none(), py::kw_only(), py::arg("pledged") = py::none(),
          py::arg("today") = py::none(), py::arg("situations") = py::none(), py::arg("unavailable") = py::none(),
          "The 四减 report: the dict `yishi report --json` prints for this bundle (days, statutory_days, steps, "
          "materials, fields, trips as {separately, bundled, reduction}, critical_path, items, …). Without answers "
          "every item counts; with answers only the items that apply to them (undecided ones listed). `pledged`: "
          "items pledged for (告知承诺); `today`: the datetime.date conditions are evaluated on.");
}

}  // namespace yishi::python
