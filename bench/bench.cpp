#include "bench/bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/pool.h"
#include "cli/proof.h"
#include "cli/report.h"
#include "scenarios/sim_runner.h"
#include "scenarios/workload.h"

namespace dwsim::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

template <typename T>
double median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? static_cast<double>(v[n / 2]) : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

struct Throughput {
  std::string variant;
  int commands = 0;
  std::size_t committed = 0;
  std::size_t charges = 0;
  double wall_s = 0;
  double sim_s = 0;
  bool invariants_ok = true;
  double orders_per_s() const { return static_cast<double>(committed) / wall_s; }
};

Throughput throughput(domain::Variant variant, int creates, std::uint64_t seed, int repeats) {
  const auto commands = scenarios::make_workload(seed, variant, scenarios::WorkloadOptions{creates, true});
  Throughput best;
  for (int i = 0; i < repeats; ++i) {
    const auto started = Clock::now();
    const auto r = scenarios::run_in_simulation(
        scenarios::Case{variant, domain::ConsumerKind::inbox, seed, commands});
    const double wall = seconds_since(started);
    Throughput t;
    t.variant = domain::variant_name(variant);
    t.commands = static_cast<int>(commands.size());
    t.committed = r.state.committed_orders.size();
    t.charges = r.state.charges.size();
    t.wall_s = wall;
    t.sim_s = static_cast<double>(r.sim_time_us) / 1e6;
    for (const auto& v : r.verdicts) {
      if (v.invariant != scenarios::Invariant::duplicate_event && !v.holds) t.invariants_ok = false;
    }
    if (i == 0 || t.wall_s < best.wall_s) best = t;
  }
  return best;
}

}  // namespace

bool run(std::ostream& out, bool as_json, bool quick, std::uint64_t seed) {
  bool ok = true;
  json report;
  char line[256];

  // 1. Simulated throughput on one core: outbox + inbox, the full path
  //    create -> relay -> billing, swarm faults on.
  const int creates = quick ? 20'000 : 200'000;
  const auto outbox = throughput(domain::Variant::outbox, creates, seed, quick ? 1 : 3);
  const auto dual = throughput(domain::Variant::dual_write, creates, seed, 1);
  const bool throughput_ok = outbox.orders_per_s() >= 100'000 && outbox.invariants_ok;
  ok &= throughput_ok;
  report["throughput"] = json::array();
  for (const auto* t : {&outbox, &dual}) {
    report["throughput"].push_back({{"variant", t->variant},
                                    {"consumer", "inbox"},
                                    {"commands", t->commands},
                                    {"committed_orders", t->committed},
                                    {"charges", t->charges},
                                    {"wall_s", t->wall_s},
                                    {"orders_per_s", t->orders_per_s()},
                                    {"sim_s", t->sim_s},
                                    {"sim_to_wall", t->sim_s / t->wall_s}});
  }
  report["throughput_target"] = {{"orders_per_s_min", 100'000}, {"met", throughput_ok}};
  if (!as_json) {
    out << "1. Simulated throughput, one core, swarm faults on (best of " << (quick ? 1 : 3) << " runs)\n";
    for (const auto* t : {&outbox, &dual}) {
      std::snprintf(line, sizeof line,
                    "   %-12s/inbox  %7d commands  %7zu committed  %9.0f orders/s  sim %7.1f s in %5.2f s wall "
                    "(%.0fx)\n",
                    t->variant.c_str(), t->commands, t->committed, t->orders_per_s(), t->sim_s, t->wall_s,
                    t->sim_s / t->wall_s);
      out << line;
    }
    out << "   target >= 100,000 orders/s (outbox/inbox): " << (throughput_ok ? "met" : "MISSED") << "\n\n";
  }

  // 2. Cases and time to first failure, median over 21 seeds, every cell
  //    expected to be violated (no shrinking: this is the search alone).
  const int seeds = quick ? 5 : 21;
  report["first_failure"] = json::array();
  if (!as_json) {
    out << "2. First failure per violated cell, median over " << seeds << " seeds (one core)\n";
    std::snprintf(line, sizeof line, "   %-22s %-6s %-22s %12s %12s %9s\n", "variant", "cons.", "invariant",
                  "cases (med)", "ms (med)", "worst");
    out << line;
  }
  bool first_ok = true;
  for (const auto& cell : proof::cells()) {
    if (cell.expectation.verdict != scenarios::Verdict::violated) continue;
    std::vector<int> cases;
    std::vector<double> ms;
    int misses = 0;
    for (int s = 0; s < seeds; ++s) {
      proof::ProveOptions o;
      o.seed = seed * 1000 + static_cast<std::uint64_t>(s);
      o.cases = 10'000;
      o.shrink = false;
      const auto r = proof::prove_cell(cell, o);
      if (!r.cases_to_first_failure) {
        ++misses;
        cases.push_back(o.cases);
        ms.push_back(1e9);
        continue;
      }
      cases.push_back(*r.cases_to_first_failure);
      ms.push_back(*r.ms_to_first_failure);
    }
    const double mc = median(cases), mm = median(ms);
    const bool cell_ok = mc <= 100 && mm <= 1000 && misses == 0;
    first_ok &= cell_ok;
    report["first_failure"].push_back({{"variant", domain::variant_name(cell.variant)},
                                       {"consumer", domain::consumer_name(cell.consumer)},
                                       {"invariant", scenarios::invariant_name(cell.invariant)},
                                       {"seeds", seeds},
                                       {"median_cases", mc},
                                       {"median_ms", mm},
                                       {"max_cases", *std::max_element(cases.begin(), cases.end())},
                                       {"not_found", misses},
                                       {"met", cell_ok}});
    if (!as_json) {
      std::snprintf(line, sizeof line, "   %-22s %-6s %-22s %12.1f %12.2f %9d%s\n", domain::variant_name(cell.variant),
                    domain::consumer_name(cell.consumer), scenarios::invariant_name(cell.invariant), mc, mm,
                    *std::max_element(cases.begin(), cases.end()), cell_ok ? "" : "  MISSED");
      out << line;
    }
  }
  ok &= first_ok;
  report["first_failure_target"] = {{"median_cases_max", 100}, {"median_ms_max", 1000}, {"met", first_ok}};
  if (!as_json) out << "   targets: median cases <= 100 and median time <= 1 s: " << (first_ok ? "met" : "MISSED") << "\n\n";

  // 3. `prove` at its default case count, on every core.
  if (!quick) {
    proof::ProveOptions o;
    const int jobs = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
    const auto started = Clock::now();
    const auto results = cli::run_cells(proof::cells(), o, jobs, {});
    const double s = seconds_since(started);
    long long total_cases = 0;
    for (const auto& r : results) total_cases += r.cases_run;
    const bool prove_ok = s <= 60 && cli::all_as_expected(results);
    ok &= prove_ok;
    report["prove"] = {{"cells", results.size()},     {"cases_per_cell", o.cases}, {"total_cases", total_cases},
                       {"jobs", jobs},                {"seconds", s},              {"as_expected", cli::all_as_expected(results)},
                       {"target_seconds_max", 60},    {"met", prove_ok}};
    if (!as_json) {
      std::snprintf(line, sizeof line,
                    "3. prove at defaults: %zu cells, %d cases per holding cell, %lld cases in all, %d jobs: %.1f s "
                    "(target <= 60 s: %s)\n",
                    results.size(), o.cases, total_cases, jobs, s, prove_ok ? "met" : "MISSED");
      out << line;
    }
  }
  report["all_targets_met"] = ok;
  if (as_json) out << report.dump() << "\n";
  return ok;
}

}  // namespace dwsim::bench
