// The stores under test, as types for doctest's TEST_CASE_TEMPLATE: each opens a fresh store
// and, when durable, opens the same one again (as a restarted process would).
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include <libpq-fe.h>

#include "test_support.hpp"
#include "yishi/yishi.hpp"

namespace yishi::test {

/// The message of the StoreError `f` throws ("" when it throws none).
inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

struct MemoryKind {
  static constexpr bool durable = false;
  std::unique_ptr<Store> open() { return std::make_unique<MemoryStore>(MemoryStoreOptions{.outbox = true}); }
  std::unique_ptr<Store> reopen() { return nullptr; }
};

template <Durability D>
struct SqliteKind {
  static constexpr bool durable = true;
  TempDir dir;
  SqliteOptions options() const {
    SqliteOptions o;
    o.durability = D;
    o.snapshot_every = 8;
    return o;
  }
  std::unique_ptr<Store> open() { return std::make_unique<SqliteStore>(dir.file("cases.db"), options()); }
  std::unique_ptr<Store> reopen() { return open(); }
};
using SqliteFullKind = SqliteKind<Durability::full>;
using SqliteBatchedKind = SqliteKind<Durability::batched>;

/// The server the postgres ctest fixture started (scripts/pg-cluster.sh); a test that needs
/// it fails, never skips, when it is not there.
inline std::string postgres_url() {
  const char* url = std::getenv("YISHI_PG_URL");
  REQUIRE_MESSAGE(url != nullptr, "YISHI_PG_URL is not set: run the PostgreSQL tests through ctest, whose "
                                  "`postgres` fixture starts a server (scripts/pg-cluster.sh)");
  return url;
}

/// Runs SQL on its own connection (to set up or damage what a test needs).
inline void postgres_exec(const std::string& sql) {
  PGconn* c = PQconnectdb(postgres_url().c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  INFO(sql, ": ", PQresultErrorMessage(r));
  PQclear(r);
  PQfinish(c);
  REQUIRE(ok);
}

/// A fresh schema per test, dropped afterwards.
struct PostgresKind {
  static constexpr bool durable = true;
  std::string schema;
  PostgresKind() {
    static std::atomic<int> counter{0};
    schema = "t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }
  ~PostgresKind() {
    if (const char* url = std::getenv("YISHI_PG_URL")) {
      PGconn* c = PQconnectdb(url);
      PQclear(PQexec(c, ("DROP SCHEMA IF EXISTS " + schema + " CASCADE").c_str()));
      PQfinish(c);
    }
  }
  PostgresKind(const PostgresKind&) = delete;
  PostgresKind& operator=(const PostgresKind&) = delete;
  PostgresOptions options() const {
    PostgresOptions o;
    o.schema = schema;
    o.snapshot_every = 8;
    return o;
  }
  std::unique_ptr<Store> open() { return std::make_unique<PostgresStore>(postgres_url(), options()); }
  std::unique_ptr<Store> reopen() { return open(); }
};

}  // namespace yishi::test
