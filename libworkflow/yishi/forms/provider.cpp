// Prefill from data providers, and the in-memory and SQLite providers.
#include "yishi/forms/provider.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>
#include <sqlite3.h>

namespace yishi::forms {

// ---- MemoryProvider ---------------------------------------------------------------------

void MemoryProvider::put(std::string provider, std::string subject, std::string key, std::string value) {
  entries_.push_back({std::move(provider), std::move(subject), std::move(key), std::move(value)});
}

void MemoryProvider::fail(std::string provider, std::string message) {
  failing_.emplace_back(std::move(provider), std::move(message));
}

std::vector<std::pair<std::string, std::string>> MemoryProvider::fetch(std::string_view provider, std::string_view subject,
                                                                        std::span<const std::string> keys) {
  ++calls_;
  for (const auto& [p, message] : failing_)
    if (p == provider) throw ProviderError(message);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries_)
    if (e.provider == provider && e.subject == subject && std::find(keys.begin(), keys.end(), e.key) != keys.end())
      out.emplace_back(e.key, e.value);
  return out;
}

// ---- SqliteProvider ---------------------------------------------------------------------

struct SqliteProvider::Db {
  sqlite3* db = nullptr;
  sqlite3_stmt* select = nullptr;
  ~Db() {
    sqlite3_finalize(select);
    sqlite3_close(db);
  }
};

namespace {

[[noreturn]] void fail_with(sqlite3* db, std::string_view path, std::string_view what) {
  throw ProviderError(fmt::format("provider database `{}`: {}: {}", path, what, db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

SqliteProvider::SqliteProvider(std::string path) : path_(std::move(path)) {}
SqliteProvider::~SqliteProvider() = default;

void SqliteProvider::put(const std::string& path, std::string_view provider, std::string_view subject, std::string_view key,
                         std::string_view value) {
  Db d;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    fail_with(d.db, path, "cannot open");
  sqlite3_busy_timeout(d.db, 2000);
  if (sqlite3_exec(d.db,
                   "CREATE TABLE IF NOT EXISTS provider_data(provider TEXT NOT NULL, subject TEXT NOT NULL, "
                   "key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY(provider, subject, key))",
                   nullptr, nullptr, nullptr) != SQLITE_OK)
    fail_with(d.db, path, "cannot create the table");
  if (sqlite3_prepare_v2(d.db, "INSERT OR REPLACE INTO provider_data VALUES(?1, ?2, ?3, ?4)", -1, &d.select, nullptr) !=
      SQLITE_OK)
    fail_with(d.db, path, "cannot prepare");
  const std::string_view values[] = {provider, subject, key, value};
  for (int k = 0; k < 4; ++k)
    sqlite3_bind_text(d.select, k + 1, values[k].data(), static_cast<int>(values[k].size()), SQLITE_TRANSIENT);
  if (sqlite3_step(d.select) != SQLITE_DONE) fail_with(d.db, path, "cannot store");
}

std::vector<std::pair<std::string, std::string>> SqliteProvider::fetch(std::string_view provider, std::string_view subject,
                                                                        std::span<const std::string> keys) {
  if (!db_) {
    auto d = std::make_unique<Db>();
    if (sqlite3_open_v2(path_.c_str(), &d->db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      fail_with(d->db, path_, "cannot open");
    sqlite3_busy_timeout(d->db, 200);
    if (sqlite3_prepare_v2(d->db, "SELECT key, value FROM provider_data WHERE provider = ?1 AND subject = ?2", -1,
                           &d->select, nullptr) != SQLITE_OK)
      fail_with(d->db, path_, "not a provider database");
    db_ = std::move(d);
  }
  sqlite3_stmt* st = db_->select;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, provider.data(), static_cast<int>(provider.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, subject.data(), static_cast<int>(subject.size()), SQLITE_TRANSIENT);
  std::vector<std::pair<std::string, std::string>> out;
  for (;;) {
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      sqlite3_reset(st);
      fail_with(db_->db, path_, "cannot read");
    }
    auto text = [&](int col) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st, col))) : std::string();
    };
    std::string key = text(0);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) out.emplace_back(std::move(key), text(1));
  }
  sqlite3_reset(st);
  return out;
}

// ---- prefill ----------------------------------------------------------------------------


PrefillResult prefill(const FormModel& model, DataProvider& provider, std::string_view subject, Applicant applicant) {
  PrefillResult out;
  // What to ask each provider: the unanswered questions of the applicant's form so far and
  // the documents it supplies for the items that apply; nothing more (personal data is
  // fetched only when needed). Call again once answers decide more items.
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> wanted;
  for (const auto& f : model.merge(applicant).fields)
    if (!f.provider.empty() && !f.answered) wanted[f.provider].first.push_back(f.id);
  for (const auto& m : model.materials(applicant).materials)
    if (!m.provider.empty()) wanted[m.provider].second.push_back(m.id);
  for (auto& [name, keys] : wanted) {
    auto& [fields, materials] = keys;
    std::vector<std::string> all = fields;
    all.insert(all.end(), materials.begin(), materials.end());
    std::vector<std::pair<std::string, std::string>> got;
    try {
      got = provider.fetch(name, subject, all);
    } catch (const std::exception& e) {
      out.failures.push_back({name, e.what(), all});
      for (const auto& m : materials) applicant.unavailable.push_back(m);
      continue;
    } catch (...) {
      out.failures.push_back({name, "unknown failure", all});
      for (const auto& m : materials) applicant.unavailable.push_back(m);
      continue;
    }
    auto value_of = [&](const std::string& key) -> const std::string* {
      for (const auto& [k, v] : got)
        if (k == key) return &v;
      return nullptr;
    };
    for (const auto& id : fields) {
      const std::string* text = value_of(id);
      if (!text) continue;
      const FormField& f = *model.field(id);
      auto answer = parse_answer(f, *text);
      std::vector<FieldError> errors;
      if (answer) errors = model.check_answer(f, *answer);
      if (!answer || !errors.empty()) {
        out.notes.push_back(fmt::format("provider `{}` gave a value for `{}` that does not fit it ({}); it is asked instead",
                                        name, id, answer ? errors.front().message : "unreadable"));
        continue;
      }
      applicant.answers.emplace_back(id, std::move(*answer));
      applicant.prefilled.push_back(id);
      out.prefilled.push_back(id);
    }
    for (const auto& m : materials) {
      if (value_of(m)) out.provided_materials.push_back(m);
      else applicant.unavailable.push_back(m);
    }
  }
  out.applicant = std::move(applicant);
  return out;
}

}  // namespace yishi::forms
