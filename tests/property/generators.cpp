// Random generators for the property tests: see generators.hpp.
#include "generators.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

namespace yishi::property {

// ---- running ----------------------------------------------------------------------------

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

int case_count(int fallback) { return static_cast<int>(env_or("YISHI_PROPERTY_CASES", static_cast<std::uint64_t>(fallback))); }

std::uint64_t base_seed(std::uint64_t fallback) { return env_or("YISHI_PROPERTY_SEED", fallback); }

int max_failures() { return static_cast<int>(env_or("YISHI_PROPERTY_MAX_FAILURES", 5)); }

std::string rerun(std::uint64_t seed) { return fmt::format("YISHI_PROPERTY_SEED={} YISHI_PROPERTY_CASES=1", seed); }

// ---- text -------------------------------------------------------------------------------

namespace {

constexpr const char* chinese[] = {
    "开办餐饮店一件事", "营业执照", "市场监督管理局", "食品经营许可", "消防安全检查", "户外招牌设置",
    "经营场所面积（平方米）", "申请人", "身份证复印件", "不动产权证书", "公安局", "卫生健康委员会",
    "办结", "承诺时限", "法定时限", "告知承诺", "容缺受理", "现场核查", "《行政许可法》第82条", "一件事",
};

// Text that YAML or the DSL must quote or escape, or that a loader could misread.
constexpr const char* tricky[] = {
    "a: b", "key:", "x #y", "#tag", "\"quoted\"", "'single'", " leading", "trailing ", "yes", "no", "null",
    "~", "true", "false", "on", "Off", "123", "1.5", "-3", "[S6] 依据", "{map}", "- dash", "? q", "@at",
    "`tick`", "%pct", "&anchor", "*alias", "!tag", "|pipe", ">gt", "back\\slash", "tab\there", "line\nbreak",
    "中文：冒号", "a,b", "a:b", "http://x.y/z?q=1#f", "0x1F", "1e3", "0777", ".5", "Yes", "NULL", "…", "🙂",
    "'", "\"", "\\", "--- x", "...", "a ,b", "[x]", "{y}", "a]", "b}", "=>", "|", "# 注释", "：", "、",
    "it's", "say \"hi\"", "\\n", "{{", "}}", "a\\\"b", "  two  spaces  ", "end:", ": start", "-", "--", "+1",
    "v1.2", "2024.10", "2025-06-15", "5wd", "x: y: z", "a # b", "semi;colon", "<tag>", "&amp;", "$HOME",
    "cr\rx", "bell\x07", "del\x7f", "\xc2\xa0nbsp", "zero\u200bwidth", "ＡＢＣ全角", "\xef\xbb\xbf" "bom",
};

constexpr const char* id_words[] = {"market_regulation", "public_security", "tax", "fire", "culture", "health",
                                    "licence", "permit", "check", "review", "a", "x", "item", "food", "sign",
                                    "premises", "registry", "e_licence", "step", "group"};

// Ids that are also words of YAML or keywords of the DSL (not of expressions: `and`, `or`,
// `not`, `in`, `true` and `false` are reserved, see docs/language.md "Names").
constexpr const char* reserved_ids[] = {"yes", "no", "on", "off", "y", "n", "null", "it", "bundle", "item", "after", "by",
                                        "form", "when", "review", "version", "department", "stage", "table", "rule",
                                        "input", "output", "default", "material", "field", "optional", "pledge"};

}  // namespace

std::string random_id(Rng& rng, std::string_view stem) {
  std::string s(stem);
  if (rng.chance(0.03)) return rng.one_of(reserved_ids);
  switch (rng.pick(0, 5)) {
    case 0: return s;
    case 1: return s + std::to_string(rng.pick(0, 99));
    case 2: return s + "_" + std::string(rng.one_of(id_words));
    default: return s + "_" + std::to_string(rng.pick(0, 9999));
  }
}

std::string random_text(Rng& rng, bool blank_ok) {
  if (blank_ok && rng.chance(0.1)) return "";
  std::string s;
  const int parts = rng.pick(1, 3);
  for (int k = 0; k < parts; ++k) {
    if (k > 0 && rng.chance(0.5)) s += ' ';
    s += rng.chance(0.55) ? rng.one_of(chinese) : rng.one_of(tricky);
  }
  if (s.find_first_not_of(" \t") == std::string::npos) s += "名";
  return s;
}

std::string random_enum_value(Rng& rng) {
  static constexpr const char* codes[] = {"hot_food", "cold_food", "raw_food", "drinks", "huangpu", "xuhui", "pudong",
                                          "a", "b", "high", "low", "medium", "x1", "none"};
  switch (rng.pick(0, 9)) {
    case 0: return rng.one_of(tricky);
    case 1: return rng.one_of(chinese);
    case 2: return rng.one_of({std::string("and"), std::string("or"), std::string("not"), std::string("in"),
                               std::string("true"), std::string("false"), std::string("null"), std::string("yes")});
    default: return rng.one_of(codes);
  }
}

// ---- literals ---------------------------------------------------------------------------

std::string quote_string(std::string_view s, char quote) {
  std::string out(1, quote);
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '"': out += quote == '"' ? "\\\"" : "\""; break;
      case '\'': out += quote == '\'' ? "\\'" : "'"; break;
      default: out += c;
    }
  }
  return out + quote;
}

std::string date_text(std::int64_t days) {
  const std::chrono::year_month_day d{std::chrono::sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

std::int64_t random_day(Rng& rng) {
  using namespace std::chrono;
  if (rng.chance(0.25)) {  // near a leap day: birthdays on 29 February, years without one
    const int y = rng.pick(1896, 2104);
    const sys_days base{year{y} / February / 28};
    return base.time_since_epoch().count() + rng.pick(-1, 2);
  }
  const auto lo = sys_days{year{1900} / 1 / 1}.time_since_epoch().count();
  const auto hi = sys_days{year{2100} / 12 / 31}.time_since_epoch().count();
  return rng.pick64(lo, hi);
}

namespace {

std::string decimal_text(double d) {
  char buf[512];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  std::string s = ec == std::errc{} ? std::string(buf, p) : fmt::format("{:f}", d);
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

// Strings for literals and answers: ASCII, Chinese, quotes, escapes, formats of `matches`.
constexpr const char* string_pool[] = {
    "", "a", "b", "ab", "abc", "hot_food", "开办", "餐饮", "开办餐饮店", "有限公司", "上海餐饮有限公司", "a\"b", "it's",
    "back\\slash", "tab\there", "nl\nx", "#", "x: y", "138", "13812345678", "12812345678", "1381234567",
    "91350100M000100Y43", "91350100M000100Y44", "11010519491231002X", "11010519491231002x", "110105194912310021",
    "310115199006161249", "200001", "20000", "2000011", "A", "Z", "zz", " ", "  a", "a ", "🙂", "é", "ABC", "0",
};

std::string valid_id_card(Rng& rng) {
  static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char checks[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
  std::string s = fmt::format("{:06}", rng.pick(110000, 659999));
  s += date_text(random_day(rng)).substr(0, 4) + fmt::format("{:02}{:02}", rng.pick(1, 12), rng.pick(1, 31));
  s += fmt::format("{:03}", rng.pick(0, 999));
  int sum = 0;
  for (int k = 0; k < 17; ++k) sum += (s[static_cast<std::size_t>(k)] - '0') * weights[k];
  s += checks[sum % 11];
  if (s.back() == 'X' && rng.chance(0.3)) s.back() = 'x';
  return s;
}

std::string valid_credit_code(Rng& rng) {
  static constexpr std::string_view alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  static constexpr int weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
  std::string s;
  int sum = 0;
  for (int k = 0; k < 17; ++k) {
    const int v = rng.pick(0, 30);
    s += alphabet[static_cast<std::size_t>(v)];
    sum += v * weights[k];
  }
  s += alphabet[static_cast<std::size_t>((31 - sum % 31) % 31)];
  return s;
}

std::string random_string(Rng& rng) {
  switch (rng.pick(0, 11)) {
    case 0: return valid_id_card(rng);
    case 1: {  // a valid number with one character changed
      std::string s = rng.chance(0.5) ? valid_id_card(rng) : valid_credit_code(rng);
      s[static_cast<std::size_t>(rng.pick(0, static_cast<int>(s.size()) - 1))] = static_cast<char>('0' + rng.pick(0, 9));
      return s;
    }
    case 2: return valid_credit_code(rng);
    case 3: return fmt::format("1{}{:09}", rng.pick(0, 9), rng.pick(0, 999999999));
    case 4: return fmt::format("{:06}", rng.pick(0, 999999));
    default: return rng.one_of(string_pool);
  }
}

}  // namespace

std::string literal_text(Rng& rng, const expr::Type& type, const std::vector<std::string>& enum_values) {
  switch (type.base) {
    case expr::BaseType::boolean: return rng.chance(0.5) ? "true" : "false";
    case expr::BaseType::integer: return std::to_string(rng.pick(-5, 200));
    case expr::BaseType::decimal: return decimal_text(rng.pick(-50, 2000) / 4.0);
    case expr::BaseType::string:
      return quote_string(!enum_values.empty() ? rng.one_of(enum_values) : random_string(rng), rng.chance(0.7) ? '"' : '\'');
    case expr::BaseType::date: return date_text(random_day(rng));
    case expr::BaseType::work_duration: return fmt::format("{}wd{}wh", rng.pick(0, 20), rng.pick(0, 7));
    default: return "true";
  }
}

expr::Answers random_answers(Rng& rng, const expr::Environment& env, double missing, std::size_t fields) {
  expr::Answers out;
  const auto& fs = env.fields();
  const std::size_t n = fields == 0 ? fs.size() : std::min(fields, fs.size());
  for (std::size_t k = 0; k < n; ++k) {
    const auto& f = fs[k];
    if (f.id.starts_with("#") || rng.chance(missing)) continue;
    expr::Answer a;
    if (f.type.list) {
      std::vector<std::string> vs;
      for (const auto& v : f.values)
        if (rng.chance(0.5)) vs.push_back(v);
      std::shuffle(vs.begin(), vs.end(), rng.engine());
      a = vs;
    } else {
      switch (f.type.base) {
        case expr::BaseType::boolean: a = rng.chance(0.5); break;
        case expr::BaseType::integer:
          a = rng.chance(0.05) ? rng.one_of(std::vector<std::int64_t>{INT64_MAX, INT64_MIN, INT64_MAX - 1, 1LL << 53})
                               : static_cast<std::int64_t>(rng.pick(-20, 300));
          break;
        case expr::BaseType::decimal:
          if (rng.chance(0.3)) a = static_cast<std::int64_t>(rng.pick(-20, 300));
          else a = rng.pick(-400, 4000) / 8.0;
          break;
        case expr::BaseType::date: {
          const auto d = random_day(rng);
          if (rng.chance(0.3)) a = date_text(d);
          else a = std::chrono::sys_days{std::chrono::days{d}};
          break;
        }
        case expr::BaseType::string: a = !f.values.empty() ? rng.one_of(f.values) : random_string(rng); break;
        case expr::BaseType::attachment: a = std::string("upload-1.pdf"); break;
        default: continue;
      }
    }
    out.emplace_back(f.id, std::move(a));
  }
  std::shuffle(out.begin(), out.end(), rng.engine());
  return out;
}

// ---- expressions ------------------------------------------------------------------------

expr::Environment ExprScope::environment() const {
  expr::Environment env;
  for (const auto& f : fields) env.add_field(f.id, f.type, f.values);
  for (const auto& s : situations) env.add_situation(s);
  for (const auto& t : tables) {
    expr::TableSignature sig;
    sig.id = t.id;
    sig.inputs = t.inputs;
    sig.output_names = t.output_names;
    sig.output_types = t.outputs;
    for (std::size_t k = 0; k < t.inputs.size(); ++k)
      if (!t.input_values[k].empty())
        sig.inputs[k].enumeration =
            static_cast<std::int32_t>(env.add_field(fmt::format("#{}.{}", t.id, k), expr::Type::string(), t.input_values[k]));
    env.add_table(std::move(sig));
  }
  if (input) env.input = *input;
  return env;
}

namespace {

using expr::BaseType;
using expr::BinaryOp;
using expr::NodeKind;
using expr::Type;

bool numeric(const Type& t) { return !t.list && (t.base == BaseType::integer || t.base == BaseType::decimal); }

// Builds an expression tree of a wanted type, node by node, straight into an expr::Ast.
class ExprBuilder {
 public:
  ExprBuilder(Rng& rng, const ExprScope& scope, const ExprOptions& o) : rng_(rng), scope_(scope), o_(o) {}

  // What a generated subtree is.
  struct R {
    std::uint32_t node = 0;
    Type type;
    const std::vector<std::string>* values = nullptr;  // enumeration values when enum-typed
    bool string_literal = false;
  };
  // Constraints on a string subtree: literals from `values`; no enum-typed subtree when the
  // other side is a literal (the checker would test the literal against its values).
  struct Want {
    Type type;
    const std::vector<std::string>* values = nullptr;
    bool no_enum = false;
  };

  expr::Ast take(std::uint32_t root) {
    ast_.root = root;
    return std::move(ast_);
  }

  R gen(const Want& w, int depth) {
    if (w.type.list) return gen_list(w, depth);
    switch (w.type.base) {
      case BaseType::boolean: return gen_bool(depth);
      case BaseType::integer: return gen_int(depth);
      case BaseType::decimal: return gen_decimal(depth);
      case BaseType::string: return gen_string(w, depth);
      case BaseType::date: return gen_date(depth);
      case BaseType::work_duration: return gen_duration(depth);
      default: return gen_bool(depth);
    }
  }

  // A scalar type for comparisons and arguments.
  Type scalar_type(bool with_bool = true) {
    static constexpr BaseType bases[] = {BaseType::integer, BaseType::decimal, BaseType::string, BaseType::date,
                                         BaseType::work_duration, BaseType::boolean};
    return Type{bases[rng_.pick(0, with_bool ? 5 : 4)]};
  }

 private:
  std::uint32_t add(expr::Node n) {
    ast_.nodes.push_back(std::move(n));
    return static_cast<std::uint32_t>(ast_.nodes.size() - 1);
  }
  std::uint32_t node(NodeKind k, std::vector<std::uint32_t> children = {}) {
    expr::Node n;
    n.kind = k;
    n.children = std::move(children);
    return add(std::move(n));
  }
  R binary(BinaryOp op, const R& l, const R& r, Type t) {
    expr::Node n;
    n.kind = NodeKind::binary;
    n.op = op;
    n.children = {l.node, r.node};
    return {add(std::move(n)), t};
  }
  R call(std::string name, std::vector<std::uint32_t> args, Type t) {
    expr::Node n;
    n.kind = NodeKind::call;
    n.text = std::move(name);
    n.children = std::move(args);
    return {add(std::move(n)), t};
  }
  R name(std::string text, Type t, const std::vector<std::string>* values = nullptr) {
    expr::Node n;
    n.kind = NodeKind::name;
    n.text = std::move(text);
    R r{add(std::move(n)), t};
    r.values = values;
    return r;
  }

  // ---- literals ----
  R lit_bool() {
    expr::Node n;
    n.kind = NodeKind::boolean;
    n.flag = rng_.chance(0.5);
    return {add(std::move(n)), Type::boolean()};
  }
  R lit_int(bool allow_negative = true) {
    std::int64_t v;
    switch (rng_.pick(0, 9)) {
      case 0: v = o_.extremes ? rng_.one_of(std::vector<std::int64_t>{INT64_MAX, INT64_MAX - 1, 4611686018427387904LL,
                                                                      3037000500LL, 9007199254740993LL})
                              : 1000;
        break;
      case 1: v = 0; break;
      case 2: v = rng_.pick(0, 1'000'000); break;
      default: v = rng_.pick(0, 100); break;
    }
    expr::Node n;
    n.kind = NodeKind::integer;
    n.integer = v;
    R r{add(std::move(n)), Type::integer()};
    if (allow_negative && rng_.chance(0.2)) r.node = node(NodeKind::negate, {r.node});
    return r;
  }
  R lit_decimal(bool allow_negative = true) {
    std::string text;
    switch (rng_.pick(0, 7)) {
      case 0: text = "0.0"; break;
      case 1: text = fmt::format("{}.{}", rng_.pick(0, 1'000'000), rng_.pick(0, 999)); break;
      case 2: text = "0.1"; break;
      case 3: text = "0.2"; break;
      case 4: text = o_.extremes ? "123456789012345678.5" : "1.5"; break;
      default: text = fmt::format("{}.{}", rng_.pick(0, 100), rng_.pick(0, 99)); break;
    }
    expr::Node n;
    n.kind = NodeKind::decimal;
    n.decimal = std::strtod(text.c_str(), nullptr);
    R r{add(std::move(n)), Type::decimal()};
    if (allow_negative && rng_.chance(0.2)) r.node = node(NodeKind::negate, {r.node});
    return r;
  }
  R lit_string(const std::vector<std::string>* values) {
    expr::Node n;
    n.kind = NodeKind::string;
    n.text = values && !values->empty() ? rng_.one_of(*values) : random_string(rng_);
    R r{add(std::move(n)), Type::string()};
    r.string_literal = true;
    return r;
  }
  R lit_date() {
    expr::Node n;
    n.kind = NodeKind::date;
    n.integer = random_day(rng_);
    return {add(std::move(n)), Type::date()};
  }
  R lit_duration() {
    expr::Node n;
    n.kind = NodeKind::work_duration;
    n.integer = rng_.chance(0.1) ? rng_.pick(0, 1'000'000) * 8 : rng_.pick(0, 20) * 8 + rng_.pick(0, 12);
    return {add(std::move(n)), Type::work_duration()};
  }
  R literal(const Type& t, const std::vector<std::string>* values, bool allow_negative = true) {
    switch (t.base) {
      case BaseType::boolean: return lit_bool();
      case BaseType::integer: return lit_int(allow_negative);
      case BaseType::decimal: return lit_decimal(allow_negative);
      case BaseType::string: return lit_string(values);
      case BaseType::date: return lit_date();
      case BaseType::work_duration: return lit_duration();
      default: return lit_bool();
    }
  }

  // ---- leaves: names of a type ----
  std::optional<R> leaf_name(const Type& t, bool no_enum) {
    std::vector<R> options;
    std::vector<std::function<R()>> makers;
    for (std::size_t k = 0; k < scope_.fields.size(); ++k) {
      const auto& f = scope_.fields[k];
      if (f.type.list != t.list || f.type.base != t.base) continue;
      if (shadowed(f)) continue;
      if (no_enum && !f.values.empty()) continue;
      makers.push_back([this, &f] { return name(f.id, f.type, f.values.empty() ? nullptr : &f.values); });
    }
    if (t == Type::boolean())
      for (const auto& s : scope_.situations) makers.push_back([this, &s] { return name(s, Type::boolean()); });
    if (!it_.empty() && !t.list && it_.back().type.base == t.base && !(no_enum && it_.back().values)) {
      const auto e = it_.back();
      makers.push_back([this, e] { return name("it", e.type, e.values); });
    }
    if (scope_.input && scope_.input->base == t.base && scope_.input->list == t.list)
      makers.push_back([this, t] { return R{node(NodeKind::input), t}; });
    if (makers.empty()) return std::nullopt;
    return rng_.one_of(makers)();
  }

  R leaf(const Want& w) {
    if (rng_.chance(0.55))
      if (auto r = leaf_name(w.type, w.no_enum)) return *r;
    return literal(w.type, w.values);
  }

  // ---- yes/no ----
  // A yes/no leaf; without `bool_literals`, a name or a comparison rather than `true`/`false`.
  R bool_leaf() {
    if (o_.bool_literals) return leaf({Type::boolean()});
    if (rng_.chance(0.6))
      if (auto r = leaf_name(Type::boolean(), false)) return *r;
    return comparison(1);
  }

  R gen_bool(int depth) {
    if (depth <= 0) return bool_leaf();
    switch (rng_.pick(0, 19)) {
      case 0: case 1: return bool_leaf();
      case 2: case 3: {
        R c = gen_bool(depth - 1);
        return {node(NodeKind::not_, {c.node}), Type::boolean()};
      }
      case 4: case 5: case 6: {
        R l = gen_bool(depth - 1), r = gen_bool(depth - 1);
        return binary(rng_.chance(0.5) ? BinaryOp::and_ : BinaryOp::or_, l, r, Type::boolean());
      }
      case 7: case 8: case 9: case 10: return comparison(depth);
      case 11: case 12: return membership(depth);
      default: {
        if (!o_.functions) return comparison(depth);
        return bool_function(depth);
      }
    }
  }

  R comparison(int depth) {
    Type t = scalar_type();
    const bool list = rng_.chance(0.08);
    if (list) t.list = true;
    const bool ordered = !list && t.base != BaseType::boolean;
    static constexpr BinaryOp ops[] = {BinaryOp::eq, BinaryOp::ne, BinaryOp::lt, BinaryOp::le, BinaryOp::gt, BinaryOp::ge};
    const BinaryOp op = ops[rng_.pick(0, ordered ? 5 : 1)];
    // Numbers compare across integer and decimal; lists only with the same element type.
    const Type lt = numeric_variant(t);
    R l = gen({list ? lt : numeric_variant(t)}, depth - 1);
    R r = gen({list ? lt : numeric_variant(t), l.values, l.string_literal}, depth - 1);
    return binary(op, l, r, Type::boolean());
  }

  // For a numeric type, integer or decimal at random (they compare with each other).
  Type numeric_variant(Type t) {
    if (t.base == BaseType::integer || t.base == BaseType::decimal)
      t.base = rng_.chance(0.5) ? BaseType::integer : BaseType::decimal;
    return t;
  }

  // A list literal of element type `t`: a list of decimals may have integers among them
  // ("A list mixing integers and decimals holds decimals"); `[]` has no element type.
  R list_literal(const Type& t, const std::vector<std::string>* values) {
    std::vector<std::uint32_t> elems;
    const int n = rng_.pick(0, 4);
    const int decimal_at = rng_.pick(0, std::max(0, n - 1));
    for (int k = 0; k < n; ++k) {
      Type et = t;
      et.list = false;
      if (t.base == BaseType::decimal && k != decimal_at) et = numeric_variant(et);
      elems.push_back(literal(et, values).node);
    }
    Type lt = t;
    lt.list = true;
    R r{node(NodeKind::list, std::move(elems)), n == 0 ? Type::list_of(Type{BaseType::any}) : lt};
    r.values = values;
    return r;
  }

  // A one-word field id that is also a situation id names the situation.
  bool shadowed(const ExprField& f) const {
    return f.id.find('.') == std::string::npos &&
           std::find(scope_.situations.begin(), scope_.situations.end(), f.id) != scope_.situations.end();
  }

  const ExprField* multi_enum_field() {
    std::vector<const ExprField*> fs;
    for (const auto& f : scope_.fields)
      if (f.type.list && f.type.base == BaseType::string && !f.values.empty() && !shadowed(f)) fs.push_back(&f);
    return fs.empty() ? nullptr : rng_.one_of(fs);
  }

  R membership(int depth) {
    const BinaryOp op = rng_.chance(0.7) ? BinaryOp::in : BinaryOp::not_in;
    if (const ExprField* f = rng_.chance(0.3) ? multi_enum_field() : nullptr) {
      R list = name(f->id, f->type, &f->values);
      R e = gen({Type::string(), &f->values}, depth - 1);
      return binary(op, e, list, Type::boolean());
    }
    const Type t = scalar_type();
    R e = gen({numeric_variant(t)}, depth - 1);
    R list = list_literal(t, e.values);
    return binary(op, e, list, Type::boolean());
  }

  // A list and its element type (for contains, any, all, count).
  struct ListOf {
    R list;
    Type element;
    const std::vector<std::string>* values = nullptr;
  };
  ListOf some_list(int depth) {
    if (const ExprField* f = rng_.chance(0.35) ? multi_enum_field() : nullptr)
      return {name(f->id, f->type, &f->values), Type::string(), &f->values};
    Type t = scalar_type();
    Want w{Type::list_of(t)};
    R l = gen_list(w, depth - 1);
    Type e = l.type;
    e.list = false;
    if (e.base == BaseType::any) e = t;  // `[]`: the checker types `it` as anything
    return {l, e, l.values};
  }

  R quantified(const std::string& fn, int depth, Type result) {
    ListOf l = some_list(depth);
    it_.push_back({l.element, l.values});
    R cond = gen_bool(depth - 1);
    it_.pop_back();
    return call(fn, {l.list.node, cond.node}, result);
  }

  R bool_function(int depth) {
    switch (rng_.pick(0, 10)) {
      case 0: {  // contains(list, value)
        ListOf l = some_list(depth);
        R v = gen({numeric_variant(l.element), l.values, false}, depth - 1);
        return call("contains", {l.list.node, v.node}, Type::boolean());
      }
      case 1: case 2: case 3: {
        static const char* fns[] = {"contains", "starts_with", "ends_with"};
        const int fn = rng_.pick(0, 2);
        R a = gen({Type::string()}, depth - 1), b = gen({Type::string()}, depth - 1);
        return call(fns[fn], {a.node, b.node}, Type::boolean());
      }
      case 4: {
        R a = gen({Type::string()}, depth - 1);
        static const char* formats[] = {"id_card", "mobile", "credit_code", "postcode"};
        expr::Node f;
        f.kind = NodeKind::string;
        f.text = formats[rng_.pick(0, 3)];
        return call("matches", {a.node, add(std::move(f))}, Type::boolean());
      }
      case 5: {  // answered(anything), attachments included
        for (const auto& f : scope_.fields)
          if (f.type.base == BaseType::attachment && !shadowed(f) && rng_.chance(0.3))
            return call("answered", {name(f.id, f.type).node}, Type::boolean());
        Type t = scalar_type();
        if (rng_.chance(0.1)) t.list = true;
        R a = gen({numeric_variant(t)}, depth - 1);
        return call("answered", {a.node}, Type::boolean());
      }
      case 6: case 7: if (o_.quantifiers) return quantified(rng_.chance(0.5) ? "any" : "all", depth, Type::boolean()); [[fallthrough]];
      default:
        if (auto r = table_call(Type::boolean(), depth)) return *r;
        return or_else({Type::boolean()}, depth);
    }
  }

  R or_else(const Want& w, int depth) {
    R a = gen({w.type.list ? w.type : numeric_variant(w.type), w.values, w.no_enum}, depth - 1);
    R b = gen({w.type.list ? w.type : numeric_variant(w.type), a.values, a.string_literal}, depth - 1);
    Type t = a.type;
    if (numeric(a.type) && numeric(b.type))
      t.base = a.type.base == BaseType::decimal || b.type.base == BaseType::decimal ? BaseType::decimal : BaseType::integer;
    R r = call("or_else", {a.node, b.node}, t);
    r.values = a.values;
    return r;
  }

  R min_max(const Type& t, int depth) {
    R a = gen({numeric_variant(t)}, depth - 1), b = gen({numeric_variant(t)}, depth - 1);
    Type rt = a.type;
    if (numeric(a.type) && numeric(b.type))
      rt.base = a.type.base == BaseType::decimal || b.type.base == BaseType::decimal ? BaseType::decimal : BaseType::integer;
    return call(rng_.chance(0.5) ? "min" : "max", {a.node, b.node}, rt);
  }

  std::optional<R> table_call(const Type& want, int depth) {
    std::vector<std::pair<const ExprTable*, std::size_t>> fits;
    for (const auto& t : scope_.tables)
      for (std::size_t o = 0; o < t.outputs.size(); ++o)
        if (t.outputs[o].base == want.base && t.outputs[o].list == want.list) fits.push_back({&t, o});
    if (fits.empty() || depth <= 0) return std::nullopt;
    const auto [t, o] = rng_.one_of(fits);
    std::vector<std::uint32_t> args;
    expr::Node id;
    id.kind = NodeKind::string;
    id.text = t->output_names.size() == 1 && rng_.chance(0.7) ? t->id : t->id + "." + t->output_names[o];
    args.push_back(add(std::move(id)));
    for (std::size_t k = 0; k < t->inputs.size(); ++k) {
      const auto* values = t->input_values[k].empty() ? nullptr : &t->input_values[k];
      Type in = t->inputs[k];
      in.enumeration = -1;
      if (in.base == BaseType::decimal) in = numeric_variant(in);  // an integer fits a decimal input
      args.push_back(gen({in, values}, depth - 1).node);
    }
    R r = call("table", std::move(args), t->outputs[o]);
    return r;
  }

  // ---- numbers ----
  R gen_int(int depth) {
    if (depth <= 0) return leaf({Type::integer()});
    switch (rng_.pick(0, 17)) {
      case 0: case 1: case 2: return leaf({Type::integer()});
      case 3: case 4: case 5: {
        static constexpr BinaryOp ops[] = {BinaryOp::add, BinaryOp::sub, BinaryOp::mul};
        R l = gen_int(depth - 1), r = gen_int(depth - 1);
        return binary(ops[rng_.pick(0, 2)], l, r, Type::integer());
      }
      case 6: {
        R c = gen_int(depth - 1);
        return {node(NodeKind::negate, {c.node}), Type::integer()};
      }
      default:
        if (!o_.functions) return leaf({Type::integer()});
        switch (rng_.pick(0, 9)) {
          case 0: {
            R d = gen_date(depth - 1);
            if (rng_.chance(0.5)) return call("age", {d.node}, Type::integer());
            R on = gen_date(depth - 1);
            return call("age", {d.node, on.node}, Type::integer());
          }
          case 1: {
            R a = gen_date(depth - 1), b = gen_date(depth - 1);
            return call("days_between", {a.node, b.node}, Type::integer());
          }
          case 2: {
            R d = gen_date(depth - 1);
            return call(rng_.chance(0.5) ? "year" : "month", {d.node}, Type::integer());
          }
          case 3: {
            if (rng_.chance(0.5)) return call("len", {gen({Type::string()}, depth - 1).node}, Type::integer());
            return call("len", {some_list(depth).list.node}, Type::integer());
          }
          case 4: if (o_.quantifiers) return quantified("count", depth, Type::integer()); [[fallthrough]];
          case 5: return or_else({Type::integer()}, depth);
          case 6: {
            R a = gen_int(depth - 1), b = gen_int(depth - 1);
            return call(rng_.chance(0.5) ? "min" : "max", {a.node, b.node}, Type::integer());
          }
          default:
            if (auto r = table_call(Type::integer(), depth)) return *r;
            return leaf({Type::integer()});
        }
    }
  }

  R gen_decimal(int depth) {
    if (depth <= 0) return leaf({Type::decimal()});
    switch (rng_.pick(0, 12)) {
      case 0: case 1: case 2: return leaf({Type::decimal()});
      case 3: case 4: case 5: {  // at least one decimal operand
        static constexpr BinaryOp ops[] = {BinaryOp::add, BinaryOp::sub, BinaryOp::mul};
        const bool left = rng_.chance(0.5);
        R l = left ? gen_decimal(depth - 1) : gen({numeric_variant(Type::integer())}, depth - 1);
        R r = left ? gen({numeric_variant(Type::integer())}, depth - 1) : gen_decimal(depth - 1);
        return binary(ops[rng_.pick(0, 2)], l, r, Type::decimal());
      }
      case 6: case 7: {
        if (!o_.division) return leaf({Type::decimal()});
        R l = gen({numeric_variant(Type::integer())}, depth - 1), r = gen({numeric_variant(Type::integer())}, depth - 1);
        return binary(BinaryOp::div, l, r, Type::decimal());
      }
      case 8: {
        R c = gen_decimal(depth - 1);
        return {node(NodeKind::negate, {c.node}), Type::decimal()};
      }
      case 9: {
        if (!o_.functions) return leaf({Type::decimal()});
        // or_else with a decimal on one side: the machine widens an integer result.
        const bool left = rng_.chance(0.5);
        R a = left ? gen_decimal(depth - 1) : gen_int(depth - 1);
        R b = left ? gen({numeric_variant(Type::integer())}, depth - 1) : gen_decimal(depth - 1);
        return call("or_else", {a.node, b.node}, Type::decimal());
      }
      case 10: {
        if (!o_.functions) return leaf({Type::decimal()});
        const bool left = rng_.chance(0.5);
        R a = left ? gen_decimal(depth - 1) : gen_int(depth - 1);
        R b = left ? gen({numeric_variant(Type::integer())}, depth - 1) : gen_decimal(depth - 1);
        return call(rng_.chance(0.5) ? "min" : "max", {a.node, b.node}, Type::decimal());
      }
      default:
        if (o_.functions)
          if (auto r = table_call(Type::decimal(), depth)) return *r;
        return leaf({Type::decimal()});
    }
  }

  // ---- text, dates, working time ----
  R gen_string(const Want& w, int depth) {
    if (depth <= 0 || !o_.functions) return leaf(w);
    switch (rng_.pick(0, 9)) {
      case 0: return or_else(w, depth);
      case 1:
        if (!w.values && !w.no_enum)
          if (auto r = table_call(Type::string(), depth)) return *r;
        return leaf(w);
      default: return leaf(w);
    }
  }

  R gen_date(int depth) {
    if (depth <= 0) return rng_.chance(0.1) && o_.functions ? call("today", {}, Type::date()) : leaf({Type::date()});
    if (!o_.functions) return leaf({Type::date()});
    switch (rng_.pick(0, 9)) {
      case 0: return call("today", {}, Type::date());
      case 1: return min_max(Type::date(), depth);
      case 2: return or_else({Type::date()}, depth);
      case 3:
        if (auto r = table_call(Type::date(), depth)) return *r;
        return leaf({Type::date()});
      default: return leaf({Type::date()});
    }
  }

  R gen_duration(int depth) {
    if (depth <= 0) return leaf({Type::work_duration()});
    switch (rng_.pick(0, 9)) {
      case 0: case 1: {
        R l = gen_duration(depth - 1), r = gen_duration(depth - 1);
        return binary(rng_.chance(0.5) ? BinaryOp::add : BinaryOp::sub, l, r, Type::work_duration());
      }
      case 2: {
        R c = gen_duration(depth - 1);
        return {node(NodeKind::negate, {c.node}), Type::work_duration()};
      }
      case 3: if (o_.functions) return min_max(Type::work_duration(), depth); [[fallthrough]];
      case 4: if (o_.functions) return or_else({Type::work_duration()}, depth); [[fallthrough]];
      default: return leaf({Type::work_duration()});
    }
  }

  // ---- lists ----
  R gen_list(const Want& w, int depth) {
    Type element = w.type;
    element.list = false;
    if (depth > 0 && o_.functions) {
      if (rng_.chance(0.15))
        if (auto r = table_call(w.type, depth)) return *r;
      if (rng_.chance(0.1)) {
        R a = gen_list({w.type, w.values}, depth - 1), b = gen_list({w.type, a.values}, depth - 1);  // same element type
        Type t = a.type.base == BaseType::any ? b.type : a.type;
        R r = call("or_else", {a.node, b.node}, t);
        r.values = a.values;
        return r;
      }
    }
    if (element.base == BaseType::string && !w.no_enum && rng_.chance(0.4)) {
      for (const auto& f : scope_.fields)
        if (f.type.list && f.type.base == BaseType::string && !shadowed(f) && (!w.values || &f.values == w.values) &&
            rng_.chance(0.6))
          return name(f.id, f.type, f.values.empty() ? nullptr : &f.values);
    }
    return list_literal(element, w.values);
  }

  Rng& rng_;
  const ExprScope& scope_;
  ExprOptions o_;
  expr::Ast ast_;
  struct It {
    Type type;
    const std::vector<std::string>* values = nullptr;
  };
  std::vector<It> it_;
};

// ---- rendering ----

int level(const expr::Node& n) {
  switch (n.kind) {
    case NodeKind::binary:
      switch (n.op) {
        case BinaryOp::or_: return 1;
        case BinaryOp::and_: return 2;
        case BinaryOp::add:
        case BinaryOp::sub: return 5;
        case BinaryOp::mul:
        case BinaryOp::div: return 6;
        default: return 4;
      }
    case NodeKind::not_: return 3;
    case NodeKind::negate: return 7;
    default: return 8;
  }
}

class Renderer {
 public:
  Renderer(const expr::Ast& ast, Rng* rng) : ast_(ast), rng_(rng) {}

  std::string run() { return text(ast_.root, 0); }

 private:
  // Blanks between tokens: one space, or (with spacing) more, line breaks and comments.
  std::string gap(bool needed = true) {
    if (!rng_) return needed ? " " : "";
    switch (rng_->pick(0, 9)) {
      case 0: return "  ";
      case 1: return "\n  ";
      case 2: return " # 注释 #\n";
      case 3: return "\t";
      case 4: return needed ? " " : "";
      default: return " ";
    }
  }

  std::string text(std::uint32_t i, int min_level) {
    const expr::Node& n = ast_.nodes[i];
    std::string s = bare(n);
    const bool extra = rng_ && rng_->chance(0.05);
    if (level(n) < min_level || extra) return "(" + gap(false) + s + gap(false) + ")";
    return s;
  }

  std::string bare(const expr::Node& n) {
    switch (n.kind) {
      case NodeKind::boolean: return n.flag ? "true" : "false";
      case NodeKind::integer: return std::to_string(n.integer);
      case NodeKind::decimal: return decimal_text(n.decimal);
      case NodeKind::string: return quote_string(n.text, rng_ && rng_->chance(0.3) ? '\'' : '"');
      case NodeKind::date: return date_text(n.integer);
      case NodeKind::work_duration: {
        const std::int64_t d = n.integer / 8, h = n.integer % 8;
        if (h == 0) return fmt::format("{}wd", d);
        if (d == 0) return fmt::format("{}wh", h);
        if (rng_ && rng_->chance(0.3) && d <= 100'000) return fmt::format("{}wd{}wh", d - 1, h + 8);
        return fmt::format("{}wd{}wh", d, h);
      }
      case NodeKind::name: return n.text;
      case NodeKind::input: return "?";
      case NodeKind::list: {
        std::string s = "[";
        for (std::size_t k = 0; k < n.children.size(); ++k) s += (k ? "," + gap() : "") + text(n.children[k], 0);
        return s + "]";
      }
      case NodeKind::call: {
        std::string s = n.text + "(";
        for (std::size_t k = 0; k < n.children.size(); ++k) s += (k ? "," + gap() : "") + text(n.children[k], 0);
        return s + ")";
      }
      case NodeKind::not_: return "not" + gap() + text(n.children[0], 3);
      case NodeKind::negate: {
        // `- -x` is fine; `--` would read the same, but keep a blank for clarity.
        const auto& c = ast_.nodes[n.children[0]];
        return std::string(c.kind == NodeKind::negate ? "- " : "-") + text(n.children[0], 7);
      }
      case NodeKind::binary: {
        const int p = level(n);
        const bool left_assoc = p != 4;
        const std::string op = n.op == BinaryOp::not_in ? "not in" : expr::to_string(n.op);
        return text(n.children[0], left_assoc ? p : 5) + gap() + op + gap() + text(n.children[1], left_assoc ? p + 1 : 5);
      }
    }
    return "?";
  }

  const expr::Ast& ast_;
  Rng* rng_;
};

bool same_node(const expr::Ast& a, std::uint32_t i, const expr::Ast& b, std::uint32_t j, std::string* why) {
  const expr::Node& x = a.nodes[i];
  const expr::Node& y = b.nodes[j];
  auto differ = [&](std::string what) {
    if (why) *why = fmt::format("{} differs at `{}` vs `{}`", what, render(a), render(b));
    return false;
  };
  if (x.kind != y.kind) return differ(fmt::format("node kind ({} vs {})", static_cast<int>(x.kind), static_cast<int>(y.kind)));
  switch (x.kind) {
    case NodeKind::boolean: if (x.flag != y.flag) return differ("a boolean"); break;
    case NodeKind::integer:
    case NodeKind::date:
    case NodeKind::work_duration: if (x.integer != y.integer) return differ("a number"); break;
    case NodeKind::decimal: if (x.decimal != y.decimal) return differ("a decimal"); break;
    case NodeKind::string:
    case NodeKind::name:
    case NodeKind::call: if (x.text != y.text) return differ(fmt::format("a text (`{}` vs `{}`)", x.text, y.text)); break;
    case NodeKind::binary: if (x.op != y.op) return differ("an operator"); break;
    default: break;
  }
  if (x.children.size() != y.children.size()) return differ("the number of children");
  for (std::size_t k = 0; k < x.children.size(); ++k)
    if (!same_node(a, x.children[k], b, y.children[k], why)) return false;
  return true;
}

}  // namespace

std::string render(const expr::Ast& ast, Rng* spacing) { return Renderer(ast, spacing).run(); }

bool same_tree(const expr::Ast& a, const expr::Ast& b, std::string* why) {
  if (a.nodes.empty() || b.nodes.empty()) return a.nodes.empty() == b.nodes.empty();
  return same_node(a, a.root, b, b.root, why);
}

GenExpr random_expression(Rng& rng, const ExprScope& scope, std::optional<expr::Type> want, const ExprOptions& options) {
  ExprBuilder b(rng, scope, options);
  expr::Type t;
  if (want) {
    t = *want;
    t.enumeration = -1;
  } else {
    t = b.scalar_type();
    if (rng.chance(0.1)) t.list = true;
  }
  auto r = b.gen({t}, rng.pick(0, options.depth));
  GenExpr g;
  g.type = r.type;
  g.ast = b.take(r.node);
  g.text = render(g.ast, options.spacing ? &rng : nullptr);
  return g;
}

std::string random_condition(Rng& rng, const ExprScope& scope, int depth) {
  ExprOptions o;
  o.depth = depth;
  o.extremes = false;
  o.bool_literals = rng.chance(0.1);  // `x and false` can never hold (E5002)
  return random_expression(rng, scope, expr::Type::boolean(), o).text;
}

// ---- decision tables --------------------------------------------------------------------

namespace {

const ir::FieldType column_types[] = {ir::FieldType::integer, ir::FieldType::decimal, ir::FieldType::string,
                                      ir::FieldType::boolean, ir::FieldType::date, ir::FieldType::enumeration};

std::vector<std::string> distinct_values(Rng& rng, int lo, int hi) {
  std::vector<std::string> out;
  const int n = rng.pick(lo, hi);
  for (int k = 0; k < n * 3 && static_cast<int>(out.size()) < n; ++k) {
    std::string v = random_enum_value(rng);
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  if (out.empty()) out.push_back("a");
  return out;
}

// A literal value of a column, as cell text.
std::string column_literal(Rng& rng, const ir::TableColumn& c) {
  const expr::Type t = expr::type_of_field(c.type, false);
  return literal_text(rng, t, c.values);
}

}  // namespace

ExprTable table_signature(const ir::DecisionTable& t) {
  ExprTable e;
  const auto sig = expr::signature_of(t);
  e.id = t.id;
  e.output_names = sig.output_names;
  e.inputs = sig.inputs;
  e.outputs = sig.output_types;
  for (const auto& c : t.inputs)
    e.input_values.push_back(c.type == ir::FieldType::enumeration ? c.values : std::vector<std::string>{});
  for (const auto& c : t.outputs) e.output_values.push_back(c.values);
  return e;
}

ir::DecisionTable random_table(Rng& rng, std::string id, const ExprScope& scope, const TableOptions& o) {
  ir::DecisionTable t;
  t.id = std::move(id);
  if (rng.chance(0.5)) t.label = random_text(rng);
  static constexpr ir::HitPolicy policies[] = {ir::HitPolicy::unique, ir::HitPolicy::first, ir::HitPolicy::priority,
                                               ir::HitPolicy::any, ir::HitPolicy::collect, ir::HitPolicy::rule_order};
  t.hit = o.all_policies ? policies[rng.pick(0, 5)] : rng.one_of({ir::HitPolicy::first, ir::HitPolicy::collect});
  const bool numeric_outputs = t.hit == ir::HitPolicy::collect && rng.chance(0.6);
  if (numeric_outputs)
    t.aggregation = rng.one_of({ir::Aggregation::none, ir::Aggregation::sum, ir::Aggregation::min, ir::Aggregation::max,
                                ir::Aggregation::count});

  std::set<std::string> names;
  auto column = [&](bool input) {
    ir::TableColumn c;
    do c.name = random_id(rng, input ? "column" : "out");
    while (!names.insert(c.name).second);
    if (t.hit == ir::HitPolicy::priority && !input) c.type = ir::FieldType::enumeration;
    else if (numeric_outputs && !input) c.type = rng.chance(0.5) ? ir::FieldType::integer : ir::FieldType::decimal;
    else c.type = rng.one_of(column_types);
    if (c.type == ir::FieldType::enumeration) c.values = distinct_values(rng, 1, 4);
    if (rng.chance(0.3)) c.label = random_text(rng);
    return c;
  };
  const int n_in = rng.pick(t.hit == ir::HitPolicy::unique || t.hit == ir::HitPolicy::any ? 1 : 0, o.max_inputs);
  for (int k = 0; k < n_in; ++k) t.inputs.push_back(column(true));
  const int n_out = rng.pick(1, o.max_outputs);
  for (int k = 0; k < n_out; ++k) t.outputs.push_back(column(false));

  // A cell for input column `c`.
  auto cell = [&](const ir::TableColumn& c) -> std::string {
    const expr::Type ct = expr::type_of_field(c.type, false);
    const bool ordered = c.type == ir::FieldType::integer || c.type == ir::FieldType::decimal ||
                         c.type == ir::FieldType::date || c.type == ir::FieldType::string;
    auto value = [&]() -> std::string {
      if (o.field_cells && rng.chance(0.08)) {  // an endpoint read from a field of the column's type
        std::vector<const ExprField*> fs;
        for (const auto& f : scope.fields)
          if (!f.type.list && f.values.empty() && (f.type.base == ct.base || (numeric(ct) && numeric(f.type))) &&
              (f.id.find('.') != std::string::npos ||
               std::find(scope.situations.begin(), scope.situations.end(), f.id) == scope.situations.end()))
            fs.push_back(&f);
        if (!fs.empty()) return rng.one_of(fs)->id;
      }
      return column_literal(rng, c);
    };
    auto single = [&]() -> std::string {
      static constexpr const char* cmp[] = {"<", "<=", ">", ">=", "==", "!="};
      switch (rng.pick(0, 9)) {
        case 0: case 1: case 2: return value();
        case 3: case 4:
          if (ordered || c.type == ir::FieldType::boolean)
            return fmt::format("{} {}", cmp[ordered ? rng.pick(0, 5) : rng.pick(4, 5)], value());
          return value();
        case 5: case 6:
          if (ordered && c.type != ir::FieldType::string) {
            std::string a = value(), b = value();
            return fmt::format("{}{}..{}{}", rng.chance(0.5) ? "[" : "(", a, b, rng.chance(0.5) ? "]" : ")");
          }
          return value();
        case 7: {
          std::string s = "[";
          const int n = rng.pick(1, 3);
          for (int k = 0; k < n; ++k) s += (k ? ", " : "") + column_literal(rng, c);
          return s + "]";
        }
        default: {  // a condition on `?`
          ExprScope cs = scope;
          cs.tables.clear();
          if (!o.field_cells) cs.fields.clear();
          cs.input = ct;
          cs.input_values.clear();
          ExprOptions eo;
          eo.depth = 2;
          eo.extremes = false;
          eo.division = false;
          std::string test = random_expression(rng, cs, expr::Type::boolean(), eo).text;
          const std::string anchor =
              ordered ? fmt::format("? {} {}", cmp[rng.pick(0, 5)], column_literal(rng, c))
                      : fmt::format("? == {}", column_literal(rng, c));
          return rng.chance(0.5) ? fmt::format("{} {} ({})", anchor, rng.chance(0.5) ? "and" : "or", test) : anchor;
        }
      }
    };
    switch (rng.pick(0, 9)) {
      case 0: case 1: case 2: return "-";
      case 3: return fmt::format("not({})", single());
      case 4: return fmt::format("{}, {}", single(), single());
      default: return single();
    }
  };
  auto output = [&](const ir::TableColumn& c) -> std::string {
    if (c.type == ir::FieldType::decimal && rng.chance(0.3)) return std::to_string(rng.pick(-3, 50));
    if ((c.type == ir::FieldType::integer || c.type == ir::FieldType::decimal) && o.field_cells && rng.chance(0.1)) {
      ExprScope os = scope;
      os.tables.clear();
      os.input.reset();
      ExprOptions eo;
      eo.depth = 2;
      eo.extremes = false;
      eo.division = false;
      eo.quantifiers = false;
      // "An integer fits a decimal output": a computed integer in a decimal column too.
      const expr::Type want = c.type == ir::FieldType::decimal && rng.chance(0.5)
                                  ? expr::Type::integer()
                                  : expr::type_of_field(c.type, false);
      auto e = random_expression(rng, os, want, eo);
      if (e.type.base == want.base) return e.text;
    }
    return column_literal(rng, c);
  };

  const bool keep_apart = t.hit == ir::HitPolicy::unique || t.hit == ir::HitPolicy::any;
  // Rules of unique/any tables are kept apart by distinct values in the first column; a cell
  // the checker cannot analyse (a `?` condition) lets overlaps through to run time instead.
  const bool unanalysed = keep_apart && rng.chance(0.4);
  std::set<std::string> used_first;
  const int n_rules = rng.pick(1, o.max_rules);
  for (int r = 0; r < n_rules; ++r) {
    ir::TableRule rule;
    for (std::size_t k = 0; k < t.inputs.size(); ++k) {
      std::string text = cell(t.inputs[k]);
      if (keep_apart && k == 0) {
        if (unanalysed && r == 0) {
          text = t.inputs[0].type == ir::FieldType::boolean ? "? or not ?" : "? == ?";
        } else if (!unanalysed) {
          // Distinct values (texts always in double quotes: `"a"` and `'a'` are one value).
          const ir::TableColumn& c0 = t.inputs[0];
          const bool textual = c0.type == ir::FieldType::string || c0.type == ir::FieldType::enumeration;
          text.clear();
          for (int tries = 0; tries < 20 && (text.empty() || used_first.count(text)); ++tries)
            text = textual ? quote_string(!c0.values.empty() ? rng.one_of(c0.values) : random_string(rng))
                           : column_literal(rng, c0);
          if (used_first.count(text)) break;
          used_first.insert(text);
        }
      }
      rule.inputs.push_back({text, {}, true});
    }
    if (rule.inputs.size() != t.inputs.size()) break;
    for (const auto& c : t.outputs) rule.outputs.push_back({output(c), {}, true});
    if (rng.chance(0.2)) rule.annotation = random_text(rng);
    t.rules.push_back(std::move(rule));
  }
  if (t.rules.empty()) {
    ir::TableRule rule;
    for (std::size_t k = 0; k < t.inputs.size(); ++k) rule.inputs.push_back({"-", {}, true});
    for (const auto& c : t.outputs) rule.outputs.push_back({column_literal(rng, c), {}, true});
    t.rules.push_back(std::move(rule));
  }
  if (rng.chance(0.35))
    for (const auto& c : t.outputs) t.default_outputs.push_back({column_literal(rng, c), {}, true});
  if (rng.chance(0.2)) t.basis = random_text(rng);
  return t;
}

// ---- bundles ----------------------------------------------------------------------------

namespace {

const ir::FieldType all_field_types[] = {ir::FieldType::string, ir::FieldType::integer, ir::FieldType::decimal,
                                         ir::FieldType::boolean, ir::FieldType::date, ir::FieldType::enumeration,
                                         ir::FieldType::id_card, ir::FieldType::phone, ir::FieldType::address,
                                         ir::FieldType::attachment};

constexpr const char* patterns[] = {"^\\d{6}$", "^[A-Z]{2}\\d+$", "^(a|b)*$", "^[甲乙丙]+$", "^.{1,10}$",
                                    "^\\S+@\\S+$", "x\"y", "a\\\\b", "^#\\d+$", "'q'", "a: b", " sp ", "[[:alpha:]]+"};
constexpr const char* groups[] = {"applicant", "premises", "business", "menu", "sign", "operator", "x"};
constexpr const char* leaves[] = {"name", "area_m2", "seats", "kind", "birth_date", "installed", "id_number",
                                  "mobile", "address", "photo", "categories", "district", "count", "date"};

ir::Ref ref(std::string id) { return ir::Ref{std::move(id), {}}; }

ir::WorkDuration duration(Rng& rng, int max_days) {
  ir::WorkDuration d;
  d.days = rng.pick(0, max_days);
  d.hours = rng.chance(0.3) ? rng.pick(0, rng.chance(0.2) ? 12 : 7) : 0;
  if (rng.chance(0.02)) d.days = rng.pick(0, 99999);
  return d;
}
std::int64_t hours(const ir::WorkDuration& d) { return static_cast<std::int64_t>(d.days) * 8 + d.hours; }

class BundleBuilder {
 public:
  BundleBuilder(Rng& rng, const BundleOptions& o) : rng_(rng), o_(o) {}

  ir::Bundle run() {
    ir::Bundle b;
    b.id = fresh("bundle", random_id(rng_, "bundle"));
    b.name = text();
    static const std::vector<std::string> versions = {"1", "2024.1", "2024.10", "v2-beta", "1.0_rc", "版本 3", "yes",
                                                      "null", "\"q\"", " lead", "1.0", "0", "2025-06-15", ""};
    b.version = rng_.one_of(versions);
    b.applicant = rng_.chance(0.3) ? ir::ApplicantKind::individual : ir::ApplicantKind::enterprise;
    b.apply = rng_.one_of({ir::Channel::window, ir::Channel::online});
    b.delivery = rng_.one_of({ir::Channel::window, ir::Channel::online, ir::Channel::mail});
    if (rng_.chance(0.4)) b.basis = text();

    const int n_dep = rng_.pick(1, 4);
    for (int k = 0; k < n_dep; ++k) {
      ir::Department d;
      d.id = fresh("department", random_id(rng_, rng_.one_of(id_words)));
      d.name = text();
      if (rng_.chance(0.3)) d.basis = text();
      b.departments.push_back(std::move(d));
    }
    if (o_.fields) fields(b);
    const int n_mat = rng_.pick(0, 5);
    for (int k = 0; k < n_mat; ++k) b.materials.push_back(material());

    ExprScope scope;
    for (const auto& f : b.fields)
      scope.fields.push_back({f.id, expr::type_of_field(f.type, f.multiple),
                              f.type == ir::FieldType::enumeration ? f.values : std::vector<std::string>{}});
    if (o_.tables && o_.conditions && rng_.chance(0.3)) {
      const int n = rng_.pick(1, 2);
      for (int k = 0; k < n; ++k) {
        TableOptions to;
        to.max_rules = 4;
        b.tables.push_back(random_table(rng_, fresh("table", random_id(rng_, "fee")), scope, to));
      }
      for (const auto& t : b.tables) scope.tables.push_back(table_signature(t));
    }
    if (o_.conditions) {
      const int n_sit = rng_.pick(0, 3);
      for (int k = 0; k < n_sit; ++k) {
        ir::Situation s;
        s.id = fresh("situation", random_id(rng_, rng_.one_of({"large_venue", "serves_raw", "s"})));
        if (rng_.chance(0.6)) s.label = text();
        s.condition = {as_written(random_condition(rng_, scope, rng_.pick(1, 3))), {}, true};
        if (rng_.chance(0.3)) s.basis = text();
        scope.situations.push_back(s.id);  // later situations may use it (no cycles)
        b.situations.push_back(std::move(s));
      }
      const int n_elig = rng_.chance(0.3) ? rng_.pick(1, 2) : 0;
      for (int k = 0; k < n_elig; ++k) {
        ir::Eligibility e;
        e.condition = {random_condition(rng_, scope, 2), {}, true};
        if (rng_.chance(0.6)) e.label = text();
        b.eligibility.push_back(std::move(e));
      }
    }

    const int n_items = rng_.pick(o_.min_items, o_.max_items);
    // Items may wait for items placed before them in a random order (not declaration order).
    std::vector<int> place(static_cast<std::size_t>(n_items));
    for (int k = 0; k < n_items; ++k) place[static_cast<std::size_t>(k)] = k;
    std::shuffle(place.begin(), place.end(), rng_.engine());
    for (int k = 0; k < n_items; ++k) b.items.push_back(item(b, scope));
    for (int k = 0; k < n_items; ++k) {
      auto& it = b.items[static_cast<std::size_t>(k)];
      std::vector<int> earlier;
      for (int j = 0; j < n_items; ++j)
        if (place[static_cast<std::size_t>(j)] < place[static_cast<std::size_t>(k)]) earlier.push_back(j);
      std::shuffle(earlier.begin(), earlier.end(), rng_.engine());
      const int n_after = earlier.empty() ? 0 : rng_.pick(0, std::min<int>(3, static_cast<int>(earlier.size())));
      for (int a = 0; a < n_after; ++a)
        if (rng_.chance(0.6)) it.after.push_back(ref(b.items[static_cast<std::size_t>(earlier[static_cast<std::size_t>(a)])].id));
    }
    b.lead = ref(b.items.empty() ? b.departments[0].id : b.items[0].department.id);
    if (o_.approvals)
      for (auto& it : b.items)
        if (rng_.chance(0.25)) it.approvals = approvals(b, it);

    if (o_.stages && rng_.chance(0.25) && n_items > 0) {
      std::vector<int> order(static_cast<std::size_t>(n_items));
      for (int k = 0; k < n_items; ++k) order[static_cast<std::size_t>(place[static_cast<std::size_t>(k)])] = k;
      const int n_stages = rng_.pick(1, std::min(3, n_items));
      std::vector<int> cuts;  // stage s holds order[cuts[s] .. cuts[s+1])
      cuts.push_back(0);
      for (int s = 1; s < n_stages; ++s) cuts.push_back(rng_.pick(cuts.back() + 1, n_items - (n_stages - s)));
      cuts.push_back(n_items);
      for (int s = 0; s < n_stages; ++s) {
        ir::Stage st;
        st.id = fresh("stage", random_id(rng_, "stage"));
        if (rng_.chance(0.6)) st.name = text();
        for (int k = cuts[static_cast<std::size_t>(s)]; k < cuts[static_cast<std::size_t>(s) + 1]; ++k)
          st.items.push_back(ref(b.items[static_cast<std::size_t>(order[static_cast<std::size_t>(k)])].id));
        std::shuffle(st.items.begin(), st.items.end(), rng_.engine());
        b.stages.push_back(std::move(st));
      }
    }
    return b;
  }

 private:
  std::string text(bool blank_ok = false) {
    if (!o_.tricky_text) return rng_.one_of(chinese);
    return random_text(rng_, blank_ok);
  }
  // A condition as an author might write it in YAML: now and then with blanks around it and a
  // `#` comment after it, which the DSL does not keep (the IR's `==` ignores them).
  std::string as_written(std::string cond) {
    if (!o_.tricky_text || !rng_.chance(0.15)) return cond;
    return fmt::format("{}{}{}", rng_.chance(0.5) ? " " : "", cond, rng_.one_of({"  # 成年人", " #", "\t# a # b ", " "}));
  }
  // An id not used yet for this kind of declaration.
  std::string fresh(const std::string& kind, std::string id) {
    auto& used = used_[kind];
    while (used.count(id)) id += std::to_string(rng_.pick(0, 9));
    used.insert(id);
    return id;
  }

  ir::Field field(std::string id, ir::FieldType type) {
    ir::Field f;
    f.id = std::move(id);
    f.type = type;
    f.label = text();
    if (type == ir::FieldType::enumeration) {
      f.values = distinct_values(rng_, 1, 4);
      f.multiple = rng_.chance(0.4);
    }
    f.sensitive = rng_.chance(0.2) ? !ir::sensitive_by_default(type) : ir::sensitive_by_default(type);
    f.constraints.required = !rng_.chance(0.2);
    const bool numeric = type == ir::FieldType::integer || type == ir::FieldType::decimal;
    const bool textual = type == ir::FieldType::string || type == ir::FieldType::id_card || type == ir::FieldType::phone ||
                         type == ir::FieldType::address;
    static const std::vector<double> bounds = {-3, 0, 0.5, 1, 1.25, 18, 100, 100000, 99999.99, -0.125, 1234567.5};
    if (numeric && rng_.chance(0.4)) {
      double lo = rng_.one_of(bounds), hi = rng_.one_of(bounds);
      if (type == ir::FieldType::integer) lo = std::floor(lo), hi = std::floor(hi);
      if (lo > hi) std::swap(lo, hi);
      if (rng_.chance(0.8)) f.constraints.min = lo;
      if (rng_.chance(0.8)) f.constraints.max = hi;
    }
    if (textual && rng_.chance(0.4)) {
      std::int64_t lo = rng_.pick(0, 20), hi = rng_.chance(0.1) ? 1'000'000 : rng_.pick(0, 200);
      if (lo > hi) std::swap(lo, hi);
      if (rng_.chance(0.7)) f.constraints.min_length = lo;
      if (rng_.chance(0.7)) f.constraints.max_length = hi;
    }
    if (textual && rng_.chance(0.2)) f.constraints.pattern = rng_.one_of(patterns);
    if (rng_.chance(0.3)) f.help = text();
    if (rng_.chance(0.2)) f.source = random_id(rng_, rng_.one_of({"population_registry", "e_licence"}));
    return f;
  }

  std::string field_id() {
    std::string id = rng_.chance(0.85) ? fmt::format("{}.{}", rng_.one_of(groups), rng_.one_of(leaves))
                                       : std::string(rng_.one_of(leaves));
    return fresh("field", id);
  }

  void fields(ir::Bundle& b) {
    const int n = rng_.pick(0, 6);
    for (int k = 0; k < n; ++k) b.fields.push_back(field(field_id(), rng_.one_of(all_field_types)));
  }

  ir::Material material() {
    ir::Material m;
    m.id = fresh("material", random_id(rng_, rng_.one_of({"licence", "plan", "m"})));
    m.name = text();
    if (rng_.chance(0.3)) {
      ir::WorkDuration d = duration(rng_, 5);
      if (d.days == 0 && d.hours == 0) d.hours = 1;
      m.deferrable = d;
      m.issue_before_supply = rng_.chance(0.4);
    }
    if (rng_.chance(0.2)) m.source = random_id(rng_, "e_licence");
    m.pledge = rng_.chance(0.2);
    if (rng_.chance(0.2)) m.basis = text();
    return m;
  }

  ir::WorkDuration positive_duration(int max_days) {
    ir::WorkDuration d = duration(rng_, max_days);
    if (d.days == 0 && d.hours == 0) d.hours = 1;
    return d;
  }

  // Approvals of `it` (docs/approvals.md); rejection targets among the items it comes after.
  ir::Approvals approvals(const ir::Bundle& b, const ir::Item& it) {
    ir::Approvals ap;
    switch (rng_.pick(0, 4)) {
      case 0: break;  // the default operations
      case 1:
        ap.allow.clear();
        for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
          ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
        break;
      case 2: ap.allow.clear(); break;
      default:
        ap.allow.clear();
        for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
          if (rng_.chance(0.5)) ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
        break;
    }
    if (rng_.chance(0.3)) ap.supervisor = rng_.one_of({std::string("section_chief"), std::string("director")});
    if (rng_.chance(0.5)) {
      // Ancestors through `after`, transitively.
      std::vector<std::string> ancestors, todo;
      for (const auto& a : it.after) todo.push_back(a.id);
      while (!todo.empty()) {
        const std::string id = todo.back();
        todo.pop_back();
        if (std::find(ancestors.begin(), ancestors.end(), id) != ancestors.end()) continue;
        ancestors.push_back(id);
        for (const auto& a : b.find_item(id)->after) todo.push_back(a.id);
      }
      ap.reject_to.clear();
      if (rng_.chance(0.15)) {
        ap.reject_to.push_back({ir::RejectTarget::Kind::any, {}, {}});
      } else {
        if (rng_.chance(0.5)) ap.reject_to.push_back({ir::RejectTarget::Kind::applicant, {}, {}});
        if (rng_.chance(0.4)) ap.reject_to.push_back({ir::RejectTarget::Kind::previous, {}, {}});
        for (const auto& a : ancestors)
          if (rng_.chance(0.5)) ap.reject_to.push_back({ir::RejectTarget::Kind::item, ref(a), {}});
        std::shuffle(ap.reject_to.begin(), ap.reject_to.end(), rng_.engine());
        if (ap.reject_to.empty()) ap.reject_to.push_back({ir::RejectTarget::Kind::applicant, {}, {}});
      }
      ap.siblings = rng_.one_of({ir::SiblingPolicy::keep, ir::SiblingPolicy::cancel, ir::SiblingPolicy::redo});
      ap.resume = rng_.one_of({ir::ResumePolicy::rejecting_step, ir::ResumePolicy::rerun});
    }
    if (rng_.chance(0.3)) {
      ir::Reminders rm;
      if (rng_.chance(0.5)) rm.first = positive_duration(3);
      rm.every = positive_duration(3);
      rm.max = rng_.pick(1, 20);
      ap.remind = rm;
    }
    if (rng_.chance(0.3)) {
      ir::AutoDecision ad;
      ad.approve = rng_.chance(0.5);
      if (rng_.chance(0.5)) ad.after = positive_duration(10);
      ap.auto_decide = ad;
    }
    return ap;
  }

  ir::Item item(const ir::Bundle& b, const ExprScope& scope) {
    ir::Item it;
    it.id = fresh("item", random_id(rng_, rng_.one_of({"licence", "permit", "check", "i"})));
    it.name = text();
    it.department = ref(rng_.one_of(b.departments).id);
    // Form: dictionary fields by reference, and inline fields (new, or a dictionary field
    // defined again the same way).
    std::vector<std::size_t> dict(b.fields.size());
    for (std::size_t f = 0; f < dict.size(); ++f) dict[f] = f;
    std::shuffle(dict.begin(), dict.end(), rng_.engine());
    std::set<std::string> in_form;
    for (std::size_t f : dict) {
      if (!rng_.chance(0.4)) continue;
      ir::FormEntry fe{ref(b.fields[f].id), std::nullopt};
      if (o_.fields && rng_.chance(0.1)) fe.inline_definition = b.fields[f];
      in_form.insert(b.fields[f].id);
      it.form.push_back(std::move(fe));
    }
    if (o_.fields && rng_.chance(0.2)) {
      ir::Field f = field(field_id(), rng_.one_of(all_field_types));
      it.form.insert(it.form.begin() + rng_.pick(0, static_cast<int>(it.form.size())), ir::FormEntry{ref(f.id), f});
    }
    // Materials: each at most once; core only if not deferrable.
    for (const auto& m : b.materials)
      if (rng_.chance(0.5)) it.materials.push_back({ref(m.id), !m.deferrable && rng_.chance(0.3)});
    std::shuffle(it.materials.begin(), it.materials.end(), rng_.engine());
    it.statutory = duration(rng_, 30);
    it.promised = duration(rng_, 30);
    if (hours(it.promised) > hours(it.statutory)) it.promised = it.statutory;
    if (o_.conditions) {
      const int n_when = rng_.chance(0.4) ? rng_.pick(1, 2) : 0;
      for (int w = 0; w < n_when; ++w) {
        std::string cond;
        if (!scope.situations.empty() && rng_.chance(0.6))
          cond = fmt::format("{}{}", rng_.chance(0.3) ? "not " : "", rng_.one_of(scope.situations));
        else
          cond = random_condition(rng_, scope, rng_.pick(0, 3));
        it.when.push_back({as_written(std::move(cond)), {}, true});
      }
    }
    if (rng_.chance(0.5)) {
      it.review.join = rng_.one_of({ir::JoinKind::all, ir::JoinKind::any, ir::JoinKind::vote, ir::JoinKind::sequence});
      it.review.signers.clear();
      const int n = rng_.pick(1, 3);
      int total = 0;
      for (int s = 0; s < n; ++s) {
        ir::Signer sg;
        sg.role = rng_.one_of({std::string("reviewer"), std::string("section_chief"), std::string("director"),
                               std::string("inspector"), std::string("heritage_officer")});
        if (rng_.chance(0.3)) sg.department = ref(rng_.one_of(b.departments).id);
        sg.weight = it.review.join == ir::JoinKind::vote ? rng_.pick(1, rng_.chance(0.05) ? 1000 : 4) : 1;
        total += sg.weight;
        it.review.signers.push_back(std::move(sg));
      }
      if (it.review.join == ir::JoinKind::vote) it.review.threshold = rng_.pick(1, total);
    } else {
      it.review.signers = {ir::Signer{"reviewer", std::nullopt, 1, {}}};
    }
    it.pledge = rng_.chance(0.3);
    it.essential = !rng_.chance(0.3);
    if (rng_.chance(0.3)) it.fee_fen = rng_.chance(0.5) ? rng_.pick(1, 5000) * 100 : rng_.pick(1, 999999);
    if (rng_.chance(0.2)) it.inspection = rng_.one_of({"premises_check", "joint_check", "fire_check"});
    if (rng_.chance(0.3)) {
      if (rng_.chance(0.6)) {
        ir::WorkDuration d = duration(rng_, 30);
        if (hours(d) > hours(it.statutory)) d = it.statutory;
        it.separately.limit = d;
      }
      if (rng_.chance(0.5)) it.separately.apply = rng_.one_of({ir::Channel::window, ir::Channel::online});
      if (rng_.chance(0.5)) it.separately.delivery = rng_.one_of({ir::Channel::window, ir::Channel::online, ir::Channel::mail});
      if (rng_.chance(0.5)) it.separately.steps = rng_.pick(1, 100);
    }
    if (rng_.chance(0.3)) it.basis = text();
    return it;
  }

  Rng& rng_;
  const BundleOptions& o_;
  std::map<std::string, std::set<std::string>> used_;
};

std::string rendered(const Diagnostics& d, const SourceMap& sources) { return render_text(d, sources); }

}  // namespace

ir::Bundle random_bundle(Rng& rng, const BundleOptions& options) { return BundleBuilder(rng, options).run(); }

ir::Bundle random_valid_bundle(Rng& rng, const BundleOptions& options, int* attempts) {
  for (int k = 1;; ++k) {
    ir::Bundle b = random_bundle(rng, options);
    if (!check(b).has_errors() || k >= 200) {
      if (attempts) *attempts = k;
      return b;
    }
  }
}

Reloaded load_yaml(const std::string& text) {
  SourceMap sources;
  auto r = yaml::load_text(sources, "printed.yaml", text);
  return {std::move(r.bundle), r.bundle ? std::string() : rendered(r.diagnostics, sources)};
}

Reloaded load_dsl(const std::string& text) {
  SourceMap sources;
  auto r = dsl::load_text(sources, "printed.yi", text);
  return {std::move(r.bundle), r.bundle ? std::string() : rendered(r.diagnostics, sources)};
}

std::string first_difference(const ir::Bundle& a, const ir::Bundle& b) {
  if (a == b) return {};
#define YISHI_DIFF(part) \
  if (!(a.part == b.part)) return #part
  YISHI_DIFF(id);
  YISHI_DIFF(name);
  YISHI_DIFF(version);
  YISHI_DIFF(applicant);
  YISHI_DIFF(lead);
  YISHI_DIFF(apply);
  YISHI_DIFF(delivery);
  YISHI_DIFF(basis);
#undef YISHI_DIFF
  auto list = [](std::string_view what, const auto& x, const auto& y) -> std::string {
    if (x.size() != y.size()) return fmt::format("{}: {} vs {} entries", what, x.size(), y.size());
    for (std::size_t k = 0; k < x.size(); ++k)
      if (!(x[k] == y[k])) return fmt::format("{}[{}]", what, k);
    return {};
  };
  for (auto s : {list("departments", a.departments, b.departments), list("fields", a.fields, b.fields),
                 list("materials", a.materials, b.materials), list("situations", a.situations, b.situations),
                 list("eligibility", a.eligibility, b.eligibility), list("tables", a.tables, b.tables),
                 list("stages", a.stages, b.stages)})
    if (!s.empty()) return s;
  if (a.items.size() != b.items.size()) return "items: count";
  for (std::size_t k = 0; k < a.items.size(); ++k) {
    const auto &x = a.items[k], &y = b.items[k];
    if (x == y) continue;
#define YISHI_DIFF(part) \
  if (!(x.part == y.part)) return fmt::format("items[{}].{}", k, #part)
    YISHI_DIFF(id);
    YISHI_DIFF(name);
    YISHI_DIFF(department);
    YISHI_DIFF(form);
    YISHI_DIFF(materials);
    YISHI_DIFF(statutory);
    YISHI_DIFF(promised);
    YISHI_DIFF(when);
    YISHI_DIFF(after);
    YISHI_DIFF(review);
    YISHI_DIFF(pledge);
    YISHI_DIFF(essential);
    YISHI_DIFF(fee_fen);
    YISHI_DIFF(inspection);
    YISHI_DIFF(separately);
    YISHI_DIFF(approvals);
    YISHI_DIFF(basis);
#undef YISHI_DIFF
    return fmt::format("items[{}] (another part)", k);
  }
  return "(a part not listed)";
}

// ---- command sequences ------------------------------------------------------------------

CommandGen::CommandGen(Rng& rng, const CompiledBundle& compiled, bool approval_operations)
    : rng_(rng), compiled_(compiled), operations_(approval_operations) {
  actors_.push_back(Actor::applicant("a1"));
  actors_.push_back(Actor::applicant("a2"));
  actors_.push_back(Actor::staff("clerk", compiled.bundle().lead.id, "clerk"));
  std::set<std::string> roles{"reviewer"};
  for (const auto& it : compiled.bundle().items)
    for (const auto& s : it.review.signers) roles.insert(s.role);
  roles_.assign(roles.begin(), roles.end());
  for (const auto& d : compiled.bundle().departments)
    for (const auto& r : roles_)
      for (int p = 0; p < 2; ++p) actors_.push_back(Actor::staff(fmt::format("{}-{}-{}", d.id, r, p), d.id, r));
}

OpenCase CommandGen::open(std::string id) {
  OpenCase open{std::move(id), actors_[0], compiled_.bundle().id, "", {}, {}};
  for (const auto& s : compiled_.bundle().situations)
    if (rng_.chance(0.7)) open.situations.emplace_back(s.id, rng_.chance(0.5));
  open.answers = random_answers(rng_, compiled_.environment(), 0.1);
  return open;
}

std::string CommandGen::item_id() {
  if (rng_.chance(0.05)) return "nope";
  return rng_.one_of(compiled_.bundle().items).id;
}
std::string CommandGen::material_id() {
  if (rng_.chance(0.05) || compiled_.bundle().materials.empty()) return "nope";
  return rng_.one_of(compiled_.bundle().materials).id;
}
std::vector<std::string> CommandGen::some_materials() {
  std::vector<std::string> out;
  for (const auto& m : compiled_.bundle().materials)
    if (rng_.chance(0.8)) out.push_back(m.id);
  return out;
}

std::string CommandGen::comment() { return rng_.chance(0.9) ? std::string("意见") : std::string(); }
std::string CommandGen::person() { return actors_[static_cast<std::size_t>(rng_.pick(3, static_cast<int>(actors_.size()) - 1))].id; }
std::optional<std::uint32_t> CommandGen::maybe_slot() {
  return rng_.chance(0.5) ? std::nullopt : std::optional<std::uint32_t>(static_cast<std::uint32_t>(rng_.pick(0, 4)));
}
Actor CommandGen::holder(const SignerView& sv) {
  const std::string who = !sv.assignee.empty() ? sv.assignee : fmt::format("{}-{}-{}", sv.department, sv.role, rng_.pick(0, 1));
  return Actor::staff(who, sv.department, sv.role);
}

CommandBody CommandGen::random_body() {
  switch (rng_.pick(0, operations_ ? 17 : 16)) {
    case 0: return Submit{some_materials(), {}};
    case 1: case 2: return Accept{};
    case 3: return AcceptWithDeficiency{};
    case 4: return ReturnForCorrection{rng_.chance(0.5) ? std::vector<std::string>{material_id()} : std::vector<std::string>{}, comment()};
    case 5: return rng_.chance(0.2) ? CommandBody{Refuse{comment()}} : CommandBody{Resubmit{some_materials()}};
    case 6: return Assign{item_id(), rng_.one_of(actors_).id, std::nullopt};
    case 7: case 8: case 9: case 10: {
      const int d = rng_.pick(0, 9);
      const Decision decision = d < 7 ? Decision::approve : d < 9 ? Decision::reject : Decision::ret;
      Sign s{item_id(), decision, decision == Decision::approve ? "" : comment(), {}, std::nullopt};
      if (decision == Decision::ret && rng_.chance(0.5)) s.materials.push_back(material_id());
      return s;
    }
    case 11: return SupplyMaterial{material_id()};
    case 12: return Pledge{item_id()};
    case 13: return PostCheck{item_id(), rng_.chance(0.7), comment()};
    case 14: return rng_.chance(0.15) ? CommandBody{Withdraw{"撤回"}} : CommandBody{Issue{}};
    case 15: return Rate{rng_.pick(0, 6), ""};
    case 16:
      if (operations_) return random_operation();
      return Accept{};
    default: return Accept{};
  }
}

CommandBody CommandGen::random_operation() {
  switch (rng_.pick(0, 9)) {
    case 0: return Claim{item_id(), maybe_slot()};
    case 1: return Unclaim{item_id(), maybe_slot()};
    case 2: return Transfer{item_id(), person(), comment(), maybe_slot()};
    case 3: return Delegate{item_id(), person(), comment(), maybe_slot()};
    case 4: {
      std::optional<Decision> advice;
      if (rng_.chance(0.6)) advice = static_cast<Decision>(rng_.pick(0, 2));
      return ResolveDelegation{item_id(), advice, comment(), maybe_slot()};
    }
    case 5: {
      const std::string department = rng_.chance(0.7) ? "" : rng_.one_of(compiled_.bundle().departments).id;
      return AddSigner{item_id(), rng_.one_of(roles_), department, rng_.chance(0.8) ? 1 : rng_.pick(0, 3),
                       rng_.chance(0.5) ? "" : person(), static_cast<AddPosition>(rng_.pick(0, 2)), maybe_slot(), comment()};
    }
    case 6: return RemoveSigner{item_id(), static_cast<std::uint32_t>(rng_.pick(0, 4)), comment()};
    case 7: {
      const int k = rng_.pick(0, 3);
      return RejectBack{item_id(), k == 0 ? "applicant" : k == 1 ? "previous" : item_id(), comment(), {}, maybe_slot()};
    }
    case 8: return Reclaim{item_id(), maybe_slot(), comment()};
    default: return Remind{item_id(), comment()};
  }
}

Actor CommandGen::actor_for(const CommandBody& body) {
  if (rng_.chance(0.1)) return rng_.one_of(actors_);
  const CommandKind k = kind_of(body);
  if (k == CommandKind::submit || k == CommandKind::resubmit || k == CommandKind::supply_material ||
      k == CommandKind::pledge || k == CommandKind::withdraw || k == CommandKind::rate)
    return actors_[0];
  if (k == CommandKind::accept || k == CommandKind::accept_with_deficiency || k == CommandKind::refuse ||
      k == CommandKind::return_for_correction || k == CommandKind::issue)
    return actors_[2];
  return actors_[static_cast<std::size_t>(rng_.pick(3, static_cast<int>(actors_.size()) - 1))];
}

std::optional<Command> CommandGen::guided(const CaseView& v, int step) {
  Command c;
  c.id = fmt::format("g-{}", step);
  c.actor = actors_[0];
  auto needed = [&](bool skip_deferrable) {
    std::vector<std::string> out;
    for (const MaterialView& m : v.materials) {
      const ir::Material* def = compiled_.bundle().find_material(m.id);
      if (m.status != MaterialStatus::missing || !def->source.empty()) continue;
      if (skip_deferrable && def->deferrable && rng_.chance(0.6)) continue;
      out.push_back(m.id);
    }
    return out;
  };
  switch (v.status) {
    case CaseStatus::draft:
      c.body = Submit{needed(true), {}};
      return c;
    case CaseStatus::submitted:
      c.actor = actors_[2];
      if (rng_.chance(0.08)) c.body = ReturnForCorrection{{}, "请补正"};
      else if (v.outstanding().empty()) c.body = Accept{};
      else c.body = AcceptWithDeficiency{};
      return c;
    case CaseStatus::returned_for_correction: {
      std::vector<std::string> ms;
      for (const NoticeView& n : v.notice) ms.insert(ms.end(), n.materials.begin(), n.materials.end());
      for (const auto& m : needed(false)) ms.push_back(m);
      std::sort(ms.begin(), ms.end());
      ms.erase(std::unique(ms.begin(), ms.end()), ms.end());
      c.body = Resubmit{ms};
      return c;
    }
    case CaseStatus::accepted:
    case CaseStatus::accepted_with_deficiency: {
      if (v.ready_to_issue && rng_.chance(0.7)) {
        c.actor = actors_[2];
        c.body = Issue{};
        return c;
      }
      for (const MaterialView& m : v.materials)
        if (m.status == MaterialStatus::deferred && rng_.chance(0.3)) {
          c.body = SupplyMaterial{m.id};
          return c;
        }
      std::vector<const ItemView*> reviewing;
      for (const ItemView& it : v.items)
        if (it.status == ItemStatus::in_review) reviewing.push_back(&it);
      if (reviewing.empty()) return std::nullopt;
      const ItemView& it = *rng_.one_of(reviewing);
      if (operations_ && rng_.chance(0.25)) return guided_operation(it, c);
      for (const SignerView& sv : it.signers) {
        if (sv.decision || sv.removed) continue;
        c.actor = holder(sv);
        const int d = rng_.pick(0, 19);
        const Decision decision = d < 16 ? Decision::approve : d < 18 ? Decision::reject : Decision::ret;
        c.body = Sign{it.id, decision, decision == Decision::approve ? "" : "意见", {}, std::nullopt};
        return c;
      }
      return std::nullopt;
    }
    case CaseStatus::issued:
      for (const ItemView& it : v.items)
        if (it.post_check == PostCheckStatus::due) {
          c.actor = Actor::staff("checker", it.department, "inspector");
          c.body = PostCheck{it.id, rng_.chance(0.8), "核查"};
          return c;
        }
      for (const MaterialView& m : v.materials)
        if (m.status == MaterialStatus::deferred && rng_.chance(0.5)) {
          c.body = SupplyMaterial{m.id};
          return c;
        }
      c.body = Rate{rng_.pick(1, 5), ""};
      return c;
    default:
      return std::nullopt;
  }
}

std::optional<Command> CommandGen::guided_operation(const ItemView& it, Command c) {
  std::vector<const SignerView*> open, decided;
  for (const SignerView& sv : it.signers) {
    if (sv.removed) continue;
    (sv.decision ? decided : open).push_back(&sv);
  }
  const ir::Item& def = *compiled_.bundle().find_item(it.id);
  const Actor supervisor =
      Actor::staff("sup", def.department.id, def.approvals.supervisor.empty() ? roles_.front() : def.approvals.supervisor);
  const auto advisor = [&](const std::string& who) { return Actor::staff(who, compiled_.bundle().lead.id, "advisor"); };
  for (const SignerView* sv : open)
    if (!sv->delegate.empty() && rng_.chance(0.6)) {  // advice, or a recall by the owner
      const bool recall = rng_.chance(0.3);
      c.actor = recall ? holder(*sv) : advisor(sv->delegate);
      c.body = ResolveDelegation{it.id, recall ? std::nullopt : std::optional(static_cast<Decision>(rng_.pick(0, 2))), "意见", sv->slot};
      return c;
    }
  switch (rng_.pick(0, 7)) {
    case 0: {
      if (open.empty()) return std::nullopt;
      const SignerView* chosen = rng_.one_of(open);
      for (const SignerView* x : open)
        if (!x->assignee.empty()) chosen = x;  // assigned slots are the ones to release
      c.actor = holder(*chosen);
      if (!chosen->assignee.empty() && rng_.chance(0.9)) c.body = Unclaim{it.id, chosen->slot};
      else c.body = Claim{it.id, chosen->slot};
      return c;
    }
    case 1: {
      if (open.empty()) return std::nullopt;
      const SignerView& sv = *rng_.one_of(open);
      c.actor = rng_.chance(0.7) ? holder(sv) : supervisor;
      if (!sv.delegate.empty() && rng_.chance(0.7)) {
        c.actor = advisor(sv.delegate);
        c.body = ResolveDelegation{it.id, static_cast<Decision>(rng_.pick(0, 2)), "意见", sv.slot};
      } else if (rng_.chance(0.5)) {
        c.body = Transfer{it.id, person(), "转办", sv.slot};
      } else {
        c.body = Delegate{it.id, person(), "委派", sv.slot};
      }
      return c;
    }
    case 2: {
      if (open.empty()) return std::nullopt;
      const SignerView& sv = *open.front();
      c.actor = rng_.chance(0.7) ? holder(sv) : supervisor;
      c.body = AddSigner{it.id, sv.role, "", 1, "", static_cast<AddPosition>(rng_.pick(0, 2)), std::nullopt, "加签"};
      return c;
    }
    case 3: {
      if (open.empty()) return std::nullopt;
      c.actor = supervisor;
      c.body = RemoveSigner{it.id, rng_.one_of(open)->slot, "减签"};
      return c;
    }
    case 4: case 5: {
      if (open.empty()) return std::nullopt;
      c.actor = holder(*open.front());
      std::string to = "applicant";
      if (!it.reject_targets.empty() && rng_.chance(0.8)) to = rng_.one_of(it.reject_targets);
      else if (rng_.chance(0.5)) to = rng_.chance(0.5) ? "previous" : item_id();
      c.body = RejectBack{it.id, to, "驳回", {}, std::nullopt};
      return c;
    }
    case 6: {
      // Take back the last decision on an item in review.
      if (decided.empty()) return std::nullopt;
      const SignerView& sv = *decided.back();
      c.actor = Actor::staff(sv.signer, sv.department, sv.role);
      c.body = Reclaim{it.id, sv.slot, "拿回"};
      return c;
    }
    default:
      c.actor = rng_.chance(0.5) ? actors_[0] : actors_[2];
      c.body = Remind{it.id, "催办"};
      return c;
  }
}

std::optional<Command> CommandGen::reclaim_approved(const CaseView& v, std::string id) {
  for (const ItemView& it : v.items) {
    if (it.status != ItemStatus::approved || !rng_.chance(0.3)) continue;
    for (const SignerView& sv : it.signers)
      if (sv.decision == Decision::approve)
        return Command{std::move(id), Actor::staff(sv.signer, sv.department, sv.role), Reclaim{it.id, sv.slot, "拿回"}};
  }
  return std::nullopt;
}

Command CommandGen::next(const CaseView& view, int step) {
  if (rng_.chance(0.75))
    if (auto g = guided(view, step)) return *g;
  Command c;
  c.body = random_body();
  c.actor = actor_for(c.body);
  c.id = fmt::format("c-{}", step);
  return c;
}

}  // namespace yishi::property
