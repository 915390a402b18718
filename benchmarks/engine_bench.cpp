// Engine speed and memory, in memory, one thread, on the restaurant bundle (all four items
// active: a licence check, then a sequential, an all-signers and a single review in parallel).
//  - BM_RestaurantCaseToIssuance: open → submit → accept → 6 signatures → issue, per case.
//    Targets: ≥ 100,000 cases/s and ≥ 1,000,000 events applied/s.
//  - BM_ReplayFold: the fold alone (rebuilding a state from its log), events/s.
//  - BM_LiveStatePerCase (in the separate binary bench_engine_memory): heap bytes held per
//    active case (target ≤ 2 KiB), measured with a counting allocator; the stored event log
//    is reported apart.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <new>

#include "yishi/runtime/internal/plan.hpp"  // the fold alone, for BM_ReplayFold
#include "restaurant_workload.hpp"
#include "yishi/yishi.hpp"

// ---- a counting allocator: live heap bytes of this process --------------------------------
// Only in the memory build (bench_engine_memory): counting every allocation would slow the
// throughput figures down.
#ifdef YISHI_COUNT_HEAP
namespace {
std::atomic<std::int64_t> g_heap{0};
void* counted(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_heap.fetch_add(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void uncounted(void* p) noexcept {
  if (!p) return;
  g_heap.fetch_sub(static_cast<std::int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace
void* operator new(std::size_t n) { return counted(n); }
void* operator new[](std::size_t n) { return counted(n); }
void operator delete(void* p) noexcept { uncounted(p); }
void operator delete[](void* p) noexcept { uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { uncounted(p); }
#endif

using namespace yishi;

namespace {

using bench::calendar;
using bench::restaurant;
using bench::Script;
using bench::set_id;

struct World {
  MemoryStore store;
  ManualClock clock{Calendar{}.at(*parse_date("2025-09-26"), 15 * 60)};
  Engine engine;
  explicit World(const CompiledBundle& cb) : engine(store, clock, calendar()) { engine.deploy(cb); }
};

/// Runs one case to issuance; returns the number of events it recorded.
std::size_t run_case(World& w, Script& s, std::uint64_t& next_id, int stop_after = -1) {
  set_id(s.open.id, next_id++);
  auto opened = w.engine.open_case(s.open);
  if (!opened) std::abort();
  std::size_t events = opened->events.size();
  int k = 0;
  for (Command& c : s.steps) {
    if (k++ == stop_after) break;
    set_id(c.id, next_id++);
    auto r = w.engine.execute(opened->case_id, c);
    if (!r) std::abort();
    events += r->events.size();
  }
  return events;
}

#ifndef YISHI_COUNT_HEAP
void BM_RestaurantCaseToIssuance(benchmark::State& state) {
  const CompiledBundle cb = restaurant();
  Script script;
  std::uint64_t next_id = 1;
  auto world = std::make_unique<World>(cb);
  std::size_t cases = 0, events = 0;
  for (auto _ : state) {
    events += run_case(*world, script, next_id);
    if (++cases % 20000 == 0) {  // keep the in-memory log from growing without bound
      state.PauseTiming();
      world = std::make_unique<World>(cb);
      state.ResumeTiming();
    }
  }
  state.counters["cases/s"] = benchmark::Counter(static_cast<double>(cases), benchmark::Counter::kIsRate);
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events/case"] = static_cast<double>(events) / static_cast<double>(std::max<std::size_t>(cases, 1));
}
BENCHMARK(BM_RestaurantCaseToIssuance)->Unit(benchmark::kMicrosecond);

void BM_ReplayFold(benchmark::State& state) {
  const CompiledBundle cb = restaurant();
  World w(cb);
  Script script;
  std::uint64_t next_id = 1;
  run_case(w, script, next_id);
  const StoredCase log = *w.store.load(CaseId{1});
  const runtime_internal::Plan plan(cb);
  std::size_t events = 0;
  for (auto _ : state) {
    CaseState s = runtime_internal::replay(plan, log.id, log.commits, log.events);
    benchmark::DoNotOptimize(s);
    events += log.events.size();
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReplayFold)->Unit(benchmark::kMicrosecond);
#else

void BM_LiveStatePerCase(benchmark::State& state) {
  const CompiledBundle cb = restaurant();
  constexpr int n = 20000;
  double live = 0, log = 0, estimate = 0;
  for (auto _ : state) {
    state.PauseTiming();
    World w(cb);
    Script script;
    std::uint64_t next_id = 1;
    const std::int64_t before = g_heap.load();
    state.ResumeTiming();
    // each case stops mid-flight: accepted, licence checked, the parallel reviews under way
    for (int k = 0; k < n; ++k) run_case(w, script, next_id, 4);
    state.PauseTiming();
    const std::int64_t with_cache = g_heap.load();
    estimate = static_cast<double>(w.engine.live_state_bytes()) / n;
    w.engine.drop_cache();
    const std::int64_t without_cache = g_heap.load();
    live = static_cast<double>(with_cache - without_cache) / n;
    log = static_cast<double>(without_cache - before) / n;
    state.ResumeTiming();
  }
  state.counters["live_bytes/case"] = live;
  state.counters["estimated_bytes/case"] = estimate;
  state.counters["log_bytes/case"] = log;
}
BENCHMARK(BM_LiveStatePerCase)->Unit(benchmark::kMillisecond)->Iterations(1);
#endif

}  // namespace

BENCHMARK_MAIN();
