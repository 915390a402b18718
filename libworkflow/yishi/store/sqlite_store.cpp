// SqliteStore: case logs in one SQLite file (WAL), through prepared statements only.
//
// Tables (docs/storage.md): `cases` (version, chain, next timer and its lease), `commits`
// (the append-only log, one row per command with its events encoded, unique by command id),
// `outbox` (commits not yet acknowledged), `snapshots`, `meta` (the case id counter).
// One mutex serialises the connection; a background thread closes batches in batched mode.
#include "yishi/store/sqlite_store.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>

#include "yishi/store/internal/codec.hpp"

namespace yishi {

std::string_view to_string(Durability d) { return d == Durability::full ? "full" : "batched"; }

namespace {

using store_internal::CodecError;

/// `YSHI`: marks the file as a yishi database (PRAGMA application_id).
constexpr std::int32_t application_id = 0x59534849;
/// Case ids are reserved from the `meta` counter this many at a time.
constexpr std::int64_t id_block = 32;

/// Migration k brings the schema from version k to k + 1. Append only.
constexpr std::array<const char*, SqliteStore::schema_version> migrations{
    // 1: case logs, idempotency keys, timers.
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('next_case_id', 1);
CREATE TABLE cases(
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  chain INTEGER NOT NULL,
  next_due INTEGER);
CREATE INDEX cases_by_due ON cases(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE commits(
  seq INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL,
  first_version INTEGER NOT NULL,
  count INTEGER NOT NULL,
  command_id TEXT NOT NULL UNIQUE,
  header BLOB NOT NULL,
  events BLOB NOT NULL,
  chain INTEGER NOT NULL,
  UNIQUE(case_id, first_version));
)sql",
    // 2: the outbox, snapshots and timer leases. Commits already stored enter the outbox.
    R"sql(
CREATE TABLE outbox(seq INTEGER PRIMARY KEY, lease_owner TEXT, lease_until INTEGER);
INSERT INTO outbox(seq) SELECT seq FROM commits;
CREATE TABLE snapshots(
  case_id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  chain INTEGER NOT NULL,
  checksum INTEGER NOT NULL,
  format INTEGER NOT NULL,
  state BLOB NOT NULL);
ALTER TABLE cases ADD COLUMN lease_owner TEXT;
ALTER TABLE cases ADD COLUMN lease_until INTEGER;
)sql",
    // 3: published definitions, every version by content hash.
    R"sql(
CREATE TABLE definitions(
  seq INTEGER PRIMARY KEY,
  bundle TEXT NOT NULL,
  version TEXT NOT NULL,
  hash TEXT NOT NULL,
  source TEXT NOT NULL,
  UNIQUE(bundle, version));
)sql",
};

std::string describe(sqlite3* db, int rc) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string_view what;
  switch (rc & 0xff) {
    case SQLITE_FULL: what = "the disk is full (or the database reached its size limit)"; break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: what = "the database is locked by another connection"; break;
    case SQLITE_NOTADB: what = "the file is not a SQLite database"; break;
    case SQLITE_CORRUPT: what = "the database file is corrupt"; break;
    case SQLITE_READONLY: what = "the database is read-only"; break;
    case SQLITE_IOERR: what = "an I/O error"; break;
    case SQLITE_CANTOPEN: what = "the file cannot be opened"; break;
    case SQLITE_PERM: what = "permission denied"; break;
    default: break;
  }
  if (what.empty()) return detail;
  return fmt::format("{} ({})", what, detail);
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t as_int(std::uint64_t v) { return static_cast<std::int64_t>(v); }
/// A LIMIT parameter: SQLite's integers are signed.
std::int64_t as_limit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}

/// One prepared statement, reset after each use.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(s_); }

  void prepare(sqlite3* db, const std::string& path, const char* sql) {
    db_ = db;
    path_ = &path;
    if (int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr); rc != SQLITE_OK) {
      failure_ = rc;
      throw StoreError(fmt::format("{}: {}", path, describe(db, rc)));
    }
  }
  /// SQLite's (extended) result code of the last failure of this statement, or SQLITE_OK.
  [[nodiscard]] int failure() const noexcept { return failure_; }

  /// Binds parameters 1.. in order (integers, text, blobs as std::string_view, null as nullopt).
  template <class... A>
  Statement& bind(const A&... args) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    int k = 0;
    (bind_one(++k, args), ...);
    (void)k;
    return *this;
  }

  /// Steps once: true when a row is ready, false when done. Throws on errors.
  bool step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    failure_ = rc;
    const std::string message = describe(db_, rc);
    sqlite3_reset(s_);
    throw StoreError(fmt::format("{}: {}", *path_, message));
  }
  /// Steps a statement that returns no rows; resets it.
  void run() {
    step();
    sqlite3_reset(s_);
  }
  /// Runs and returns whether a uniqueness constraint refused the row (instead of throwing).
  bool run_unless_duplicate() {
    const int rc = sqlite3_step(s_);
    sqlite3_reset(s_);
    if (rc == SQLITE_DONE) return true;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return false;
    throw StoreError(fmt::format("{}: {}", *path_, describe(db_, rc)));
  }
  void reset() { sqlite3_reset(s_); }

  [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  [[nodiscard]] std::string_view bytes(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string_view{};
  }

 private:
  void bind_one(int k, std::int64_t v) { check(sqlite3_bind_int64(s_, k, v)); }
  void bind_one(int k, std::uint64_t v) { check(sqlite3_bind_int64(s_, k, as_int(v))); }
  void bind_one(int k, std::string_view v) {
    check(sqlite3_bind_blob64(s_, k, v.data(), v.size(), SQLITE_STATIC));
  }
  // Text is copied (ids are short, and a caller's temporary may not outlive the step); blobs
  // are bound in place and must outlive the statement's use.
  void bind_one(int k, const std::string& v) {
    check(sqlite3_bind_text64(s_, k, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  void bind_one(int k, std::optional<std::int64_t> v) {
    check(v ? sqlite3_bind_int64(s_, k, *v) : sqlite3_bind_null(s_, k));
  }
  void check(int rc) {
    if (rc != SQLITE_OK) throw StoreError(fmt::format("{}: {}", *path_, describe(db_, rc)));
  }

  sqlite3* db_ = nullptr;
  const std::string* path_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
  int failure_ = SQLITE_OK;
};

/// Keeps a statement's row cursor from outliving its use (and its locks) on every path.
class Cursor {
 public:
  explicit Cursor(Statement& s) : s_(s) {}
  ~Cursor() { s_.reset(); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

 private:
  Statement& s_;
};

}  // namespace

struct SqliteStore::Impl {
  std::string path;
  SqliteOptions options;
  sqlite3* db = nullptr;
  mutable std::mutex mu;
  SqliteStats stats;

  // Case ids reserved from the counter: next_id .. id_end - 1.
  std::int64_t next_id = 0, id_end = 0;

  // Batched mode: an open transaction and the thread that closes it in time.
  bool in_batch = false;
  std::size_t batch_appends = 0;
  std::chrono::steady_clock::time_point batch_opened{};
  std::string failed;  // why the store refuses calls (a lost batch)
  std::condition_variable wake;
  bool stopping = false;
  std::thread flusher;

  struct PendingSnapshot {
    std::uint64_t case_id = 0, version = 0;
    std::string state;
  };
  std::vector<PendingSnapshot> snapshots;

  // Statements.
  Statement begin, commit, rollback, savepoint, release, rollback_to;
  Statement select_case, select_version, insert_commit, insert_outbox, upsert_case, select_duplicate;
  Statement select_commits, select_commits_after, select_command, select_due, claim_due_select, lease_case;
  Statement select_snapshot, select_chain_at, upsert_snapshot, reserve_ids, read_ids;
  Statement claim_outbox_select, lease_outbox, delete_outbox, select_cases;
  Statement insert_definition, select_definition_hash, select_definitions;

  explicit Impl(std::string p, SqliteOptions o) : path(std::move(p)), options(o) {}

  ~Impl() {
    if (db) sqlite3_close_v2(db);
  }

  [[noreturn]] void fail(int rc) const { throw StoreError(fmt::format("{}: {}", path, describe(db, rc))); }

  void exec(const char* sql) {
    char* message = nullptr;
    if (int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message); rc != SQLITE_OK) {
      std::string text = describe(db, rc);
      sqlite3_free(message);
      throw StoreError(fmt::format("{}: {}", path, text));
    }
  }

  std::int64_t pragma(const char* sql) {
    int ignored = SQLITE_OK;
    return pragma(sql, ignored);
  }
  /// A pragma's (or query's) integer. On failure `failed_with` gets SQLite's code and the
  /// StoreError goes on.
  std::int64_t pragma(const char* sql, int& failed_with) {
    Statement s;
    try {
      s.prepare(db, path, sql);
      s.bind();
      const std::int64_t v = s.step() ? s.integer(0) : 0;
      s.reset();
      return v;
    } catch (const StoreError&) {
      failed_with = s.failure();
      throw;
    }
  }

  void open() {
    if (int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        rc != SQLITE_OK) {
      const std::string text = describe(db, rc);
      sqlite3_close_v2(db);
      db = nullptr;
      throw StoreError(fmt::format("{}: cannot open the database: {}", path, text));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, static_cast<int>(options.busy_timeout.count()));
    std::int64_t app = 0, version = 0, tables = 0;
    int code = SQLITE_OK;
    try {
      app = pragma("PRAGMA application_id", code);
      version = pragma("PRAGMA user_version", code);
      tables = pragma("SELECT count(*) FROM sqlite_master", code);
    } catch (const StoreError& e) {
      // A file SQLite cannot read as a database is foreign; an I/O error, a lock or a file
      // that cannot be opened says nothing about what the file is.
      const std::string_view detail = std::string_view(e.what()).substr(path.size() + 2);
      if ((code & 0xff) == SQLITE_NOTADB || (code & 0xff) == SQLITE_CORRUPT)
        throw StoreError(fmt::format("{}: not a yishi database: {}", path, detail));
      throw StoreError(fmt::format("{}: cannot read the database: {}", path, detail));
    }
    if (app != application_id && (app != 0 || tables != 0))
      throw StoreError(fmt::format("{}: not a yishi database (a SQLite database of another application)", path));
    if (version < 0)
      throw StoreError(fmt::format("{}: damaged yishi database: its schema version is {} (user_version)", path, version));
    if (version > SqliteStore::schema_version)
      throw StoreError(fmt::format("{}: the database has schema version {}, newer than this build of yishi "
                                   "understands ({}); open it with a newer yishi",
                                   path, version, SqliteStore::schema_version));
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    if (options.max_pages > 0) exec(fmt::format("PRAGMA max_page_count={}", options.max_pages).c_str());
    migrate();
    prepare();
  }

  /// Applies the migrations the file lacks, each in its own transaction.
  void migrate() {
    for (;;) {
      exec("BEGIN IMMEDIATE");
      try {
        const std::int64_t v = pragma("PRAGMA user_version");  // again, under the write lock
        if (v >= SqliteStore::schema_version) {
          exec("COMMIT");
          return;
        }
        if (v < 0)  // changed by another process since open() looked
          throw StoreError(fmt::format("{}: damaged yishi database: its schema version is {} (user_version)", path, v));
        exec(migrations[static_cast<std::size_t>(v)]);
        exec(fmt::format("PRAGMA user_version={}", v + 1).c_str());
        if (v == 0) exec(fmt::format("PRAGMA application_id={}", application_id).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  }

  void prepare() {
    const auto p = [&](Statement& s, const char* sql) { s.prepare(db, path, sql); };
    p(begin, "BEGIN IMMEDIATE");
    p(commit, "COMMIT");
    p(rollback, "ROLLBACK");
    p(savepoint, "SAVEPOINT append");
    p(release, "RELEASE append");
    p(rollback_to, "ROLLBACK TO append");
    p(select_case, "SELECT version, chain FROM cases WHERE id = ?1");
    p(select_version, "SELECT version FROM cases WHERE id = ?1");
    p(select_duplicate, "SELECT 1 FROM commits WHERE command_id = ?1");
    p(insert_commit,
      "INSERT INTO commits(case_id, first_version, count, command_id, header, events, chain) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    p(insert_outbox, "INSERT INTO outbox(seq) VALUES (?1)");
    p(upsert_case,
      "INSERT INTO cases(id, version, chain, next_due) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(id) DO UPDATE SET version = excluded.version, chain = excluded.chain, "
      "next_due = excluded.next_due, lease_owner = NULL, lease_until = NULL");
    p(select_commits,
      "SELECT first_version, count, command_id, header, events, chain FROM commits WHERE case_id = ?1 "
      "ORDER BY first_version");
    p(select_commits_after,
      "SELECT first_version, count, command_id, header, events, chain FROM commits WHERE case_id = ?1 "
      "AND first_version > ?2 ORDER BY first_version");
    p(select_command, "SELECT case_id, first_version, count, command_id, header, events FROM commits WHERE command_id = ?1");
    p(select_due,
      "SELECT id, next_due FROM cases WHERE next_due IS NOT NULL AND next_due <= ?1 ORDER BY next_due, id LIMIT ?2");
    p(claim_due_select,
      "SELECT id, next_due FROM cases WHERE next_due IS NOT NULL AND next_due <= ?1 "
      "AND (lease_owner IS NULL OR lease_owner = ?2 OR lease_until <= ?3) ORDER BY next_due, id LIMIT ?4");
    p(lease_case, "UPDATE cases SET lease_owner = ?2, lease_until = ?3 WHERE id = ?1");
    p(select_snapshot, "SELECT version, chain, checksum, format, state FROM snapshots WHERE case_id = ?1");
    p(select_chain_at,
      "SELECT first_version + count - 1, chain FROM commits WHERE case_id = ?1 AND first_version <= ?2 "
      "ORDER BY first_version DESC LIMIT 1");
    p(upsert_snapshot,
      "INSERT OR REPLACE INTO snapshots(case_id, version, chain, checksum, format, state) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    p(read_ids, "SELECT value FROM meta WHERE key = 'next_case_id'");
    p(reserve_ids, "UPDATE meta SET value = value + ?1 WHERE key = 'next_case_id'");
    p(claim_outbox_select,
      "SELECT o.seq, c.case_id, c.first_version, c.count, c.command_id, c.header, c.events "
      "FROM outbox o JOIN commits c ON c.seq = o.seq "
      "WHERE o.lease_owner IS NULL OR o.lease_owner = ?1 OR o.lease_until <= ?2 ORDER BY o.seq LIMIT ?3");
    p(lease_outbox, "UPDATE outbox SET lease_owner = ?2, lease_until = ?3 WHERE seq = ?1");
    p(delete_outbox, "DELETE FROM outbox WHERE seq = ?1 AND lease_owner = ?2");
    p(select_cases, "SELECT id FROM cases ORDER BY id");
    p(insert_definition,
      "INSERT INTO definitions(bundle, version, hash, source) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(bundle, version) DO UPDATE SET seq = (SELECT max(seq) + 1 FROM definitions) "
      "WHERE hash = excluded.hash");  // put again: the latest again
    p(select_definition_hash, "SELECT hash FROM definitions WHERE bundle = ?1 AND version = ?2");
    p(select_definitions, "SELECT bundle, version, hash, source FROM definitions ORDER BY seq");
  }

  void usable() const {
    if (!failed.empty()) throw StoreError(fmt::format("the store is unusable: {}", failed));
  }

  // --- Write transactions ---------------------------------------------------------------
  // Every write runs inside `write(f)`: in full mode its own transaction; in batched mode a
  // savepoint inside the open batch, so that a failed write leaves the batch as it was.

  template <class F>
  auto write(F&& f) {
    usable();
    if (options.durability == Durability::full) {
      begin.bind().run();
      try {
        if constexpr (std::is_void_v<decltype(f())>) {
          f();
          commit_checked();
          ++stats.transactions;
        } else {
          auto r = f();
          commit_checked();
          ++stats.transactions;
          return r;
        }
      } catch (...) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    } else {
      if (!in_batch) {
        begin.bind().run();
        in_batch = true;
        batch_opened = std::chrono::steady_clock::now();
        batch_appends = 0;
        wake.notify_all();
      }
      savepoint.bind().run();
      try {
        if constexpr (std::is_void_v<decltype(f())>) {
          f();
          release.bind().run();
        } else {
          auto r = f();
          release.bind().run();
          return r;
        }
      } catch (const StoreError& e) {
        if (sqlite3_get_autocommit(db)) {
          // SQLite rolled the whole transaction back (it may, on a full disk or an I/O
          // error): every append of the batch is gone.
          in_batch = false;
          failed = fmt::format("a batch of {} appends was rolled back and lost: {}", batch_appends, e.what());
          throw StoreError(failed);
        }
        sqlite3_exec(db, "ROLLBACK TO append", nullptr, nullptr, nullptr);
        sqlite3_exec(db, "RELEASE append", nullptr, nullptr, nullptr);
        throw;
      }
    }
  }

  /// Full mode: commits the write transaction. A COMMIT whose sync fails has written its WAL
  /// frames, commit marker included, before the sync: this connection rolls back (its next
  /// commit writes over those frames), but a crash before then recovers them, so whether
  /// the command is in the file is unknown, and the error says so. Retried with the same
  /// command id it is applied at most once: on this connection it is applied now; after a
  /// crash that kept it, the command index answers `duplicate`. Other failures (a write
  /// error, a full disk) stop before the commit marker is whole: nothing was committed.
  void commit_checked() {
    try {
      commit.bind().run();
    } catch (const StoreError& e) {
      const int code = commit.failure();
      if (code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_DIR_FSYNC)
        throw StoreError(fmt::format("{}; the commit failed on its sync, so whether it is in the file is unknown: "
                                     "retry the command with the same id",
                                     e.what()));
      throw;
    }
  }

  /// Batched mode: commits the open batch. A failure makes the store unusable (engines hold
  /// states the file may not). It loses the batch, except when the COMMIT failed on its sync:
  /// as in `commit_checked`, a crash may then recover the batch, so its outcome is unknown.
  void close_batch() {
    if (!in_batch) return;
    try {
      commit.bind().run();
      ++stats.transactions;
      in_batch = false;
    } catch (const StoreError& e) {
      const int code = commit.failure();
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      in_batch = false;
      if (code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_DIR_FSYNC)
        failed = fmt::format("a batch of {} appends failed on its commit's sync, so whether it is in the file is "
                             "unknown: open the store again and retry its commands with the same ids ({})",
                             batch_appends, e.what());
      else
        failed = fmt::format("a batch of {} appends could not be committed and was lost: {}", batch_appends, e.what());
      throw StoreError(failed);
    }
    write_snapshots();
  }

  void after_append() {
    ++stats.appends;
    if (options.durability == Durability::batched && ++batch_appends >= options.batch_limit) close_batch();
  }

  void flush_loop() {
    std::unique_lock lock(mu);
    while (!stopping) {
      if (!in_batch) {
        wake.wait(lock);
        continue;
      }
      const auto deadline = batch_opened + options.batch_interval;
      if (wake.wait_until(lock, deadline) == std::cv_status::timeout && in_batch &&
          std::chrono::steady_clock::now() >= deadline) {
        try {
          close_batch();
        } catch (const StoreError&) {
          // recorded in `failed`; the next call reports it
        }
      }
    }
  }

  /// Writes the snapshots waiting (none while a batch is open) in a transaction of their
  /// own, never inside an append's or a batch's: a snapshot only shortens loading and must
  /// not cost a command, whatever happens to it (a full disk rolls its transaction back).
  /// Its commit is not fsynced (synchronous=NORMAL): a crash may lose a snapshot, never a
  /// command, and the next full commit syncs it anyway.
  void write_snapshots() {
    if (snapshots.empty() || in_batch || !failed.empty()) return;
    std::vector<PendingSnapshot> pending;
    pending.swap(snapshots);
    exec("PRAGMA synchronous=NORMAL");
    try {
      begin.bind().run();
      for (const PendingSnapshot& p : pending) write_snapshot(p);
      commit.bind().run();
    } catch (const StoreError&) {
      if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      // dropped; each case's next snapshot replaces its own
    }
    exec("PRAGMA synchronous=FULL");
  }

  /// A snapshot is taken at a commit boundary and records the chain of that commit.
  void write_snapshot(const PendingSnapshot& p) {
    select_chain_at.bind(p.case_id, p.version);
    std::optional<std::int64_t> chain;
    {
      Cursor c(select_chain_at);
      if (select_chain_at.step() && static_cast<std::uint64_t>(select_chain_at.integer(0)) == p.version)
        chain = select_chain_at.integer(1);
    }
    if (!chain) return;  // not a commit boundary of this case (or no such case)
    upsert_snapshot
        .bind(p.case_id, p.version, *chain, store_internal::checksum(p.state), std::int64_t{store_internal::state_format},
              std::string_view(p.state))
        .run();
    ++stats.snapshots_written;
  }

  /// Whether `id` was handed out by some store on this file: below the shared counter, and
  /// not among the ids this store reserved but has not handed out yet.
  bool allocated(CaseId id) {
    if (id.value == 0 || id.value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
    const auto v = static_cast<std::int64_t>(id.value);
    if (v >= next_id && v < id_end) return false;
    read_ids.bind();
    Cursor c(read_ids);
    return read_ids.step() && v < read_ids.integer(0);
  }

  // --- Reads ----------------------------------------------------------------------------

  /// Reads the rows of a commits query (first_version, count, command_id, header, events,
  /// chain) into a case log after version `base` (whose chain is `link`), checking that the
  /// commits follow each other, that each one's bytes give its recorded chain, and that they
  /// reach the case's version `last`.
  void read_log(Statement& s, std::uint64_t base, std::int64_t link, std::uint64_t last, CaseId id,
                StoredCase& out) const {
    std::uint64_t expected = base + 1;
    while (s.step()) {
      const auto first = static_cast<std::uint64_t>(s.integer(0));
      const auto count = static_cast<std::uint32_t>(s.integer(1));
      if (first != expected)
        throw StoreError(fmt::format("{}: case {}: the log has a gap after version {}", path, id.value, expected - 1));
      const auto next = static_cast<std::int64_t>(
          store_internal::chain(static_cast<std::uint64_t>(link), s.bytes(3), s.bytes(4)));
      if (next != s.integer(5))
        throw StoreError(fmt::format("{}: case {}: the commit at version {} was altered (its chain does not match)",
                                     path, id.value, first));
      link = next;
      try {
        out.commits.push_back(store_internal::decode_header(s.bytes(3), std::string(s.bytes(2)), first, count));
        store_internal::decode_events(s.bytes(4), count, out.events);
      } catch (const CodecError& e) {
        throw StoreError(fmt::format("{}: case {}: the commit at version {} cannot be decoded: {}", path, id.value,
                                     first, e.what()));
      }
      expected += count;
    }
    if (expected - 1 != last)
      throw StoreError(fmt::format("{}: case {}: the log ends at version {}, the case is at version {}", path, id.value,
                                   expected - 1, last));
  }

  std::optional<std::pair<std::uint64_t, std::int64_t>> case_row(CaseId id) {
    select_case.bind(as_int(id.value));
    Cursor c(select_case);
    if (!select_case.step()) return std::nullopt;
    return std::pair{static_cast<std::uint64_t>(select_case.integer(0)), select_case.integer(1)};
  }

  std::optional<StoredCase> load_whole(CaseId id) {
    const auto row = case_row(id);
    if (!row) return std::nullopt;
    StoredCase out{id, {}, {}, std::nullopt, 0};
    select_commits.bind(as_int(id.value));
    Cursor c(select_commits);
    read_log(select_commits, 0, 0, row->first, id, out);
    return out;
  }

  /// The case's snapshot if it is sound: known format, checksum of its bytes, and the chain
  /// of the commit it was taken at.
  std::optional<CaseState> sound_snapshot(CaseId id, std::int64_t& link) {
    select_snapshot.bind(as_int(id.value));
    std::uint64_t version = 0;
    std::int64_t chain = 0, sum = 0, format = 0;
    std::string bytes;
    {
      Cursor c(select_snapshot);
      if (!select_snapshot.step()) return std::nullopt;
      version = static_cast<std::uint64_t>(select_snapshot.integer(0));
      chain = select_snapshot.integer(1);
      sum = select_snapshot.integer(2);
      format = select_snapshot.integer(3);
      bytes = std::string(select_snapshot.bytes(4));
    }
    const auto reject = [&]() -> std::optional<CaseState> {
      ++stats.snapshots_rejected;
      return std::nullopt;
    };
    if (format != store_internal::state_format || as_int(store_internal::checksum(bytes)) != sum) return reject();
    select_chain_at.bind(as_int(id.value), version);
    {
      Cursor c(select_chain_at);
      if (!select_chain_at.step() || static_cast<std::uint64_t>(select_chain_at.integer(0)) != version ||
          select_chain_at.integer(1) != chain)
        return reject();
    }
    try {
      CaseState s = store_internal::decode_state(bytes);
      if (s.id != id || s.version != version) return reject();
      link = chain;
      return s;
    } catch (const CodecError&) {
      return reject();
    }
  }

  /// Reads (id, next_due) rows of a timers query.
  static std::vector<DueCase> read_due(Statement& s) {
    std::vector<DueCase> out;
    while (s.step())
      out.push_back({Instant{std::chrono::seconds{s.integer(1)}}, CaseId{static_cast<std::uint64_t>(s.integer(0))}});
    return out;
  }

  std::vector<OutboxEntry> read_outbox(Statement& s) const {
    std::vector<OutboxEntry> out;
    while (s.step()) {
      OutboxEntry e;
      e.seq = static_cast<std::uint64_t>(s.integer(0));
      e.case_id = CaseId{static_cast<std::uint64_t>(s.integer(1))};
      const auto first = static_cast<std::uint64_t>(s.integer(2));
      const auto count = static_cast<std::uint32_t>(s.integer(3));
      try {
        e.commit = store_internal::decode_header(s.bytes(5), std::string(s.bytes(4)), first, count);
        store_internal::decode_events(s.bytes(6), count, e.events);
      } catch (const CodecError& err) {
        throw StoreError(fmt::format("{}: outbox entry {} cannot be decoded: {}", path, e.seq, err.what()));
      }
      out.push_back(std::move(e));
    }
    return out;
  }
};

SqliteStore::SqliteStore(const std::string& path, SqliteOptions options)
    : impl_(std::make_unique<Impl>(path, options)) {
  impl_->open();
  if (options.durability == Durability::batched) impl_->flusher = std::thread([this] { impl_->flush_loop(); });
}

SqliteStore::~SqliteStore() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    m.stopping = true;
    m.wake.notify_all();
  }
  if (m.flusher.joinable()) m.flusher.join();
  std::lock_guard lock(m.mu);
  try {
    if (m.failed.empty()) {
      if (m.in_batch) m.close_batch();
      m.write_snapshots();
    }
  } catch (const StoreError&) {
    // nothing to report to from a destructor; sync() reports the same failure
  }
}

CaseId SqliteStore::allocate_case_id() {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  if (m.next_id == m.id_end) {
    // The block is this store's only once its reservation is committed: a failed write
    // leaves the counters as they were, and the next call reserves again.
    std::int64_t first = 0;
    m.write([&] {
      m.read_ids.bind();
      {
        Cursor c(m.read_ids);
        if (!m.read_ids.step()) throw StoreError(fmt::format("{}: the case id counter is missing", m.path));
        first = m.read_ids.integer(0);
      }
      m.reserve_ids.bind(id_block).run();
    });
    m.next_id = first;
    m.id_end = first + id_block;
  }
  return CaseId{static_cast<std::uint64_t>(m.next_id++)};
}

AppendStatus SqliteStore::append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                 std::span<const Event> events, std::optional<Instant> next_due) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  if (auto why = store_internal::malformed_append(id, expected_version, commit, events.size()); !why.empty())
    throw StoreError(fmt::format("{}: {}", m.path, why));
  const std::string header = store_internal::encode_header(commit);
  const std::string body = store_internal::encode_events(events);
  const AppendStatus status = m.write([&] {
    const auto row = m.case_row(id);
    if (!row && expected_version == 0 && !m.allocated(id))
      throw StoreError(fmt::format("{}: append: case id {} was not allocated by this store", m.path, id.value));
    const std::uint64_t current = row ? row->first : 0;
    if (current != expected_version) {
      m.select_duplicate.bind(commit.command_id);
      Cursor c(m.select_duplicate);
      return m.select_duplicate.step() ? AppendStatus::duplicate : AppendStatus::conflict;
    }
    const std::uint64_t link =
        store_internal::chain(row ? static_cast<std::uint64_t>(row->second) : 0, header, body);
    if (!m.insert_commit
             .bind(as_int(id.value), as_int(commit.first_version), std::int64_t{commit.count}, commit.command_id,
                   std::string_view(header), std::string_view(body), as_int(link))
             .run_unless_duplicate())
      return AppendStatus::duplicate;
    m.insert_outbox.bind(std::int64_t{sqlite3_last_insert_rowid(m.db)}).run();
    std::optional<std::int64_t> due;
    if (next_due) due = next_due->time_since_epoch().count();
    m.upsert_case.bind(as_int(id.value), as_int(expected_version + events.size()), as_int(link), due).run();
    return AppendStatus::ok;
  });
  if (status == AppendStatus::ok) m.after_append();
  return status;
}

std::optional<std::uint64_t> SqliteStore::version(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  m.select_version.bind(as_int(id.value));
  Cursor c(m.select_version);
  if (!m.select_version.step()) return std::nullopt;
  return static_cast<std::uint64_t>(m.select_version.integer(0));
}

std::optional<StoredCase> SqliteStore::load(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  impl_->usable();
  return impl_->load_whole(id);
}

std::optional<StoredCase> SqliteStore::load_latest(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  const auto row = m.case_row(id);
  if (!row) return std::nullopt;
  std::int64_t link = 0;
  auto snapshot = m.sound_snapshot(id, link);
  if (!snapshot) return m.load_whole(id);
  const std::uint64_t base = snapshot->version;
  StoredCase out{id, {}, {}, std::move(snapshot), base};
  m.select_commits_after.bind(as_int(id.value), as_int(base));
  Cursor c(m.select_commits_after);
  m.read_log(m.select_commits_after, base, link, row->first, id, out);
  return out;
}

std::optional<CommandRecord> SqliteStore::find_command(std::string_view command_id) const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  m.select_command.bind(std::string(command_id));
  Cursor c(m.select_command);
  if (!m.select_command.step()) return std::nullopt;
  const CaseId id{static_cast<std::uint64_t>(m.select_command.integer(0))};
  const auto first = static_cast<std::uint64_t>(m.select_command.integer(1));
  const auto count = static_cast<std::uint32_t>(m.select_command.integer(2));
  CommandRecord rec{id, {}, {}};
  try {
    rec.commit = store_internal::decode_header(m.select_command.bytes(4), std::string(m.select_command.bytes(3)), first, count);
    store_internal::decode_events(m.select_command.bytes(5), count, rec.events);
  } catch (const CodecError& e) {
    throw StoreError(fmt::format("{}: command `{}` cannot be decoded: {}", m.path, command_id, e.what()));
  }
  return rec;
}

std::vector<DueCase> SqliteStore::due(Instant until, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  const std::int64_t cap = as_limit(limit);
  m.select_due.bind(std::int64_t{until.time_since_epoch().count()}, cap);
  Cursor c(m.select_due);
  return m.read_due(m.select_due);
}

std::vector<DueCase> SqliteStore::claim_due(std::string_view worker, Instant until, std::size_t limit,
                                            std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string owner(worker);
  const std::int64_t now = wall_ms();
  const std::int64_t cap = as_limit(limit);
  return m.write([&] {
    std::vector<DueCase> out;
    m.claim_due_select.bind(std::int64_t{until.time_since_epoch().count()}, owner, now, cap);
    {
      Cursor c(m.claim_due_select);
      out = m.read_due(m.claim_due_select);
    }
    for (const DueCase& d : out) m.lease_case.bind(as_int(d.id.value), owner, now + lease.count()).run();
    return out;
  });
}

std::uint64_t SqliteStore::snapshot_interval() const noexcept { return impl_->options.snapshot_every; }

void SqliteStore::save_snapshot(CaseId id, const CaseState& state) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  if (state.id != id) throw StoreError("save_snapshot: the state belongs to another case");
  m.snapshots.push_back({id.value, state.version, store_internal::encode_state(state)});
  m.write_snapshots();  // at once, or when the open batch is committed
}

std::vector<OutboxEntry> SqliteStore::claim_outbox(std::string_view worker, std::size_t limit,
                                                   std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string owner(worker);
  const std::int64_t now = wall_ms();
  const std::int64_t cap = as_limit(limit);
  return m.write([&] {
    std::vector<OutboxEntry> out;
    m.claim_outbox_select.bind(owner, now, cap);
    {
      Cursor c(m.claim_outbox_select);
      out = m.read_outbox(m.claim_outbox_select);
    }
    for (const OutboxEntry& e : out) m.lease_outbox.bind(as_int(e.seq), owner, now + lease.count()).run();
    return out;
  });
}

std::size_t SqliteStore::ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string owner(worker);
  return m.write([&] {
    std::size_t removed = 0;
    for (std::uint64_t seq : seqs) {
      m.delete_outbox.bind(as_int(seq), owner).run();
      removed += static_cast<std::size_t>(sqlite3_changes(m.db));
    }
    return removed;
  });
}

void SqliteStore::sync() {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  if (m.in_batch) m.close_batch();
  m.write_snapshots();
}

std::vector<CaseId> SqliteStore::cases() const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  m.select_cases.bind();
  Cursor c(m.select_cases);
  std::vector<CaseId> out;
  while (m.select_cases.step()) out.push_back(CaseId{static_cast<std::uint64_t>(m.select_cases.integer(0))});
  return out;
}

bool SqliteStore::put_definition(const StoredDefinition& d) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  return m.write([&] {
    m.insert_definition.bind(d.bundle, d.version, d.hash, d.source).run();
    m.select_definition_hash.bind(d.bundle, d.version);
    Cursor c(m.select_definition_hash);
    return m.select_definition_hash.step() && m.select_definition_hash.bytes(0) == d.hash;
  });
}

std::vector<StoredDefinition> SqliteStore::definitions() const {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  m.usable();
  m.select_definitions.bind();
  Cursor c(m.select_definitions);
  std::vector<StoredDefinition> out;
  while (m.select_definitions.step())
    out.push_back({std::string(m.select_definitions.bytes(0)), std::string(m.select_definitions.bytes(1)),
                   std::string(m.select_definitions.bytes(2)), std::string(m.select_definitions.bytes(3))});
  return out;
}

const std::string& SqliteStore::path() const noexcept { return impl_->path; }
const SqliteOptions& SqliteStore::options() const noexcept { return impl_->options; }
SqliteStats SqliteStore::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace yishi
