// The material plan (材料一次提交): each material once, with what the applicant does about it.
#include <algorithm>

#include <fmt/format.h>

#include "yishi/forms/forms.hpp"

namespace yishi::forms {

std::string_view to_string(MaterialRequirement r) {
  switch (r) {
    case MaterialRequirement::submit: return "submit";
    case MaterialRequirement::deferrable: return "deferrable";
    case MaterialRequirement::provided: return "provided";
    case MaterialRequirement::pledged: return "pledged";
  }
  return "submit";
}

std::size_t MaterialPlan::count(MaterialRequirement r) const noexcept {
  return static_cast<std::size_t>(
      std::count_if(materials.begin(), materials.end(), [&](const PlannedMaterial& m) { return m.requirement == r; }));
}

const PlannedMaterial* MaterialPlan::find(std::string_view id) const {
  auto it = std::find_if(materials.begin(), materials.end(), [&](const PlannedMaterial& m) { return m.id == id; });
  return it == materials.end() ? nullptr : &*it;
}

MaterialPlan FormModel::materials(const Applicant& a) const {
  const ir::Bundle& b = compiled_.bundle();
  const ConditionResult r = evaluate(a);
  const std::vector<bool> active = active_items(r);
  MaterialPlan plan;
  for (std::size_t i = 0; i < b.items.size(); ++i)
    if (!r.active[i]) plan.undecided_items.push_back(b.items[i].id);

  std::vector<bool> pledged(b.items.size(), false);
  for (const auto& id : a.pledged) {
    const auto it = std::find_if(b.items.begin(), b.items.end(), [&](const ir::Item& x) { return x.id == id; });
    if (it == b.items.end()) plan.errors.push_back(fmt::format("unknown item `{}` pledged", id));
    else if (!it->pledge) plan.errors.push_back(fmt::format("item `{}` does not allow a pledge (告知承诺)", id));
    else pledged[static_cast<std::size_t>(it - b.items.begin())] = true;
  }
  for (const auto& id : a.unavailable)
    if (!b.find_material(id)) plan.errors.push_back(fmt::format("unknown material `{}` marked unavailable", id));

  for (const auto& m : b.materials) {
    PlannedMaterial p;
    bool all_pledged = true, all_pledgeable = true;
    for (std::size_t i = 0; i < b.items.size(); ++i) {
      if (!active[i]) continue;
      const auto& uses = b.items[i].materials;
      const auto u = std::find_if(uses.begin(), uses.end(), [&](const ir::MaterialUse& x) { return x.material.id == m.id; });
      if (u == uses.end()) continue;
      ++plan.requested_separately;
      p.items.push_back(b.items[i].id);
      if (std::find(p.departments.begin(), p.departments.end(), b.items[i].department.id) == p.departments.end())
        p.departments.push_back(b.items[i].department.id);
      p.core = p.core || u->core;
      all_pledged = all_pledged && pledged[i];
      all_pledgeable = all_pledgeable && b.items[i].pledge;
    }
    if (p.items.empty()) continue;
    p.id = m.id;
    p.name = m.name;
    p.provider = m.source;
    p.pledgeable = m.pledge && all_pledgeable;
    // Precedence: what the applicant need not hand over at all comes first.
    const bool unavailable = std::find(a.unavailable.begin(), a.unavailable.end(), m.id) != a.unavailable.end();
    if (!m.source.empty() && !unavailable) {
      p.requirement = MaterialRequirement::provided;
    } else if (m.pledge && all_pledged) {
      p.requirement = MaterialRequirement::pledged;
    } else if (m.deferrable && !p.core) {
      p.requirement = MaterialRequirement::deferrable;
      p.deadline = m.deferrable;
    }
    plan.materials.push_back(std::move(p));
  }
  return plan;
}

}  // namespace yishi::forms
