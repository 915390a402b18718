// Failures the binding code throws in C++; errors.cpp translates them, and the library's
// StoreError, into the `yishi` exception classes at one place.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "common.hpp"

namespace yishi::python {

/// A command the engine refused. `original` is the first outcome of a duplicate command (a
/// list of event dicts), else None. Thrown with the GIL held.
struct CommandFailure : std::exception {
  CommandError error;
  py::object original;
  std::optional<CaseId> case_id;  ///< the case the command was for (none for open_case)

  CommandFailure(CommandError e, py::object o, std::optional<CaseId> c)
      : error(std::move(e)), original(std::move(o)), case_id(c) {}
  [[nodiscard]] const char* what() const noexcept override { return error.message.c_str(); }
};

/// A bundle (or calendar) that did not load, or a bundle the checker found errors in.
struct DiagnosticFailure : std::exception {
  enum class Stage { load, check };
  Stage stage = Stage::load;
  std::string message;  ///< every diagnostic rendered, as `yishi check` prints them
  std::vector<PyDiagnostic> diagnostics;

  DiagnosticFailure(Stage s, std::string m, std::vector<PyDiagnostic> d)
      : stage(s), message(std::move(m)), diagnostics(std::move(d)) {}
  [[nodiscard]] const char* what() const noexcept override { return message.c_str(); }
};

/// Throws the DiagnosticFailure of a load or a check with errors.
[[noreturn]] void throw_diagnostics(DiagnosticFailure::Stage stage, const Diagnostics& ds, const SourceMap& sources);

}  // namespace yishi::python
