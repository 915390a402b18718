// The compiler: graph shape, order, parallelism, join policies, refusal of bad IR, sharing.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;

namespace {
// Builds an IR bundle directly: items named by letters with `after` edges.
ir::Bundle graph_bundle(const std::vector<std::pair<std::string, std::vector<std::string>>>& items) {
  ir::Bundle b;
  b.id = "g";
  b.name = "图";
  b.version = "1";
  b.lead.id = "d";
  b.departments.push_back({"d", "部门", "", {}});
  b.materials.push_back({"m", "材料", std::nullopt, false, "", false, "", {}});
  for (const auto& [id, after] : items) {
    ir::Item it;
    it.id = id;
    it.name = id;
    it.department.id = "d";
    it.materials.push_back({ir::Ref{"m", {}}, false});
    it.statutory = {5, 0};
    it.promised = {3, 0};
    it.review.signers.push_back({"reviewer", std::nullopt, 1, {}});
    for (const auto& a : after) it.after.push_back({a, {}});
    b.items.push_back(std::move(it));
  }
  return b;
}

std::vector<std::string> names(const CompiledBundle& cb) {
  std::vector<std::string> out;
  for (auto id : cb.topological_order()) out.push_back(cb.step(id).name);
  return out;
}

std::size_t position(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}
}  // namespace

TEST_CASE("compile.order.respects_every_dependency") {
  // Ties are broken by declaration order (e, a, b, c, d), so c precedes d.
  auto r = compile(graph_bundle({{"e", {"c", "d"}}, {"a", {}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {"a"}}}));
  INFO(render_text(r.diagnostics, SourceMap{}));
  REQUIRE(r.compiled);
  const auto order = names(*r.compiled);
  CHECK(order == std::vector<std::string>{"intake", "a", "b", "c", "d", "e", "issuance"});
  for (const auto& s : r.compiled->steps())
    for (auto p : s.predecessors) CHECK(position(order, r.compiled->step(p).name) < position(order, s.name));
}

TEST_CASE("compile.parallel.independent_items_share_a_level") {
  auto r = compile(graph_bundle({{"licence", {}}, {"food", {"licence"}}, {"sign", {"licence"}}, {"fire", {"licence"}}}));
  REQUIRE(r.compiled);
  const auto& cb = *r.compiled;
  const auto levels = cb.levels();
  REQUIRE(levels.size() == 4);  // intake, licence, {food, sign, fire}, issuance
  CHECK(levels[2].size() == 3);
  CHECK(cb.max_parallel_reviews() == 3);
  const Step& intake = cb.step(cb.intake());
  CHECK(intake.kind == StepKind::intake);
  REQUIRE(intake.successors.size() == 1);
  CHECK(cb.step(intake.successors[0]).name == "licence");
  const Step& issuance = cb.step(cb.issuance());
  CHECK(issuance.predecessors.size() == 3);  // the three parallel branches join at issuance
}

TEST_CASE("compile.diamond.joins_before_the_last_item") {
  auto r = compile(graph_bundle({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}}));
  REQUIRE(r.compiled);
  const Step& d = r.compiled->step(*r.compiled->step_of_item("d"));
  CHECK(d.predecessors.size() == 2);
  CHECK(d.depth == 3);
  CHECK(r.compiled->step(r.compiled->issuance()).predecessors.size() == 1);
}

TEST_CASE("compile.long_chain.is_linear") {
  std::vector<std::pair<std::string, std::vector<std::string>>> chain;
  for (int i = 0; i < 500; ++i)
    chain.push_back({fmt::format("s{}", i), i ? std::vector<std::string>{fmt::format("s{}", i - 1)} : std::vector<std::string>{}});
  auto r = compile(graph_bundle(chain));
  REQUIRE(r.compiled);
  CHECK(r.compiled->levels().size() == 502);
  CHECK(r.compiled->max_parallel_reviews() == 1);
}

TEST_CASE("compile.cycle.is_rejected_with_diagnostics") {
  auto r = compile(graph_bundle({{"a", {"c"}}, {"b", {"a"}}, {"c", {"b"}}, {"d", {}}}));
  CHECK_FALSE(r.compiled);
  REQUIRE(r.diagnostics.has_errors());
  CHECK(r.diagnostics.items()[0].code == DiagCode::dependency_cycle);
}

TEST_CASE("compile.refuses_any_checker_error") {
  auto b = graph_bundle({{"a", {"nope"}}});
  auto r = compile(b);
  CHECK_FALSE(r.compiled);
  CHECK(r.diagnostics.has_errors());
}

TEST_CASE("compile.join.policies_resolve_thresholds") {
  auto b = graph_bundle({{"all", {}}, {"any", {}}, {"vote", {}}, {"seq", {}}});
  auto signers = [](std::vector<int> w) {
    std::vector<ir::Signer> out;
    for (std::size_t i = 0; i < w.size(); ++i) out.push_back({fmt::format("r{}", i), std::nullopt, w[i], {}});
    return out;
  };
  b.items[0].review = {ir::JoinKind::all, 0, signers({1, 1, 1}), {}, {}, {}};
  b.items[1].review = {ir::JoinKind::any, 0, signers({1, 1, 1}), {}, {}, {}};
  b.items[2].review = {ir::JoinKind::vote, 4, signers({1, 2, 3}), {}, {}, {}};
  b.items[3].review = {ir::JoinKind::sequence, 0, signers({1, 1}), {}, {}, {}};
  auto r = compile(b);
  REQUIRE(r.compiled);
  auto join = [&](const char* id) { return r.compiled->step(*r.compiled->step_of_item(id)).join; };
  CHECK(join("all").threshold == 3);
  CHECK(join("any").threshold == 1);
  CHECK(join("vote").threshold == 4);
  CHECK(join("vote").total_weight == 6);
  CHECK(join("seq").threshold == 2);
  CHECK(r.compiled->step(*r.compiled->step_of_item("seq")).signers[1].department == "d");
}

TEST_CASE("compile.stages.order_items_across_stages") {
  auto b = graph_bundle({{"a", {}}, {"b", {}}, {"c", {}}, {"d", {"c"}}});
  b.stages.push_back({"s1", "一", {{"a", {}}, {"b", {}}}, {}});
  b.stages.push_back({"s2", "二", {{"c", {}}, {"d", {}}}, {}});
  auto r = compile(b);
  INFO(render_text(r.diagnostics, SourceMap{}));
  REQUIRE(r.compiled);
  const Step& c = r.compiled->step(*r.compiled->step_of_item("c"));
  CHECK(c.predecessors.size() == 2);  // a and b
  const Step& d = r.compiled->step(*r.compiled->step_of_item("d"));
  CHECK(d.predecessors.size() == 1);  // c only: the stage order reaches it through c
  CHECK(d.depth == 3);
}

TEST_CASE("compile.restaurant.matches_its_declared_structure") {
  SourceMap m;
  auto l = yaml::load_file(m, yishi::test::source_dir() + "/bundles/national/open_restaurant.yaml");
  REQUIRE(l.bundle);
  auto r = compile(std::move(*l.bundle));
  REQUIRE(r.compiled);
  const auto& cb = *r.compiled;
  CHECK(cb.steps().size() == 6);
  CHECK(cb.max_parallel_reviews() == 3);
  const auto order = names(cb);
  CHECK(order.front() == "intake");
  CHECK(order[1] == "licence_check");
  CHECK(order.back() == "issuance");
  CHECK(cb.step(*cb.step_of_item("food_licence")).join.kind == ir::JoinKind::sequence);
}

TEST_CASE("compile.result.is_deterministic_and_shareable_across_threads") {
  auto b = graph_bundle({{"a", {}}, {"b", {"a"}}, {"c", {"a"}}, {"d", {"b", "c"}}});
  auto r1 = compile(b);
  auto r2 = compile(b);
  REQUIRE(r1.compiled);
  REQUIRE(r2.compiled);
  CHECK(names(*r1.compiled) == names(*r2.compiled));
  const CompiledBundle shared = *r1.compiled;
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, copy = shared] {
      for (int i = 0; i < 1000; ++i)
        if (names(copy) == names(shared) && copy.bundle() == b) ++ok;
    });
  for (auto& t : threads) t.join();
  CHECK(ok == 4000);
}
