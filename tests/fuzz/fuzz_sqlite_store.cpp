// libFuzzer target: the SQLite store on a damaged file. Once per process, a valid store file
// is written by running tests/scenarios/national/open_restaurant.scenario (two 开办餐饮店
// cases to issuance, with snapshots, outbox entries and a published definition). Each input
// then overwrites bytes of a copy of that file, opens it with SqliteStore and reads every
// case back, replays it, verifies it, reads timers, the outbox and the definitions, and
// appends a command. Every step must either throw StoreError (a clear error naming the file)
// or give exactly the data that was written: a case that loads must replay to the state it
// had. Anything else (a crash, a sanitizer report, another exception, wrong data) aborts.
//
// Encoding: pairs of (offset, value). An offset byte of 0x80 or more targets the first 128
// bytes of the file (SQLite's header, where page size, schema cookie, user_version and
// application_id live) at `byte & 0x7f`; below 0x80 it is the high byte of a 3-byte offset
// into the whole file. The value byte replaces the byte at the offset. At most 64 pairs.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "yishi/runtime/engine.hpp"
#include "yishi/script/script.hpp"
#include "yishi/store/publish.hpp"
#include "yishi/store/sqlite_store.hpp"

using namespace yishi;
using yishi::fuzz::Bytes;
namespace fs = std::filesystem;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void remove_database(const fs::path& db) {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(db.string() + suffix, ignored);
}

struct Fixture {
  fs::path dir;
  fs::path db;
  Calendar calendar;
  CompiledBundle bundle;
  std::string pristine;                      // the valid file's bytes
  std::map<std::uint64_t, CaseState> states; // each case as it was written
  std::vector<std::string> command_ids;      // some ids the file holds
  std::vector<StoredDefinition> definitions; // as published

  Fixture()
      : calendar(fuzz::load_calendar()),
        bundle(fuzz::compile_or_die(fuzz::load_bundle("bundles/national/open_restaurant.yaml"))) {
    // tmpfs when there is one: the target writes a file per input.
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    dir = base / ("yishi-fuzz-sqlite-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    db = dir / "store.db";
    write_pristine();
  }
  ~Fixture() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  void write_pristine() {
    remove_database(db);
    {
      SqliteOptions o;
      o.snapshot_every = 4;  // snapshots of every case, so damaged ones are read too
      SqliteStore store(db.string(), o);
      script::ScriptOptions so;
      so.root = YISHI_SOURCE_DIR;
      so.store = &store;
      script::Runner runner(std::move(so));
      runner.run_file(fs::path(YISHI_SOURCE_DIR) / "tests/scenarios/national/open_restaurant.scenario");
      // A published definition, as an engine that restarts reads it back.
      ManualClock clock;
      Engine engine(store, clock, calendar);
      ir::Bundle b = bundle.bundle();
      if (!publish(engine, store, b)) fuzz::fixture_failed("cannot publish the bundle");
      store.sync();
    }
    if (fs::exists(db.string() + "-wal") && fs::file_size(db.string() + "-wal") > 0)
      fuzz::fixture_failed("the store left a write-ahead log behind after closing");
    std::ifstream in(db, std::ios::binary);
    pristine.assign(std::istreambuf_iterator<char>(in), {});
    if (pristine.size() < 4096) fuzz::fixture_failed("the store file is too small");
    // The states as written, read through the same store and engine as the inputs will be.
    SqliteStore store(db.string());
    ManualClock clock;
    Engine engine(store, clock, calendar);
    check(engine.deploy(bundle));
    definitions = store.definitions();
    if (restore_definitions(engine, store) != 1) fuzz::fixture_failed("the published definition does not restore");
    for (CaseId id : store.cases()) {
      states.emplace(id.value, engine.state(id).value());
      const auto log = store.load(id);
      for (const Commit& c : log->commits) command_ids.push_back(c.command_id);
    }
    if (states.size() < 2) fuzz::fixture_failed("the scenario wrote fewer cases than expected");
  }
};

/// Reads everything back from a damaged file; throws StoreError where the store gives up.
void exercise(const Fixture& f) {
  SqliteOptions o;
  o.busy_timeout = std::chrono::milliseconds(0);  // nothing else holds the file
  SqliteStore store(f.db.string(), o);
  ManualClock clock(f.calendar.at(*parse_date("2026-06-01"), 9 * 60));
  Engine engine(store, clock, f.calendar);
  check(engine.deploy(f.bundle));
  // Restoring loads and compiles each stored definition, the slowest step: only when the
  // damage reached their text (the pristine ones were restored once, by the fixture).
  if (store.definitions() != f.definitions) {
    try {
      (void)restore_definitions(engine, store);
    } catch (const StoreError&) {
      // a stored definition that no longer loads or compiles is reported, and the rest still works
    }
  }
  const std::vector<CaseId> ids = store.cases();
  for (std::size_t k = 0; k < ids.size() && k < 16; ++k) {
    const CaseId id = ids[k];
    (void)store.version(id);
    const auto expected = f.states.find(id.value);
    auto whole = store.load(id);
    if (whole && expected != f.states.end()) {
      // A log that loads is the log that was written: it replays to the same state.
      check(whole->base == 0 && whole->version() == expected->second.version);
      check(replay(f.bundle, id, whole->commits, whole->events) == expected->second);
    } else if (whole) {
      try {
        (void)replay(f.bundle, id, whole->commits, whole->events);
      } catch (const std::invalid_argument&) {
        // a log that does not fit the bundle (a case that was never written) is refused
      }
    }
    (void)store.load_latest(id);
    auto state = engine.state(id);
    if (state && expected != f.states.end()) check(*state == expected->second);
    (void)engine.view(id);
    (void)engine.audit_trail(id);
    (void)engine.verify(id);
  }
  for (const std::string& command : f.command_ids) (void)store.find_command(command);
  (void)store.due(clock.now(), 8);
  (void)store.claim_due("worker", clock.now(), 8, std::chrono::milliseconds(1000));
  const auto outbox = store.claim_outbox("worker", 8, std::chrono::milliseconds(1000));
  std::vector<std::uint64_t> seqs;
  for (const OutboxEntry& e : outbox) seqs.push_back(e.seq);
  (void)store.ack_outbox("worker", seqs);
  // Writes on the damaged file: a rating on each case, a new case, timers.
  for (std::size_t k = 0; k < ids.size() && k < 4; ++k)
    (void)engine.execute(ids[k], {.id = "fuzz-rate-" + std::to_string(k), .actor = Actor::applicant("corp-1"),
                                  .body = Rate{4, ""}});
  OpenCase open;
  open.id = "fuzz-open";
  open.actor = Actor::applicant("corp-3");
  open.bundle = "open_restaurant";
  open.situations = {{"outdoor_sign", false}, {"crowded_venue", true}};
  (void)engine.open_case(open);
  (void)engine.advance_to(clock.now() + std::chrono::hours(24 * 30));
  store.sync();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture f;
  std::string bytes = f.pristine;
  Bytes in(data, size);
  for (int pair = 0; pair < 64 && !in.empty(); ++pair) {
    const std::uint8_t b = in.byte();
    std::size_t offset = 0;
    if (b >= 0x80) {
      offset = b & 0x7fu;
    } else {
      const std::size_t low = in.u16();
      offset = (static_cast<std::size_t>(b) << 16 | low) % bytes.size();
    }
    bytes[offset] = static_cast<char>(in.byte());
  }
  remove_database(f.db);
  {
    std::ofstream out(f.db, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) fuzz::fixture_failed("cannot write the damaged copy");
  }
  try {
    exercise(f);
  } catch (const StoreError& e) {
    check(*e.what() != '\0');  // the clear error the damage deserves
  }
  return 0;
}
