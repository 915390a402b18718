// Duration distributions of the simulation: parameters, checks, means and draws.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "yishi/simulate/internal/random.hpp"
#include "yishi/simulate/simulate.hpp"

namespace yishi::simulate {

std::string_view to_string(Distribution::Kind k) {
  switch (k) {
    case Distribution::Kind::fixed: return "fixed";
    case Distribution::Kind::exponential: return "exponential";
    case Distribution::Kind::lognormal: return "lognormal";
    case Distribution::Kind::triangular: return "triangular";
    case Distribution::Kind::empirical: return "empirical";
  }
  return "?";
}

std::string Distribution::invalid() const {
  const std::size_t want[] = {1, 1, 2, 3, 0};
  const std::size_t need = want[static_cast<int>(kind)];
  if (need && params.size() != need)
    return fmt::format("a {} distribution takes {} parameter{}, not {}", to_string(kind), need, need == 1 ? "" : "s",
                       params.size());
  if (kind == Kind::empirical && params.empty()) return "an empirical distribution needs at least one value";
  for (double p : params)
    if (!std::isfinite(p) || p < 0) return fmt::format("a {} distribution takes durations ≥ 0, not {}", to_string(kind), p);
  switch (kind) {
    case Kind::exponential:
      if (params[0] <= 0) return "an exponential distribution needs a mean > 0";
      break;
    case Kind::lognormal:
      if (params[0] <= 0) return "a lognormal distribution needs a mean > 0";
      break;
    case Kind::triangular:
      if (!(params[0] <= params[1] && params[1] <= params[2]))
        return "a triangular distribution needs min ≤ mode ≤ max";
      break;
    default: break;
  }
  return {};
}

double Distribution::mean() const {
  switch (kind) {
    case Kind::fixed:
    case Kind::exponential:
    case Kind::lognormal: return params.empty() ? 0.0 : params[0];
    case Kind::triangular: return params.size() == 3 ? (params[0] + params[1] + params[2]) / 3.0 : 0.0;
    case Kind::empirical:
      return params.empty() ? 0.0 : std::accumulate(params.begin(), params.end(), 0.0) / double(params.size());
  }
  return 0.0;
}

namespace internal {

double sample(const Distribution& d, Rng& rng) {
  const auto& p = d.params;
  switch (d.kind) {
    case Distribution::Kind::fixed: return p[0];
    case Distribution::Kind::exponential: return -p[0] * std::log(1.0 - rng.uniform());
    case Distribution::Kind::lognormal: {
      // Parameters of the underlying normal from the mean and sd of the duration.
      const double m = p[0], s = p[1];
      const double sigma2 = std::log1p((s * s) / (m * m));
      const double mu = std::log(m) - sigma2 / 2.0;
      return std::exp(mu + std::sqrt(sigma2) * rng.normal());
    }
    case Distribution::Kind::triangular: {
      const double a = p[0], c = p[1], b = p[2];
      if (b <= a) return a;
      const double u = rng.uniform(), f = (c - a) / (b - a);
      return u < f ? a + std::sqrt(u * (b - a) * (c - a)) : b - std::sqrt((1.0 - u) * (b - a) * (b - c));
    }
    case Distribution::Kind::empirical:
      return p[std::min(p.size() - 1, static_cast<std::size_t>(rng.uniform() * double(p.size())))];
  }
  return 0.0;
}

}  // namespace internal
}  // namespace yishi::simulate
