// Working-day arithmetic over official holiday notices.
#include "yishi/calendar/calendar.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "yishi/base/assert.hpp"

namespace yishi {

using namespace std::chrono;

std::string to_string(Date d) {
  const year_month_day ymd{d};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

std::optional<Date> parse_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](std::size_t at, std::size_t len, auto& out) {
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
    return ec == std::errc{} && p == s.data() + at + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return std::nullopt;
  const year_month_day ymd{year{y}, month{m}, day{d}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

Calendar::Calendar(std::vector<CalendarYear> years, OfficeHours hours, minutes utc_offset)
    : years_(std::move(years)), hours_(hours), offset_(utc_offset) {
  std::sort(years_.begin(), years_.end(), [](const auto& a, const auto& b) { return a.year < b.year; });
  // Exceptions to the Monday–Friday rule in one flat table over the dates they span, so that
  // deadline arithmetic costs an index per day rather than tree lookups.
  std::optional<Date> lo, hi;
  for (const auto& y : years_) {
    YISHI_ASSERT(covered_.insert(y.year).second, "calendar years must be distinct");
    for (const auto* set : {&y.days_off, &y.make_up_days})
      if (!set->empty()) {
        lo = lo ? std::min(*lo, *set->begin()) : *set->begin();
        hi = hi ? std::max(*hi, *set->rbegin()) : *set->rbegin();
      }
  }
  if (lo) {
    first_exception_ = *lo;
    exceptions_.assign(static_cast<std::size_t>((*hi - *lo).count() + 1), 0);
    for (const auto& y : years_) {
      for (Date d : y.days_off) exceptions_[static_cast<std::size_t>((d - *lo).count())] = -1;
      for (Date d : y.make_up_days) exceptions_[static_cast<std::size_t>((d - *lo).count())] = 1;
    }
  }
  shift_.assign(exceptions_.size() + 1, 0);
  for (std::size_t k = 0; k < exceptions_.size(); ++k) {
    const weekday w{first_exception_ + days{static_cast<int>(k)}};
    const int by_rule = (w != Saturday && w != Sunday) ? 1 : 0;
    const int actual = exceptions_[k] == 0 ? by_rule : (exceptions_[k] > 0 ? 1 : 0);
    shift_[k + 1] = shift_[k] + (actual - by_rule);
  }
  YISHI_ASSERT(hours_.morning_start < hours_.morning_end && hours_.morning_end <= hours_.afternoon_start &&
                   hours_.afternoon_start < hours_.afternoon_end && hours_.afternoon_end <= 24 * 60,
               "office hours must be two ordered periods within a day");
}

bool Calendar::covers(Date d) const { return covered_.count(static_cast<int>(year_month_day{d}.year())) > 0; }

bool Calendar::is_working_day(Date d) const {
  if (d >= first_exception_) {
    const auto k = static_cast<std::size_t>((d - first_exception_).count());
    if (k < exceptions_.size() && exceptions_[k] != 0) return exceptions_[k] > 0;
  }
  const weekday w{d};
  return w != Saturday && w != Sunday;
}

std::int64_t Calendar::ordinal(Date d) const {
  // Monday–Friday days before `d`, counted from 1970-01-01 (a Thursday).
  const std::int64_t n = d.time_since_epoch().count();
  const std::int64_t weeks = (n >= 0 ? n : n - 6) / 7, r = n - weeks * 7;
  static constexpr std::int64_t thursday_first[7] = {0, 1, 2, 2, 2, 3, 4};
  std::int64_t count = weeks * 5 + thursday_first[r];
  if (d > first_exception_ && !shift_.empty()) {
    const auto k = static_cast<std::size_t>((d - first_exception_).count());
    count += shift_[std::min(k, shift_.size() - 1)];
  }
  return count;
}

Date Calendar::add_working_days(Date d, int n) const {
  YISHI_ASSERT(n >= 0, "a number of working days is not negative");
  if (n == 0) return d;
  // The first x with n working days in (d, d + x]. A day adds at most one working day, so
  // stepping x by the shortfall never passes the answer; a few steps reach the count, and
  // the answer is the last working day up to there.
  const std::int64_t base = ordinal(d + days{1});
  std::int64_t x = n;
  for (std::int64_t counted = ordinal(d + days{static_cast<int>(x) + 1}) - base; counted < n;
       counted = ordinal(d + days{static_cast<int>(x) + 1}) - base)
    x += n - counted;
  while (!is_working_day(d + days{static_cast<int>(x)})) --x;
  return d + days{static_cast<int>(x)};
}

int Calendar::working_days_between(Date from, Date to) const {
  if (to <= from) return 0;
  return static_cast<int>(ordinal(to + days{1}) - ordinal(from + days{1}));
}

Date Calendar::local_date(Instant t) const { return floor<days>(t + offset_); }
int Calendar::local_minute(Instant t) const {
  const auto local = t + offset_;
  return static_cast<int>(duration_cast<minutes>(local - floor<days>(local)).count());
}
Instant Calendar::at(Date d, int minute_of_day) const {
  return Instant{duration_cast<seconds>(d.time_since_epoch())} + minutes{minute_of_day} - offset_;
}

std::int64_t Calendar::office_seconds(Date d, std::int64_t from, std::int64_t to) const {
  if (to <= from || !is_working_day(d)) return 0;
  std::int64_t total = 0;
  for (auto [open, close] : {std::pair{hours_.morning_start, hours_.morning_end},
                             std::pair{hours_.afternoon_start, hours_.afternoon_end}}) {
    const std::int64_t a = std::max<std::int64_t>(std::int64_t{open} * 60, from);
    const std::int64_t b = std::min<std::int64_t>(std::int64_t{close} * 60, to);
    if (b > a) total += b - a;
  }
  return total;
}

// Consumes `minutes` of open office time from `start`: what is left of the start's day, then
// whole working days at once, then the periods of the last day.
Instant Calendar::add_office_minutes(Instant start, std::int64_t mins) const {
  const Date d0 = local_date(start);
  // Seconds into the day (a start at 15:00:30 keeps its seconds).
  const std::int64_t into = duration_cast<seconds>((start + offset_) - floor<days>(start + offset_)).count();
  std::int64_t left = mins * 60;
  const std::int64_t per_day = std::int64_t{hours_.minutes_per_day()} * 60;
  // Ends within the office periods of day `d`, `left` seconds after `from` (seconds of day).
  auto within = [&](Date d, std::int64_t from, std::int64_t need) {
    for (auto [open, close] : {std::pair{hours_.morning_start, hours_.morning_end},
                               std::pair{hours_.afternoon_start, hours_.afternoon_end}}) {
      const std::int64_t a = std::max<std::int64_t>(std::int64_t{open} * 60, from);
      const std::int64_t b = std::int64_t{close} * 60;
      if (a >= b) continue;
      if (need <= b - a) return at(d, 0) + seconds{a + need};
      need -= b - a;
      from = b;
    }
    YISHI_ASSERT(false, "a day's office time covers what is left");
    return start;
  };
  const std::int64_t first = office_seconds(d0, into, 24 * 3600);
  if (first > 0 && left <= first) return within(d0, into, left);
  left -= first;
  // Whole working days after d0, then the day on which the rest (0 s .. one day) runs out:
  // nothing left after a closed office means its next opening.
  const std::int64_t whole = left > 0 ? (left - 1) / per_day : 0;
  YISHI_ASSERT(whole < 1'000'000, "office time addition ran past any plausible range");
  left -= whole * per_day;
  return within(add_working_days(d0, static_cast<int>(whole) + 1), 0, left);
}

std::int64_t Calendar::office_minutes_between(Instant from, Instant to) const {
  if (to <= from) return 0;
  const Date df = local_date(from), dt = local_date(to);
  const auto second_of_day = [&](Instant t) {
    return duration_cast<seconds>((t + offset_) - floor<days>(t + offset_)).count();
  };
  std::int64_t total = 0;
  if (df == dt) {
    total = office_seconds(df, second_of_day(from), second_of_day(to));
  } else {
    total = office_seconds(df, second_of_day(from), 24 * 3600) + office_seconds(dt, 0, second_of_day(to)) +
            (ordinal(dt) - ordinal(df + days{1})) * std::int64_t{hours_.minutes_per_day()} * 60;
  }
  return total / 60;
}

Instant Calendar::deadline(Instant start, const ir::WorkDuration& limit) const {
  YISHI_ASSERT(limit.days >= 0 && limit.hours >= 0, "limits are not negative");
  Instant t = start;
  if (limit.days > 0) t = at(add_working_days(local_date(start), limit.days), hours_.afternoon_end);
  if (limit.hours > 0) t = add_office_minutes(t, static_cast<std::int64_t>(limit.hours) * 60);
  return t;
}

Instant Calendar::end_of_working_day(Instant t) const {
  Date d = local_date(t);
  if (!is_working_day(d) || local_minute(t) >= hours_.afternoon_end) d = add_working_days(d, 1);
  return at(d, hours_.afternoon_end);
}

Instant Calendar::warning_point(Instant start, const ir::WorkDuration& limit, double fraction) const {
  return warning_point(start, deadline(start, limit), fraction);
}

Instant Calendar::warning_point(Instant start, Instant due, double fraction) const {
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto total = office_minutes_between(start, due);
  if (total == 0) return due;
  const auto part = static_cast<std::int64_t>(static_cast<double>(total) * fraction);
  return part >= total ? due : add_office_minutes(start, part);
}

Instant Calendar::after_office_time(Instant start, const ir::WorkDuration& amount) const {
  const std::int64_t minutes = std::int64_t{amount.days} * hours_.minutes_per_day() + std::int64_t{amount.hours} * 60;
  return add_office_minutes(start, minutes);
}

}  // namespace yishi
