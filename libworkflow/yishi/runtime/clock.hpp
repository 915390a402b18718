// Clocks: the engine takes the time from one, so that tests and simulation run on virtual time.
#pragma once

#include "yishi/calendar/calendar.hpp"

namespace yishi {

/// A source of the current instant. Implementations must be safe to call from the thread that
/// drives the engine.
class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Instant now() const = 0;
  /// Moves a virtual clock forward to `t` (never backward); a real clock ignores it.
  virtual void advance_to(Instant t) { (void)t; }
};

/// The system's wall clock.
class SystemClock final : public Clock {
 public:
  [[nodiscard]] Instant now() const override;
};

/// A virtual clock that moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start = {}) : now_(start) {}
  [[nodiscard]] Instant now() const override { return now_; }
  void advance_to(Instant t) override { if (t > now_) now_ = t; }
  /// Sets the time, also backward (for tests that need it).
  void set(Instant t) { now_ = t; }

 private:
  Instant now_;
};

}  // namespace yishi
