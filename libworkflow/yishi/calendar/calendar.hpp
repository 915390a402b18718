// The working-day calendar: official holidays, make-up working days (调休) and office hours,
// with deadline arithmetic in working days and working hours.
//
//   Calendar cal = ...;                                  // usually yaml::load_calendars(...)
//   auto due = cal.deadline(accepted_at, {5, 0});        // +5wd: end of the 5th working day after
//
// A Calendar is immutable after construction and safe to share across threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "yishi/ir/bundle.hpp"

namespace yishi {

using Date = std::chrono::sys_days;
/// An instant, in seconds since the epoch (UTC).
using Instant = std::chrono::sys_seconds;

/// "2025-10-01".
[[nodiscard]] std::string to_string(Date d);
/// Parses "2025-10-01"; nullopt for anything else (including impossible dates).
[[nodiscard]] std::optional<Date> parse_date(std::string_view s);

/// One official notice (国务院办公厅关于某年部分节假日安排的通知): the days off and the
/// weekend days that are working days that year.
struct CalendarYear {
  int year = 0;
  std::string source;             ///< the notice this data comes from
  std::set<Date> days_off;        ///< holidays, including weekdays moved by 调休
  std::set<Date> make_up_days;    ///< weekend days worked (调休上班)
  friend bool operator==(const CalendarYear&, const CalendarYear&) = default;
};

/// Office hours of a working day, in minutes after local midnight: a morning and an
/// afternoon period (default 09:00–12:00 and 13:00–18:00, eight hours).
struct OfficeHours {
  int morning_start = 9 * 60, morning_end = 12 * 60;
  int afternoon_start = 13 * 60, afternoon_end = 18 * 60;
  [[nodiscard]] int minutes_per_day() const { return (morning_end - morning_start) + (afternoon_end - afternoon_start); }
  friend bool operator==(const OfficeHours&, const OfficeHours&) = default;
};

/// Holidays, make-up days and office hours. Dates outside the covered years follow the
/// Monday–Friday rule; `covers` tells whether a result rests on official data.
class Calendar {
 public:
  Calendar() = default;
  /// Years must be distinct. `utc_offset` is the local time zone (China: +8 h, no DST).
  Calendar(std::vector<CalendarYear> years, OfficeHours hours = {},
           std::chrono::minutes utc_offset = std::chrono::hours(8));

  [[nodiscard]] bool is_working_day(Date d) const;
  /// Whether the official notice for the year of `d` is loaded.
  [[nodiscard]] bool covers(Date d) const;
  [[nodiscard]] const std::vector<CalendarYear>& years() const noexcept { return years_; }
  [[nodiscard]] const OfficeHours& hours() const noexcept { return hours_; }

  /// The n-th working day after `d` (n ≥ 1); counting never includes `d` itself.
  [[nodiscard]] Date add_working_days(Date d, int n) const;
  /// Working days in (from, to]: how many working days pass after `from` up to `to`.
  [[nodiscard]] int working_days_between(Date from, Date to) const;

  /// The deadline of a limit started at `start`:
  ///  - `Nwd`: the end of office hours of the N-th working day after the start's date;
  ///  - `Nwh`: when N office hours have passed, counted from `start` (or from the next
  ///    opening, if the office is closed at `start`);
  ///  - `NwdMwh`: M office hours after the `Nwd` deadline; `0wd` (即办): `start` itself.
  [[nodiscard]] Instant deadline(Instant start, const ir::WorkDuration& limit) const;
  /// The close of office hours of the working day `t` falls on, or of the next working day
  /// when `t` is on a day off or after closing: the deadline of an on-the-spot (即办) limit.
  [[nodiscard]] Instant end_of_working_day(Instant t) const;
  /// The instant `fraction` (0..1] of the way through the office time between `start` and
  /// `deadline(start, limit)`: the warning point (亮灯) of a limit.
  [[nodiscard]] Instant warning_point(Instant start, const ir::WorkDuration& limit, double fraction) const;
  /// The same, when the deadline is known already (the engine computes it first).
  [[nodiscard]] Instant warning_point(Instant start, Instant due, double fraction) const;
  /// `start` plus an amount of office time: `Nwd` is N full office days (the same time of
  /// day N working days later), `Nwh` N office hours, skipping days off and closed hours.
  /// Reminders (催办) are scheduled with it, so they always fall in office hours.
  [[nodiscard]] Instant after_office_time(Instant start, const ir::WorkDuration& amount) const;

  /// Local date and minute of day of an instant.
  [[nodiscard]] Date local_date(Instant t) const;
  [[nodiscard]] int local_minute(Instant t) const;
  /// The instant of a local date and minute of day.
  [[nodiscard]] Instant at(Date d, int minute_of_day) const;

 private:
  [[nodiscard]] Instant add_office_minutes(Instant start, std::int64_t minutes) const;
  [[nodiscard]] std::int64_t office_minutes_between(Instant from, Instant to) const;
  /// Working days before `d`, counted from an arbitrary origin: differences count working
  /// days in closed form (weeks, then the exceptions' running sum), without walking days.
  [[nodiscard]] std::int64_t ordinal(Date d) const;
  /// Office seconds of day `d` between seconds-of-day `from` and `to`.
  [[nodiscard]] std::int64_t office_seconds(Date d, std::int64_t from, std::int64_t to) const;

  std::vector<CalendarYear> years_;
  Date first_exception_{};
  std::vector<std::int8_t> exceptions_;  ///< from first_exception_: -1 day off, 1 make-up day, 0 the weekday rule
  std::vector<std::int32_t> shift_;      ///< [k]: what exceptions before first_exception_ + k add to the weekday count
  std::set<int> covered_;
  OfficeHours hours_;
  std::chrono::minutes offset_{std::chrono::hours(8)};
};

}  // namespace yishi
