// The checker: one pass per concern, each adding diagnostics to a shared collection.
#include "yishi/check/check.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "yishi/base/text.hpp"
#include "yishi/check/expressions.hpp"

namespace yishi {
namespace {

/// The largest repeat count a field's `pattern` may give (`a{1000}`, `a{2,1000}`).
constexpr std::uint64_t max_pattern_repeat = 1000;

/// The first repeat count of `pattern` above max_pattern_repeat, as written, if any. They are
/// refused before std::regex sees them: libstdc++ reads the number with a signed overflow
/// (tests/regress/yaml-pattern-repeat-count-overflows-std-regex) and builds a state per
/// repetition. Escaped characters and bracket expressions (`[{}]`) hold no counts.
std::optional<std::string_view> too_large_repeat(std::string_view pattern) {
  bool in_class = false;
  for (std::size_t k = 0; k < pattern.size(); ++k) {
    const char c = pattern[k];
    if (c == '\\') { ++k; continue; }
    if (in_class) { in_class = c != ']'; continue; }
    if (c == '[') { in_class = true; continue; }
    if (c != '{') continue;
    for (std::size_t j = k + 1; j < pattern.size();) {  // {m}, {m,}, {m,n}
      std::size_t end = j;
      std::uint64_t value = 0;
      while (end < pattern.size() && pattern[end] >= '0' && pattern[end] <= '9') {
        value = std::min<std::uint64_t>(value * 10 + static_cast<std::uint64_t>(pattern[end] - '0'), max_pattern_repeat + 1);
        ++end;
      }
      if (value > max_pattern_repeat) {
        const std::size_t close = pattern.find('}', k);
        return close == std::string_view::npos ? pattern.substr(k) : pattern.substr(k, close - k + 1);
      }
      if (end < pattern.size() && pattern[end] == ',' && end > j) { j = end + 1; continue; }
      break;
    }
  }
  return std::nullopt;
}

// Working hours per working day used to compare limits given in days and hours.
constexpr std::int64_t hours_per_day = 8;
std::int64_t total_hours(const ir::WorkDuration& d) { return d.days * hours_per_day + d.hours; }

template <class T>
std::vector<std::string_view> ids_of(const std::vector<T>& v) {
  std::vector<std::string_view> out;
  out.reserve(v.size());
  for (const auto& x : v) out.push_back(x.id);
  return out;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& cands) {
  auto best = text::closest_match(word, cands);
  return best ? fmt::format("did you mean `{}`?", *best) : std::string{};
}

class Checker {
 public:
  Checker(const ir::Bundle& b, const CheckOptions& o) : b_(b), opts_(o) {}

  Diagnostics run() {
    if (b_.items.empty())
      add(Diagnostic::make(DiagCode::empty_bundle, b_.loc.span, fmt::format("bundle `{}` has no items", b_.id))
              .label("declares nothing to deliver")
              .with_help("add at least one item under `items`"));
    duplicates(b_.departments, "department");
    duplicates(b_.fields, "field");
    duplicates(b_.materials, "material");
    duplicates(b_.situations, "situation");
    duplicates(b_.items, "item");
    duplicates(b_.stages, "stage");
    departments();
    fields();
    materials();
    expressions_ = check_expressions(b_, d_);
    items();
    const std::size_t errors_before_order = d_.error_count();
    cycles();
    stages();
    // On a broken order, "comes before" means nothing: no rejection-target errors on top.
    if (d_.error_count() == errors_before_order) approvals();
    if (opts_.warnings) warnings();
    d_.sort();
    return std::move(d_);
  }

 private:
  void add(Diagnostic d) { d_.add(std::move(d)); }

  template <class T>
  void duplicates(const std::vector<T>& v, std::string_view kind) {
    std::unordered_map<std::string_view, const T*> first;
    for (const auto& x : v) {
      auto [it, fresh] = first.emplace(x.id, &x);
      if (!fresh)
        add(Diagnostic::make(DiagCode::duplicate_id, x.loc.span, fmt::format("duplicate {} id `{}`", kind, x.id))
                .label("declared again here")
                .also(it->second->loc.span, "first declared here"));
    }
  }

  // "unknown <kind> `id`", underlined, with the closest declared id as a suggestion.
  template <class T>
  void unknown(DiagCode code, std::string_view kind, const ir::Ref& r, const std::vector<T>& declared) {
    add(Diagnostic::make(code, r.loc.span, fmt::format("unknown {} `{}`", kind, r.id))
            .label(fmt::format("no {} with this id", kind))
            .with_help(did_you_mean(r.id, ids_of(declared))));
  }
  void unknown_department(const ir::Ref& r) { unknown(DiagCode::unknown_department, "department", r, b_.departments); }

  void unknown_item(const ir::Ref& r) { unknown(DiagCode::unknown_item, "item", r, b_.items); }

  void departments() {
    if (!b_.lead.id.empty() && !b_.find_department(b_.lead.id)) unknown_department(b_.lead);
    // When an item names an unknown department, the lead may well be the one meant: the
    // unknown department is the error to fix, not a second one about the lead.
    const bool all_known = std::all_of(b_.items.begin(), b_.items.end(),
                                       [&](const ir::Item& i) { return b_.find_department(i.department.id) != nullptr; });
    if (b_.find_department(b_.lead.id) && !b_.items.empty() && all_known) {
      const bool handles = std::any_of(b_.items.begin(), b_.items.end(),
                                       [&](const ir::Item& i) { return i.department.id == b_.lead.id; });
      if (!handles)
        add(Diagnostic::make(DiagCode::lead_handles_nothing, b_.lead.loc.span,
                             fmt::format("lead department `{}` handles no item", b_.lead.id))
                .label("lead department")
                .with_help("the lead department (牵头部门) should handle at least the bundle's main item"));
    }
  }

  // Every definition of a field id: the dictionary entry and inline form definitions.
  std::map<std::string, std::vector<const ir::Field*>, std::less<>> field_defs() const {
    std::map<std::string, std::vector<const ir::Field*>, std::less<>> defs;
    for (const auto& f : b_.fields) defs[f.id].push_back(&f);
    for (const auto& it : b_.items)
      for (const auto& fe : it.form)
        if (fe.inline_definition) defs[fe.field.id].push_back(&*fe.inline_definition);
    return defs;
  }

  void constraints(const ir::Field& f) {
    using T = ir::FieldType;
    const auto& c = f.constraints;
    const bool numeric = f.type == T::integer || f.type == T::decimal;
    const bool textual = f.type == T::string || f.type == T::id_card || f.type == T::phone || f.type == T::address;
    // Points at the offending constraint when it was written, else at the field.
    auto bad = [&](const ir::Loc& at, std::string msg, std::string label, std::string help = {}) {
      add(Diagnostic::make(DiagCode::invalid_constraint, at.span.valid() ? at.span : f.loc.span, std::move(msg))
              .label(std::move(label))
              .with_help(std::move(help)));
    };
    const std::string type = std::string(ir::to_string(f.type));
    if ((c.min || c.max) && !numeric)
      bad(c.min ? c.min_loc : c.max_loc, fmt::format("field `{}` of type `{}` cannot have `min` or `max`", f.id, type),
          "only for numbers", "`min` and `max` apply to `int` and `decimal` fields; use `min_length`/`max_length` for text");
    if (c.min && c.max && *c.min > *c.max)
      bad(c.min_loc, fmt::format("field `{}` has `min` {} above `max` {}", f.id, *c.min, *c.max), "no value can satisfy this");
    if ((c.min_length || c.max_length || c.pattern) && !textual)
      bad(c.pattern ? c.pattern_loc : (c.min_length ? c.min_length_loc : c.max_length_loc),
          fmt::format("field `{}` of type `{}` cannot have a length or pattern constraint", f.id, type), "only for text",
          "`min_length`, `max_length` and `pattern` apply to string, id_card, phone and address fields");
    if (c.min_length && c.max_length && *c.min_length > *c.max_length)
      bad(c.min_length_loc,
          fmt::format("field `{}` has `min_length` {} above `max_length` {}", f.id, *c.min_length, *c.max_length),
          "no answer can satisfy this");
    if (c.pattern && too_large_repeat(*c.pattern)) {
      bad(c.pattern_loc,
          fmt::format("field `{}` has a `pattern` that repeats too often: `{}`", f.id, *too_large_repeat(*c.pattern)),
          "repeat count too large", fmt::format("a repeat count may be at most {}", max_pattern_repeat));
    } else if (c.pattern) {
      try {
        std::regex re(*c.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        bad(c.pattern_loc, fmt::format("field `{}` has an invalid `pattern`", f.id), "not a regular expression",
            "patterns are ECMAScript regular expressions");
      }
    }
    if (f.type == T::enumeration && f.values.empty())
      bad(f.values_loc, fmt::format("enum field `{}` has no `values`", f.id), "no answers to choose from",
          "list the allowed answers under `values`");
    if (f.type != T::enumeration && (!f.values.empty() || f.multiple))
      bad(f.values_loc, fmt::format("field `{}` of type `{}` cannot have `values` or `multiple`", f.id, type),
          "only for enums", "only `enum` fields list values");
    std::set<std::string_view> seen;
    for (const auto& v : f.values)
      if (!seen.insert(v).second)
        bad(f.values_loc, fmt::format("enum field `{}` lists the value `{}` twice", f.id, v), "duplicate value");
  }

  void fields() {
    for (const auto& f : b_.fields) constraints(f);
    for (const auto& it : b_.items)
      for (const auto& fe : it.form)
        if (fe.inline_definition) constraints(*fe.inline_definition);
    for (const auto& [id, defs] : field_defs()) {
      for (std::size_t k = 1; k < defs.size(); ++k) {
        const ir::Field& a = *defs[0];
        const ir::Field& b = *defs[k];
        if (a.type != b.type)
          add(Diagnostic::make(DiagCode::field_type_conflict, b.loc.span,
                               fmt::format("field `{}` is defined as `{}` here but as `{}` elsewhere", id,
                                           ir::to_string(b.type), ir::to_string(a.type)))
                  .label(fmt::format("defined as `{}`", ir::to_string(b.type)))
                  .also(a.loc.span, fmt::format("defined as `{}`", ir::to_string(a.type)))
                  .with_help("a merged form asks each field once, so every definition must have the same type"));
        else if (a.values != b.values || a.multiple != b.multiple)
          add(Diagnostic::make(DiagCode::field_type_conflict, b.loc.span,
                               fmt::format("field `{}` is defined with other enum values than elsewhere", id))
                  .label("these values")
                  .also(a.loc.span, "differ from these")
                  .with_help("a merged form asks each field once, so its enum values must agree"));
      }
      // Same type: the merged form asks under the strictest of the definitions, which must
      // still admit an answer. Reported once, at the definition that made it impossible.
      ir::FieldConstraints merged = defs[0]->constraints;
      for (std::size_t k = 1; k < defs.size(); ++k) {
        if (defs[k]->type != defs[0]->type) break;
        merged = ir::strictest(merged, defs[k]->constraints);
        if (ir::satisfiable(merged)) continue;
        const bool numeric = merged.min && merged.max && *merged.min > *merged.max;
        const ir::Field& other = *std::find_if(defs.begin(), defs.begin() + static_cast<std::ptrdiff_t>(k), [&](const ir::Field* f) {
          return numeric ? (f->constraints.min == merged.min || f->constraints.max == merged.max)
                         : (f->constraints.min_length == merged.min_length || f->constraints.max_length == merged.max_length);
        })[0];
        const std::string range = numeric ? fmt::format("at least {} and at most {}", *merged.min, *merged.max)
                                           : fmt::format("at least {} and at most {} characters", *merged.min_length, *merged.max_length);
        add(Diagnostic::make(DiagCode::incompatible_constraints, defs[k]->loc.span,
                             fmt::format("field `{}` cannot be asked once: together its definitions require {}", id, range))
                .label("this definition")
                .also(other.loc.span, "conflicts with this one")
                .with_help("a merged form asks each field once under all its definitions; make their ranges overlap"));
        break;
      }
    }
    for (const auto& it : b_.items)
      for (const auto& fe : it.form)
        if (!fe.inline_definition && !field_known(fe.field.id)) unknown_field(fe.field.id, fe.field.loc.span);
  }

  bool field_known(std::string_view id) {
    if (field_ids_.empty()) {  // built on first use: dictionary and inline definitions
      for (const auto& f : b_.fields) field_ids_.insert(f.id);
      for (const auto& it : b_.items)
        for (const auto& fe : it.form)
          if (fe.inline_definition) field_ids_.insert(fe.field.id);
      field_ids_.insert("");  // marks the index as built even for a bundle without fields
    }
    return !id.empty() && field_ids_.count(id) > 0;
  }

  void unknown_field(std::string_view id, SourceSpan at) {
    std::vector<std::string> names;
    for (const auto& [k, v] : field_defs()) names.push_back(k);
    std::vector<std::string_view> views(names.begin(), names.end());
    add(Diagnostic::make(DiagCode::unknown_field, at, fmt::format("unknown field `{}`", id))
            .label("no field with this id")
            .with_help(did_you_mean(id, views)));
  }

  void materials() {
    for (const auto& it : b_.items) {
      for (const auto& mu : it.materials) {
        const ir::Material* m = b_.find_material(mu.material.id);
        if (!m) {
          unknown(DiagCode::unknown_material, "material", mu.material, b_.materials);
          continue;
        }
        if (mu.core && m->deferrable)
          add(Diagnostic::make(DiagCode::deferrable_core_material, mu.material.loc.span,
                               fmt::format("material `{}` is core to item `{}` but declared deferrable", m->id, it.id))
                  .label("core to this item")
                  .also(m->loc.span, "declared deferrable here")
                  .with_help("容缺受理 only applies to non-core materials: drop `deferrable` or `core`"));
      }
    }
  }

  void items() {
    for (std::size_t k = 0; k < b_.items.size(); ++k) when_terms(b_.items[k], k);
    for (const auto& it : b_.items) {
      if (!b_.find_department(it.department.id)) unknown_department(it.department);
      for (const auto& a : it.after)
        if (!b_.find_item(a.id)) unknown_item(a);
      if (total_hours(it.promised) > total_hours(it.statutory))
        add(Diagnostic::make(DiagCode::promised_exceeds_statutory, it.promised_loc.span,
                             fmt::format("item `{}` promises {} but its statutory limit is {}", it.id,
                                         ir::to_string(it.promised), ir::to_string(it.statutory)))
                .label("promised limit")
                .also(it.statutory_loc.span, "statutory limit")
                .with_help("the promised limit (承诺时限) may not exceed the statutory limit (法定时限)"));
      if (it.separately.limit && total_hours(*it.separately.limit) > total_hours(it.statutory))
        add(Diagnostic::make(DiagCode::baseline_beyond_statutory, it.separately.loc.span,
                             fmt::format("item `{}` takes {} on its own but its statutory limit is {}", it.id,
                                         ir::to_string(*it.separately.limit), ir::to_string(it.statutory)))
                .label("baseline")
                .also(it.statutory_loc.span, "statutory limit")
                .with_help("an item applied for on its own is decided within its statutory limit (法定时限); a longer "
                           "baseline inflates the time the report says the bundle saves"));
      repeated_in_item(it);
      review(it);
    }
  }

  // Approval operations (docs/approvals.md): rejection targets must come before the step, a
  // supervisor needs something to supervise, and the policies and timers must make sense.
  void approvals() {
    const auto ancestors = ir::item_ancestors(b_);
    std::vector<std::vector<std::uint32_t>> direct(b_.items.size());
    for (auto [from, to] : ir::dependency_edges(b_)) direct[to].push_back(from);
    auto comes_after = [&](std::uint32_t i, std::uint32_t j) {  // i comes after j
      return std::binary_search(ancestors[i].begin(), ancestors[i].end(), j);
    };
    for (std::uint32_t i = 0; i < b_.items.size(); ++i) {
      const ir::Item& it = b_.items[i];
      const ir::Approvals& ap = it.approvals;
      bool step_target = false;
      for (const ir::RejectTarget& t : ap.reject_to) {
        step_target |= t.kind != ir::RejectTarget::Kind::applicant;
        if (t.kind == ir::RejectTarget::Kind::previous) {
          auto preds = direct[i];
          std::sort(preds.begin(), preds.end());
          preds.erase(std::unique(preds.begin(), preds.end()), preds.end());
          if (opts_.warnings && preds.size() > 1)
            add(Diagnostic::make(DiagCode::ambiguous_previous, t.loc.span,
                                 fmt::format("`previous` of `{}` may be ambiguous: it comes directly after `{}` and `{}`",
                                             it.id, b_.items[preds[0]].id, b_.items[preds[1]].id))
                    .label("several steps before")
                    .with_help("name the step to reject back to"));
        }
        if (t.kind != ir::RejectTarget::Kind::item) continue;
        const ir::Item* target = b_.find_item(t.item.id);
        if (!target) {
          unknown_item(t.item);
          continue;
        }
        const auto j = static_cast<std::uint32_t>(target - b_.items.data());
        if (comes_after(i, j)) continue;
        if (j == i || comes_after(j, i)) {
          add(Diagnostic::make(DiagCode::reject_target_not_before, t.loc.span,
                               j == i ? fmt::format("item `{}` cannot reject back to itself", it.id)
                                      : fmt::format("item `{}` cannot reject back to `{}`: `{}` comes after it", it.id,
                                                    target->id, target->id))
                  .label(j == i ? "the step itself" : "comes after this item")
                  .also(target->loc.span, "declared here")
                  .with_help("a step can only be rejected back to a step it comes after, to `previous` or to `applicant`"));
          continue;
        }
        auto d = Diagnostic::make(DiagCode::reject_target_parallel, t.loc.span,
                                  fmt::format("item `{}` cannot reject back to `{}`: they run in parallel", it.id, target->id))
                     .label("in a parallel branch")
                     .also(target->loc.span, "declared here");
        // The nearest step both come after, if any: the last common ancestor in declaration order
        // among those with the most ancestors of their own.
        std::optional<std::uint32_t> common;
        for (std::uint32_t a : ancestors[i])
          if (comes_after(j, a) && (!common || ancestors[a].size() > ancestors[*common].size())) common = a;
        add(std::move(d).with_help(common ? fmt::format("reject back to a step both come after, such as `{}`",
                                                        b_.items[*common].id)
                                          : std::string("reject back to a step both come after, or to `applicant`")));
      }
      if (!ap.supervisor.empty() && !ap.allows(ir::ApprovalOperation::add_signer) &&
          !ap.allows(ir::ApprovalOperation::remove_signer) && !ap.allows(ir::ApprovalOperation::transfer))
        add(Diagnostic::make(DiagCode::supervisor_without_operations, ap.supervisor_loc.span,
                             fmt::format("supervisor `{}` of `{}` has nothing to supervise", ap.supervisor, it.id))
                .label("no operation to supervise")
                .with_help("allow `add_signer`, `remove_signer` or `transfer`, or drop `supervisor`"));
      if (!opts_.warnings) continue;
      const ir::Approvals defaults;
      if (!step_target && (ap.siblings != defaults.siblings || ap.resume != defaults.resume))
        add(Diagnostic::make(DiagCode::reject_policy_unused, ap.reject_loc.span,
                             fmt::format("`{}` of `{}` has no effect: it can only reject back to the applicant",
                                         ap.siblings != defaults.siblings ? "siblings" : "resume", it.id))
                .label("no earlier step to reject back to")
                .with_help("add a step to `reject.to`, or remove the policy"));
      if (ap.auto_decide && ap.auto_decide->after && total_hours(*ap.auto_decide->after) > total_hours(it.statutory))
        add(Diagnostic::make(DiagCode::auto_decision_beyond_statutory, ap.auto_decide->loc.span,
                             fmt::format("item `{}` decides automatically after {}, beyond its statutory limit {}", it.id,
                                         ir::to_string(*ap.auto_decide->after), ir::to_string(it.statutory)))
                .label("automatic decision")
                .also(it.statutory_loc.span, "statutory limit")
                .with_help("decide within the statutory limit (法定时限)"));
      if (ap.remind && total_hours(ap.remind->first.value_or(ap.remind->every)) > total_hours(it.promised))
        add(Diagnostic::make(DiagCode::reminder_after_deadline, ap.remind->loc.span,
                             fmt::format("the first reminder of `{}` comes after its promised limit {}", it.id,
                                         ir::to_string(it.promised)))
                .label("first reminder")
                .also(it.promised_loc.span, "promised limit")
                .with_help("remind before the promised limit (承诺时限)"));
    }
  }

  // The same field or material listed twice by one item is a slip: each is asked once.
  void repeated_in_item(const ir::Item& it) {
    auto twice = [&](std::string_view kind, const ir::Ref& again, const ir::Ref& first, std::string_view where) {
      add(Diagnostic::make(DiagCode::duplicate_id, again.loc.span,
                           fmt::format("{} `{}` appears twice in the {} of item `{}`", kind, again.id, where, it.id))
              .label("listed again here")
              .also(first.loc.span, "first listed here"));
    };
    std::unordered_map<std::string_view, const ir::Ref*> fields, materials;
    for (const auto& fe : it.form)
      if (auto [at, fresh] = fields.emplace(fe.field.id, &fe.field); !fresh) twice("field", fe.field, *at->second, "form");
    for (const auto& mu : it.materials)
      if (auto [at, fresh] = materials.emplace(mu.material.id, &mu.material); !fresh)
        twice("material", mu.material, *at->second, "materials");
  }

  // An item whose `when` conditions cannot all hold, whatever the situations are: each
  // situation (and each other yes/no part) is a free variable, except situations whose
  // condition is the constant `true` or `false`. With up to 12 variables every assignment is
  // tried; beyond that the item is assumed satisfiable.
  void when_terms(const ir::Item& it, std::size_t k) {
    const auto& terms = expressions_.when[k];
    if (terms.empty() || std::any_of(terms.begin(), terms.end(), [](const auto& t) { return !t; })) return;
    std::map<std::pair<std::size_t, std::uint32_t>, std::size_t> variables;  // (term, node) or situation
    std::map<std::uint32_t, std::size_t> situation_variables;
    std::vector<std::optional<bool>> constant_situation(b_.situations.size());
    for (std::size_t s = 0; s < b_.situations.size() && s < expressions_.situations.size(); ++s) {
      const auto& c = expressions_.situations[s];
      if (c && c->ast.nodes[c->ast.root].kind == expr::NodeKind::boolean) constant_situation[s] = c->ast.nodes[c->ast.root].flag;
    }
    // Numbers the variables of a term: every atom, visited without short-circuit.
    auto is_situation = [&](std::size_t t, std::uint32_t i) {
      const auto& c = *terms[t];
      return c.ast.nodes[i].kind == expr::NodeKind::name && c.typed.nodes[i].resolved == expr::Resolved::situation;
    };
    std::function<void(std::size_t, std::uint32_t)> number = [&](std::size_t t, std::uint32_t i) {
      const auto& n = terms[t]->ast.nodes[i];
      if (n.kind == expr::NodeKind::boolean) return;
      if (n.kind == expr::NodeKind::not_ ||
          (n.kind == expr::NodeKind::binary && (n.op == expr::BinaryOp::and_ || n.op == expr::BinaryOp::or_))) {
        for (auto c : n.children) number(t, c);
        return;
      }
      if (is_situation(t, i)) {
        const auto s = terms[t]->typed.nodes[i].index;
        if (!constant_situation[s]) situation_variables.emplace(s, situation_variables.size() + variables.size());
      } else {
        variables.emplace(std::pair{t, i}, situation_variables.size() + variables.size());
      }
    };
    // Evaluates the boolean structure of a term under an assignment of the variables.
    std::function<bool(std::size_t, std::uint32_t, std::uint32_t)> eval = [&](std::size_t t, std::uint32_t i,
                                                                              std::uint32_t bits) -> bool {
      const auto& n = terms[t]->ast.nodes[i];
      if (n.kind == expr::NodeKind::boolean) return n.flag;
      if (n.kind == expr::NodeKind::not_) return !eval(t, n.children[0], bits);
      if (n.kind == expr::NodeKind::binary && n.op == expr::BinaryOp::and_)
        return eval(t, n.children[0], bits) && eval(t, n.children[1], bits);
      if (n.kind == expr::NodeKind::binary && n.op == expr::BinaryOp::or_)
        return eval(t, n.children[0], bits) || eval(t, n.children[1], bits);
      std::size_t v;
      if (is_situation(t, i)) {
        const auto s = terms[t]->typed.nodes[i].index;
        if (constant_situation[s]) return *constant_situation[s];
        v = situation_variables.at(s);
      } else {
        v = variables.at(std::pair{t, i});
      }
      return v < 32 && ((bits >> v) & 1u);
    };
    for (std::size_t t = 0; t < terms.size(); ++t) number(t, terms[t]->ast.root);
    const std::size_t n_vars = situation_variables.size() + variables.size();
    if (n_vars > 12) return;
    for (std::uint32_t bits = 0; bits < (1u << n_vars); ++bits) {
      bool all = true;
      for (std::size_t t = 0; t < terms.size() && all; ++t) all = eval(t, terms[t]->ast.root, bits);
      if (all) return;
    }
    auto d = Diagnostic::make(DiagCode::never_activatable, it.when.front().loc.span,
                              fmt::format("item `{}` can never be active: its `when` conditions cannot all hold", it.id))
                 .label(terms.size() > 1 ? "these conditions contradict each other" : "this condition never holds");
    for (std::size_t t = 1; t < it.when.size(); ++t) (void)std::move(d).also(it.when[t].loc.span, "together with this one");
    for (std::size_t s = 0; s < constant_situation.size(); ++s)
      if (constant_situation[s]) {
        for (std::size_t t = 0; t < terms.size(); ++t)
          if (std::find(terms[t]->typed.situations.begin(), terms[t]->typed.situations.end(), s) !=
              terms[t]->typed.situations.end())
            (void)std::move(d).note(fmt::format("situation `{}` is the constant `{}`", b_.situations[s].id,
                                              *constant_situation[s] ? "true" : "false"));
      }
    add(std::move(d));
  }

  void review(const ir::Item& it) {
    const auto& rv = it.review;
    for (const auto& s : rv.signers)
      if (s.department && !b_.find_department(s.department->id)) unknown_department(*s.department);
    if (rv.signers.empty()) {
      add(Diagnostic::make(DiagCode::no_signers, rv.signers_loc.span.valid() ? rv.signers_loc.span : rv.loc.span,
                           fmt::format("the review of `{}` has no signers", it.id))
              .label("empty `signers`")
              .with_help("list at least one signer role, or remove `review` for a single reviewer"));
      return;
    }
    if (rv.join == ir::JoinKind::vote) {
      std::int64_t total = 0;
      for (const auto& s : rv.signers) total += s.weight;
      if (rv.threshold <= 0 || rv.threshold > total)
        add(Diagnostic::make(DiagCode::vote_unreachable, rv.threshold_loc.span.valid() ? rv.threshold_loc.span : rv.loc.span,
                             fmt::format("vote threshold {} of `{}` can never be reached: {} signer{} with total weight {}",
                                         rv.threshold, it.id, rv.signers.size(), rv.signers.size() == 1 ? "" : "s", total))
                .label("unreachable threshold")
                .with_help(rv.threshold <= 0 ? "the threshold must be at least 1"
                                             : fmt::format("lower the threshold to at most {}", total)));
    }
  }

  // Cycles in `after`: each strongly connected component with a cycle is reported once,
  // with one concrete path through it.
  void cycles() {
    const std::size_t n = b_.items.size();
    std::unordered_map<std::string_view, std::size_t> index;
    for (std::size_t i = 0; i < n; ++i) index.emplace(b_.items[i].id, i);
    // edges: i waits for j  (j -> i in execution order; we follow "waits for")
    std::vector<std::vector<std::pair<std::size_t, const ir::Ref*>>> waits(n);
    for (std::size_t i = 0; i < n; ++i)
      for (const auto& a : b_.items[i].after)
        if (auto it = index.find(a.id); it != index.end()) waits[i].push_back({it->second, &a});

    // Tarjan's SCC, iterative to stay safe on long chains.
    std::vector<int> idx(n, -1), low(n, 0), comp(n, -1);
    std::vector<char> on(n, 0);
    std::vector<std::size_t> stack;
    int counter = 0, ncomp = 0;
    for (std::size_t root = 0; root < n; ++root) {
      if (idx[root] >= 0) continue;
      std::vector<std::pair<std::size_t, std::size_t>> work{{root, 0}};
      while (!work.empty()) {
        auto& [v, e] = work.back();
        if (e == 0 && idx[v] < 0) {
          idx[v] = low[v] = counter++;
          stack.push_back(v);
          on[v] = 1;
        }
        if (e < waits[v].size()) {
          const std::size_t w = waits[v][e++].first;
          if (idx[w] < 0) work.push_back({w, 0});
          else if (on[w]) low[v] = std::min(low[v], idx[w]);
          continue;
        }
        if (low[v] == idx[v]) {
          while (true) {
            const std::size_t w = stack.back();
            stack.pop_back();
            on[w] = 0;
            comp[w] = ncomp;
            if (w == v) break;
          }
          ++ncomp;
        }
        const std::size_t done = v;
        work.pop_back();
        if (!work.empty()) low[work.back().first] = std::min(low[work.back().first], low[done]);
      }
    }
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(ncomp));
    for (std::size_t i = 0; i < n; ++i) members[static_cast<std::size_t>(comp[i])].push_back(i);
    for (const auto& m : members) {
      const std::size_t start = *std::min_element(m.begin(), m.end());
      const bool self = std::any_of(waits[start].begin(), waits[start].end(), [&](auto& e) { return e.first == start; });
      if (m.size() < 2 && !self) continue;
      report_cycle(start, comp, waits);
    }
  }

  void report_cycle(std::size_t start, const std::vector<int>& comp,
                    const std::vector<std::vector<std::pair<std::size_t, const ir::Ref*>>>& waits) {
    // Walk "waits for" edges inside the component until we come back to the start.
    std::vector<std::size_t> path{start};
    std::vector<const ir::Ref*> edges;
    std::vector<char> visited(b_.items.size(), 0);
    std::function<bool(std::size_t)> dfs = [&](std::size_t v) -> bool {
      visited[v] = 1;
      for (const auto& [w, ref] : waits[v]) {
        if (comp[w] != comp[start]) continue;
        if (w == start) {
          edges.push_back(ref);
          return true;
        }
        if (visited[w]) continue;
        path.push_back(w);
        edges.push_back(ref);
        if (dfs(w)) return true;
        path.pop_back();
        edges.pop_back();
      }
      return false;
    };
    if (!dfs(start)) return;
    std::vector<std::string> names;
    for (std::size_t v : path) names.push_back(fmt::format("`{}`", b_.items[v].id));
    names.push_back(fmt::format("`{}`", b_.items[start].id));
    auto d = Diagnostic::make(DiagCode::dependency_cycle, edges.back()->loc.span,
                              fmt::format("dependency cycle: {}", fmt::join(names, " waits for ")))
                 .label("closes the cycle");
    for (std::size_t k = 0; k + 1 < edges.size(); ++k)
      std::move(d).also(edges[k]->loc.span, fmt::format("`{}` waits for `{}`", b_.items[path[k]].id, edges[k]->id));
    std::move(d).with_help("remove one of these `after` entries; the items of a cycle could never start");
    add(std::move(d));
  }

  void stages() {
    if (b_.stages.empty()) return;
    std::unordered_map<std::string_view, std::pair<std::size_t, const ir::Ref*>> stage_of;
    for (std::size_t s = 0; s < b_.stages.size(); ++s) {
      for (const auto& r : b_.stages[s].items) {
        if (!b_.find_item(r.id)) {
          unknown_item(r);
          continue;
        }
        auto [it, fresh] = stage_of.emplace(r.id, std::pair{s, &r});
        if (!fresh)
          add(Diagnostic::make(DiagCode::item_in_several_stages, r.loc.span,
                               fmt::format("item `{}` is placed in stage `{}` and in stage `{}`", r.id,
                                           b_.stages[it->second.first].id, b_.stages[s].id))
                  .label("placed again here")
                  .also(it->second.second->loc.span, "first placed here"));
      }
    }
    for (const auto& item : b_.items) {
      auto mine = stage_of.find(item.id);
      if (mine == stage_of.end()) {
        add(Diagnostic::make(DiagCode::item_without_stage, item.loc.span,
                             fmt::format("item `{}` is in no stage", item.id))
                .label("not listed in any stage")
                .with_help("when `stages` are declared, list every item in one of them"));
        continue;
      }
      for (const auto& a : item.after) {
        auto theirs = stage_of.find(a.id);
        if (theirs == stage_of.end() || theirs->second.first <= mine->second.first) continue;
        add(Diagnostic::make(DiagCode::waits_for_later_stage, a.loc.span,
                             fmt::format("item `{}` in stage `{}` waits for `{}` of the later stage `{}`", item.id,
                                         b_.stages[mine->second.first].id, a.id, b_.stages[theirs->second.first].id))
                .label("in a later stage")
                .also(theirs->second.second->loc.span, "placed in the later stage here")
                .with_help("move one of the two items, or remove the `after` entry"));
      }
    }
  }

  void warnings() {
    std::set<std::string_view> used_materials, used_fields, used_situations, busy_departments;
    for (const auto& it : b_.items) {
      busy_departments.insert(it.department.id);
      for (const auto& s : it.review.signers)
        if (s.department) busy_departments.insert(s.department->id);
      for (const auto& mu : it.materials) used_materials.insert(mu.material.id);
      for (const auto& fe : it.form) used_fields.insert(fe.field.id);
      if (it.materials.empty())
        add(Diagnostic::make(DiagCode::item_without_materials, it.loc.span,
                             fmt::format("item `{}` requires no materials", it.id))
                .label("no `materials`")
                .with_help("if the item really needs none, this warning can be ignored"));
      for (const auto& mu : it.materials) {
        const ir::Material* m = b_.find_material(mu.material.id);
        if (m && m->deferrable && total_hours(*m->deferrable) > total_hours(it.promised))
          add(Diagnostic::make(DiagCode::deferral_beyond_promise, mu.material.loc.span,
                               fmt::format("material `{}` may be supplied within {}, after item `{}` is due ({})", m->id,
                                           ir::to_string(*m->deferrable), it.id, ir::to_string(it.promised)))
                  .label("needed by this item")
                  .also(m->loc.span, "deferral declared here")
                  .with_help("the supply deadline of a deferred material should fit within the promised limit"));
      }
    }
    // Fields and situations used by any expression.
    std::set<std::string> mentioned;
    auto note_uses = [&](const std::optional<CheckedExpression>& c) {
      if (!c) return;
      for (auto f : c->typed.fields) mentioned.insert(expressions_.env.fields()[f].id);
      for (auto s : c->typed.situations) used_situations.insert(expressions_.env.situations()[s]);
    };
    for (const auto& c : expressions_.situations) note_uses(c);
    for (const auto& c : expressions_.eligibility) note_uses(c);
    for (const auto& terms : expressions_.when)
      for (const auto& c : terms) note_uses(c);
    for (const auto& m : b_.materials)
      if (!used_materials.count(m.id))
        add(Diagnostic::make(DiagCode::unused_material, m.loc.span, fmt::format("material `{}` is not used by any item", m.id))
                .label("declared here"));
    for (const auto& m : b_.materials) {
      if (!m.pledge || !used_materials.count(m.id)) continue;
      const bool pledging = std::any_of(b_.items.begin(), b_.items.end(), [&](const ir::Item& it) {
        return it.pledge && std::any_of(it.materials.begin(), it.materials.end(),
                                        [&](const ir::MaterialUse& u) { return u.material.id == m.id; });
      });
      if (!pledging)
        add(Diagnostic::make(DiagCode::pledge_not_allowed, m.loc.span,
                             fmt::format("material `{}` may be replaced by a pledge, but no item that uses it allows one", m.id))
                .label("always required")
                .with_help("add `pledge: true` to an item that uses it, or drop `pledge` from the material"));
    }
    for (const auto& f : b_.fields)
      if (!used_fields.count(f.id) && !mentioned.count(f.id))
        add(Diagnostic::make(DiagCode::unused_field, f.loc.span, fmt::format("field `{}` is not used", f.id))
                .label("no form or situation uses it"));
    for (const auto& s : b_.situations)
      if (!used_situations.count(s.id))
        add(Diagnostic::make(DiagCode::unused_situation, s.loc.span, fmt::format("situation `{}` is not used", s.id))
                .label("no condition refers to it"));
    // A misspelt department reference already has its error; calling the intended department
    // idle as well would only repeat it.
    const bool unknown_department_ref = std::any_of(busy_departments.begin(), busy_departments.end(),
                                                    [&](std::string_view d) { return !b_.find_department(d); });
    for (const auto& dp : b_.departments)
      if (!unknown_department_ref && !busy_departments.count(dp.id) && dp.id != b_.lead.id)
        add(Diagnostic::make(DiagCode::idle_department, dp.loc.span, fmt::format("department `{}` handles no item", dp.id))
                .label("declared here"));
  }

  const ir::Bundle& b_;
  const CheckOptions& opts_;
  Diagnostics d_;
  std::unordered_set<std::string_view> field_ids_;
  BundleExpressions expressions_;
};

}  // namespace

Diagnostics check(const ir::Bundle& bundle, const CheckOptions& options) { return Checker(bundle, options).run(); }

}  // namespace yishi
