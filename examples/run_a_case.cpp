// Embedding the engine: deploy a compiled bundle, run one case of 开办餐饮店 from opening to
// issuance with a deferred material (容缺受理), fire its timers on a virtual clock, and print
// its state and audit trail.
//
//   example_run_a_case bundles/national/open_restaurant.yaml bundles/calendars/cn-2025.yaml
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <yishi/yishi.hpp>

namespace {

/// Local "YYYY-MM-DD HH:MM" of an instant.
std::string local(const yishi::Calendar& cal, yishi::Instant t) {
  const int m = cal.local_minute(t);
  char hm[16];
  std::snprintf(hm, sizeof hm, "%02d:%02d", m / 60, m % 60);
  return yishi::to_string(cal.local_date(t)) + " " + hm;
}

/// Runs a command; on a refusal prints the typed error and stops the example.
yishi::Applied must(yishi::CommandResult r) {
  if (!r) {
    std::fprintf(stderr, "refused: %s: %s\n", std::string(yishi::to_string(r.error().kind)).c_str(),
                 r.error().message.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s BUNDLE.yaml CALENDAR.yaml\n", argv[0]);
    return 2;
  }
  // 1. Load and compile the bundle, load the working-day calendar.
  yishi::SourceMap sources;
  auto loaded = yishi::yaml::load_file(sources, argv[1]);
  auto year = yishi::yaml::load_calendar_file(sources, argv[2]);
  if (!loaded.bundle || !year.year) {
    std::fputs(yishi::render_text(loaded.diagnostics, sources).c_str(), stderr);
    std::fputs(yishi::render_text(year.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  auto compiled = yishi::compile(std::move(*loaded.bundle));
  if (!compiled.compiled) {
    std::fputs(yishi::render_text(compiled.diagnostics, sources).c_str(), stderr);
    return 1;
  }
  const yishi::Calendar calendar({*year.year});

  // 2. An engine over a store and a clock. MemoryStore and ManualClock suit tests and
  //    simulation; a platform passes a durable store and the system clock.
  yishi::MemoryStore store;
  yishi::ManualClock clock(calendar.at(*yishi::parse_date("2025-09-26"), 15 * 60));  // Friday 15:00
  yishi::Engine engine(store, clock, calendar);
  engine.deploy(*compiled.compiled);

  const auto corp = yishi::Actor::applicant("corp-1");
  const auto clerk = yishi::Actor::staff("wang", "service_center", "clerk");
  const auto reviewer = yishi::Actor::staff("li", "market_regulation", "reviewer");
  const auto chief = yishi::Actor::staff("zhou", "market_regulation", "section_chief");

  // 3. Open, submit without the food-safety rules, accept with deficiency.
  const yishi::CaseId id =
      must(engine.open_case({"c1", corp, "open_restaurant", "", {},
                             {{"sign.installed", false}, {"premises.area_m2", 40.0}}}))
          .case_id;
  must(engine.execute(id, {"c2", corp, yishi::Submit{{"premises_proof", "layout_plan", "health_certificates"}, {}}}));
  must(engine.execute(id, {"c3", clerk, yishi::AcceptWithDeficiency{}}));

  // A command id seen before returns the original outcome and changes nothing.
  auto again = engine.execute(id, {"c3", clerk, yishi::AcceptWithDeficiency{}});
  std::printf("repeat of c3: %s\n", std::string(yishi::to_string(again.error().kind)).c_str());

  // 4. Reviews: the licence check, then the food licence signed in sequence.
  must(engine.execute(id, {"c4", reviewer, yishi::Sign{"licence_check", yishi::Decision::approve, "", {}, {}}}));
  must(engine.execute(id, {"c5", reviewer, yishi::Sign{"food_licence", yishi::Decision::approve, "", {}, {}}}));
  must(engine.execute(id, {"c6", chief, yishi::Sign{"food_licence", yishi::Decision::approve, "同意", {}, {}}}));

  // Issuance waits for the deferred material: a typed error, nothing changed.
  auto early = engine.execute(id, {"c7", clerk, yishi::Issue{}});
  std::printf("issue before supply: %s\n", early.error().message.c_str());

  // 5. The applicant supplies it on Monday; the clerk issues; the rating window runs out.
  clock.advance_to(calendar.at(*yishi::parse_date("2025-09-29"), 10 * 60));
  must(engine.execute(id, {"c8", corp, yishi::SupplyMaterial{"food_safety_rules"}}));
  must(engine.execute(id, {"c9", clerk, yishi::Issue{}}));
  const auto fired = engine.advance_to(calendar.at(*yishi::parse_date("2025-10-31"), 0));

  // 6. Queries: status, items with deadlines, and the audit trail.
  const yishi::CaseView view = engine.view(id).value();
  std::printf("case %llu: %s, %zu timer(s) fired\n", static_cast<unsigned long long>(id.value),
              std::string(yishi::to_string(view.status)).c_str(), fired);
  for (const auto& item : view.items)
    std::printf("  %-14s %-9s due %s\n", item.id.c_str(), std::string(yishi::to_string(item.status)).c_str(),
                item.deadline ? local(calendar, *item.deadline).c_str() : "-");
  const std::vector<yishi::AuditEntry> trail = engine.audit_trail(id).value();
  for (const auto& entry : trail)
    std::printf("  %2llu %s %-8s %s\n", static_cast<unsigned long long>(entry.version), local(calendar, entry.at).c_str(),
                entry.actor.c_str(), entry.detail.c_str());

  // 7. The state is a fold of the events: replaying the stored log gives it back exactly.
  const auto log = store.load(id).value();
  const bool same = yishi::replay(*compiled.compiled, id, log.commits, log.events) == engine.state(id).value();
  std::printf("replay equals live state: %s\n", same ? "yes" : "no");
  return same && view.status == yishi::CaseStatus::closed ? 0 : 1;
}
