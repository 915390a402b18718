// PostgresStore's own paths: a lost connection, a newer schema, an unreachable server, two
// stores (as two processes would) racing on one case, timer and outbox leases between them.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "restaurant_case.hpp"
#include "store_kinds.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {


const Event opened_event = CaseOpened{"b", "1", "甲公司", {true}};
Commit header(std::string key, std::uint64_t first) {
  return {std::move(key), 7, corp, CommandKind::submit, at("2025-03-03", 9), first, 1};
}

}  // namespace

TEST_CASE("store.postgres.a_lost_connection_is_re_established_and_the_call_retried") {
  PostgresKind kind;
  PostgresStore store(postgres_url(), kind.options());
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  auto opened = engine.open_case(open_plain("o"));
  REQUIRE(opened);
  const CaseId id = opened->case_id;
  // the server ends this store's session, as a restart or a network cut would
  postgres_exec(fmt::format("SELECT pg_terminate_backend({})", store.backend_pid()));
  REQUIRE(engine.execute(id, cmd("s", corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules", "health_certificates"}, {}})));
  CHECK(store.reconnects() == 1);
  postgres_exec(fmt::format("SELECT pg_terminate_backend({})", store.backend_pid()));
  engine.drop_cache();
  CHECK(engine.state(id).value().status == CaseStatus::submitted);
  CHECK(store.reconnects() == 2);
  CHECK(store.load(id)->version() == engine.state(id).value().version);
}

TEST_CASE("store.postgres.a_schema_of_a_newer_version_is_refused") {
  PostgresKind kind;
  { PostgresStore store(postgres_url(), kind.options()); }
  postgres_exec(fmt::format("UPDATE {}.meta SET value = 99 WHERE key = 'schema_version'", kind.schema));
  const std::string m = message_of([&] { PostgresStore store(postgres_url(), kind.options()); });
  CHECK(m.find("schema has version 99") != std::string::npos);
  CHECK(m.find(kind.schema) != std::string::npos);
}

TEST_CASE("store.postgres.an_unreachable_server_is_a_clear_error") {
  const std::string m = message_of([] { PostgresStore store("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"); });
  CHECK(m.find("cannot connect") != std::string::npos);
}

TEST_CASE("store.postgres.two_stores_racing_on_one_case_exactly_one_wins_each_version") {
  PostgresKind kind;
  PostgresStore a(postgres_url(), kind.options()), b(postgres_url(), kind.options());
  const CaseId id = a.allocate_case_id();
  CHECK(b.allocate_case_id() != id);  // ids are reserved per store, never shared
  REQUIRE(a.append(id, 0, header("open", 1), std::span(&opened_event, 1), std::nullopt) == AppendStatus::ok);
  constexpr int rounds = 40;
  std::atomic<int> ok{0}, conflicts{0};
  const auto writer = [&](PostgresStore& store, const char* name) {
    for (int r = 0; r < rounds; ++r) {
      const Event e = Refused{name};
      for (;;) {
        const std::uint64_t v = *store.version(id);
        if (v >= static_cast<std::uint64_t>(r) + 2) break;
        const auto st = store.append(id, v, header(fmt::format("{}-{}", name, r), v + 1), std::span(&e, 1), std::nullopt);
        if (st == AppendStatus::ok) ++ok;
        else if (st == AppendStatus::conflict) ++conflicts;
        if (st != AppendStatus::conflict) break;
      }
    }
  };
  std::thread ta(writer, std::ref(a), "a"), tb(writer, std::ref(b), "b");
  ta.join();
  tb.join();
  CHECK(ok.load() == rounds);
  auto log = a.load(id);
  REQUIRE(log);
  CHECK(log->version() == rounds + 1);
  // the same command id from the other store is a duplicate, whatever version it expects
  CHECK(b.append(id, 0, header("open", 1), std::span(&opened_event, 1), std::nullopt) == AppendStatus::duplicate);
}

TEST_CASE("store.postgres.timer_and_outbox_leases_hold_across_stores") {
  PostgresKind kind;
  PostgresStore a(postgres_url(), kind.options()), b(postgres_url(), kind.options());
  const CaseId x = a.allocate_case_id(), y = a.allocate_case_id();
  REQUIRE(a.append(x, 0, header("x1", 1), std::span(&opened_event, 1), at("2025-03-04", 9)) == AppendStatus::ok);
  REQUIRE(a.append(y, 0, header("y1", 1), std::span(&opened_event, 1), at("2025-03-05", 9)) == AppendStatus::ok);
  const auto hour = std::chrono::hours(1);
  CHECK(a.claim_due("wa", at("2025-03-10", 0), 1, hour).size() == 1);
  auto got = b.claim_due("wb", at("2025-03-10", 0), 10, hour);
  REQUIRE(got.size() == 1);
  CHECK(got[0].id == y);
  CHECK(a.claim_outbox("pa", 1, hour).size() == 1);
  auto rest = b.claim_outbox("pb", 10, hour);
  REQUIRE(rest.size() == 1);
  CHECK(rest[0].commit.command_id == "y1");
  const std::vector<std::uint64_t> seqs{rest[0].seq};
  CHECK(a.ack_outbox("pa", seqs) == 0);
  CHECK(b.ack_outbox("pb", seqs) == 1);
}
