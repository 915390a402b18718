// The working-day calendar (official holidays and make-up days, office hours, deadlines) and
// the clocks an engine reads the time from.
#include <fmt/format.h>

#include <filesystem>

#include "errors.hpp"

namespace yishi::python {
namespace {

PyObject* module_object = nullptr;  // the `_yishi` module, to find the bundled calendars next to it

std::shared_ptr<Calendar> load_calendar(const std::string& path) {
  auto sources = std::make_shared<SourceMap>();
  std::optional<Calendar> calendar;
  Diagnostics diagnostics;
  {
    py::gil_scoped_release release;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      auto r = yaml::load_calendar_dir(*sources, path);
      calendar = std::move(r.calendar);
      diagnostics = std::move(r.diagnostics);
    } else {
      auto r = yaml::load_calendar_file(*sources, path);
      if (r.year && !r.diagnostics.has_errors()) calendar = Calendar({std::move(*r.year)});
      diagnostics = std::move(r.diagnostics);
    }
  }
  if (!calendar || diagnostics.has_errors()) throw_diagnostics(DiagnosticFailure::Stage::load, diagnostics, *sources);
  return std::make_shared<Calendar>(std::move(*calendar));
}

std::string fspath(const py::object& path) { return py::str(py::module_::import("os").attr("fspath")(path)); }

std::string years_of(const Calendar& c) {
  std::vector<int> years;
  for (const auto& y : c.years()) years.push_back(y.year);
  return fmt::format("{}", fmt::join(years, ", "));
}

}  // namespace

/// The national calendar bundled with the package (every year in yishi/calendars/), loaded
/// once. Used as an Engine's default calendar.
std::shared_ptr<Calendar> national_calendar() {
  static std::shared_ptr<Calendar> cached;  // guarded by the GIL
  if (!cached) {
    const std::string file = py::str(py::handle(module_object).attr("__file__"));
    const std::string dir = (std::filesystem::path(file).parent_path() / "calendars").string();
    cached = load_calendar(dir);
  }
  return cached;
}

void bind_calendar(py::module_& m) {
  module_object = m.ptr();

  py::class_<Calendar, std::shared_ptr<Calendar>> cal(
      m, "Calendar",
      "A working-day calendar: the State Council's official holidays and make-up working days (调休), office hours "
      "09:00–12:00 and 13:00–18:00, China Standard Time. Immutable. `Calendar()` follows the Monday–Friday rule "
      "without holidays; `Calendar.national()` is the bundled calendar (the Engine's default).");
  public_name(cal);
  cal.def(py::init<>(), "A calendar without holidays: Monday to Friday are working days.")
      .def_static("national", &national_calendar,
                  "The national calendar bundled with yishi (the official notices of 2024–2026, bundles/calendars/).")
      .def_static(
          "load", [](const py::object& path) { return load_calendar(fspath(path)); }, py::arg("path"),
          "Loads a calendar file (one year) or a directory of them (every `*.yaml`); raises LoadError.")
      .def_property_readonly(
          "years",
          [](const Calendar& c) {
            py::list l;
            for (const auto& y : c.years()) l.append(y.year);
            return l;
          },
          "The years whose official notice is loaded.")
      .def(
          "is_working_day", [](const Calendar& c, const py::object& d) { return c.is_working_day(to_date(d, "day")); },
          py::arg("day"), "Whether a datetime.date is a working day.")
      .def(
          "covers", [](const Calendar& c, const py::object& d) { return c.covers(to_date(d, "day")); }, py::arg("day"),
          "Whether the official notice of the date's year is loaded (else the Monday–Friday rule applies).")
      .def(
          "add_working_days",
          [](const Calendar& c, const py::object& d, int n) {
            if (n < 1) throw py::value_error("`n` counts working days after the date: 1 or more");
            return to_py_date(c.add_working_days(to_date(d, "day"), n));
          },
          py::arg("day"), py::arg("n"), "The n-th working day after a date (n ≥ 1; the date itself never counts).")
      .def(
          "working_days_between",
          [](const Calendar& c, const py::object& a, const py::object& b) {
            return c.working_days_between(to_date(a, "start"), to_date(b, "end"));
          },
          py::arg("start"), py::arg("end"), "How many working days pass after `start` up to and including `end`.")
      .def(
          "deadline",
          [](const Calendar& c, const py::object& start, const py::object& limit) {
            return to_py_datetime(c.deadline(to_instant(start, "start"), to_work_duration(limit, "limit")));
          },
          py::arg("start"), py::arg("limit"),
          "The deadline of a limit (\"5wd\", \"4wh\", \"1wd4wh\", \"0wd\") started at a datetime: `Nwd` ends with "
          "office hours of the N-th working day after the start's date.")
      .def(
          "warning_point",
          [](const Calendar& c, const py::object& start, const py::object& limit, double fraction) {
            if (!(fraction > 0 && fraction <= 1)) throw py::value_error("`fraction` is in (0, 1]");
            return to_py_datetime(
                c.warning_point(to_instant(start, "start"), to_work_duration(limit, "limit"), fraction));
          },
          py::arg("start"), py::arg("limit"), py::arg("fraction") = 0.75,
          "The instant `fraction` of the office time to the deadline has passed (亮灯).")
      .def(
          "end_of_working_day",
          [](const Calendar& c, const py::object& t) {
            return to_py_datetime(c.end_of_working_day(to_instant(t, "at")));
          },
          py::arg("at"), "The close of office hours of the working day `at` falls on (or of the next one).")
      .def(
          "local_date",
          [](const Calendar& c, const py::object& t) { return to_py_date(c.local_date(to_instant(t, "at"))); },
          py::arg("at"), "The local date of an instant.")
      .def(
          "at",
          [](const Calendar& c, const py::object& d, int hour, int minute) {
            if (hour < 0 || hour > 23 || minute < 0 || minute > 59) throw py::value_error("hour 0–23, minute 0–59");
            return to_py_datetime(c.at(to_date(d, "day"), hour * 60 + minute));
          },
          py::arg("day"), py::arg("hour") = 0, py::arg("minute") = 0, "The instant of a local date and time.")
      .def("__repr__", [](const Calendar& c) {
        return c.years().empty() ? std::string("<yishi.Calendar Monday–Friday, no holidays>")
                                 : fmt::format("<yishi.Calendar {}>", years_of(c));
      });

  py::class_<Clock, std::shared_ptr<Clock>> clock(
      m, "Clock", "Where an engine takes the time from: SystemClock or ManualClock (not constructible itself).");
  public_name(clock);
  clock.def_property_readonly(
      "now", [](const Clock& c) { return to_py_datetime(c.now()); }, "The current instant (an aware datetime, CST).");

  py::class_<SystemClock, Clock, std::shared_ptr<SystemClock>> system(m, "SystemClock",
                                                                      "The system's wall clock (the default).");
  public_name(system);
  system.def(py::init<>()).def("__repr__", [](const SystemClock&) { return std::string("<yishi.SystemClock>"); });

  py::class_<AtomicManualClock, Clock, std::shared_ptr<AtomicManualClock>> manual(
      m, "ManualClock",
      "A virtual clock that moves only when told to, for tests and simulation. `Engine.advance_to` moves it "
      "too. Safe to read from several threads.");
  public_name(manual);
  manual
      .def(py::init(
               [](const py::object& start) { return std::make_shared<AtomicManualClock>(to_instant(start, "start")); }),
           py::arg("start"), "A clock that reads `start` (a datetime; naive means China Standard Time).")
      .def(
          "advance_to", [](AtomicManualClock& c, const py::object& t) { c.advance_to(to_instant(t, "when")); },
          py::arg("when"), "Moves the clock forward to `when` (never backward). Fires nothing: see Engine.advance_to.")
      .def(
          "advance",
          [](AtomicManualClock& c, const py::object& delta) {
            c.advance_to(to_instant(to_py_datetime(c.now()) + delta, "now + delta"));
          },
          py::arg("delta"), "Moves the clock forward by a datetime.timedelta.")
      .def(
          "set", [](AtomicManualClock& c, const py::object& t) { c.set(to_instant(t, "when")); }, py::arg("when"),
          "Sets the time, also backward.")
      .def("__repr__", [](const AtomicManualClock& c) {
        return fmt::format("<yishi.ManualClock {}>",
                           py::str(to_py_datetime(c.now()).attr("isoformat")()).cast<std::string>());
      });
}

}  // namespace yishi::python
