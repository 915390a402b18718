// PostgresStore's failure paths: killed sessions, damaged rows, schemas changed or dropped under it.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"
#include "yishi/store/internal/codec.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// A raw libpq session of its own, for doing what another program (or an operator) would.
class Pg {
 public:
  Pg() : c_(PQconnectdb(postgres_url().c_str())) { REQUIRE(PQstatus(c_) == CONNECTION_OK); }
  ~Pg() { PQfinish(c_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;
  void exec(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    INFO(sql, ": ", std::string(PQresultErrorMessage(r)));
    PQclear(r);
    REQUIRE(ok);
  }
  /// The first column of the first row, as text ("" when there is none).
  std::string value(const std::string& sql) {
    PGresult* r = PQexec(c_, sql.c_str());
    INFO(sql, ": ", std::string(PQresultErrorMessage(r)));
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    std::string out = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "";
    PQclear(r);
    return out;
  }

 private:
  PGconn* c_;
};

const Event opened_event = CaseOpened{"b", "1", "甲公司", {true}};
const Event refused_event = Refused{"材料不符"};
std::span<const Event> one(const Event& e) { return {&e, 1}; }

Commit header(std::string key, std::uint64_t first, std::uint64_t fingerprint = 7) {
  return {std::move(key), fingerprint, corp, CommandKind::submit, at("2025-03-03", 9), first, 1};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// Ends the session of `store` on the server and waits until it is gone.
void kill_session(const PostgresStore& store) {
  postgres_exec(fmt::format("SELECT pg_terminate_backend({}, 5000)", store.backend_pid()));
}

std::string hex(std::string_view bytes) {
  std::string out = "\\x";
  for (unsigned char c : bytes) out += fmt::format("{:02x}", c);
  return out;
}

/// Wraps the schema's append function in a fuse: while armed, each call ends its own session
/// before appending (the transaction is rolled back, the client sees the connection lost).
void install_fuse(Pg& pg, const std::string& schema) {
  pg.exec(fmt::format(R"sql(
CREATE SEQUENCE {s}.fuse MINVALUE -1000 START 1000;
CREATE FUNCTION {s}.blow() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('{s}.fuse') <= 0 THEN
    PERFORM pg_terminate_backend(pg_backend_pid());
    PERFORM pg_sleep(10);
  END IF;
END $$;
ALTER FUNCTION {s}.append_commit(bigint, bigint, integer, text, bytea, bytea, bigint, bigint) RENAME TO append_commit_real;
CREATE FUNCTION {s}.append_commit(a bigint, b bigint, c integer, d text, e bytea, f bytea, g bigint, h bigint)
RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  PERFORM {s}.blow();
  RETURN {s}.append_commit_real(a, b, c, d, e, f, g, h);
END $$;
)sql",
                      fmt::arg("s", schema)));
}

/// The next `kills` appends end their sessions.
void arm_fuse(Pg& pg, const std::string& schema, int kills) {
  pg.exec(fmt::format("SELECT setval('{}.fuse', {}, true)", schema, -kills));
}

}  // namespace

TEST_CASE("store.postgres.paths.every_operation_survives_a_killed_session_and_counts_its_reconnect") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_to_issuance(engine, "r-");
  const CaseState state = engine.state(id).value();
  const Instant far = at("2026-01-01", 0);
  const auto hour = std::chrono::hours(1);
  const auto due_before = store.due(far, 10);
  std::uint64_t lost = store.reconnects();
  CHECK(lost == 0);

  kill_session(store);
  CHECK(store.version(id) == state.version);
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  auto whole = store.load(id);
  REQUIRE(whole);
  CHECK(whole->version() == state.version);
  CHECK(whole->commits.size() == 7);  // the opening and six commands
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  store.save_snapshot(id, state);
  CHECK(store.reconnects() == ++lost);
  kill_session(store);
  auto latest = store.load_latest(id);
  REQUIRE(latest);
  REQUIRE(latest->snapshot);
  CHECK(latest->base == state.version);
  CHECK(latest->commits.empty());
  CHECK(*latest->snapshot == state);
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  auto rec = store.find_command("r-2");
  REQUIRE(rec);
  CHECK(rec->case_id == id);
  CHECK(rec->commit.command == CommandKind::accept);
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  CHECK(store.due(far, 10) == due_before);
  CHECK(store.reconnects() == ++lost);
  kill_session(store);
  CHECK(store.claim_due("w", far, 10, hour) == due_before);
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  auto entries = store.claim_outbox("p", 100, hour);
  CHECK(entries.size() == whole->commits.size());
  CHECK(store.reconnects() == ++lost);
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry& e : entries) seqs.push_back(e.seq);
  kill_session(store);
  CHECK(store.ack_outbox("p", seqs) == seqs.size());
  CHECK(store.reconnects() == ++lost);

  kill_session(store);
  CHECK(store.cases() == std::vector<CaseId>{id});
  CHECK(store.reconnects() == ++lost);
  const StoredDefinition def{"b", "1", "00aa", "bundle: b\n"};
  kill_session(store);
  CHECK(store.put_definition(def));
  CHECK(store.reconnects() == ++lost);
  kill_session(store);
  CHECK(store.definitions() == std::vector<StoredDefinition>{def});
  CHECK(store.reconnects() == ++lost);

  // a store reserving its first block of ids on a fresh session
  PostgresStore other(postgres_url(), kind.options());
  kill_session(other);
  const CaseId fresh = other.allocate_case_id();
  CHECK(other.reconnects() == 1);
  CHECK(fresh.value > id.value);
  CHECK(store.reconnects() == lost);  // the other store's loss is its own
}

TEST_CASE("store.postgres.paths.an_append_whose_session_dies_is_retried_once_and_recognised_by_its_command_id") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  const CaseId a = store.allocate_case_id(), b = store.allocate_case_id();
  REQUIRE(store.append(a, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  Pg pg;
  install_fuse(pg, kind.schema);

  // the same command again (its reply lost, say): recognised as the one applied
  arm_fuse(pg, kind.schema, 1);
  CHECK(store.append(a, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  CHECK(store.reconnects() == 1);
  CHECK(store.version(a) == 1);
  // the id of an applied command on another version, another case, or with another fingerprint
  arm_fuse(pg, kind.schema, 1);
  CHECK(store.append(a, 1, header("k1", 2), one(refused_event), std::nullopt) == AppendStatus::duplicate);
  arm_fuse(pg, kind.schema, 1);
  CHECK(store.append(b, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::duplicate);
  arm_fuse(pg, kind.schema, 1);
  CHECK(store.append(a, 0, header("k1", 1, 8), one(opened_event), std::nullopt) == AppendStatus::duplicate);
  CHECK(store.reconnects() == 4);
  CHECK(store.version(a) == 1);
  CHECK_FALSE(store.version(b));
  // a new command whose first attempt died with its session is applied by the retry, once
  arm_fuse(pg, kind.schema, 1);
  CHECK(store.append(a, 1, header("k2", 2), one(refused_event), at("2025-03-09", 9)) == AppendStatus::ok);
  CHECK(store.reconnects() == 5);
  CHECK(store.version(a) == 2);
  CHECK(store.due(at("2025-03-10", 0), 10) == std::vector<DueCase>{{at("2025-03-09", 9), a}});
  auto outbox = store.claim_outbox("p", 10, std::chrono::hours(1));
  REQUIRE(outbox.size() == 2);
  CHECK(outbox[1].commit.command_id == "k2");
  // two lost sessions in one call: the store gives up, and nothing was appended
  arm_fuse(pg, kind.schema, 2);
  const std::string m =
      message_of([&] { (void)store.append(a, 2, header("k3", 3), one(refused_event), std::nullopt); });
  CHECK(contains(m, "PostgreSQL schema " + kind.schema));
  CHECK(contains(m, "the connection was lost twice"));
  CHECK(store.reconnects() == 6);
  CHECK(store.version(a) == 2);  // on a new session again
  CHECK(store.reconnects() == 7);
  CHECK_FALSE(store.find_command("k3"));
  CHECK(store.load(a)->commits.size() == 2);
}

TEST_CASE("store.postgres.paths.a_session_that_cannot_be_re_established_is_a_store_error") {
  const std::string role = "yishi_paths_nologin";
  struct DropRole {
    std::string name;
    ~DropRole() {
      if (const char* url = std::getenv("YISHI_PG_URL")) {
        PGconn* c = PQconnectdb(url);
        PQclear(PQexec(c, fmt::format("DROP OWNED BY {0} CASCADE; DROP ROLE IF EXISTS {0}", name).c_str()));
        PQfinish(c);
      }
    }
  } drop{role};
  postgres_exec(fmt::format("DROP ROLE IF EXISTS {0}; CREATE ROLE {0} LOGIN SUPERUSER", role));
  const std::string url = replace(postgres_url(), "postgres@", role + "@");
  PostgresKind kind;
  PostgresStore store(url, kind.options());
  const CaseId id = store.allocate_case_id();
  REQUIRE(store.append(id, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  postgres_exec(fmt::format("ALTER ROLE {} NOLOGIN", role));
  kill_session(store);
  const std::string m = message_of([&] { (void)store.version(id); });
  CHECK(contains(m, "PostgreSQL schema " + kind.schema));
  CHECK(contains(m, "cannot be re-established"));
  CHECK(contains(m, "not permitted to log in"));
  CHECK(store.reconnects() == 0);
  // once the role may log in again, the store carries on where it was
  postgres_exec(fmt::format("ALTER ROLE {} LOGIN", role));
  CHECK(store.version(id) == 1);
  CHECK(store.reconnects() == 1);
}

TEST_CASE("store.postgres.paths.a_session_killed_while_waiting_to_create_the_schema_is_a_store_error") {
  PostgresKind kind;
  PostgresOptions options = kind.options();
  options.application_name = fmt::format("yishi-paths-{}", kind.schema);
  Pg holder;
  holder.exec("BEGIN");
  holder.exec(fmt::format("SELECT pg_advisory_xact_lock({})", std::int64_t{0x5953484950470001}));
  std::string m = "not run";
  std::thread opener([&] { m = message_of([&] { PostgresStore store(postgres_url(), options); }); });
  Pg watcher;
  std::string pid;
  for (int k = 0; k < 500 && pid.empty(); ++k) {
    pid = watcher.value(fmt::format("SELECT pid FROM pg_stat_activity WHERE application_name = '{}' "
                                    "AND wait_event_type = 'Lock'",
                                    options.application_name));
    if (pid.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK_FALSE(pid.empty());  // the store waits for the other process's migration
  if (!pid.empty()) watcher.exec(fmt::format("SELECT pg_terminate_backend({}, 5000)", pid));
  holder.exec("COMMIT");
  opener.join();
  CHECK(contains(m, "PostgreSQL schema " + kind.schema + ": the connection was lost"));
  CHECK(watcher.value(fmt::format("SELECT count(*) FROM pg_namespace WHERE nspname = '{}'", kind.schema)) == "0");
  // a store opened afterwards creates the schema as usual
  PostgresStore store(postgres_url(), options);
  CHECK(store.cases().empty());
}

TEST_CASE("store.postgres.paths.a_schema_holding_a_table_of_another_program_is_refused_and_left_as_it_was") {
  PostgresKind kind;
  postgres_exec(fmt::format("CREATE SCHEMA {0}; CREATE TABLE {0}.cases(name text); "
                            "INSERT INTO {0}.cases VALUES ('theirs')",
                            kind.schema));
  const std::string m = message_of([&] { PostgresStore store(postgres_url(), kind.options()); });
  CHECK(contains(m, "PostgreSQL schema " + kind.schema + ": "));
  CHECK(contains(m, "\"cases\" already exists"));
  Pg pg;
  // the whole creation was rolled back: no meta table, no sequence, their row untouched
  CHECK(pg.value(fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = '{}'", kind.schema)) == "1");
  CHECK(pg.value(fmt::format("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = '{}' AND c.relkind = 'S'",
                             kind.schema)) == "0");
  CHECK(pg.value(fmt::format("SELECT name FROM {}.cases", kind.schema)) == "theirs");
}

TEST_CASE("store.postgres.paths.a_meta_table_of_another_shape_is_refused") {
  PostgresKind kind;
  postgres_exec(fmt::format("CREATE SCHEMA {0}; CREATE TABLE {0}.meta(key text PRIMARY KEY, value text); "
                            "INSERT INTO {0}.meta VALUES ('schema_version', '1')",
                            kind.schema));
  const std::string m = message_of([&] { PostgresStore store(postgres_url(), kind.options()); });
  CHECK(m == "PostgreSQL schema " + kind.schema + ": the table `meta` is not yishi's: its `value` column is not a bigint");
  Pg pg;
  CHECK(pg.value(fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = '{}'", kind.schema)) == "1");
}

TEST_CASE("store.postgres.paths.a_negative_schema_version_is_damage") {
  PostgresKind kind;
  postgres_exec(fmt::format("CREATE SCHEMA {0}; CREATE TABLE {0}.meta(key text PRIMARY KEY, value bigint NOT NULL); "
                            "INSERT INTO {0}.meta VALUES ('schema_version', -1)",
                            kind.schema));
  const std::string m = message_of([&] { PostgresStore store(postgres_url(), kind.options()); });
  CHECK(m == "PostgreSQL schema " + kind.schema + ": damaged yishi schema: its schema version is -1 (table `meta`)");
  Pg pg;  // nothing was created beside it
  CHECK(pg.value(fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = '{}'", kind.schema)) == "1");
  CHECK(pg.value(fmt::format("SELECT value FROM {}.meta", kind.schema)) == "-1");
}

TEST_CASE("store.postgres.paths.a_schema_name_with_quotes_and_spaces_is_quoted") {
  PostgresKind kind;  // only for a name no other test uses
  const std::string name = "Yishi \"q\" " + kind.schema;
  struct DropQuoted {
    std::string quoted;
    ~DropQuoted() {
      if (const char* url = std::getenv("YISHI_PG_URL")) {
        PGconn* c = PQconnectdb(url);
        PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + quoted + " CASCADE").c_str()));
        PQfinish(c);
      }
    }
  } drop{"\"Yishi \"\"q\"\" " + kind.schema + "\""};
  CaseId id;
  {
    PostgresStore store(postgres_url(), {.schema = name, .snapshot_every = 4, .application_name = "yishi-quoted"});
    id = store.allocate_case_id();
    REQUIRE(store.append(id, 0, header("k1", 1), one(opened_event), at("2025-03-04", 9)) == AppendStatus::ok);
  }
  Pg pg;
  CHECK(pg.value(fmt::format("SELECT count(*) FROM pg_namespace WHERE nspname = '{}'", name)) == "1");
  CHECK(pg.value(fmt::format("SELECT count(*) FROM {}.commits", drop.quoted)) == "1");
  PostgresStore again(postgres_url(), {.schema = name, .snapshot_every = 4, .application_name = "yishi-quoted"});
  CHECK(again.snapshot_interval() == 4);
  CHECK(again.version(id) == 1);
  CHECK(again.due(at("2025-03-05", 0), 10) == std::vector<DueCase>{{at("2025-03-04", 9), id}});
  const std::string m = message_of([&] { (void)again.append(id, 0, header("k2", 1, 0), {}, std::nullopt); });
  CHECK(m == "PostgreSQL schema " + name + ": append: the commit header does not match its events");
}

TEST_CASE("store.postgres.paths.ids_are_reserved_in_blocks_and_only_reserved_ids_open_cases") {
  PostgresKind kind;
  PostgresStore a(postgres_url(), kind.options()), b(postgres_url(), kind.options());
  std::vector<std::uint64_t> mine;
  for (int k = 0; k < 32; ++k) mine.push_back(a.allocate_case_id().value);
  CHECK(mine.front() == 1);
  CHECK(mine.back() == 32);
  CHECK(b.allocate_case_id().value == 33);  // b's block
  CHECK(a.allocate_case_id().value == 65);  // a's second block, after b's
  // any id of a reserved block may open a case, through any store; the first past them may not
  CHECK(a.append(CaseId{40}, 0, header("k40", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  CHECK(b.append(CaseId{96}, 0, header("k96", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  const std::string m = message_of([&] { (void)a.append(CaseId{97}, 0, header("k97", 1), one(opened_event), std::nullopt); });
  CHECK(m == "PostgreSQL schema " + kind.schema + ": append: case id 97 was not allocated by this store");
  CHECK_FALSE(a.find_command("k97"));
  // a case that does not exist is at version 0: any other expected version conflicts
  CHECK(a.append(CaseId{41}, 3, header("k41", 4), one(refused_event), std::nullopt) == AppendStatus::conflict);
  CHECK(a.append(CaseId{5000}, 3, header("k5000", 4), one(refused_event), std::nullopt) == AppendStatus::conflict);
  CHECK(a.cases() == std::vector<CaseId>{CaseId{40}, CaseId{96}});
  CHECK(a.backend_pid() != b.backend_pid());
  CHECK(a.backend_pid() > 0);
}

TEST_CASE("store.postgres.paths.claims_come_sorted_by_due_then_id_and_limits_are_clamped") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  std::vector<CaseId> ids;
  for (int k = 0; k < 6; ++k) ids.push_back(store.allocate_case_id());
  // dues out of id order, two of them equal
  const Instant dues[] = {at("2025-03-07", 9), at("2025-03-05", 9), at("2025-03-07", 9),
                          at("2025-03-04", 9), at("2025-03-06", 9), at("2025-03-05", 9)};
  for (std::size_t k = 0; k < ids.size(); ++k)
    REQUIRE(store.append(ids[k], 0, header(fmt::format("o{}", k), 1), one(opened_event), dues[k]) == AppendStatus::ok);
  const std::vector<DueCase> expected{{dues[3], ids[3]}, {dues[1], ids[1]}, {dues[5], ids[5]},
                                      {dues[4], ids[4]}, {dues[0], ids[0]}, {dues[2], ids[2]}};
  const std::size_t no_limit = std::numeric_limits<std::size_t>::max();
  CHECK(store.due(at("2025-04-01", 0), no_limit) == expected);
  CHECK(store.due(at("2025-04-01", 0), 0).empty());
  CHECK(store.claim_due("w", at("2025-04-01", 0), 0, std::chrono::hours(1)).empty());
  CHECK(store.claim_due("w", at("2025-04-01", 0), no_limit, std::chrono::hours(1)) == expected);
  CHECK(store.claim_due("v", at("2025-04-01", 0), no_limit, std::chrono::hours(1)).empty());
  // the outbox: no limit, nothing to acknowledge, and seqs that are not there
  CHECK(store.claim_outbox("p", 0, std::chrono::hours(1)).empty());
  auto all = store.claim_outbox("p", no_limit, std::chrono::hours(1));
  REQUIRE(all.size() == ids.size());
  for (std::size_t k = 1; k < all.size(); ++k) CHECK(all[k - 1].seq < all[k].seq);
  CHECK(store.ack_outbox("p", {}) == 0);
  const std::vector<std::uint64_t> unknown{all.back().seq + 100, all.back().seq + 101};
  CHECK(store.ack_outbox("p", unknown) == 0);
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry& e : all) seqs.push_back(e.seq);
  CHECK(store.ack_outbox("p", seqs) == ids.size());
  CHECK(store.claim_outbox("q", no_limit, std::chrono::hours(1)).empty());
}

TEST_CASE("store.postgres.paths.a_damaged_log_is_a_store_error_naming_the_case_and_the_version") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  const CaseId id = store.allocate_case_id();
  REQUIRE(store.append(id, 0, header("k1", 1), one(opened_event), std::nullopt) == AppendStatus::ok);
  REQUIRE(store.append(id, 1, header("k2", 2), one(refused_event), std::nullopt) == AppendStatus::ok);
  REQUIRE(store.append(id, 2, header("k3", 3), one(refused_event), std::nullopt) == AppendStatus::ok);
  const std::string where = "PostgreSQL schema " + kind.schema + ": ";
  Pg pg;
  SUBCASE("a header that does not decode") {
    pg.exec(fmt::format("UPDATE {}.commits SET header = '\\x09'::bytea WHERE command_id = 'k2'", kind.schema));
    const std::string m = message_of([&] { (void)store.load(id); });
    CHECK(m.rfind(fmt::format("{}case {}: the commit at version 2 cannot be decoded: ", where, id.value), 0) == 0);
    CHECK(message_of([&] { (void)store.load_latest(id); }) == m);
    const std::string f = message_of([&] { (void)store.find_command("k2"); });
    CHECK(f.rfind(where + "command `k2` cannot be decoded: ", 0) == 0);
    const std::string o = message_of([&] { (void)store.claim_outbox("p", 10, std::chrono::hours(1)); });
    CHECK(contains(o, "outbox entry "));
    CHECK(contains(o, " cannot be decoded: "));
    CHECK(store.find_command("k1"));  // the others still decode
    // The failed claim leased nothing: once the entry is repaired, another worker gets all three.
    CHECK(pg.value(fmt::format("SELECT count(*) FROM {}.outbox WHERE lease_owner IS NOT NULL", kind.schema)) == "0");
    pg.exec(fmt::format("UPDATE {0}.commits SET header = (SELECT header FROM {0}.commits WHERE command_id = 'k3') "
                        "WHERE command_id = 'k2'",
                        kind.schema));
    CHECK(store.claim_outbox("q", 10, std::chrono::hours(1)).size() == 3);
  }
  SUBCASE("events that do not decode") {
    pg.exec(fmt::format("UPDATE {}.commits SET events = '\\x01'::bytea WHERE command_id = 'k3'", kind.schema));
    const std::string m = message_of([&] { (void)store.load(id); });
    CHECK(m.rfind(fmt::format("{}case {}: the commit at version 3 cannot be decoded: ", where, id.value), 0) == 0);
    const std::string f = message_of([&] { (void)store.find_command("k3"); });
    CHECK(f.rfind(where + "command `k3` cannot be decoded: ", 0) == 0);
  }
  SUBCASE("a commit missing from the middle") {
    pg.exec(fmt::format("DELETE FROM {}.commits WHERE command_id = 'k2'", kind.schema));
    const std::string m = message_of([&] { (void)store.load(id); });
    CHECK(m == fmt::format("{}case {}: the log has a gap after version 1", where, id.value));
  }
  SUBCASE("a version that is null") {
    pg.exec(fmt::format("ALTER TABLE {0}.cases ALTER COLUMN version DROP NOT NULL; UPDATE {0}.cases SET version = NULL",
                        kind.schema));
    CHECK(message_of([&] { (void)store.version(id); }) == "PostgreSQL: an integer column of 0 bytes");
  }
  SUBCASE("a column whose type was changed") {
    pg.exec(fmt::format("ALTER TABLE {}.commits ALTER COLUMN count TYPE smallint", kind.schema));
    CHECK(message_of([&] { (void)store.load(id); }) == "PostgreSQL: an integer column of 2 bytes");
  }
  // whatever was damaged, nothing was written by the failed calls
  CHECK(pg.value(fmt::format("SELECT count(*) FROM {}.commits WHERE first_version > 3", kind.schema)) == "0");
  CHECK(store.append(id, 3, header("k3", 4), one(refused_event), std::nullopt) == AppendStatus::duplicate);
}

TEST_CASE("store.postgres.paths.a_snapshot_that_does_not_match_its_log_is_ignored") {
  PostgresKind kind;
  PostgresOptions options = kind.options();
  options.snapshot_every = 0;
  PostgresStore store(postgres_url(), options);
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_to_issuance(engine, "r-");
  const CaseState state = engine.state(id).value();
  const std::size_t commits = store.load(id).value().commits.size();
  Pg pg;
  const std::string table = kind.schema + ".snapshots";
  const auto sound = [&] {
    store.save_snapshot(id, state);
    auto latest = store.load_latest(id);
    REQUIRE(latest);
    REQUIRE(latest->snapshot);
    CHECK(latest->base == state.version);
  };
  const auto ignored = [&](const std::string& why) {
    INFO(why);
    auto latest = store.load_latest(id);
    REQUIRE(latest);
    CHECK_FALSE(latest->snapshot);
    CHECK(latest->base == 0);
    CHECK(latest->version() == state.version);
    CHECK(latest->commits.size() == commits);
  };
  const auto set_state = [&](const std::string& blob) {
    pg.exec(fmt::format("UPDATE {} SET state = '{}'::bytea, checksum = {}", table, hex(blob),
                        static_cast<std::int64_t>(store_internal::checksum(blob))));
  };
  sound();
  pg.exec(fmt::format("UPDATE {} SET format = 99", table));
  ignored("another format");
  sound();
  pg.exec(fmt::format("UPDATE {} SET chain = chain # 1", table));
  ignored("another chain");
  sound();
  pg.exec(fmt::format("UPDATE {} SET version = version + 100", table));
  ignored("no commit ends at its version");
  sound();
  pg.exec(fmt::format("UPDATE {} SET checksum = checksum # 1", table));
  ignored("a wrong checksum");
  sound();
  set_state(std::string(1, static_cast<char>(store_internal::state_format)) + "garbage");
  ignored("a state that does not decode, under a matching checksum");
  sound();
  CaseState other_case = state;
  other_case.id = CaseId{id.value + 1};
  set_state(store_internal::encode_state(other_case));
  ignored("the state of another case");
  sound();
  CaseState other_version = state;
  other_version.version = state.version + 1;
  set_state(store_internal::encode_state(other_version));
  ignored("the state at another version");
  // the engine replays the log and reaches the same state
  engine.drop_cache();
  CHECK(engine.state(id).value() == state);
  CHECK(engine.verify(id).value());
}

TEST_CASE("store.postgres.paths.save_snapshot_refuses_another_case_and_skips_what_it_cannot_store") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  const CaseId id = run_to_issuance(engine, "r-");
  CaseState state = engine.state(id).value();
  Pg pg;
  pg.exec(fmt::format("DELETE FROM {}.snapshots", kind.schema));
  CHECK(message_of([&] { store.save_snapshot(CaseId{id.value + 1}, state); }) ==
        "save_snapshot: the state belongs to another case");
  // a version inside a commit (none ends there): nothing is stored
  CaseState inside = state;
  inside.version = state.version + 5;
  store.save_snapshot(id, inside);
  CHECK(pg.value(fmt::format("SELECT count(*) FROM {}.snapshots", kind.schema)) == "0");
  // a snapshot table gone: the snapshot is lost quietly, the next read reports the damage
  pg.exec(fmt::format("DROP TABLE {}.snapshots", kind.schema));
  CHECK_NOTHROW(store.save_snapshot(id, state));
  const std::string m = message_of([&] { (void)store.load_latest(id); });
  CHECK(contains(m, "PostgreSQL schema " + kind.schema + ": "));
  CHECK(contains(m, "snapshots"));
  CHECK(store.load(id)->version() == state.version);  // the log itself is whole
}

TEST_CASE("store.postgres.paths.a_schema_dropped_under_the_store_fails_every_call_until_it_is_created_again") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  const CaseId id = store.allocate_case_id();
  REQUIRE(store.append(id, 0, header("k1", 1), one(opened_event), at("2025-03-04", 9)) == AppendStatus::ok);
  postgres_exec(fmt::format("DROP SCHEMA {} CASCADE", kind.schema));
  const std::string where = "PostgreSQL schema " + kind.schema + ": ";
  const auto refused = [&](const std::function<void()>& f) {
    const std::string m = message_of(f);
    INFO(m);
    CHECK(m.rfind(where, 0) == 0);
    CHECK(contains(m, "does not exist"));
  };
  const auto hour = std::chrono::hours(1);
  const std::vector<std::uint64_t> seqs{1};
  refused([&] { (void)store.append(id, 1, header("k2", 2), one(refused_event), std::nullopt); });
  refused([&] { (void)store.version(id); });
  refused([&] { (void)store.load(id); });
  refused([&] { (void)store.load_latest(id); });
  refused([&] { (void)store.find_command("k1"); });
  refused([&] { (void)store.due(at("2025-03-05", 0), 10); });
  refused([&] { (void)store.claim_due("w", at("2025-03-05", 0), 10, hour); });
  refused([&] { (void)store.claim_outbox("p", 10, hour); });
  refused([&] { (void)store.ack_outbox("p", seqs); });
  refused([&] { (void)store.cases(); });
  refused([&] { (void)store.put_definition({"b", "1", "00aa", "bundle: b\n"}); });
  refused([&] { (void)store.definitions(); });
  for (int k = 0; k < 31; ++k) (void)store.allocate_case_id();  // the rest of the reserved block
  refused([&] { (void)store.allocate_case_id(); });
  CHECK(store.reconnects() == 0);  // a missing table is no lost connection
  // another store creates the schema again; the first one works on it at once
  PostgresStore recreated(postgres_url(), kind.options());
  CHECK(store.cases().empty());
  CHECK_FALSE(store.version(id));
  CHECK(store.definitions().empty());
  CHECK(store.put_definition({"b", "1", "00aa", "bundle: b\n"}));
  CHECK(recreated.definitions().size() == 1);
}

TEST_CASE("store.postgres.paths.a_definition_removed_as_it_is_stored_is_reported_as_not_stored") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  const StoredDefinition kept{"b", "1", "00aa", "bundle: b\n"};
  REQUIRE(store.put_definition(kept));
  // another program's rule removes every new definition of bundle `gone` as it is inserted
  postgres_exec(fmt::format(R"sql(
CREATE FUNCTION {s}.reject() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM {s}.definitions WHERE seq = NEW.seq;
  RETURN NULL;
END $$;
CREATE TRIGGER reject AFTER INSERT ON {s}.definitions FOR EACH ROW WHEN (NEW.bundle = 'gone') EXECUTE FUNCTION {s}.reject();
)sql",
                            fmt::arg("s", kind.schema)));
  CHECK_FALSE(store.put_definition({"gone", "1", "00bb", "bundle: gone\n"}));
  CHECK(store.definitions() == std::vector<StoredDefinition>{kept});
  CHECK(store.put_definition(kept));  // the ones already there are still recognised
  StoredDefinition changed = kept;
  changed.hash = "00cc";
  CHECK_FALSE(store.put_definition(changed));
  CHECK(store.definitions() == std::vector<StoredDefinition>{kept});
}
