// The bundle DSL grammar (Boost.Spirit X3), included only by x3/grammar.cpp.
//
// One rule per declaration. Semantic actions write straight into the IR through the
// `BundleBuilder` reached from the context (`bundle_tag`); every IR node gets the span of the
// token that names it. Expressions are recognised with the expression grammar and kept as
// their exact source text (the checker parses them again, with types). The loader in
// grammar.cpp parses one declaration at a time, so that after a syntax error it can skip to
// the next declaration and report more than one mistake per run.
#pragma once

#include <charconv>
#include <cmath>
#include <set>

#include "yishi/base/text.hpp"
#include "yishi/dsl/x3/expression_def.hpp"
#include "yishi/ir/bundle.hpp"

namespace yishi::dsl::grammar {

/// Builds the IR while declarations are parsed; reports invalid values as they are met.
struct BundleBuilder {
  SourceId source = no_source;
  const char* base = nullptr;
  Diagnostics* out = nullptr;
  Builder* expressions = nullptr;  // for decoding strings
  ir::Bundle bundle;
  // The declaration being read. A field may sit inside an item (an inline form field).
  ir::Field field;
  std::optional<bool> field_sensitive;
  bool in_item = false;
  ir::Item item;
  ir::Material material;
  ir::DecisionTable table;
  ir::Review review;
  bool review_weight = false;
  SourceSpan review_weight_span;
  std::set<std::string> seen;  // single-valued properties of the current declaration
  std::set<std::string> item_seen;  // the item's, while an inline field of it is read

  SourceSpan span(const range_t& r) const {
    const auto b = static_cast<std::uint32_t>(&*r.begin() - base);
    return {source, b, b + static_cast<std::uint32_t>(r.end() - r.begin())};
  }
  static std::string text(const range_t& r) { return {&*r.begin(), static_cast<std::size_t>(r.end() - r.begin())}; }
  std::string str(const range_t& r) const { return unescape(*expressions, &*r.begin(), &*r.begin() + (r.end() - r.begin())); }
  // A label shown to people: must say something.
  std::string name(const range_t& r, std::string_view what) {
    std::string s = str(r);
    if (s.find_first_not_of(" \t") == std::string::npos)
      error(DiagCode::invalid_value, r, fmt::format("{} is empty", what), "empty text",
            "write the name people will see, e.g. \"开办餐饮店一件事\"");
    return s;
  }

  void error(DiagCode code, const range_t& r, std::string msg, std::string label = {}, std::string help = {}) {
    error_at(code, span(r), std::move(msg), std::move(label), std::move(help));
  }
  void error_at(DiagCode code, SourceSpan at, std::string msg, std::string label = {}, std::string help = {}) {
    auto d = Diagnostic::make(code, at, std::move(msg));
    d.label_text = std::move(label);
    d.help = std::move(help);
    out->add(std::move(d));
  }

  std::string id(const range_t& r, bool field_path = false) {
    std::string s = text(r);
    if (!(field_path ? ir::is_valid_field_path(s) : ir::is_valid_id(s)))
      error(DiagCode::invalid_id, r, fmt::format("`{}` is not a valid {}", s, field_path ? "field id" : "id"),
            "invalid identifier", std::string(ir::id_rule(field_path)));
    return s;
  }
  ir::Ref ref(const range_t& r, bool field_path = false) { return ir::Ref{id(r, field_path), {span(r)}}; }

  // A property that may appear once per declaration.
  void once(const range_t& keyword_range, std::string_view key, std::string_view where) {
    if (!seen.insert(std::string(key)).second)
      error(DiagCode::duplicate_key, keyword_range, fmt::format("`{}` appears twice in {}", key, where),
            "second occurrence");
  }

  ir::Expression expression(const range_t& r) const { return ir::Expression{text(r), {span(r)}, true}; }

  std::optional<ir::WorkDuration> duration(const range_t& r) {
    const std::string s = text(r);
    ir::WorkDuration d;
    std::int64_t value = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] >= '0' && s[i] <= '9') {
        value = value * 10 + (s[i] - '0');
        if (value > 100'000) {
          error(DiagCode::invalid_value, r, fmt::format("duration `{}` is too long", s));
          return std::nullopt;
        }
      } else if (s.compare(i, 2, "wd") == 0) {
        d.days = static_cast<std::int32_t>(value), value = 0, ++i;
      } else if (s.compare(i, 2, "wh") == 0) {
        d.hours = static_cast<std::int32_t>(value), value = 0, ++i;
      }
    }
    return d;
  }

  std::optional<double> number(const range_t& r) {
    const std::string s = text(r);
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || !std::isfinite(v)) {
      error(DiagCode::invalid_value, r, fmt::format("`{}` is not a number", s));
      return std::nullopt;
    }
    return v;
  }
  std::optional<std::int64_t> integer(const range_t& r, std::string_view what, std::int64_t lo, std::int64_t hi) {
    const std::string s = text(r);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) {
      error(DiagCode::invalid_value, r, fmt::format("expected a whole number for {}, found `{}`", what, s));
      return std::nullopt;
    }
    if (v < lo || v > hi) {
      error(DiagCode::invalid_value, r, fmt::format("{} must be between {} and {}, found {}", what, lo, hi, v));
      return std::nullopt;
    }
    return v;
  }
  // `online` or `window`; for a delivery also `mail` (as in the YAML format).
  std::optional<ir::Channel> channel(const range_t& r, std::string_view what, bool delivery) {
    const std::string s = text(r);
    auto c = ir::parse_channel(s);
    if (c && (delivery || *c != ir::Channel::mail)) return c;
    error(DiagCode::invalid_value, r, fmt::format("unknown channel `{}` for {}", s, what), "not a channel",
          delivery ? "use `online`, `window` or `mail`" : "use `online` (一网通办) or `window` (一窗受理)");
    return std::nullopt;
  }
  // A fee in yuan with at most two decimals, stored in fen (as in the YAML format).
  std::optional<std::int64_t> fee(const range_t& r) {
    const std::string s = text(r);
    auto f = ir::parse_fee(s);
    if (!f)
      error(DiagCode::invalid_value, r, fmt::format("invalid fee `{}`", s), "not an amount",
            "write the fee in yuan with at most two decimals, e.g. `0` or `12.50`");
    return f;
  }
  std::optional<ir::FieldType> type(const range_t& r) {
    const std::string s = text(r);
    if (auto t = ir::parse_field_type(s)) return t;
    static constexpr std::string_view names[] = {"string", "int",     "decimal", "bool",    "date",
                                                 "enum",   "id_card", "phone",   "address", "attachment"};
    auto best = text::closest_match(s, names);
    error(DiagCode::invalid_value, r, fmt::format("unknown field type `{}`", s), "not a field type",
          best ? fmt::format("did you mean `{}`?", *best)
               : "types: string, int, decimal, bool, date, enum, id_card, phone, address, attachment");
    return std::nullopt;
  }
  // A value of an enumeration: an identifier or a string.
  std::string value(const range_t& r) const {
    return (*r.begin() == '"' || *r.begin() == '\'') ? str(r) : text(r);
  }
};
struct bundle_tag;

template <class Ctx>
BundleBuilder& bundle_builder(const Ctx& ctx) {
  return x3::get<bundle_tag>(ctx).get();
}

// ---- Tokens -----------------------------------------------------------------------------

x3::rule<struct id_token_id, range_t> const id_token = "an identifier";
const auto id_token_def = x3::raw[x3::lexeme[!keyword >> name_part]];
x3::rule<struct path_token_id, range_t> const path_token = "a field id";
const auto path_token_def = x3::raw[x3::lexeme[!keyword >> name_part >> *('.' >> name_part)]];
x3::rule<struct number_token_id, range_t> const number_token = "a number";
const auto number_token_def = x3::raw[x3::lexeme[-x3::char_('-') >> +digit >> -('.' >> +digit) >> !ident_char]];
x3::rule<struct version_token_id, range_t> const version_token = "a version";
const auto version_token_def = string_literal | x3::raw[x3::lexeme[+(letter | digit | x3::char_(".-"))]];
x3::rule<struct value_token_id, range_t> const value_token = "a value";
const auto value_token_def = string_literal | id_token;
x3::rule<struct expression_text_id, range_t> const expression_text = "an expression";
const auto expression_text_def = x3::raw[expression];
x3::rule<struct cell_text_id, range_t> const cell_text = "a decision-table cell";
const auto cell_text_def = x3::raw[unary_tests];
x3::rule<struct value_list_id, std::vector<range_t>> const value_list = "a list of values";
const auto value_list_def = x3::lit('[') > (value_token % ',') > ']';
// Lists are rules with a vector attribute (empty when an optional list is absent), so that
// X3 never has to build an optional of a container.
x3::rule<struct id_list_id, std::vector<range_t>> const id_list = "a list of identifiers";
const auto id_list_def = id_token % ',';
x3::rule<struct after_list_id, std::vector<range_t>> const after_list = "`after`";
const auto after_list_def = -(kw("after") > id_list);
x3::rule<struct cell_list_id, std::vector<range_t>> const cell_list = "cells";
const auto cell_list_def = -(cell_text % '|');
x3::rule<struct output_list_id, std::vector<range_t>> const output_list = "outputs";
// A rule may have no output cells (the checker reports it); a table line keyword then is not
// read as an expression.
const auto table_line_keyword = kw("rule") | kw("default") | kw("basis") | kw("input") | kw("output");
const auto output_list_def = -((!table_line_keyword >> expression_text) % '|');
x3::rule<struct optional_values_id, std::vector<range_t>> const optional_values = "values";
const auto optional_values_def = -value_list;
x3::rule<struct path_list_id, std::vector<range_t>> const path_list = "a list of field ids";
const auto path_list_def = path_token % ',';

struct keyword_token_id;
/// A keyword whose position matters (for spans and "appears twice" errors).
inline auto keyword_token(const char* k) { return x3::rule<keyword_token_id, range_t>{k} = x3::raw[kw(k)]; }
x3::rule<struct bool_token_id, range_t> const bool_token = "`true` or `false`";
const auto bool_token_def = x3::raw[kw("true") | kw("false")];

/// Calls `f` on each range of a list attribute, whether X3 made it optional or not.
template <class F>
void each_range(const std::vector<range_t>& v, F&& f) {
  for (const auto& r : v) f(r);
}
template <class F>
void each_range(const boost::optional<std::vector<range_t>>& v, F&& f) {
  if (v) each_range(*v, f);
}

// ---- Actions ----------------------------------------------------------------------------

template <class F>
struct act {
  F f;
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    f(bundle_builder(ctx), x3::_attr(ctx));
  }
};
template <class F>
act<F> action(F f) { return {f}; }
using boost::fusion::at_c;

const auto on_header = action([](BundleBuilder& b, auto& a) {
  b.bundle.id = b.id(at_c<0>(a));
  b.bundle.loc = {b.span(at_c<0>(a))};
  b.bundle.name = b.name(at_c<1>(a), "the bundle's name");
  const auto& v = at_c<2>(a);
  b.bundle.version = (*v.begin() == '"' || *v.begin() == '\'') ? b.str(v) : b.text(v);
});
const auto on_applicant = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "applicant", "the bundle");
  const range_t& r = at_c<1>(a);
  const std::string s = b.text(r);
  if (s == "enterprise") b.bundle.applicant = ir::ApplicantKind::enterprise;
  else if (s == "individual") b.bundle.applicant = ir::ApplicantKind::individual;
  else b.error(DiagCode::invalid_value, r, fmt::format("unknown applicant kind `{}`", s), "",
               "use `enterprise` (经营主体) or `individual` (个人)");
});
const auto on_lead = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "lead", "the bundle");
  b.bundle.lead = b.ref(at_c<1>(a));
});
const auto on_bundle_apply = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "apply", "the bundle");
  if (auto c = b.channel(at_c<1>(a), "`apply`", false)) b.bundle.apply = *c;
});
const auto on_bundle_delivery = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "delivery", "the bundle");
  if (auto c = b.channel(at_c<1>(a), "`delivery`", true)) b.bundle.delivery = *c;
});
const auto on_bundle_basis = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "basis", "the bundle");
  b.bundle.basis = b.str(at_c<1>(a));
});

const auto on_department = action([](BundleBuilder& b, auto& a) {
  ir::Department d;
  d.id = b.id(at_c<0>(a));
  d.loc = {b.span(at_c<0>(a))};
  d.name = b.name(at_c<1>(a), fmt::format("the name of department `{}`", d.id));
  b.bundle.departments.push_back(std::move(d));
});
const auto on_department_basis = action([](BundleBuilder& b, auto& r) { b.bundle.departments.back().basis = b.str(r); });

const auto on_field_begin = action([](BundleBuilder& b, auto& a) {
  b.field = ir::Field{};
  b.field_sensitive.reset();
  if (b.in_item) b.item_seen = std::move(b.seen);  // the item's properties resume after the field
  b.seen.clear();
  b.field.id = b.id(at_c<0>(a), true);
  b.field.loc = {b.span(at_c<0>(a))};
  if (auto t = b.type(at_c<1>(a))) b.field.type = *t;
  b.field.label = b.name(at_c<2>(a), "`label`");
});
const auto on_field_end = action([](BundleBuilder& b, auto&) {
  b.field.sensitive = b.field_sensitive.value_or(ir::sensitive_by_default(b.field.type));
  if (b.in_item) {
    b.item.form.push_back({ir::Ref{b.field.id, b.field.loc}, std::move(b.field)});
    b.seen = std::move(b.item_seen);
  } else {
    b.bundle.fields.push_back(std::move(b.field));
  }
});
const auto on_values = action([](BundleBuilder& b, auto& a) {
  const auto& list = at_c<1>(a);
  b.once(at_c<0>(a), "values", fmt::format("field `{}`", b.field.id));
  b.field.values_loc = {b.span(at_c<0>(a))};
  for (const auto& v : list) b.field.values.push_back(b.value(v));
});
const auto on_multiple = action([](BundleBuilder& b, auto&) { b.field.multiple = true; });
const auto on_optional_field = action([](BundleBuilder& b, auto&) { b.field.constraints.required = false; });
const auto on_sensitive = action([](BundleBuilder& b, auto& r) { b.field_sensitive = BundleBuilder::text(r) == "true"; });
const auto on_min = action([](BundleBuilder& b, auto& a) {
  b.field.constraints.min = b.number(at_c<1>(a));
  b.field.constraints.min_loc = {b.span(at_c<0>(a))};
});
const auto on_max = action([](BundleBuilder& b, auto& a) {
  b.field.constraints.max = b.number(at_c<1>(a));
  b.field.constraints.max_loc = {b.span(at_c<0>(a))};
});
const auto on_min_length = action([](BundleBuilder& b, auto& a) {
  b.field.constraints.min_length = b.integer(at_c<1>(a), "`min_length`", 0, 1'000'000);
  b.field.constraints.min_length_loc = {b.span(at_c<0>(a))};
});
const auto on_max_length = action([](BundleBuilder& b, auto& a) {
  b.field.constraints.max_length = b.integer(at_c<1>(a), "`max_length`", 0, 1'000'000);
  b.field.constraints.max_length_loc = {b.span(at_c<0>(a))};
});
const auto on_pattern = action([](BundleBuilder& b, auto& r) {
  b.field.constraints.pattern = b.str(r);
  b.field.constraints.pattern_loc = {b.span(r)};
});
const auto on_help = action([](BundleBuilder& b, auto& r) { b.field.help = b.str(r); });
const auto on_field_source = action([](BundleBuilder& b, auto& r) { b.field.source = b.id(r); });

const auto on_material = action([](BundleBuilder& b, auto& a) {
  b.material = ir::Material{};
  b.seen.clear();
  b.material.id = b.id(at_c<0>(a));
  b.material.loc = {b.span(at_c<0>(a))};
  b.material.name = b.name(at_c<1>(a), "`name`");
});
const auto on_deferrable = action([](BundleBuilder& b, auto& r) {
  b.material.deferrable = b.duration(r);
  if (b.material.deferrable && b.material.deferrable->days == 0 && b.material.deferrable->hours == 0) {
    b.error(DiagCode::invalid_value, r, "a deferral needs a supply deadline of at least `1wh`", "no time to supply",
            "give the supply deadline, e.g. `5wd`, or drop `deferrable`");
    b.material.deferrable.reset();
  }
});
const auto on_issue_before_supply = action([](BundleBuilder& b, auto& r) {
  b.material.issue_before_supply = true;
  if (!b.material.deferrable)
    b.error(DiagCode::invalid_value, r, "`issue_before_supply` applies only to a deferrable material",
            "the material is not deferrable", "write `deferrable 3wd` (for instance) before it, or drop it");
});
const auto on_source = action([](BundleBuilder& b, auto& r) { b.material.source = b.id(r); });
const auto on_material_pledge = action([](BundleBuilder& b, auto& r) {
  b.once(r, "pledge", fmt::format("material `{}`", b.material.id));
  b.material.pledge = true;
});
const auto on_material_basis = action([](BundleBuilder& b, auto& r) { b.material.basis = b.str(r); });
const auto on_material_end = action([](BundleBuilder& b, auto&) {
  if (b.material.issue_before_supply && !b.material.deferrable) b.material.issue_before_supply = false;
  b.bundle.materials.push_back(std::move(b.material));
});

const auto on_situation = action([](BundleBuilder& b, auto& a) {
  ir::Situation s;
  s.id = b.id(at_c<0>(a));
  s.loc = {b.span(at_c<0>(a))};
  if (const auto& label = at_c<1>(a)) s.label = b.str(*label);
  s.condition = b.expression(at_c<2>(a));
  b.bundle.situations.push_back(std::move(s));
});
const auto on_situation_basis = action([](BundleBuilder& b, auto& r) { b.bundle.situations.back().basis = b.str(r); });

const auto on_eligibility = action([](BundleBuilder& b, auto& a) {
  ir::Eligibility e;
  e.loc = {b.span(at_c<0>(a))};
  if (const auto& label = at_c<1>(a)) e.label = b.name(*label, "`label`");
  e.condition = b.expression(at_c<2>(a));
  b.bundle.eligibility.push_back(std::move(e));
});

const auto on_table_begin = action([](BundleBuilder& b, auto& a) {
  b.table = ir::DecisionTable{};
  b.table.id = b.id(at_c<0>(a));
  b.table.loc = {b.span(at_c<0>(a))};
  b.table.hit_loc = b.table.loc;
  if (const auto& label = at_c<1>(a)) b.table.label = b.str(*label);
});
const auto on_hit = action([](BundleBuilder& b, auto& r) {
  b.table.hit_loc = {b.span(r)};
  if (auto h = ir::parse_hit_policy(BundleBuilder::text(r))) b.table.hit = *h;
  else b.error(DiagCode::invalid_value, r, fmt::format("unknown hit policy `{}`", BundleBuilder::text(r)), "not a hit policy",
               "hit policies: unique, first, priority, any, collect, rule_order");
});
const auto on_aggregation = action([](BundleBuilder& b, auto& r) {
  if (auto g = ir::parse_aggregation(BundleBuilder::text(r))) b.table.aggregation = *g;
  else b.error(DiagCode::invalid_value, r, fmt::format("unknown aggregation `{}`", BundleBuilder::text(r)),
               "not an aggregation", "aggregations (with `hit collect`): sum, min, max, count");
});
template <bool Input>
struct column_action {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = bundle_builder(ctx);
    auto& a = x3::_attr(ctx);
    ir::TableColumn c;
    c.name = b.id(at_c<0>(a));
    c.loc = {b.span(at_c<0>(a))};
    if (auto t = b.type(at_c<1>(a))) c.type = *t;
    if (const auto& label = at_c<2>(a)) c.label = b.str(*label);
    each_range(at_c<3>(a), [&](const range_t& v) { c.values.push_back(b.value(v)); });
    (Input ? b.table.inputs : b.table.outputs).push_back(std::move(c));
  }
};
const auto on_rule = action([](BundleBuilder& b, auto& a) {
  ir::TableRule r;
  r.loc = {b.span(at_c<0>(a))};
  each_range(at_c<1>(a), [&](const range_t& c) { r.inputs.push_back(b.expression(c)); });
  each_range(at_c<2>(a), [&](const range_t& c) { r.outputs.push_back(b.expression(c)); });
  if (const auto& note = at_c<3>(a)) r.annotation = b.str(*note);
  b.table.rules.push_back(std::move(r));
});
const auto on_default = action([](BundleBuilder& b, auto& a) {
  for (const auto& c : a) b.table.default_outputs.push_back(b.expression(c));
});
const auto on_table_basis = action([](BundleBuilder& b, auto& r) { b.table.basis = b.str(r); });
const auto on_table_end = action([](BundleBuilder& b, auto&) { b.bundle.tables.push_back(std::move(b.table)); });

const auto on_item_begin = action([](BundleBuilder& b, auto& a) {
  b.item = ir::Item{};
  b.seen.clear();
  b.in_item = true;
  b.item.id = b.id(at_c<0>(a));
  b.item.loc = {b.span(at_c<0>(a))};
  b.item.name = b.name(at_c<1>(a), "`name`");
  b.item.department = b.ref(at_c<2>(a));
  each_range(at_c<3>(a), [&](const range_t& r) { b.item.after.push_back(b.ref(r)); });
  b.item.review.signers.push_back(ir::Signer{"reviewer", std::nullopt, 1, b.item.loc});
});
const auto on_form = action([](BundleBuilder& b, auto& list) {
  for (const auto& r : list) b.item.form.push_back({b.ref(r, true), std::nullopt});
});
const auto on_material_use = action([](BundleBuilder& b, auto& a) {
  b.item.materials.push_back({b.ref(at_c<1>(a)), at_c<0>(a)});
});
template <bool Statutory>
struct limit_action {
  template <class Ctx>
  void operator()(Ctx& ctx) const {
    auto& b = bundle_builder(ctx);
    auto& a = x3::_attr(ctx);
    b.once(at_c<0>(a), Statutory ? "statutory" : "promised", fmt::format("item `{}`", b.item.id));
    if (auto d = b.duration(at_c<1>(a))) {
      (Statutory ? b.item.statutory : b.item.promised) = *d;
      (Statutory ? b.item.statutory_loc : b.item.promised_loc) = ir::Loc{b.span(at_c<1>(a))};
    }
  }
};
const auto on_when = action([](BundleBuilder& b, auto& r) { b.item.when.push_back(b.expression(r)); });
const auto on_pledge = action([](BundleBuilder& b, auto& r) {
  b.once(r, "pledge", fmt::format("item `{}`", b.item.id));
  b.item.pledge = true;
});
const auto on_optional_item = action([](BundleBuilder& b, auto& r) {
  b.once(r, "optional", fmt::format("item `{}`", b.item.id));
  b.item.essential = false;
});
const auto on_fee = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "fee", fmt::format("item `{}`", b.item.id));
  if (auto f = b.fee(at_c<1>(a))) b.item.fee_fen = *f;
});
const auto on_inspection = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "inspection", fmt::format("item `{}`", b.item.id));
  b.item.inspection = b.id(at_c<1>(a));
});
const auto on_separately = action([](BundleBuilder& b, auto& r) {
  b.once(r, "separately", fmt::format("item `{}`", b.item.id));
  b.item.separately.loc = ir::Loc{b.span(r)};
});
const auto on_separately_limit = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "separately.limit", fmt::format("item `{}`", b.item.id));
  b.item.separately.limit = b.duration(at_c<1>(a));
});
const auto on_separately_apply = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "separately.apply", fmt::format("item `{}`", b.item.id));
  b.item.separately.apply = b.channel(at_c<1>(a), "`apply`", false);
});
const auto on_separately_delivery = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "separately.delivery", fmt::format("item `{}`", b.item.id));
  b.item.separately.delivery = b.channel(at_c<1>(a), "`delivery`", true);
});
const auto on_separately_steps = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "separately.steps", fmt::format("item `{}`", b.item.id));
  if (auto n = b.integer(at_c<1>(a), "`steps`", 1, 100)) b.item.separately.steps = static_cast<std::int32_t>(*n);
});
const auto on_item_basis = action([](BundleBuilder& b, auto& r) { b.item.basis = b.str(r); });
const auto on_review_begin = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "review", fmt::format("item `{}`", b.item.id));
  b.review = ir::Review{};
  b.review_weight = false;
  b.review.loc = {b.span(at_c<0>(a))};
  const std::string join = BundleBuilder::text(at_c<1>(a));
  if (auto k = ir::parse_join_kind(join)) b.review.join = *k;
  else b.error(DiagCode::invalid_value, at_c<1>(a), fmt::format("unknown join policy `{}`", join), "",
               "join policies: all (会签), any (或签), vote (票签), sequence (依次审批)");
});
const auto on_threshold = action([](BundleBuilder& b, auto& r) {
  b.review.threshold_loc = {b.span(r)};
  if (auto v = b.integer(r, "the threshold", -1'000'000, 1'000'000)) b.review.threshold = static_cast<std::int32_t>(*v);
  if (b.review.join != ir::JoinKind::vote)
    b.error(DiagCode::invalid_value, r, "a threshold only applies to `review vote`", "", "remove it, or write `review vote N [...]`");
});
const auto on_signer = action([](BundleBuilder& b, auto& a) {
  ir::Signer s;
  s.loc = {b.span(at_c<0>(a))};
  if (!b.review.signers_loc.span.valid()) b.review.signers_loc = s.loc;
  s.role = b.id(at_c<0>(a));
  if (const auto& d = at_c<1>(a)) s.department = b.ref(*d);
  if (const auto& w = at_c<2>(a)) {
    if (auto v = b.integer(*w, "a weight", 1, 1000)) s.weight = static_cast<std::int32_t>(*v);
    if (!b.review_weight) b.review_weight_span = b.span(*w);
    b.review_weight = true;
  }
  b.review.signers.push_back(std::move(s));
});
const auto on_review_end = action([](BundleBuilder& b, auto&) {
  if (b.review_weight && b.review.join != ir::JoinKind::vote)
    b.error_at(DiagCode::invalid_value, b.review_weight_span, "a weight only applies to `review vote`", "",
               "remove the weights, or write `review vote N [...]`");
  if (b.review.join == ir::JoinKind::vote && !b.review.threshold_loc.span.valid())
    b.error_at(DiagCode::missing_key, b.review.loc.span, "`review vote` needs a threshold",
               "write the threshold after `vote`", "e.g. `review vote 2 [reviewer, section_chief, director]`");
  b.item.review = std::move(b.review);
});
// ---- approvals { ... } (docs/approvals.md) ----
const auto on_approvals_begin = action([](BundleBuilder& b, auto& r) {
  b.once(r, "approvals", fmt::format("item `{}`", b.item.id));
  b.item.approvals = ir::Approvals{};
  b.item.approvals.loc = {b.span(r)};
});
const auto on_allow_begin = action([](BundleBuilder& b, auto& r) {
  b.once(r, "approvals.allow", fmt::format("the approvals of `{}`", b.item.id));
  b.item.approvals.allow.clear();
});
const auto on_allow_operation = action([](BundleBuilder& b, auto& r) {
  auto& ap = b.item.approvals;
  const std::string word = BundleBuilder::text(r);
  if (word == "all" || word == "none") {
    if (!ap.allow.empty() || b.seen.count("approvals.allow.word"))
      b.error(DiagCode::invalid_value, r, fmt::format("`{}` stands alone in `allow`", word), "",
              "write `allow all`, `allow none`, or list the operations");
    b.seen.insert("approvals.allow.word");
    if (word == "all")
      for (int o = 0; o <= static_cast<int>(ir::ApprovalOperation::remind); ++o)
        ap.allow.push_back(static_cast<ir::ApprovalOperation>(o));
    return;
  }
  auto o = ir::parse_approval_operation(word);
  if (!o) {
    static constexpr std::string_view names[] = {"claim",         "transfer", "delegate", "add_signer",
                                                 "remove_signer", "reclaim",  "remind",   "all", "none"};
    auto best = text::closest_match(word, names);
    b.error(DiagCode::invalid_value, r, fmt::format("unknown approval operation `{}`", word), "not an operation",
            best ? fmt::format("did you mean `{}`?", *best)
                 : std::string("operations: claim, transfer, delegate, add_signer, remove_signer, reclaim, remind"));
  } else if (ap.allows(*o)) {
    b.error(DiagCode::invalid_value, r, fmt::format("operation `{}` is listed twice", word), "listed again");
  } else {
    ap.allow.insert(std::upper_bound(ap.allow.begin(), ap.allow.end(), *o), *o);
  }
});
const auto on_supervisor = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "approvals.supervisor", fmt::format("the approvals of `{}`", b.item.id));
  b.item.approvals.supervisor = b.id(at_c<1>(a));
  b.item.approvals.supervisor_loc = {b.span(at_c<1>(a))};
});
const auto on_reject_begin = action([](BundleBuilder& b, auto& r) {
  b.once(r, "approvals.reject", fmt::format("the approvals of `{}`", b.item.id));
  b.item.approvals.reject_to.clear();
  b.item.approvals.reject_loc = {b.span(r)};
});
const auto on_reject_target = action([](BundleBuilder& b, auto& r) {
  auto& ap = b.item.approvals;
  const std::string word = BundleBuilder::text(r);
  ir::RejectTarget t;
  t.loc = {b.span(r)};
  if (word == "applicant") t.kind = ir::RejectTarget::Kind::applicant;
  else if (word == "previous") t.kind = ir::RejectTarget::Kind::previous;
  else if (word == "any") t.kind = ir::RejectTarget::Kind::any;
  else t = ir::RejectTarget{ir::RejectTarget::Kind::item, b.ref(r), t.loc};
  if (std::find(ap.reject_to.begin(), ap.reject_to.end(), t) != ap.reject_to.end())
    b.error(DiagCode::invalid_value, r, fmt::format("rejection target `{}` is listed twice", word), "listed again");
  else if (!ap.reject_to.empty() && (t.kind == ir::RejectTarget::Kind::any ||
                                     ap.reject_to.front().kind == ir::RejectTarget::Kind::any))
    b.error(DiagCode::invalid_value, r, "`any` already names every legal target", "",
            "write `reject to any` alone, or list the targets");
  else ap.reject_to.push_back(std::move(t));
});
const auto on_siblings = action([](BundleBuilder& b, auto& r) {
  if (auto p = ir::parse_sibling_policy(BundleBuilder::text(r))) b.item.approvals.siblings = *p;
  else b.error(DiagCode::invalid_value, r, fmt::format("unknown sibling policy `{}`", BundleBuilder::text(r)), "",
               "sibling policies: keep, cancel, redo");
});
const auto on_resume = action([](BundleBuilder& b, auto& r) {
  if (auto p = ir::parse_resume_policy(BundleBuilder::text(r))) b.item.approvals.resume = *p;
  else b.error(DiagCode::invalid_value, r, fmt::format("unknown resume policy `{}`", BundleBuilder::text(r)), "",
               "resume policies: rejecting_step (回到驳回节点), rerun (重新流转)");
});
// A working duration of at least one working hour.
inline std::optional<ir::WorkDuration> positive_duration(BundleBuilder& b, const range_t& r, std::string_view what) {
  auto d = b.duration(r);
  if (d && d->days == 0 && d->hours == 0) {
    b.error(DiagCode::invalid_value, r, fmt::format("{} must be at least `1wh`", what));
    return std::nullopt;
  }
  return d;
}
const auto on_remind_begin = action([](BundleBuilder& b, auto& r) {
  b.once(r, "approvals.remind", fmt::format("the approvals of `{}`", b.item.id));
  b.item.approvals.remind = ir::Reminders{};
  b.item.approvals.remind->loc = {b.span(r)};
});
const auto on_remind_first = action([](BundleBuilder& b, auto& r) {
  b.item.approvals.remind->first = positive_duration(b, r, "the first reminder");
});
const auto on_remind_every = action([](BundleBuilder& b, auto& r) {
  if (auto d = positive_duration(b, r, "the time between reminders")) b.item.approvals.remind->every = *d;
});
const auto on_remind_max = action([](BundleBuilder& b, auto& r) {
  if (auto n = b.integer(r, "the most reminders", 1, 20)) b.item.approvals.remind->max = static_cast<std::int32_t>(*n);
});
const auto on_auto_begin = action([](BundleBuilder& b, auto& a) {
  b.once(at_c<0>(a), "approvals.auto", fmt::format("the approvals of `{}`", b.item.id));
  ir::AutoDecision ad;
  ad.loc = {b.span(at_c<0>(a))};
  const std::string word = BundleBuilder::text(at_c<1>(a));
  if (word == "approve" || word == "reject") ad.approve = word == "approve";
  else b.error(DiagCode::invalid_value, at_c<1>(a), fmt::format("unknown automatic decision `{}`", word), "",
               "an automatic decision is `approve` (超时自动同意) or `reject` (超时自动驳回)");
  b.item.approvals.auto_decide = ad;
});
const auto on_auto_after = action([](BundleBuilder& b, auto& r) {
  b.item.approvals.auto_decide->after = positive_duration(b, r, "the time before the automatic decision");
});

const auto on_item_end = action([](BundleBuilder& b, auto&) {
  for (const char* key : {"statutory", "promised"})
    if (!b.seen.count(key))
      b.error_at(DiagCode::missing_key, b.item.loc.span, fmt::format("item `{}` has no `{}` limit", b.item.id, key),
                 "in this item", fmt::format("add `{} 5wd` (for instance) to its body", key));
  b.in_item = false;
  b.bundle.items.push_back(std::move(b.item));
});

const auto on_stage = action([](BundleBuilder& b, auto& a) {
  ir::Stage s;
  s.id = b.id(at_c<0>(a));
  s.loc = {b.span(at_c<0>(a))};
  if (const auto& name = at_c<1>(a)) s.name = b.str(*name);
  for (const auto& r : at_c<2>(a)) s.items.push_back(b.ref(r));
  b.bundle.stages.push_back(std::move(s));
});

// ---- Declarations -----------------------------------------------------------------------

x3::rule<struct bundle_header_id> const bundle_header = "the bundle header";
const auto bundle_header_def =
    (kw("bundle") > id_token > string_literal > kw("version") > version_token)[on_header] > '{';

x3::rule<struct bundle_property_id> const bundle_property = "a bundle property";
const auto bundle_property_def =
    (keyword_token("applicant") > id_token)[on_applicant] | (keyword_token("lead") > id_token)[on_lead] |
    (keyword_token("apply") > id_token)[on_bundle_apply] | (keyword_token("delivery") > id_token)[on_bundle_delivery] |
    (keyword_token("basis") > string_literal)[on_bundle_basis];

x3::rule<struct department_id> const department = "a department";
const auto department_def =
    (kw("department") > id_token > string_literal)[on_department] >
    -(x3::lit('{') > *((kw("basis") > string_literal)[on_department_basis]) > '}');

x3::rule<struct field_property_id> const field_property = "a field property";
const auto field_property_def =
    (keyword_token("values") > value_list)[on_values] | kw("multiple")[on_multiple] |
    kw("optional")[on_optional_field] |
    (kw("sensitive") > bool_token)[on_sensitive] |
    (keyword_token("min_length") > number_token)[on_min_length] |
    (keyword_token("max_length") > number_token)[on_max_length] | (keyword_token("min") > number_token)[on_min] |
    (keyword_token("max") > number_token)[on_max] | (kw("pattern") > string_literal)[on_pattern] |
    (kw("help") > string_literal)[on_help] | (kw("source") > id_token)[on_field_source];

x3::rule<struct field_id> const field = "a field";
const auto field_def =
    (kw("field") > path_token > id_token > string_literal)[on_field_begin] >
    -(x3::lit('{') > *field_property > '}') > x3::eps[on_field_end];

x3::rule<struct material_property_id> const material_property = "a material property";
const auto material_property_def =
    (kw("deferrable") > duration_literal)[on_deferrable] |
    keyword_token("issue_before_supply")[on_issue_before_supply] | (kw("source") > id_token)[on_source] |
    keyword_token("pledge")[on_material_pledge] |
    (kw("basis") > string_literal)[on_material_basis];

x3::rule<struct material_id> const material = "a material";
const auto material_def =
    (kw("material") > id_token > string_literal)[on_material] >
    -(x3::lit('{') > *material_property > '}') > x3::eps[on_material_end];

x3::rule<struct situation_id> const situation = "a situation";
const auto situation_def =
    (kw("situation") > id_token > -string_literal > '=' > expression_text)[on_situation] >
    -(x3::lit('{') > *((kw("basis") > string_literal)[on_situation_basis]) > '}');

x3::rule<struct eligibility_id> const eligibility = "an eligibility condition";
const auto eligibility_def =
    (keyword_token("eligibility") > -string_literal > '=' > expression_text)[on_eligibility];

x3::rule<struct table_property_id> const table_property = "a table line (input, output, rule, default or basis)";
const auto table_property_def =
    (kw("input") > id_token > id_token > -string_literal > optional_values)[column_action<true>{}] |
    (kw("output") > id_token > id_token > -string_literal > optional_values)[column_action<false>{}] |
    (keyword_token("rule") > cell_list > "=>" > output_list >
     -(kw("annotation") > string_literal))[on_rule] |
    (kw("default") > output_list)[on_default] | (kw("basis") > string_literal)[on_table_basis];

x3::rule<struct table_id> const table = "a decision table";
const auto table_def =
    (kw("table") > id_token > -string_literal)[on_table_begin] >
    -(kw("hit") > id_token[on_hit] > -id_token[on_aggregation]) > '{' > *table_property > '}' > x3::eps[on_table_end];

x3::rule<struct signer_id> const signer = "a signer";
const auto signer_def =
    (id_token > -(x3::lit('@') > id_token) > -(kw("weight") > number_token))[on_signer];

x3::rule<struct separately_property_id> const separately_property =
    "a property of `separately` (limit, apply, delivery or steps)";
const auto separately_property_def =
    (keyword_token("limit") > duration_literal)[on_separately_limit] |
    (keyword_token("apply") > id_token)[on_separately_apply] |
    (keyword_token("delivery") > id_token)[on_separately_delivery] |
    (keyword_token("steps") > number_token)[on_separately_steps];

x3::rule<struct approvals_property_id> const approvals_property =
    "a property of `approvals` (allow, supervisor, reject, remind or auto)";
const auto approvals_property_def =
    (keyword_token("allow")[on_allow_begin] > (id_token[on_allow_operation] % ',')) |
    (keyword_token("supervisor") > id_token)[on_supervisor] |
    (keyword_token("reject")[on_reject_begin] > kw("to") > (id_token[on_reject_target] % ',') >
     -(kw("siblings") > id_token[on_siblings]) > -(kw("resume") > id_token[on_resume])) |
    (keyword_token("remind")[on_remind_begin] > -(kw("first") > duration_literal[on_remind_first]) > kw("every") >
     duration_literal[on_remind_every] > -(kw("max") > number_token[on_remind_max])) |
    ((keyword_token("auto") > id_token)[on_auto_begin] > -(kw("after") > duration_literal[on_auto_after]));

x3::rule<struct material_use_id> const material_use = "a material id (`core` before it marks a core material)";
const auto material_use_def = (x3::matches[kw("core")] >> id_token)[on_material_use];

x3::rule<struct item_property_id> const item_property = "an item property";
const auto item_property_def =
    (kw("form") > path_list)[on_form] | field |
    (kw("materials") > (material_use % ',')) |
    (keyword_token("statutory") > duration_literal)[limit_action<true>{}] |
    (keyword_token("promised") > duration_literal)[limit_action<false>{}] |
    (kw("when") > expression_text)[on_when] | keyword_token("pledge")[on_pledge] |
    keyword_token("optional")[on_optional_item] | (keyword_token("fee") > number_token)[on_fee] |
    (keyword_token("inspection") > id_token)[on_inspection] |
    (keyword_token("separately")[on_separately] > '{' > *separately_property > '}') |
    (keyword_token("approvals")[on_approvals_begin] > '{' > *approvals_property > '}') |
    ((keyword_token("review") > id_token)[on_review_begin] > -number_token[on_threshold] >
     -(x3::lit('[') > (signer % ',') > ']') > x3::eps[on_review_end]) |
    (kw("basis") > string_literal)[on_item_basis];

x3::rule<struct item_id> const item = "an item";
const auto item_def =
    (kw("item") > id_token > string_literal > kw("by") > id_token > after_list)[on_item_begin] >
    '{' > *item_property > '}' > x3::eps[on_item_end];

x3::rule<struct stage_id> const stage = "a stage";
const auto stage_def =
    (kw("stage") > id_token > -string_literal > '{' > kw("items") > id_list > '}')[on_stage];

x3::rule<struct declaration_id> const declaration = "a declaration";
const auto declaration_def =
    bundle_property | department | field | material | situation | eligibility | table | item | stage;

BOOST_SPIRIT_DEFINE(id_token, path_token, number_token, version_token, value_token, expression_text, cell_text,
                    value_list, id_list, after_list, cell_list, output_list, optional_values, path_list, bool_token)
BOOST_SPIRIT_DEFINE(bundle_header, bundle_property, department, field_property, field, material_property, material,
                    situation, eligibility, table_property, table, signer, separately_property, approvals_property,
                    material_use, item_property,
                    item, stage,
                    declaration)

/// Words that start a top-level declaration (where the parser resynchronises after an error).
inline constexpr std::string_view declaration_keywords[] = {
    "applicant", "lead", "apply", "delivery", "basis", "department", "field", "material", "situation", "eligibility", "table", "item", "stage"};

}  // namespace yishi::dsl::grammar
