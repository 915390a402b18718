// The exception classes of `yishi` and the one place where C++ failures become them: the
// engine's typed command errors (one class per ErrorKind), load and check diagnostics, and
// the stores' infrastructure failures.
#include "errors.hpp"

#include <array>

namespace yishi::python {
namespace {

// The classes live as long as the interpreter (never released: translation may run while
// the module is being torn down).
struct Classes {
  PyObject* error = nullptr;
  PyObject* load_error = nullptr;
  PyObject* check_error = nullptr;
  PyObject* store_error = nullptr;
  PyObject* command_error = nullptr;
  std::array<PyObject*, 12> by_kind{};  // indexed by ErrorKind
};
Classes classes;

PyObject* new_class(py::module_& m, const char* name, const char* doc, py::handle bases) {
  const std::string qualified = std::string("yishi.") + name;
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!cls) throw py::error_already_set();
  m.add_object(name, py::handle(cls));  // the module holds a reference too
  return cls;
}

PyObject* new_class(py::module_& m, const char* name, const char* doc, PyObject* base) {
  return new_class(m, name, doc, py::handle(base));
}

PyObject* new_class(py::module_& m, const char* name, const char* doc, PyObject* base, PyObject* builtin) {
  py::tuple bases = py::make_tuple(py::handle(base), py::handle(builtin));
  return new_class(m, name, doc, bases);
}

void raise(PyObject* cls, const py::object& instance) { PyErr_SetObject(cls, instance.ptr()); }

void raise_command(const CommandFailure& f) {
  PyObject* cls = classes.by_kind.at(static_cast<std::size_t>(f.error.kind));
  py::object e = py::reinterpret_borrow<py::object>(cls)(f.error.message);
  e.attr("kind") = std::string(to_string(f.error.kind));
  e.attr("message") = f.error.message;
  e.attr("case_id") = f.case_id ? py::object(py::int_(f.case_id->value)) : py::object(py::none());
  e.attr("missing_fields") = to_py_strings(f.error.missing_fields);
  e.attr("original") = f.original ? f.original : py::none();
  if (f.error.kind == ErrorKind::duplicate_command && f.error.original) {
    e.attr("case_id") = py::int_(f.error.original->case_id.value);
    e.attr("version") = py::int_(f.error.original->version);
  }
  raise(cls, e);
}

void raise_diagnostics(const DiagnosticFailure& f) {
  PyObject* cls = f.stage == DiagnosticFailure::Stage::load ? classes.load_error : classes.check_error;
  py::object e = py::reinterpret_borrow<py::object>(cls)(f.message);
  py::list ds;
  for (const auto& d : f.diagnostics) ds.append(py::cast(d));
  e.attr("diagnostics") = ds;
  raise(cls, e);
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const CommandFailure& f) {
    raise_command(f);
  } catch (const DiagnosticFailure& f) {
    raise_diagnostics(f);
  } catch (const StoreError& e) {
    raise(classes.store_error, py::reinterpret_borrow<py::object>(classes.store_error)(e.what()));
  }
}

}  // namespace

[[noreturn]] void throw_diagnostics(DiagnosticFailure::Stage stage, const Diagnostics& ds, const SourceMap& sources) {
  throw DiagnosticFailure(stage, render_text(ds, sources), to_py_diagnostics(ds, sources));
}

void bind_errors(py::module_& m) {
  PyObject* exception = PyExc_Exception;
  classes.error = new_class(m, "Error", "Base class of every error yishi raises.", exception);
  classes.load_error =
      new_class(m, "LoadError",
                "A bundle or calendar did not load. `diagnostics` lists every finding (located); str() renders them.",
                classes.error);
  classes.check_error = new_class(
      m, "CheckError", "The checker found errors in a bundle, so it was not compiled. `diagnostics` lists them.",
      classes.error);
  classes.store_error = new_class(
      m, "StoreError", "An infrastructure failure of a store: unreadable or corrupt file, lost server, full disk.",
      classes.error);
  classes.command_error =
      new_class(m, "CommandError",
                "The engine refused a command and changed nothing. Attributes: kind (the ErrorKind name), message, "
                "case_id, missing_fields, original.",
                classes.error);

  struct Kind {
    ErrorKind kind;
    const char* name;
    const char* doc;
    PyObject* builtin;
  };
  const Kind kinds[] = {
      {ErrorKind::invalid_transition, "InvalidTransition", "Not allowed in the case's or the item's current state.",
       nullptr},
      {ErrorKind::not_authorised, "NotAuthorised", "The actor may not do this.", nullptr},
      {ErrorKind::unknown_step, "UnknownStep", "No such item in the bundle.", PyExc_LookupError},
      {ErrorKind::unknown_material, "UnknownMaterial", "No such material in the bundle.", PyExc_LookupError},
      {ErrorKind::unknown_case, "UnknownCase", "No such case in the store.", PyExc_LookupError},
      {ErrorKind::unknown_bundle, "UnknownBundle", "No such bundle (or version) deployed.", PyExc_LookupError},
      {ErrorKind::invalid_argument, "InvalidArgument",
       "The command itself is malformed (empty id, missing comment, score out of range, wrong answer type…).",
       PyExc_ValueError},
      {ErrorKind::duplicate_command, "DuplicateCommand",
       "The command id was already applied to this command: `original` is the first outcome (its events), "
       "`case_id` and `version` its case and the version it left.",
       nullptr},
      {ErrorKind::key_reused, "KeyReused", "The command id was already used by a different command.", nullptr},
      {ErrorKind::conflict, "Conflict", "Another writer kept changing the case; the retries ran out.", nullptr},
      {ErrorKind::needs_answers, "NeedsAnswers",
       "open_case: which items apply depends on unanswered fields, listed in `missing_fields`.", nullptr},
      {ErrorKind::not_eligible, "NotEligible", "open_case: an eligibility condition of the bundle does not hold.",
       nullptr},
  };
  for (const Kind& k : kinds) {
    classes.by_kind.at(static_cast<std::size_t>(k.kind)) =
        k.builtin ? new_class(m, k.name, k.doc, classes.command_error, k.builtin)
                  : new_class(m, k.name, k.doc, classes.command_error);
  }
  py::register_exception_translator(&translate);
}

}  // namespace yishi::python
