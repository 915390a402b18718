// The stores under test, as types for doctest's TEST_CASE_TEMPLATE: each opens a fresh store
// and, when durable, opens the same one again (as a restarted process would).
#pragma once

#include <memory>
#include <string>

#include "test_support.hpp"
#include "yishi/yishi.hpp"

namespace yishi::test {

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

}  // namespace yishi::test
