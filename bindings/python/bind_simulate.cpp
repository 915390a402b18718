// Simulation: Distribution, the scenario built from keyword arguments (or loaded from a
// scenario file), and the results with their per-case columns as numpy arrays that share
// the results' memory (read-only).
#include <pybind11/numpy.h>

#include <fmt/format.h>

#include "common.hpp"
#include "yishi/base/text.hpp"
#include "yishi/simulate/scenario.hpp"

namespace yishi::python {
namespace {

using simulate::Distribution;

// ---- arguments --------------------------------------------------------------------------

[[noreturn]] void bad(const std::string& message) { throw py::value_error(message); }

/// Refuses keys a dict argument does not know, with a suggestion.
void known_keys(const py::dict& d, const std::vector<std::string_view>& keys, const std::string& what) {
  for (auto [k, v] : d) {
    const std::string key = py::str(k);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    const auto near = text::closest_match(key, keys);
    bad(fmt::format("{}: unknown key `{}`{}", what, key, near ? fmt::format(" (did you mean `{}`?)", *near) : ""));
  }
}

/// A duration: a Distribution, a number (fixed office hours), a one-key dict
/// ({"exponential": 2}, {"lognormal": [3, 1]}) or a tuple ("triangular", 1, 2, 6).
Distribution to_distribution(py::handle h, const std::string& what) {
  Distribution d;
  if (py::isinstance<Distribution>(h)) {
    d = h.cast<Distribution>();
  } else if (py::isinstance<py::bool_>(h)) {
    bad(fmt::format("{}: a duration is a number of office hours or a distribution, not a bool", what));
  } else if (py::isinstance<py::int_>(h) || py::isinstance<py::float_>(h)) {
    d = Distribution::fixed(h.cast<double>());
  } else {
    std::string kind;
    py::object params;
    if (py::isinstance<py::dict>(h) && py::len(h) == 1) {
      auto item = *py::reinterpret_borrow<py::dict>(h).begin();
      kind = py::str(item.first);
      params = py::reinterpret_borrow<py::object>(item.second);
    } else if (py::isinstance<py::tuple>(h) && py::len(h) >= 1 && py::isinstance<py::str>(h[py::int_(0)])) {
      auto t = py::reinterpret_borrow<py::tuple>(h);
      kind = t[0].cast<std::string>();
      params = t[py::slice(1, static_cast<py::ssize_t>(py::len(t)), 1)];
    } else {
      bad(fmt::format("{}: a duration is a number of office hours, a yishi.Distribution, {{\"exponential\": MEAN}} or "
                      "(\"exponential\", MEAN)",
                      what));
    }
    const std::vector<std::string_view> kinds = {"fixed", "exponential", "lognormal", "triangular", "empirical"};
    auto it = std::find(kinds.begin(), kinds.end(), kind);
    if (it == kinds.end()) {
      const auto near = text::closest_match(kind, kinds);
      bad(fmt::format("{}: no distribution `{}`{}", what, kind, near ? fmt::format(" (did you mean `{}`?)", *near) : ""));
    }
    d.kind = static_cast<Distribution::Kind>(it - kinds.begin());
    d.params.clear();
    if (py::isinstance<py::int_>(params) || py::isinstance<py::float_>(params)) {
      d.params.push_back(params.cast<double>());
    } else {
      for (py::handle p : params) d.params.push_back(p.cast<double>());
    }
  }
  if (auto why = d.invalid(); !why.empty()) bad(fmt::format("{}: {}", what, why));
  return d;
}

double to_probability(py::handle h, const std::string& what) {
  const double p = h.cast<double>();
  if (!(p >= 0 && p <= 1)) bad(fmt::format("{}: a probability is between 0 and 1, not {}", what, p));
  return p;
}

simulate::ItemLoad to_item_load(py::handle h, simulate::ItemLoad base, const std::string& what) {
  if (!py::isinstance<py::dict>(h)) bad(fmt::format("{}: expected a dict {{\"service\": …, \"reject\": …}}", what));
  auto d = py::reinterpret_borrow<py::dict>(h);
  known_keys(d, {"service", "reject"}, what);
  if (d.contains("service")) base.service = to_distribution(d["service"], what + ".service");
  if (d.contains("reject")) base.reject = to_probability(d["reject"], what + ".reject");
  return base;
}

simulate::BundleLoad to_bundle_load(py::handle h, std::size_t index) {
  const std::string at = fmt::format("bundles[{}]", index);
  py::dict d;
  if (py::isinstance<PyCompiled>(h)) {
    d["bundle"] = h;
  } else if (py::isinstance<py::dict>(h)) {
    d = py::reinterpret_borrow<py::dict>(h);
  } else {
    bad(fmt::format("{}: expected a CompiledBundle or a dict with `bundle` and its load", at));
  }
  known_keys(d, {"bundle", "arrivals_per_day", "profiles", "situations", "intake", "issue", "review", "items", "defer",
                 "supply", "correction", "resubmit", "pledge", "post_check_fail", "post_check", "rate", "reapply"},
             at);
  if (!d.contains("bundle") || !py::isinstance<PyCompiled>(d["bundle"]))
    bad(fmt::format("{}: `bundle` must be a CompiledBundle (yishi.load(path).compile())", at));
  const auto& pc = d["bundle"].cast<const PyCompiled&>();
  simulate::BundleLoad l(pc.compiled);
  const std::string name = fmt::format("{} ({})", at, pc.compiled.bundle().id);
  if (d.contains("arrivals_per_day")) l.arrivals_per_day = d["arrivals_per_day"].cast<double>();
  if (d.contains("profiles"))
    for (py::handle p : d["profiles"]) {
      simulate::Profile profile;
      if (py::isinstance<py::dict>(p) && py::reinterpret_borrow<py::dict>(p).contains("answers")) {
        auto pd = py::reinterpret_borrow<py::dict>(p);
        known_keys(pd, {"weight", "answers"}, name + ".profiles[]");
        if (pd.contains("weight")) profile.weight = pd["weight"].cast<double>();
        profile.answers = to_answers(pd["answers"]);
      } else {
        profile.answers = to_answers(p);
      }
      l.profiles.push_back(std::move(profile));
    }
  if (d.contains("situations"))
    for (auto [k, v] : d["situations"].cast<py::dict>())
      l.situations.emplace_back(py::str(k), to_probability(v, fmt::format("{}.situations[{}]", name, std::string(py::str(k)))));
  if (d.contains("review")) l.review = to_item_load(d["review"], l.review, name + ".review");
  if (d.contains("items"))
    for (auto [k, v] : d["items"].cast<py::dict>()) {
      const std::string id = py::str(k);
      l.items[id] = to_item_load(v, l.review, fmt::format("{}.items[{}]", name, id));
    }
  auto dist = [&](const char* key, Distribution& out) {
    if (d.contains(key)) out = to_distribution(d[key], fmt::format("{}.{}", name, key));
  };
  auto prob = [&](const char* key, double& out) {
    if (d.contains(key)) out = to_probability(d[key], fmt::format("{}.{}", name, key));
  };
  dist("intake", l.intake);
  dist("issue", l.issue);
  dist("supply", l.supply);
  dist("resubmit", l.resubmit);
  dist("post_check", l.post_check);
  dist("reapply", l.reapply);
  prob("defer", l.defer);
  prob("correction", l.correction);
  prob("pledge", l.pledge);
  prob("post_check_fail", l.post_check_fail);
  prob("rate", l.rate);
  return l;
}

simulate::Mode to_mode(const std::string& s) {
  if (s == "bundled") return simulate::Mode::bundled;
  if (s == "separate") return simulate::Mode::separate;
  bad(fmt::format("mode must be \"bundled\" or \"separate\", not \"{}\"", s));
}

// ---- results ----------------------------------------------------------------------------

template <class T>
py::array column(const std::shared_ptr<simulate::Results>& r, const std::vector<T>& v) {
  py::array_t<T> a({static_cast<py::ssize_t>(v.size())}, {static_cast<py::ssize_t>(sizeof(T))}, v.data(), py::cast(r));
  py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return a;
}

py::dict bundle_summary(const simulate::BundleSummary& b) {
  py::dict d;
  d["id"] = b.id;
  d["arrivals"] = b.arrivals;
  d["issued"] = b.issued;
  d["rejected"] = b.rejected;
  d["not_opened"] = b.not_opened;
  d["unfinished"] = b.unfinished;
  d["lead_mean"] = b.lead_mean;
  d["lead_p50"] = b.lead_p50;
  d["lead_p95"] = b.lead_p95;
  d["lead_p99"] = b.lead_p99;
  d["trips_mean"] = b.trips_mean;
  return d;
}

py::dict item_summary(const simulate::ItemSummary& i) {
  py::dict d;
  d["bundle"] = i.bundle;
  d["item"] = i.item;
  d["department"] = i.department;
  d["started"] = i.started;
  d["decided"] = i.decided;
  d["breached"] = i.breached;
  d["breach_rate"] = i.breach_rate();
  return d;
}

/// Everything but the per-case and per-day arrays: small, picklable, JSON-friendly.
py::dict summary(const simulate::Results& r) {
  py::dict d;
  d["mode"] = std::string(to_string(r.mode));
  d["seed"] = r.seed;
  d["cases"] = r.cases.size();
  d["days"] = r.days;
  py::list bundles, items;
  for (const auto& b : r.bundles) bundles.append(bundle_summary(b));
  for (const auto& i : r.items) items.append(item_summary(i));
  d["bundles"] = bundles;
  d["items"] = items;
  py::dict depts;
  for (const auto& dep : r.departments) {
    py::dict x;
    x["staff"] = dep.staff;
    x["utilisation_mean"] = dep.utilisation_mean;
    x["queue_peak"] = dep.queue.empty() ? 0.0 : double(*std::max_element(dep.queue.begin(), dep.queue.end()));
    x["tasks"] = dep.tasks;
    depts[py::str(dep.id)] = x;
  }
  d["departments"] = depts;
  d["commands"] = r.commands;
  d["engine_refusals"] = r.engine_refusals;
  d["refusals"] = to_py_strings(r.refusals);
  d["opening_failures"] = r.opening_failures;
  d["opening_reasons"] = to_py_strings(r.opening_reasons);
  d["wall_seconds"] = r.wall_seconds;
  return d;
}

std::shared_ptr<simulate::Results> run_released(const simulate::Scenario& s, const Calendar& cal) {
  std::shared_ptr<simulate::Results> out;
  {
    py::gil_scoped_release release;
    out = std::make_shared<simulate::Results>(simulate::run(s, cal));
  }
  return out;
}

}  // namespace

void bind_simulate(py::module_& m) {
  py::class_<Distribution> dist(m, "Distribution",
                                "A random duration in office hours (8 per working day): service times and delays "
                                "of a simulation.");
  public_name(dist);
  dist.def_static("fixed", &Distribution::fixed, py::arg("hours"), "Always `hours`.")
      .def_static("exponential", &Distribution::exponential, py::arg("mean"), "Exponential with this mean.")
      .def_static("lognormal", &Distribution::lognormal, py::arg("mean"), py::arg("sd"),
                  "Lognormal with this mean and standard deviation (of the duration itself).")
      .def_static("triangular", &Distribution::triangular, py::arg("min"), py::arg("mode"), py::arg("max"),
                  "Triangular between min and max, peaking at mode.")
      .def_static("empirical", &Distribution::empirical, py::arg("values"), "One of the observed values, uniformly.")
      .def_property_readonly("kind", [](const Distribution& d) { return std::string(to_string(d.kind)); },
                             "`fixed`, `exponential`, `lognormal`, `triangular` or `empirical`.")
      .def_property_readonly("params", [](const Distribution& d) { return d.params; }, "The parameters, office hours.")
      .def_property_readonly("mean", &Distribution::mean, "The mean duration, office hours.")
      .def("__eq__", [](const Distribution& a, const Distribution& b) { return a == b; })
      .def("__repr__", [](const Distribution& d) {
        return fmt::format("Distribution.{}({})", to_string(d.kind), fmt::join(d.params, ", "));
      })
      .def(py::pickle([](const Distribution& d) { return py::make_tuple(static_cast<int>(d.kind), d.params); },
                      [](const py::tuple& t) {
                        return Distribution{static_cast<Distribution::Kind>(t[0].cast<int>()), t[1].cast<std::vector<double>>()};
                      }));

  py::class_<simulate::Results, std::shared_ptr<simulate::Results>> res(
      m, "SimulationResults",
      "What a simulation measured. Per case (numpy arrays, in arrival order within each partition): `bundle`, "
      "`partition`, `arrival`, `lead_days`, `trips`, `outcome`; per department and working day: `utilisation` and "
      "`queue`; and summaries.");
  public_name(res);
  res.def_property_readonly("mode", [](const simulate::Results& r) { return std::string(to_string(r.mode)); },
                             "`bundled` or `separate`.")
      .def_property_readonly("seed", [](const simulate::Results& r) { return r.seed; }, "The seed of the run.")
      .def_property_readonly("days", [](const simulate::Results& r) { return r.days; },
                             "Working days simulated (length of each department's series).")
      .def_property_readonly("commands", [](const simulate::Results& r) { return r.commands; },
                             "Engine commands run (timers included).")
      .def_property_readonly("engine_refusals", [](const simulate::Results& r) { return r.engine_refusals; },
                             "Commands the engine refused (0 unless the model and the engine disagree).")
      .def_property_readonly("wall_seconds", [](const simulate::Results& r) { return r.wall_seconds; },
                             "Wall-clock time of the run.")
      .def_property_readonly("bundle", [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.bundle); },
                             "Per case: index of its bundle (into `bundle_ids`).")
      .def_property_readonly("partition",
                             [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.partition); },
                             "Per case: its partition (service centre).")
      .def_property_readonly("arrival", [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.arrival); },
                             "Per case: arrival, working days after the start.")
      .def_property_readonly("lead_days",
                             [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.lead_days); },
                             "Per case: submission → issuance in working days (NaN unless issued).")
      .def_property_readonly("trips", [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.trips); },
                             "Per case: visits in person (跑动).")
      .def_property_readonly("outcome", [](const std::shared_ptr<simulate::Results>& r) { return column(r, r->cases.outcome); },
                             "Per case: index into `OUTCOMES` (issued, rejected, not_opened, unfinished).")
      .def_property_readonly("bundle_ids",
                             [](const simulate::Results& r) {
                               py::list l;
                               for (const auto& b : r.bundles) l.append(b.id);
                               return l;
                             },
                             "The bundles' ids, in the order of the `bundle` column's indices.")
      .def_property_readonly("bundles",
                             [](const simulate::Results& r) {
                               py::dict d;
                               for (const auto& b : r.bundles) d[py::str(b.id)] = bundle_summary(b);
                               return d;
                             },
                             "Per bundle: arrivals, outcomes, lead time mean/p50/p95/p99 (working days), mean trips.")
      .def_property_readonly("items",
                             [](const simulate::Results& r) {
                               py::list l;
                               for (const auto& i : r.items) l.append(item_summary(i));
                               return l;
                             },
                             "Per item: reviews started and decided, promised limits breached, breach rate.")
      .def_property_readonly(
          "departments",
          [](const std::shared_ptr<simulate::Results>& r) {
            py::dict d;
            for (const auto& dep : r->departments) {
              py::dict x;
              x["staff"] = dep.staff;
              x["utilisation"] = column(r, dep.utilisation);
              x["queue"] = column(r, dep.queue);
              x["utilisation_mean"] = dep.utilisation_mean;
              x["tasks"] = dep.tasks;
              d[py::str(dep.id)] = x;
            }
            return d;
          },
          "Per department: staff, and per working day utilisation (0..1) and mean queue length (numpy arrays).")
      .def("quantile",
           [](const simulate::Results& r, double q, std::optional<std::string> bundle) {
             std::optional<std::size_t> b;
             if (bundle) {
               for (std::size_t k = 0; k < r.bundles.size(); ++k)
                 if (r.bundles[k].id == *bundle) b = k;
               if (!b) throw py::key_error(fmt::format("no bundle `{}` in these results", *bundle));
             }
             return simulate::lead_quantile(r, q, b);
           },
           py::arg("q"), py::arg("bundle") = py::none(),
           "The lead-time quantile q (0..1) of issued cases, of one bundle or all.")
      .def("summary", [](const simulate::Results& r) { return summary(r); },
           "Everything but the arrays, as plain dicts (picklable, JSON-friendly).")
      .def("__len__", [](const simulate::Results& r) { return r.cases.size(); }, "Number of simulated applicants.")
      .def("__repr__", [](const simulate::Results& r) {
        std::string parts;
        for (const auto& b : r.bundles)
          parts += fmt::format("{}{}: {} issued, p50 {:.2f} p95 {:.2f} wd", parts.empty() ? "" : "; ", b.id, b.issued,
                               b.lead_p50, b.lead_p95);
        return fmt::format("<SimulationResults {} cases, {}, {} days: {}>", r.cases.size(), to_string(r.mode), r.days, parts);
      });
  m.attr("OUTCOMES") = py::make_tuple("issued", "rejected", "not_opened", "unfinished");

  m.def(
      "_simulate",
      [](const py::list& bundles, const py::dict& staff, int default_staff, py::object start, int working_days,
         std::uint64_t seed, const std::string& mode, py::object trace, int partitions, int threads,
         double post_check_rate, bool keep_logs, int drain_days, py::object calendar) {
        simulate::Scenario s;
        for (std::size_t k = 0; k < py::len(bundles); ++k) s.bundles.push_back(to_bundle_load(bundles[k], k));
        for (auto [k, v] : staff) s.staff[py::str(k)] = v.cast<int>();
        s.default_staff = default_staff;
        s.start = start.is_none() ? *parse_date("2025-01-02") : to_date(start, "start");
        s.working_days = working_days;
        s.seed = seed;
        s.mode = to_mode(mode);
        if (!trace.is_none())
          for (py::handle a : trace) {
            auto t = a.cast<py::tuple>();
            if (t.size() < 2 || t.size() > 3) bad("trace: each arrival is (day, bundle) or (day, bundle, profile)");
            simulate::Arrival arrival;
            arrival.day = t[0].cast<double>();
            if (py::isinstance<py::str>(t[1])) {
              const std::string id = t[1].cast<std::string>();
              std::size_t b = s.bundles.size();
              for (std::size_t k = 0; k < s.bundles.size(); ++k)
                if (s.bundles[k].bundle.bundle().id == id) b = k;
              if (b == s.bundles.size()) bad(fmt::format("trace: no bundle `{}` in the simulation", id));
              arrival.bundle = b;
            } else {
              arrival.bundle = t[1].cast<std::size_t>();
            }
            if (t.size() == 3 && !t[2].is_none()) arrival.profile = t[2].cast<std::size_t>();
            s.trace.push_back(arrival);
          }
        s.partitions = partitions;
        s.threads = threads;
        s.post_check_rate = post_check_rate;
        s.keep_logs = keep_logs;
        s.drain_days = drain_days;
        if (auto problems = simulate::validate(s); !problems.empty()) bad(fmt::format("{}", fmt::join(problems, "; ")));
        const auto cal = calendar.is_none() ? national_calendar() : calendar.cast<std::shared_ptr<Calendar>>();
        return run_released(s, *cal);
      },
      py::arg("bundles"), py::arg("staff"), py::arg("default_staff"), py::arg("start"), py::arg("working_days"),
      py::arg("seed"), py::arg("mode"), py::arg("trace"), py::arg("partitions"), py::arg("threads"),
      py::arg("post_check_rate"), py::arg("keep_logs"), py::arg("drain_days"), py::arg("calendar"),
      "Runs a simulation (use yishi.simulate, which documents the arguments).");

  m.def(
      "_simulate_file",
      [](const std::string& path, py::dict overrides) {
        auto loaded = simulate::load_scenario_file(path);
        if (!loaded.scenario) {
          std::string all;
          for (const auto& p : loaded.problems) all += (all.empty() ? "" : "\n") + simulate::to_string(p);
          bad(all);
        }
        simulate::Scenario s = std::move(*loaded.scenario);
        known_keys(overrides, {"working_days", "seed", "mode", "partitions", "threads", "drain_days"}, "simulate_file");
        if (overrides.contains("working_days")) s.working_days = overrides["working_days"].cast<int>();
        if (overrides.contains("seed")) s.seed = overrides["seed"].cast<std::uint64_t>();
        if (overrides.contains("mode")) s.mode = to_mode(overrides["mode"].cast<std::string>());
        if (overrides.contains("partitions")) s.partitions = overrides["partitions"].cast<int>();
        if (overrides.contains("threads")) s.threads = overrides["threads"].cast<int>();
        if (overrides.contains("drain_days")) s.drain_days = overrides["drain_days"].cast<int>();
        if (auto problems = simulate::validate(s); !problems.empty()) bad(fmt::format("{}", fmt::join(problems, "; ")));
        return run_released(s, loaded.calendar ? *loaded.calendar : *national_calendar());
      },
      py::arg("path"), py::arg("overrides"), "Runs a scenario file (use yishi.simulate_file).");
}

}  // namespace yishi::python
