// What the binding files of the `_yishi` module share: the Python-side wrappers of the
// library's objects, conversions between C++ and Python values, and the bind_<area> entry
// points that module.cpp calls in pipeline order.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "yishi/yishi.hpp"

namespace yishi::python {

namespace py = pybind11;

// ---------------------------------------------------------------------------------------
// Wrapped objects. The wrappers keep the SourceMap a bundle was loaded into alive, because
// diagnostics (even those of a later compile) point into it.

/// One diagnostic, with its location resolved to file:line:column (1-based, code points).
struct PyDiagnostic {
  std::string code;      ///< `E3002`
  std::string severity;  ///< `error`, `warning` or `note`
  std::string message;
  std::string file;  ///< empty when the diagnostic has no location
  std::uint32_t line = 0, column = 0, end_line = 0, end_column = 0;
  std::string label;  ///< the text under the primary caret
  std::string help;
  std::vector<std::string> notes;
  py::list labels;   ///< secondary locations: dicts {file, line, column, message}
  std::string text;  ///< the rendered, located text (as `yishi check` prints it)
};

/// Resolves every diagnostic against the sources it points into.
std::vector<PyDiagnostic> to_py_diagnostics(const Diagnostics& ds, const SourceMap& sources);

/// A loaded bundle (the IR) with the sources it came from.
struct PyBundle {
  std::shared_ptr<const SourceMap> sources;
  ir::Bundle bundle;
  Diagnostics load_diagnostics;  ///< warnings of the load (it had no error)
  std::string file;              ///< the name the text was loaded under
};

/// A compiled bundle, its form model (built once: immutable and shareable) and the warnings
/// of its compilation.
struct PyCompiled {
  std::shared_ptr<const SourceMap> sources;
  CompiledBundle compiled;
  std::shared_ptr<const forms::FormModel> model;
  Diagnostics diagnostics;
  std::string file;

  PyCompiled(std::shared_ptr<const SourceMap> s, CompiledBundle c, Diagnostics d, std::string f)
      : sources(std::move(s)),
        compiled(std::move(c)),
        model(std::make_shared<const forms::FormModel>(compiled)),
        diagnostics(std::move(d)),
        file(std::move(f)) {}
};

/// A store chosen by URL: `memory`, `sqlite:///path.db`, `postgresql://…`. Stores are
/// thread-safe; several engines may share one.
struct PyStore {
  std::string url;
  std::string kind;  ///< `memory`, `sqlite` or `postgresql`
  std::unique_ptr<Store> store;
};

/// Opens the store a URL names (options as in Store(...)); throws py::value_error on a URL
/// it does not know and yishi::StoreError when the store cannot be opened.
std::shared_ptr<PyStore> open_store(const std::string& url, const py::dict& options);
/// The store an `Engine(store=…)` argument stands for: a Store, a URL or a path.
std::shared_ptr<PyStore> store_of(py::handle h);

/// The national calendar bundled with the package (yishi/calendars/), loaded once: the
/// default calendar of an Engine.
std::shared_ptr<Calendar> national_calendar();

/// A ManualClock that several threads may read while one sets it.
class AtomicManualClock final : public Clock {
 public:
  explicit AtomicManualClock(Instant start) : seconds_(start.time_since_epoch().count()) {}
  [[nodiscard]] Instant now() const override { return Instant(std::chrono::seconds(seconds_.load())); }
  void advance_to(Instant t) override {
    auto v = seconds_.load();
    const auto target = t.time_since_epoch().count();
    while (target > v && !seconds_.compare_exchange_weak(v, target)) {
    }
  }
  void set(Instant t) { seconds_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<std::int64_t> seconds_;
};

/// An Engine with what it runs on (store, clock, calendar), the compiled bundles it runs
/// (to name items and materials in events), and a lock: one engine serves one thread at a
/// time, so Python threads take turns, with the GIL released meanwhile.
class PyEngine {
 public:
  PyEngine(std::shared_ptr<PyStore> store, std::shared_ptr<Clock> clock, const Calendar& calendar,
           EngineOptions options);
  ~PyEngine();
  PyEngine(const PyEngine&) = delete;
  PyEngine& operator=(const PyEngine&) = delete;

  /// Runs `f(engine)` with the GIL released and the engine's lock held (released before the
  /// GIL is taken back, so that no thread waits for one while holding the other).
  template <class F>
  auto run(F&& f) {
    py::gil_scoped_release release;
    std::lock_guard<std::mutex> lock(mutex_);
    return f(*engine_);
  }

  /// The next generated command id: a random prefix per engine and a counter.
  std::string next_command_id();
  /// Remembers a compiled bundle under its id and version (GIL held).
  void remember(const CompiledBundle& c);
  /// The compiled bundle of an id and version this engine deployed, or null.
  const CompiledBundle* find(const std::string& bundle, const std::string& version) const;

  std::shared_ptr<PyStore> store;
  std::shared_ptr<Clock> clock;

 private:
  std::unique_ptr<Engine> engine_;  // declared after store and clock: destroyed first
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, CompiledBundle> deployed_;
  std::string prefix_;
  std::atomic<std::uint64_t> counter_{0};
};

/// A case: the engine it runs on and its id. Its applicant and bundle are looked up once.
struct PyCase {
  std::shared_ptr<PyEngine> engine;
  CaseId id;
  std::string applicant;  ///< the real id (the applicant's commands are theirs by default)
  std::string bundle, version;
};

// ---------------------------------------------------------------------------------------
// Conversions. Instants are timezone-aware datetimes in China Standard Time (UTC+8, the
// calendars' zone); a naive datetime given to yishi is read as China Standard Time. Dates
// are datetime.date.

/// `yishi.CST`: datetime.timezone(timedelta(hours=8), "CST").
py::object china_time_zone();
py::object to_py_datetime(Instant t);
/// None for an unset instant (the epoch, as case states leave them).
py::object to_py_instant_or_none(Instant t);
py::object to_py_optional(const std::optional<Instant>& t);
/// From a datetime.datetime (naive: China Standard Time); TypeError otherwise.
Instant to_instant(py::handle h, const char* what);
py::object to_py_date(Date d);
/// From a datetime.date that is not a datetime; TypeError otherwise.
Date to_date(py::handle h, const char* what);
/// Today's date as the command line takes it (`yishi report` without --today).
std::int64_t today_days();
/// `today` argument of the forms functions: None (today) or a datetime.date.
std::int64_t today_of(py::handle h);

/// Answers from a dict field id → bool | int | float | str | datetime.date | list[str].
expr::Answers to_answers(py::handle h);
py::object to_py_answer(const expr::Answer& a);
py::dict to_py_answers(const expr::Answers& answers);
/// Situations decided by the front desk: dict id → bool.
std::vector<std::pair<std::string, bool>> to_situations(py::handle h);
/// A list or tuple of str (None: empty); `what` names the argument in errors.
std::vector<std::string> to_strings(py::handle h, const char* what);
py::list to_py_strings(const std::vector<std::string>& v);

/// `5wd`, `4wh`, `1wd4wh`, `0wd`; ValueError otherwise.
ir::WorkDuration to_work_duration(py::handle h, const char* what);
py::object to_py_duration(const std::optional<ir::WorkDuration>& d);

/// A field's type and constraints as dict entries (`type`, `values`, `multiple`, `sensitive`,
/// `required`, `min`, `max`, `min_length`, `max_length`), shared by the bundle's field
/// dictionary and the merged form.
void field_shape(py::dict& d, ir::FieldType type, const std::vector<std::string>& values, bool multiple,
                 bool sensitive, const ir::FieldConstraints& c);

/// Parses JSON text the library wrote into Python objects (json.loads).
py::object from_json(const std::string& text);

/// An applicant for the forms, the report and the JSON Schema: answers so far, the date
/// conditions are evaluated on, situations decided by the front desk, pledged items and
/// provider materials that could not be supplied.
forms::Applicant to_applicant(py::handle answers, py::handle today, py::handle situations, py::handle pledged,
                              py::handle unavailable, bool every_item);

/// The actor of a staff command: an Actor, or a tuple (id, department, role).
Actor to_actor(py::handle h, const char* what);

/// Sets `__module__` of a bound class to `yishi`, where the package re-exports it.
void public_name(py::handle cls);

// ---------------------------------------------------------------------------------------
// The areas, in pipeline order (module.cpp calls them in this order).

void bind_errors(py::module_& m);
void bind_load(py::module_& m);
void bind_compile(py::module_& m);
void bind_forms(py::module_& m);
void bind_analysis(py::module_& m);
void bind_export(py::module_& m);
void bind_calendar(py::module_& m);
void bind_store(py::module_& m);
void bind_runtime(py::module_& m);
void bind_simulate(py::module_& m);

/// The class object bound earlier under `name`, to add an area's methods to it.
template <class T, class... Options>
py::class_<T, Options...> bound_class(py::module_& m, const char* name) {
  return py::reinterpret_borrow<py::class_<T, Options...>>(m.attr(name));
}

}  // namespace yishi::python
