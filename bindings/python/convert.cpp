// Conversions between the library's values and Python's: instants and dates, answers,
// lists of ids, working-time limits, JSON text, actors.
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <chrono>

#include "common.hpp"

namespace yishi::python {
namespace {

// Python objects used on every conversion, created once (under the GIL) and kept for the
// life of the process: module teardown order must not leave a converter without them.
struct DateTime {
  py::object datetime_type, date_type, timedelta_type, timezone;
  py::object epoch;       // 1970-01-01T00:00:00+00:00
  py::object one_second;  // timedelta(seconds=1)
  py::object json_loads;
};

const DateTime& dt() {
  static const DateTime* d = [] {
    py::module_ datetime = py::module_::import("datetime");
    auto* x = new DateTime;
    x->datetime_type = datetime.attr("datetime");
    x->date_type = datetime.attr("date");
    x->timedelta_type = datetime.attr("timedelta");
    x->timezone = datetime.attr("timezone")(x->timedelta_type(py::arg("hours") = 8), "CST");
    x->epoch = x->datetime_type(1970, 1, 1, py::arg("tzinfo") = datetime.attr("timezone").attr("utc"));
    x->one_second = x->timedelta_type(py::arg("seconds") = 1);
    x->json_loads = py::module_::import("json").attr("loads");
    return x;
  }();
  return *d;
}

// date(1970, 1, 1).toordinal()
constexpr std::int64_t epoch_ordinal = 719163;

std::string type_name(py::handle h) { return py::str(py::type::handle_of(h).attr("__name__")); }

}  // namespace

py::object china_time_zone() { return dt().timezone; }

py::object to_py_datetime(Instant t) {
  return dt().datetime_type.attr("fromtimestamp")(t.time_since_epoch().count(), dt().timezone);
}

py::object to_py_instant_or_none(Instant t) {
  if (t.time_since_epoch().count() == 0) return py::none();
  return to_py_datetime(t);
}

py::object to_py_optional(const std::optional<Instant>& t) { return t ? to_py_datetime(*t) : py::none(); }

Instant to_instant(py::handle h, const char* what) {
  if (!py::isinstance(h, dt().datetime_type))
    throw py::type_error(fmt::format("`{}` needs a datetime.datetime, not {}", what, type_name(h)));
  py::object t = py::reinterpret_borrow<py::object>(h);
  if (t.attr("utcoffset")().is_none()) t = t.attr("replace")(py::arg("tzinfo") = dt().timezone);
  // exact: whole seconds since the epoch, rounded down
  py::object seconds = (t - dt().epoch).attr("__floordiv__")(dt().one_second);
  return Instant(std::chrono::seconds(seconds.cast<std::int64_t>()));
}

py::object to_py_date(Date d) {
  return dt().date_type.attr("fromordinal")(d.time_since_epoch().count() + epoch_ordinal);
}

Date to_date(py::handle h, const char* what) {
  if (!py::isinstance(h, dt().date_type) || py::isinstance(h, dt().datetime_type))
    throw py::type_error(fmt::format("`{}` needs a datetime.date, not {}", what, type_name(h)));
  const auto ordinal = h.attr("toordinal")().cast<std::int64_t>();
  return Date(std::chrono::days(ordinal - epoch_ordinal));
}

std::int64_t today_days() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()).time_since_epoch().count();
}

std::int64_t today_of(py::handle h) {
  if (h.is_none()) return today_days();
  return to_date(h, "today").time_since_epoch().count();
}

expr::Answers to_answers(py::handle h) {
  expr::Answers out;
  if (h.is_none()) return out;
  if (!py::isinstance<py::dict>(h))
    throw py::type_error(fmt::format("answers need a dict of field id to value, not {}", type_name(h)));
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(h)) {
    if (!py::isinstance<py::str>(key))
      throw py::type_error(fmt::format("answer keys are field ids (str), not {}", type_name(key)));
    const std::string id = key.cast<std::string>();
    // bool before int: bool is a subclass of int in Python
    if (py::isinstance<py::bool_>(value)) {
      out.emplace_back(id, value.cast<bool>());
    } else if (py::isinstance<py::int_>(value)) {
      out.emplace_back(id, value.cast<std::int64_t>());
    } else if (py::isinstance<py::float_>(value)) {
      out.emplace_back(id, value.cast<double>());
    } else if (py::isinstance<py::str>(value)) {
      out.emplace_back(id, value.cast<std::string>());
    } else if (py::isinstance(value, dt().datetime_type)) {
      throw py::type_error(fmt::format("answer to `{}`: give a datetime.date, not a datetime", id));
    } else if (py::isinstance(value, dt().date_type)) {
      out.emplace_back(id, to_date(value, id.c_str()));
    } else if (py::isinstance<py::list>(value) || py::isinstance<py::tuple>(value)) {
      std::vector<std::string> values;
      for (auto v : value) {
        if (!py::isinstance<py::str>(v))
          throw py::type_error(fmt::format("answer to `{}`: a list answer holds str values, not {}", id, type_name(v)));
        values.push_back(v.cast<std::string>());
      }
      out.emplace_back(id, std::move(values));
    } else {
      throw py::type_error(
          fmt::format("answer to `{}`: {} is not an answer (bool, int, float, str, datetime.date or list of str)", id,
                      type_name(value)));
    }
  }
  return out;
}

py::object to_py_answer(const expr::Answer& a) {
  return std::visit(
      [](const auto& v) -> py::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::chrono::sys_days>)
          return to_py_date(v);
        else if constexpr (std::is_same_v<T, std::vector<std::string>>)
          return to_py_strings(v);
        else
          return py::cast(v);
      },
      a);
}

py::dict to_py_answers(const expr::Answers& answers) {
  py::dict d;
  for (const auto& [id, a] : answers) d[py::str(id)] = to_py_answer(a);
  return d;
}

std::vector<std::pair<std::string, bool>> to_situations(py::handle h) {
  std::vector<std::pair<std::string, bool>> out;
  if (h.is_none()) return out;
  if (!py::isinstance<py::dict>(h))
    throw py::type_error(fmt::format("situations need a dict of situation id to bool, not {}", type_name(h)));
  for (auto [key, value] : py::reinterpret_borrow<py::dict>(h)) {
    if (!py::isinstance<py::str>(key) || !py::isinstance<py::bool_>(value))
      throw py::type_error("situations need a dict of situation id (str) to bool");
    out.emplace_back(key.cast<std::string>(), value.cast<bool>());
  }
  return out;
}

std::vector<std::string> to_strings(py::handle h, const char* what) {
  std::vector<std::string> out;
  if (h.is_none()) return out;
  if (!py::isinstance<py::list>(h) && !py::isinstance<py::tuple>(h))
    throw py::type_error(fmt::format("`{}` needs a list of str, not {}", what, type_name(h)));
  for (auto v : h) {
    if (!py::isinstance<py::str>(v))
      throw py::type_error(fmt::format("`{}` needs a list of str; it holds a {}", what, type_name(v)));
    out.push_back(v.cast<std::string>());
  }
  return out;
}

py::list to_py_strings(const std::vector<std::string>& v) {
  py::list l;
  for (const auto& s : v) l.append(py::str(s));
  return l;
}

ir::WorkDuration to_work_duration(py::handle h, const char* what) {
  if (!py::isinstance<py::str>(h))
    throw py::type_error(fmt::format("`{}` needs a working-time limit such as \"5wd\" or \"4wh\"", what));
  const std::string s = h.cast<std::string>();
  ir::WorkDuration d;
  std::string_view rest = s;
  bool any = false;
  auto take = [&](std::string_view unit, std::int32_t& into) {
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 0 || rest.substr(digits, unit.size()) != unit) return;
    std::from_chars(rest.data(), rest.data() + digits, into);
    rest.remove_prefix(digits + unit.size());
    any = true;
  };
  take("wd", d.days);
  take("wh", d.hours);
  if (!any || !rest.empty() || s.size() > 12)
    throw py::value_error(
        fmt::format("`{}`: `{}` is not a working-time limit; write `5wd`, `4wh` or `1wd4wh`", what, s));
  return d;
}

py::object to_py_duration(const std::optional<ir::WorkDuration>& d) {
  return d ? py::object(py::str(ir::to_string(*d))) : py::object(py::none());
}

py::object from_json(const std::string& text) { return dt().json_loads(text); }

Actor to_actor(py::handle h, const char* what) {
  if (py::isinstance<Actor>(h)) return h.cast<Actor>();
  if (py::isinstance<py::tuple>(h) && py::len(h) == 3) {
    auto t = py::reinterpret_borrow<py::tuple>(h);
    if (py::isinstance<py::str>(t[0]) && py::isinstance<py::str>(t[1]) && py::isinstance<py::str>(t[2]))
      return Actor::staff(t[0].cast<std::string>(), t[1].cast<std::string>(), t[2].cast<std::string>());
  }
  throw py::type_error(fmt::format(
      "`{}` needs a yishi.Actor or a tuple (id, department, role) of a member of staff, not {}", what, type_name(h)));
}

void public_name(py::handle cls) { cls.attr("__module__") = "yishi"; }

void field_shape(py::dict& d, ir::FieldType type, const std::vector<std::string>& values, bool multiple,
                 bool sensitive, const ir::FieldConstraints& c) {
  auto number = [](const std::optional<double>& v) { return v ? py::object(py::float_(*v)) : py::object(py::none()); };
  auto whole = [](const std::optional<std::int64_t>& v) { return v ? py::object(py::int_(*v)) : py::object(py::none()); };
  d["type"] = std::string(ir::to_string(type));
  d["values"] = to_py_strings(values);
  d["multiple"] = multiple;
  d["sensitive"] = sensitive;
  d["required"] = c.required;
  d["min"] = number(c.min);
  d["max"] = number(c.max);
  d["min_length"] = whole(c.min_length);
  d["max_length"] = whole(c.max_length);
}

}  // namespace yishi::python
