// Case scripts: how field answers are typed, how refusals and expectations read, and a store that loses or mixes up cases.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "forwarding_store.hpp"
#include "script_fixture.hpp"
#include "test_support.hpp"
#include "yishi/script/script.hpp"
#include "yishi/store/memory_store.hpp"

namespace yishi::test {
namespace {

using script::Runner;
using script::ScriptError;
using script::ScriptOptions;

/// Script lines after the preamble and the whole failure message they end with ("": none).
struct Row {
  std::string_view what;
  std::string lines;
  std::string failure;
};

void run_rows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.lines);
    Runner runner(options_at_source());
    CHECK(failure_of(runner, std::string(preamble) + row.lines) == row.failure);
  }
}

TEST_CASE("script.paths.answers_to_typed_fields_keep_their_shape") {
  // `premises.seats` is an int: a word that only looks like a list stays text, and the engine
  // refuses it for that field; the opened case count shows which lines opened a case.
  run_rows({
      {"a list without its closing bracket",
       "open premises.seats=[12 sign.installed=false premises.area_m2=30 by corp\n"
       "expect error invalid_argument \"premises.seats\"\n",
       ""},
      {"a closing bracket alone",
       "open premises.seats=12] sign.installed=false premises.area_m2=30 by corp\n"
       "expect error invalid_argument \"premises.seats\"\n",
       ""},
      {"a single bracket",
       "open premises.seats=[ sign.installed=false premises.area_m2=30 by corp\n"
       "expect error invalid_argument \"premises.seats\"\n",
       ""},
      {"an int field given a date",
       "open premises.seats=2025-01-01 sign.installed=false premises.area_m2=30 by corp\n"
       "expect error invalid_argument \"premises.seats\"\n",
       ""},
      {"a well-formed int",
       "open premises.seats=0 sign.installed=false premises.area_m2=30 by corp\nexpect status draft\n"
       "expect events case_opened\n",
       ""},
      {"an empty answer to an int field",
       "open premises.seats= sign.installed=false premises.area_m2=30 by corp\n"
       "expect error invalid_argument \"premises.seats\"\n",
       ""},
  });
}

TEST_CASE("script.paths.an_attachment_answer_stays_text") {
  // An attachment field answered with digits stays the text "12345" (a number would be refused);
  // an int field answered the same way takes it as a number.
  TempDir dir;
  const std::string bundle = replace(minimal_bundle(), "  applicant.name: {type: string, label: 姓名}\n",
                                     "  applicant.name: {type: string, label: 姓名}\n"
                                     "  applicant.photo: {type: attachment, label: 照片}\n"
                                     "  applicant.age: {type: int, label: 年龄}\n");
  std::ofstream(dir.file("b.yaml")) << replace(bundle, "    form: [applicant.name]\n    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second:",
                                                "    form: [applicant.name, applicant.photo, applicant.age]\n"
                                                "    materials: [form_a]\n    statutory: 10wd\n    promised: 5wd\n  second:");
  ScriptOptions o;
  o.root = dir.path();
  Runner runner(std::move(o));
  const std::string text = fmt::format(
      "bundle b.yaml\ncalendar {}/bundles/calendars\nactor p applicant p-1\nclock 2025-09-26 15:00\n"
      "open applicant.photo=12345 applicant.age=30 applicant.name=007 by p\n"
      "expect status draft\n"
      "open applicant.photo=scan.png applicant.age=thirty by p\n"
      "expect error invalid_argument \"applicant.age\"\n",
      source_dir());
  CHECK(failure_of(runner, text) == "");
  CHECK(runner.cases().size() == 1);
}

TEST_CASE("script.paths.command_words_and_keys") {
  run_rows({
      {"`key` as the last word is an argument, the line number makes the key",
       "pledge food_licence by corp key\nexpect events pledged\nexpect audit contains \"cmd-10\"\n", ""},
      {"an explicit key before the actor", "sign licence_check approve key k7 by li\nexpect audit contains \"k7\"\n"
                                           "expect audit lacks \"cmd-10\"\n",
       ""},
      {"assign with a quoted person and extra words",
       "actor boss staff boss market_regulation section_chief\n"
       "assign licence_check \"li\" extra words by boss\nexpect events signer_assigned\n"
       "expect signer licence_check 0 open assignee li\n",
       ""},
      {"a quoted comment among the materials of a return",
       "sign licence_check return premises_proof \"补\" layout_plan by li\n"
       "expect notice licence_check premises_proof layout_plan\n",
       ""},
      {"a refusal then a clock line: the refusal is still unexpected at the next command",
       "issue by wang\nclock 2025-09-26 16:00\naccept by wang\n",
       "t.scenario:12: unexpected error invalid_transition from the command on line 10: "
       "cannot issue: `licence_check`, `food_licence`, `outdoor_sign`, `fire_check` not decided yet\n"
       "    accept by wang"},
      {"a refusal then `use`", "issue by wang\nuse 1\n",
       "t.scenario:11: unexpected error invalid_transition from the command on line 10: "
       "cannot issue: `licence_check`, `food_licence`, `outdoor_sign`, `fire_check` not decided yet\n"
       "    use 1"},
      {"an expected refusal, then `use` and an expectation", "issue by wang\nexpect error invalid_transition\n"
                                                              "use 1\nexpect status accepted\n",
       ""},
  });
}

TEST_CASE("script.paths.expectation_messages_name_what_was_found") {
  run_rows({
      // food_licence starts at the approval: warning 2025-10-09 15:15, due 2025-10-10 18:00.
      {"warned when expected not to be",
       "sign licence_check approve by li\nadvance 2025-10-09 16:00\nexpect item food_licence in_review not_warned\n",
       "t.scenario:12: item food_licence is warned\n    expect item food_licence in_review not_warned"},
      {"warned, not yet overdue",
       "sign licence_check approve by li\nadvance 2025-10-09 16:00\n"
       "expect item food_licence in_review warned not_overdue warn 2025-10-09 15:15 due 2025-10-10 18:00\n",
       ""},
      {"pledged when expected not to be", "pledge food_licence by corp\nexpect item food_licence pending not_pledged\n",
       "t.scenario:11: item food_licence is pledged\n    expect item food_licence pending not_pledged"},
      {"pledged holds", "pledge food_licence by corp\nexpect item food_licence pending pledged\n", ""},
      {"events in a run: a later part", "expect event item_started\n", ""},
      {"events in a run: not contiguous", "sign licence_check approve by li\nexpect event signed item_started\n",
       "t.scenario:11: events were: signed item_approved item_started item_started item_started\n"
       "    expect event signed item_started"},
      {"an empty run matches", "expect event\n", ""},
      {"status of the case after `use` of the only case", "use 1\nexpect status draft\n",
       "t.scenario:11: status is accepted\n    expect status draft"},
      {"a material not needed, expected so", "expect material nothing not_needed\n", ""},
      {"outstanding none holds at review", "expect outstanding none\n", ""},
      {"outstanding lists nothing, empty expectation", "expect outstanding\n", ""},
      {"next timer at the due time", "expect next_timer 2025-09-26 18:00\n", ""},
      {"signer delegate none", "expect signer licence_check 0 open delegate none assignee \"none\" ready\n", ""},
  });
}

/// A store that keeps its cases in a MemoryStore but, once told, loses them or hands out
/// the first case's log for every case (the engine itself reads through `load_latest`).
class FaultyStore final : public ForwardingStore {
 public:
  enum class Fault { none, lose, first_case_log };
  Fault fault = Fault::none;

  std::optional<StoredCase> load(CaseId id) const override {
    if (fault == Fault::lose) return std::nullopt;
    if (fault == Fault::first_case_log) return inner.load(inner.cases().front());
    return inner.load(id);
  }
  std::optional<StoredCase> load_latest(CaseId id) const override { return inner.load_latest(id); }
};

TEST_CASE("script.paths.replay_checks_catch_a_store_that_loses_or_mixes_cases") {
  struct FaultRow {
    std::string_view what;
    FaultyStore::Fault fault;
    bool check_replay;
    std::string_view failure;  ///< after `u.scenario:LINE: `
  };
  const std::vector<FaultRow> rows = {
      {"a lost case", FaultyStore::Fault::lose, true, "case missing from the store\n    issue by wang"},
      {"another case's log", FaultyStore::Fault::first_case_log, true,
       "replay of case 2 differs from the live state\n    issue by wang"},
      {"a lost case, replay not checked", FaultyStore::Fault::lose, false, ""},
  };
  for (const FaultRow& row : rows) {
    CAPTURE(row.what);
    FaultyStore store;
    ScriptOptions o = options_at_source();
    o.store = &store;
    o.check_replay = row.check_replay;
    Runner runner(std::move(o));
    // Two cases, the first accepted, the second a draft; then the store goes wrong and a
    // command is refused.
    REQUIRE(failure_of(runner, std::string(preamble) +
                                   "open sign.installed=true premises.area_m2=120 by corp\n",
                       "p.scenario") == "");
    REQUIRE(runner.cases().size() == 2);
    store.fault = row.fault;
    const std::string got = failure_of(runner, "issue by wang\nexpect error invalid_transition\n", "u.scenario");
    if (row.failure.empty()) {
      CHECK(got == "");
      continue;
    }
    // The replay check runs right after the command, before its refusal can be expected.
    CHECK(got.starts_with("u.scenario:"));
    CHECK(got.ends_with(row.failure));
  }
}

TEST_CASE("script.paths.a_second_script_on_one_runner_counts_its_own_lines_and_keys") {
  Runner runner(options_at_source());
  REQUIRE(failure_of(runner, preamble, "a.scenario").empty());
  // Line 2 of the second script, not line 11 of the session.
  CHECK(failure_of(runner, "expect status accepted\nexpect status draft\n", "b.scenario")
            .starts_with("b.scenario:2: "));
  // Line 9 of a third script: its default key is not the preamble's line 9 (`accept`), which
  // the engine would refuse as a reused key with another command.
  CHECK(failure_of(runner, "#\n#\n#\n#\n#\n#\n#\n#\nsign licence_check approve by li\nexpect event signed\n"
                           "expect audit contains \"cmd-3-9\"\n",
                   "c.scenario") == "");
}

}  // namespace
}  // namespace yishi::test
