// Reports a broken internal invariant and aborts.
#include "yishi/base/assert.hpp"

#include <cstdio>
#include <cstdlib>

namespace yishi::detail {
void assertion_failed(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "yishi: internal error: %s (%s) at %s:%d\n", msg, expr, file, line);
  std::abort();
}
}  // namespace yishi::detail
