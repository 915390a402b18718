// Command decisions (runtime/decide.cpp) that a case script cannot express: an applicant
// without an id, a signature handed over to nobody, and the cap on signers added in a round.
// The scenarios in tests/scenarios/refusals_*.scenario cover the other refusals.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "restaurant_case.hpp"
#include "yishi/yishi.hpp"

using namespace yishi;
using namespace yishi::test;

namespace {

/// The approval-operations test bundle of the scenarios (tests/scenarios/bundles/approvals.yaml).
CompiledBundle approvals_bundle() {
  return compile_text(read_file(source_dir() + "/tests/scenarios/bundles/approvals.yaml"), "approvals.yaml");
}

const Actor applicant_p = Actor::applicant("p-1");
const Actor hall_clerk = Actor::staff("c1", "hall", "clerk");
const Actor reviewer_li = Actor::staff("li", "office", "reviewer");
const Actor board_chief = Actor::staff("ch", "board", "chief");

/// An engine on the approvals bundle with one case of `part` (serial, multi, …) submitted
/// with `materials` and accepted: its first steps are in review.
struct ApprovalsCase {
  MemoryStore store;
  ManualClock clock{at("2025-03-03", 10)};
  Engine engine{store, clock, calendar_2025()};
  CaseId id{};
  int next_key = 0;

  ApprovalsCase(const std::string& part, std::vector<std::string> materials) {
    REQUIRE(engine.deploy(approvals_bundle()));
    auto opened = engine.open_case(
        {"open", applicant_p, "approvals", "", {}, {{"case.part", part}, {"company.name", std::string("甲公司")}}});
    REQUIRE(opened);
    id = opened->case_id;
    REQUIRE(run(applicant_p, Submit{std::move(materials), {}}));
    REQUIRE(run(hall_clerk, Accept{}));
  }
  CommandResult run(const Actor& actor, CommandBody body) {
    return engine.execute(id, cmd("k" + std::to_string(++next_key), actor, std::move(body)));
  }
  std::uint64_t version() { return engine.view(id)->version_number; }
};

}  // namespace

TEST_CASE("decide.open.an_applicant_without_an_id_is_refused") {
  // The script language cannot name such an applicant (an actor without an id is no `by`).
  MemoryStore store;
  ManualClock clock(at("2025-03-03", 10));
  Engine engine(store, clock, calendar_2025());
  REQUIRE(engine.deploy(restaurant()));
  OpenCase nameless = open_plain("o");
  nameless.actor = Actor::applicant("");
  auto r = engine.open_case(nameless);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_argument);
  CHECK(r.error().message == "the applicant has no id");
  CHECK(store.case_count() == 0);
}

TEST_CASE("decide.transfer.a_signature_handed_to_nobody_is_refused") {
  // Scripts always name the person; the API can leave it empty. Transfer and delegate share the
  // check, which comes after the holder is found: li holds s1's only slot.
  ApprovalsCase c("serial", {"form", "annex"});
  const auto before = c.version();
  auto t = c.run(reviewer_li, Transfer{"s1", "", "转办", std::nullopt});
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == ErrorKind::invalid_argument);
  CHECK(t.error().message == "say whom to transfer a signature to");
  auto d = c.run(reviewer_li, Delegate{"s1", "", "请人看看", std::nullopt});
  REQUIRE_FALSE(d);
  CHECK(d.error().kind == ErrorKind::invalid_argument);
  CHECK(d.error().message == "say whom to delegate a signature to");
  CHECK(c.version() == before);
  CHECK(c.engine.view(c.id)->item("s1")->signers.at(0).assignee.empty());
}

TEST_CASE("decide.add_signer.at_most_sixteen_signers_are_added_in_a_round") {
  // all3 has three plan slots; the supervisor may add sixteen more, not a seventeenth.
  ApprovalsCase c("multi", {"form"});
  const AddSigner add{"all3", "expert", "", 1, "", AddPosition::parallel, std::nullopt, "请专家"};
  for (int k = 0; k < 16; ++k) REQUIRE(c.run(board_chief, add));
  REQUIRE(c.engine.view(c.id)->item("all3")->signers.size() == 19);
  const auto before = c.version();
  auto r = c.run(board_chief, add);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_argument);
  CHECK(r.error().message == "item `all3` has 16 added signers already: the most in a round");
  CHECK(c.version() == before);
  CHECK(c.engine.view(c.id)->item("all3")->signers.size() == 19);
}
