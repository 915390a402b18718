// The evaluator: a switch-dispatched stack machine over 16-byte values. Unknown answers
// propagate (Kleene logic for `and`, `or`, `not`); errors propagate and win over unknown.
#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include "yishi/calendar/calendar.hpp"
#include "yishi/expr/internal/library.hpp"
#include "yishi/expr/internal/machine.hpp"

namespace yishi::expr {

// ---- Values -----------------------------------------------------------------------------

const char* to_string(ValueKind k) noexcept {
  switch (k) {
    case ValueKind::unknown: return "unknown";
    case ValueKind::error: return "error";
    case ValueKind::boolean: return "boolean";
    case ValueKind::integer: return "integer";
    case ValueKind::decimal: return "decimal";
    case ValueKind::string: return "string";
    case ValueKind::date: return "date";
    case ValueKind::work_duration: return "work_duration";
    case ValueKind::list: return "list";
  }
  return "unknown";
}

const char* to_string(EvalError e) noexcept {
  switch (e) {
    case EvalError::division_by_zero: return "division_by_zero";
    case EvalError::overflow: return "overflow";
    case EvalError::no_rule_matched: return "no_rule_matched";
    case EvalError::several_rules_matched: return "several_rules_matched";
    case EvalError::outputs_disagree: return "outputs_disagree";
    case EvalError::empty_aggregate: return "empty_aggregate";
    case EvalError::too_many_results: return "too_many_results";
  }
  return "error";
}

namespace {

// An integer against a decimal, exactly: converting the integer to a double would make
// 2^53 + 1 equal to 2^53.0.
int order_exact(std::int64_t i, double d) noexcept {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775808.0) return -1;  // 2^63: above every integer
  if (d < -9223372036854775808.0) return 1;
  const double t = std::trunc(d);
  const auto ti = static_cast<std::int64_t>(t);
  if (i != ti) return i < ti ? -1 : 1;
  return d > t ? -1 : (d < t ? 1 : 0);
}

}  // namespace

int order_numbers(const Value& a, const Value& b) noexcept {
  if (a.kind == ValueKind::decimal && b.kind == ValueKind::decimal) return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
  if (a.kind == ValueKind::decimal) return -order_exact(b.i, a.d);
  if (b.kind == ValueKind::decimal) return order_exact(a.i, b.d);
  return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
}

int order(const Value& a, const Value& b) noexcept {
  if (a.kind == ValueKind::decimal || b.kind == ValueKind::decimal) return order_numbers(a, b);
  switch (a.kind) {
    case ValueKind::string: {
      const int c = a.str().compare(b.str());
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case ValueKind::boolean: return static_cast<int>(a.b) - static_cast<int>(b.b);
    default: return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  }
}

bool same_value(const Value& a, const Value& b) noexcept {
  if (a.kind == ValueKind::list || b.kind == ValueKind::list) {
    if (a.kind != b.kind || a.size != b.size) return false;
    for (std::uint32_t k = 0; k < a.size; ++k)
      if (!same_value(a.l[k], b.l[k])) return false;
    return true;
  }
  if (!a.known() || !b.known()) return a.kind == b.kind && a.size == b.size;
  const bool numeric_a = a.kind == ValueKind::integer || a.kind == ValueKind::decimal;
  const bool numeric_b = b.kind == ValueKind::integer || b.kind == ValueKind::decimal;
  if (numeric_a != numeric_b || (!numeric_a && a.kind != b.kind)) return false;
  return order(a, b) == 0;
}

std::string to_string(const Value& v) {
  switch (v.kind) {
    case ValueKind::unknown: return "unknown";
    case ValueKind::error: return fmt::format("error({})", to_string(v.error_code()));
    case ValueKind::boolean: return v.b ? "true" : "false";
    case ValueKind::integer: return std::to_string(v.i);
    case ValueKind::decimal: {
      std::string s = fmt::format("{}", v.d);
      if (s.find_first_of(".eni") == std::string::npos) s += ".0";
      return s;
    }
    case ValueKind::string: {
      std::string s = "\"";
      for (char c : v.str()) {
        if (c == '"' || c == '\\') s += '\\';
        s += c;
      }
      return s + "\"";
    }
    case ValueKind::date: return yishi::to_string(Date{std::chrono::days{v.i}});
    case ValueKind::work_duration: {
      const std::int64_t h = v.i < 0 ? -v.i : v.i;
      const auto text = ir::to_string(ir::WorkDuration{static_cast<std::int32_t>(h / 8), static_cast<std::int32_t>(h % 8)});
      return v.i < 0 ? "-" + text : text;
    }
    case ValueKind::list: {
      std::string s = "[";
      for (std::uint32_t k = 0; k < v.size; ++k) s += (k ? ", " : "") + to_string(v.l[k]);
      return s + "]";
    }
  }
  return "unknown";
}

// ---- Scratch space ----------------------------------------------------------------------

Value* Scratch::allocate(std::size_t n) {
  while (true) {
    if (block_ < blocks_.size()) {
      if (used_ + n <= sizes_[block_]) {
        Value* p = blocks_[block_].get() + used_;
        used_ += n;
        return p;
      }
      ++block_, used_ = 0;
      continue;
    }
    const std::size_t size = std::max(block_size, n);
    blocks_.push_back(std::make_unique<Value[]>(size));
    sizes_.push_back(size);
  }
}

// ---- Operations -------------------------------------------------------------------------

namespace {

using internal::Fn;

// The first error among the operands, else unknown if any is unknown; nullptr when all known.
inline const Value* blocker(const Value& a, const Value& b) {
  if (a.kind == ValueKind::error) return &a;
  if (b.kind == ValueKind::error) return &b;
  if (a.kind == ValueKind::unknown) return &a;
  if (b.kind == ValueKind::unknown) return &b;
  return nullptr;
}

Value arith(BinaryOp op, const Value& a, const Value& b) {
  if (auto* x = blocker(a, b)) return *x;
  if (a.kind == ValueKind::work_duration)
    return Value::work_hours(op == BinaryOp::add ? a.i + b.i : a.i - b.i);
  if (op == BinaryOp::div) {
    const double y = b.kind == ValueKind::decimal ? b.d : static_cast<double>(b.i);
    if (y == 0) return Value::failure(EvalError::division_by_zero);
    return Value::decimal((a.kind == ValueKind::decimal ? a.d : static_cast<double>(a.i)) / y);
  }
  if (a.kind == ValueKind::integer && b.kind == ValueKind::integer) {
    std::int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case BinaryOp::add: overflow = __builtin_add_overflow(a.i, b.i, &r); break;
      case BinaryOp::sub: overflow = __builtin_sub_overflow(a.i, b.i, &r); break;
      default: overflow = __builtin_mul_overflow(a.i, b.i, &r); break;
    }
    return overflow ? Value::failure(EvalError::overflow) : Value::integer(r);
  }
  const double x = a.kind == ValueKind::decimal ? a.d : static_cast<double>(a.i);
  const double y = b.kind == ValueKind::decimal ? b.d : static_cast<double>(b.i);
  switch (op) {
    case BinaryOp::add: return Value::decimal(x + y);
    case BinaryOp::sub: return Value::decimal(x - y);
    default: return Value::decimal(x * y);
  }
}

Value membership(const Value& e, const Value& list, bool negated) {
  if (auto* x = blocker(e, list)) return *x;
  bool found = false;
  for (std::uint32_t k = 0; k < list.size && !found; ++k) found = same_value(e, list.l[k]);
  return Value::boolean(found != negated);
}

std::chrono::year_month_day ymd(std::int64_t days) { return std::chrono::year_month_day{Date{std::chrono::days{days}}}; }

std::int64_t age_at(std::int64_t birth, std::int64_t at) {
  const auto b = ymd(birth), t = ymd(at);
  std::int64_t years = static_cast<int>(t.year()) - static_cast<int>(b.year());
  if (std::pair{static_cast<unsigned>(t.month()), static_cast<unsigned>(t.day())} <
      std::pair{static_cast<unsigned>(b.month()), static_cast<unsigned>(b.day())})
    --years;
  return years;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// GB 11643-1999: 17 digits of region, birth date and sequence, then a check character.
bool valid_id_card(std::string_view s) {
  if (s.size() != 18 || !all_digits(s.substr(0, 17))) return false;
  static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char checks[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  int sum = 0;
  for (int k = 0; k < 17; ++k) sum += (s[static_cast<std::size_t>(k)] - '0') * weights[k];
  const char last = s[17] == 'x' ? 'X' : s[17];
  if (checks[sum % 11] != last) return false;
  const auto birth = parse_date(fmt::format("{}-{}-{}", s.substr(6, 4), s.substr(10, 2), s.substr(12, 2)));
  return birth.has_value();
}

// GB 32100-2015: the unified social credit code, 18 characters with a check character.
bool valid_credit_code(std::string_view s) {
  static constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  if (s.size() != 18) return false;
  int sum = 0;
  for (std::size_t k = 0; k < 17; ++k) {
    const auto v = alphabet.find(s[k]);
    if (v == std::string_view::npos) return false;
    sum += static_cast<int>(v) * weights[k];
  }
  const int check = (31 - sum % 31) % 31;
  return s[17] == alphabet[static_cast<std::size_t>(check)];
}

bool matches_format(std::string_view s, internal::Format f) {
  switch (f) {
    case internal::Format::id_card: return valid_id_card(s);
    case internal::Format::mobile: return s.size() == 11 && s[0] == '1' && s[1] >= '3' && all_digits(s);
    case internal::Format::credit_code: return valid_credit_code(s);
    case internal::Format::postcode: return s.size() == 6 && all_digits(s);
  }
  return false;
}

Value call(Fn fn, std::uint32_t detail, Value* args, std::size_t argc, const Inputs& in) {
  // Functions that look at unknown values themselves.
  if (fn == Fn::answered) {
    if (args[0].kind == ValueKind::error) return args[0];
    return Value::boolean(args[0].kind != ValueKind::unknown);
  }
  if (fn == Fn::or_else) {
    Value r = args[0].kind == ValueKind::unknown ? args[1] : args[0];
    if (detail == 1 && r.kind == ValueKind::integer) r = Value::decimal(static_cast<double>(r.i));  // decimal typed
    return r;
  }
  for (std::size_t k = 0; k < argc; ++k)
    if (args[k].kind == ValueKind::error) return args[k];
  for (std::size_t k = 0; k < argc; ++k)
    if (args[k].kind == ValueKind::unknown) return args[k];
  switch (fn) {
    case Fn::age: return Value::integer(age_at(args[0].i, argc == 2 ? args[1].i : in.today));
    case Fn::days_between: return Value::integer(args[1].i - args[0].i);
    case Fn::today: return Value::date(in.today);
    case Fn::year: return Value::integer(static_cast<int>(ymd(args[0].i).year()));
    case Fn::month: return Value::integer(static_cast<unsigned>(ymd(args[0].i).month()));
    case Fn::len:
      return Value::integer(args[0].kind == ValueKind::list ? args[0].size
                                                            : static_cast<std::int64_t>(text::count_code_points(args[0].str())));
    case Fn::contains:
      if (args[0].kind == ValueKind::list) return membership(args[1], args[0], false);
      return Value::boolean(args[0].str().find(args[1].str()) != std::string_view::npos);
    case Fn::starts_with: return Value::boolean(args[0].str().starts_with(args[1].str()));
    case Fn::ends_with: return Value::boolean(args[0].str().ends_with(args[1].str()));
    case Fn::matches: return Value::boolean(matches_format(args[0].str(), static_cast<internal::Format>(detail)));
    case Fn::min:
    case Fn::max: {
      const bool first = (order(args[0], args[1]) <= 0) == (fn == Fn::min);
      Value r = first ? args[0] : args[1];
      if (r.kind == ValueKind::integer && (args[0].kind == ValueKind::decimal || args[1].kind == ValueKind::decimal))
        r = Value::decimal(static_cast<double>(r.i));
      return r;
    }
    default: return Value::unknown();
  }
}

}  // namespace

Value compare(BinaryOp op, const Value& a, const Value& b) noexcept {
  if (auto* x = blocker(a, b)) return *x;
  if (op == BinaryOp::eq) return Value::boolean(same_value(a, b));
  if (op == BinaryOp::ne) return Value::boolean(!same_value(a, b));
  const int c = order(a, b);
  switch (op) {
    case BinaryOp::lt: return Value::boolean(c < 0);
    case BinaryOp::le: return Value::boolean(c <= 0);
    case BinaryOp::gt: return Value::boolean(c > 0);
    default: return Value::boolean(c >= 0);
  }
}

Value execute(const Program::Impl& p, std::uint32_t pc, Value* sp, Evaluator::State& st, const Inputs& in) {
  const Instr* code = p.code.data();
  Value* const base = sp;
  while (true) {
    const Instr& i = code[pc++];
    switch (i.op) {
      case Op::constant: *sp++ = p.constants[i.x]; break;
      case Op::field: *sp++ = i.x < in.fields.size() ? in.fields[i.x] : Value::unknown(); break;
      case Op::situation: *sp++ = i.x < in.situations.size() ? in.situations[i.x] : Value::unknown(); break;
      case Op::element: *sp++ = st.elements[st.depth - 1 - i.a]; break;
      case Op::input: *sp++ = in.input ? *in.input : Value::unknown(); break;
      case Op::compare_field: {
        const Value f = i.b < in.fields.size() ? in.fields[i.b] : Value::unknown();
        const Value& c = p.constants[i.x];
        // Fast paths for the usual threshold clause: numbers, dates, durations.
        if (i.a >= static_cast<std::uint8_t>(BinaryOp::lt)) {
          int order_result = 2;
          if (f.kind == c.kind && (f.kind == ValueKind::integer || f.kind == ValueKind::date || f.kind == ValueKind::work_duration)) {
            order_result = f.i < c.i ? -1 : (f.i > c.i ? 1 : 0);
          } else if ((f.kind == ValueKind::decimal || f.kind == ValueKind::integer) &&
                     (c.kind == ValueKind::decimal || c.kind == ValueKind::integer)) {
            order_result = order_numbers(f, c);
          }
          if (order_result != 2) {
            bool r;
            switch (static_cast<BinaryOp>(i.a)) {
              case BinaryOp::lt: r = order_result < 0; break;
              case BinaryOp::le: r = order_result <= 0; break;
              case BinaryOp::gt: r = order_result > 0; break;
              default: r = order_result >= 0; break;
            }
            *sp++ = Value::boolean(r);
            break;
          }
        }
        *sp++ = compare(static_cast<BinaryOp>(i.a), f, c);
        break;
      }
      case Op::not_: {
        Value& v = sp[-1];
        if (v.kind == ValueKind::boolean) v.b = !v.b;
        break;
      }
      case Op::negate: {
        Value& v = sp[-1];
        if (v.kind == ValueKind::integer) {
          if (v.i == INT64_MIN) v = Value::failure(EvalError::overflow);
          else v.i = -v.i;
        } else if (v.kind == ValueKind::decimal) {
          v.d = -v.d;
        } else if (v.kind == ValueKind::work_duration) {
          v.i = -v.i;
        }
        break;
      }
      case Op::and_test:
        if (sp[-1].is_false() || sp[-1].kind == ValueKind::error) pc = i.x;
        break;
      case Op::or_test:
        if (sp[-1].is_true() || sp[-1].kind == ValueKind::error) pc = i.x;
        break;
      case Op::and_: {
        const Value r = *--sp;
        Value& l = sp[-1];
        // l is true or unknown here (false and errors jumped over the right side).
        if (r.kind == ValueKind::error || r.is_false()) l = r;
        else if (l.is_true()) l = r;
        break;
      }
      case Op::or_: {
        const Value r = *--sp;
        Value& l = sp[-1];
        if (r.kind == ValueKind::error || r.is_true()) l = r;
        else if (l.is_false()) l = r;
        break;
      }
      case Op::compare: {
        const Value r = *--sp;
        sp[-1] = compare(static_cast<BinaryOp>(i.a), sp[-1], r);
        break;
      }
      case Op::in: {
        const Value list = *--sp;
        sp[-1] = membership(sp[-1], list, i.a != 0);
        break;
      }
      case Op::in_field: {
        const Value f = i.b < in.fields.size() ? in.fields[i.b] : Value::unknown();
        const Value& list = p.constants[i.x];
        if (f.kind == ValueKind::string) {  // the usual `enum_field in ["a", "b"]`
          const std::string_view s = f.str();
          bool found = false;
          for (std::uint32_t k = 0; k < list.size && !found; ++k)
            found = list.l[k].kind == ValueKind::string && list.l[k].str() == s;
          *sp++ = Value::boolean(found != (i.a != 0));
        } else {
          *sp++ = membership(f, list, i.a != 0);
        }
        break;
      }
      case Op::arith: {
        const Value r = *--sp;
        sp[-1] = arith(static_cast<BinaryOp>(i.a), sp[-1], r);
        break;
      }
      case Op::call: {
        sp -= i.b;
        *sp = call(static_cast<Fn>(i.a), i.x, sp, i.b, in);
        ++sp;
        break;
      }
      case Op::quantify: {
        const Value list = sp[-1];
        if (!list.known()) break;  // unknown or error stays as the result
        const auto fn = static_cast<Fn>(i.a);
        std::int64_t hits = 0;
        bool unknown = false;
        Value result = Value::boolean(fn == Fn::all);
        for (std::uint32_t k = 0; k < list.size; ++k) {
          st.elements[st.depth++] = list.l[k];
          const Value v = execute(p, i.x, sp - 1, st, in);
          --st.depth;
          if (v.kind == ValueKind::error) { result = v; unknown = false; hits = -1; break; }
          if (v.kind == ValueKind::unknown) { unknown = true; continue; }
          if (v.b) ++hits;
          if (fn == Fn::any && v.b) { result = Value::boolean(true); break; }
          if (fn == Fn::all && !v.b) { result = Value::boolean(false); break; }
        }
        if (fn == Fn::count) result = hits < 0 ? result : (unknown ? Value::unknown() : Value::integer(hits));
        else if (unknown && result.kind == ValueKind::boolean && result.b == (fn == Fn::all)) result = Value::unknown();
        sp[-1] = result;
        break;
      }
      case Op::table: {
        sp -= i.a;
        *sp = p.tables->evaluate_on(i.x >> 8, i.x & 0xFF, std::span<const Value>(sp, i.a), *st.owner, in, sp + i.a);
        ++sp;
        break;
      }
      case Op::ret: return sp > base ? sp[-1] : Value::unknown();
    }
  }
}

Evaluator::Evaluator() : state_(std::make_unique<State>()) { state_->owner = this; }
Evaluator::~Evaluator() = default;

Value Evaluator::run(const Program& p, const Inputs& in) {
  auto& st = *state_;
  const std::size_t need = p.impl().stack + (p.impl().tables ? p.impl().tables->stack_need() : 0);
  if (st.stack.size() < need) st.stack.resize(need);
  st.depth = 0;
  st.scratch.reset();
  detail_.clear();
  return execute(p.impl(), 0, st.stack.data(), st, in);
}

bool matches_format(std::string_view text, std::string_view format) {
  for (std::size_t k = 0; k < internal::format_names.size(); ++k)
    if (internal::format_names[k] == format) return matches_format(text, static_cast<internal::Format>(k));
  return false;
}

}  // namespace yishi::expr
