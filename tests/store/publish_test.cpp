// Publishing and restoring bundle definitions: versions by content hash and their refusals.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// The minimal bundle's text with each (find, replace-with) edit applied.
std::string mini_text(const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  std::string text = minimal_bundle();
  for (const auto& [find, with] : edits) text = replace(text, find, with);
  return text;
}

ir::Bundle mini(const std::vector<std::pair<std::string, std::string>>& edits = {}) {
  SourceMap sources;
  auto r = yaml::load_text(sources, "mini.yaml", mini_text(edits));
  REQUIRE_MESSAGE(r.bundle, render_text(r.diagnostics, sources));
  return *r.bundle;
}

/// The minimal bundle with its second item renamed: another definition, same version.
ir::Bundle mini_changed() { return mini({{"name: 第二项\n", "name: 第二项（变更）\n"}}); }

/// The minimal bundle whose first item names a department the bundle does not declare.
const std::vector<std::pair<std::string, std::string>> broken_department{{"    department: dept_a\n", "    department: dept_z\n"}};

const Actor applicant = Actor::applicant("张三");

OpenCase open_mini(std::string key, std::string version = "") {
  return {std::move(key), applicant, "mini", std::move(version), {}, {}};
}

/// The version a new case of `mini` gets in `engine` ("" when none can be opened).
std::string latest_version(Engine& engine, const std::string& key) {
  auto opened = engine.open_case(open_mini(key));
  if (!opened) return "";
  return engine.view(opened->case_id).value().version;
}

/// A raw connection to a SQLite file, for holding its lock as another program would.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK); }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql, ": ", std::string(err ? err : ""));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

TEST_CASE("store.publish.a_bundle_that_does_not_compile_is_refused_with_its_first_error_and_stores_nothing") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  auto r = publish(engine, store, mini(broken_department));
  REQUIRE_FALSE(r);
  CHECK(r.error().rfind("error[", 0) == 0);
  CHECK(r.error().find("dept_z") != std::string::npos);
  CHECK(store.definitions().empty());
  auto opened = engine.open_case(open_mini("o1"));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::unknown_bundle);
}

TEST_CASE("store.publish.republishing_an_earlier_definition_makes_it_the_latest_again_without_a_new_version") {
  TempDir dir;
  SqliteStore store(dir.file("cases.db"));
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  auto a = publish(engine, store, mini());
  REQUIRE(a);
  CHECK(a->bundle == "mini");
  CHECK(a->version == "1");
  CHECK(a->hash.size() == 16);
  CHECK(a->hash.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(a->created);
  auto b = publish(engine, store, mini_changed());
  REQUIRE(b);
  CHECK(b->hash != a->hash);
  CHECK(b->version == "1+" + b->hash.substr(0, 8));
  CHECK(b->created);
  CHECK(latest_version(engine, "o1") == b->version);
  // the first definition again: no new version, no new row, but new cases take it again
  auto a2 = publish(engine, store, mini());
  REQUIRE(a2);
  CHECK(a2->version == "1");
  CHECK(a2->hash == a->hash);
  CHECK_FALSE(a2->created);
  CHECK(latest_version(engine, "o2") == "1");
  // the changed one again keeps its own version (the clash with version 1 still stands)
  auto b2 = publish(engine, store, mini_changed());
  REQUIRE(b2);
  CHECK(b2->version == b->version);
  CHECK_FALSE(b2->created);
  CHECK(latest_version(engine, "o3") == b->version);
  const auto defs = store.definitions();
  REQUIRE(defs.size() == 2);
  CHECK(defs[0] == StoredDefinition{"mini", "1", a->hash, defs[0].source});
  CHECK(defs[1].version == b->version);
  CHECK(defs[1].hash == b->hash);
  // the stored text carries the version the cases carry
  CHECK(defs[1].source.find(b->version) != std::string::npos);
}

TEST_CASE("store.publish.definitions_of_other_bundles_do_not_clash_with_a_version") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  auto other = publish(engine, store, mini({{"bundle: mini\n", "bundle: other\n"}, {"name: 最小\n", "name: 另一个\n"}}));
  REQUIRE(other);
  CHECK(other->bundle == "other");
  CHECK(other->version == "1");
  auto own = publish(engine, store, mini());
  REQUIRE(own);
  CHECK(own->version == "1");  // version 1 of `other` is another bundle's
  CHECK(own->hash != other->hash);
  CHECK(own->created);
  // a second declared version of the same bundle is its own version, no hash suffix
  auto v2 = publish(engine, store, mini({{"version: \"1\"\n", "version: \"2\"\n"}}));
  REQUIRE(v2);
  CHECK(v2->version == "2");
  CHECK(store.definitions().size() == 3);
  CHECK(latest_version(engine, "o1") == "2");
}

TEST_CASE("store.publish.a_hashed_version_already_holding_another_definition_is_refused") {
  // the hash of the changed definition, learnt on a scratch store
  std::string changed_hash;
  {
    MemoryStore scratch;
    ManualClock clock(at("2025-03-03", 10));
    Engine engine(scratch, clock, calendar_2025());
    auto p = publish(engine, scratch, mini_changed());
    REQUIRE(p);
    changed_hash = p->hash;
  }
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(publish(engine, store, mini()));
  const std::string slot = "1+" + changed_hash.substr(0, 8);
  const StoredDefinition squatter{"mini", slot, "0000000000000000", "bundle: mini\n"};
  REQUIRE(store.put_definition(squatter));
  auto r = publish(engine, store, mini_changed());
  REQUIRE_FALSE(r);
  CHECK(r.error() == "bundle `mini` version " + slot + " holds another definition in the store");
  // nothing changed: the store keeps the squatter, the engine its version 1
  REQUIRE(store.definitions().size() == 2);
  CHECK(store.definitions()[1] == squatter);
  CHECK(latest_version(engine, "o1") == "1");
  auto pinned = engine.open_case(open_mini("o2", slot));
  REQUIRE_FALSE(pinned);
  CHECK(pinned.error().kind == ErrorKind::unknown_bundle);
}

TEST_CASE("store.publish.an_engine_running_another_definition_of_the_version_refuses_it") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  auto compiled = compile(mini_changed());
  REQUIRE(compiled.compiled);
  REQUIRE(engine.deploy(std::move(*compiled.compiled)));  // version 1, deployed from a file
  auto r = publish(engine, store, mini());
  REQUIRE_FALSE(r);
  CHECK(r.error() == "the engine runs another definition of bundle `mini` version 1");
  // nothing reached the store, where a restart would deploy it
  CHECK(store.definitions().empty());
  // the engine still runs its own definition
  auto opened = engine.open_case(open_mini("o1"));
  REQUIRE(opened);
  CHECK(engine.view(opened->case_id).value().version == "1");
}

TEST_CASE("store.publish.a_locked_sqlite_store_fails_the_publish_and_nothing_is_deployed") {
  TempDir dir;
  const std::string path = dir.file("cases.db");
  SqliteStore store(path, {.busy_timeout = std::chrono::milliseconds(50)});
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  {
    RawSqlite other(path);
    other.exec("BEGIN EXCLUSIVE");
    const std::string m = message_of([&] { (void)publish(engine, store, mini()); });
    CHECK(m.find("locked") != std::string::npos);
    CHECK(m.find(path) != std::string::npos);
    other.exec("ROLLBACK");
  }
  CHECK(store.definitions().empty());
  auto opened = engine.open_case(open_mini("o1"));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::unknown_bundle);
  // once the lock is gone, the same publish goes through as the first
  auto again = publish(engine, store, mini());
  REQUIRE(again);
  CHECK(again->created);
  CHECK(again->version == "1");
}

TEST_CASE("store.publish.restoring_deploys_every_stored_version_in_publication_order") {
  TempDir dir;
  const std::string path = dir.file("cases.db");
  std::string v_changed;
  CaseId on_first;
  {
    SqliteStore store(path);
    ManualClock clock(at("2025-03-03", 10));
    Engine engine(store, clock, calendar_2025());
    CHECK(restore_definitions(engine, store) == 0);  // nothing stored yet
    REQUIRE(publish(engine, store, mini()));
    on_first = engine.open_case(open_mini("o1")).value().case_id;
    auto b = publish(engine, store, mini_changed());
    REQUIRE(b);
    v_changed = b->version;
  }
  SqliteStore store(path);
  ManualClock clock(at("2025-03-03", 11));
  Engine engine(store, clock, calendar_2025());
  auto before = engine.open_case(open_mini("o2"));
  REQUIRE_FALSE(before);
  CHECK(before.error().kind == ErrorKind::unknown_bundle);
  CHECK(restore_definitions(engine, store) == 2);
  CHECK(engine.view(on_first).value().version == "1");
  CHECK(latest_version(engine, "o3") == v_changed);
  // restoring again into the same engine deploys the same definitions: nothing refused
  CHECK(restore_definitions(engine, store) == 2);
  // and publishing the stored definition again is recognised as the same
  auto same = publish(engine, store, mini_changed());
  REQUIRE(same);
  CHECK_FALSE(same->created);
  CHECK(same->version == v_changed);
}

TEST_CASE("store.publish.a_stored_definition_that_no_longer_loads_stops_the_restore") {
  MemoryStore store;
  REQUIRE(store.put_definition({"mini", "7", "00aa", "bundle: [mini\n"}));
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  const std::string m = message_of([&] { (void)restore_definitions(engine, store); });
  CHECK(m.rfind("stored definition of `mini` version 7 does not load: error[", 0) == 0);
  auto opened = engine.open_case(open_mini("o1"));
  REQUIRE_FALSE(opened);
  CHECK(opened.error().kind == ErrorKind::unknown_bundle);
}

TEST_CASE("store.publish.a_stored_definition_that_no_longer_compiles_stops_the_restore_after_the_ones_before_it") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  {
    Engine engine(store, clock, calendar_2025());
    REQUIRE(publish(engine, store, mini()));
  }
  REQUIRE(store.put_definition({"mini", "2", "00bb", mini_text(broken_department)}));
  Engine engine(store, clock, calendar_2025());
  const std::string m = message_of([&] { (void)restore_definitions(engine, store); });
  CHECK(m.rfind("stored definition of `mini` version 2 does not compile: error[", 0) == 0);
  CHECK(m.find("dept_z") != std::string::npos);
  // the definition stored before the broken one was deployed
  CHECK(latest_version(engine, "o1") == "1");
}

TEST_CASE("store.publish.restoring_into_an_engine_running_another_definition_of_a_version_fails") {
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  {
    Engine engine(store, clock, calendar_2025());
    REQUIRE(publish(engine, store, mini()));
  }
  Engine engine(store, clock, calendar_2025());
  auto compiled = compile(mini_changed());
  REQUIRE(compiled.compiled);
  REQUIRE(engine.deploy(std::move(*compiled.compiled)));
  const std::string m = message_of([&] { (void)restore_definitions(engine, store); });
  CHECK(m == "the engine runs another definition of `mini` version 1");
}

TEST_CASE("store.publish.the_definition_published_last_stays_the_latest_after_a_restart") {
  TempDir dir;
  const std::string path = dir.file("cases.db");
  {
    SqliteStore store(path);
    ManualClock clock(at("2025-03-03", 10));
    Engine engine(store, clock, calendar_2025());
    REQUIRE(publish(engine, store, mini()));
    REQUIRE(publish(engine, store, mini_changed()));
    REQUIRE(publish(engine, store, mini()));  // the first again: the latest again
    CHECK(latest_version(engine, "o1") == "1");
  }
  SqliteStore store(path);
  ManualClock clock(at("2025-03-03", 11));
  Engine engine(store, clock, calendar_2025());
  CHECK(restore_definitions(engine, store) == 2);
  CHECK(latest_version(engine, "o2") == "1");
}
