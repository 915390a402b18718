// The restaurant workload of the process tests (crash_test.cpp, multi_process_test.cpp):
// cases of 开办餐饮店 taken through eight steps, each command under a fixed id, so that any
// process may run any step again and get the original outcome (idempotency).
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "yishi/yishi.hpp"

namespace yishi::workload {

struct Setup {
  CompiledBundle bundle;
  Calendar calendar;
};

inline Setup load(const std::string& root) {
  SourceMap sources;
  auto loaded = yaml::load_file(sources, root + "/bundles/national/open_restaurant.yaml");
  auto year = yaml::load_calendar_file(sources, root + "/bundles/calendars/cn-2025.yaml");
  if (!loaded.bundle || !year.year) throw std::runtime_error("cannot load the restaurant bundle");
  auto compiled = compile(std::move(*loaded.bundle));
  if (!compiled.compiled) throw std::runtime_error("cannot compile the restaurant bundle");
  return {*compiled.compiled, Calendar({*year.year})};
}

/// Steps per case: open, submit (health certificates deferred), accept with deficiency,
/// three signatures, supply the certificates, issue.
constexpr int steps = 8;

/// When step `step` of case `k` of generation `gen` happens: a generation is one Monday, each
/// step 30 minutes after the last, the cases a second apart; no deadline runs out meanwhile.
inline Instant at(int gen, int step, int k) {
  return Calendar{}.at(*parse_date("2025-03-03"), 9 * 60) + std::chrono::weeks(gen) + std::chrono::minutes(30 * step) +
         std::chrono::seconds(k);
}

inline std::string key(int gen, int k, int step) { return fmt::format("g{}-c{}-s{}", gen, k, step); }

inline const Actor corp = Actor::applicant("corp-1");
inline const Actor clerk = Actor::staff("wang", "service_center", "clerk");
inline const Actor li = Actor::staff("li", "market_regulation", "reviewer");
inline const Actor zhou = Actor::staff("zhou", "market_regulation", "section_chief");

inline OpenCase open_command(const std::string& id) {
  return {id, corp, "open_restaurant", "", {{"outdoor_sign", false}, {"crowded_venue", false}}, {}};
}

/// Step `step` (1..7) of a case, under command id `id`.
inline Command step_command(int step, const std::string& id) {
  switch (step) {
    case 1: return {id, corp, Submit{{"premises_proof", "layout_plan", "food_safety_rules"}, {}}};
    case 2: return {id, clerk, AcceptWithDeficiency{}};
    case 3: return {id, li, Sign{"licence_check", Decision::approve, "", {}, std::nullopt}};
    case 4: return {id, li, Sign{"food_licence", Decision::approve, "现场核查通过", {}, std::nullopt}};
    case 5: return {id, zhou, Sign{"food_licence", Decision::approve, "", {}, std::nullopt}};
    case 6: return {id, corp, SupplyMaterial{"health_certificates"}};
    case 7: return {id, clerk, Issue{}};
    default: throw std::out_of_range("no such step");
  }
}

/// The case a command applied to, whether it applied now or before (a duplicate).
inline std::optional<CaseId> case_of(const CommandResult& r) {
  if (r) return r->case_id;
  if (r.error().kind == ErrorKind::duplicate_command && r.error().original) return r.error().original->case_id;
  return std::nullopt;
}

/// The store a process test runs on: `full` or `batched` (SQLite file `db`), or `postgres`
/// (schema `schema` of the server at $YISHI_PG_URL).
inline std::unique_ptr<Store> open_store(const std::string& mode, const std::string& db, const std::string& schema) {
  if (mode == "postgres") {
    const char* url = std::getenv("YISHI_PG_URL");
    if (!url) throw std::runtime_error("YISHI_PG_URL is not set: run through ctest (the postgres fixture)");
    return std::make_unique<PostgresStore>(url, PostgresOptions{.schema = schema, .snapshot_every = 4, .application_name = "yishi-test"});
  }
  SqliteOptions o;
  o.durability = mode == "batched" ? Durability::batched : Durability::full;
  o.snapshot_every = 4;
  o.batch_interval = std::chrono::milliseconds(2);
  return std::make_unique<SqliteStore>(db, o);
}

/// Starts this same test program again with `args` (argv[0] first); returns the child's pid.
inline pid_t spawn(const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace yishi::workload
