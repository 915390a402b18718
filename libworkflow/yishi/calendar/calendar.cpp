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

Date Calendar::add_working_days(Date d, int n) const {
  YISHI_ASSERT(n >= 0, "a number of working days is not negative");
  while (n > 0) {
    d += days{1};
    if (is_working_day(d)) --n;
  }
  return d;
}

int Calendar::working_days_between(Date from, Date to) const {
  int n = 0;
  for (Date d = from + days{1}; d <= to; d += days{1}) n += is_working_day(d);
  return n;
}

Date Calendar::local_date(Instant t) const { return floor<days>(t + offset_); }
int Calendar::local_minute(Instant t) const {
  const auto local = t + offset_;
  return static_cast<int>(duration_cast<minutes>(local - floor<days>(local)).count());
}
Instant Calendar::at(Date d, int minute_of_day) const {
  return Instant{duration_cast<seconds>(d.time_since_epoch())} + minutes{minute_of_day} - offset_;
}

// Walks forward through office periods, consuming `minutes` of open office time.
Instant Calendar::add_office_minutes(Instant start, std::int64_t mins) const {
  Date d = local_date(start);
  // Minutes into the day, to the second (a start at 15:00:30 keeps its seconds).
  seconds into = (start + offset_) - floor<days>(start + offset_);
  const std::pair<int, int> periods[2] = {{hours_.morning_start, hours_.morning_end},
                                          {hours_.afternoon_start, hours_.afternoon_end}};
  seconds left = minutes{mins};
  for (int guard = 0; guard < 200'000; ++guard) {
    if (is_working_day(d)) {
      for (auto [open, close] : periods) {
        const seconds from = std::max(into, seconds{minutes{open}});
        const seconds until = minutes{close};
        if (from >= until) continue;
        if (left <= until - from) return Instant{duration_cast<seconds>(d.time_since_epoch())} + from + left - offset_;
        left -= until - from;
        into = until;
      }
    }
    d += days{1};
    into = seconds{0};
  }
  YISHI_ASSERT(false, "office time addition ran past any plausible range");
  return start;
}

std::int64_t Calendar::office_minutes_between(Instant from, Instant to) const {
  if (to <= from) return 0;
  std::int64_t total = 0;
  const std::pair<int, int> periods[2] = {{hours_.morning_start, hours_.morning_end},
                                          {hours_.afternoon_start, hours_.afternoon_end}};
  for (Date d = local_date(from); d <= local_date(to); d += days{1}) {
    if (!is_working_day(d)) continue;
    for (auto [open, close] : periods) {
      const Instant a = std::max(at(d, open), from), b = std::min(at(d, close), to);
      if (b > a) total += duration_cast<seconds>(b - a).count();
    }
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
  const Instant due = deadline(start, limit);
  fraction = std::clamp(fraction, 0.0, 1.0);
  const auto total = office_minutes_between(start, due);
  if (total == 0) return due;
  const auto part = static_cast<std::int64_t>(static_cast<double>(total) * fraction);
  return part >= total ? due : add_office_minutes(start, part);
}

}  // namespace yishi
