// The durable store (SqliteStore) next to raw SQLite, measured in one run on one disk: every
// database lives in one fresh directory under std::filesystem::temp_directory_path() (so
// TMPDIR chooses the disk), raw and yishi alike, and starts empty with its write-ahead log
// at its working size (see settle_wal).
//  - BM_RawRowPerCommit: the physical limit of a durable commit. A WAL database with
//    `synchronous=FULL`, a prepared INSERT of one row (`payload_bytes`, about what one
//    yishi commit stores) per transaction (BEGIN IMMEDIATE; INSERT; COMMIT): commits/s.
//  - BM_RawBatched: the same, 1000 rows per transaction: rows/s.
//  - BM_YishiFull: the engine running restaurant cases to issuance (open → submit → accept →
//    6 signatures → issue, all four items) against a fresh SqliteStore with
//    `Durability::full`: every command is one transaction fsynced before it returns.
//    commits/s (target: ≥ 80% of the raw row-per-commit figure) and events/s.
//  - BM_YishiBatched: the same with `Durability::batched` (default interval and limit), 1000
//    cases per iteration followed by sync(), so the work timed is durable: events/s
//    (target ≥ 200,000).
//  - BM_Postgres/N: N engines, each with its own PostgresStore connection (as N engine
//    processes would), running restaurant cases to issuance at once on one PostgreSQL
//    schema of the throw-away server benchmarks/run.sh starts ($YISHI_PG_URL): events/s.
// Events and commits are counted from the engine's results and checked against the store's
// own statistics, not assumed.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "restaurant_workload.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;

namespace {

namespace fs = std::filesystem;

/// About what one yishi commit stores: BM_YishiFull reports 65 bytes per commit for the
/// restaurant case (its header, 19 bytes of encoded events and the command id).
constexpr std::size_t payload_bytes = 64;
constexpr int raw_batch_rows = 1000;
constexpr int batched_cases = 1000;

[[noreturn]] void die(const std::string& what) {
  std::fputs(("bench_store: " + what + "\n").c_str(), stderr);
  std::abort();
}

// ---- where the databases live -------------------------------------------------------------

/// One directory per process for every database of the run; removed at exit.
const fs::path& bench_dir() {
  struct Dir {
    fs::path path;
    Dir() : path(fs::temp_directory_path() / fmt::format("yishi-bench-store-{}", ::getpid())) {
      fs::remove_all(path);
      fs::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Dir dir;
  return dir.path;
}

/// Brings a new, empty database to the steady state of a database past its first checkpoint:
/// a write-ahead log at its working size (about 1000 frames, the auto-checkpoint), which later
/// commits overwrite from its start. Without this every commit of a fresh file extends the
/// log, and on ext4 an fdatasync that must also journal the new size costs more than one that
/// does not (2-3 times on the machine first measured): the figures would depend on how far
/// each benchmark got into its first log.
/// The file is left empty (no table, user_version 0), as SqliteStore requires of a new file.
void settle_wal(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    die(fmt::format("{}: cannot open: {}", path, sqlite3_errmsg(db)));
  const auto exec = [&](const char* sql) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      die(fmt::format("{}: `{}`: {}", path, sql, sqlite3_errmsg(db)));
  };
  int persist = 1;  // keep the log, at its size, when this connection closes
  sqlite3_file_control(db, nullptr, SQLITE_FCNTL_PERSIST_WAL, &persist);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=OFF");  // nothing here needs to be durable
  exec("CREATE TABLE settle(x INTEGER)");
  exec("INSERT INTO settle VALUES (0)");
  // one frame per transaction, the same page each time: the log grows, the file does not
  for (int k = 0; k < 1100; ++k) exec("UPDATE settle SET x = x + 1");
  exec("DROP TABLE settle");
  exec("PRAGMA wal_checkpoint(RESTART)");
  sqlite3_close_v2(db);
}

/// A fresh database path (the file and its -wal/-shm removed when the holder goes); the
/// file exists, empty, with its write-ahead log settled (see settle_wal).
class FreshFile {
 public:
  explicit FreshFile(const char* stem) {
    static int serial = 0;
    path_ = (bench_dir() / fmt::format("{}-{}.db", stem, ++serial)).string();
    remove();
    settle_wal(path_);
  }
  ~FreshFile() { remove(); }
  FreshFile(const FreshFile&) = delete;
  FreshFile& operator=(const FreshFile&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  void remove() const {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path_ + suffix, ec);
  }
  std::string path_;
};

// ---- raw SQLite ---------------------------------------------------------------------------

class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK)
      die(fmt::format("{}: cannot open: {}", path, sqlite3_errmsg(db_)));
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, payload BLOB NOT NULL)");
    begin_ = prepare("BEGIN IMMEDIATE");
    commit_ = prepare("COMMIT");
    insert_ = prepare("INSERT INTO log(case_id, payload) VALUES (?1, ?2)");
  }
  ~RawDb() {
    for (sqlite3_stmt* s : {begin_, commit_, insert_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void begin() { step(begin_); }
  void commit() { step(commit_); }
  void insert(std::int64_t case_id, const std::string& payload) {
    sqlite3_bind_int64(insert_, 1, case_id);
    sqlite3_bind_blob64(insert_, 2, payload.data(), payload.size(), SQLITE_STATIC);
    step(insert_);
  }
 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
      die(fmt::format("`{}`: {}", sql, sqlite3_errmsg(db_)));
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK)
      die(fmt::format("`{}`: {}", sql, sqlite3_errmsg(db_)));
    return s;
  }
  void step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) die(fmt::format("`{}`: {}", sqlite3_sql(s), sqlite3_errmsg(db_)));
    sqlite3_reset(s);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

/// Payloads that differ from row to row (SQLite does not compress, but stay honest), made
/// before timing starts; rows cycle through them.
std::vector<std::string> payloads() {
  std::vector<std::string> out(1024, std::string(payload_bytes, '\0'));
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (std::string& p : out)
    for (char& c : p) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      c = static_cast<char>(x);
    }
  return out;
}

void BM_RawRowPerCommit(benchmark::State& state) {
  const FreshFile file("raw-row");
  RawDb db(file.path());
  const std::vector<std::string> pool = payloads();
  std::uint64_t rows = 0;
  for (auto _ : state) {
    db.begin();
    db.insert(static_cast<std::int64_t>(rows / 10), pool[rows % pool.size()]);
    db.commit();
    ++rows;
  }
  state.counters["commits_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["payload_bytes"] = static_cast<double>(payload_bytes);
}
BENCHMARK(BM_RawRowPerCommit)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_RawBatched(benchmark::State& state) {
  const FreshFile file("raw-batched");
  RawDb db(file.path());
  const std::vector<std::string> pool = payloads();
  std::uint64_t rows = 0;
  for (auto _ : state) {
    db.begin();
    for (int k = 0; k < raw_batch_rows; ++k, ++rows)
      db.insert(static_cast<std::int64_t>(rows / 10), pool[rows % pool.size()]);
    db.commit();
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RawBatched)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- yishi: the engine over a SqliteStore -------------------------------------------------

const CompiledBundle& restaurant() {
  static const CompiledBundle cb = bench::restaurant();
  return cb;
}

const Calendar& calendar() {
  static const Calendar c = bench::calendar();
  return c;
}

using bench::Script;
using bench::set_id;

/// A fresh SqliteStore file and an engine over it (the engine goes first).
struct World {
  FreshFile file;
  SqliteStore store;
  ManualClock clock{Calendar{}.at(*parse_date("2025-09-26"), 15 * 60)};
  Engine engine;
  explicit World(const char* stem, Durability d)
      : file(stem), store(file.path(), SqliteOptions{.durability = d}), engine(store, clock, calendar()) {
    if (!engine.deploy(restaurant())) die("cannot deploy the restaurant bundle");
  }
};

struct Counts {
  std::uint64_t cases = 0, commits = 0, events = 0;
};

/// Runs one case to issuance, counting its commits (applied commands) and events.
void run_case(Engine& engine, Script& s, std::uint64_t& next_id, Counts& n) {
  set_id(s.open.id, next_id++);
  auto opened = engine.open_case(s.open);
  if (!opened) die(fmt::format("open_case: {}", opened.error().message));
  n.events += opened->events.size();
  ++n.commits;
  for (Command& c : s.steps) {
    set_id(c.id, next_id++);
    auto r = engine.execute(opened->case_id, c);
    if (!r) die(fmt::format("execute: {}", r.error().message));
    n.events += r->events.size();
    ++n.commits;
  }
  ++n.cases;
}

/// The counters shared by both modes; checks the engine's counts against the store's.
void report(benchmark::State& state, const World& w, const Counts& n) {
  const SqliteStats st = w.store.stats();
  if (st.appends != n.commits)
    die(fmt::format("the store recorded {} appends for {} applied commands", st.appends, n.commits));
  const auto rate = [](std::uint64_t v) { return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kIsRate); };
  const auto per_case = [&](std::uint64_t v) { return static_cast<double>(v) / static_cast<double>(std::max<std::uint64_t>(n.cases, 1)); };
  state.counters["cases_per_s"] = rate(n.cases);
  state.counters["commits_per_s"] = rate(n.commits);
  state.counters["events_per_s"] = rate(n.events);
  state.counters["transactions_per_s"] = rate(st.transactions);  // with case-id reservations and batches
  state.counters["commits/case"] = per_case(n.commits);
  state.counters["events/case"] = per_case(n.events);
}

/// What a stored commit weighs (header, events, command id), read back from the file by a
/// read-only connection.
void report_sizes(benchmark::State& state, const World& w) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(w.file.path().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    die(fmt::format("{}: cannot open: {}", w.file.path(), sqlite3_errmsg(db)));
  const auto scalar = [&](const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) die(fmt::format("`{}`: {}", sql, sqlite3_errmsg(db)));
    const double v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_double(s, 0) : 0.0;
    sqlite3_finalize(s);
    return v;
  };
  state.counters["event_bytes/commit"] = scalar("SELECT avg(length(events)) FROM commits");
  state.counters["bytes/commit"] = scalar("SELECT avg(length(events) + length(header) + length(command_id)) FROM commits");
  sqlite3_close_v2(db);
}

void BM_YishiFull(benchmark::State& state) {
  auto w = std::make_unique<World>("yishi-full", Durability::full);
  Script script;
  std::uint64_t next_id = 1;
  Counts n;
  for (auto _ : state) run_case(w->engine, script, next_id, n);
  report(state, *w, n);
  report_sizes(state, *w);
}
BENCHMARK(BM_YishiFull)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_YishiBatched(benchmark::State& state) {
  auto w = std::make_unique<World>("yishi-batched", Durability::batched);
  Script script;
  std::uint64_t next_id = 1;
  Counts n;
  for (auto _ : state) {
    for (int k = 0; k < batched_cases; ++k) run_case(w->engine, script, next_id, n);
    w->store.sync();  // the iteration's work is durable before the clock stops
  }
  report(state, *w, n);
  state.counters["cases/iteration"] = batched_cases;
  state.counters["appends/transaction"] =
      static_cast<double>(n.commits) / static_cast<double>(std::max<std::uint64_t>(w->store.stats().transactions, 1));
}
BENCHMARK(BM_YishiBatched)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- yishi: engines sharing a PostgreSQL schema ---------------------------------------------

constexpr int postgres_cases = 20;  ///< per engine and iteration

void BM_Postgres(benchmark::State& state) {
  const char* url = std::getenv("YISHI_PG_URL");
  if (!url) {
    state.SkipWithError("YISHI_PG_URL is not set (benchmarks/run.sh starts a server)");
    return;
  }
  const auto engines = static_cast<std::size_t>(state.range(0));
  static int runs = 0;  // each repetition on a schema of its own: command ids start again
  const std::string schema = fmt::format("bench_{}_{}_{}", ::getpid(), engines, runs++);
  struct Node {
    PostgresStore store;
    ManualClock clock{Calendar{}.at(*parse_date("2025-09-26"), 15 * 60)};
    Engine engine;
    Script script;
    Counts n;
    Node(const char* u, const std::string& s)
        : store(u, PostgresOptions{.schema = s}), engine(store, clock, calendar()) {
      if (!engine.deploy(restaurant())) die("cannot deploy the restaurant bundle");
    }
  };
  std::vector<std::unique_ptr<Node>> nodes;
  for (std::size_t k = 0; k < engines; ++k) nodes.push_back(std::make_unique<Node>(url, schema));
  std::vector<std::uint64_t> next(engines);
  for (std::size_t k = 0; k < engines; ++k) next[k] = (k + 1) * 1'000'000'000ULL;  // command ids apart
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < engines; ++k)
      threads.emplace_back([&, k] {
        for (int c = 0; c < postgres_cases; ++c) run_case(nodes[k]->engine, nodes[k]->script, next[k], nodes[k]->n);
      });
    for (auto& t : threads) t.join();
  }
  Counts n;
  for (const auto& node : nodes) {
    n.cases += node->n.cases;
    n.commits += node->n.commits;
    n.events += node->n.events;
  }
  const auto rate = [](std::uint64_t v) { return benchmark::Counter(static_cast<double>(v), benchmark::Counter::kIsRate); };
  state.counters["cases_per_s"] = rate(n.cases);
  state.counters["commits_per_s"] = rate(n.commits);
  state.counters["events_per_s"] = rate(n.events);
  state.counters["engines"] = static_cast<double>(engines);
}
BENCHMARK(BM_Postgres)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
