// The working-day calendar: official data, working-day rules and deadline arithmetic.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "test_support.hpp"

using namespace yishi;
using namespace std::chrono;

namespace {
Calendar shipped() {
  std::vector<CalendarYear> years;
  SourceMap m;
  for (const char* y : {"2024", "2025", "2026"}) {
    auto r = yaml::load_calendar_file(m, test::source_dir() + "/bundles/calendars/cn-" + y + ".yaml");
    INFO(render_text(r.diagnostics, m));
    REQUIRE(r.year);
    years.push_back(std::move(*r.year));
  }
  return Calendar(std::move(years));
}
Date on(const char* s) { return *parse_date(s); }
std::string local(const Calendar& c, Instant t) {
  const int m = c.local_minute(t);
  return fmt::format("{} {:02}:{:02}", to_string(c.local_date(t)), m / 60, m % 60);
}
}  // namespace

TEST_CASE("calendar.dates.parse_and_print") {
  CHECK(to_string(on("2025-10-01")) == "2025-10-01");
  CHECK_FALSE(parse_date("2025-02-30").has_value());
  CHECK_FALSE(parse_date("2025-1-1").has_value());
  CHECK_FALSE(parse_date("tomorrow").has_value());
}

TEST_CASE("calendar.official_years.balance_make_up_days_against_moved_days_off") {
  // 调休 only moves days: a year's working days are its days, less weekend days, less its
  // statutory holidays (11 until 2024, 13 from 2025 under the amended 放假办法).
  const Calendar c = shipped();
  struct Expect { const char* before; const char* last; int days, weekend, statutory; };
  for (auto e : {Expect{"2023-12-31", "2024-12-31", 366, 104, 11}, Expect{"2024-12-31", "2025-12-31", 365, 104, 13},
                 Expect{"2025-12-31", "2026-12-31", 365, 104, 13}}) {
    INFO(e.last);
    CHECK(c.working_days_between(on(e.before), on(e.last)) == e.days - e.weekend - e.statutory);
  }
}

TEST_CASE("calendar.working_day.holidays_and_make_up_days") {
  const Calendar c = shipped();
  CHECK(c.is_working_day(on("2025-09-28")));        // Sunday, make-up working day
  CHECK_FALSE(c.is_working_day(on("2025-10-08")));  // Wednesday, National Day holiday
  CHECK_FALSE(c.is_working_day(on("2025-09-27")));  // ordinary Saturday
  CHECK(c.is_working_day(on("2025-09-29")));        // ordinary Monday
  CHECK_FALSE(c.is_working_day(on("2024-02-16")));  // Spring Festival 2024
  CHECK(c.is_working_day(on("2024-02-18")));        // Sunday, make-up
  CHECK(c.covers(on("2026-06-01")));
  CHECK_FALSE(c.covers(on("2027-06-01")));
  CHECK_FALSE(c.is_working_day(on("2027-06-05")));  // beyond the data: Monday–Friday rule
  CHECK(c.is_working_day(on("2027-06-07")));
}

TEST_CASE("calendar.deadline.five_working_days_from_a_friday_afternoon_across_national_day") {
  const Calendar c = shipped();
  // Accepted Friday 2025-09-26 15:00. Counting starts the next day: Sun 9-28 (make-up) 1,
  // Mon 9-29 2, Tue 9-30 3, holiday 10-1…10-8, Thu 10-9 4, Fri 10-10 5.
  const Instant start = c.at(on("2025-09-26"), 15 * 60);
  CHECK(local(c, c.deadline(start, {5, 0})) == "2025-10-10 18:00");
  CHECK(local(c, c.deadline(start, {1, 0})) == "2025-09-28 18:00");
}

TEST_CASE("calendar.deadline.working_hours_roll_over_closed_time") {
  const Calendar c = shipped();
  const Instant start = c.at(on("2025-09-30"), 16 * 60);  // two office hours left that day
  CHECK(local(c, c.deadline(start, {0, 2})) == "2025-09-30 18:00");
  CHECK(local(c, c.deadline(start, {0, 4})) == "2025-10-09 11:00");  // across the holiday
  const Instant lunch = c.at(on("2025-09-29"), 12 * 60 + 30);       // during lunch
  CHECK(local(c, c.deadline(lunch, {0, 1})) == "2025-09-29 14:00");
  const Instant night = c.at(on("2025-09-29"), 22 * 60);
  CHECK(local(c, c.deadline(night, {0, 1})) == "2025-09-30 10:00");
  CHECK(local(c, c.deadline(start, {1, 3})) == "2025-10-10 12:00");  // end of 10-9, then 3 h
  CHECK(c.deadline(start, {0, 0}) == start);                        // 即办: due at once
}

TEST_CASE("calendar.warning_point.is_a_fraction_of_office_time") {
  const Calendar c = shipped();
  const Instant monday = c.at(on("2025-09-15"), 9 * 60);
  // +2wd: due Wednesday 18:00; 3 office days = 1,440 minutes; half is Tuesday 14:00.
  CHECK(local(c, c.deadline(monday, {2, 0})) == "2025-09-17 18:00");
  CHECK(local(c, c.warning_point(monday, {2, 0}, 0.5)) == "2025-09-16 14:00");
  CHECK(c.warning_point(monday, {2, 0}, 1.0) == c.deadline(monday, {2, 0}));
}

TEST_CASE("calendar.local_time.is_china_standard_time") {
  const Calendar c = shipped();
  const Instant t = c.at(on("2025-01-01"), 8 * 60);
  CHECK(t == sys_days{2025y / 1 / 1} + 0h);  // 08:00 in UTC+8 is midnight UTC
  CHECK(c.local_minute(t) == 8 * 60);
}

TEST_CASE("calendar.files.bad_data_is_located") {
  const std::string head = "calendar: cn\nyear: 2025\nsource: test\nholidays:\n";
  auto load = [&](const std::string& body) {
    test::Checked c;
    auto r = yaml::load_calendar_text(c.sources, "cal.yaml", head + body);
    c.diagnostics = std::move(r.diagnostics);
    CHECK(r.year.has_value() == !c.diagnostics.has_errors());
    return c;
  };
  auto weekday = load("  - {name: x, off: 2025-10-01, work: [2025-10-09]}\n");
  const Diagnostic* d = weekday.find(DiagCode::invalid_value);
  REQUIRE(d);
  CHECK(weekday.underlined(*d) == "2025-10-09");
  CHECK(d->message == "make-up working day 2025-10-09 is not a weekend day");
  auto other_year = load("  - {name: x, off: 2024-10-01}\n");
  CHECK(other_year.has(DiagCode::invalid_value));
  auto bad_date = load("  - {name: x, off: 2025-13-01}\n");
  REQUIRE(bad_date.find(DiagCode::invalid_value));
  CHECK(bad_date.underlined(*bad_date.find(DiagCode::invalid_value)) == "2025-13-01");
  auto backwards = load("  - {name: x, off: {from: 2025-10-08, to: 2025-10-01}}\n");
  CHECK(backwards.has(DiagCode::invalid_value));
  auto both = load("  - {name: x, off: 2025-09-28, work: [2025-09-28]}\n");
  CHECK(both.has(DiagCode::invalid_value));
  auto typo = load("  - {name: x, of: 2025-10-01}\n");
  CHECK(typo.has(DiagCode::unknown_key));
  CHECK(typo.has(DiagCode::missing_key));
  auto fine = load("  - {name: x, off: {from: 2025-10-01, to: 2025-10-08}, work: [2025-09-28, 2025-10-11]}\n");
  CHECK_FALSE(fine.diagnostics.has_errors());
}
