// The reference evaluator: see reference.hpp. Each rule below cites the part of
// docs/language.md it follows.
#include "reference.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace yishi::property::reference {

namespace {

using expr::BaseType;
using expr::BinaryOp;
using expr::NodeKind;
using expr::Type;
using K = expr::ValueKind;
__extension__ typedef __int128 wide;

// "Texts compare ... in the order of their Unicode code points": decode UTF-8.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t k = 0; k < s.size();) {
    const auto c = static_cast<unsigned char>(s[k]);
    const int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (int j = 1; j < n && k + static_cast<std::size_t>(j) < s.size(); ++j)
      cp = (cp << 6) | (static_cast<unsigned char>(s[k + static_cast<std::size_t>(j)]) & 0x3F);
    out.push_back(cp);
    k += static_cast<std::size_t>(n);
  }
  return out;
}

bool is_number(const RValue& v) { return v.kind == K::integer || v.kind == K::decimal; }
double as_double(const RValue& v) { return v.kind == K::decimal ? v.d : static_cast<double>(v.i); }

// "Integers and decimals compare by value": an integer against a decimal compares the
// decimal's value exactly.
int compare_numbers(const RValue& a, const RValue& b) {
  if (a.kind == K::integer && b.kind == K::integer) return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  if (a.kind == K::decimal && b.kind == K::decimal) {
    const double x = as_double(a), y = as_double(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const bool flip = a.kind == K::decimal;
  const std::int64_t i = flip ? b.i : a.i;
  const double d = flip ? a.d : b.d;
  int c;  // i against d
  if (std::isnan(d)) c = 0;
  else if (d >= 9223372036854775808.0) c = -1;
  else if (d < -9223372036854775808.0) c = 1;
  else {
    const double t = std::trunc(d);
    const auto ti = static_cast<std::int64_t>(t);
    c = i < ti ? -1 : i > ti ? 1 : (d > t ? -1 : d < t ? 1 : 0);
  }
  return flip ? -c : c;
}

// Structural equality of known values; lists element by element. (Unknown elements, which
// only a COLLECT table's computed outputs can give, are equal to each other, as in the
// machine.)
bool equal(const RValue& a, const RValue& b) {
  if (a.kind == K::list || b.kind == K::list) {
    if (a.kind != b.kind || a.l.size() != b.l.size()) return false;
    for (std::size_t k = 0; k < a.l.size(); ++k)
      if (!equal(a.l[k], b.l[k])) return false;
    return true;
  }
  if (is_number(a) && is_number(b)) return compare_numbers(a, b) == 0;
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case K::boolean: return a.b == b.b;
    case K::string: return a.s == b.s;
    case K::date:
    case K::work_duration: return a.i == b.i;
    case K::error: return a.error == b.error;
    default: return true;
  }
}

int order(const RValue& a, const RValue& b) {
  if (is_number(a) && is_number(b)) return compare_numbers(a, b);
  if (a.kind == K::string) {
    const auto x = code_points(a.s), y = code_points(b.s);
    return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end()) ? -1 : x == y ? 0 : 1;
  }
  return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
}

// "An error passes through ... and it wins over unknown."
const RValue* blocker(const RValue& a, const RValue& b) {
  if (a.kind == K::error) return &a;
  if (b.kind == K::error) return &b;
  if (a.kind == K::unknown) return &a;
  if (b.kind == K::unknown) return &b;
  return nullptr;
}

RValue compare(BinaryOp op, const RValue& a, const RValue& b) {
  if (auto* x = blocker(a, b)) return *x;
  switch (op) {
    case BinaryOp::eq: return RValue::boolean(equal(a, b));
    case BinaryOp::ne: return RValue::boolean(!equal(a, b));
    case BinaryOp::lt: return RValue::boolean(order(a, b) < 0);
    case BinaryOp::le: return RValue::boolean(order(a, b) <= 0);
    case BinaryOp::gt: return RValue::boolean(order(a, b) > 0);
    default: return RValue::boolean(order(a, b) >= 0);
  }
}

RValue member(const RValue& e, const RValue& list, bool negated) {
  if (auto* x = blocker(e, list)) return *x;
  const bool found = std::any_of(list.l.begin(), list.l.end(), [&](const RValue& x) { return equal(e, x); });
  return RValue::boolean(found != negated);
}

// "Two integers give an integer, except that / always gives a decimal. A decimal on either
// side gives a decimal. Working times can be added and subtracted. Dividing by zero, or an
// integer result beyond the integer range, gives an error value."
RValue arith(BinaryOp op, const RValue& a, const RValue& b) {
  if (auto* x = blocker(a, b)) return *x;
  if (a.kind == K::work_duration) return RValue::hours(op == BinaryOp::add ? a.i + b.i : a.i - b.i);
  if (op == BinaryOp::div) {
    const double y = as_double(b);
    if (y == 0) return RValue::failure(expr::EvalError::division_by_zero);
    return RValue::decimal(as_double(a) / y);
  }
  if (a.kind == K::integer && b.kind == K::integer) {
    const wide r = op == BinaryOp::add ? wide{a.i} + b.i : op == BinaryOp::sub ? wide{a.i} - b.i : wide{a.i} * b.i;
    if (r > INT64_MAX || r < INT64_MIN) return RValue::failure(expr::EvalError::overflow);
    return RValue::integer(static_cast<std::int64_t>(r));
  }
  const double x = as_double(a), y = as_double(b);
  return RValue::decimal(op == BinaryOp::add ? x + y : op == BinaryOp::sub ? x - y : x * y);
}

std::chrono::year_month_day ymd(std::int64_t days) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{days}}};
}

// "age counts whole years, as birthdays do ... A person born on 29 February becomes a year
// older on 1 March in years without 29 February."
std::int64_t age(std::int64_t birth, std::int64_t on) {
  const auto b = ymd(birth), t = ymd(on);
  std::int64_t years = static_cast<int>(t.year()) - static_cast<int>(b.year());
  const unsigned bm = static_cast<unsigned>(b.month()), bd = static_cast<unsigned>(b.day());
  const unsigned tm = static_cast<unsigned>(t.month()), td = static_cast<unsigned>(t.day());
  if (tm < bm || (tm == bm && td < bd)) --years;
  return years;
}

bool digits(std::string_view s) { return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); }

// The formats of `matches`, from the table in docs/language.md.
bool matches(std::string_view s, std::string_view format) {
  if (format == "postcode") return s.size() == 6 && digits(s);
  if (format == "mobile") return s.size() == 11 && digits(s) && s[0] == '1' && s[1] >= '3' && s[1] <= '9';
  if (format == "id_card") {
    // GB 11643: ISO 7064 MOD 11-2 over 17 digits (weights 2^(17-k) mod 11); check value 10 is X.
    if (s.size() != 18 || !digits(s.substr(0, 17))) return false;
    int sum = 0, w = 1;
    for (int k = 16; k >= 0; --k) {
      w = (w * 2) % 11;
      sum += (s[static_cast<std::size_t>(k)] - '0') * w;
    }
    const int check = (12 - sum % 11) % 11;
    const char want = check == 10 ? 'X' : static_cast<char>('0' + check);
    if (!(s[17] == want || (want == 'X' && s[17] == 'x'))) return false;
    const int y = std::stoi(std::string(s.substr(6, 4)));
    const unsigned m = static_cast<unsigned>(std::stoi(std::string(s.substr(10, 2))));
    const unsigned d = static_cast<unsigned>(std::stoi(std::string(s.substr(12, 2))));
    return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}}.ok();
  }
  if (format == "credit_code") {
    // GB 32100: 0-9 and the capitals but I, O, S, V, Z; weights 3^k mod 31; check 31 - sum mod 31.
    static constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    if (s.size() != 18) return false;
    int sum = 0, w = 1;
    for (std::size_t k = 0; k < 17; ++k) {
      const auto v = alphabet.find(s[k]);
      if (v == std::string_view::npos) return false;
      sum += static_cast<int>(v) * w;
      w = (w * 3) % 31;
    }
    const int check = (31 - sum % 31) % 31;
    return s[17] == alphabet[static_cast<std::size_t>(check)];
  }
  return false;
}

Type join(const Type& a, const Type& b) {
  const bool num_a = !a.list && (a.base == BaseType::integer || a.base == BaseType::decimal);
  const bool num_b = !b.list && (b.base == BaseType::integer || b.base == BaseType::decimal);
  if (num_a && num_b) return (a.base == BaseType::decimal || b.base == BaseType::decimal) ? Type::decimal() : Type::integer();
  if (a.base == BaseType::any) return b;
  return a;
}

RValue widen(RValue v, const Type& t) {
  if (!t.list && t.base == BaseType::decimal && v.kind == K::integer) return RValue::decimal(static_cast<double>(v.i));
  return v;
}

Type column_type(const ir::TableColumn& c) { return expr::type_of_field(c.type, false); }

}  // namespace

std::string to_string(const RValue& v) {
  switch (v.kind) {
    case K::unknown: return "unknown";
    case K::error: return fmt::format("error({})", expr::to_string(v.error));
    case K::boolean: return v.b ? "true" : "false";
    case K::integer: return std::to_string(v.i);
    case K::decimal: return fmt::format("{}(decimal)", v.d);
    case K::string: return fmt::format("\"{}\"", v.s);
    case K::date: return fmt::format("date {}", v.i);
    case K::work_duration: return fmt::format("{}wh", v.i);
    case K::list: {
      std::string s = "[";
      for (std::size_t k = 0; k < v.l.size(); ++k) s += (k ? ", " : "") + to_string(v.l[k]);
      return s + "]";
    }
  }
  return "?";
}

bool same(const RValue& r, const expr::Value& v) {
  if (r.kind != v.kind) return false;
  switch (r.kind) {
    case K::unknown: return true;
    case K::error: return r.error == v.error_code();
    case K::boolean: return r.b == v.b;
    case K::integer:
    case K::date:
    case K::work_duration: return r.i == v.i;
    case K::decimal: return r.d == v.d || (std::isnan(r.d) && std::isnan(v.d));
    case K::string: return r.s == v.str();
    case K::list:
      if (r.l.size() != v.size) return false;
      for (std::size_t k = 0; k < r.l.size(); ++k)
        if (!same(r.l[k], v.l[k])) return false;
      return true;
  }
  return false;
}

RValue from_answer(const expr::Answer& a, const Type& t) {
  if (t.list) {
    std::vector<RValue> l;
    for (const auto& s : std::get<std::vector<std::string>>(a)) l.push_back(RValue::string(s));
    return RValue::list(std::move(l));
  }
  switch (t.base) {
    case BaseType::boolean: return RValue::boolean(std::get<bool>(a));
    case BaseType::integer: return RValue::integer(std::get<std::int64_t>(a));
    case BaseType::decimal:
      if (const auto* i = std::get_if<std::int64_t>(&a)) return RValue::decimal(static_cast<double>(*i));
      return RValue::decimal(std::get<double>(a));
    case BaseType::date:
      if (const auto* d = std::get_if<std::chrono::sys_days>(&a)) return RValue::date(d->time_since_epoch().count());
      return RValue::date(parse_date(std::get<std::string>(a))->time_since_epoch().count());
    default: return RValue::string(std::get<std::string>(a));
  }
}

std::optional<Table> parse_table(const ir::DecisionTable& t) {
  Table out;
  out.def = &t;
  Diagnostics d;
  for (const auto& rule : t.rules) {
    auto& ins = out.inputs.emplace_back();
    auto& outs = out.outputs.emplace_back();
    for (const auto& cell : rule.inputs) {
      auto u = dsl::parse_unary_tests(cell.text, {}, d);
      if (!u) return std::nullopt;
      ins.push_back(std::move(*u));
    }
    for (const auto& cell : rule.outputs) {
      auto a = dsl::parse_expression(cell.text, {}, d);
      if (!a) return std::nullopt;
      outs.push_back(std::move(*a));
    }
  }
  for (const auto& cell : t.default_outputs) {
    auto a = dsl::parse_expression(cell.text, {}, d);
    if (!a) return std::nullopt;
    out.defaults.push_back(std::move(*a));
  }
  return out;
}

Evaluator::Evaluator(const Env& env) : env_(env) {}

std::optional<std::size_t> Evaluator::field_slot(const std::string& id) const {
  for (std::size_t k = 0; k < env_.field_ids.size(); ++k)
    if (env_.field_ids[k] == id) return k;
  return std::nullopt;
}

// The static type of a node ("Values and types", "Functions"); needed where the language
// widens an integer to a decimal: lists mixing both, `or_else`, `min`/`max`.
std::pair<const Table*, std::size_t> Evaluator::table_output(const std::string& ref) const {
  std::string id = ref, out;
  if (auto dot = id.find('.'); dot != std::string::npos) out = id.substr(dot + 1), id = id.substr(0, dot);
  const Table& t = *env_.tables.at(id);
  std::size_t o = 0;
  for (std::size_t k = 0; k < t.def->outputs.size(); ++k)
    if (t.def->outputs[k].name == out) o = k;
  return {&t, o};
}

Type Evaluator::type_of(const expr::Ast& ast, std::uint32_t i, const Type* input_type) {
  const expr::Node& n = ast.nodes[i];
  switch (n.kind) {
    case NodeKind::boolean: return Type::boolean();
    case NodeKind::integer: return Type::integer();
    case NodeKind::decimal: return Type::decimal();
    case NodeKind::string: return Type::string();
    case NodeKind::date: return Type::date();
    case NodeKind::work_duration: return Type::work_duration();
    case NodeKind::list: {
      Type e{BaseType::any};
      for (auto c : n.children) e = join(e, type_of(ast, c, input_type));
      e.list = true;
      return e;
    }
    case NodeKind::name: {
      if (n.text == "it" && !it_.empty()) return it_.back().type;
      if (n.text.find('.') == std::string::npos && env_.situations.count(n.text)) return Type::boolean();
      if (auto slot = field_slot(n.text)) return env_.field_types[*slot];
      return Type{BaseType::any};
    }
    case NodeKind::input: return input_type ? *input_type : Type{BaseType::any};
    case NodeKind::not_: return Type::boolean();
    case NodeKind::negate: return type_of(ast, n.children[0], input_type);
    case NodeKind::binary:
      switch (n.op) {
        case BinaryOp::add:
        case BinaryOp::sub:
        case BinaryOp::mul: {
          const Type a = type_of(ast, n.children[0], input_type);
          if (a.base == BaseType::work_duration) return a;
          return join(a, type_of(ast, n.children[1], input_type));
        }
        case BinaryOp::div: return Type::decimal();
        default: return Type::boolean();
      }
    case NodeKind::call: {
      const std::string& f = n.text;
      if (f == "age" || f == "days_between" || f == "year" || f == "month" || f == "len" || f == "count")
        return Type::integer();
      if (f == "today") return Type::date();
      if (f == "or_else" || f == "min" || f == "max")
        return join(type_of(ast, n.children[0], input_type), type_of(ast, n.children[1], input_type));
      if (f == "table") {
        const auto [t, o] = table_output(ast.nodes[n.children[0]].text);
        return expr::signature_of(*t->def).output_types[o];
      }
      return Type::boolean();
    }
  }
  return Type{BaseType::any};
}

RValue Evaluator::eval(const expr::Ast& ast, std::uint32_t i, const RValue* input, const Type* input_type) {
  const expr::Node& n = ast.nodes[i];
  switch (n.kind) {
    case NodeKind::boolean: return RValue::boolean(n.flag);
    case NodeKind::integer: return RValue::integer(n.integer);
    case NodeKind::decimal: return RValue::decimal(n.decimal);
    case NodeKind::string: return RValue::string(n.text);
    case NodeKind::date: return RValue::date(n.integer);
    case NodeKind::work_duration: return RValue::hours(n.integer);
    case NodeKind::list: {
      // "A list mixing integers and decimals holds decimals."
      const Type t = type_of(ast, i, input_type);
      std::vector<RValue> l;
      for (auto c : n.children) l.push_back(widen(eval(ast, c, input, input_type), Type{t.base}));
      return RValue::list(std::move(l));
    }
    case NodeKind::name: {
      // "A name with a dot is always a field. A name without a dot is looked up among the
      // situations first, then among the fields." `it`: the innermost list's element.
      if (n.text == "it" && !it_.empty()) return it_.back().value;
      if (n.text.find('.') == std::string::npos)
        if (auto s = env_.situations.find(n.text); s != env_.situations.end()) return s->second;
      if (auto slot = field_slot(n.text)) return env_.fields[*slot];
      return RValue::unknown();
    }
    case NodeKind::input: return input ? *input : RValue::unknown();
    case NodeKind::not_: {
      RValue v = eval(ast, n.children[0], input, input_type);
      if (v.kind == K::boolean) v.b = !v.b;
      return v;  // "not unknown is unknown"; an error stays
    }
    case NodeKind::negate: {
      RValue v = eval(ast, n.children[0], input, input_type);
      if (v.kind == K::integer) {
        if (v.i == INT64_MIN) return RValue::failure(expr::EvalError::overflow);  // "a negated integer"
        v.i = -v.i;
      } else if (v.kind == K::decimal) {
        v.d = -v.d;
      } else if (v.kind == K::work_duration) {
        v.i = -v.i;
      }
      return v;
    }
    case NodeKind::binary: {
      if (n.op == BinaryOp::and_ || n.op == BinaryOp::or_) {
        // Kleene logic; "When the left side of and or or already decides the result, the right
        // side is not evaluated ... An error on the left side is the result."
        const bool is_and = n.op == BinaryOp::and_;
        const RValue l = eval(ast, n.children[0], input, input_type);
        if (l.kind == K::error) return l;
        if (l.kind == K::boolean && l.b != is_and) return l;  // false and ..., true or ...
        const RValue r = eval(ast, n.children[1], input, input_type);
        if (r.kind == K::error) return r;
        if (r.kind == K::boolean && r.b != is_and) return r;
        if (l.kind == K::boolean && r.kind == K::boolean) return RValue::boolean(is_and);
        return RValue::unknown();
      }
      const RValue l = eval(ast, n.children[0], input, input_type);
      const RValue r = eval(ast, n.children[1], input, input_type);
      switch (n.op) {
        case BinaryOp::in: return member(l, r, false);
        case BinaryOp::not_in: return member(l, r, true);
        case BinaryOp::add:
        case BinaryOp::sub:
        case BinaryOp::mul:
        case BinaryOp::div: return arith(n.op, l, r);
        default: return compare(n.op, l, r);
      }
    }
    case NodeKind::call: return call(ast, n, i, input, input_type);
  }
  return RValue::unknown();
}

RValue Evaluator::call(const expr::Ast& ast, const expr::Node& n, std::uint32_t i, const RValue* input,
                       const Type* input_type) {
  const std::string& f = n.text;
  if (f == "any" || f == "all" || f == "count") {
    // "Over a known list, any is true as soon as one element gives true, even if others are
    // unknown ... all is false as soon as one element gives false. count is unknown if the
    // condition is unknown for any element. Over an unknown list, all three are unknown."
    // The elements are tested in order, as a chain of `or` (any) or `and` (all).
    const RValue list = eval(ast, n.children[0], input, input_type);
    if (!list.known()) return list;
    Type element = type_of(ast, n.children[0], input_type);
    element.list = false;
    bool unknown = false;
    std::int64_t hits = 0;
    for (const RValue& e : list.l) {
      it_.push_back({e, element});
      const RValue v = eval(ast, n.children[1], input, input_type);
      it_.pop_back();
      if (v.kind == K::error) return v;
      if (v.kind == K::unknown) { unknown = true; continue; }
      if (f == "any" && v.b) return RValue::boolean(true);
      if (f == "all" && !v.b) return RValue::boolean(false);
      hits += v.b;
    }
    if (unknown) return RValue::unknown();
    if (f == "count") return RValue::integer(hits);
    return RValue::boolean(f == "all");
  }
  std::vector<RValue> args;
  const std::size_t first = f == "table" ? 1 : 0;
  for (std::size_t k = first; k < n.children.size(); ++k) args.push_back(eval(ast, n.children[k], input, input_type));
  // "answered(x) is true when x is known and false when it is unknown. It is never unknown."
  // "or_else(x, fallback) gives x when it is known and fallback when it is unknown", and an
  // error wins: "so are answered(error) and or_else(error, x)".
  if (f == "answered") return args[0].kind == K::error ? args[0] : RValue::boolean(args[0].kind != K::unknown);
  if (f == "or_else") return widen(args[0].kind == K::unknown ? args[1] : args[0], type_of(ast, i, input_type));
  // "An error passes through comparisons, calculations and functions, and it wins over unknown."
  for (const auto& a : args)
    if (a.kind == K::error) return a;
  if (f == "table") {
    // Tables decide with unknown inputs when their rules allow ("No match, several matches,
    // unknown inputs").
    const auto [t, o] = table_output(ast.nodes[n.children[0]].text);
    return table(*t, o, args);
  }
  for (const auto& a : args)
    if (a.kind == K::unknown) return a;
  if (f == "today") return RValue::date(env_.today);
  if (f == "age") return RValue::integer(age(args[0].i, args.size() == 2 ? args[1].i : env_.today));
  if (f == "days_between") return RValue::integer(args[1].i - args[0].i);
  if (f == "year") return RValue::integer(static_cast<int>(ymd(args[0].i).year()));
  if (f == "month") return RValue::integer(static_cast<unsigned>(ymd(args[0].i).month()));
  if (f == "len")
    return RValue::integer(args[0].kind == K::list ? static_cast<std::int64_t>(args[0].l.size())
                                                   : static_cast<std::int64_t>(code_points(args[0].s).size()));
  if (f == "contains") {
    if (args[0].kind == K::list) return member(args[1], args[0], false);
    return RValue::boolean(args[0].s.find(args[1].s) != std::string::npos);
  }
  if (f == "starts_with") return RValue::boolean(args[0].s.starts_with(args[1].s));
  if (f == "ends_with") return RValue::boolean(args[0].s.ends_with(args[1].s));
  if (f == "matches") return RValue::boolean(matches(args[0].s, args[1].s));
  if (f == "min" || f == "max") {
    const int c = order(args[0], args[1]);
    const RValue& r = f == "min" ? (c <= 0 ? args[0] : args[1]) : (c > 0 ? args[0] : args[1]);
    return widen(r, type_of(ast, i, input_type));
  }
  return RValue::unknown();
}

// ---- decision tables ("Cells", "Hit policies", "No match, several matches, unknown inputs") --

RValue Evaluator::output(const Table& t, const expr::Ast& a, std::size_t column) {
  // "An integer fits a decimal output, where it becomes a decimal (0 gives 0.0)."
  return widen(eval(a, a.root, nullptr, nullptr), column_type(t.def->outputs[column]));
}

RValue Evaluator::cell(const Table&, const expr::UnaryTests& u, const RValue& v, const Type& column) {
  if (u.any) return RValue::boolean(true);  // "`-`: is anything, even unknown"
  // "tests separated by commas: passes at least one of them" (in order, like `or`)
  RValue r = RValue::boolean(false);
  for (const auto& test : u.tests) {
    RValue x;
    if (test.kind == expr::UnaryTest::Kind::predicate) {
      x = eval(u.ast, test.low, &v, &column);  // "a ? condition follows the rules of Missing answers"
    } else if (!v.known()) {
      x = v;  // "A cell other than - is unknown when its input is unknown"
    } else {
      switch (test.kind) {
        case expr::UnaryTest::Kind::equals: {
          const RValue e = eval(u.ast, test.low, nullptr, nullptr);
          x = e.kind == K::list ? member(v, e, false) : compare(BinaryOp::eq, v, e);
          break;
        }
        case expr::UnaryTest::Kind::compare: {
          const RValue e = eval(u.ast, test.low, nullptr, nullptr);
          if (test.op == BinaryOp::in || test.op == BinaryOp::not_in) x = member(v, e, test.op == BinaryOp::not_in);
          else x = compare(test.op, v, e);
          break;
        }
        default: {  // interval: both bounds, like `and`
          const RValue lo = compare(test.low_closed ? BinaryOp::ge : BinaryOp::gt, v, eval(u.ast, test.low, nullptr, nullptr));
          if (lo.kind == K::error || (lo.kind == K::boolean && !lo.b)) { x = lo; break; }
          const RValue hi = compare(test.high_closed ? BinaryOp::le : BinaryOp::lt, v, eval(u.ast, test.high, nullptr, nullptr));
          if (hi.kind == K::error || (hi.kind == K::boolean && !hi.b)) { x = hi; break; }
          x = lo.kind == K::boolean ? hi : lo;
          break;
        }
      }
    }
    if (x.kind == K::error || (x.kind == K::boolean && x.b)) { r = x; break; }
    if (x.kind == K::unknown) r = x;
  }
  if (u.negated && r.kind == K::boolean) r.b = !r.b;  // "not(tests): passes none of them"
  return r;
}

RValue Evaluator::table(const Table& t, std::size_t o, const std::vector<RValue>& args) {
  const ir::DecisionTable& d = *t.def;
  const bool many = d.hit == ir::HitPolicy::collect || d.hit == ir::HitPolicy::rule_order;
  std::vector<RValue> results;
  std::optional<std::size_t> chosen;
  auto out = [&](std::size_t rule, std::size_t column) { return output(t, t.outputs[rule][column], column); };
  for (std::size_t r = 0; r < t.inputs.size(); ++r) {
    // "A rule with an unknown cell is unknown, unless another of its cells is false."
    RValue m = RValue::boolean(true);
    for (std::size_t k = 0; k < t.inputs[r].size(); ++k) {
      const RValue c = cell(t, t.inputs[r][k], args[k], column_type(d.inputs[k]));
      if (c.kind == K::error || (c.kind == K::boolean && !c.b)) { m = c; break; }
      if (c.kind == K::unknown) m = c;
    }
    if (m.kind == K::error) return m;
    // "The table is unknown as soon as a rule it needs is unknown: under first, an unknown
    // rule before the first matching rule; under the other policies, any unknown rule."
    if (m.kind == K::unknown) return m;
    if (!m.b) continue;
    switch (d.hit) {
      case ir::HitPolicy::first: return out(r, o);
      case ir::HitPolicy::unique:
        if (chosen) return RValue::failure(expr::EvalError::several_rules_matched);
        chosen = r;
        break;
      case ir::HitPolicy::any:
        if (chosen) {
          for (std::size_t c = 0; c < d.outputs.size(); ++c)
            if (!equal(out(r, c), out(*chosen, c))) return RValue::failure(expr::EvalError::outputs_disagree);
        } else {
          chosen = r;
        }
        break;
      case ir::HitPolicy::priority: {
        // "the matching rule whose outputs come first in the output columns' values (the first
        // output column decides; on a tie the second, and so on; a full tie goes to the earlier rule)"
        if (!chosen) { chosen = r; break; }
        for (std::size_t c = 0; c < d.outputs.size(); ++c) {
          const auto& values = d.outputs[c].values;
          auto rank = [&](std::size_t rule) {
            const RValue v = out(rule, c);
            const auto at = std::find(values.begin(), values.end(), v.s);
            return v.kind == K::string ? static_cast<std::size_t>(at - values.begin()) : values.size();
          };
          const auto a = rank(r), b = rank(*chosen);
          if (a != b) {
            if (a < b) chosen = r;
            break;
          }
        }
        break;
      }
      default: results.push_back(out(r, o)); break;
    }
  }
  if (many) {
    const Type ct = column_type(d.outputs[o]);
    switch (d.aggregation) {
      case ir::Aggregation::count: return RValue::integer(static_cast<std::int64_t>(results.size()));
      case ir::Aggregation::sum: {  // "the sum of those outputs (0 if none matches)"
        RValue sum = ct.base == BaseType::decimal ? RValue::decimal(0) : RValue::integer(0);
        for (const auto& v : results) {
          if (!v.known()) return v;
          sum = arith(BinaryOp::add, sum, v);
          if (sum.kind == K::error) return sum;
        }
        return sum;
      }
      case ir::Aggregation::min:
      case ir::Aggregation::max: {
        if (results.empty()) {
          if (!t.defaults.empty()) return output(t, t.defaults[o], o);
          return RValue::failure(expr::EvalError::empty_aggregate);
        }
        RValue best = results[0];
        for (const auto& v : results) {
          if (!v.known()) return v;
          const int c = order(v, best);
          if (d.aggregation == ir::Aggregation::min ? c < 0 : c > 0) best = v;
        }
        return best;
      }
      case ir::Aggregation::none: return RValue::list(std::move(results));
    }
  }
  if (!chosen) {
    if (!t.defaults.empty()) return output(t, t.defaults[o], o);
    return RValue::failure(expr::EvalError::no_rule_matched);
  }
  return out(*chosen, o);
}

}  // namespace yishi::property::reference
