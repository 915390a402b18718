// YISHI_ASSERT: checks an internal invariant; a failure is a bug in yishi, never a user error.
#pragma once

namespace yishi::detail {
[[noreturn]] void assertion_failed(const char* expr, const char* file, int line, const char* msg);
}  // namespace yishi::detail

/// Aborts with a message when an internal invariant does not hold (active in all builds).
#define YISHI_ASSERT(cond, msg)                                                  \
  do {                                                                           \
    if (!(cond)) ::yishi::detail::assertion_failed(#cond, __FILE__, __LINE__, msg); \
  } while (false)
