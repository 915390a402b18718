// Crash test of the durable stores: a child process (an engine) runs a workload of restaurant
// cases against a SQLite file or a PostgreSQL schema and is killed with SIGKILL at random
// points; after every kill the parent opens the store again and checks that
//   - every command the child saw succeed is in the file (in batched mode: once synced),
//   - every case's log is whole (contiguous commits, each with all its events) and replays,
//   - replaying each case's whole log gives the state its snapshot gives,
// and the next child carries on with the same workload: its commands are idempotent, so
// those already applied come back as duplicates. At the end a child finishes the workload
// undisturbed, and every case must have reached issuance.
//
//   store_crash_test SOURCE_DIR full|batched|postgres KILLS   (postgres: $YISHI_PG_URL)
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "workload.hpp"

using namespace yishi;

namespace {

using namespace yishi::workload;

constexpr int cases_per_generation = 150;

/// The child: runs generation `gen` of the workload, case by case in round-robin, writing
/// the id of each command that succeeded to the acknowledgement file once it is durable.
int child(const std::string& root, const std::string& mode, const std::string& db, const std::string& schema,
          const std::string& acks, int gen) {
  const Setup s = load(root);
  auto store = open_store(mode, db, schema);
  ManualClock clock(at(0, 0, 0));
  Engine engine(*store, clock, s.calendar);
  engine.deploy(s.bundle);
  const int ack_fd = ::open(acks.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (ack_fd < 0) return 3;
  std::vector<std::string> pending;
  const auto acknowledge = [&] {
    store->sync();  // batched: waits for the batch; full and PostgreSQL: durable already
    for (const std::string& id : pending) {
      const std::string line = id + "\n";
      if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::exit(4);
    }
    pending.clear();
  };
  std::vector<CaseId> ids(cases_per_generation);
  for (int step = 0; step < steps; ++step) {
    for (int k = 0; k < cases_per_generation; ++k) {
      clock.advance_to(at(gen, step, k));
      const std::string id = key(gen, k, step);
      CommandResult r = step == 0 ? engine.open_case(open_command(id))
                                  : engine.execute(ids[static_cast<std::size_t>(k)], step_command(step, id));
      auto applied = case_of(r);
      if (!applied) {
        std::fprintf(stderr, "%s refused: %s\n", id.c_str(), r.error().message.c_str());
        return 2;
      }
      if (step == 0) ids[static_cast<std::size_t>(k)] = *applied;
      pending.push_back(id);
      if (mode != "batched" || pending.size() >= 16) acknowledge();
    }
  }
  acknowledge();
  return 0;
}

std::vector<std::string> acknowledged(const std::string& path) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(all.substr(start, nl - start));
  return out;  // a line cut by the kill has no newline and is not counted
}

int failures = 0;
void fail(const std::string& what) {
  std::fprintf(stderr, "FAIL: %s\n", what.c_str());
  ++failures;
}

/// The parent's checks after a kill; returns the number of cases checked.
std::size_t verify(const Setup& s, Store& store, const std::string& acks) {
  ManualClock clock(at(0, 0, 0));
  Engine engine(store, clock, s.calendar);
  engine.deploy(s.bundle);
  for (const std::string& id : acknowledged(acks)) {
    auto rec = store.find_command(id);
    if (!rec) fail("acknowledged command " + id + " is not in the store");
    else if (rec->events.size() != rec->commit.count) fail("command " + id + " is missing events");
  }
  const auto ids = store.cases();
  for (CaseId id : ids) {
    try {
      auto log = store.load(id);
      if (!log || log->events.empty() || !std::holds_alternative<CaseOpened>(log->events.front()))
        fail(fmt::format("case {} does not start with case_opened", id.value));
      auto same = engine.verify(id);
      if (!same) fail(fmt::format("case {}: {}", id.value, same.error().message));
      else if (!*same) fail(fmt::format("case {}: its snapshot disagrees with its replayed log", id.value));
    } catch (const StoreError& e) {
      fail(e.what());
    }
  }
  return ids.size();
}


}  // namespace

int main(int argc, char** argv) {
  if (argc == 8 && std::string(argv[1]) == "--child")
    return child(argv[2], argv[3], argv[4], argv[5], argv[6], std::stoi(argv[7]));
  if (argc != 4) {
    std::fprintf(stderr, "usage: store_crash_test SOURCE_DIR full|batched|postgres KILLS\n");
    return 2;
  }
  const std::string root = argv[1], mode = argv[2];
  const int wanted = std::stoi(argv[3]);
  char dir_template[] = "/tmp/yishi-crash-XXXXXX";
  if (!::mkdtemp(dir_template)) return 2;
  const std::filesystem::path dir = dir_template;
  const std::string db = (dir / "cases.db").string(), acks = (dir / "acks.txt").string();
  const std::string schema = "crash_" + std::to_string(::getpid());
  const Setup s = load(root);
  std::mt19937 rng(static_cast<unsigned>(std::hash<std::string>{}(mode)) ^ 20261121u);
  std::uniform_int_distribution<int> delay_ms(mode == "postgres" ? 20 : 1, mode == "postgres" ? 400 : 60);
  int kills = 0, gen = 0, runs = 0;
  std::size_t cases = 0;
  const auto child_args = [&] {
    return std::vector<std::string>{"store_crash_test", "--child", root, mode, db, schema, acks, std::to_string(gen)};
  };
  while (kills < wanted && runs < wanted * 20) {
    ++runs;
    const pid_t pid = spawn(child_args());
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      ++kills;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      ++gen;  // the generation finished before the kill: the next child starts a new one
    } else {
      fail(fmt::format("a child failed on its own (status {})", status));
      break;
    }
    cases = verify(s, *open_store(mode, db, schema), acks);
    if (failures) break;
  }
  // An undisturbed child finishes the current generation; all its cases reach issuance.
  const pid_t pid = spawn(child_args());
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the last child could not finish the workload");
  auto store = open_store(mode, db, schema);
  cases = verify(s, *store, acks);
  ManualClock clock(at(0, 0, 0));
  Engine engine(*store, clock, s.calendar);
  engine.deploy(s.bundle);
  for (int k = 0; k < cases_per_generation; ++k) {
    auto rec = store->find_command(key(gen, k, 0));
    if (!rec) {
      fail(fmt::format("case {} of generation {} was never opened", k, gen));
      continue;
    }
    auto view = engine.view(rec->case_id);
    if (!view || view->status != CaseStatus::issued)
      fail(fmt::format("case {} of generation {} did not reach issuance", k, gen));
  }
  std::printf("%s: %d kills in %d runs, %d generations finished, %zu cases, %zu acknowledgements, %s\n",
              mode.c_str(), kills, runs, gen, cases, acknowledged(acks).size(), failures ? "FAILED" : "all checks hold");
  std::filesystem::remove_all(dir);
  if (kills < wanted) fail(fmt::format("only {} of {} kills landed while a child was running", kills, wanted));
  return failures ? 1 : 0;
}
