// The `_yishi` extension module: each area of the pipeline binds its part, in pipeline order
// (a later area adds methods to the classes an earlier one bound). The `yishi` package
// (yishi/__init__.py) re-exports it.
#include "common.hpp"

PYBIND11_MODULE(_yishi, m) {
  namespace py = pybind11;
  using namespace yishi::python;
  m.doc() = "yishi: China's 一件事 government-service bundles as executable workflows (the C++ core).";
  m.attr("__version__") = YISHI_VERSION_STRING;
  m.attr("CST") = china_time_zone();

  bind_errors(m);    // exception classes and the one translation point
  bind_load(m);      // load, loads, Bundle, Diagnostic
  bind_compile(m);   // Bundle.compile, CompiledBundle
  bind_forms(m);     // merged form, material plan, validation
  bind_analysis(m);  // the 四减 report
  bind_export(m);    // DOT, Mermaid, JSON Schema
  bind_calendar(m);  // Calendar, clocks
  bind_store(m);     // Store
  bind_runtime(m);   // Actor, Engine, Case
  bind_simulate(m);  // Distribution, SimulationResults, _simulate
}
