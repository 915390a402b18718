// The simulation's time axis: office seconds since the first working day of the run, nights,
// weekends and holidays collapsed away. Staff work and applicants act on this axis; the
// engine is given real instants (`instant`), and its timers come back through `at`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "yishi/calendar/calendar.hpp"

namespace yishi::simulate::internal {

class OfficeTime {
 public:
  OfficeTime(const Calendar& calendar, Date start) : cal_(calendar), first_(start) {
    const OfficeHours& h = cal_.hours();
    morning_ = std::int64_t{h.morning_end - h.morning_start} * 60;
    day_ = std::int64_t{h.minutes_per_day()} * 60;
    while (!cal_.is_working_day(first_)) first_ += std::chrono::days{1};
    extend(64);
  }

  /// Office seconds in one working day.
  [[nodiscard]] std::int64_t day() const noexcept { return day_; }
  [[nodiscard]] Date first_day() const noexcept { return first_; }

  /// The real instant of office time `t`.
  [[nodiscard]] Instant instant(std::int64_t t) {
    const std::int64_t k = t / day_, r = t % day_;
    extend(static_cast<std::size_t>(k) + 1);
    const OfficeHours& h = cal_.hours();
    const Date d = days_[static_cast<std::size_t>(k)];
    return r < morning_ ? cal_.at(d, h.morning_start) + std::chrono::seconds{r}
                        : cal_.at(d, h.afternoon_start) + std::chrono::seconds{r - morning_};
  }

  /// The office time of a real instant: the instant itself when the office is open, else the
  /// next opening (a timer due at night acts at the next opening, still after anything due
  /// earlier).
  [[nodiscard]] std::int64_t at(Instant x) {
    const Date d = cal_.local_date(x);
    if (d < first_) return 0;
    const auto offset = static_cast<std::size_t>((d - first_).count());
    while (index_.size() <= offset) extend(days_.size() * 2);
    const std::int64_t k = index_[offset];
    if (days_[static_cast<std::size_t>(k)] != d) return k * day_;  // a day off: next opening
    const OfficeHours& h = cal_.hours();
    const std::int64_t into = (x - cal_.at(d, 0)).count();
    const std::int64_t ms = std::int64_t{h.morning_start} * 60, me = std::int64_t{h.morning_end} * 60;
    const std::int64_t as = std::int64_t{h.afternoon_start} * 60, ae = std::int64_t{h.afternoon_end} * 60;
    if (into <= ms) return k * day_;
    if (into <= me) return k * day_ + (into - ms);
    if (into <= as) return k * day_ + morning_;
    if (into <= ae) return k * day_ + morning_ + (into - as);
    return (k + 1) * day_;
  }

 private:
  /// Makes sure the first `n` working days are known.
  void extend(std::size_t n) {
    Date d = days_.empty() ? first_ : days_.back() + std::chrono::days{1};
    while (days_.size() < n) {
      if (cal_.is_working_day(d)) days_.push_back(d);
      d += std::chrono::days{1};
    }
    // index_[c]: the working day on or after calendar day first_ + c.
    Date c = first_ + std::chrono::days{static_cast<int>(index_.size())};
    std::size_t k = 0;
    if (!index_.empty()) k = static_cast<std::size_t>(index_.back());
    while (c <= days_.back()) {
      while (days_[k] < c) ++k;
      index_.push_back(static_cast<std::int32_t>(k));
      c += std::chrono::days{1};
    }
  }

  const Calendar& cal_;
  Date first_;
  std::int64_t morning_ = 0, day_ = 1;
  std::vector<Date> days_;
  std::vector<std::int32_t> index_;
};

}  // namespace yishi::simulate::internal
