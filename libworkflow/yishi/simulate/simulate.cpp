// Runs a scenario: builds the model, runs each partition on a thread of a small pool, and
// merges their results in partition order (so the numbers do not depend on the threads).
#include "yishi/simulate/simulate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>

#include "yishi/simulate/internal/partition.hpp"

namespace yishi::simulate {
namespace {

/// Quantile of sorted values, linear between order statistics (numpy's default).
double quantile_sorted(const std::vector<float>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double pos = std::clamp(q, 0.0, 1.0) * double(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return double(v[lo]) + (pos - double(lo)) * (double(v[hi]) - double(v[lo]));
}

std::vector<float> issued_leads(const Results& r, std::optional<std::size_t> bundle) {
  std::vector<float> out;
  for (std::size_t k = 0; k < r.cases.size(); ++k)
    if (r.cases.outcome[k] == static_cast<std::uint8_t>(Outcome::issued) && (!bundle || r.cases.bundle[k] == *bundle))
      out.push_back(r.cases.lead_days[k]);
  std::sort(out.begin(), out.end());
  return out;
}

void append(CaseColumns& to, CaseColumns&& from) {
  auto cat = [](auto& a, auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  cat(to.bundle, from.bundle);
  cat(to.partition, from.partition);
  cat(to.arrival, from.arrival);
  cat(to.lead_days, from.lead_days);
  cat(to.trips, from.trips);
  cat(to.outcome, from.outcome);
}

}  // namespace

double lead_quantile(const Results& r, double q, std::optional<std::size_t> bundle) {
  return quantile_sorted(issued_leads(r, bundle), q);
}

Results run(const Scenario& scenario, const Calendar& calendar) {
  const auto started = std::chrono::steady_clock::now();
  const internal::Model model = internal::build_model(scenario);
  const int parts = scenario.partitions;
  std::vector<internal::PartitionResult> results(static_cast<std::size_t>(parts));
  int threads = scenario.threads == 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                                      : scenario.threads;
  threads = std::clamp(threads, 1, parts);
  std::atomic<int> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  auto work = [&](int w) {
    try {
      for (int p; (p = next.fetch_add(1)) < parts;)
        results[static_cast<std::size_t>(p)] = internal::run_partition(scenario, model, calendar, p);
    } catch (...) {
      errors[static_cast<std::size_t>(w)] = std::current_exception();
      next.store(parts);
    }
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    for (int w = 0; w < threads; ++w) pool.emplace_back(work, w);
    for (auto& t : pool) t.join();
  }
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  Results r;
  r.mode = scenario.mode;
  r.seed = scenario.seed;
  r.items = model.items;
  for (auto& p : results) {
    append(r.cases, std::move(p.cases));
    for (std::size_t k = 0; k < r.items.size(); ++k) {
      r.items[k].started += p.items[k].started;
      r.items[k].decided += p.items[k].decided;
      r.items[k].breached += p.items[k].breached;
    }
    r.days = std::max(r.days, p.days);
    r.commands += p.commands;
    r.engine_refusals += p.refusals;
    r.opening_failures += p.opening_failures;
    for (auto& m : p.refusal_messages)
      if (r.refusals.size() < 5) r.refusals.push_back(m);
    for (auto& m : p.opening_reasons)
      if (r.opening_reasons.size() < 5 && std::find(r.opening_reasons.begin(), r.opening_reasons.end(), m) == r.opening_reasons.end())
        r.opening_reasons.push_back(m);
  }

  // Departments: utilisation and queue, summed over the partitions day by day.
  const double day = double(calendar.hours().minutes_per_day()) * 60.0;
  const int steady = scenario.working_days > 0 ? std::min(scenario.working_days, r.days) : r.days;
  for (std::size_t d = 0; d < model.departments.size(); ++d) {
    DepartmentSeries s;
    s.id = model.departments[d];
    s.staff = model.staff[d] * parts;
    s.utilisation.assign(static_cast<std::size_t>(r.days), 0.0f);
    s.queue.assign(static_cast<std::size_t>(r.days), 0.0f);
    std::vector<double> busy(static_cast<std::size_t>(r.days), 0.0), queue(busy);
    for (const auto& p : results) {
      for (std::size_t k = 0; k < p.busy[d].size(); ++k) busy[k] += p.busy[d][k];
      for (std::size_t k = 0; k < p.queue[d].size(); ++k) queue[k] += p.queue[d][k];
      s.tasks += p.tasks[d];
    }
    double sum = 0;
    for (std::size_t k = 0; k < busy.size(); ++k) {
      s.utilisation[k] = static_cast<float>(busy[k] / (double(s.staff) * day));
      s.queue[k] = static_cast<float>(queue[k] / day);
      if (static_cast<int>(k) < steady) sum += s.utilisation[k];
    }
    s.utilisation_mean = steady > 0 ? sum / steady : 0.0;
    r.departments.push_back(std::move(s));
  }

  // Bundles, in one pass over the cases.
  std::vector<BundleSummary> sums(scenario.bundles.size());
  std::vector<std::vector<float>> leads(scenario.bundles.size());
  std::vector<double> trips(scenario.bundles.size(), 0.0);
  for (std::size_t k = 0; k < r.cases.size(); ++k) {
    const std::size_t b = r.cases.bundle[k];
    BundleSummary& s = sums[b];
    ++s.arrivals;
    switch (static_cast<Outcome>(r.cases.outcome[k])) {
      case Outcome::issued:
        ++s.issued;
        trips[b] += r.cases.trips[k];
        leads[b].push_back(r.cases.lead_days[k]);
        break;
      case Outcome::rejected: ++s.rejected; break;
      case Outcome::not_opened: ++s.not_opened; break;
      case Outcome::unfinished: ++s.unfinished; break;
    }
  }
  for (std::size_t b = 0; b < sums.size(); ++b) {
    BundleSummary& s = sums[b];
    s.id = scenario.bundles[b].bundle.bundle().id;
    std::vector<float>& v = leads[b];
    if (s.issued) {
      double total = 0;
      for (float x : v) total += x;
      s.lead_mean = total / double(s.issued);
      s.trips_mean = trips[b] / double(s.issued);
    }
    std::sort(v.begin(), v.end());
    s.lead_p50 = quantile_sorted(v, 0.50);
    s.lead_p95 = quantile_sorted(v, 0.95);
    s.lead_p99 = quantile_sorted(v, 0.99);
  }
  r.bundles = std::move(sums);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

}  // namespace yishi::simulate
