// Loading (`yishi.load`, `yishi.loads`), the Bundle (the IR, read-only), its checks, printers
// and diagnostics.
#include <fmt/format.h>

#include "errors.hpp"

namespace yishi::python {
namespace {

std::string applicant_kind(ir::ApplicantKind k) {
  return k == ir::ApplicantKind::enterprise ? "enterprise" : "individual";
}


py::dict field_dict(const ir::Field& f) {
  py::dict d;
  d["id"] = f.id;
  d["label"] = f.label;
  field_shape(d, f.type, f.values, f.multiple, f.sensitive, f.constraints);
  d["pattern"] = f.constraints.pattern ? py::object(py::str(*f.constraints.pattern)) : py::object(py::none());
  d["help"] = f.help;
  d["source"] = f.source;
  return d;
}

py::dict item_dict(const ir::Item& it) {
  py::dict d;
  d["id"] = it.id;
  d["name"] = it.name;
  d["department"] = it.department.id;
  py::list form, materials, when, after, signers;
  for (const auto& e : it.form) form.append(py::str(e.field.id));
  for (const auto& u : it.materials) {
    py::dict m;
    m["id"] = u.material.id;
    m["core"] = u.core;
    materials.append(m);
  }
  for (const auto& w : it.when) when.append(py::str(w.text));
  for (const auto& a : it.after) after.append(py::str(a.id));
  for (const auto& s : it.review.signers) {
    py::dict sd;
    sd["role"] = s.role;
    sd["department"] = s.department ? s.department->id : it.department.id;
    sd["weight"] = s.weight;
    signers.append(sd);
  }
  d["form"] = form;
  d["materials"] = materials;
  d["statutory"] = ir::to_string(it.statutory);
  d["promised"] = ir::to_string(it.promised);
  d["when"] = when;
  d["after"] = after;
  d["join"] = std::string(ir::to_string(it.review.join));
  d["threshold"] = it.review.threshold;
  d["signers"] = signers;
  d["pledge"] = it.pledge;
  d["essential"] = it.essential;
  d["fee_fen"] = it.fee_fen;
  d["inspection"] = it.inspection;
  d["basis"] = it.basis;
  return d;
}

std::string variant_kind(ir::VariantChange::Kind k) {
  switch (k) {
    case ir::VariantChange::Kind::added:
      return "added";
    case ir::VariantChange::Kind::removed:
      return "removed";
    case ir::VariantChange::Kind::overridden:
      return "overridden";
  }
  return "added";
}

std::shared_ptr<PyBundle> bundle_of(const std::shared_ptr<SourceMap>& sources, ir::LoadResult r, std::string file) {
  if (!r.bundle) throw_diagnostics(DiagnosticFailure::Stage::load, r.diagnostics, *sources);
  auto b = std::make_shared<PyBundle>();
  b->sources = sources;
  b->bundle = std::move(*r.bundle);
  b->load_diagnostics = std::move(r.diagnostics);
  b->file = std::move(file);
  return b;
}

std::shared_ptr<PyBundle> load(const py::object& path) {
  const std::string p = py::str(py::module_::import("os").attr("fspath")(path));
  auto sources = std::make_shared<SourceMap>();
  ir::LoadResult r;
  {
    py::gil_scoped_release release;
    r = load_bundle_file(*sources, p);
  }
  return bundle_of(sources, std::move(r), p);
}

std::shared_ptr<PyBundle> loads(const std::string& text, const std::optional<std::string>& format,
                                const std::optional<std::string>& name) {
  std::string fmt_ = format.value_or("");
  std::string n = name.value_or("");
  if (fmt_.empty()) fmt_ = is_dsl_path(n) ? "dsl" : "yaml";
  if (fmt_ != "yaml" && fmt_ != "dsl") throw py::value_error(fmt::format("format `{}`: use \"yaml\" or \"dsl\"", fmt_));
  if (n.empty()) n = "<string>";
  auto sources = std::make_shared<SourceMap>();
  ir::LoadResult r;
  {
    py::gil_scoped_release release;
    if (fmt_ == "dsl")
      r = dsl::load_text(*sources, n, text);
    else if (is_dsl_path(n))
      r = yaml::load_text(*sources, n, text);
    else
      r = load_bundle_text(*sources, n, text);
  }
  return bundle_of(sources, std::move(r), n);
}

py::list diagnostics_list(const Diagnostics& ds, const SourceMap& sources) {
  py::list l;
  for (auto& d : to_py_diagnostics(ds, sources)) l.append(py::cast(std::move(d)));
  return l;
}

}  // namespace

std::vector<PyDiagnostic> to_py_diagnostics(const Diagnostics& ds, const SourceMap& sources) {
  std::vector<PyDiagnostic> out;
  auto where = [&](const SourceSpan& s, std::string& file, LineColumn& begin, LineColumn& end) {
    if (!s.valid() || s.source >= sources.size()) return;
    const SourceFile& f = sources.file(s.source);
    file = f.name();
    begin = f.line_column(s.begin);
    end = f.line_column(s.end);
  };
  for (const Diagnostic& d : ds.items()) {
    PyDiagnostic p;
    p.code = code_string(d.code);
    p.severity = std::string(to_string(d.severity));
    p.message = d.message;
    LineColumn b, e;
    where(d.span, p.file, b, e);
    p.line = b.line;
    p.column = b.column;
    p.end_line = e.line;
    p.end_column = e.column;
    p.label = d.label_text;
    p.help = d.help;
    p.notes = d.notes;
    for (const DiagLabel& l : d.labels) {
      std::string file;
      LineColumn lb, le;
      where(l.span, file, lb, le);
      py::dict ld;
      ld["file"] = file;
      ld["line"] = lb.line;
      ld["column"] = lb.column;
      ld["message"] = l.message;
      p.labels.append(ld);
    }
    p.text = render_text(d, sources);
    out.push_back(std::move(p));
  }
  return out;
}

void bind_load(py::module_& m) {
  py::class_<PyDiagnostic> diag(m, "Diagnostic",
                                "One finding about a bundle: code, severity, message and where (file, 1-based line "
                                "and column counting code points), with the help line; str() gives the located text "
                                "as `yishi check` prints it.");
  public_name(diag);
  diag.def_readonly("code", &PyDiagnostic::code, "The code, e.g. `E3002` (`yishi explain E3002`).")
      .def_readonly("severity", &PyDiagnostic::severity, "`error`, `warning` or `note`.")
      .def_readonly("message", &PyDiagnostic::message, "One sentence, e.g. \"unknown department `markt`\".")
      .def_readonly("file", &PyDiagnostic::file, "The file (or the name given to `loads`); empty when unlocated.")
      .def_readonly("line", &PyDiagnostic::line, "1-based line; 0 when unlocated.")
      .def_readonly("column", &PyDiagnostic::column, "1-based column in code points; 0 when unlocated.")
      .def_readonly("end_line", &PyDiagnostic::end_line, "1-based line where the span ends.")
      .def_readonly("end_column", &PyDiagnostic::end_column, "1-based column (code points) just past the span.")
      .def_readonly("label", &PyDiagnostic::label, "The text under the caret.")
      .def_readonly("help", &PyDiagnostic::help, "Guidance, e.g. \"did you mean `market`?\"; may be empty.")
      .def_readonly("notes", &PyDiagnostic::notes, "Further notes, as a list of str.")
      .def_readonly("labels", &PyDiagnostic::labels, "Secondary locations: dicts with file, line, column, message.")
      .def_readonly("text", &PyDiagnostic::text, "The rendered, located text.")
      .def_property_readonly(
          "is_error", [](const PyDiagnostic& d) { return d.severity == "error"; }, "Whether the severity is `error`.")
      .def("__str__", [](const PyDiagnostic& d) { return d.text; })
      .def("__repr__", [](const PyDiagnostic& d) {
        const std::string at = d.file.empty() ? "" : fmt::format(" {}:{}:{}", d.file, d.line, d.column);
        return fmt::format("<yishi.Diagnostic {} {}{}: {}>", d.severity, d.code, at, d.message);
      });

  py::class_<PyBundle, std::shared_ptr<PyBundle>> bundle(
      m, "Bundle",
      "A loaded 一件事 bundle (the IR), read-only. `check()` lists diagnostics, `compile()` gives a "
      "CompiledBundle, `to_yaml()` / `to_dsl()` print it. Equality compares meaning, not positions.");
  public_name(bundle);
  bundle
      .def_property_readonly(
          "id", [](const PyBundle& b) { return b.bundle.id; }, "The bundle id, e.g. `open_restaurant`.")
      .def_property_readonly(
          "name", [](const PyBundle& b) { return b.bundle.name; }, "The bundle's name, e.g. 开办餐饮店一件事.")
      .def_property_readonly(
          "version", [](const PyBundle& b) { return b.bundle.version; }, "The declared version.")
      .def_property_readonly(
          "file", [](const PyBundle& b) { return b.file; }, "The path or name it was loaded from.")
      .def_property_readonly(
          "applicant", [](const PyBundle& b) { return applicant_kind(b.bundle.applicant); },
          "`enterprise` or `individual`.")
      .def_property_readonly(
          "lead", [](const PyBundle& b) { return b.bundle.lead.id; }, "The lead department (牵头部门).")
      .def_property_readonly(
          "apply", [](const PyBundle& b) { return std::string(ir::to_string(b.bundle.apply)); },
          "How it is applied for: `online`, `window` or `mail`.")
      .def_property_readonly(
          "delivery", [](const PyBundle& b) { return std::string(ir::to_string(b.bundle.delivery)); },
          "How its results are delivered: `online`, `window` or `mail`.")
      .def_property_readonly(
          "basis", [](const PyBundle& b) { return b.bundle.basis; }, "Its provenance note (sources).")
      .def_property_readonly(
          "departments",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& x : b.bundle.departments) {
              py::dict v;
              v["id"] = x.id;
              v["name"] = x.name;
              v["basis"] = x.basis;
              d[py::str(x.id)] = v;
            }
            return d;
          },
          "dict: department id → {id, name, basis}, in declaration order.")
      .def_property_readonly(
          "fields",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& f : b.bundle.fields) d[py::str(f.id)] = field_dict(f);
            return d;
          },
          "dict: field id → {id, label, type, values, multiple, sensitive, required, min, max, min_length, "
          "max_length, pattern, help, source} (the dictionary; items may define more inline).")
      .def_property_readonly(
          "materials",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& x : b.bundle.materials) {
              py::dict v;
              v["id"] = x.id;
              v["name"] = x.name;
              v["deferrable"] = to_py_duration(x.deferrable);
              v["issue_before_supply"] = x.issue_before_supply;
              v["source"] = x.source;
              v["pledge"] = x.pledge;
              v["basis"] = x.basis;
              d[py::str(x.id)] = v;
            }
            return d;
          },
          "dict: material id → {id, name, deferrable (a limit such as \"3wd\", or None), issue_before_supply, "
          "source, pledge, basis}.")
      .def_property_readonly(
          "situations",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& x : b.bundle.situations) {
              py::dict v;
              v["id"] = x.id;
              v["label"] = x.label;
              v["when"] = x.condition.text;
              v["basis"] = x.basis;
              d[py::str(x.id)] = v;
            }
            return d;
          },
          "dict: situation id → {id, label, when, basis}.")
      .def_property_readonly(
          "eligibility",
          [](const PyBundle& b) {
            py::list l;
            for (const auto& x : b.bundle.eligibility) {
              py::dict v;
              v["when"] = x.condition.text;
              v["label"] = x.label;
              l.append(v);
            }
            return l;
          },
          "list of {when, label}: the conditions every applicant must meet.")
      .def_property_readonly(
          "tables",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& t : b.bundle.tables) {
              py::dict v;
              py::list in, out;
              for (const auto& c : t.inputs) in.append(py::str(c.name));
              for (const auto& c : t.outputs) out.append(py::str(c.name));
              v["id"] = t.id;
              v["label"] = t.label;
              v["hit"] = std::string(ir::to_string(t.hit));
              v["inputs"] = in;
              v["outputs"] = out;
              v["rules"] = t.rules.size();
              d[py::str(t.id)] = v;
            }
            return d;
          },
          "dict: decision table id → {id, label, hit, inputs, outputs, rules (how many)}.")
      .def_property_readonly(
          "items",
          [](const PyBundle& b) {
            py::dict d;
            for (const auto& it : b.bundle.items) d[py::str(it.id)] = item_dict(it);
            return d;
          },
          "dict: item id → {id, name, department, form, materials [{id, core}], statutory, promised, when, after, "
          "join, threshold, signers [{role, department, weight}], pledge, essential, fee_fen, inspection, basis}.")
      .def_property_readonly(
          "stages",
          [](const PyBundle& b) {
            py::list l;
            for (const auto& s : b.bundle.stages) {
              py::dict v;
              py::list items;
              for (const auto& r : s.items) items.append(py::str(r.id));
              v["id"] = s.id;
              v["name"] = s.name;
              v["items"] = items;
              l.append(v);
            }
            return l;
          },
          "list of {id, name, items}: explicit phases, if any.")
      .def_property_readonly(
          "variant_of",
          [](const PyBundle& b) -> py::object {
            const auto& p = b.bundle.provenance;
            if (!p.is_variant()) return py::none();
            py::dict v;
            py::list changes;
            for (const auto& c : p.changes) {
              py::dict cd;
              cd["kind"] = variant_kind(c.kind);
              cd["what"] = c.what;
              cd["id"] = c.id;
              cd["keys"] = to_py_strings(c.keys);
              changes.append(cd);
            }
            v["path"] = p.base_path;
            v["id"] = p.base_id;
            v["version"] = p.base_version;
            v["changes"] = changes;
            return v;
          },
          "For a local variant (`extends:`): {path, id, version, changes [{kind, what, id, keys}]}; else None.")
      .def_property_readonly(
          "diagnostics", [](const PyBundle& b) { return diagnostics_list(b.load_diagnostics, *b.sources); },
          "Warnings of the load (a bundle that loaded has no error).")
      .def(
          "check",
          [](const PyBundle& b, bool warnings) {
            Diagnostics all;
            {
              py::gil_scoped_release release;
              for (const auto& d : b.load_diagnostics.items())
                if (warnings || d.severity == Severity::error) all.add(d);
              all.append(check(b.bundle, CheckOptions{warnings}));
            }
            return diagnostics_list(all, *b.sources);
          },
          py::kw_only(), py::arg("warnings") = true,
          "Runs every semantic check; returns every finding of the load and the checks (a list of Diagnostic, "
          "empty when clean), as `yishi check` reports them. Never raises on a finding.")
      .def(
          "to_yaml",
          [](const PyBundle& b) {
            py::gil_scoped_release release;
            return yaml::print(b.bundle);
          },
          "The bundle printed canonically in YAML (as `yishi fmt --to=yaml`, without comments).")
      .def(
          "to_dsl",
          [](const PyBundle& b) {
            py::gil_scoped_release release;
            return dsl::print(b.bundle);
          },
          "The bundle printed canonically in the DSL (as `yishi fmt --to=dsl`, without comments).")
      .def("__eq__",
           [](const PyBundle& a, const py::object& o) -> py::object {
             if (!py::isinstance<PyBundle>(o)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             return py::bool_(a.bundle == o.cast<const PyBundle&>().bundle);
           })
      .def("__hash__", [](const PyBundle& b) { return py::hash(py::make_tuple(b.bundle.id, b.bundle.version)); })
      .def("__repr__", [](const PyBundle& b) {
        return fmt::format("<yishi.Bundle {} {} ({}), {} items>", b.bundle.id, b.bundle.version, b.bundle.name,
                           b.bundle.items.size());
      });

  m.def("load", &load, py::arg("path"),
        "Loads a bundle file: `.yi` is the DSL, anything else YAML (a local variant's `extends:` base is loaded "
        "too). Returns a Bundle; raises LoadError (with `.diagnostics`) when it does not load, including an "
        "unreadable file (E1000).");
  m.def("loads", &loads, py::arg("text"), py::kw_only(), py::arg("format") = py::none(), py::arg("name") = py::none(),
        "Loads a bundle from text. `format`: \"yaml\" or \"dsl\" (default: \"dsl\" when `name` ends in `.yi`, else "
        "\"yaml\"); `name` stands for the file in diagnostics (default \"<string>\"). Raises LoadError.");
}

}  // namespace yishi::python
