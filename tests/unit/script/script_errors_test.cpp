// Case scripts, malformed: one table row per way a script fails (the script, edited from a
// minimal valid one, the line the failure names and its message), and rows of valid but
// unusual scripts with what they leave behind. A failing line changes no case.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "restaurant_case.hpp"
#include "script_fixture.hpp"
#include "yishi/script/script.hpp"
#include "yishi/store/memory_store.hpp"

namespace yishi::test {
namespace {

using script::Runner;
using script::ScriptError;
using script::ScriptOptions;

/// The case state after the preamble alone (what a refused or malformed line must leave).
CaseState state_after_preamble() {
  Runner runner(options_at_source());
  runner.run_text(preamble, "p.scenario");
  REQUIRE(runner.cases().size() == 1);
  return runner.engine()->state(runner.cases()[0]).value();
}

/// Script text and its failure: `FILE:LINE: message` then, unless at the end, the line itself.
struct Row {
  std::string_view what;
  std::string text;
  int line;                 ///< the line the failure names
  std::string_view message;  ///< the start of the message after `t.scenario:LINE: `
};

/// Runs each row (after the preamble when `with_preamble`); `unchanged`: the case is left as
/// the preamble left it.
void run_rows(const std::vector<Row>& rows, bool with_preamble, bool unchanged = true) {
  const std::optional<CaseState> reference =
      with_preamble && unchanged ? std::optional<CaseState>(state_after_preamble()) : std::nullopt;
  for (const Row& row : rows) {
    CAPTURE(row.what);
    CAPTURE(row.text);
    Runner runner(options_at_source());
    const std::string text = with_preamble ? std::string(preamble) + row.text : row.text;
    const int line = with_preamble ? preamble_lines + row.line : row.line;
    const std::string got = failure_of(runner, text);
    const std::string head = fmt::format("t.scenario:{}: {}", line, row.message);
    CHECK(got.substr(0, head.size()) == head);
    if (!reference) continue;
    // The failing line and the expectations before it changed nothing.
    REQUIRE(runner.cases().size() == 1);
    CHECK(runner.engine()->state(runner.cases()[0]).value() == *reference);
  }
}

TEST_CASE("script.errors.preamble_runs") {
  Runner runner(options_at_source());
  CHECK(runner.engine() == nullptr);
  CHECK(failure_of(runner,
      std::string(preamble) + "expect status accepted\nexpect item licence_check in_review\n") == "");
  REQUIRE(runner.cases().size() == 1);
  REQUIRE(runner.engine() != nullptr);
  CHECK(runner.show(runner.calendar().at(*parse_date("2025-09-26"), 15 * 60 + 7)) == "2025-09-26 15:07");
}

TEST_CASE("script.errors.set_up_lines") {
  run_rows(
      {
          {"unterminated string", "actor a applicant \"x\n", 1, "unterminated string\n    actor a applicant \"x"},
          {"bundle without a path", "bundle\n", 1, "malformed line ("},
          {"bundle missing", "bundle no/such.yaml\n", 1, "bundle does not load:\n"},
          {"calendar missing", "calendar no/such\n", 1, "calendars do not load:\n"},
          {"calendar without a path", "calendar\n", 1, "malformed line ("},
          {"option unknown", "option colour red\n", 1, "unknown option colour"},
          {"option seed a word", "option seed x\n", 1, "malformed line ("},
          {"option warning_fraction a word", "option warning_fraction x\n", 1, "malformed line ("},
          {"option rating_window a word", "option rating_window x\n", 1, "malformed line ("},
          {"option without value", "option seed\n", 1, "malformed line ("},
          {"actor of no kind", "actor a boss x\n", 1, "an actor is `applicant ID` or `staff ID DEPARTMENT ROLE`"},
          {"staff without role", "actor a staff x dept\n", 1, "malformed line ("},
          {"actor without id", "actor a applicant\n", 1, "malformed line ("},
          {"clock month 13", "clock 2025-13-01 10:00\n", 1, "a time is `YYYY-MM-DD HH:MM`"},
          {"clock time without colon", "clock 2025-09-26 1000\n", 1, "a time is `YYYY-MM-DD HH:MM`"},
          {"clock time with a dash", "clock 2025-09-26 10-00\n", 1, "a time is `YYYY-MM-DD HH:MM`"},
          {"clock time of letters", "clock 2025-09-26 ab:cd\n", 1, "malformed line ("},
          {"clock without time", "clock 2025-09-26\n", 1, "malformed line ("},
          {"command without bundle", "actor p applicant p\n\nopen by p\n", 3, "no bundle loaded"},
          {"a field answer without bundle", "actor p applicant p\nopen a.b=1 by p\n", 2, "no bundle loaded"},
          {"advance without bundle", "advance 2025-09-26 10:00\n", 1, "no bundle loaded"},
          {"expectation without bundle", "# nothing yet\nexpect status draft\n", 2, "no bundle loaded"},
          {"use without case", "use 1\n", 1, "no such case"},
          {"use a word", "use one\n", 1, "malformed line ("},
          {"expect alone", "expect\n", 1, "malformed line ("},
          {"a case before any open", "bundle bundles/national/open_restaurant.yaml\nexpect status draft\n", 2,
           "no case is open"},
          {"a command before any open",
           "bundle bundles/national/open_restaurant.yaml\nactor p applicant p\nsubmit x by p\n", 3, "no case is open"},
      },
      false);
}

TEST_CASE("script.errors.command_lines") {
  run_rows(
      {
          {"bundle after a command", "bundle bundles/national/open_restaurant.yaml\n", 1,
           "set-up lines come before the first command"},
          {"calendar after a command", "calendar bundles/calendars\n", 1, "set-up lines come before the first command"},
          {"option after a command", "option seed 3\n", 1, "options come before the first command"},
          {"unknown actor", "open outdoor_sign=yes by nobody\n", 1, "unknown actor nobody"},
          {"no actor", "open outdoor_sign=yes\n", 1, "a command needs `by ACTOR`"},
          {"`by` last", "sign licence_check approve by\n", 1, "a command needs `by ACTOR`"},
          {"open with a bare word", "open foo by corp\n", 1, "open takes situation=yes|no or field.path=value"},
          {"open with a situation maybe", "open outdoor_sign=maybe by corp\n", 1,
           "a situation is answered `yes` or `no`"},
          {"unknown command", "frobnicate by corp\n", 1, "unknown command frobnicate"},
          {"sign maybe", "sign licence_check maybe by li\n", 1, "a decision is approve, reject or return"},
          {"sign without decision", "sign licence_check by li\n", 1, "malformed line ("},
          {"sign slot a word", "sign licence_check approve slot x by li\n", 1, "malformed line ("},
          {"post_check maybe", "post_check licence_check maybe by li\n", 1, "a post-check is `pass` or `fail`"},
          {"post_check without result", "post_check licence_check by li\n", 1, "malformed line ("},
          {"resolve maybe", "resolve food_licence maybe by li\n", 1, "advice is approve, reject or return"},
          {"resolve without item", "resolve by li\n", 1, "malformed line ("},
          {"add_signer sideways", "add_signer licence_check expert sideways \"x\" by li\n", 1,
           "a position is before, after or parallel"},
          {"add_signer without position", "add_signer licence_check expert by li\n", 1, "malformed line ("},
          {"add_signer weight a word", "add_signer licence_check expert before weight x by li\n", 1,
           "malformed line ("},
          {"rate a word", "rate five by corp\n", 1, "malformed line ("},
          {"remove_signer slot a word", "remove_signer licence_check x \"c\" by li\n", 1, "malformed line ("},
          {"assign without person", "assign licence_check by wang\n", 1, "malformed line ("},
          {"assign slot a word", "assign licence_check li slot x by wang\n", 1, "malformed line ("},
          {"claim without item", "claim by li\n", 1, "malformed line ("},
          {"claim slot a word", "claim licence_check slot x by li\n", 1, "malformed line ("},
          {"unclaim without item", "unclaim by li\n", 1, "malformed line ("},
          {"transfer without person", "transfer licence_check by li\n", 1, "malformed line ("},
          {"delegate without person", "delegate licence_check by li\n", 1, "malformed line ("},
          {"reject_back without target", "reject_back licence_check by li\n", 1, "malformed line ("},
          {"reclaim without item", "reclaim by li\n", 1, "malformed line ("},
          {"remind without item", "remind by corp\n", 1, "malformed line ("},
          {"supply without material", "supply by corp\n", 1, "malformed line ("},
          {"pledge without item", "pledge by corp\n", 1, "malformed line ("},
          {"use 0", "use 0\n", 1, "no such case"},
          {"use 2 of 1", "use 2\n", 1, "no such case"},
          {"advance without time", "advance 2025-09-26\n", 1, "malformed line ("},
          {"advance to a bad date", "advance 2025-02-30 10:00\n", 1, "a time is `YYYY-MM-DD HH:MM`"},
      },
      true);
}

TEST_CASE("script.errors.refusals_must_be_expected") {
  run_rows(
      {
          {"at the end of the script", "issue by wang\n", 1,
           "unexpected error invalid_transition from the command on line 10: "},
          {"before the next command", "issue by wang\n\naccept by wang\n", 3,
           "unexpected error invalid_transition from the command on line 10: "},
          {"before another expectation", "issue by wang\nexpect status accepted\n", 2,
           "unexpected error invalid_transition from the command on line 10: "},
          {"before an advance", "withdraw by li\nadvance 2025-09-26 16:00\n", 2,
           "unexpected error not_authorised from the command on line 10: "},
          {"an error expected after a success", "expect error invalid_transition\n", 1,
           "expected an error, the command succeeded"},
          {"another kind", "issue by wang\nexpect error not_authorised\n", 2,
           "expected error not_authorised, got invalid_transition: "},
          {"another message", "issue by wang\nexpect error invalid_transition \"zzz\"\n", 2, "error message `"},
          {"an expected error, expected again",
           "issue by wang\nexpect error invalid_transition\nexpect error nothing\n",
           3, "expected error nothing, got invalid_transition: "},
          {"events after an advance", "advance 2025-09-26 16:00\nexpect events accepted\n", 2,
           "no successful command to inspect"},
          {"events after a refusal", "issue by wang\nexpect error invalid_transition\nexpect event issued\n", 3,
           "no successful command to inspect"},
      },
      true);
}

TEST_CASE("script.errors.expectations_that_do_not_hold") {
  run_rows(
      {
          {"events exactly", "expect events accepted\n", 1, "events were: accepted item_started"},
          {"events, none", "expect events\n", 1, "events were: accepted item_started"},
          {"event run", "expect event item_started accepted\n", 1, "events were: accepted item_started"},
          {"fired", "expect fired 3\n", 1, "0 timers fired"},
          {"fired a word", "expect fired three\n", 1, "malformed line ("},
          {"status", "expect status draft\n", 1, "status is accepted"},
          {"item status", "expect item licence_check approved\n", 1, "item licence_check is in_review"},
          {"item that does not apply", "expect item nothing pending\n", 1, "item nothing is inactive"},
          {"properties of an inactive item", "expect item nothing inactive round 1\n", 1,
           "an inactive item has no properties to expect"},
          {"item due", "expect item licence_check in_review due 2025-09-26 17:00\n", 1,
           "item licence_check due 2025-09-26 18:00"},
          {"item due, none", "expect item food_licence pending due 2025-01-01 10:00\n", 1,
           "item food_licence due none"},
          {"applicant, empty string", "expect applicant \"\"\n", 1, "applicant shown as corp-1"},
          {"item due without time", "expect item licence_check in_review due 2025-09-26\n", 1, "malformed line ("},
          {"item warn", "expect item licence_check in_review warn 2025-09-26 09:00\n", 1, "item licence_check warn "},
          {"item round", "expect item licence_check in_review round 2\n", 1, "item licence_check round 1"},
          {"item round a word", "expect item licence_check in_review round two\n", 1, "malformed line ("},
          {"item warned", "expect item licence_check in_review warned\n", 1, "item licence_check is not warned"},
          {"item overdue", "expect item licence_check in_review overdue\n", 1, "item licence_check is not overdue"},
          {"item pledged", "expect item licence_check in_review pledged\n", 1, "item licence_check is not pledged"},
          {"item reminders", "expect item licence_check in_review reminders 2\n", 1, "item licence_check reminders 0"},
          {"item remind", "expect item licence_check in_review remind 2025-09-26 16:00\n", 1,
           "item licence_check remind none"},
          {"item decide", "expect item licence_check in_review decide 2025-09-26 16:00\n", 1,
           "item licence_check decide none"},
          {"item post_check", "expect item licence_check in_review post_check due\n", 1,
           "item licence_check post-check none"},
          {"item property unknown", "expect item licence_check in_review colour red\n", 1,
           "unknown item property colour"},
          {"material not needed", "expect material nothing missing\n", 1, "material nothing is not_needed"},
          {"material status", "expect material business_licence missing\n", 1, "material business_licence is provided"},
          {"material due, not needed", "expect material nothing not_needed due 2025-09-26 18:00\n", 1,
           "a material expectation ends with `due DATE TIME` on a needed material"},
          {"material, a word after", "expect material business_licence provided soon\n", 1,
           "a material expectation ends with `due DATE TIME` on a needed material"},
          {"material due, never", "expect material business_licence provided due 2025-09-26 18:00\n", 1,
           "material business_licence due never"},
          {"outstanding", "expect outstanding business_licence\n", 1, "outstanding: ``"},
          {"notice without entry", "expect notice intake premises_proof\n", 1, "the notice has no entry for intake"},
          {"ready", "expect ready\n", 1, "not ready to issue"},
          {"next timer none", "expect next_timer none\n", 1, "next timer 2025-09-26 "},
          {"next timer at", "expect next_timer 2025-01-01 10:00\n", 1, "next timer 2025-09-26 "},
          {"rejected because", "expect rejected_because licence_check\n", 1, "rejected because of ``"},
          {"audit maybe", "expect audit maybe \"x\"\n", 1, "`expect audit contains|lacks \"TEXT\"`"},
          {"audit contains", "expect audit contains \"zzz\"\n", 1, "audit trail lacks `zzz`:\n"},
          {"audit lacks", "expect audit lacks \"wang\"\n", 1, "audit trail contains `wang`"},
          {"audit without text", "expect audit contains\n", 1, "malformed line ("},
          {"signer of no item", "expect signer nothing 0 open\n", 1, "item nothing does not apply"},
          {"signer slot", "expect signer licence_check 5 open\n", 1, "item licence_check has 1 signer slots"},
          {"signer slot a word", "expect signer licence_check first open\n", 1, "malformed line ("},
          {"signer state", "expect signer licence_check 0 approve\n", 1, "signer 0 of licence_check is open"},
          {"signer assignee", "expect signer licence_check 0 open assignee li\n", 1,
           "signer 0 of licence_check assignee ``"},
          {"signer delegate", "expect signer licence_check 0 open delegate \"li\"\n", 1,
           "signer 0 of licence_check delegate ``"},
          {"signer waiting", "expect signer licence_check 0 open waiting\n", 1, "signer 0 of licence_check is ready"},
          {"signer added", "expect signer licence_check 0 open added\n", 1,
           "signer 0 of licence_check is not an added one"},
          {"signer weight", "expect signer licence_check 0 open weight 3\n", 1, "signer 0 of licence_check weighs 1"},
          {"signer role", "expect signer licence_check 0 open role boss\n", 1, "signer 0 of licence_check has role "},
          {"signer property unknown", "expect signer licence_check 0 open colour red\n", 1,
           "unknown signer property colour"},
          {"targets of no item", "expect targets nothing\n", 1, "item nothing does not apply"},
          {"targets", "expect targets licence_check previous\n", 1, "item licence_check may be rejected back to `"},
          {"applicant", "expect applicant \"nobody\"\n", 1, "applicant shown as "},
          {"unknown expectation", "expect wibble\n", 1, "unknown expectation wibble"},
      },
      true);
}

TEST_CASE("script.errors.expectations_after_a_command_that_do_not_hold") {
  const std::string ret = "sign licence_check return \"补\" premises_proof by li\n";
  run_rows(
      {
          {"notice lists other materials", ret + "expect notice licence_check layout_plan\n", 2,
           "notice for licence_check lists `premises_proof`"},
          {"outstanding", ret + "expect outstanding none\n", 2, "outstanding: `premises_proof`"},
          {"not overdue", "advance 2025-09-29 10:00\nexpect item licence_check in_review not_overdue\n", 2,
           "item licence_check is overdue"},
          {"warned at another time",
           "advance 2025-09-29 10:00\nexpect item licence_check in_review not_warned overdue warn 2025-09-26 17:00\n",
           2,
           "item licence_check warn 2025-09-26 18:00"},
          {"a signer whose turn has not come",
           "sign licence_check approve by li\nexpect signer food_licence 1 open ready\n",
           2, "signer 1 of food_licence is waiting"},
          {"notice without an intake entry", ret + "expect notice intake premises_proof\n", 2,
           "the notice has no entry for intake"},
          {"an error expected after an advance", "advance 2025-09-26 16:00\nexpect error invalid_transition\n", 2,
           "expected an error, the command succeeded"},
          {"answers the bundle does not know",
           "open foo.bar=hello menu.categories=hot_food outdoor_sign=no crowded_venue=no by corp\nexpect status "
           "draft\n",
           2, "unexpected error invalid_argument from the command on line 10: unknown field `foo.bar`"},
          {"assignee none", "claim licence_check slot 0 by li\nexpect signer licence_check 0 open assignee none\n", 2,
           "signer 0 of licence_check assignee `li`"},
          {"next timer, none", "sign licence_check reject \"不行\" by li\nexpect next_timer 2025-01-01 10:00\n", 2,
           "next timer none"},
          {"rejected because", "sign licence_check reject \"不行\" by li\nexpect rejected_because none\n", 2,
           "rejected because of `licence_check`"},
          {"a refused command, expected, then its events", ret + "accept by wang\nexpect error invalid_transition\n" +
               "expect events accepted\n", 4, "no successful command to inspect"},
      },
      true, false);
}

TEST_CASE("script.errors.expectations_that_hold") {
  const std::string head = std::string(preamble.substr(0, preamble.find("submit")));
  Runner deferred(options_at_source());
  CHECK(failure_of(deferred, head + "submit premises_proof layout_plan sign_design by corp\n"
                                    "accept_with_deficiency by wang\n"
                                    "expect events accepted item_started\n"
                                    "expect material food_safety_rules deferred due 2025-09-30 18:00\n"
                                    "expect material business_licence provided\n"
                                    "expect material premises_proof handed_over\n"
                                    "expect outstanding food_safety_rules health_certificates fire_safety_rules\n"
                                    "supply food_safety_rules by corp\n"
                                    "expect events material_supplied\n"
                                    "expect material food_safety_rules supplied\n") == "");
  Runner late(options_at_source());
  CHECK(failure_of(late, head + "submit premises_proof layout_plan sign_design by corp\n"
                                "accept_with_deficiency by wang\n"
                                "expect material food_safety_rules deferred due 2025-10-09 18:00\n") ==
        "t.scenario:10: material food_safety_rules due 2025-09-30 18:00\n"
        "    expect material food_safety_rules deferred due 2025-10-09 18:00");
  Runner intake(options_at_source());
  CHECK(failure_of(intake, head + "submit premises_proof by corp\n"
                                  "return_for_correction layout_plan \"缺\" by wang\n"
                                  "expect event correction_requested\n"
                                  "expect notice intake layout_plan food_safety_rules health_certificates sign_design "
                                  "fire_safety_rules\n"
                                  "expect status returned_for_correction\n"
                                  "resubmit layout_plan food_safety_rules health_certificates sign_design "
                                  "fire_safety_rules by corp\n"
                                  "expect status submitted\n"
                                  "refuse \"不予受理\" by wang\n"
                                  "expect status refused\n") == "");
  Runner review(options_at_source());
  CHECK(failure_of(review, std::string(preamble) +
                               "expect next_timer 2025-09-26 18:00\n"
                               "expect targets licence_check applicant\n"
                               "expect applicant \"corp-1\"\n"
                               "expect item licence_check in_review warn 2025-09-26 18:00 due 2025-09-26 18:00\n"
                               "expect rejected_because none\n"
                               "sign licence_check return \"补\" premises_proof by li\n"
                               "expect notice licence_check premises_proof\n"
                               "expect item licence_check returned\n"
                               "expect status returned_for_correction\n") == "");
  Runner ready(options_at_source());
  const std::string to_ready = head +
                               "actor zhou staff zhou market_regulation section_chief\n"
                               "open outdoor_sign=no crowded_venue=no by corp\n"
                               "submit premises_proof layout_plan food_safety_rules health_certificates by corp\n"
                               "accept by wang\n"
                               "sign licence_check approve by li\n"
                               "sign food_licence approve by li\n"
                               "sign food_licence approve by zhou\n"
                               "expect ready\n";
  CHECK(failure_of(ready, to_ready + "issue by wang\nexpect status issued\n") == "");
  Runner not_ready(options_at_source());
  CHECK(failure_of(not_ready,
      to_ready + "expect not_ready\n") == "t.scenario:16: ready to issue\n    expect not_ready");
  // A refused command after the clock passed a deadline: the timers fire, the refusal stands.
  Runner late_issue(options_at_source());
  CHECK(failure_of(late_issue, std::string(preamble) +
                                   "clock 2025-09-29 10:00\n"
                                   "issue by wang\n"
                                   "expect error invalid_transition \"not decided yet\"\n"
                                   "expect item licence_check in_review not_warned overdue not_pledged\n"
                                   "expect signer food_licence 1 open waiting\n") == "");
  Runner rejected(options_at_source());
  CHECK(failure_of(rejected, std::string(preamble) +
                                 "sign licence_check reject \"不行\" by li\n"
                                 "expect rejected_because licence_check\n"
                                 "expect next_timer none\n") == "");
}

/// A command line and the expectation that follows it; `changes`: whether it is applied.
struct VerbRow {
  std::string_view line;
  std::string_view expectation;
  bool changes;
};

TEST_CASE("script.errors.every_command_verb") {
  const CaseState reference = state_after_preamble();
  const std::vector<VerbRow> rows = {
      {"submit premises_proof by corp",
       "expect error invalid_transition \"cannot submit while the case is `accepted`\"",
       false},
      {"accept by corp", "expect error invalid_transition \"cannot accept\"", false},
      {"accept_with_deficiency by corp", "expect error invalid_transition \"cannot accept\"", false},
      {"return_for_correction premises_proof \"缺\" by corp",
       "expect error invalid_transition \"return for correction\"",
       false},
      {"refuse \"no\" by corp", "expect error invalid_transition \"cannot refuse\"", false},
      {"resubmit premises_proof by corp", "expect error invalid_transition \"cannot resubmit\"", false},
      {"assign licence_check li by corp", "expect error not_authorised \"may assign\"", false},
      {"assign licence_check li slot 0 by wang", "expect error not_authorised \"may assign\"", false},
      {"sign licence_check approve \"ok\" premises_proof slot 0 by corp",
       "expect error not_authorised \"only staff may sign\"", false},
      {"sign licence_check return \"补\" premises_proof by li",
       "expect events signed item_returned correction_requested",
       true},
      {"supply food_safety_rules by corp", "expect error invalid_transition \"it is not awaited\"", false},
      {"pledge food_licence by corp", "expect events pledged", true},
      {"post_check licence_check pass \"ok\" by corp", "expect error not_authorised \"may post-check\"", false},
      {"post_check licence_check fail by corp", "expect error not_authorised \"may post-check\"", false},
      {"withdraw \"算了\" by li", "expect error not_authorised \"only the applicant may withdraw\"", false},
      {"issue by corp", "expect error not_authorised \"may issue results\"", false},
      {"rate 5 \"好\" by corp", "expect error invalid_transition \"cannot rate\"", false},
      {"claim licence_check by corp", "expect error not_authorised \"only staff may claim\"", false},
      {"claim licence_check slot 0 by li", "expect events signer_assigned", true},
      {"unclaim licence_check slot 0 by li", "expect error invalid_transition \"is not assigned\"", false},
      {"transfer licence_check wang \"转\" by li", "expect events signature_transferred", true},
      {"delegate licence_check wang \"委\" slot 0 by li", "expect events signature_delegated", true},
      {"resolve licence_check by li", "expect error not_authorised \"no delegation\"", false},
      {"resolve licence_check approve \"意见\" by li", "expect error not_authorised \"no delegation\"", false},
      {"add_signer licence_check expert@fire_rescue after weight 2 person zhang to 0 \"加\" by li",
       "expect error invalid_transition \"does not allow add_signer\"", false},
      {"add_signer licence_check expert parallel \"加\" by li",
       "expect error invalid_transition \"does not allow add_signer\"", false},
      {"remove_signer licence_check 0 \"减\" by li", "expect error invalid_transition \"does not allow remove_signer\"",
       false},
      {"reject_back licence_check applicant \"驳\" premises_proof slot 0 by li",
       "expect events signed item_returned correction_requested", true},
      {"reject_back licence_check previous \"驳\" by li", "expect error invalid_transition \"may not be rejected back\"",
       false},
      {"reclaim licence_check slot 0 \"拿回\" by li", "expect error invalid_transition \"does not allow reclaim\"",
       false},
      {"remind licence_check \"催\" by corp", "expect error invalid_transition \"does not allow remind\"", false},
      {"remind licence_check by li", "expect error invalid_transition \"does not allow remind\"", false},
  };
  for (const VerbRow& row : rows) {
    CAPTURE(row.line);
    Runner runner(options_at_source());
    CHECK(failure_of(runner, fmt::format("{}{}\n{}\n", preamble, row.line, row.expectation)) == "");
    REQUIRE(runner.cases().size() == 1);
    const bool same = runner.engine()->state(runner.cases()[0]).value() == reference;
    CHECK(same != row.changes);
  }
}

TEST_CASE("script.errors.messages_show_the_line") {
  Runner runner(options_at_source());
  CHECK(failure_of(runner, std::string(preamble) + "\texpect  status\tdraft   # a comment\r\n") ==
        "t.scenario:10: status is accepted\n    \texpect  status\tdraft   # a comment");
  Runner other(options_at_source());
  CHECK(failure_of(other, std::string(preamble) + "issue by wang\n") ==
        "t.scenario:10: unexpected error invalid_transition from the command on line 10: "
        "cannot issue: `licence_check`, `food_licence`, `outdoor_sign`, `fire_check` not decided yet");
}

TEST_CASE("script.errors.bundles_that_do_not_load_or_compile") {
  TempDir dir;
  std::ofstream(dir.file("broken.yaml")) << replace(minimal_bundle(), "department: dept_b", "department: dept_x");
  std::ofstream(dir.file("syntax.yaml")) << "bundle: [\n";
  ScriptOptions o;
  o.root = dir.path();
  Runner runner(std::move(o));
  const std::string broken = failure_of(runner, "# a broken bundle\nbundle broken.yaml\n");
  CHECK(broken.starts_with("t.scenario:2: bundle does not compile:\n"));
  CHECK(broken.find("dept_x") != std::string::npos);
  CHECK(broken.ends_with("\n    bundle broken.yaml"));
  CHECK(runner.engine() == nullptr);
  Runner again(ScriptOptions{.root = dir.path(), .bundle = std::nullopt, .calendar = std::nullopt, .store = nullptr,
                             .check_replay = true, .key_prefix = ""});
  const std::string syntax = failure_of(again, "bundle syntax.yaml\n");
  CHECK(syntax.starts_with("t.scenario:1: bundle does not load:\n"));
  CHECK(syntax.find("syntax.yaml") != std::string::npos);
}

TEST_CASE("script.errors.bundle_given_beforehand") {
  ScriptOptions o = options_at_source();
  o.bundle = restaurant();
  o.calendar = calendar_2025();
  Runner runner(std::move(o));
  CHECK(runner.calendar().years().size() == 1);
  CHECK(failure_of(runner, "actor corp applicant corp-1\nbundle bundles/national/open_restaurant.yaml\n") ==
        "t.scenario:2: the bundle is given already (on the command line)\n    bundle "
        "bundles/national/open_restaurant.yaml");
  // Without a `bundle` line the given one is used; a `calendar` line replaces the given calendar.
  ScriptOptions p = options_at_source();
  p.bundle = restaurant();
  p.calendar = calendar_2025();
  Runner given(std::move(p));
  CHECK(failure_of(given, "calendar bundles/calendars\nactor corp applicant corp-1\nclock 2025-09-26 15:00\n"
                          "open outdoor_sign=no crowded_venue=no by corp\nexpect status draft\n") == "");
  CHECK(given.cases().size() == 1);
  CHECK(given.calendar().years().size() == 3);
}

TEST_CASE("script.errors.script_files") {
  Runner runner(options_at_source());
  CHECK_THROWS_WITH_AS(runner.run_file("/nonexistent/x.scenario"), "/nonexistent/x.scenario: cannot read the script",
                       ScriptError);
  TempDir dir;
  std::ofstream(dir.file("ok.scenario")) << preamble << "expect status accepted\n";
  std::ofstream(dir.file("bad.scenario")) << preamble << "expect status draft\n";
  Runner ok(options_at_source());
  ok.run_file(dir.file("ok.scenario"));
  CHECK(ok.cases().size() == 1);
  Runner bad(options_at_source());
  CHECK_THROWS_WITH_AS(bad.run_file(dir.file("bad.scenario")),
                       (dir.file("bad.scenario") + ":10: status is accepted\n    expect status draft").c_str(),
                           ScriptError);
}

TEST_CASE("script.errors.valid_but_unusual") {
  SUBCASE("every option, quoted ids, comments, tabs and CRLF line ends") {
    Runner runner(options_at_source());
    const std::string text =
        "bundle bundles/national/open_restaurant.yaml\r\n"
        "calendar bundles/calendars\r\n"
        "option warning_fraction 0.5\r\n"
        "option post_check_rate 0\r\n"
        "option seed 7\r\n"
        "option rating_window 3\r\n"
        "\r\n"
        "# a comment line\r\n"
        "actor corp\tapplicant \"corp 1\"   # trailing comment\r\n"
        "actor corp applicant corp-1\r\n"
        "actor wang staff \"wang\" service_center clerk\r\n"
        "clock 2025-09-26 15:00\r\n"
        "open\tsign.installed=true premises.area_m2=120 by corp key first\r\n"
        "expect events case_opened\r\n"
        "expect status draft\r\n"
        "expect not_ready\r\n"
        "expect audit contains \"first\"\r\n"
        "expect audit lacks \"cmd-13\"\r\n"
        "expect applicant \"corp-1\"\r\n";
    CHECK(failure_of(runner, text) == "");
    CHECK(runner.cases().size() == 1);
  }
  SUBCASE("answers of every shape") {
    Runner runner(options_at_source());
    const std::string text = std::string(preamble) +
                             "open sign.installed=false premises.area_m2=35.5 premises.seats=12 "
                             "menu.categories=[hot_food,pastry] operator.phone=13812345678 business.name=12345 "
                             "by corp\n"
                             "expect status draft\n"
                             "open outdoor_sign=no crowded_venue=yes menu.categories=[] by corp\n"
                             "expect status draft\n"
                             "open premises.address=2025-01-01 sign.area_m2=1e1 by corp\n"
                             "expect error needs_answers \"answer `premises.area_m2`, `sign.installed`\"\n"
                             "open business.name=[x premises.seats=12abc menu.categories=[hot_food,] "
                             "sign.installed=true premises.area_m2=7 by corp\n"
                             "expect error invalid_argument \"premises.seats\"\n"
                             "use 1\n"
                             "expect status accepted\n"
                             "use 3\n"
                             "expect status draft\n";
    CHECK(failure_of(runner, text) == "");
    CHECK(runner.cases().size() == 3);
  }
  SUBCASE("explicit keys, a prefix and a duplicate command") {
    ScriptOptions o = options_at_source();
    o.key_prefix = "run-a:";
    Runner runner(std::move(o));
    const std::string text = std::string(preamble) +
                             "sign licence_check approve \"ok\" key k1 by li\n"
                             "expect events signed item_approved item_started item_started item_started\n"
                             "sign licence_check approve \"ok\" by li key k1\n"
                             "expect error duplicate_command\n"
                             "sign licence_check approve by li key k1\n"
                             "expect error key_reused \"`run-a:k1` was already used\"\n"
                             "expect audit contains \"run-a:k1\"\n"
                             "expect audit contains \"run-a:cmd-9\"\n"
                             "expect item licence_check approved\n"
                             "expect signer licence_check 0 approve assignee none delegate none waiting weight 1 "
                             "role reviewer\n"
                             "expect item food_licence in_review round 1 not_warned not_overdue not_pledged "
                             "reminders 0 remind none decide none post_check none\n";
    CHECK(failure_of(runner, text) == "");
  }
  SUBCASE("a store of the caller's, replay not checked") {
    MemoryStore store;
    ScriptOptions o = options_at_source();
    o.store = &store;
    o.check_replay = false;
    Runner runner(std::move(o));
    CHECK(failure_of(runner, std::string(preamble) + "advance 2025-10-31 10:00\nexpect fired 1\n") == "");
    REQUIRE(runner.cases().size() == 1);
    const auto stored = store.load(runner.cases()[0]);
    REQUIRE(stored);
    CHECK_FALSE(stored->commits.empty());
  }
}

}  // namespace
}  // namespace yishi::test
