// The type checker: resolves names against the environment, types every node and reports
// each mistake once, located, with a suggestion where one is obvious.
#include <algorithm>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include "yishi/expr/expr.hpp"
#include "yishi/expr/internal/library.hpp"

namespace yishi::expr {

const char* to_string(BaseType t) noexcept {
  switch (t) {
    case BaseType::any: return "any";
    case BaseType::boolean: return "yes/no";
    case BaseType::integer: return "integer";
    case BaseType::decimal: return "decimal";
    case BaseType::string: return "text";
    case BaseType::date: return "date";
    case BaseType::work_duration: return "working time";
    case BaseType::attachment: return "attachment";
  }
  return "any";
}

std::string to_string(const Type& t) {
  return t.list ? fmt::format("list of {}", to_string(t.base)) : std::string(to_string(t.base));
}

Type type_of_field(ir::FieldType t, bool multiple) {
  Type out;
  switch (t) {
    case ir::FieldType::integer: out = Type::integer(); break;
    case ir::FieldType::decimal: out = Type::decimal(); break;
    case ir::FieldType::boolean: out = Type::boolean(); break;
    case ir::FieldType::date: out = Type::date(); break;
    case ir::FieldType::attachment: out = Type{BaseType::attachment}; break;
    default: out = Type::string(); break;
  }
  if (t == ir::FieldType::enumeration && multiple) out.list = true;
  return out;
}

std::uint32_t Environment::add_field(std::string id, Type type, std::vector<std::string> values) {
  const auto slot = static_cast<std::uint32_t>(fields_.size());
  if (!values.empty()) type.enumeration = static_cast<std::int32_t>(slot);
  field_index_.emplace(id, slot);
  fields_.push_back({std::move(id), type, std::move(values)});
  return slot;
}
std::uint32_t Environment::add_situation(std::string id) {
  const auto k = static_cast<std::uint32_t>(situations_.size());
  situation_index_.emplace(id, k);
  situations_.push_back(std::move(id));
  return k;
}
std::uint32_t Environment::add_table(TableSignature signature) {
  const auto k = static_cast<std::uint32_t>(tables_.size());
  table_index_.emplace(signature.id, k);
  tables_.push_back(std::move(signature));
  return k;
}
void Environment::note_table_reads(std::uint32_t index, std::vector<std::uint32_t> fields,
                                   std::vector<std::uint32_t> situations) {
  tables_.at(index).fields = std::move(fields);
  tables_.at(index).situations = std::move(situations);
}
namespace {
template <class M>
std::optional<std::uint32_t> lookup(const M& m, std::string_view id) {
  auto it = m.find(id);
  if (it == m.end()) return std::nullopt;
  return it->second;
}
}  // namespace
std::optional<std::uint32_t> Environment::field(std::string_view id) const { return lookup(field_index_, id); }
std::optional<std::uint32_t> Environment::situation(std::string_view id) const { return lookup(situation_index_, id); }
std::optional<std::uint32_t> Environment::table(std::string_view id) const { return lookup(table_index_, id); }

namespace {

using internal::Fn;

bool is_numeric(const Type& t) { return t.numeric(); }
bool is_any(const Type& t) { return t.base == BaseType::any && !t.list; }

// Whether values of a and b can be compared for equality.
bool comparable(const Type& a, const Type& b) {
  if (is_any(a) || is_any(b)) return true;
  if (a.list != b.list) return false;
  if (is_numeric(a) && is_numeric(b)) return true;
  if (a.list && Type{a.base}.numeric() && Type{b.base}.numeric()) return true;  // lists of numbers, element by element
  if (a.list && (a.base == BaseType::any || b.base == BaseType::any)) return true;
  return a.base == b.base && a.base != BaseType::attachment;
}
bool ordered(const Type& t) {
  return !t.list && (t.numeric() || t.base == BaseType::date || t.base == BaseType::work_duration ||
                     t.base == BaseType::string || t.base == BaseType::any);
}
Type join_numeric(const Type& a, const Type& b) {
  return (a.base == BaseType::decimal || b.base == BaseType::decimal) ? Type::decimal() : Type::integer();
}

class Checker {
 public:
  Checker(const Ast& ast, const Environment& env, const SpanMap& spans, Diagnostics& out, const Limits& limits)
      : ast_(ast), env_(env), spans_(spans), out_(out), limits_(limits) {
    typed_.nodes.resize(ast.nodes.size());
  }

  Typed run() {
    if (ast_.nodes.size() > limits_.max_nodes) {
      error(DiagCode::expression_too_complex, ast_.nodes[ast_.root],
            fmt::format("the expression has {} parts; the limit is {}", ast_.nodes.size(), limits_.max_nodes));
    } else {
      typed_.type = visit(ast_.root, 0);
    }
    typed_.ok = errors_ == 0;
    for (auto* v : {&typed_.fields, &typed_.situations, &typed_.tables}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    return std::move(typed_);
  }

 private:
  const Node& node(std::uint32_t i) const { return ast_.nodes[i]; }

  void error(DiagCode code, const Node& n, std::string message, std::string label = {}, std::string help = {}) {
    error_at(code, n.begin, n.end, std::move(message), std::move(label), std::move(help));
  }
  void error_at(DiagCode code, std::uint32_t begin, std::uint32_t end, std::string message, std::string label = {},
                std::string help = {}) {
    ++errors_;
    auto d = Diagnostic::make(code, spans_.at(begin, end), std::move(message));
    if (!label.empty()) (void)std::move(d).label(std::move(label));
    if (!help.empty()) (void)std::move(d).with_help(std::move(help));
    out_.add(std::move(d));
  }
  // Marks a subtree as already reported; its type is `any` so no cascade follows.
  static Type poisoned() { return Type{BaseType::any}; }

  Type visit(std::uint32_t i, std::size_t depth) {
    const Node& n = node(i);
    Type t = poisoned();
    if (depth > limits_.max_nodes) return t;  // unreachable with parser output; guards hand-built trees
    switch (n.kind) {
      case NodeKind::boolean: t = Type::boolean(); break;
      case NodeKind::integer: t = Type::integer(); break;
      case NodeKind::decimal: t = Type::decimal(); break;
      case NodeKind::string: t = Type::string(); break;
      case NodeKind::date: t = Type::date(); break;
      case NodeKind::work_duration: t = Type::work_duration(); break;
      case NodeKind::list: t = list(n, depth); break;
      case NodeKind::name: t = name(i, n); break;
      case NodeKind::input:
        if (env_.input) t = *env_.input;
        else error(DiagCode::type_mismatch, n, "`?` stands for the input of a decision-table cell and is not allowed here",
                   "only in decision-table cells");
        break;
      case NodeKind::not_: {
        const Type a = visit(n.children[0], depth + 1);
        if (!is_any(a) && (a.list || a.base != BaseType::boolean))
          error(DiagCode::type_mismatch, node(n.children[0]),
                fmt::format("`not` needs a yes/no value, but this is {}", to_string(a)), to_string(a));
        t = Type::boolean();
        break;
      }
      case NodeKind::negate: {
        const Type a = visit(n.children[0], depth + 1);
        if (!is_any(a) && (a.list || (!is_numeric(a) && a.base != BaseType::work_duration))) {
          error(DiagCode::type_mismatch, node(n.children[0]), fmt::format("cannot negate {}", to_string(a)),
                to_string(a));
          t = poisoned();  // reported once: what uses the result does not report it again
          break;
        }
        t = is_any(a) ? a : Type{a.base};
        break;
      }
      case NodeKind::binary: t = binary(n, depth); break;
      case NodeKind::call: t = call(i, n, depth); break;
    }
    typed_.nodes[i].type = t;
    return t;
  }

  Type list(const Node& n, std::size_t depth) {
    Type element = poisoned();
    for (auto c : n.children) {
      const Node& e = node(c);
      const bool literal = e.kind == NodeKind::boolean || e.kind == NodeKind::integer || e.kind == NodeKind::decimal ||
                           e.kind == NodeKind::string || e.kind == NodeKind::date ||
                           e.kind == NodeKind::work_duration ||
                           (e.kind == NodeKind::negate && (node(e.children[0]).kind == NodeKind::integer ||
                                                           node(e.children[0]).kind == NodeKind::decimal));
      const Type et = visit(c, depth + 1);
      if (!literal) {
        error(DiagCode::type_mismatch, e, "list elements must be literal values", "not a literal",
              "write the values themselves, e.g. `[\"a\", \"b\"]`, or combine conditions with `or`");
        continue;
      }
      if (is_any(element)) element = et;
      else if (is_numeric(element) && is_numeric(et)) element = join_numeric(element, et);
      else if (element.base != et.base)
        error(DiagCode::type_mismatch, e,
              fmt::format("a list holds values of one type: this is {}, the first was {}", to_string(et),
                          to_string(element)),
              to_string(et));
    }
    element.list = true;
    return element;
  }

  std::vector<std::string_view> candidates() const {
    std::vector<std::string_view> c;
    for (const auto& f : env_.fields()) c.push_back(f.id);
    for (const auto& s : env_.situations()) c.push_back(s);
    return c;
  }

  Type name(std::uint32_t i, const Node& n) {
    auto& info = typed_.nodes[i];
    if (n.text == "it" && !elements_.empty()) {
      info.resolved = Resolved::element;
      info.index = static_cast<std::uint32_t>(elements_.size() - 1);
      return elements_.back();
    }
    const bool dotted = n.text.find('.') != std::string::npos;
    if (!dotted) {
      if (auto s = env_.situation(n.text)) {
        info.resolved = Resolved::situation;
        info.index = *s;
        typed_.situations.push_back(*s);
        return Type::boolean();
      }
    }
    if (auto f = env_.field(n.text)) {
      info.resolved = Resolved::field;
      info.index = *f;
      typed_.fields.push_back(*f);
      return env_.fields()[*f].type;
    }
    auto cands = candidates();
    auto best = text::closest_match(n.text, cands);
    if (n.text == "it")
      error(DiagCode::unknown_field, n, "`it` is only defined inside `any`, `all` and `count`",
            "outside a list condition", "write `any(list, it == \"x\")`");
    else if (dotted)
      error(DiagCode::unknown_field, n, fmt::format("unknown field `{}`", n.text), "no field with this id",
            best ? fmt::format("did you mean `{}`?", *best) : std::string{});
    else  // a bare name is usually a situation
      error(DiagCode::unknown_situation, n, fmt::format("unknown situation `{}`", n.text),
            "no situation or field with this id", best ? fmt::format("did you mean `{}`?", *best) : std::string{});
    return poisoned();
  }

  // Checks a string literal compared with an enumeration against the declared values.
  void enum_member(const Type& enum_type, const Node& lit) {
    if (enum_type.enumeration < 0 || lit.kind != NodeKind::string) return;
    const auto& f = env_.fields()[static_cast<std::size_t>(enum_type.enumeration)];
    if (std::find(f.values.begin(), f.values.end(), lit.text) != f.values.end()) return;
    std::vector<std::string_view> vals(f.values.begin(), f.values.end());
    auto best = text::closest_match(lit.text, vals);
    std::string listed;
    for (std::size_t k = 0; k < f.values.size() && k < 8; ++k) listed += (k ? ", " : "") + f.values[k];
    if (f.values.size() > 8) listed += ", ...";
    error(DiagCode::not_an_enum_value, lit, fmt::format("\"{}\" is not a value of `{}`", lit.text, f.id),
          "not declared", best ? fmt::format("did you mean \"{}\"?", *best) : fmt::format("the values are {}", listed));
  }
  void enum_members(const Type& enum_type, const Node& list_node) {
    if (list_node.kind != NodeKind::list) return;
    for (auto c : list_node.children) enum_member(enum_type, node(c));
  }

  Type binary(const Node& n, std::size_t depth) {
    const Node& ln = node(n.children[0]);
    const Node& rn = node(n.children[1]);
    const Type a = visit(n.children[0], depth + 1);
    const Type b = visit(n.children[1], depth + 1);
    const char* op = to_string(n.op);
    switch (n.op) {
      case BinaryOp::and_:
      case BinaryOp::or_:
        for (auto [t, m] : {std::pair{a, &ln}, std::pair{b, &rn}})
          if (!is_any(t) && !(t.base == BaseType::boolean && !t.list))
            error(DiagCode::type_mismatch, *m, fmt::format("`{}` needs yes/no values, but this is {}", op, to_string(t)),
                  to_string(t), "compare it with something, e.g. `x > 0`");
        return Type::boolean();
      case BinaryOp::eq:
      case BinaryOp::ne:
        if (!comparable(a, b)) {
          mismatch(n, a, b);
        } else {
          enum_member(a, rn);
          enum_member(b, ln);
        }
        return Type::boolean();
      case BinaryOp::lt:
      case BinaryOp::le:
      case BinaryOp::gt:
      case BinaryOp::ge:
        if (!comparable(a, b) || !ordered(a) || !ordered(b) || a.base == BaseType::boolean)
          mismatch(n, a, b);
        return Type::boolean();
      case BinaryOp::in:
      case BinaryOp::not_in: {
        if (is_any(b)) return Type::boolean();
        if (!b.list) {
          error(DiagCode::type_mismatch, rn, fmt::format("`{}` needs a list on its right, but this is {}", op, to_string(b)),
                to_string(b), "write a list, e.g. `x in [\"a\", \"b\"]`");
        } else if (a.list) {
          error(DiagCode::type_mismatch, ln, fmt::format("`{}` tests one value, but this is {}", op, to_string(a)),
                to_string(a), "for a multiple-choice field, write `any(field, it in [...])` or `contains(field, value)`");
        } else if (!comparable(a, Type{b.base})) {
          mismatch(n, a, b);
        } else {
          enum_members(a, rn);
          if (b.enumeration >= 0) enum_member(b, ln);  // `"raw_food" in menu.categories`
        }
        return Type::boolean();
      }
      case BinaryOp::add:
      case BinaryOp::sub:
      case BinaryOp::mul:
      case BinaryOp::div:
        if (is_any(a) || is_any(b)) return poisoned();
        if (is_numeric(a) && is_numeric(b))
          return n.op == BinaryOp::div ? Type::decimal() : join_numeric(a, b);
        if ((n.op == BinaryOp::add || n.op == BinaryOp::sub) && a == Type::work_duration() && b == Type::work_duration())
          return a;
        error(DiagCode::type_mismatch, n,
              fmt::format("`{}` cannot combine {} and {}", op, to_string(a), to_string(b)),
              fmt::format("{} {} {}", to_string(a), op, to_string(b)),
              a.base == BaseType::date || b.base == BaseType::date ? "use `days_between(a, b)` to count days between dates"
                                                                  : "arithmetic needs numbers");
        return poisoned();
    }
    return poisoned();
  }

  /// Two operands that cannot be compared: of a binary operator, or of the function `fn` (a
  /// call node has no operator of its own to name).
  void mismatch(const Node& n, const Type& a, const Type& b, std::string_view fn = {}) {
    std::string help;
    if ((a.base == BaseType::string && is_numeric(b)) || (b.base == BaseType::string && is_numeric(a)))
      help = "a number and a text never compare; remove the quotes around the number or compare with a text";
    else if (a.list || b.list)
      help = "for a multiple-choice field, write `contains(field, value)` or `any(field, it == value)`";
    if (!fn.empty()) {
      error(DiagCode::type_mismatch, n, fmt::format("`{}` cannot compare {} with {}", fn, to_string(a), to_string(b)),
            fmt::format("{}, {}", to_string(a), to_string(b)), help);
      return;
    }
    error(DiagCode::type_mismatch, n,
          fmt::format("cannot compare {} with {} using `{}`", to_string(a), to_string(b), to_string(n.op)),
          fmt::format("{} {} {}", to_string(a), to_string(n.op), to_string(b)), help);
  }

  bool expect(const Node& arg, const Type& t, bool ok, std::string_view fn, std::string_view wanted) {
    if (is_any(t) || ok) return true;
    error(DiagCode::type_mismatch, arg, fmt::format("`{}` needs {} here, but this is {}", fn, wanted, to_string(t)),
          to_string(t), std::string(internal::find_function(fn)->usage));
    return false;
  }

  Type call(std::uint32_t i, const Node& n, std::size_t depth) {
    const auto* f = internal::find_function(n.text);
    auto& info = typed_.nodes[i];
    if (!f) {
      std::vector<std::string_view> names;
      for (const auto& x : internal::functions) names.push_back(x.name);
      auto best = text::closest_match(n.text, names);
      error_at(DiagCode::unknown_function, n.begin, n.name_end, fmt::format("unknown function `{}`", n.text),
               "not in the function library",
               best ? fmt::format("did you mean `{}`?", *best) : "docs/language.md lists the functions");
      for (auto c : n.children) visit(c, depth + 1);
      return poisoned();
    }
    info.resolved = Resolved::function;
    info.index = static_cast<std::uint32_t>(f->fn);
    const auto argc = n.children.size();
    if (argc < f->min_args || argc > f->max_args) {
      const std::string expected = f->min_args == f->max_args ? fmt::format("{}", f->min_args)
                                   : f->max_args == 255       ? fmt::format("at least {}", f->min_args)
                                                              : fmt::format("{} or {}", f->min_args, f->max_args);
      error(DiagCode::wrong_arguments, n,
            fmt::format("`{}` takes {} argument{}, not {}", f->name, expected,
                        f->min_args == 1 && (f->max_args == 1 || f->max_args == 255) ? "" : "s", argc),
            "wrong number of arguments", std::string(f->usage));
      for (auto c : n.children) visit(c, depth + 1);
      return poisoned();
    }
    if (f->fn == Fn::any || f->fn == Fn::all || f->fn == Fn::count) return quantifier(n, *f, depth);
    if (f->fn == Fn::table) return table(info, n, depth);
    std::vector<Type> args;
    for (auto c : n.children) args.push_back(visit(c, depth + 1));
    auto arg = [&](std::size_t k) -> const Node& { return node(n.children[k]); };
    const auto name = f->name;
    switch (f->fn) {
      case Fn::age:
        expect(arg(0), args[0], args[0] == Type::date(), name, "a date");
        if (argc == 2) expect(arg(1), args[1], args[1] == Type::date(), name, "a date");
        return Type::integer();
      case Fn::days_between:
        expect(arg(0), args[0], args[0] == Type::date(), name, "a date");
        expect(arg(1), args[1], args[1] == Type::date(), name, "a date");
        return Type::integer();
      case Fn::today: return Type::date();
      case Fn::year:
      case Fn::month: expect(arg(0), args[0], args[0] == Type::date(), name, "a date"); return Type::integer();
      case Fn::len:
        expect(arg(0), args[0], args[0].list || args[0].base == BaseType::string, name, "a text or a list");
        return Type::integer();
      case Fn::contains:
        if (args[0].list) {
          if (!comparable(Type{args[0].base}, args[1]) || args[1].list) mismatch(n, args[0], args[1], name);
          else enum_member(args[0], arg(1));
        } else if (expect(arg(0), args[0], args[0].base == BaseType::string, name, "a text or a list")) {
          // An enum value is text too (its type names its enumeration).
          expect(arg(1), args[1], !args[1].list && args[1].base == BaseType::string, name, "a text");
        }
        return Type::boolean();
      case Fn::starts_with:
      case Fn::ends_with:
        expect(arg(0), args[0], !args[0].list && args[0].base == BaseType::string, name, "a text");
        expect(arg(1), args[1], !args[1].list && args[1].base == BaseType::string, name, "a text");
        return Type::boolean();
      case Fn::matches: {
        expect(arg(0), args[0], !args[0].list && args[0].base == BaseType::string, name, "a text");
        const Node& fmt_node = arg(1);
        auto format = fmt_node.kind == NodeKind::string ? internal::find_format(fmt_node.text) : std::nullopt;
        if (!format) {
          std::vector<std::string_view> names(internal::format_names.begin(), internal::format_names.end());
          auto best = fmt_node.kind == NodeKind::string ? text::closest_match(fmt_node.text, names) : std::nullopt;
          error(DiagCode::wrong_arguments, fmt_node, "the format of `matches` must be written as one of \"id_card\", \"mobile\", \"credit_code\", \"postcode\"",
                "unknown format", best ? fmt::format("did you mean \"{}\"?", *best) : std::string{});
        } else {
          info.extra = static_cast<std::uint32_t>(*format);
        }
        return Type::boolean();
      }
      case Fn::answered: return Type::boolean();
      case Fn::or_else:
        if (!comparable(args[0], args[1])) mismatch(n, args[0], args[1], name);
        if (is_numeric(args[0]) && is_numeric(args[1])) {
          const Type t = join_numeric(args[0], args[1]);
          info.extra = t.base == BaseType::decimal ? 1 : 0;  // the machine widens an integer result
          return t;
        }
        return is_any(args[0]) ? args[1] : args[0];
      case Fn::min:
      case Fn::max:
        if (!comparable(args[0], args[1])) {
          mismatch(n, args[0], args[1], name);
          return poisoned();
        }
        if (!ordered(args[0]) || args[0].base == BaseType::string) {
          error(DiagCode::type_mismatch, n,
                fmt::format("`{}` needs numbers, dates or working time, but these are {} and {}", name,
                            to_string(args[0]), to_string(args[1])),
                fmt::format("{}, {}", to_string(args[0]), to_string(args[1])));
          return poisoned();
        }
        return is_numeric(args[0]) ? join_numeric(args[0], args[1]) : args[0];
      default: return poisoned();
    }
  }

  Type quantifier(const Node& n, const internal::FunctionInfo& f, std::size_t depth) {
    const Type l = visit(n.children[0], depth + 1);
    if (!is_any(l) && !l.list)
      error(DiagCode::type_mismatch, node(n.children[0]),
            fmt::format("`{}` needs a list first, but this is {}", f.name, to_string(l)), to_string(l), std::string(f.usage));
    Type element = l;
    element.list = false;
    elements_.push_back(element);
    const Type p = visit(n.children[1], depth + 1);
    elements_.pop_back();
    if (!is_any(p) && (p.list || p.base != BaseType::boolean))
      error(DiagCode::type_mismatch, node(n.children[1]),
            fmt::format("the condition of `{}` must be yes/no, but this is {}", f.name, to_string(p)), to_string(p),
            std::string(f.usage));
    return f.fn == Fn::count ? Type::integer() : Type::boolean();
  }

  Type table(NodeInfo& info, const Node& n, std::size_t depth) {
    const Node& id = node(n.children[0]);
    for (std::size_t k = 1; k < n.children.size(); ++k) visit(n.children[k], depth + 1);
    if (!env_.tables_callable) {
      error(DiagCode::wrong_arguments, n, "a decision-table cell cannot call `table`", "not allowed in a table");
      return poisoned();
    }
    if (id.kind != NodeKind::string) {
      error(DiagCode::wrong_arguments, id, "the table of `table` must be written as a text, e.g. `table(\"fee\", ...)`",
            "not a table id");
      return poisoned();
    }
    std::string_view tid = id.text, output;
    if (auto dot = tid.find('.'); dot != std::string_view::npos) output = tid.substr(dot + 1), tid = tid.substr(0, dot);
    auto k = env_.table(tid);
    if (!k) {
      std::vector<std::string_view> names;
      for (const auto& t : env_.tables()) names.push_back(t.id);
      auto best = text::closest_match(tid, names);
      error(DiagCode::unknown_table, id, fmt::format("unknown decision table `{}`", tid), "no table with this id",
            best ? fmt::format("did you mean `{}`?", *best) : std::string{});
      return poisoned();
    }
    const auto& sig = env_.tables()[*k];
    std::uint32_t out_index = 0;
    if (output.empty()) {
      if (sig.output_names.size() != 1) {
        error(DiagCode::unknown_table, id,
              fmt::format("table `{}` has {} outputs; name one, e.g. \"{}.{}\"", sig.id, sig.output_names.size(), sig.id,
                          sig.output_names.empty() ? "output" : sig.output_names[0]),
              "which output?");
        return poisoned();
      }
    } else {
      auto it = std::find(sig.output_names.begin(), sig.output_names.end(), output);
      if (it == sig.output_names.end()) {
        error(DiagCode::unknown_table, id, fmt::format("table `{}` has no output `{}`", sig.id, output), "no such output");
        return poisoned();
      }
      out_index = static_cast<std::uint32_t>(it - sig.output_names.begin());
    }
    if (n.children.size() - 1 != sig.inputs.size()) {
      error(DiagCode::wrong_arguments, n,
            fmt::format("table `{}` takes {} input{}, not {}", sig.id, sig.inputs.size(),
                        sig.inputs.size() == 1 ? "" : "s", n.children.size() - 1),
            "wrong number of inputs");
      return poisoned();
    }
    for (std::size_t a = 0; a < sig.inputs.size(); ++a) {
      const Type& got = typed_.nodes[n.children[a + 1]].type;
      if (!comparable(got, sig.inputs[a]))
        error(DiagCode::type_mismatch, node(n.children[a + 1]),
              fmt::format("input {} of table `{}` is {}, but this is {}", a + 1, sig.id, to_string(sig.inputs[a]),
                          to_string(got)),
              to_string(got));
      else
        enum_member(sig.inputs[a], node(n.children[a + 1]));
    }
    info.extra = (*k << 8) | out_index;
    typed_.tables.push_back(*k);
    // What the table's cells read, the call reads (so an unknown call says what to ask).
    typed_.fields.insert(typed_.fields.end(), sig.fields.begin(), sig.fields.end());
    typed_.situations.insert(typed_.situations.end(), sig.situations.begin(), sig.situations.end());
    return sig.output_types[out_index];
  }

  const Ast& ast_;
  const Environment& env_;
  const SpanMap& spans_;
  Diagnostics& out_;
  const Limits& limits_;
  Typed typed_;
  std::vector<Type> elements_;  // the type of `it` in nested any/all/count
  std::size_t errors_ = 0;
};

}  // namespace

const char* to_string(BinaryOp op) noexcept {
  switch (op) {
    case BinaryOp::or_: return "or";
    case BinaryOp::and_: return "and";
    case BinaryOp::eq: return "==";
    case BinaryOp::ne: return "!=";
    case BinaryOp::lt: return "<";
    case BinaryOp::le: return "<=";
    case BinaryOp::gt: return ">";
    case BinaryOp::ge: return ">=";
    case BinaryOp::in: return "in";
    case BinaryOp::not_in: return "not in";
    case BinaryOp::add: return "+";
    case BinaryOp::sub: return "-";
    case BinaryOp::mul: return "*";
    case BinaryOp::div: return "/";
  }
  return "?";
}

Typed check(const Ast& ast, const Environment& env, const SpanMap& spans, Diagnostics& out, const Limits& limits) {
  return Checker(ast, env, spans, out, limits).run();
}

Typed check_condition(const Ast& ast, const Environment& env, const SpanMap& spans, Diagnostics& out,
                      std::string_view what, const Limits& limits) {
  Typed t = check(ast, env, spans, out, limits);
  if (t.ok && !(t.type.base == BaseType::boolean && !t.type.list)) {
    const Node& root = ast.nodes[ast.root];
    out.add(Diagnostic::make(DiagCode::condition_not_boolean, spans.at(root.begin, root.end),
                             fmt::format("{} must be yes or no, but this expression is {}", what, to_string(t.type)))
                .label(to_string(t.type))
                .with_help("compare it with something, e.g. `x > 0` or `x == \"a\"`"));
    t.ok = false;
  }
  return t;
}

}  // namespace yishi::expr
