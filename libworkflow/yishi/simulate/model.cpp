// Scenario validation and the simulator's precomputed model (departments, signers, materials,
// and the single-item bundles of the separate mode).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "yishi/simulate/internal/model.hpp"

namespace yishi::simulate {

std::string_view to_string(Mode m) { return m == Mode::bundled ? "bundled" : "separate"; }

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::issued: return "issued";
    case Outcome::rejected: return "rejected";
    case Outcome::not_opened: return "not_opened";
    case Outcome::unfinished: return "unfinished";
  }
  return "?";
}

namespace {

bool probability(double p) { return std::isfinite(p) && p >= 0 && p <= 1; }

void check_distribution(std::vector<std::string>& out, const std::string& where, const Distribution& d) {
  if (auto why = d.invalid(); !why.empty()) out.push_back(fmt::format("{}: {}", where, why));
}

void check_probability(std::vector<std::string>& out, const std::string& where, double p) {
  if (!probability(p)) out.push_back(fmt::format("{}: a probability is between 0 and 1, not {}", where, p));
}

}  // namespace

std::vector<std::string> validate(const Scenario& s) {
  std::vector<std::string> out;
  if (s.bundles.empty()) out.emplace_back("the scenario has no bundle");
  std::set<std::string> ids;
  for (std::size_t b = 0; b < s.bundles.size(); ++b) {
    const BundleLoad& l = s.bundles[b];
    const ir::Bundle& ir = l.bundle.bundle();
    const std::string at = fmt::format("bundle `{}`", ir.id);
    if (!ids.insert(ir.id).second) out.push_back(fmt::format("{} is given twice", at));
    if (!std::isfinite(l.arrivals_per_day) || l.arrivals_per_day < 0)
      out.push_back(fmt::format("{}: arrivals per working day must be ≥ 0, not {}", at, l.arrivals_per_day));
    double total = 0;
    for (const Profile& p : l.profiles) {
      if (!std::isfinite(p.weight) || p.weight < 0)
        out.push_back(fmt::format("{}: a profile weight must be ≥ 0, not {}", at, p.weight));
      else total += p.weight;
    }
    if (!l.profiles.empty() && total <= 0) out.push_back(fmt::format("{}: the profile weights add up to 0", at));
    for (const auto& [id, p] : l.situations) {
      if (!ir.find_situation(id)) out.push_back(fmt::format("{}: no situation `{}`", at, id));
      check_probability(out, fmt::format("{}, situation `{}`", at, id), p);
    }
    for (const auto& [id, item] : l.items) {
      if (!ir.find_item(id)) out.push_back(fmt::format("{}: no item `{}`", at, id));
      check_distribution(out, fmt::format("{}, item `{}`, service", at, id), item.service);
      check_probability(out, fmt::format("{}, item `{}`, reject", at, id), item.reject);
    }
    check_distribution(out, at + ", review service", l.review.service);
    check_probability(out, at + ", review reject", l.review.reject);
    check_distribution(out, at + ", intake", l.intake);
    check_distribution(out, at + ", issue", l.issue);
    check_distribution(out, at + ", supply", l.supply);
    check_distribution(out, at + ", resubmit", l.resubmit);
    check_distribution(out, at + ", post_check", l.post_check);
    check_distribution(out, at + ", reapply", l.reapply);
    check_probability(out, at + ", defer", l.defer);
    check_probability(out, at + ", correction", l.correction);
    check_probability(out, at + ", pledge", l.pledge);
    check_probability(out, at + ", post_check_fail", l.post_check_fail);
    check_probability(out, at + ", rate", l.rate);
  }
  for (const Arrival& a : s.trace) {
    if (a.bundle >= s.bundles.size()) {
      out.push_back(fmt::format("trace: arrival at day {} names bundle {}, but there are {}", a.day, a.bundle,
                                s.bundles.size()));
      continue;
    }
    if (!std::isfinite(a.day) || a.day < 0) out.push_back(fmt::format("trace: an arrival day must be ≥ 0, not {}", a.day));
    if (a.profile && *a.profile >= s.bundles[a.bundle].profiles.size())
      out.push_back(fmt::format("trace: arrival at day {} names profile {}, but bundle `{}` has {}", a.day, *a.profile,
                                s.bundles[a.bundle].bundle.bundle().id, s.bundles[a.bundle].profiles.size()));
  }
  for (const auto& [d, n] : s.staff)
    if (n < 1) out.push_back(fmt::format("department `{}` needs at least one member of staff, not {}", d, n));
  if (s.default_staff < 1) out.push_back(fmt::format("default_staff must be ≥ 1, not {}", s.default_staff));
  if (s.working_days < 0) out.push_back(fmt::format("working_days must be ≥ 0, not {}", s.working_days));
  if (s.drain_days < 0) out.push_back(fmt::format("drain_days must be ≥ 0, not {}", s.drain_days));
  if (s.partitions < 1 || s.partitions > 255) out.push_back(fmt::format("partitions must be 1..255, not {}", s.partitions));
  if (s.threads < 0) out.push_back(fmt::format("threads must be ≥ 0, not {}", s.threads));
  check_probability(out, "post_check_rate", s.post_check_rate);
  return out;
}

namespace internal {
namespace {

/// The bundle of one item applied for on its own: the same definition with only that item,
/// its own limit and channels (Separately), no `after` and no stages.
CompiledBundle alone(const ir::Bundle& whole, std::size_t i) {
  ir::Bundle b = whole;
  ir::Item item = b.items[i];
  item.after.clear();
  if (item.separately.limit) item.promised = *item.separately.limit;
  if (item.separately.apply) b.apply = *item.separately.apply;
  if (item.separately.delivery) b.delivery = *item.separately.delivery;
  b.lead = item.department;  // applied for at its own department's window
  b.items = {std::move(item)};
  b.stages.clear();
  b.id = fmt::format("{}__{}", whole.id, whole.items[i].id);
  if (!ir::is_valid_id(b.id)) b.id = fmt::format("{}__{}", whole.id.substr(0, 40), i);
  auto r = compile(std::move(b));
  if (!r.compiled) {
    std::string why;
    for (const Diagnostic& d : r.diagnostics.items())
      if (d.severity == Severity::error) {
        why = d.message;
        break;
      }
    throw ScenarioError(fmt::format("bundle `{}`: item `{}` does not compile on its own (separate mode): {}", whole.id,
                                    whole.items[i].id, why));
  }
  return *r.compiled;
}

std::uint32_t index_of(std::vector<std::string>& list, const std::string& id) {
  auto it = std::find(list.begin(), list.end(), id);
  if (it != list.end()) return static_cast<std::uint32_t>(it - list.begin());
  list.push_back(id);
  return static_cast<std::uint32_t>(list.size() - 1);
}

}  // namespace

Model build_model(const Scenario& s) {
  if (auto problems = validate(s); !problems.empty()) {
    std::string all;
    for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
    throw ScenarioError(all);
  }
  Model m;
  m.departments.emplace_back("front_desk");
  auto actor = [&](const std::string& dept, const std::string& role, std::size_t slot = 0) {
    // One person per signer slot: two slots of one role (a 票签 committee) are two people.
    const std::string id = slot ? fmt::format("{}.{}.{}", dept, role, slot + 1) : fmt::format("{}.{}", dept, role);
    for (std::size_t k = 0; k < m.actors.size(); ++k)
      if (m.actors[k].id == id) return static_cast<std::uint32_t>(k);
    m.actors.push_back(Actor::staff(id, dept, role));
    return static_cast<std::uint32_t>(m.actors.size() - 1);
  };
  for (const BundleLoad& l : s.bundles) {
    const CompiledBundle& cb = l.bundle;
    const ir::Bundle& ir = cb.bundle();
    BundleInfo bi;
    bi.load = &l;
    bi.window_apply = ir.apply == ir::Channel::window;
    bi.window_delivery = ir.delivery == ir::Channel::window;
    bi.clerk = actor(ir.lead.id, "clerk");
    for (const ir::Material& mat : ir.materials)
      bi.materials.push_back({mat.deferrable.has_value(), mat.issue_before_supply, !mat.source.empty(), mat.pledge});
    for (std::size_t i = 0; i < ir.items.size(); ++i) {
      const ir::Item& it = ir.items[i];
      ItemInfo ii;
      ii.department = index_of(m.departments, it.department.id);
      ii.actor = actor(it.department.id, "reviewer");
      const Step& step = cb.step(*cb.step_of_item(it.id));
      ii.join = step.join.kind;
      for (std::size_t k = 0; k < step.signers.size(); ++k) {
        const StepSigner& sg = step.signers[k];
        ii.signers.push_back({index_of(m.departments, sg.department), actor(sg.department, sg.role, k)});
      }
      auto found = l.items.find(it.id);
      ii.load = found == l.items.end() ? &l.review : &found->second;
      ii.pledge = it.pledge;
      ii.essential = it.essential;
      for (const ir::MaterialUse& u : it.materials) {
        const ir::Material* mat = ir.find_material(u.material.id);
        ii.materials.push_back(static_cast<std::uint32_t>(mat - ir.materials.data()));
        ii.core.push_back(u.core);
      }
      ii.inspection = it.inspection;
      ii.window_apply = (it.separately.apply ? *it.separately.apply : ir.apply) == ir::Channel::window;
      ii.window_delivery = (it.separately.delivery ? *it.separately.delivery : ir.delivery) == ir::Channel::window;
      ii.summary = static_cast<std::uint32_t>(m.items.size());
      m.items.push_back({ir.id, it.id, it.department.id, 0, 0, 0});
      bi.items.push_back(std::move(ii));
    }
    // Transitive predecessors, from `after` (a checked bundle has no cycle).
    for (StepId sid : cb.topological_order()) {
      const Step& st = cb.step(sid);
      if (st.item < 0) continue;
      const auto i = static_cast<std::uint32_t>(st.item);
      bi.order.push_back(i);
      std::set<std::uint32_t> before;
      for (const ir::Ref& r : ir.items[i].after) {
        const auto j = static_cast<std::uint32_t>(ir.find_item(r.id) - ir.items.data());
        before.insert(j);
        before.insert(bi.items[j].before.begin(), bi.items[j].before.end());
      }
      bi.items[i].before.assign(before.begin(), before.end());
    }
    if (s.mode == Mode::separate)
      for (std::size_t i = 0; i < ir.items.size(); ++i) bi.alone.push_back(alone(ir, i));
    double total = 0;
    for (const Profile& p : l.profiles) bi.profile_weights.push_back(total += p.weight);
    m.bundles.push_back(std::move(bi));
  }
  for (const std::string& d : m.departments) {
    auto it = s.staff.find(d);
    const int n = it == s.staff.end() ? s.default_staff : it->second;
    m.staff.push_back((n + s.partitions - 1) / s.partitions);
  }
  return m;
}

}  // namespace internal
}  // namespace yishi::simulate
