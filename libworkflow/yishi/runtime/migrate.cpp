// Moving a running case to another version of its bundle: when it may (what the case has
// done must map onto the new graph), and how its state is re-indexed.
#include <fmt/format.h>

#include <stdexcept>

#include "yishi/runtime/internal/plan.hpp"

namespace yishi::runtime_internal {
namespace {

std::optional<std::uint32_t> index_in(const IndexMap& map, std::string_view id) {
  auto it = map.find(id);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

/// Whether an item's review began (or ended): its signatures and deadlines belong to it.
bool started(ItemStatus s) { return s != ItemStatus::inactive && s != ItemStatus::pending; }

bool same_signers(const Plan& a, std::uint32_t i, const Plan& b, std::uint32_t j) {
  const PlanItem& x = a.items[i];
  const PlanItem& y = b.items[j];
  if (x.slot_count != y.slot_count) return false;
  for (std::uint32_t k = 0; k < x.slot_count; ++k) {
    const PlanSlot& p = a.slots[x.slot_begin + k];
    const PlanSlot& q = b.slots[y.slot_begin + k];
    if (p.role != q.role || p.department != q.department) return false;
  }
  return true;
}

}  // namespace

CaseMigrated migration_event(const Plan& from, const Plan& to) {
  CaseMigrated e;
  e.from_version = from.compiled.bundle().version;
  e.to_version = to.compiled.bundle().version;
  for (const PlanItem& it : from.items) {
    const auto j = index_in(to.item_index, it.id);
    e.items.push_back(j ? static_cast<std::int32_t>(*j) : -1);
  }
  for (const PlanMaterial& m : from.materials) {
    const auto j = index_in(to.material_index, m.id);
    e.materials.push_back(j ? static_cast<std::int32_t>(*j) : -1);
  }
  return e;
}

std::vector<std::string> migration_obstacles(const Plan& from, const Plan& to, const CaseState& s) {
  std::vector<std::string> why;
  const std::string& version = to.compiled.bundle().version;
  if (is_terminal(s.status)) why.push_back(fmt::format("the case is `{}`", to_string(s.status)));
  if (s.status == CaseStatus::returned_for_correction) why.push_back("a correction notice is open");
  // What the case has done must exist in the new version, with the same reviewers.
  for (std::uint32_t i = 0; i < from.items.size(); ++i) {
    if (!started(s.items[i].status)) continue;
    const PlanItem& it = from.items[i];
    const auto j = index_in(to.item_index, it.id);
    if (!j) {
      why.push_back(fmt::format("item `{}` has started and version {} has no such item", it.id, version));
      continue;
    }
    if (to.items[*j].department != it.department || !same_signers(from, i, to, *j))
      why.push_back(fmt::format("item `{}` has started and its reviewers differ in version {}", it.id, version));
    // Nothing the case has not done may come before it in the new graph.
    for (std::uint32_t p : to.items[*j].after) {
      const auto old = index_in(from.item_index, to.items[p].id);
      const ItemStatus st = old ? s.items[*old].status : ItemStatus::pending;
      if (st != ItemStatus::approved && st != ItemStatus::inactive)
        why.push_back(fmt::format("item `{}` has started, but in version {} it comes after `{}`, which this case has "
                                  "not done",
                                  it.id, version, to.items[p].id));
    }
  }
  // New items apply to every applicant, or the case's answers would be needed again.
  const bool submitted = s.status != CaseStatus::draft;
  for (std::uint32_t j = 0; j < to.items.size(); ++j) {
    if (index_in(from.item_index, to.items[j].id)) continue;
    if (!to.compiled.bundle().items[j].when.empty())
      why.push_back(fmt::format("item `{}` is new in version {} and applies only in some situations, which this "
                                "case was not asked about",
                                to.items[j].id, version));
    if (submitted)
      for (std::uint32_t m : to.items[j].materials)
        if (!index_in(from.material_index, to.materials[m].id) && !to.materials[m].from_provider)
          why.push_back(fmt::format("item `{}` is new in version {} and needs material `{}`, which the application "
                                    "did not include",
                                    to.items[j].id, version, to.materials[m].id));
  }
  // A material still owed must still exist.
  for (std::uint32_t m = 0; m < from.materials.size(); ++m)
    if (s.materials[m].status == MaterialStatus::deferred && !index_in(to.material_index, from.materials[m].id))
      why.push_back(fmt::format("material `{}` is still owed and version {} has no such material", from.materials[m].id,
                                version));
  return why;
}

void apply_migration(CaseState& s, const Plan& from, const Plan& to, const CaseMigrated& e) {
  if (e.items.size() != from.items.size() || e.materials.size() != from.materials.size() ||
      e.to_version != to.compiled.bundle().version || s.items.size() != from.items.size())
    throw std::invalid_argument("case_migrated does not fit the definitions it names");
  std::vector<ItemState> items(to.items.size());
  std::vector<SignerState> signers(to.slots.size());
  for (std::uint32_t j = 0; j < to.items.size(); ++j) items[j].status = ItemStatus::pending;  // new items apply
  for (std::uint32_t i = 0; i < e.items.size(); ++i) {
    const std::int32_t j = e.items[i];
    if (j < 0) continue;
    if (static_cast<std::size_t>(j) >= items.size()) throw std::invalid_argument("case_migrated maps an item out of range");
    items[j] = s.items[i];
    const PlanItem& a = from.items[i];
    const PlanItem& b = to.items[static_cast<std::size_t>(j)];
    for (std::uint32_t k = 0; k < std::min(a.slot_count, b.slot_count); ++k)
      signers[b.slot_begin + k] = s.signers[a.slot_begin + k];
  }
  std::vector<MaterialState> materials(to.materials.size());
  for (std::uint32_t m = 0; m < e.materials.size(); ++m) {
    const std::int32_t j = e.materials[m];
    if (j < 0) continue;
    if (static_cast<std::size_t>(j) >= materials.size())
      throw std::invalid_argument("case_migrated maps a material out of range");
    materials[j] = s.materials[m];
  }
  // A material only the new version uses: missing while the application is a draft (the
  // applicant will hand it over); after submission only a provider's may be new, and it is
  // provided. Others not needed until an item needs them.
  for (std::uint32_t j = 0; j < to.materials.size(); ++j) {
    if (materials[j].status != MaterialStatus::not_needed) continue;
    bool needed = false;
    for (std::uint32_t i : to.materials[j].items) needed |= items[i].status != ItemStatus::inactive;
    if (!needed) continue;
    if (to.materials[j].from_provider && s.status != CaseStatus::draft) materials[j].status = MaterialStatus::provided;
    else if (s.status == CaseStatus::draft) materials[j].status = MaterialStatus::missing;
  }
  const auto remap = [](std::vector<std::uint32_t>& v, const std::vector<std::int32_t>& map) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t x : v)
      if (x < map.size() && map[x] >= 0) out.push_back(static_cast<std::uint32_t>(map[x]));
    std::sort(out.begin(), out.end());
    v.swap(out);
  };
  remap(s.intake_noticed, e.materials);
  // Added signers and delegations follow their items; those of dropped items go. Started
  // items keep their definition's slots (`same_signers`), so added slot numbers still hold.
  const auto item_to = [&](std::uint32_t i) { return i < e.items.size() ? e.items[i] : -1; };
  std::erase_if(s.added, [&](const AddedSigner& a) { return item_to(a.item) < 0; });
  for (AddedSigner& a : s.added) a.item = static_cast<std::uint32_t>(item_to(a.item));
  std::erase_if(s.delegations, [&](const Delegation& d) { return item_to(d.item) < 0; });
  for (Delegation& d : s.delegations) d.item = static_cast<std::uint32_t>(item_to(d.item));
  s.notice.clear();  // no notice is open (a precondition of the move)
  s.items = std::move(items);
  s.signers = std::move(signers);
  s.materials = std::move(materials);
  s.bundle_version = e.to_version;
  ++s.version;
}

}  // namespace yishi::runtime_internal
