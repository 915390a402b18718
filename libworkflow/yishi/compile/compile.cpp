// The compiler: checked IR -> step graph with topological order, depths and join policies.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include <boost/graph/topological_sort.hpp>
#include <fmt/format.h>

#include "yishi/base/assert.hpp"
#include "yishi/check/check.hpp"
#include "yishi/compile/internal/graph.hpp"

namespace yishi {

std::string_view to_string(StepKind k) {
  switch (k) {
    case StepKind::intake: return "intake";
    case StepKind::review: return "review";
    case StepKind::issuance: return "issuance";
  }
  return "review";
}

const ir::Bundle& CompiledBundle::bundle() const noexcept { return impl_->bundle; }
std::span<const Step> CompiledBundle::steps() const noexcept { return impl_->steps; }
const Step& CompiledBundle::step(StepId id) const { return impl_->steps.at(id.value); }
std::span<const StepId> CompiledBundle::topological_order() const noexcept { return impl_->order; }
StepId CompiledBundle::intake() const noexcept { return impl_->intake; }
StepId CompiledBundle::issuance() const noexcept { return impl_->issuance; }

std::optional<StepId> CompiledBundle::step_of_item(std::string_view item_id) const {
  for (const auto& s : impl_->steps)
    if (s.kind == StepKind::review && s.name == item_id) return s.id;
  return std::nullopt;
}

std::vector<std::vector<StepId>> CompiledBundle::levels() const {
  std::vector<std::vector<StepId>> out;
  for (StepId id : impl_->order) {
    const auto d = impl_->steps[id.value].depth;
    if (out.size() <= d) out.resize(d + 1);
    out[d].push_back(id);
  }
  return out;
}

std::size_t CompiledBundle::max_parallel_reviews() const {
  std::size_t best = 0;
  for (const auto& level : levels()) {
    const auto n = static_cast<std::size_t>(std::count_if(level.begin(), level.end(), [&](StepId s) {
      return impl_->steps[s.value].kind == StepKind::review;
    }));
    best = std::max(best, n);
  }
  return best;
}

namespace {

JoinPolicy resolve_join(const ir::Review& rv) {
  JoinPolicy j;
  j.kind = rv.join;
  j.total_weight = 0;
  for (const auto& s : rv.signers) j.total_weight += s.weight;
  switch (rv.join) {
    case ir::JoinKind::all:
    case ir::JoinKind::sequence: j.threshold = j.total_weight; break;
    case ir::JoinKind::any: j.threshold = 1; break;
    case ir::JoinKind::vote: j.threshold = rv.threshold; break;
  }
  return j;
}

// Each review step's ancestors (the review steps it comes after, in topological order: its
// legal rejection targets) and its approval operations, with `previous` and `any` resolved.
void resolve_approvals(const ir::Bundle& bundle, const std::vector<StepId>& order, std::vector<Step>& steps) {
  const auto ancestors = ir::item_ancestors(bundle);
  std::vector<std::uint32_t> rank(steps.size());
  for (std::uint32_t k = 0; k < order.size(); ++k) rank[order[k].value] = k;
  for (std::size_t i = 0; i < bundle.items.size(); ++i) {
    Step& s = steps[i + 1];
    for (std::uint32_t a : ancestors[i]) s.ancestors.push_back(StepId{a + 1});
    std::sort(s.ancestors.begin(), s.ancestors.end(), [&](StepId x, StepId y) { return rank[x.value] < rank[y.value]; });
    const ir::Approvals& ap = bundle.items[i].approvals;
    ApprovalPolicy& pol = s.approvals;
    for (ir::ApprovalOperation o : ap.allow) pol.allowed |= static_cast<std::uint16_t>(1u << static_cast<unsigned>(o));
    pol.supervisor = ap.supervisor;
    pol.to_applicant = false;
    for (const ir::RejectTarget& t : ap.reject_to) {
      switch (t.kind) {
        case ir::RejectTarget::Kind::applicant: pol.to_applicant = true; break;
        case ir::RejectTarget::Kind::previous: pol.to_previous = true; break;
        case ir::RejectTarget::Kind::any:
          pol.to_applicant = true;
          pol.reject_to = s.ancestors;
          break;
        case ir::RejectTarget::Kind::item: {
          const ir::Item* target = bundle.find_item(t.item.id);
          YISHI_ASSERT(target, "the checker let an unknown rejection target through");
          const StepId id{static_cast<std::uint32_t>(target - bundle.items.data()) + 1};
          YISHI_ASSERT(std::find(s.ancestors.begin(), s.ancestors.end(), id) != s.ancestors.end(),
                       "the checker let a rejection target that does not come before the step through");
          pol.reject_to.push_back(id);
          break;
        }
      }
    }
    std::sort(pol.reject_to.begin(), pol.reject_to.end(), [&](StepId x, StepId y) { return rank[x.value] < rank[y.value]; });
    pol.reject_to.erase(std::unique(pol.reject_to.begin(), pol.reject_to.end()), pol.reject_to.end());
    pol.siblings = ap.siblings;
    pol.resume = ap.resume;
    pol.remind = ap.remind;
    pol.auto_decide = ap.auto_decide;
  }
}

}  // namespace

CompileResult compile(ir::Bundle bundle) {
  CompileResult result;
  result.diagnostics = check(bundle);
  if (result.diagnostics.has_errors()) return result;

  auto impl = std::make_shared<CompiledBundle::Impl>();
  const std::size_t n_items = bundle.items.size();
  // Vertices: 0 = intake, 1..n = items in declaration order, n+1 = issuance.
  const std::size_t n = n_items + 2;
  impl->intake = StepId{0};
  impl->issuance = StepId{static_cast<std::uint32_t>(n - 1)};
  impl->steps.resize(n);

  StepGraph g(n);
  auto add_edge = [&](std::size_t from, std::size_t to) {
    auto [e, exists] = boost::edge(from, to, g);
    (void)e;
    if (!exists) boost::add_edge(from, to, g);
  };
  for (auto [from, to] : ir::dependency_edges(bundle)) add_edge(from + 1, to + 1);
  for (std::size_t i = 1; i <= n_items; ++i) {
    if (boost::in_degree(i, g) == 0) add_edge(0, i);
    if (boost::out_degree(i, g) == 0) add_edge(i, n - 1);
  }
  if (n_items == 0) add_edge(0, n - 1);

  // Deterministic topological order (Kahn's algorithm, smallest index first). Boost's
  // topological_sort is used as the independent acyclicity check.
  std::vector<std::size_t> boost_order;
  try {
    boost::topological_sort(g, std::back_inserter(boost_order));
  } catch (const boost::not_a_dag&) {
    YISHI_ASSERT(false, "the checker let a dependency cycle through");
  }
  std::vector<std::size_t> indeg(n);
  for (std::size_t v = 0; v < n; ++v) indeg[v] = boost::in_degree(v, g);
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  ready.push(0);
  std::vector<std::uint32_t> depth(n, 0);
  while (!ready.empty()) {
    const std::size_t v = ready.top();
    ready.pop();
    impl->order.push_back(StepId{static_cast<std::uint32_t>(v)});
    for (auto [ei, ee] = boost::out_edges(v, g); ei != ee; ++ei) {
      const std::size_t w = boost::target(*ei, g);
      depth[w] = std::max(depth[w], depth[v] + 1);
      if (--indeg[w] == 0) ready.push(w);
    }
  }
  YISHI_ASSERT(impl->order.size() == n, "topological order must cover every step");

  for (std::size_t v = 0; v < n; ++v) {
    Step& s = impl->steps[v];
    s.id = StepId{static_cast<std::uint32_t>(v)};
    s.depth = depth[v];
    for (auto [ei, ee] = boost::in_edges(v, g); ei != ee; ++ei)
      s.predecessors.push_back(StepId{static_cast<std::uint32_t>(boost::source(*ei, g))});
    for (auto [ei, ee] = boost::out_edges(v, g); ei != ee; ++ei)
      s.successors.push_back(StepId{static_cast<std::uint32_t>(boost::target(*ei, g))});
    std::sort(s.predecessors.begin(), s.predecessors.end());
    std::sort(s.successors.begin(), s.successors.end());
    if (v == 0) {
      s.kind = StepKind::intake;
      s.name = "intake";
      s.signers.push_back({"intake_clerk", bundle.lead.id, 1});
    } else if (v == n - 1) {
      s.kind = StepKind::issuance;
      s.name = "issuance";
      s.signers.push_back({"issuance_clerk", bundle.lead.id, 1});
    } else {
      const ir::Item& it = bundle.items[v - 1];
      s.kind = StepKind::review;
      s.name = it.id;
      s.item = static_cast<std::int32_t>(v - 1);
      s.join = resolve_join(it.review);
      for (const auto& sg : it.review.signers)
        s.signers.push_back({sg.role, sg.department ? sg.department->id : it.department.id, sg.weight});
    }
  }
  resolve_approvals(bundle, impl->order, impl->steps);
  impl->graph = std::move(g);
  impl->bundle = std::move(bundle);
  compile_conditions(*impl);
  result.compiled.emplace(std::move(impl));
  return result;
}

}  // namespace yishi
