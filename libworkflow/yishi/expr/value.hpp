// Values of the expression language: a small non-owning `Value` for evaluation, and the
// owning `Answer` an application supplies for a field.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace yishi::expr {

/// What a value holds. `unknown` is a missing answer (three-valued logic); `error` is a
/// failed evaluation (division by zero, a UNIQUE table with two matching rules, ...).
enum class ValueKind : std::uint8_t { unknown, error, boolean, integer, decimal, string, date, work_duration, list };
[[nodiscard]] const char* to_string(ValueKind k) noexcept;

/// Why an evaluation failed (`Value::error_code()`).
enum class EvalError : std::uint8_t {
  division_by_zero,
  overflow,             ///< integer arithmetic left the 64-bit range
  no_rule_matched,      ///< a decision table without `default` matched no rule
  several_rules_matched,///< a UNIQUE table matched more than one rule
  outputs_disagree,     ///< an ANY table's matching rules give different outputs
  empty_aggregate,      ///< MIN or MAX of a COLLECT table that matched nothing
  too_many_results,     ///< a COLLECT or RULE ORDER table matched more rules than fit
};
[[nodiscard]] const char* to_string(EvalError e) noexcept;

/// A value during evaluation: 16 bytes, trivially copyable, never owns memory. Strings and
/// lists point into the program's constants, the caller's answers or the evaluator's scratch
/// space, which must outlive the value.
struct Value {
  ValueKind kind = ValueKind::unknown;
  std::uint32_t size = 0;  ///< string bytes, list length, or the EvalError of an error
  union {
    bool b;
    std::int64_t i;  ///< integer; date (days since 1970-01-01); work_duration (hours, 8 per day)
    double d;
    const char* s;
    const Value* l;
  };
  Value() : i(0) {}

  [[nodiscard]] static Value unknown() { return {}; }
  [[nodiscard]] static Value boolean(bool v) { Value x; x.kind = ValueKind::boolean; x.b = v; return x; }
  [[nodiscard]] static Value integer(std::int64_t v) { Value x; x.kind = ValueKind::integer; x.i = v; return x; }
  [[nodiscard]] static Value decimal(double v) { Value x; x.kind = ValueKind::decimal; x.d = v; return x; }
  [[nodiscard]] static Value string(std::string_view v) {
    Value x; x.kind = ValueKind::string; x.s = v.data(); x.size = static_cast<std::uint32_t>(v.size()); return x;
  }
  [[nodiscard]] static Value date(std::int64_t days) { Value x; x.kind = ValueKind::date; x.i = days; return x; }
  [[nodiscard]] static Value work_hours(std::int64_t h) { Value x; x.kind = ValueKind::work_duration; x.i = h; return x; }
  [[nodiscard]] static Value list(const Value* p, std::size_t n) {
    Value x; x.kind = ValueKind::list; x.l = p; x.size = static_cast<std::uint32_t>(n); return x;
  }
  [[nodiscard]] static Value failure(EvalError e) {
    Value x; x.kind = ValueKind::error; x.size = static_cast<std::uint32_t>(e); return x;
  }

  [[nodiscard]] bool known() const noexcept { return kind != ValueKind::unknown && kind != ValueKind::error; }
  [[nodiscard]] bool is_true() const noexcept { return kind == ValueKind::boolean && b; }
  [[nodiscard]] bool is_false() const noexcept { return kind == ValueKind::boolean && !b; }
  [[nodiscard]] std::string_view str() const noexcept { return {s, size}; }
  [[nodiscard]] EvalError error_code() const noexcept { return static_cast<EvalError>(size); }
};

/// Structural equality of two known values (integers and decimals compare numerically).
[[nodiscard]] bool same_value(const Value& a, const Value& b) noexcept;
/// Shows a value as the language would write it: `true`, `42`, `"text"`, `2025-10-01`,
/// `5wd`, `[1, 2]`, `unknown`, `error(division_by_zero)`.
[[nodiscard]] std::string to_string(const Value& v);

/// A date as the language stores it: days since 1970-01-01.
[[nodiscard]] inline std::int64_t day_number(std::chrono::sys_days d) noexcept { return d.time_since_epoch().count(); }

/// An applicant's answer to one field, as an application supplies it. Enumerations are
/// strings (one value) or lists of strings (`multiple`); dates may also be given as
/// `"2025-10-01"` strings; integers are accepted for decimal fields.
using Answer = std::variant<bool, std::int64_t, double, std::string, std::chrono::sys_days, std::vector<std::string>>;

/// Answers by field id, in the order given.
using Answers = std::vector<std::pair<std::string, Answer>>;

}  // namespace yishi::expr
