// The system clock.
#include "yishi/runtime/clock.hpp"

namespace yishi {

Instant SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace yishi
