// Property: on random bundles of up to 8 items (random `after` edges, random stages) with
// random working hours per item,
//  - the compiled step graph is the graph docs/architecture.md describes (an item waits for its
//    `after` items; with stages, the items of a stage that wait for nothing inside it wait for
//    the items of the previous stage that nothing in it waits for; items without predecessor
//    follow intake, items without successor precede issuance);
//  - analysis::critical_path equals a brute-force longest path found by enumerating every path
//    from intake to issuance, with the tie rule of docs/report.md ("walking back from
//    issuance, each step goes to the earliest-declared item that lies on a longest path").
// YISHI_PROPERTY_CASES and YISHI_PROPERTY_SEED scale and reproduce a run.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include <set>

#include "generators.hpp"

using namespace yishi;
using namespace yishi::property;

namespace {

// The documented graph: predecessors per vertex (0 = intake, 1..n = items, n+1 = issuance).
std::vector<std::set<std::size_t>> documented_graph(const ir::Bundle& b) {
  const std::size_t n = b.items.size();
  std::vector<std::set<std::size_t>> pred(n + 2);
  auto index = [&](const std::string& id) {
    for (std::size_t k = 0; k < n; ++k)
      if (b.items[k].id == id) return k + 1;
    return std::size_t{0};
  };
  for (std::size_t k = 0; k < n; ++k)
    for (const auto& a : b.items[k].after) pred[k + 1].insert(index(a.id));
  std::vector<std::size_t> previous_sinks;
  for (const auto& stage : b.stages) {
    std::set<std::size_t> members;
    for (const auto& r : stage.items) members.insert(index(r.id));
    if (members.empty()) continue;
    std::vector<std::size_t> sinks;
    for (std::size_t m : members) {
      const bool waits_inside = std::any_of(b.items[m - 1].after.begin(), b.items[m - 1].after.end(),
                                            [&](const ir::Ref& a) { return members.count(index(a.id)) > 0; });
      if (!waits_inside)
        for (std::size_t p : previous_sinks) pred[m].insert(p);
      const bool waited_for = std::any_of(members.begin(), members.end(), [&](std::size_t o) {
        return std::any_of(b.items[o - 1].after.begin(), b.items[o - 1].after.end(),
                           [&](const ir::Ref& a) { return index(a.id) == m; });
      });
      if (!waited_for) sinks.push_back(m);
    }
    previous_sinks = sinks;
  }
  std::vector<bool> has_successor(n + 2, false);
  for (std::size_t v = 1; v <= n; ++v)
    for (std::size_t p : pred[v]) has_successor[p] = true;
  for (std::size_t v = 1; v <= n; ++v) {
    if (pred[v].empty()) pred[v].insert(0);
    if (!has_successor[v]) pred[n + 1].insert(v);
  }
  if (n == 0) pred[1].insert(0);
  return pred;
}

struct Path {
  std::int64_t hours = 0;
  std::vector<std::size_t> items;  // item indices, intake to issuance
};

// Every path from intake to issuance, by walking predecessors back from issuance.
void all_paths(const std::vector<std::set<std::size_t>>& pred, std::size_t v, std::vector<std::size_t>& suffix,
               std::vector<Path>& out, const std::vector<std::int64_t>& hours) {
  if (v == 0) {
    Path p;
    p.items.assign(suffix.rbegin(), suffix.rend());
    for (std::size_t i : p.items) p.hours += hours[i];
    out.push_back(std::move(p));
    return;
  }
  const bool item = v != pred.size() - 1;
  if (item) suffix.push_back(v - 1);
  for (std::size_t p : pred[v]) all_paths(pred, p, suffix, out, hours);
  if (item) suffix.pop_back();
}

// The documented choice among longest paths: read backwards from issuance, the earliest-
// declared item first; reaching intake is last choice ("Intake is taken only when no item is
// a candidate"). That is the least reversed item sequence, with the end ranked after items.
bool preferred(const Path& a, const Path& b) {
  std::vector<std::size_t> x(a.items.rbegin(), a.items.rend()), y(b.items.rbegin(), b.items.rend());
  x.push_back(SIZE_MAX);
  y.push_back(SIZE_MAX);
  return x < y;
}

std::string show(const ir::Bundle& b, const std::vector<std::size_t>& items) {
  std::string s;
  for (std::size_t i : items) s += (s.empty() ? "" : " → ") + b.items[i].id;
  return s.empty() ? "(none)" : s;
}

}  // namespace

TEST_CASE("property.critical_path.equals_a_brute_force_longest_path") {
  const std::uint64_t seed = base_seed(20261221);
  const int cases = case_count();
  int failures = 0, attempts_total = 0, with_stages = 0, ties = 0;
  for (int k = 0; k < cases && failures < max_failures(); ++k) {
    const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
    Rng rng(s);
    BundleOptions o;
    o.max_items = 8;
    o.conditions = false;
    o.fields = false;
    o.tables = false;
    o.tricky_text = false;
    int attempts = 0;
    const ir::Bundle ir = random_valid_bundle(rng, o, &attempts);
    attempts_total += attempts;
    auto result = compile(ir);
    if (!result.compiled) {
      ++failures;
      FAIL_CHECK("a generated bundle does not compile (" << rerun(s) << ")\n" << dsl::print(ir));
      continue;
    }
    const CompiledBundle& c = *result.compiled;
    with_stages += !ir.stages.empty();

    // The compiled graph is the documented one.
    const auto pred = documented_graph(ir);
    bool same_graph = c.steps().size() == pred.size();
    for (std::size_t v = 0; same_graph && v < pred.size(); ++v) {
      std::set<std::size_t> got;
      for (StepId p : c.steps()[v].predecessors) got.insert(p.value);
      same_graph = got == pred[v];
    }
    if (!same_graph) {
      ++failures;
      FAIL_CHECK("the compiled graph is not the documented graph (" << rerun(s) << ")\n" << dsl::print(ir));
      continue;
    }

    std::vector<std::int64_t> hours(ir.items.size());
    for (auto& h : hours) h = rng.chance(0.25) ? 0 : rng.pick(1, rng.chance(0.7) ? 2 : 40);
    const analysis::CriticalPath got = analysis::critical_path(c, hours);

    std::vector<Path> paths;
    std::vector<std::size_t> suffix;
    all_paths(pred, pred.size() - 1, suffix, paths, hours);
    const std::int64_t longest = std::max_element(paths.begin(), paths.end(), [](const Path& a, const Path& b) {
                                   return a.hours < b.hours;
                                 })->hours;
    const Path* want = nullptr;
    int n_longest = 0;
    for (const Path& p : paths)
      if (p.hours == longest) {
        ++n_longest;
        if (!want || preferred(p, *want)) want = &p;
      }
    ties += n_longest > 1;
    if (got.hours != longest || got.items != want->items) {
      ++failures;
      std::string hs;
      for (std::size_t i = 0; i < hours.size(); ++i) hs += fmt::format("  {}: {}h\n", ir.items[i].id, hours[i]);
      FAIL_CHECK("critical_path differs from the brute force (" << rerun(s) << ")\n  critical_path: " << got.hours
                 << "h " << show(ir, got.items) << "\n  brute force:   " << longest << "h " << show(ir, want->items)
                 << " (" << n_longest << " longest paths of " << paths.size() << ")\nhours:\n" << hs << dsl::print(ir));
    }
  }
  MESSAGE(cases << " graphs (" << with_stages << " with stages, " << ties << " with several longest paths); "
                << attempts_total - cases << " generated bundles refused by the checker");
  CHECK(ties > cases / 10);
}
