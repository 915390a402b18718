// The compiled conditions of a bundle and their evaluation for one applicant's answers.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "yishi/base/assert.hpp"
#include "yishi/check/expressions.hpp"
#include "yishi/compile/internal/graph.hpp"

namespace yishi {

void compile_conditions(CompiledBundle::Impl& impl) {
  Diagnostics ignored;  // the bundle checked clean; this pass only rebuilds the trees
  BundleExpressions x = check_expressions(impl.bundle, ignored);
  YISHI_ASSERT(x.ok, "compile_conditions runs on a bundle that checked clean");
  impl.env = std::move(x.env);
  for (const auto& t : x.tables) impl.tables.add(*t, impl.env);
  for (const auto& s : x.situations) impl.situations.push_back(expr::compile(s->ast, s->typed, &impl.tables));
  impl.situation_order = std::move(x.situation_order);
  for (const auto& e : x.eligibility) impl.eligibility.push_back(expr::compile(e->ast, e->typed, &impl.tables));
  for (const auto& terms : x.when) {
    auto& programs = impl.when.emplace_back();
    for (const auto& t : terms) programs.push_back(expr::compile(t->ast, t->typed, &impl.tables));
  }
  std::set<std::uint32_t> read;
  auto note = [&](const expr::Program& p) {
    for (auto f : p.fields()) read.insert(f);
  };
  for (const auto& p : impl.situations) note(p);
  for (const auto& p : impl.eligibility) note(p);
  for (const auto& programs : impl.when)
    for (const auto& p : programs) note(p);
  impl.condition_fields.assign(read.begin(), read.end());
}

std::span<const std::uint32_t> CompiledBundle::condition_fields() const noexcept { return impl_->condition_fields; }

const expr::Environment& CompiledBundle::environment() const noexcept { return impl_->env; }
const expr::TableSet& CompiledBundle::tables() const noexcept { return impl_->tables; }
const expr::Program& CompiledBundle::situation_program(std::size_t situation) const { return impl_->situations.at(situation); }

bool ConditionResult::decided() const noexcept {
  return errors.empty() && missing_fields.empty() &&
         std::all_of(active.begin(), active.end(), [](const auto& a) { return a.has_value(); });
}

ConditionResult CompiledBundle::evaluate_conditions(const expr::Answers& answers, std::int64_t today,
                                                    std::span<const std::pair<std::string, bool>> decided) const {
  const auto& impl = *impl_;
  ConditionResult r;
  expr::Bound bound = expr::bind(impl.env, answers);
  r.errors = std::move(bound.errors);
  r.answer_errors = r.errors.size();
  thread_local std::vector<bool> fixed;  // situations decided by the caller; scratch, reused
  fixed.assign(impl.situations.size(), false);
  r.situations.assign(impl.situations.size(), expr::Value::unknown());
  for (const auto& [id, value] : decided) {
    if (auto s = impl.env.situation(id)) {
      r.situations[*s] = expr::Value::boolean(value);
      fixed[*s] = true;
    } else {
      r.errors.push_back(fmt::format("unknown situation `{}`", id));
    }
  }
  thread_local expr::Evaluator ev;  // scratch space, reused by every call on this thread
  expr::Inputs in{.fields = bound.slots, .situations = r.situations, .today = today};
  std::map<std::uint32_t, std::set<std::string_view>> missing;  // field slot → what it would decide
  // The unanswered fields a program reads, when its value is unknown. Situations it reads are
  // followed to their own fields (those already evaluated appear as unknown values).
  // (A generic lambda that takes itself recurses without a std::function's allocation.)
  const auto collect = [&](const auto& self, const expr::Program& p, std::string_view who) -> void {
    for (auto f : p.fields())
      if (bound.slots[f].kind == expr::ValueKind::unknown) missing[f].insert(who);
    for (auto s : p.situations())
      if (r.situations[s].kind == expr::ValueKind::unknown && !fixed[s]) self(self, impl.situations[s], who);
  };
  const auto collect_missing = [&](const expr::Program& p, std::string_view who) { collect(collect, p, who); };
  auto run = [&](const expr::Program& p, std::string_view what) {
    expr::Value v = ev.run(p, in);
    if (v.kind == expr::ValueKind::error)
      r.errors.push_back(fmt::format("{}: {}", what, ev.error_detail().empty() ? expr::to_string(v) : ev.error_detail()));
    else if (v.kind == expr::ValueKind::unknown)
      collect_missing(p, "eligibility");
    return v;
  };
  for (auto s : impl.situation_order) {
    if (fixed[s]) continue;
    r.situations[s] = ev.run(impl.situations[s], in);
    if (r.situations[s].kind == expr::ValueKind::error)
      r.errors.push_back(fmt::format("situation `{}`: {}", impl.bundle.situations[s].id,
                                     ev.error_detail().empty() ? expr::to_string(r.situations[s]) : ev.error_detail()));
  }
  for (std::size_t e = 0; e < impl.eligibility.size(); ++e) {
    const auto v = run(impl.eligibility[e], "an eligibility condition");
    if (v.is_false()) r.ineligible.push_back(e);
  }
  r.active.reserve(impl.when.size());
  thread_local std::vector<expr::Value> values;  // of one item's conditions; scratch, reused
  for (std::size_t i = 0; i < impl.when.size(); ++i) {
    // One false condition decides the item; only then are unknown ones worth asking about.
    values.clear();
    for (const auto& p : impl.when[i]) {
      values.push_back(ev.run(p, in));
      if (values.back().kind == expr::ValueKind::error)
        r.errors.push_back(fmt::format("the `when` of item `{}`: {}", impl.bundle.items[i].id,
                                       ev.error_detail().empty() ? expr::to_string(values.back()) : ev.error_detail()));
    }
    const bool any_false = std::any_of(values.begin(), values.end(), [](const expr::Value& v) { return v.is_false(); });
    std::optional<bool> active = true;
    if (any_false) {
      active = false;
    } else {
      for (std::size_t k = 0; k < values.size(); ++k)
        if (!values[k].is_true()) {
          active.reset();
          if (values[k].kind == expr::ValueKind::unknown) collect_missing(impl.when[i][k], impl.bundle.items[i].id);
        }
    }
    r.active.push_back(active);
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> by_id;
  for (const auto& [f, who] : missing) by_id.push_back({impl.env.fields()[f].id, {who.begin(), who.end()}});
  std::sort(by_id.begin(), by_id.end());
  for (auto& [id, who] : by_id) {
    r.missing_fields.push_back(std::move(id));
    r.deciding.push_back(std::move(who));
  }
  return r;
}

}  // namespace yishi
