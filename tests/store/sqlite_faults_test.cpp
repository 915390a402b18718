// SqliteStore under injected I/O faults, the way SQLite tests itself: a test-only VFS wraps
// the default one ("unix") and fails the N-th read, write, sync, truncate or open, once or
// from N on. For N = 1, 2, … until the operation runs without meeting its fault, each test
// takes a fresh copy of a file holding committed cases, arms the fault, runs one store call,
// and checks that the call either succeeded or threw a StoreError naming the file; then,
// reopened without faults, that the file holds exactly what it held before (a failure) or
// exactly what an unfaulted run of the same call leaves (a success): nothing half-written.
//
// SqliteStore opens files by plain path (no VFS name, no URI), so each faulty stretch makes
// the faulty VFS the default and a guard restores the previous default afterwards.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

// --- The faulty VFS ------------------------------------------------------------------------

enum class Op : std::uint8_t { open, read, write, sync, truncate };
constexpr std::size_t op_kinds = 5;

std::string_view op_name(Op op) {
  constexpr std::array<std::string_view, op_kinds> names{"open", "read", "write", "sync", "truncate"};
  return names[static_cast<std::size_t>(op)];
}

/// What is armed: operation `n` (1-based, counted from arming) of kind `op` fails with `rc`,
/// and with `persistent` every later one of that kind too.
struct Fault {
  Op op = Op::write;
  int rc = SQLITE_IOERR_WRITE;
  bool persistent = false;
};

struct FaultState {
  std::atomic<bool> armed{false};
  Fault fault;
  int n = 0;
  std::atomic<int> seen{0};       // operations of the armed kind since arming
  std::atomic<int> triggered{0};  // faults injected since arming
  std::array<std::atomic<int>, op_kinds> counts{};  // every operation, armed or not (for reports)
};
FaultState faults;

/// Whether this operation fails now (and with what).
int inject(Op op) {
  ++faults.counts[static_cast<std::size_t>(op)];
  if (!faults.armed || faults.fault.op != op) return SQLITE_OK;
  const int k = ++faults.seen;
  if (k == faults.n || (faults.fault.persistent && k > faults.n)) {
    ++faults.triggered;
    return faults.fault.rc;
  }
  return SQLITE_OK;
}

void arm(const Fault& f, int n) {
  faults.armed = false;
  faults.fault = f;
  faults.n = n;
  faults.seen = 0;
  faults.triggered = 0;
  faults.armed = true;
}
void disarm() { faults.armed = false; }

struct FaultyFile {
  sqlite3_file base;
  sqlite3_file* real;  // the wrapped VFS's file, right after this struct
};

sqlite3_vfs* real_vfs = nullptr;

sqlite3_file* real_of(sqlite3_file* f) { return reinterpret_cast<FaultyFile*>(f)->real; }
const sqlite3_io_methods& real_methods(sqlite3_file* f) { return *real_of(f)->pMethods; }

int f_close(sqlite3_file* f) { return real_methods(f).xClose(real_of(f)); }
int f_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  if (int rc = inject(Op::read); rc != SQLITE_OK) return rc;
  return real_methods(f).xRead(real_of(f), buf, amount, offset);
}
int f_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  if (int rc = inject(Op::write); rc != SQLITE_OK) return rc;
  return real_methods(f).xWrite(real_of(f), buf, amount, offset);
}
int f_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = inject(Op::truncate); rc != SQLITE_OK) return rc;
  return real_methods(f).xTruncate(real_of(f), size);
}
// The real fsync is skipped: these tests never lose power, and a few thousand fsyncs would
// cost seconds. What SQLite sees of a sync (its result) is unchanged.
int f_sync(sqlite3_file* f, int flags) {
  (void)f;
  (void)flags;
  return inject(Op::sync);
}
int f_file_size(sqlite3_file* f, sqlite3_int64* size) { return real_methods(f).xFileSize(real_of(f), size); }
int f_lock(sqlite3_file* f, int level) { return real_methods(f).xLock(real_of(f), level); }
int f_unlock(sqlite3_file* f, int level) { return real_methods(f).xUnlock(real_of(f), level); }
int f_check_reserved(sqlite3_file* f, int* out) { return real_methods(f).xCheckReservedLock(real_of(f), out); }
int f_file_control(sqlite3_file* f, int op, void* arg) { return real_methods(f).xFileControl(real_of(f), op, arg); }
int f_sector_size(sqlite3_file* f) { return real_methods(f).xSectorSize(real_of(f)); }
int f_device(sqlite3_file* f) { return real_methods(f).xDeviceCharacteristics(real_of(f)); }
int f_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_methods(f).xShmMap(real_of(f), page, size, extend, out);
}
int f_shm_lock(sqlite3_file* f, int offset, int count, int flags) {
  return real_methods(f).xShmLock(real_of(f), offset, count, flags);
}
void f_shm_barrier(sqlite3_file* f) { real_methods(f).xShmBarrier(real_of(f)); }
int f_shm_unmap(sqlite3_file* f, int remove) { return real_methods(f).xShmUnmap(real_of(f), remove); }
int f_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_methods(f).xFetch(real_of(f), offset, amount, out);
}
int f_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) { return real_methods(f).xUnfetch(real_of(f), offset, p); }

const sqlite3_io_methods faulty_methods = {
    3,           f_close,   f_read,        f_write,   f_truncate,   f_sync,        f_file_size,  f_lock,
    f_unlock,    f_check_reserved, f_file_control, f_sector_size, f_device, f_shm_map, f_shm_lock, f_shm_barrier,
    f_shm_unmap, f_fetch,   f_unfetch,
};

int f_open(sqlite3_vfs* /*self*/, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  auto* ff = reinterpret_cast<FaultyFile*>(file);
  ff->base.pMethods = nullptr;
  ff->real = reinterpret_cast<sqlite3_file*>(ff + 1);
  ff->real->pMethods = nullptr;
  if (int rc = inject(Op::open); rc != SQLITE_OK) return rc;
  const int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
  // SQLite closes a file whose pMethods is set even when its open failed.
  if (ff->real->pMethods) ff->base.pMethods = &faulty_methods;
  return rc;
}

/// The faulty VFS, registered once (not as the default) under "yishi_faulty".
sqlite3_vfs* faulty_vfs() {
  static sqlite3_vfs vfs = [] {
    REQUIRE(sqlite3_initialize() == SQLITE_OK);
    real_vfs = sqlite3_vfs_find("unix");
    REQUIRE(real_vfs != nullptr);
    REQUIRE(real_vfs->iVersion >= 2);
    sqlite3_vfs v = *real_vfs;  // every other method (and pAppData) forwards as is
    v.pNext = nullptr;
    v.zName = "yishi_faulty";
    v.szOsFile = static_cast<int>(sizeof(FaultyFile)) + real_vfs->szOsFile;
    v.xOpen = f_open;
    return v;
  }();
  static const bool registered = [] {
    REQUIRE(sqlite3_vfs_register(&vfs, 0) == SQLITE_OK);
    return true;
  }();
  (void)registered;
  return &vfs;
}

/// Makes the faulty VFS the default while it lives (SqliteStore opens by plain path), then
/// restores the default it found; the faults are disarmed on both ends. Each test holds one
/// for its whole run, so every file it touches goes through the same (fsync-less) VFS, and
/// arms faults only around the call under test.
class FaultyDefault {
 public:
  FaultyDefault() : previous_(sqlite3_vfs_find(nullptr)) {
    disarm();
    REQUIRE(sqlite3_vfs_register(faulty_vfs(), 1) == SQLITE_OK);
  }
  ~FaultyDefault() {
    disarm();
    sqlite3_vfs_register(previous_, 1);
  }
  FaultyDefault(const FaultyDefault&) = delete;
  FaultyDefault& operator=(const FaultyDefault&) = delete;

 private:
  sqlite3_vfs* previous_;
};

// --- What a file holds ---------------------------------------------------------------------

/// Every row of every table of the file, read with a plain connection: two files with the
/// same dump hold the same data.
std::string dump(const std::string& path) {
  REQUIRE_FALSE(faults.armed);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  std::string out;
  for (const char* table : {"meta", "cases", "commits", "outbox", "snapshots", "definitions"}) {
    sqlite3_stmt* s = nullptr;
    const std::string sql = fmt::format("SELECT * FROM {} ORDER BY 1", table);
    const int prepared = sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
    INFO(sql, ": ", sqlite3_errmsg(db));
    REQUIRE(prepared == SQLITE_OK);
    out += fmt::format("[{}]\n", table);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      for (int k = 0; k < sqlite3_column_count(s); ++k) {
        const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, k));
        const int n = sqlite3_column_bytes(s, k);
        out += sqlite3_column_type(s, k) == SQLITE_NULL ? std::string("NULL") : "x";
        for (int b = 0; b < n; ++b) out += fmt::format("{:02x}", p[b]);
        out += ' ';
      }
      out += '\n';
    }
    sqlite3_finalize(s);
    REQUIRE(rc == SQLITE_DONE);
  }
  sqlite3_close(db);
  return out;
}

/// What the store itself reads back: every case's whole log and the due timers.
std::string contents(Store& store) {
  std::string out;
  for (CaseId id : store.cases()) {
    const auto log = store.load(id);
    REQUIRE(log);
    out += fmt::format("case {} v{} commits {} events {}:", id.value, log->version(), log->commits.size(),
                       log->events.size());
    for (const Commit& c : log->commits) out += fmt::format(" {}@{}+{}", c.command_id, c.first_version, c.count);
    REQUIRE(store.version(id) == log->version());
    out += '\n';
  }
  for (const DueCase& d : store.due(at("2030-01-01", 0), 1000))
    out += fmt::format("due {} {}\n", d.id.value, d.due.time_since_epoch().count());
  return out;
}

/// A file holding two cases run to issuance, and an id allocated but not used yet.
struct Base {
  TempDir dir;
  std::string path = dir.file("base.db");
  CaseId a, b, unused;
  CaseState a_state;
  std::uint64_t a_version = 0;
  int copies = 0;

  Base() {
    ManualClock clock(at("2025-03-03", 10));
    SqliteStore store(path, {.snapshot_every = 0});
    Engine engine(store, clock, calendar_2025());
    REQUIRE(engine.deploy(restaurant()));
    a = run_to_issuance(engine, "a-");
    b = run_to_issuance(engine, "b-");
    a_state = engine.state(a).value();
    a_version = store.version(a).value();
    unused = store.allocate_case_id();
  }

  /// A fresh copy of the base file (the base store is closed: its WAL is checkpointed away).
  std::string copy() {
    const std::string to = dir.file(fmt::format("work-{}.db", copies++));
    std::filesystem::copy_file(path, to);
    return to;
  }
};

// --- The operations under fault ------------------------------------------------------------

enum class Write : std::uint8_t { append_to_a_case, open_a_new_case, allocate_ids, save_snapshot, put_definition };

std::string_view write_name(Write w) {
  constexpr std::array<std::string_view, 5> names{"append_to_a_case", "open_a_new_case", "allocate_ids",
                                                  "save_snapshot", "put_definition"};
  return names[static_cast<std::size_t>(w)];
}

const Event refused_event = Refused{"补正期限已过"};

/// Runs one write on `store`; throws what the store throws.
void run_write(Write w, Store& store, const Base& base) {
  switch (w) {
    case Write::append_to_a_case: {
      const Commit c{"fault-append", 7, clerk, CommandKind::submit, at("2025-03-04", 9), base.a_version + 1, 1};
      const AppendStatus st = store.append(base.a, base.a_version, c, std::span(&refused_event, 1), at("2025-03-20", 9));
      REQUIRE(st == AppendStatus::ok);
      return;
    }
    case Write::open_a_new_case: {
      const Event opened = CaseOpened{"open_restaurant", "1", "乙公司", {false, false}};
      const Commit c{"fault-open", 7, corp, CommandKind::open, at("2025-03-04", 9), 1, 1};
      const AppendStatus st = store.append(base.unused, 0, c, std::span(&opened, 1), at("2025-03-11", 17));
      REQUIRE(st == AppendStatus::ok);
      return;
    }
    case Write::allocate_ids: {
      const CaseId id = store.allocate_case_id();
      REQUIRE(id.value > base.unused.value);
      return;
    }
    case Write::save_snapshot: store.save_snapshot(base.a, base.a_state); return;
    case Write::put_definition:
    {
      const bool stored = store.put_definition({"open_restaurant", "9", "sha256:feed", "name: open_restaurant\n"});
      REQUIRE(stored);
      return;
    }
  }
}

/// A StoreError's message must name the file and say what went wrong, in words.
void check_clear(const std::string& message, const std::string& path, int rc) {
  CAPTURE(message);
  CHECK(message.find(path) != std::string::npos);
  if ((rc & 0xff) == SQLITE_FULL) {
    CHECK(message.find("disk is full") != std::string::npos);
  } else if ((rc & 0xff) == SQLITE_CANTOPEN) {
    CHECK(message.find("cannot be opened") != std::string::npos);
  } else {
    CHECK(message.find("I/O error") != std::string::npos);
  }
}

/// Disarms the faults and copies the database at `path` as a crash at this moment would leave
/// it (the file and its write-ahead log, the connection still open) to `crashed`; returns how
/// many faults were injected.
int end_of_faults(const std::string& path, const std::string& crashed) {
  const int triggered = faults.triggered;
  disarm();
  for (const char* suffix : {"", "-wal"})
    if (std::filesystem::exists(path + suffix)) std::filesystem::copy_file(path + suffix, crashed + suffix);
  return triggered;
}

constexpr int max_n = 200;  // bound of every N loop (each operation here does far fewer)

struct Outcomes {
  int ok = 0, failed = 0, n = 0;
};

/// The SQLite loop for one write under one fault; returns how the runs ended.
Outcomes fault_loop(Base& base, Write w, const Fault& fault) {
  CAPTURE(write_name(w));
  CAPTURE(op_name(fault.op));
  CAPTURE(fault.rc);
  CAPTURE(fault.persistent);
  // What the file holds before, and after an unfaulted run of the write.
  const std::string before = dump(base.path);
  std::string after;
  {
    const std::string golden = base.copy();
    {
      SqliteStore store(golden);
      run_write(w, store, base);
    }
    after = dump(golden);
  }
  if (w != Write::allocate_ids && w != Write::save_snapshot) REQUIRE(after != before);
  std::string before_contents;
  {
    const std::string plain = base.copy();
    SqliteStore store(plain);
    before_contents = contents(store);
  }

  Outcomes out;
  for (int n = 1; n <= max_n; ++n) {
    CAPTURE(n);
    out.n = n;
    const std::string path = base.copy();
    std::string error;
    int triggered = 0;
    {
      std::optional<SqliteStore> store;
      store.emplace(path);
      arm(fault, n);
      try {
        run_write(w, *store, base);
      } catch (const StoreError& e) {
        error = e.what();
      }
      triggered = faults.triggered;
      if (!fault.persistent) {
        disarm();
        if (!error.empty()) {
          // the same connection goes on: the failed write is not visible, and a retry works
          CHECK(contents(*store) == before_contents);
          CHECK_NOTHROW(run_write(w, *store, base));
        }
      }
      store.reset();  // closed still armed when persistent: the disk is still failing
      disarm();
    }
    if (!error.empty()) {
      ++out.failed;
      CHECK(triggered > 0);
      check_clear(error, path, fault.rc);
    } else {
      ++out.ok;
    }
    // Reopened without faults: the write is there whole, or not at all.
    const std::string now = dump(path);
    if (error.empty() || !fault.persistent) {
      // succeeded (or retried on the same connection after the failure): there, whole
      if (w == Write::save_snapshot || w == Write::allocate_ids) {
        // a snapshot may be dropped on a fault (only the log matters); ids are never reused
        CHECK((now == before) + (now == after) == 1);
      } else {
        CHECK(now == after);
      }
    } else {
      CHECK(now == before);
    }
    {
      SqliteStore store(path);
      CHECK(store.version(base.a).has_value());
      if (!error.empty() && fault.persistent) CHECK(contents(store) == before_contents);
      // the file takes writes again
      const CaseId fresh = store.allocate_case_id();
      CHECK(fresh.value > base.unused.value);
    }
    if (triggered == 0) break;  // the write ran through without meeting its fault
  }
  CHECK(out.n < max_n);
  const std::string_view how = fault.persistent ? " from N on" : " once";
  MESSAGE(write_name(w), " / ", op_name(fault.op), " rc ", fault.rc, how, ": ", out.n, " runs, ", out.ok, " ok, ",
          out.failed, " failed");
  return out;
}

}  // namespace

TEST_CASE("store.sqlite.fault.an_append_under_write_faults_is_whole_or_absent") {
  FaultyDefault guard;
  Base base;
  for (Write w : {Write::append_to_a_case, Write::open_a_new_case}) {
    for (const Fault& f : {Fault{Op::write, SQLITE_IOERR_WRITE, false}, Fault{Op::write, SQLITE_FULL, false},
                           Fault{Op::write, SQLITE_IOERR_WRITE, true}, Fault{Op::write, SQLITE_FULL, true}}) {
      const Outcomes o = fault_loop(base, w, f);
      CHECK(o.failed > 0);
    }
  }
}

TEST_CASE("store.sqlite.fault.an_append_under_sync_faults_is_whole_or_absent") {
  FaultyDefault guard;
  Base base;
  for (Write w : {Write::append_to_a_case, Write::open_a_new_case}) {
    for (const Fault& f : {Fault{Op::sync, SQLITE_IOERR_FSYNC, false}, Fault{Op::sync, SQLITE_FULL, false},
                           Fault{Op::sync, SQLITE_IOERR_FSYNC, true}}) {
      const Outcomes o = fault_loop(base, w, f);
      CHECK(o.failed > 0);
    }
  }
}

TEST_CASE("store.sqlite.fault.other_writes_under_faults_change_all_or_nothing") {
  FaultyDefault guard;
  Base base;
  for (Write w : {Write::allocate_ids, Write::save_snapshot, Write::put_definition}) {
    for (const Fault& f : {Fault{Op::write, SQLITE_IOERR_WRITE, false}, Fault{Op::write, SQLITE_FULL, true},
                           Fault{Op::sync, SQLITE_IOERR_FSYNC, false}}) {
      const Outcomes o = fault_loop(base, w, f);
      if (w == Write::save_snapshot) CHECK(o.failed == 0);  // a snapshot never costs the caller an error
    }
  }
}

namespace {

/// The store's reads, each rendered as text, for comparing a faulted run with a plain one.
std::vector<std::pair<std::string_view, std::function<std::string(Store&)>>> reads(const Base& base) {
  return {
      {"load", [&](Store& s) { return contents(s); }},
      {"load_latest",
       [&](Store& s) {
         const auto log = s.load_latest(base.b);
         REQUIRE(log);
         return fmt::format("{} {} {}", log->base, log->version(), log->commits.size());
       }},
      {"version", [&](Store& s) { return fmt::format("{}", s.version(base.a).value_or(0)); }},
      {"find_command",
       [&](Store& s) {
         const auto rec = s.find_command("b-3");
         REQUIRE(rec);
         return fmt::format("{} {} {}", rec->case_id.value, rec->commit.first_version, rec->events.size());
       }},
      {"due", [&](Store& s) { return fmt::format("{}", s.due(at("2030-01-01", 0), 100).size()); }},
      {"definitions", [&](Store& s) { return fmt::format("{}", s.definitions().size()); }},
  };
}

}  // namespace

TEST_CASE("store.sqlite.fault.reads_under_read_faults_fail_clearly_and_leave_the_store_usable") {
  FaultyDefault guard;
  Base base;
  const auto calls = reads(base);
  std::vector<std::string> expected;
  {
    const std::string plain = base.copy();
    SqliteStore store(plain);
    for (const auto& call : calls) expected.push_back(call.second(store));
  }
  for (const Fault& f : {Fault{Op::read, SQLITE_IOERR_READ, false}, Fault{Op::read, SQLITE_IOERR_READ, true}}) {
    CAPTURE(f.persistent);
    int n = 1, failures = 0;
    for (; n <= max_n; ++n) {
      CAPTURE(n);
      const std::string path = base.copy();
      SqliteStore store(path);
      arm(f, n);
      for (std::size_t k = 0; k < calls.size(); ++k) {
        CAPTURE(calls[k].first);
        std::string got;
        try {
          got = calls[k].second(store);
        } catch (const StoreError& e) {
          ++failures;
          check_clear(e.what(), path, f.rc);
          continue;
        }
        CHECK(got == expected[k]);  // a read that returns, returns the truth
      }
      const int triggered = faults.triggered;
      disarm();
      for (std::size_t k = 0; k < calls.size(); ++k) {  // nothing sticks: every read works again
        CAPTURE(calls[k].first);
        const std::string got = calls[k].second(store);
        CHECK(got == expected[k]);
      }
      if (triggered == 0) break;
    }
    CHECK(n < max_n);
    CHECK(failures > 0);
    const std::string_view how = f.persistent ? " from N on" : " once";
    MESSAGE("reads / read fault", how, ": ", n, " runs, ", failures, " failed calls");
  }
}

TEST_CASE("store.sqlite.fault.opening_under_faults_fails_clearly_and_the_file_opens_afterwards") {
  FaultyDefault guard;
  Base base;
  std::string before_contents;
  {
    const std::string plain = base.copy();
    SqliteStore store(plain);
    before_contents = contents(store);
  }
  int files = 0;
  for (const bool existing : {false, true}) {
    CAPTURE(existing);
    for (const Fault& f :
         {Fault{Op::open, SQLITE_CANTOPEN, false}, Fault{Op::open, SQLITE_CANTOPEN, true},
          Fault{Op::write, SQLITE_IOERR_WRITE, false}, Fault{Op::write, SQLITE_FULL, true},
          Fault{Op::sync, SQLITE_IOERR_FSYNC, false}, Fault{Op::sync, SQLITE_IOERR_FSYNC, true},
          Fault{Op::read, SQLITE_IOERR_READ, false}, Fault{Op::read, SQLITE_IOERR_READ, true},
          Fault{Op::truncate, SQLITE_IOERR_TRUNCATE, false}}) {
      CAPTURE(op_name(f.op));
      CAPTURE(f.persistent);
      int n = 1, failures = 0;
      for (; n <= max_n; ++n) {
        CAPTURE(n);
        const std::string path = existing ? base.copy() : base.dir.file(fmt::format("new-{}.db", files++));
        std::string error;
        int triggered = 0;
        {
          arm(f, n);
          std::optional<SqliteStore> opened;
          try {
            opened.emplace(path);
          } catch (const StoreError& e) {
            error = e.what();
          }
          if (opened) {  // once open, it reads what the file holds, or fails clearly
            std::string got;
            try {
              got = contents(*opened);
            } catch (const StoreError& e) {
              check_clear(e.what(), path, f.rc);
              got = "(failed)";
            }
            if (got != "(failed)") CHECK(got == (existing ? before_contents : ""));
          }
          opened.reset();
          triggered = faults.triggered;
          disarm();
        }
        if (!error.empty()) {
          ++failures;
          CAPTURE(error);
          CHECK(triggered > 0);
          CHECK(error.find(path) != std::string::npos);
          const bool worded = error.find("I/O error") != std::string::npos ||
                              error.find("disk is full") != std::string::npos ||
                              error.find("cannot be opened") != std::string::npos;
          CHECK(worded);
        }
        // Opened without faults, the file is a whole yishi database of the current schema.
        SqliteStore store(path);
        CHECK(contents(store) == (existing ? before_contents : ""));
        const CaseId id = store.allocate_case_id();
        const Event opened = CaseOpened{"open_restaurant", "1", "丙公司", {false, false}};
        CHECK(store.append(id, 0, Commit{"after-open", 7, corp, CommandKind::open, at("2025-03-04", 9), 1, 1},
                           std::span(&opened, 1), std::nullopt) == AppendStatus::ok);
        CHECK(store.version(id) == 1);
        if (triggered == 0) break;
      }
      CHECK(n < max_n);
      const std::string_view what = existing ? "open existing" : "create";
      const std::string_view how = f.persistent ? " from N on" : " once";
      MESSAGE(what, " / ", op_name(f.op), how, ": ", n, " runs, ", failures, " failed");
    }
  }
}

// An I/O error while opening a sound yishi file (its log cannot be opened, a read fails) is
// not reported as a foreign file: open() tells SQLite's "not a database" from the rest.
TEST_CASE("store.sqlite.fault.an_io_error_opening_a_yishi_file_is_not_called_a_foreign_file") {
  FaultyDefault guard;
  Base base;
  int failures = 0;
  for (const Fault& f : {Fault{Op::open, SQLITE_CANTOPEN, false}, Fault{Op::read, SQLITE_IOERR_READ, false}}) {
    CAPTURE(op_name(f.op));
    for (int n = 1; n <= max_n; ++n) {
      CAPTURE(n);
      const std::string path = base.copy();
      std::string error;
      arm(f, n);
      try {
        SqliteStore store(path);
      } catch (const StoreError& e) {
        error = e.what();
      }
      const int triggered = faults.triggered;
      disarm();
      if (!error.empty()) {
        ++failures;
        CAPTURE(error);
        CHECK(error.find("not a yishi database") == std::string::npos);
        const bool worded = error.find("cannot read the database") != std::string::npos ||
                            error.find("cannot open the database") != std::string::npos;
        CHECK(worded);
      }
      if (triggered == 0) break;
    }
  }
  REQUIRE(failures > 0);
}

// When the sync of an append's COMMIT fails, SQLite has written the commit's frames, commit
// marker included: this connection rolls back, but a crash before its next commit recovers
// them. So the outcome is unknown, and the error says so and names the remedy, which works:
// retried with the same command id on the same store, the command is applied; on the files
// a crash at that moment leaves, the failed append is whole or absent, never half there, and
// the retry is applied, or answered `duplicate` when the crash kept it. Either way the file
// ends with the command once.
TEST_CASE("store.sqlite.fault.an_append_that_failed_on_its_sync_has_an_unknown_outcome_and_a_retry_applies_it_once") {
  FaultyDefault guard;
  Base base;
  const std::string before = dump(base.path);
  std::string after;
  {
    const std::string golden = base.copy();
    {
      SqliteStore store(golden);
      run_write(Write::append_to_a_case, store, base);
    }
    after = dump(golden);
  }
  const Commit retry{"fault-append", 7, clerk, CommandKind::submit, at("2025-03-04", 9), base.a_version + 1, 1};
  auto append_again = [&](Store& store) {
    return store.append(base.a, base.a_version, retry, std::span(&refused_event, 1), at("2025-03-20", 9));
  };
  int failures = 0, kept_by_crash = 0;
  for (int n = 1; n <= max_n; ++n) {
    CAPTURE(n);
    const std::string path = base.copy();
    const std::string crashed = base.dir.file(fmt::format("crashed-{}-{}.db", n, base.copies));
    std::string error;
    int triggered = 0;
    {
      SqliteStore store(path);
      arm(Fault{Op::sync, SQLITE_IOERR_FSYNC, false}, n);
      try {
        run_write(Write::append_to_a_case, store, base);
      } catch (const StoreError& e) {
        error = e.what();
      }
      triggered = end_of_faults(path, crashed);
      if (!error.empty()) {
        ++failures;
        CAPTURE(error);
        CHECK(error.find(path) != std::string::npos);
        CHECK(error.find("whether it is in the file is unknown") != std::string::npos);
        CHECK(error.find("retry the command with the same id") != std::string::npos);
        CHECK(append_again(store) == AppendStatus::ok);  // the same store: applied now
      }
    }
    const std::string at_crash = dump(crashed);
    CHECK((at_crash == before) + (at_crash == after) == 1);  // never half there
    if (!error.empty()) {
      CHECK(dump(path) == after);
      SqliteStore store(crashed);
      const AppendStatus st = append_again(store);
      kept_by_crash += st == AppendStatus::duplicate;
      CHECK((st == AppendStatus::duplicate) == (at_crash == after));
      CHECK(store.version(base.a) == base.a_version + 1);
    }
    if (triggered == 0) break;
  }
  CHECK(failures > 0);
  MESSAGE("appends failing on their sync: ", failures, ", of which a crash kept ", kept_by_crash);
}

// After allocate_case_id() fails (its reservation not committed), the next call reserves
// again: the id it hands out is this store's, takes an append, and no other store on the
// file hands it out.
TEST_CASE("store.sqlite.fault.an_id_allocated_after_a_failed_allocation_is_usable_and_unique") {
  FaultyDefault guard;
  Base base;
  const std::string path = base.copy();
  SqliteStore store(path);
  arm(Fault{Op::write, SQLITE_IOERR_WRITE, false}, 1);
  std::string error;
  try {
    (void)store.allocate_case_id();
  } catch (const StoreError& e) {
    error = e.what();
  }
  disarm();
  REQUIRE_FALSE(error.empty());
  const CaseId id = store.allocate_case_id();
  const Event opened = CaseOpened{"open_restaurant", "1", "丁公司", {false, false}};
  const Commit c{"after-failed-allocation", 7, corp, CommandKind::open, at("2025-03-04", 9), 1, 1};
  std::string append_error;
  try {
    const AppendStatus st = store.append(id, 0, c, std::span(&opened, 1), std::nullopt);
    CHECK(st == AppendStatus::ok);
  } catch (const StoreError& e) {
    append_error = e.what();
  }
  CAPTURE(append_error);
  CHECK(append_error.empty());
  SqliteStore other(path);  // another process on the same file
  CHECK(other.allocate_case_id() != id);
}

// Batched mode (group commit) under faults. Two appends join one batch, which sync() commits.
// A failed append inside the batch is undone alone (a savepoint) and the batch goes on, unless
// SQLite rolled the whole transaction back; a batch that cannot be committed is lost whole and
// the store refuses every later call, saying so. When the commit failed on its sync, its
// frames may already be in the log, so the store must not call the batch lost: it says its
// outcome is unknown. In every case the file (and a crash copy) holds the batch whole or not
// at all, and reopening the store and retrying the commands with the same ids applies each
// exactly once.
TEST_CASE("store.sqlite.fault.a_batch_under_faults_is_committed_whole_or_not_and_a_retry_completes_it") {
  FaultyDefault guard;
  Base base;
  const SqliteOptions batched{.durability = Durability::batched, .batch_interval = std::chrono::hours(1),
                              .batch_limit = 1000, .snapshot_every = 0};
  constexpr std::array<Write, 2> writes{Write::append_to_a_case, Write::open_a_new_case};
  // What the file holds after a batch of the appends in `mask` (bit k: writes[k]).
  std::array<std::string, 4> golden;
  for (unsigned mask = 0; mask < golden.size(); ++mask) {
    const std::string path = base.copy();
    {
      SqliteStore store(path, batched);
      for (std::size_t k = 0; k < writes.size(); ++k)
        if (mask & (1u << k)) run_write(writes[k], store, base);
      store.sync();
    }
    golden[mask] = dump(path);
  }
  REQUIRE(golden[0] == dump(base.path));
  // Retrying both commands after a reopen: each is applied, or answered `duplicate`.
  const auto retry_both = [&](const std::string& path) {
    SqliteStore store(path, batched);
    const Commit append{"fault-append", 7, clerk, CommandKind::submit, at("2025-03-04", 9), base.a_version + 1, 1};
    const Event opened = CaseOpened{"open_restaurant", "1", "乙公司", {false, false}};
    const Commit open{"fault-open", 7, corp, CommandKind::open, at("2025-03-04", 9), 1, 1};
    const AppendStatus a = store.append(base.a, base.a_version, append, std::span(&refused_event, 1), at("2025-03-20", 9));
    const AppendStatus b = store.append(base.unused, 0, open, std::span(&opened, 1), at("2025-03-11", 17));
    CHECK(a != AppendStatus::conflict);
    CHECK(b != AppendStatus::conflict);
    store.sync();
  };

  for (const Fault& f : {Fault{Op::write, SQLITE_IOERR_WRITE, false}, Fault{Op::write, SQLITE_FULL, true},
                         Fault{Op::sync, SQLITE_IOERR_FSYNC, false}, Fault{Op::sync, SQLITE_IOERR_FSYNC, true}}) {
    CAPTURE(op_name(f.op));
    CAPTURE(f.rc);
    CAPTURE(f.persistent);
    int runs = 0, failed = 0, unusable_runs = 0, unknown = 0;
    for (int n = 1; n <= max_n; ++n) {
      CAPTURE(n);
      ++runs;
      const std::string path = base.copy();
      const std::string crashed = base.dir.file(fmt::format("crashed-batch-{}.db", base.copies));
      unsigned done = 0;  // the appends that returned ok
      std::string lost;   // the error that made the store unusable
      int triggered = 0;
      {
        SqliteStore store(path, batched);
        arm(f, n);
        for (std::size_t k = 0; k <= writes.size(); ++k) {  // both appends, then sync()
          try {
            if (k < writes.size()) {
              run_write(writes[k], store, base);
              done |= 1u << k;
            } else {
              store.sync();
            }
          } catch (const StoreError& e) {
            const std::string message = e.what();
            ++failed;
            check_clear(message, path, f.rc);
            if (!lost.empty()) {
              CHECK(message.find("the store is unusable") != std::string::npos);
            } else if (message.find("appends") != std::string::npos) {  // the batch failed
              lost = message;
            }
          }
        }
        triggered = end_of_faults(path, crashed);
        if (!lost.empty()) {
          ++unusable_runs;
          CHECK_THROWS_WITH_AS(store.sync(), doctest::Contains("the store is unusable"), StoreError);
          CHECK_THROWS_AS((void)store.allocate_case_id(), StoreError);
          CHECK_THROWS_AS((void)store.cases(), StoreError);
        }
      }
      const bool outcome_unknown = lost.find("is unknown") != std::string::npos;
      unknown += outcome_unknown;
      for (const std::string* file : {&path, &crashed}) {
        const std::string now = dump(*file);
        CAPTURE(*file);
        if (lost.empty()) {
          CHECK(now == golden[done]);  // the batch committed: what returned ok, nothing else
        } else if (outcome_unknown) {
          CHECK((now == golden[0]) + (now == golden[done]) >= 1);  // whole or absent
        } else {
          CHECK(now == golden[0]);  // said lost: lost
        }
      }
      // Reopened, the commands retried with the same ids: each is there exactly once.
      retry_both(path);
      CHECK(dump(path) == golden[3]);
      retry_both(crashed);
      CHECK(dump(crashed) == golden[3]);
      if (triggered == 0) break;
    }
    CHECK(runs < max_n);
    CHECK(failed > 0);
    CHECK(unusable_runs > 0);
    if (f.op == Op::sync) CHECK(unknown > 0);
    const std::string_view how = f.persistent ? " from N on" : " once";
    MESSAGE("batch / ", op_name(f.op), " rc ", f.rc, how, ": ", runs, " runs, ",
            failed, " failed calls, ", unusable_runs, " left the store unusable, ", unknown, " of unknown outcome");
  }
}
