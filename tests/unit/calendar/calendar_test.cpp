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
  // Given the deadline instead of the limit: the same instant, through the end of the day.
  const Instant due = c.deadline(monday, {2, 0});
  CHECK(local(c, c.warning_point(monday, due, 0.5)) == "2025-09-16 14:00");
  CHECK(c.warning_point(monday, due, 0.0) == monday);
  CHECK(c.warning_point(due, due, 0.5) == due);
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

namespace {
// The reference: the day-by-day walk the closed-form arithmetic replaced (obviously right,
// slow). Calendar's results must equal it everywhere.
struct Walk {
  const Calendar& c;
  Date add_working_days(Date d, int n) const {
    while (n > 0) {
      d += days{1};
      if (c.is_working_day(d)) --n;
    }
    return d;
  }
  int working_days_between(Date from, Date to) const {
    int n = 0;
    for (Date d = from + days{1}; d <= to; d += days{1}) n += c.is_working_day(d);
    return n;
  }
  std::pair<int, int> period(int k) const {
    const OfficeHours& h = c.hours();
    return k == 0 ? std::pair{h.morning_start, h.morning_end} : std::pair{h.afternoon_start, h.afternoon_end};
  }
  Instant add_office_minutes(Instant start, std::int64_t mins) const {
    Date d = c.local_date(start);
    seconds into = seconds{c.local_minute(start) * 60} + (start - c.at(d, c.local_minute(start)));
    seconds left = minutes{mins};
    for (;;) {
      if (c.is_working_day(d))
        for (int k = 0; k < 2; ++k) {
          const auto [open, close] = period(k);
          const seconds from = std::max(into, seconds{minutes{open}});
          const seconds until = minutes{close};
          if (from >= until) continue;
          if (left <= until - from) return c.at(d, 0) + from + left;
          left -= until - from;
          into = until;
        }
      d += days{1};
      into = seconds{0};
    }
  }
  std::int64_t office_minutes_between(Instant from, Instant to) const {
    if (to <= from) return 0;
    std::int64_t total = 0;
    for (Date d = c.local_date(from); d <= c.local_date(to); d += days{1}) {
      if (!c.is_working_day(d)) continue;
      for (int k = 0; k < 2; ++k) {
        const auto [open, close] = period(k);
        const Instant a = std::max(c.at(d, open), from), b = std::min(c.at(d, close), to);
        if (b > a) total += (b - a).count();
      }
    }
    return total / 60;
  }
  Instant deadline(Instant start, const ir::WorkDuration& limit) const {
    Instant t = start;
    if (limit.days > 0) t = c.at(add_working_days(c.local_date(start), limit.days), c.hours().afternoon_end);
    if (limit.hours > 0) t = add_office_minutes(t, std::int64_t{limit.hours} * 60);
    return t;
  }
  Instant warning_point(Instant start, const ir::WorkDuration& limit, double fraction) const {
    const Instant due = deadline(start, limit);
    const auto total = office_minutes_between(start, due);
    if (total == 0) return due;
    const auto part = static_cast<std::int64_t>(static_cast<double>(total) * fraction);
    return part >= total ? due : add_office_minutes(start, part);
  }
};
}  // namespace

TEST_CASE("calendar.arithmetic.equals_the_day_by_day_walk") {
  // The shipped calendars, and random ones: holidays on any day, make-up days on weekends,
  // runs of days off, odd office hours; starts at any second, before, in and after the
  // covered years.
  std::uint64_t seed = 0x5EED;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  std::vector<Calendar> calendars{shipped(), Calendar{}};
  for (int k = 0; k < 6; ++k) {
    CalendarYear y;
    y.year = 2025;
    for (int n = 0; n < 40; ++n) {
      const Date d = on("2025-01-01") + days{static_cast<int>(next() % 365)};
      const weekday w{d};
      if (w == Saturday || w == Sunday) {
        if (next() % 2) y.make_up_days.insert(d);
      } else if (!y.make_up_days.count(d)) {
        const int run = static_cast<int>(next() % 8) + 1;  // up to eight days off in a row
        for (int r = 0; r < run; ++r)
          if (!y.make_up_days.count(d + days{r})) y.days_off.insert(d + days{r});
      }
    }
    OfficeHours h;
    if (k % 2) h = OfficeHours{8 * 60 + 30, 11 * 60 + 30, 14 * 60, 17 * 60 + 45};
    calendars.emplace_back(std::vector<CalendarYear>{y}, h);
  }
  int checked = 0;
  for (const Calendar& c : calendars) {
    const Walk walk{c};
    for (int n = 0; n < 1500; ++n) {
      const Date d = on("2024-10-01") + days{static_cast<int>(next() % 700)};
      const Instant t = c.at(d, 0) + seconds{static_cast<int>(next() % 86400)};
      const int wd = static_cast<int>(next() % 45);
      CAPTURE(local(c, t));
      CAPTURE(wd);
      REQUIRE(c.add_working_days(d, wd) == walk.add_working_days(d, wd));
      const Date to = d + days{static_cast<int>(next() % 90) - 10};
      REQUIRE(c.working_days_between(d, to) == walk.working_days_between(d, to));
      const ir::WorkDuration limit{static_cast<int>(next() % 25), static_cast<int>(next() % 30)};
      CAPTURE(limit.days);
      CAPTURE(limit.hours);
      REQUIRE(c.deadline(t, limit) == walk.deadline(t, limit));
      const double fraction = static_cast<double>(next() % 101) / 100.0;
      REQUIRE(c.warning_point(t, limit, fraction) == walk.warning_point(t, limit, fraction));
      REQUIRE(c.warning_point(t, c.deadline(t, limit), fraction) == walk.warning_point(t, limit, fraction));
      ++checked;
    }
  }
  CHECK(checked == 1500 * 8);
}
