// Prefill from data providers (数据共享, 电子证照): answers and documents the government
// already holds are fetched instead of asked. A provider that fails never blocks the case: its
// fields are asked of the applicant and its documents are submitted.
//
//   yishi::forms::SqliteProvider registry("providers.db");
//   auto pre = yishi::forms::prefill(model, registry, "110101199003077777", applicant);
//   yishi::forms::MergedForm form = model.merge(pre.applicant);   // prefilled fields not asked
//   for (const auto& f : pre.failures) log(f.provider, f.message);
#pragma once

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "yishi/forms/forms.hpp"

namespace yishi::forms {

/// A provider could not answer (unreachable, refused, a broken database).
struct ProviderError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Looks up what a named provider holds about a subject. Implementations need not be
/// thread-safe: use one per thread.
class DataProvider {
 public:
  virtual ~DataProvider() = default;
  /// What `provider` holds about `subject` (a credit code, an identity card number) under
  /// `keys` (field ids, or material ids for documents), as text: dates `YYYY-MM-DD`, yes/no
  /// `true`/`false`, several enumeration values joined by `,`, a document's number for a
  /// material. Keys it holds nothing for are left out. Throws when it cannot answer at all.
  virtual std::vector<std::pair<std::string, std::string>> fetch(std::string_view provider, std::string_view subject,
                                                                  std::span<const std::string> keys) = 0;
};

/// Values held in memory, for tests and examples; a provider can be made to fail.
class MemoryProvider final : public DataProvider {
 public:
  void put(std::string provider, std::string subject, std::string key, std::string value);
  /// Every later fetch from `provider` throws ProviderError with `message`.
  void fail(std::string provider, std::string message);
  /// How many fetches were made (each provider is asked once per prefill).
  [[nodiscard]] std::size_t calls() const noexcept { return calls_; }
  std::vector<std::pair<std::string, std::string>> fetch(std::string_view provider, std::string_view subject,
                                                          std::span<const std::string> keys) override;

 private:
  struct Entry {
    std::string provider, subject, key, value;
  };
  std::vector<Entry> entries_;
  std::vector<std::pair<std::string, std::string>> failing_;
  std::size_t calls_ = 0;
};

/// Values held in a SQLite database, in the table
/// `provider_data(provider TEXT, subject TEXT, key TEXT, value TEXT, PRIMARY KEY(provider, subject, key))`.
/// The database is opened read-only at the first fetch; a missing file, a missing table, a
/// locked or corrupt database make that fetch throw ProviderError.
class SqliteProvider final : public DataProvider {
 public:
  explicit SqliteProvider(std::string path);
  ~SqliteProvider() override;
  SqliteProvider(const SqliteProvider&) = delete;
  SqliteProvider& operator=(const SqliteProvider&) = delete;

  /// Creates the database and table if missing and stores one value (replacing an older one).
  /// Throws ProviderError when the file cannot be written.
  static void put(const std::string& path, std::string_view provider, std::string_view subject, std::string_view key,
                  std::string_view value);

  std::vector<std::pair<std::string, std::string>> fetch(std::string_view provider, std::string_view subject,
                                                          std::span<const std::string> keys) override;

 private:
  struct Db;
  std::string path_;
  std::unique_ptr<Db> db_;
};

/// A provider that could not answer during a prefill; the listed keys are asked or submitted.
struct ProviderFailure {
  std::string provider;
  std::string message;
  std::vector<std::string> keys;
};

/// The outcome of `prefill`.
struct PrefillResult {
  /// The applicant with the prefilled answers added (and named in `prefilled`), and the
  /// provider materials that could not be fetched added to `unavailable`.
  Applicant applicant;
  std::vector<std::string> prefilled;           ///< fields filled by this call
  std::vector<std::string> provided_materials;  ///< materials a provider supplies
  std::vector<ProviderFailure> failures;        ///< providers that could not answer
  /// Values a provider gave that do not fit their field (never quoting the value); those
  /// fields are asked instead.
  std::vector<std::string> notes;
};

/// Asks each provider named by a field's or a material's `source` once, for the questions of
/// the applicant's form that are not answered yet and the documents of the items that apply
/// (nothing else: personal data is fetched only when needed; call again after answers decide
/// more items). Answers the applicant already gave are kept.
[[nodiscard]] PrefillResult prefill(const FormModel& model, DataProvider& provider, std::string_view subject,
                                    Applicant applicant);

}  // namespace yishi::forms
