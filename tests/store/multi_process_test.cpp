// Several engine processes on one PostgreSQL schema drive the same cases and timers at once.
//
// Phase 1, commands: every worker runs every command of the workload (30 restaurant cases,
// eight steps each but every third stops after acceptance, fixed command ids), cases in a different order per worker, so they race
// on the same cases all the time; one extra worker is killed with SIGKILL midway.
// Phase 2, timers: one worker claims due cases with a lease and dies holding it; the others
// then fire every timer up to three months later (warnings, deferral deadlines, rating
// windows), each looping until no timer is due, waiting out the dead worker's lease.
// Checks: every case's log is gap-free and replays; every command is applied exactly once;
// every timer fired once (no duplicate warning, window end or closing) and none was missed
// (nothing is due, every case is closed).
//
//   store_multi_process_test SOURCE_DIR WORKERS      ($YISHI_PG_URL: the server)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "workload.hpp"

using namespace yishi;
using namespace yishi::workload;

namespace {

constexpr int cases = 30;
/// Every third case stops after acceptance: its warnings, overdue marks and the lapse of its
/// deferred material are left to the timers.
int steps_of(int k) { return k % 3 == 0 ? 3 : steps; }
const Instant end_of_timers = Calendar{}.at(*parse_date("2025-06-30"), 12 * 60);

int commands(const std::string& root, const std::string& schema, int worker) {
  const Setup s = load(root);
  auto store = open_store("postgres", "", schema);
  ManualClock clock(at(0, 0, 0));
  Engine engine(*store, clock, s.calendar, EngineOptions{.max_attempts = 8});
  engine.deploy(s.bundle);
  // Every (case, step), step-major, the cases rotated per worker: neighbours collide.
  std::vector<std::pair<int, int>> pending;
  for (int step = 0; step < steps; ++step)
    for (int j = 0; j < cases; ++j)
      if (const int k = (j + worker * 7) % cases; step < steps_of(k)) pending.push_back({k, step});
  std::map<int, CaseId> ids;
  for (int round = 0; !pending.empty(); ++round) {
    if (round > 500) {
      std::fprintf(stderr, "worker %d: %zu commands never applied\n", worker, pending.size());
      return 3;
    }
    std::vector<std::pair<int, int>> later;
    for (auto [k, step] : pending) {
      const std::string id = key(0, k, step);
      if (step > 0 && !ids.count(k)) {
        auto rec = store->find_command(key(0, k, 0));
        if (!rec) {
          later.push_back({k, step});
          continue;
        }
        ids[k] = rec->case_id;
      }
      clock.set(at(0, step, k));
      CommandResult r = step == 0 ? engine.open_case(open_command(id)) : engine.execute(ids[k], step_command(step, id));
      if (auto applied = case_of(r)) {
        if (step == 0) ids[k] = *applied;
        continue;
      }
      // Another worker has not yet done the step before, or won a race: try again later.
      if (r.error().kind != ErrorKind::invalid_transition && r.error().kind != ErrorKind::conflict) {
        std::fprintf(stderr, "worker %d: %s: %s\n", worker, id.c_str(), r.error().message.c_str());
        return 2;
      }
      later.push_back({k, step});
    }
    pending.swap(later);
    if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return 0;
}

int timers(const std::string& root, const std::string& schema, int worker) {
  const Setup s = load(root);
  auto store = open_store("postgres", "", schema);
  ManualClock clock(end_of_timers);
  Engine engine(*store, clock, s.calendar);
  engine.deploy(s.bundle);
  const std::string name = "worker-" + std::to_string(worker);
  for (int idle = 0; idle < 2000;) {
    const std::size_t fired = engine.fire_due(name, end_of_timers, 5, std::chrono::milliseconds(500));
    if (fired > 0) {
      idle = 0;
      continue;
    }
    if (store->due(end_of_timers, 1).empty()) return 0;
    ++idle;  // the rest is leased to others (or to a dead worker, until its lease runs out)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::fprintf(stderr, "%s: timers stayed due\n", name.c_str());
  return 3;
}

/// Claims due cases for a long lease and dies holding it.
int claim_and_die(const std::string& schema) {
  auto store = open_store("postgres", "", schema);
  const auto claimed = store->claim_due("doomed", end_of_timers, 5, std::chrono::milliseconds(1500));
  std::fprintf(stderr, "the doomed worker holds %zu cases\n", claimed.size());
  ::raise(SIGKILL);
  return 0;
}


int failures = 0;
void fail(const std::string& what) {
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  ++failures;
}

bool exited_ok(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--child") {
    const std::string phase = argv[2], root = argv[3], schema = argv[4];
    const int worker = std::stoi(argv[5]);
    if (phase == "commands") return commands(root, schema, worker);
    if (phase == "timers") return timers(root, schema, worker);
    return claim_and_die(schema);
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_multi_process_test SOURCE_DIR WORKERS\n");
    return 2;
  }
  const std::string root = argv[1];
  const int workers = std::stoi(argv[2]);
  const std::string schema = "multi_" + std::to_string(::getpid());
  const auto child = [&](const char* phase, int worker) {
    return spawn({"store_multi_process_test", "--child", phase, root, schema, std::to_string(worker)});
  };
  { auto create = open_store("postgres", "", schema); }  // the schema, before the workers race

  // Phase 1: commands, one extra worker killed midway.
  std::vector<pid_t> pids;
  for (int w = 0; w < workers; ++w) pids.push_back(child("commands", w));
  const pid_t victim = child("commands", workers);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
  for (pid_t p : pids)
    if (!exited_ok(p)) fail("a command worker failed");

  // Phase 2: timers, after a worker died holding leases.
  ::waitpid(child("doomed", 0), nullptr, 0);
  pids.clear();
  for (int w = 0; w < workers; ++w) pids.push_back(child("timers", w));
  for (pid_t p : pids)
    if (!exited_ok(p)) fail("a timer worker failed");

  // Checks.
  const Setup s = load(root);
  auto store = open_store("postgres", "", schema);
  ManualClock clock(end_of_timers);
  Engine engine(*store, clock, s.calendar);
  engine.deploy(s.bundle);
  if (!store->due(end_of_timers, 10).empty()) fail("timers are still due: some were missed");
  std::size_t events = 0, timer_commits = 0;
  for (int k = 0; k < cases; ++k) {
    for (int step = 0; step < steps_of(k); ++step)
      if (!store->find_command(key(0, k, step))) fail(fmt::format("command {} was never applied", key(0, k, step)));
    auto rec = store->find_command(key(0, k, 0));
    if (!rec) continue;
    const CaseId id = rec->case_id;
    auto log = store->load(id);  // throws on a gap
    if (!log) {
      fail(fmt::format("case {} is missing", id.value));
      continue;
    }
    events += log->events.size();
    std::set<std::string> keys;
    std::map<std::pair<std::size_t, std::uint32_t>, int> warnings;  // (event kind, item) per round
    int window_ended = 0, closed = 0;
    for (const Commit& c : log->commits) {
      if (!keys.insert(c.command_id).second) fail(fmt::format("case {}: command {} recorded twice", id.value, c.command_id));
      if (c.command == CommandKind::timer) ++timer_commits;
    }
    for (const Event& e : log->events) {
      if (const auto* w = std::get_if<DeadlineWarning>(&e)) ++warnings[{e.index(), w->item}];
      if (const auto* o = std::get_if<DeadlineOverdue>(&e)) ++warnings[{e.index(), o->item}];
      if (std::holds_alternative<RatingWindowEnded>(e)) ++window_ended;
      if (std::holds_alternative<CaseClosed>(e)) ++closed;
    }
    for (const auto& [what, n] : warnings)
      if (n > 1) fail(fmt::format("case {}: a deadline timer of item {} fired {} times", id.value, what.second, n));
    auto view = engine.view(id);
    if (steps_of(k) == steps) {
      if (window_ended != 1 || closed != 1)
        fail(fmt::format("case {}: the rating window ended {} times, the case closed {} times", id.value, window_ended,
                         closed));
      if (!view || view->status != CaseStatus::closed) fail(fmt::format("case {} is not closed", id.value));
    } else {
      if (warnings.empty()) fail(fmt::format("case {}: no deadline timer fired", id.value));
      // the deferred health certificates lapse, the food licence that needs them is revoked
      if (!view || view->status != CaseStatus::rejected)
        fail(fmt::format("case {} ended {}", id.value, view ? to_string(view->status) : "unreadable"));
    }
    auto same = engine.verify(id);
    if (!same || !*same) fail(fmt::format("case {}: its snapshot disagrees with its log", id.value));
  }
  std::printf("%d workers (+1 killed, +1 died holding leases): %d cases, %zu events, %zu timer commits, %s\n", workers,
              cases, events, timer_commits, failures ? "FAILED" : "all checks hold");
  return failures ? 1 : 0;
}
