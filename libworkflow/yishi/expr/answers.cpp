// Binding an application's answers to evaluation slots, with type checks per field.
#include <algorithm>

#include <fmt/format.h>

#include "yishi/calendar/calendar.hpp"
#include "yishi/expr/expr.hpp"

namespace yishi::expr {

namespace {

// A readable name of what an answer holds, for error messages (never the value itself:
// answers may be personal data).
const char* answer_kind(const Answer& a) {
  switch (a.index()) {
    case 0: return "yes/no";
    case 1: return "an integer";
    case 2: return "a decimal";
    case 3: return "a text";
    case 4: return "a date";
    default: return "a list";
  }
}

}  // namespace

Bound bind(const Environment& env, const Answers& answers) {
  Bound out;
  out.slots.assign(env.fields().size(), Value::unknown());
  std::size_t list_elements = 0;
  for (const auto& [id, a] : answers)
    if (const auto* l = std::get_if<std::vector<std::string>>(&a)) list_elements += l->size();
  out.storage.reserve(list_elements);  // list values point into it: it must not reallocate
  std::vector<bool> seen(env.fields().size(), false);
  for (const auto& entry : answers) {
    const std::string& id = entry.first;  // not a structured binding: lambdas below capture it
    const Answer& a = entry.second;
    const auto slot = env.field(id);
    if (!slot) {
      out.errors.push_back(fmt::format("unknown field `{}`", id));
      continue;
    }
    if (seen[*slot]) {
      out.errors.push_back(fmt::format("field `{}` is answered twice", id));
      continue;
    }
    seen[*slot] = true;
    const auto& f = env.fields()[*slot];
    auto wrong = [&](const char* wanted) {
      out.errors.push_back(fmt::format("field `{}` needs {}, but the answer is {}", id, wanted, answer_kind(a)));
    };
    auto in_values = [&](const std::string& v) {
      if (f.values.empty() || std::find(f.values.begin(), f.values.end(), v) != f.values.end()) return true;
      out.errors.push_back(fmt::format("field `{}` has no value \"{}\"", id, v));
      return false;
    };
    Value& s = out.slots[*slot];
    if (f.type.list) {
      const auto* l = std::get_if<std::vector<std::string>>(&a);
      if (!l) { wrong("a list of values"); continue; }
      const auto start = out.storage.size();
      bool ok = true;
      for (const auto& v : *l) {
        ok = in_values(v) && ok;
        out.storage.push_back(Value::string(v));
      }
      if (ok) s = Value::list(out.storage.data() + start, l->size());
      continue;
    }
    switch (f.type.base) {
      case BaseType::boolean:
        if (const auto* b = std::get_if<bool>(&a)) s = Value::boolean(*b);
        else wrong("yes or no");
        break;
      case BaseType::integer:
        if (const auto* i = std::get_if<std::int64_t>(&a)) s = Value::integer(*i);
        else wrong("an integer");
        break;
      case BaseType::decimal:
        if (const auto* d = std::get_if<double>(&a)) s = Value::decimal(*d);
        else if (const auto* i = std::get_if<std::int64_t>(&a)) s = Value::decimal(static_cast<double>(*i));
        else wrong("a number");
        break;
      case BaseType::date:
        if (const auto* d = std::get_if<std::chrono::sys_days>(&a)) {
          s = Value::date(day_number(*d));
        } else if (const auto* t = std::get_if<std::string>(&a)) {
          if (auto parsed = parse_date(*t)) s = Value::date(day_number(*parsed));
          else out.errors.push_back(fmt::format("field `{}` needs a date written YYYY-MM-DD", id));
        } else {
          wrong("a date");
        }
        break;
      case BaseType::string:
      case BaseType::attachment:
        if (const auto* t = std::get_if<std::string>(&a)) {
          if (in_values(*t)) s = Value::string(*t);
        } else {
          wrong("a text");
        }
        break;
      default: wrong("a value"); break;
    }
  }
  return out;
}

}  // namespace yishi::expr
