// PostgresStore: case logs in PostgreSQL through libpq. The tables mirror the SQLite file's
// (docs/storage.md); an append is one call of a server-side function, so it is one round
// trip and atomic; timers and outbox entries are claimed with SKIP LOCKED and leased on the
// server's clock.
#include "yishi/store/postgres_store.hpp"

#include <endian.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <mutex>
#include <utility>

#include "yishi/store/internal/codec.hpp"

namespace yishi {
namespace {

using store_internal::CodecError;

/// Serialises schema creation between processes that start together.
constexpr std::int64_t migration_lock = 0x5953484950470001;  // "YSHIPG" 1
/// Case ids are reserved from the sequence this many at a time.
constexpr std::int64_t id_block = 32;

/// The schema, version 1. `{s}` is the schema's quoted name.
constexpr const char* schema_v1 = R"sql(
CREATE SEQUENCE {s}.case_ids INCREMENT BY 32 MINVALUE 1 START 1;
CREATE TABLE {s}.cases(
  id bigint PRIMARY KEY,
  version bigint NOT NULL,
  chain bigint NOT NULL,
  next_due bigint,
  lease_owner text,
  lease_until timestamptz);
CREATE INDEX cases_by_due ON {s}.cases(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE {s}.commits(
  seq bigserial PRIMARY KEY,
  case_id bigint NOT NULL,
  first_version bigint NOT NULL,
  count integer NOT NULL,
  command_id text NOT NULL UNIQUE,
  header bytea NOT NULL,
  events bytea NOT NULL,
  chain bigint NOT NULL,
  UNIQUE(case_id, first_version));
CREATE TABLE {s}.outbox(seq bigint PRIMARY KEY, lease_owner text, lease_until timestamptz);
CREATE TABLE {s}.snapshots(
  case_id bigint PRIMARY KEY,
  version bigint NOT NULL,
  chain bigint NOT NULL,
  checksum bigint NOT NULL,
  format integer NOT NULL,
  state bytea NOT NULL);
CREATE TABLE {s}.definitions(
  seq bigserial PRIMARY KEY,
  bundle text NOT NULL,
  version text NOT NULL,
  hash text NOT NULL,
  source text NOT NULL,
  UNIQUE(bundle, version));
-- One append: 0 applied, 1 conflict (the case is not at p_expected), 2 duplicate command id,
-- 3 a new case whose id was never handed out.
-- The case row is locked, so appends to one case are serialised and exactly one of two
-- racing writers wins.
CREATE FUNCTION {s}.append_commit(p_case bigint, p_expected bigint, p_count integer, p_command text,
                                  p_header bytea, p_events bytea, p_link bigint, p_due bigint)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  cur bigint;
  prev bigint;
  new_chain bigint;
  new_seq bigint;
BEGIN
  SELECT version, chain INTO cur, prev FROM {s}.cases WHERE id = p_case FOR UPDATE;
  IF NOT FOUND THEN
    cur := 0;
    prev := 0;
    IF p_expected = 0 AND p_case >= (SELECT CASE WHEN is_called THEN last_value + 32 ELSE 1 END FROM {s}.case_ids) THEN
      RETURN 3;
    END IF;
  END IF;
  IF EXISTS (SELECT 1 FROM {s}.commits WHERE command_id = p_command) THEN
    RETURN 2;
  END IF;
  IF cur <> p_expected THEN
    RETURN 1;
  END IF;
  new_chain := ('x' || substr(md5(prev::text || ':' || p_link::text), 1, 16))::bit(64)::bigint;
  INSERT INTO {s}.commits(case_id, first_version, count, command_id, header, events, chain)
    VALUES (p_case, p_expected + 1, p_count, p_command, p_header, p_events, new_chain)
    ON CONFLICT (command_id) DO NOTHING
    RETURNING seq INTO new_seq;
  IF new_seq IS NULL THEN
    RETURN 2;
  END IF;
  INSERT INTO {s}.outbox(seq) VALUES (new_seq);
  INSERT INTO {s}.cases(id, version, chain, next_due) VALUES (p_case, p_expected + p_count, new_chain, p_due)
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, chain = EXCLUDED.chain,
      next_due = EXCLUDED.next_due, lease_owner = NULL, lease_until = NULL;
  RETURN 0;
END $$;
)sql";

/// The connection broke (server restart, network): the call may be retried on a new one.
struct ConnectionLost {
  std::string message;
};

/// A query parameter: text, or bytes sent as binary (bytea), or null.
struct Param {
  std::string value;
  bool binary = false;
  bool null = false;
};
Param text(std::string v) { return {std::move(v), false, false}; }
Param number(std::int64_t v) { return {std::to_string(v), false, false}; }
Param number(std::uint64_t v) { return number(static_cast<std::int64_t>(v)); }
Param bytes(std::string_view v) { return {std::string(v), true, false}; }
Param null() { return {{}, false, true}; }

/// A result in binary format; columns are read by their declared types.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  ~Rows() { PQclear(r_); }
  Rows(Rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  Rows& operator=(Rows&&) = delete;

  [[nodiscard]] int size() const { return PQntuples(r_); }
  [[nodiscard]] bool is_null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }
  /// An int8 or int4 column.
  [[nodiscard]] std::int64_t integer(int row, int col) const {
    const char* p = PQgetvalue(r_, row, col);
    const int n = PQgetlength(r_, row, col);
    if (n == 8) {
      std::uint64_t v = 0;
      std::memcpy(&v, p, 8);
      return static_cast<std::int64_t>(be64toh(v));
    }
    if (n == 4) {
      std::uint32_t v = 0;
      std::memcpy(&v, p, 4);
      return static_cast<std::int32_t>(be32toh(v));
    }
    throw StoreError(fmt::format("PostgreSQL: an integer column of {} bytes", n));
  }
  [[nodiscard]] std::string_view bytes(int row, int col) const {
    return {PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col))};
  }
  [[nodiscard]] PGresult* raw() const { return r_; }
  [[nodiscard]] std::uint64_t affected() const {
    const char* n = PQcmdTuples(r_);
    return *n ? std::stoull(n) : 0;
  }

 private:
  PGresult* r_;
};

std::string quote_identifier(std::string_view s) {
  std::string out(1, '"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string with_schema(std::string_view sql, const std::string& schema) {
  std::string out;
  for (std::size_t k = 0; k < sql.size();) {
    if (sql.compare(k, 3, "{s}") == 0) {
      out += schema;
      k += 3;
    } else {
      out += sql[k++];
    }
  }
  return out;
}

}  // namespace

struct PostgresStore::Impl {
  std::string conninfo;
  PostgresOptions options;
  std::string s;  // the quoted schema name
  PGconn* conn = nullptr;
  mutable std::mutex mu;
  std::uint64_t reconnects = 0;
  std::int64_t next_id = 0, id_end = 0;

  Impl(std::string c, PostgresOptions o) : conninfo(std::move(c)), options(std::move(o)), s(quote_identifier(options.schema)) {}
  ~Impl() {
    if (conn) PQfinish(conn);
  }

  [[nodiscard]] std::string where() const { return fmt::format("PostgreSQL schema {}", options.schema); }

  void connect() {
    if (conn) PQfinish(conn);
    const char* keys[] = {"dbname", "application_name", nullptr};
    const char* values[] = {conninfo.c_str(), options.application_name.c_str(), nullptr};
    conn = PQconnectdbParams(keys, values, 1);  // dbname may be a whole URL or key=value string
    if (!conn || PQstatus(conn) != CONNECTION_OK)
      throw StoreError(fmt::format("{}: cannot connect: {}", where(), conn ? PQerrorMessage(conn) : "out of memory"));
    // The server's notices (`schema … already exists, skipping`) are not for the embedding
    // program's standard error.
    PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  }

  /// Runs one parameterised statement; results in binary. Throws ConnectionLost when the
  /// connection broke, StoreError for any other failure.
  Rows run(const std::string& sql, const std::vector<Param>& params = {}) const {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const Param& p : params) {
      values.push_back(p.null ? nullptr : p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
    Rows r(PQexecParams(conn, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                        formats.data(), 1));
    check(r);
    return r;
  }

  /// Runs SQL text with no parameters (several statements allowed).
  void run_script(const std::string& sql) const {
    Rows r(PQexec(conn, sql.c_str()));
    check(r);
  }

  void check(const Rows& r) const {
    PGresult* raw = r.raw();
    const ExecStatusType st = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return;
    if (PQstatus(conn) != CONNECTION_OK) throw ConnectionLost{PQerrorMessage(conn)};
    throw StoreError(fmt::format("{}: {}", where(), raw ? PQresultErrorMessage(raw) : PQerrorMessage(conn)));
  }

  /// Runs `f`; when the connection was lost, reconnects and runs `f` once more.
  template <class F>
  auto retrying(F&& f) {
    try {
      return f(false);
    } catch (const ConnectionLost& lost) {
      PQreset(conn);
      if (PQstatus(conn) != CONNECTION_OK)
        throw StoreError(fmt::format("{}: the connection was lost ({}) and cannot be re-established: {}", where(),
                                     lost.message, PQerrorMessage(conn)));
      ++reconnects;
      try {
        return f(true);
      } catch (const ConnectionLost& again) {
        throw StoreError(fmt::format("{}: the connection was lost twice: {}", where(), again.message));
      }
    }
  }
  template <class F>
  auto retrying(F&& f) const {
    return const_cast<Impl*>(this)->retrying(std::forward<F>(f));
  }

  void create_schema() {
    run_script("BEGIN");
    try {
      run("SELECT pg_advisory_xact_lock($1)", {number(migration_lock)});
      run_script(with_schema("CREATE SCHEMA IF NOT EXISTS {s}; "
                             "CREATE TABLE IF NOT EXISTS {s}.meta(key text PRIMARY KEY, value bigint NOT NULL)",
                             s));
      Rows v = run(with_schema("SELECT value FROM {s}.meta WHERE key = 'schema_version'", s));
      if (v.size() && PQftype(v.raw(), 0) != 20)  // 20: int8, the type of yishi's `meta.value`
        throw StoreError(fmt::format("{}: the table `meta` is not yishi's: its `value` column is not a bigint", where()));
      const std::int64_t version = v.size() ? v.integer(0, 0) : 0;
      if (version < 0)
        throw StoreError(fmt::format("{}: damaged yishi schema: its schema version is {} (table `meta`)", where(), version));
      if (version > PostgresStore::schema_version)
        throw StoreError(fmt::format("{}: the schema has version {}, newer than this build of yishi understands ({}); "
                                     "use a newer yishi",
                                     where(), version, PostgresStore::schema_version));
      if (version == 0) {
        run_script(with_schema(schema_v1, s));
        run(with_schema("INSERT INTO {s}.meta VALUES ('schema_version', $1)", s), {number(std::int64_t{1})});
      }
      run_script("COMMIT");
    } catch (...) {
      PQclear(PQexec(conn, "ROLLBACK"));
      throw;
    }
  }

  void read_log(const Rows& r, int at, std::uint64_t base, CaseId id, StoredCase& out) const {
    std::uint64_t expected = base + 1;
    for (int row = 0; row < r.size(); ++row) {
      const auto first = static_cast<std::uint64_t>(r.integer(row, at));
      const auto count = static_cast<std::uint32_t>(r.integer(row, at + 1));
      if (first != expected)
        throw StoreError(fmt::format("{}: case {}: the log has a gap after version {}", where(), id.value, expected - 1));
      try {
        out.commits.push_back(
            store_internal::decode_header(r.bytes(row, at + 3), std::string(r.bytes(row, at + 2)), first, count));
        store_internal::decode_events(r.bytes(row, at + 4), count, out.events);
      } catch (const CodecError& e) {
        throw StoreError(fmt::format("{}: case {}: the commit at version {} cannot be decoded: {}", where(), id.value,
                                     first, e.what()));
      }
      expected += count;
    }
  }

  std::optional<StoredCase> load(CaseId id, bool use_snapshot) const {
    return retrying([&](bool) -> std::optional<StoredCase> {
      Rows exists = run(with_schema("SELECT 1 FROM {s}.cases WHERE id = $1", s), {number(id.value)});
      if (!exists.size()) return std::nullopt;
      StoredCase out{id, {}, {}, std::nullopt, 0};
      if (use_snapshot) out.snapshot = sound_snapshot(id);
      if (out.snapshot) out.base = out.snapshot->version;
      Rows r = run(with_schema("SELECT first_version, count, command_id, header, events FROM {s}.commits "
                               "WHERE case_id = $1 AND first_version > $2 ORDER BY first_version",
                               s),
                   {number(id.value), number(out.base)});
      read_log(r, 0, out.base, id, out);
      return out;
    });
  }

  /// The case's snapshot if it is sound (format, checksum, chain of its commit).
  std::optional<CaseState> sound_snapshot(CaseId id) const {
    Rows r = run(with_schema("SELECT n.version, n.chain, n.checksum, n.format, n.state, c.chain FROM {s}.snapshots n "
                             "LEFT JOIN {s}.commits c ON c.case_id = n.case_id AND c.first_version + c.count - 1 = n.version "
                             "WHERE n.case_id = $1",
                             s),
                 {number(id.value)});
    if (!r.size()) return std::nullopt;
    const auto version = static_cast<std::uint64_t>(r.integer(0, 0));
    const std::string_view state = r.bytes(0, 4);
    if (r.integer(0, 3) != store_internal::state_format || r.is_null(0, 5) || r.integer(0, 5) != r.integer(0, 1) ||
        r.integer(0, 2) != static_cast<std::int64_t>(store_internal::checksum(state)))
      return std::nullopt;
    try {
      CaseState st = store_internal::decode_state(state);
      if (st.id != id || st.version != version) return std::nullopt;
      return st;
    } catch (const CodecError&) {
      return std::nullopt;
    }
  }

  std::optional<CommandRecord> find_command(std::string_view key) const {
    return retrying([&](bool) -> std::optional<CommandRecord> {
      Rows r = run(with_schema("SELECT case_id, first_version, count, command_id, header, events FROM {s}.commits "
                               "WHERE command_id = $1",
                               s),
                   {text(std::string(key))});
      if (!r.size()) return std::nullopt;
      CommandRecord rec{CaseId{static_cast<std::uint64_t>(r.integer(0, 0))}, {}, {}};
      const auto first = static_cast<std::uint64_t>(r.integer(0, 1));
      const auto count = static_cast<std::uint32_t>(r.integer(0, 2));
      try {
        rec.commit = store_internal::decode_header(r.bytes(0, 4), std::string(r.bytes(0, 3)), first, count);
        store_internal::decode_events(r.bytes(0, 5), count, rec.events);
      } catch (const CodecError& e) {
        throw StoreError(fmt::format("{}: command `{}` cannot be decoded: {}", where(), key, e.what()));
      }
      return rec;
    });
  }
};

PostgresStore::PostgresStore(const std::string& conninfo, PostgresOptions options)
    : impl_(std::make_unique<Impl>(conninfo, std::move(options))) {
  impl_->connect();
  try {
    impl_->create_schema();
  } catch (const ConnectionLost& lost) {
    throw StoreError(fmt::format("{}: the connection was lost: {}", impl_->where(), lost.message));
  }
}

PostgresStore::~PostgresStore() = default;

CaseId PostgresStore::allocate_case_id() {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  if (m.next_id == m.id_end) {
    m.next_id = m.retrying([&](bool) { return m.run(with_schema("SELECT nextval('{s}.case_ids')", m.s)).integer(0, 0); });
    m.id_end = m.next_id + id_block;
  }
  return CaseId{static_cast<std::uint64_t>(m.next_id++)};
}

AppendStatus PostgresStore::append(CaseId id, std::uint64_t expected_version, const Commit& commit,
                                   std::span<const Event> events, std::optional<Instant> next_due) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  if (auto why = store_internal::malformed_append(id, expected_version, commit, events.size()); !why.empty())
    throw StoreError(fmt::format("{}: {}", m.where(), why));
  const std::string header = store_internal::encode_header(commit);
  const std::string body = store_internal::encode_events(events);
  const auto link = static_cast<std::int64_t>(store_internal::chain(0, header, body));
  const std::string sql = with_schema("SELECT {s}.append_commit($1, $2, $3, $4, $5, $6, $7, $8)", m.s);
  return m.retrying([&](bool retry) {
    if (retry) {
      // The first attempt may have committed before the reply was lost: its command id says.
      if (auto rec = m.find_command(commit.command_id))
        return rec->case_id == id && rec->commit.first_version == commit.first_version &&
                       rec->commit.fingerprint == commit.fingerprint
                   ? AppendStatus::ok
                   : AppendStatus::duplicate;
    }
    Rows r = m.run(sql, {number(id.value), number(expected_version), number(std::int64_t{commit.count}),
                         text(commit.command_id), bytes(header), bytes(body), number(link),
                         next_due ? number(std::int64_t{next_due->time_since_epoch().count()}) : null()});
    switch (r.integer(0, 0)) {
      case 0: return AppendStatus::ok;
      case 1: return AppendStatus::conflict;
      case 2: return AppendStatus::duplicate;
      default: throw StoreError(fmt::format("{}: append: case id {} was not allocated by this store", m.where(), id.value));
    }
  });
}

std::optional<std::uint64_t> PostgresStore::version(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  const Impl& m = *impl_;
  return m.retrying([&](bool) -> std::optional<std::uint64_t> {
    Rows r = m.run(with_schema("SELECT version FROM {s}.cases WHERE id = $1", m.s), {number(id.value)});
    if (!r.size()) return std::nullopt;
    return static_cast<std::uint64_t>(r.integer(0, 0));
  });
}

std::optional<StoredCase> PostgresStore::load(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  return impl_->load(id, false);
}

std::optional<StoredCase> PostgresStore::load_latest(CaseId id) const {
  std::lock_guard lock(impl_->mu);
  return impl_->load(id, true);
}

std::optional<CommandRecord> PostgresStore::find_command(std::string_view command_id) const {
  std::lock_guard lock(impl_->mu);
  return impl_->find_command(command_id);
}

namespace {
std::vector<DueCase> due_rows(const Rows& r) {
  std::vector<DueCase> out;
  for (int row = 0; row < r.size(); ++row)
    out.push_back({Instant{std::chrono::seconds{r.integer(row, 1)}}, CaseId{static_cast<std::uint64_t>(r.integer(row, 0))}});
  std::sort(out.begin(), out.end(), [](const DueCase& a, const DueCase& b) {
    return std::pair(a.due, a.id.value) < std::pair(b.due, b.id.value);
  });
  return out;
}
std::int64_t as_limit(std::size_t n) {
  return static_cast<std::int64_t>(std::min<std::size_t>(n, std::numeric_limits<std::int64_t>::max()));
}
}  // namespace

std::vector<DueCase> PostgresStore::due(Instant until, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  const Impl& m = *impl_;
  return m.retrying([&](bool) {
    return due_rows(m.run(with_schema("SELECT id, next_due FROM {s}.cases WHERE next_due <= $1 "
                                      "ORDER BY next_due, id LIMIT $2",
                                      m.s),
                          {number(std::int64_t{until.time_since_epoch().count()}), number(as_limit(limit))}));
  });
}

std::vector<DueCase> PostgresStore::claim_due(std::string_view worker, Instant until, std::size_t limit,
                                              std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string sql = with_schema(
      "WITH c AS (SELECT id FROM {s}.cases WHERE next_due <= $1 "
      "  AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until <= now()) "
      "  ORDER BY next_due, id LIMIT $3 FOR UPDATE SKIP LOCKED) "
      "UPDATE {s}.cases k SET lease_owner = $2, lease_until = now() + $4 * interval '1 millisecond' "
      "FROM c WHERE k.id = c.id RETURNING k.id, k.next_due",
      m.s);
  return m.retrying([&](bool) {
    return due_rows(m.run(sql, {number(std::int64_t{until.time_since_epoch().count()}), text(std::string(worker)),
                                number(as_limit(limit)), number(std::int64_t{lease.count()})}));
  });
}

std::uint64_t PostgresStore::snapshot_interval() const noexcept { return impl_->options.snapshot_every; }

void PostgresStore::save_snapshot(CaseId id, const CaseState& state) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  if (state.id != id) throw StoreError("save_snapshot: the state belongs to another case");
  const std::string blob = store_internal::encode_state(state);
  const std::string sql = with_schema(
      "INSERT INTO {s}.snapshots(case_id, version, chain, checksum, format, state) "
      "SELECT $1, $2, chain, $3, $4, $5 FROM {s}.commits WHERE case_id = $1 AND first_version + count - 1 = $2 "
      "ON CONFLICT (case_id) DO UPDATE SET version = EXCLUDED.version, chain = EXCLUDED.chain, "
      "checksum = EXCLUDED.checksum, format = EXCLUDED.format, state = EXCLUDED.state",
      m.s);
  try {
    m.retrying([&](bool) {
      m.run(sql, {number(id.value), number(state.version), number(store_internal::checksum(blob)),
                  number(std::int64_t{store_internal::state_format}), bytes(blob)});
      return 0;
    });
  } catch (const StoreError&) {
    // A snapshot only shortens loading; the next one replaces it. The next command reports
    // a store that really is broken.
  }
}

std::vector<OutboxEntry> PostgresStore::claim_outbox(std::string_view worker, std::size_t limit,
                                                     std::chrono::milliseconds lease) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string sql = with_schema(
      "WITH c AS (SELECT seq FROM {s}.outbox WHERE lease_owner IS NULL OR lease_owner = $1 OR lease_until <= now() "
      "  ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED), "
      "u AS (UPDATE {s}.outbox o SET lease_owner = $1, lease_until = now() + $3 * interval '1 millisecond' "
      "  FROM c WHERE o.seq = c.seq RETURNING o.seq) "
      "SELECT u.seq, m.case_id, m.first_version, m.count, m.command_id, m.header, m.events "
      "FROM u JOIN {s}.commits m ON m.seq = u.seq ORDER BY u.seq",
      m.s);
  return m.retrying([&](bool) {
    // The leases and the reading in one transaction: an entry that cannot be decoded leases
    // nothing, so the healthy entries stay free for the next claim.
    m.run_script("BEGIN");
    try {
      Rows r = m.run(sql, {text(std::string(worker)), number(as_limit(limit)), number(std::int64_t{lease.count()})});
      std::vector<OutboxEntry> out;
      for (int row = 0; row < r.size(); ++row) {
        OutboxEntry e;
        e.seq = static_cast<std::uint64_t>(r.integer(row, 0));
        e.case_id = CaseId{static_cast<std::uint64_t>(r.integer(row, 1))};
        const auto first = static_cast<std::uint64_t>(r.integer(row, 2));
        const auto count = static_cast<std::uint32_t>(r.integer(row, 3));
        try {
          e.commit = store_internal::decode_header(r.bytes(row, 5), std::string(r.bytes(row, 4)), first, count);
          store_internal::decode_events(r.bytes(row, 6), count, e.events);
        } catch (const CodecError& err) {
          throw StoreError(fmt::format("{}: outbox entry {} cannot be decoded: {}", m.where(), e.seq, err.what()));
        }
        out.push_back(std::move(e));
      }
      m.run_script("COMMIT");
      return out;
    } catch (...) {
      PQclear(PQexec(m.conn, "ROLLBACK"));
      throw;
    }
  });
}

std::size_t PostgresStore::ack_outbox(std::string_view worker, std::span<const std::uint64_t> seqs) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  const std::string list = fmt::format("{{{}}}", fmt::join(seqs, ","));  // a bigint[] literal
  return m.retrying([&](bool) {
    Rows r = m.run(with_schema("DELETE FROM {s}.outbox WHERE seq = ANY($1::bigint[]) AND lease_owner = $2", m.s),
                   {text(list), text(std::string(worker))});
    return static_cast<std::size_t>(r.affected());
  });
}

std::vector<CaseId> PostgresStore::cases() const {
  std::lock_guard lock(impl_->mu);
  const Impl& m = *impl_;
  return m.retrying([&](bool) {
    Rows r = m.run(with_schema("SELECT id FROM {s}.cases ORDER BY id", m.s));
    std::vector<CaseId> out;
    for (int row = 0; row < r.size(); ++row) out.push_back(CaseId{static_cast<std::uint64_t>(r.integer(row, 0))});
    return out;
  });
}

bool PostgresStore::put_definition(const StoredDefinition& d) {
  std::lock_guard lock(impl_->mu);
  Impl& m = *impl_;
  return m.retrying([&](bool) {
    m.run(with_schema("INSERT INTO {s}.definitions(bundle, version, hash, source) VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (bundle, version) DO UPDATE "  // put again: the latest again
                      "SET seq = nextval(pg_get_serial_sequence('{s}.definitions', 'seq')) "
                      "WHERE {s}.definitions.hash = EXCLUDED.hash",
                      m.s),
          {text(d.bundle), text(d.version), text(d.hash), text(d.source)});
    Rows r = m.run(with_schema("SELECT hash FROM {s}.definitions WHERE bundle = $1 AND version = $2", m.s),
                   {text(d.bundle), text(d.version)});
    return r.size() == 1 && r.bytes(0, 0) == d.hash;
  });
}

std::vector<StoredDefinition> PostgresStore::definitions() const {
  std::lock_guard lock(impl_->mu);
  const Impl& m = *impl_;
  return m.retrying([&](bool) {
    Rows r = m.run(with_schema("SELECT bundle, version, hash, source FROM {s}.definitions ORDER BY seq", m.s));
    std::vector<StoredDefinition> out;
    for (int row = 0; row < r.size(); ++row)
      out.push_back({std::string(r.bytes(row, 0)), std::string(r.bytes(row, 1)), std::string(r.bytes(row, 2)),
                     std::string(r.bytes(row, 3))});
    return out;
  });
}

std::uint64_t PostgresStore::reconnects() const {
  std::lock_guard lock(impl_->mu);
  return impl_->reconnects;
}

int PostgresStore::backend_pid() const {
  std::lock_guard lock(impl_->mu);
  return PQbackendPID(impl_->conn);
}

}  // namespace yishi
