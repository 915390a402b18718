// SqliteStore's own paths: foreign and newer files, schema upgrades, damaged snapshots and
// commits, a locked database, a full disk, batches. Each damage is made with a second,
// raw SQLite connection on the same file, as another program or a bad disk would.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <fstream>
#include <functional>
#include <thread>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"
#include "yishi/store/internal/codec.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// A raw connection to the same file, for doing what another program would.
class Raw {
 public:
  explicit Raw(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK); }
  ~Raw() { sqlite3_close(db_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql, ": ", err ? err : "");
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  std::int64_t integer(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    const std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};


}  // namespace

TEST_CASE("store.sqlite.a_file_that_is_not_a_yishi_database_is_refused_and_left_alone") {
  test::TempDir dir;
  const std::string junk = dir.file("junk.db");
  std::string bytes(8192, '\0');
  for (std::size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<char>((k * 131 + 7) % 251);
  std::ofstream(junk, std::ios::binary) << bytes;
  const std::string m = message_of([&] { SqliteStore s(junk); });
  CHECK(m.find(junk) != std::string::npos);
  CHECK(m.find("not a yishi database") != std::string::npos);
  CHECK(m.find("not a SQLite database") != std::string::npos);
  CHECK(test::read_file(junk) == bytes);

  const std::string other = dir.file("other.db");
  {
    Raw raw(other);
    raw.exec("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)");
  }
  CHECK(message_of([&] { SqliteStore s(other); }).find("another application") != std::string::npos);
  CHECK(Raw(other).integer("SELECT count(*) FROM sqlite_master") == 1);

  const std::string missing_dir = dir.file("no/such/folder/cases.db");
  CHECK(message_of([&] { SqliteStore s(missing_dir); }).find("cannot open") != std::string::npos);
}

TEST_CASE("store.sqlite.a_database_of_a_newer_schema_is_refused") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  { SqliteStore s(path); }
  Raw(path).exec("PRAGMA user_version = 99");
  const std::string m = message_of([&] { SqliteStore s(path); });
  CHECK(m.find("schema version 99") != std::string::npos);
  CHECK(m.find("newer") != std::string::npos);
  CHECK(Raw(path).integer("PRAGMA user_version") == 99);
}

// Found by fuzz_sqlite_store (tests/regress/sqlite_store-negative-schema-version): a damaged
// header with a negative user_version indexed the migrations with it.
TEST_CASE("store.sqlite.a_database_with_a_negative_schema_version_is_refused") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  { SqliteStore s(path); }
  Raw(path).exec("PRAGMA user_version = -3");
  const std::string m = message_of([&] { SqliteStore s(path); });
  CHECK(m.find("damaged") != std::string::npos);
  CHECK(m.find("schema version is -3") != std::string::npos);
  CHECK(Raw(path).integer("PRAGMA user_version") == -3);
}

TEST_CASE("store.sqlite.a_database_of_schema_version_1_is_upgraded_when_opened") {
  test::TempDir dir;
  const std::string path = dir.file("v1.db");
  // A file as schema version 1 wrote it: one case with one commit, no outbox, no snapshots.
  const Commit commit{"old-1", 42, corp, CommandKind::open, at("2025-03-03", 9), 1, 1};
  const Event opened = CaseOpened{"b", "1", "甲公司", {true}};
  const std::string header = store_internal::encode_header(commit);
  const std::string events = store_internal::encode_events(std::span(&opened, 1));
  {
    Raw raw(path);
    raw.exec(R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('next_case_id', 33);
CREATE TABLE cases(id INTEGER PRIMARY KEY, version INTEGER NOT NULL, chain INTEGER NOT NULL, next_due INTEGER);
CREATE INDEX cases_by_due ON cases(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE commits(seq INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, first_version INTEGER NOT NULL,
  count INTEGER NOT NULL, command_id TEXT NOT NULL UNIQUE, header BLOB NOT NULL, events BLOB NOT NULL,
  chain INTEGER NOT NULL, UNIQUE(case_id, first_version));
PRAGMA user_version = 1;
PRAGMA application_id = 1498630217;
)sql");
    const auto hex = [](std::string_view s) {
      std::string out;
      for (unsigned char c : s) out += fmt::format("{:02x}", c);
      return out;
    };
    const auto link = static_cast<std::int64_t>(store_internal::chain(0, header, events));
    raw.exec(fmt::format("INSERT INTO commits VALUES(1, 7, 1, 1, 'old-1', x'{}', x'{}', {})", hex(header), hex(events), link));
    raw.exec(fmt::format("INSERT INTO cases VALUES(7, 1, {}, {})", link, at("2025-03-04", 9).time_since_epoch().count()));
  }
  SqliteStore store(path);
  CHECK(Raw(path).integer("PRAGMA user_version") == SqliteStore::schema_version);
  auto log = store.load(CaseId{7});
  REQUIRE(log);
  CHECK(log->commits == std::vector<Commit>{commit});
  CHECK(log->events == std::vector<Event>{opened});
  // the commit stored before the outbox existed is delivered
  auto entries = store.claim_outbox("p", 10, std::chrono::hours(1));
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].commit.command_id == "old-1");
  // timers and their leases work on the upgraded table; ids continue from the counter
  CHECK(store.claim_due("w", at("2025-03-05", 0), 10, std::chrono::hours(1)).size() == 1);
  CHECK(store.allocate_case_id().value == 33);
  CHECK(store.append(CaseId{7}, 1, Commit{"new-2", 1, corp, CommandKind::submit, at("2025-03-03", 10), 2, 1},
                     std::vector<Event>{Submitted{}}, std::nullopt) == AppendStatus::ok);
  CHECK(store.load(CaseId{7})->version() == 2);
}

TEST_CASE("store.sqlite.a_damaged_snapshot_is_ignored_and_rebuilt_from_the_log") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  ManualClock clock(at("2025-03-03", 10));
  CaseId id;
  CaseState live;
  {
    SqliteStore store(path, {.snapshot_every = 4});
    Engine engine(store, clock, calendar_2025());
    REQUIRE(engine.deploy(restaurant()));
    id = run_to_issuance(engine, "a-");
    live = engine.state(id).value();
    store.sync();
    CHECK(store.stats().snapshots_written >= 1);
  }
  Raw raw(path);
  const std::int64_t version = raw.integer("SELECT version FROM snapshots WHERE case_id = " + std::to_string(id.value));
  CHECK(version >= 4);
  for (const char* damage : {"UPDATE snapshots SET state = state || x'00'",
                             "UPDATE snapshots SET chain = chain + 1", "UPDATE snapshots SET format = 99"}) {
    CAPTURE(damage);
    {
      SqliteStore store(path, {.snapshot_every = 4});
      CHECK(store.load_latest(id)->base > 0);  // sound before the damage
    }
    raw.exec(damage);
    SqliteStore store(path, {.snapshot_every = 4});
    auto latest = store.load_latest(id);
    REQUIRE(latest);
    CHECK_FALSE(latest->snapshot);
    CHECK(latest->base == 0);
    CHECK(store.stats().snapshots_rejected == 1);
    Engine engine(store, clock, calendar_2025());
    REQUIRE(engine.deploy(restaurant()));
    CHECK(engine.state(id).value() == live);  // replayed from the whole log, and snapshotted again
    store.sync();
    CHECK(store.load_latest(id)->snapshot);
  }
}

TEST_CASE("store.sqlite.a_snapshot_that_disagrees_with_replay_is_found_by_verify_and_rebuilt") {
  test::TempDir dir;
  SqliteStore store(dir.file("cases.db"), {.snapshot_every = 0});
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_to_issuance(engine, "a-");
  const CaseState live = engine.state(id).value();
  CaseState wrong = live;
  wrong.items[0].round = 9;  // well-formed, checksummed, at a commit boundary, and wrong
  store.save_snapshot(id, wrong);
  store.sync();
  engine.drop_cache();
  CHECK(engine.state(id).value() == wrong);  // loading trusts a sound snapshot...
  CHECK_FALSE(engine.verify(id).value());    // ...verify replays the log and disagrees
  store.sync();
  CHECK(engine.verify(id).value());
  engine.drop_cache();
  CHECK(engine.state(id).value() == live);
}

TEST_CASE("store.sqlite.a_damaged_commit_is_a_store_error_naming_the_case") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  ManualClock clock(at("2025-03-03", 10));
  SqliteStore store(path, {.snapshot_every = 0});
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId a = run_to_issuance(engine, "a-"), b = run_to_issuance(engine, "b-");
  const CaseState b_state = engine.state(b).value();
  Raw(path).exec(fmt::format("UPDATE commits SET events = x'0107ff' WHERE case_id = {} AND first_version = 2", a.value));
  engine.drop_cache();
  const std::string m = message_of([&] { (void)engine.state(a); });
  CHECK(m.find(fmt::format("case {}", a.value)) != std::string::npos);
  CHECK(m.find("the commit at version 2 was altered") != std::string::npos);
  CHECK(engine.state(b).value() == b_state);  // the other cases are untouched
  const CaseId c = run_to_issuance(engine, "c-");
  Raw(path).exec(fmt::format("DELETE FROM commits WHERE case_id = {} AND first_version = 2", b.value));
  Raw(path).exec(fmt::format("DELETE FROM commits WHERE case_id = {} AND first_version = "
                             "(SELECT max(first_version) FROM commits WHERE case_id = {})",
                             c.value, c.value));
  engine.drop_cache();
  CHECK(message_of([&] { (void)engine.state(b); }).find("gap after version 1") != std::string::npos);
  CHECK(message_of([&] { (void)engine.state(c); }).find("the log ends at version") != std::string::npos);
}

TEST_CASE("store.sqlite.a_locked_database_is_reported_and_nothing_is_half_written") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  SqliteStore store(path, {.busy_timeout = std::chrono::milliseconds(50)});
  const CaseId id = store.allocate_case_id();
  const Event opened = CaseOpened{"b", "1", "a", {true}};
  const Commit c1{"k1", 1, corp, CommandKind::open, at("2025-03-03", 9), 1, 1};
  Raw other(path);
  other.exec("BEGIN EXCLUSIVE");
  const std::string m = message_of([&] { (void)store.append(id, 0, c1, std::span(&opened, 1), std::nullopt); });
  CHECK(m.find("locked") != std::string::npos);
  other.exec("ROLLBACK");
  CHECK_FALSE(store.version(id));
  CHECK(store.append(id, 0, c1, std::span(&opened, 1), std::nullopt) == AppendStatus::ok);
  CHECK(store.version(id) == 1);
}

TEST_CASE("store.sqlite.a_full_disk_fails_the_command_and_leaves_every_case_whole") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  ManualClock clock(at("2025-03-03", 10));
  SqliteStore store(path, {.snapshot_every = 0, .max_pages = 40});
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  std::string failure;
  int k = 0;
  for (; k < 500 && failure.empty(); ++k) {
    try {  // the commands of run_to_issuance, without assertions: the store error must come out
      const std::string p = "c" + std::to_string(k) + "-";
      auto opened = engine.open_case(open_plain(p + "open"));
      if (!opened) continue;
      const CaseId id = opened->case_id;
      (void)engine.execute(id, cmd(p + "1", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}}));
      (void)engine.execute(id, cmd(p + "2", clerk, Accept{}));
      (void)engine.execute(id, cmd(p + "3", li, Sign{"licence_check", Decision::approve, std::string(300, 'x'), {}, std::nullopt}));
      (void)engine.execute(id, cmd(p + "4", clerk, Issue{}));
    } catch (const StoreError& e) {
      failure = e.what();
    }
  }
  REQUIRE_MESSAGE(!failure.empty(), "the size limit was never reached");
  CHECK(failure.find("disk is full") != std::string::npos);
  // Every case in the file replays whole, and the engine's view of each is the file's.
  SqliteStore reader(path);
  Engine fresh(reader, clock, calendar_2025());
  REQUIRE(fresh.deploy(restaurant()));
  for (CaseId id : reader.cases()) {
    CAPTURE(id.value);
    auto from_file = fresh.state(id);
    REQUIRE(from_file);
    auto from_engine = engine.state(id);
    REQUIRE(from_engine);
    CHECK(*from_engine == *from_file);
  }
  CHECK(reader.cases().size() >= 2);
}

TEST_CASE("store.sqlite.batched_appends_are_durable_after_sync") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  SqliteStore store(path, {.durability = Durability::batched, .batch_interval = std::chrono::hours(1)});
  const Event opened = CaseOpened{"b", "1", "a", {true}};
  for (int k = 0; k < 10; ++k) {
    const CaseId id = store.allocate_case_id();
    REQUIRE(store.append(id, 0, Commit{"k" + std::to_string(k), 1, corp, CommandKind::open, {}, 1, 1},
                         std::span(&opened, 1), std::nullopt) == AppendStatus::ok);
  }
  CHECK(store.cases().size() == 10);           // this connection sees its batch
  CHECK(Raw(path).integer("SELECT count(*) FROM commits") == 0);  // others do not, yet
  store.sync();
  CHECK(Raw(path).integer("SELECT count(*) FROM commits") == 10);
  CHECK(store.stats().transactions == 1);  // ten appends (and the id reservation), one transaction
}

TEST_CASE("store.sqlite.a_batch_closes_by_itself_after_its_interval") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  SqliteStore store(path, {.durability = Durability::batched, .batch_interval = std::chrono::milliseconds(20)});
  const Event opened = CaseOpened{"b", "1", "a", {true}};
  const CaseId id = store.allocate_case_id();
  REQUIRE(store.append(id, 0, Commit{"k", 1, corp, CommandKind::open, {}, 1, 1}, std::span(&opened, 1), std::nullopt) ==
          AppendStatus::ok);
  Raw raw(path);
  std::int64_t seen = 0;
  for (int k = 0; k < 500 && seen == 0; ++k) {  // up to 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = raw.integer("SELECT count(*) FROM commits");
  }
  CHECK(seen == 1);
}

TEST_CASE("store.sqlite.a_batch_rolled_back_by_a_full_disk_makes_the_store_refuse_every_later_call") {
  test::TempDir dir;
  const std::string path = dir.file("cases.db");
  SqliteStore store(path, {.durability = Durability::batched, .batch_interval = std::chrono::hours(1),
                           .batch_limit = 1000000, .max_pages = 30});
  const std::vector<Event> big{Refused{std::string(2000, 'x')}};
  std::string failure;
  std::int64_t synced = 0, appended = 0;
  for (int k = 0; k < 2000 && failure.empty(); ++k) {
    try {
      const CaseId id = store.allocate_case_id();
      if (store.append(id, 0, Commit{"k" + std::to_string(k), 1, corp, CommandKind::open, {}, 1, 1}, big,
                       std::nullopt) == AppendStatus::ok)
        ++appended;
      if (k % 10 == 9) {
        store.sync();
        synced = appended;
      }
    } catch (const StoreError& e) {
      failure = e.what();
    }
  }
  INFO(failure);
  // SQLite rolls a transaction back on a full disk: the open batch is lost as a whole...
  CHECK(failure.find("disk is full") != std::string::npos);
  CHECK(failure.find("rolled back and lost") != std::string::npos);
  CHECK(synced > 0);
  CHECK(appended > synced);
  CHECK(Raw(path).integer("SELECT count(*) FROM commits") == synced);
  // ...and the store says so to every later caller, since engines hold states the file lost
  CHECK(message_of([&] { (void)store.version(CaseId{1}); }).find("unusable") != std::string::npos);
  CHECK(message_of([&] { store.sync(); }).find("unusable") != std::string::npos);
  CHECK(message_of([&] { (void)store.allocate_case_id(); }).find("unusable") != std::string::npos);
  // opened again, the file holds the synced batches, whole
  SqliteStore again(path);
  CHECK(static_cast<std::int64_t>(again.cases().size()) == synced);
}
