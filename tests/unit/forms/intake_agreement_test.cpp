// The material plan and the engine's intake agree: for every combination of answers, pledges
// and unavailable providers, what the plan says the applicant hands over is exactly what the
// engine finds missing after an empty submission, and the same for provided and pledged ones.
#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;

namespace {

MaterialStatus expected(forms::MaterialRequirement r) {
  switch (r) {
    case forms::MaterialRequirement::provided: return MaterialStatus::provided;
    case forms::MaterialRequirement::pledged: return MaterialStatus::pledged;
    default: return MaterialStatus::missing;  // handed over at intake, or deferred at acceptance
  }
}

}  // namespace

TEST_CASE("forms.intake.material_plan_and_engine_agree") {
  const CompiledBundle compiled = test::bookstore_bundle();
  const forms::FormModel model(compiled);
  MemoryStore store;
  ManualClock clock(Calendar{}.at(*parse_date("2025-03-03"), 10 * 60));
  Engine engine(store, clock, Calendar{});
  REQUIRE(engine.deploy(compiled));
  const Actor corp = Actor::applicant("corp-1");
  int cases = 0;
  for (double area : {30.0, 80.0})
    for (bool sign : {false, true})
      for (bool pledge : {false, true})
        for (int unavailable_mask = 0; unavailable_mask < 4; ++unavailable_mask) {
          forms::Applicant a;
          a.answers = {{"store.area_m2", area}, {"sign.installed", sign}};
          if (pledge) a.pledged = {"publication_permit"};
          if (unavailable_mask & 1) a.unavailable.push_back("id_proof");
          if (unavailable_mask & 2) a.unavailable.push_back("licence_copy");
          const auto plan = model.materials(a);
          REQUIRE(plan.errors.empty());
          REQUIRE(plan.undecided_items.empty());

          const std::string key = fmt::format("c{}", cases++);
          auto opened = engine.open_case({key, corp, "open_bookstore", "", {}, a.answers});
          REQUIRE(opened);
          const CaseId id = opened->case_id;
          if (pledge) REQUIRE(engine.execute(id, {key + "p", corp, Pledge{"publication_permit"}}));
          REQUIRE(engine.execute(id, {key + "s", corp, Submit{{}, a.unavailable}}));
          const CaseView view = engine.view(id).value();

          CAPTURE(key);
          CHECK(view.materials.size() == plan.materials.size());
          for (const auto& pm : plan.materials) {
            const MaterialView* mv = view.material(pm.id);
            REQUIRE_MESSAGE(mv, pm.id);
            CHECK_MESSAGE(mv->status == expected(pm.requirement), pm.id, " is ", to_string(mv->status));
          }
        }
  CHECK(cases == 32);
}

TEST_CASE("forms.intake.unavailable_must_be_a_needed_provider_material") {
  const CompiledBundle compiled = test::bookstore_bundle();
  MemoryStore store;
  ManualClock clock(Calendar{}.at(*parse_date("2025-03-03"), 10 * 60));
  Engine engine(store, clock, Calendar{});
  REQUIRE(engine.deploy(compiled));
  const Actor corp = Actor::applicant("corp-1");
  auto opened = engine.open_case({"o", corp, "open_bookstore", "", {}, {{"store.area_m2", 30.0}, {"sign.installed", false}}});
  REQUIRE(opened);
  auto r = engine.execute(opened->case_id, {"s1", corp, Submit{{}, {"premises_proof"}}});
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_argument);
  CHECK(r.error().message.find("has no provider") != std::string::npos);
  r = engine.execute(opened->case_id, {"s2", corp, Submit{{}, {"sign_design"}}});  // the sign item does not apply
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_argument);
  // An unavailable document handed over by the applicant instead is simply handed over.
  REQUIRE(engine.execute(opened->case_id, {"s3", corp, Submit{{"licence_copy"}, {"licence_copy"}}}));
  CHECK(engine.view(opened->case_id).value().material("licence_copy")->status == MaterialStatus::handed_over);
  const auto trail = engine.audit_trail(opened->case_id).value();
  CHECK(trail.back().detail.find("not available from their providers: `licence_copy`") != std::string::npos);
}
