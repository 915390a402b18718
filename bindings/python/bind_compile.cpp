// Compiling (`Bundle.compile`) and the CompiledBundle: its step graph and the evaluation of
// its conditions on an applicant's answers.
#include <fmt/format.h>

#include "errors.hpp"

namespace yishi::python {
namespace {

std::shared_ptr<PyCompiled> compile_bundle(const PyBundle& b) {
  CompileResult r;
  {
    py::gil_scoped_release release;
    r = compile(b.bundle);
  }
  if (!r.compiled) throw_diagnostics(DiagnosticFailure::Stage::check, r.diagnostics, *b.sources);
  return std::make_shared<PyCompiled>(b.sources, std::move(*r.compiled), std::move(r.diagnostics), b.file);
}

py::dict step_dict(const CompiledBundle& cb, const Step& st) {
  auto names = [&](const std::vector<StepId>& ids) {
    py::list l;
    for (StepId id : ids) l.append(py::str(cb.step(id).name));
    return l;
  };
  py::dict d;
  d["name"] = st.name;
  d["kind"] = std::string(to_string(st.kind));
  d["item"] = st.item >= 0 ? py::object(py::str(cb.bundle().items.at(static_cast<std::size_t>(st.item)).id))
                           : py::object(py::none());
  d["after"] = names(st.predecessors);
  d["before"] = names(st.successors);
  d["depth"] = st.depth;
  py::dict join;
  join["kind"] = std::string(ir::to_string(st.join.kind));
  join["threshold"] = st.join.threshold;
  join["total_weight"] = st.join.total_weight;
  d["join"] = join;
  py::list signers;
  for (const auto& s : st.signers) {
    py::dict sd;
    sd["role"] = s.role;
    sd["department"] = s.department;
    sd["weight"] = s.weight;
    signers.append(sd);
  }
  d["signers"] = signers;
  return d;
}

py::object value_of(const expr::Value& v) {
  if (v.kind == expr::ValueKind::unknown) return py::none();
  if (v.kind == expr::ValueKind::boolean) return py::bool_(v.b);
  return py::str(expr::to_string(v));
}

py::dict evaluate(const PyCompiled& c, const py::object& answers, const py::object& today,
                  const py::object& situations) {
  const expr::Answers a = to_answers(answers);
  const auto decided = to_situations(situations);
  const std::int64_t day = today_of(today);
  ConditionResult r;
  {
    py::gil_scoped_release release;
    r = c.compiled.evaluate_conditions(a, day, decided);
  }
  const ir::Bundle& b = c.compiled.bundle();
  py::dict out, sit, active, missing;
  for (std::size_t i = 0; i < r.situations.size() && i < b.situations.size(); ++i)
    sit[py::str(b.situations[i].id)] = value_of(r.situations[i]);
  for (std::size_t i = 0; i < r.active.size() && i < b.items.size(); ++i)
    active[py::str(b.items[i].id)] = r.active[i] ? py::object(py::bool_(*r.active[i])) : py::object(py::none());
  py::list ineligible;
  for (std::size_t e : r.ineligible) ineligible.append(py::str(b.eligibility.at(e).label));
  for (std::size_t i = 0; i < r.missing_fields.size(); ++i)
    missing[py::str(r.missing_fields[i])] =
        to_py_strings(i < r.deciding.size() ? r.deciding[i] : std::vector<std::string>{});
  out["situations"] = sit;
  out["active"] = active;
  out["ineligible"] = ineligible;
  out["missing_fields"] = missing;
  out["errors"] = to_py_strings(r.errors);
  out["decided"] = r.decided();
  return out;
}

}  // namespace

void bind_compile(py::module_& m) {
  bound_class<PyBundle, std::shared_ptr<PyBundle>>(m, "Bundle")
      .def("compile", &compile_bundle,
           "Checks and compiles the bundle. Returns a CompiledBundle (its warnings in `.diagnostics`); raises "
           "CheckError (with `.diagnostics`) when the checker finds an error.");

  py::class_<PyCompiled, std::shared_ptr<PyCompiled>> compiled(
      m, "CompiledBundle",
      "The immutable, executable form of a checked bundle: its step graph, forms, report and exports. Cheap to "
      "share between threads and engines.");
  public_name(compiled);
  compiled
      .def_property_readonly(
          "id", [](const PyCompiled& c) { return c.compiled.bundle().id; }, "The bundle id.")
      .def_property_readonly(
          "name", [](const PyCompiled& c) { return c.compiled.bundle().name; }, "The bundle's name.")
      .def_property_readonly(
          "version", [](const PyCompiled& c) { return c.compiled.bundle().version; },
          "The bundle version (cases keep the version they opened with).")
      .def_property_readonly(
          "bundle",
          [](const PyCompiled& c) {
            auto b = std::make_shared<PyBundle>();
            b->sources = c.sources;
            b->bundle = c.compiled.bundle();
            b->file = c.file;
            return b;
          },
          "The Bundle (IR) this was compiled from.")
      .def_property_readonly(
          "diagnostics",
          [](const PyCompiled& c) {
            py::list l;
            for (auto& d : to_py_diagnostics(c.diagnostics, *c.sources)) l.append(py::cast(std::move(d)));
            return l;
          },
          "The warnings found while checking it (it had no error).")
      .def_property_readonly(
          "steps",
          [](const PyCompiled& c) {
            py::list l;
            for (const Step& st : c.compiled.steps()) l.append(step_dict(c.compiled, st));
            return l;
          },
          "Every step: dicts {name, kind (intake/review/issuance), item, after, before, depth, join {kind, "
          "threshold, total_weight}, signers [{role, department, weight}]}, as `yishi compile --json`.")
      .def_property_readonly(
          "order",
          [](const PyCompiled& c) {
            py::list l;
            for (StepId id : c.compiled.topological_order()) l.append(py::str(c.compiled.step(id).name));
            return l;
          },
          "Step names in dependency order (ties broken by declaration order).")
      .def_property_readonly(
          "levels",
          [](const PyCompiled& c) {
            py::list l;
            for (const auto& level : c.compiled.levels()) {
              py::list names;
              for (StepId id : level) names.append(py::str(c.compiled.step(id).name));
              l.append(names);
            }
            return l;
          },
          "Step names grouped by depth: the steps of one level may run in parallel.")
      .def_property_readonly(
          "max_parallel_reviews", [](const PyCompiled& c) { return c.compiled.max_parallel_reviews(); },
          "The largest number of reviews that can be in progress at once.")
      .def("evaluate", &evaluate, py::arg("answers") = py::none(), py::kw_only(), py::arg("today") = py::none(),
           py::arg("situations") = py::none(),
           "Evaluates the situations, eligibility and every item's `when` on the answers (three-valued: None is "
           "unknown), as of `today` (a datetime.date; default today). Returns {situations, active, ineligible, "
           "missing_fields (field → what it decides), errors, decided}.")
      .def("__repr__", [](const PyCompiled& c) {
        const auto& b = c.compiled.bundle();
        return fmt::format("<yishi.CompiledBundle {} {} ({}), {} steps>", b.id, b.version, b.name,
                           c.compiled.steps().size());
      });
}

}  // namespace yishi::python
