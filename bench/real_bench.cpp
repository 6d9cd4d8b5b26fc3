// `dwsim bench --mode real`: the figures of the real-infrastructure issue,
// measured on the PostgreSQL and Kafka broker of `./dwsim infra up`:
//   - create-order throughput with 1, 8 and 32 concurrent clients, dual-write
//     vs outbox (the same use cases the simulator runs);
//   - the relay's drain rate from an outbox backlog (batch 100 and 1,000);
//   - latency from create committed to event consumed by billing (p50, p99);
//   - wall time per command sequence, simulation vs real.
// Wall-clock timing lives here, never in the simulator.
#include "bench/real_bench.h"

#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "domain/use_cases.h"
#include "scenarios/command_ids.h"
#include "scenarios/conformance.h"
#include "scenarios/real_runner.h"

namespace dwsim::bench {
namespace {

using Clock = std::chrono::steady_clock;
using domain::Task;

double since_ms(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs `body` on the world's io_context until it returns.
void run_on(real::World& world, std::function<Task<void>()> body) {
  auto& io = world.io();
  auto guard = boost::asio::make_work_guard(io);
  auto main = [&]() -> Task<void> {
    co_await body();
    guard.reset();
  };
  io.restart();
  boost::asio::co_spawn(io, main(), boost::asio::detached);
  io.run();
}

Task<void> sleep_ms(real::World& world, int ms) {
  boost::asio::steady_timer t(world.io(), std::chrono::milliseconds(ms));
  co_await t.async_wait(boost::asio::use_awaitable);
}

domain::CreateOrderRequest sample_request() {
  domain::CreateOrderRequest r;
  r.customer_id = domain::Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
  r.items.push_back(domain::ItemRequest{domain::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 2,
                                        domain::Money::from_cents(14995)});
  return r;
}

struct Throughput {
  int created = 0, failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  double rate() const { return seconds > 0 ? created / seconds : 0; }
};

Throughput create_throughput(real::World& world, domain::Variant variant, int clients, double seconds,
                             std::uint64_t seed) {
  Throughput t;
  std::uint32_t next = 1;
  int running = clients;
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto client = [&]() -> Task<void> {
    while (Clock::now() < until) {
      const std::uint32_t n = next++;
      real::Step step(world, real::ProcessId::service, static_cast<int>(n), {});
      auto p = world.ports(step, domain::uses_write_behind(variant));
      scenarios::CommandIds ids(seed, n);
      domain::ServicePorts ports{*p.db, *p.publisher, world.clock(), ids, *p.crash, *p.log};
      const auto s = Clock::now();
      const domain::CreateOrderRequest request = sample_request();  // a named lvalue: see CLAUDE.md (g++ 12)
      auto r = co_await domain::create_order(variant, ports, request);
      if (r && !r->publish_failed) {
        ++t.created;
        t.latencies_ms.push_back(since_ms(s));
      } else {
        ++t.failed;
      }
    }
    --running;
  };
  run_on(world, [&]() -> Task<void> {
    for (int i = 0; i < clients; ++i) boost::asio::co_spawn(world.io(), client(), boost::asio::detached);
    while (running > 0) co_await sleep_ms(world, 5);
  });
  t.seconds = since_ms(t0) / 1000.0;
  return t;
}

struct Drain {
  std::int64_t backlog = 0, drained = 0;
  double seconds = 0;
  double rate() const { return seconds > 0 ? static_cast<double>(drained) / seconds : 0; }
};

Drain relay_drain(real::World& world, int rows, double limit_s, int batch) {
  Drain d;
  auto seeded = world.seed_outbox_backlog(rows);
  if (!seeded) return d;
  d.backlog = *seeded;
  const auto t0 = Clock::now();
  run_on(world, [&]() -> Task<void> {
    real::Step step(world, real::ProcessId::relay_a, 1, {});
    auto p = world.ports(step);
    domain::RelayPorts ports{*p.db, *p.publisher, *p.crash, *p.log};
    domain::RelayState state;
    while (since_ms(t0) < limit_s * 1000) {
      auto r = co_await domain::relay_once(domain::Variant::outbox, ports, state, batch);
      d.drained += r.processed;
      if (r.exhausted && !r.error) break;
    }
  });
  d.seconds = since_ms(t0) / 1000.0;
  return d;
}

struct Latency {
  int orders = 0, committed = 0, consumed = 0;
  std::string first_error;
  std::vector<double> ms;
};

// Outbox + inbox at the default relay settings: the relay polls every 10 ms
// when the outbox is empty, billing polls continuously.
Latency end_to_end(real::World& world, int orders, std::uint64_t seed) {
  Latency l;
  l.orders = orders;
  std::map<domain::Uuid, std::int64_t> committed_us;
  bool creating = true;
  run_on(world, [&]() -> Task<void> {
    auto relay = [&]() -> Task<void> {
      real::Step step(world, real::ProcessId::relay_a, 0, {});
      auto p = world.ports(step);
      domain::RelayPorts ports{*p.db, *p.publisher, *p.crash, *p.log};
      domain::RelayState state;
      int idle = 0;
      while (creating || idle < 20) {
        auto r = co_await domain::relay_once(domain::Variant::outbox, ports, state, 100);
        if (r.processed == 0) {
          ++idle;
          co_await sleep_ms(world, 10);
        } else {
          idle = 0;
        }
      }
    };
    auto billing = [&]() -> Task<void> {
      real::Step step(world, real::ProcessId::billing, 0, {});
      auto p = world.ports(step);
      domain::ConsumerPorts ports{*p.db, *p.source, *p.crash, *p.log};
      int idle = 0;
      while (creating || idle < 10) {
        auto r = co_await domain::billing_consume_once(domain::ConsumerKind::inbox, ports, 100);
        idle = r.processed == 0 ? idle + 1 : 0;
      }
    };
    boost::asio::co_spawn(world.io(), relay(), boost::asio::detached);
    boost::asio::co_spawn(world.io(), billing(), boost::asio::detached);
    for (int n = 1; n <= orders; ++n) {
      real::Step step(world, real::ProcessId::service, n, {});
      auto p = world.ports(step);
      scenarios::CommandIds ids(seed, static_cast<std::uint32_t>(n));
      domain::ServicePorts ports{*p.db, *p.publisher, world.clock(), ids, *p.crash, *p.log};
      const domain::CreateOrderRequest request = sample_request();  // a named lvalue: see CLAUDE.md (g++ 12)
      auto r = co_await domain::create_order(domain::Variant::outbox, ports, request);
      if (r) {
        committed_us[r->order_id] = wall_us();
      } else if (l.first_error.empty()) {
        l.first_error = r.error().message;
      }
      co_await sleep_ms(world, 10);
    }
    creating = false;
    co_await sleep_ms(world, 1500);
  });
  domain::Result<real::Observed> seen = domain::make_error(domain::Errc::internal, "");
  run_on(world, [&]() -> Task<void> { seen = co_await world.observe(); });
  l.committed = static_cast<int>(committed_us.size());
  if (!seen) return l;
  for (const auto& c : seen->charges) {
    auto it = committed_us.find(c.order_id);
    if (it == committed_us.end()) continue;
    ++l.consumed;
    l.ms.push_back(static_cast<double>(c.charged_us - it->second) / 1000.0);
  }
  return l;
}

}  // namespace

int run_real(std::ostream& out, bool json, bool quick, std::uint64_t seed, std::string* error) {
  real::WorldOptions options;
  options.pool_threads = 48;
  options.record_sightings = false;
  real::InfraError why{real::InfraError::other, ""};
  auto opened = real::World::open(real::Endpoints::from_env(), options, &why);
  if (!opened) {
    *error = opened.error().message;
    return 4;
  }
  real::World& world = **opened;
  const double seconds = quick ? 1.5 : 4.0;
  nlohmann::json j = {{"mode", "real"}, {"quick", quick}};
  bool met = true;
  char line[256];
  if (!json) {
    out << "dwsim bench --mode real  postgresql=" << world.endpoints().pg_url
        << "  kafka=" << world.endpoints().kafka_brokers << "\n\n"
        << "create-order throughput (" << seconds << " s per cell; dual-write waits for the broker's ack inside its\n"
        << "transaction, outbox inserts the outbox row in it):\n"
        << "  clients  dual-write orders/s (p99 ms)   outbox orders/s (p99 ms)   outbox/dual-write\n";
  }
  nlohmann::json rows = nlohmann::json::array();
  for (int clients : {1, 8, 32}) {
    std::map<domain::Variant, Throughput> t;
    for (domain::Variant v : {domain::Variant::dual_write, domain::Variant::outbox}) {
      auto begun = world.begin_run();
      if (!begun) {
        *error = begun.error().message;
        return 4;
      }
      t[v] = create_throughput(world, v, clients, seconds, seed * 1000 + static_cast<std::uint64_t>(clients));
    }
    const auto& dw = t[domain::Variant::dual_write];
    const auto& ob = t[domain::Variant::outbox];
    const double ratio = dw.rate() > 0 ? ob.rate() / dw.rate() : 0;
    met &= ratio >= 0.8;
    rows.push_back({{"clients", clients},
                    {"dual_write_per_s", dw.rate()},
                    {"dual_write_p99_ms", percentile(dw.latencies_ms, 0.99)},
                    {"outbox_per_s", ob.rate()},
                    {"outbox_p99_ms", percentile(ob.latencies_ms, 0.99)},
                    {"outbox_over_dual_write", ratio},
                    {"failed", dw.failed + ob.failed}});
    std::snprintf(line, sizeof line, "  %7d  %10.0f (%6.1f)             %10.0f (%6.1f)          %5.0f%%  (target >= 80%%)\n",
                  clients, dw.rate(), percentile(dw.latencies_ms, 0.99), ob.rate(),
                  percentile(ob.latencies_ms, 0.99), ratio * 100);
    if (!json) out << line;
  }
  j["create_throughput"] = rows;

  const int backlog = quick ? 10'000 : 100'000;
  nlohmann::json drains = nlohmann::json::array();
  if (!json) {
    out << "\nrelay drain (outbox relay: claim a batch with SKIP LOCKED, publish it pipelined, await every\n"
        << "delivery report, DELETE the delivered rows by primary key, COMMIT):\n";
  }
  double best = 0;
  for (int batch : {100, 1000}) {
    (void)world.begin_run();
    const Drain d = relay_drain(world, backlog, quick ? 10.0 : 30.0, batch);
    best = std::max(best, d.rate());
    drains.push_back({{"batch", batch}, {"backlog", d.backlog}, {"drained", d.drained}, {"seconds", d.seconds},
                      {"events_per_s", d.rate()}});
    if (!json) {
      std::snprintf(line, sizeof line, "  batch %4d: backlog %lld rows, %lld drained in %.2f s = %.0f events/s\n", batch,
                    static_cast<long long>(d.backlog), static_cast<long long>(d.drained), d.seconds, d.rate());
      out << line;
    }
  }
  met &= best >= 20'000;
  j["relay_drain"] = {{"runs", drains}, {"best_events_per_s", best}, {"target_per_s", 20'000}};
  if (!json) {
    std::snprintf(line, sizeof line, "  best %.0f events/s  (target >= 20,000)\n", best);
    out << line;
  }

  (void)world.begin_run();
  const Latency l = end_to_end(world, quick ? 100 : 300, seed + 200);
  const double p50 = percentile(l.ms, 0.5), p99 = percentile(l.ms, 0.99);
  met &= l.consumed == l.committed && p99 <= 50;
  j["latency_commit_to_consumed"] = {{"orders", l.orders}, {"committed", l.committed}, {"consumed", l.consumed},
                                     {"first_error", l.first_error}, {"p50_ms", p50},
                                     {"p99_ms", p99}, {"target_p99_ms", 50}};
  if (!json) {
    std::snprintf(line, sizeof line,
                  "\nlatency, create committed -> billing consumed (outbox + inbox; relay polls every 10 ms when idle):\n"
                  "  %d creates, %d committed, %d of those consumed: p50 %.1f ms, p99 %.1f ms  (target p99 <= 50 ms)\n",
                  l.orders, l.committed, l.consumed, p50, p99);
    out << line;
    if (!l.first_error.empty()) out << "  first failed create: " << l.first_error << "\n";
  }

  // The same sequences in simulation and on real infrastructure.
  const int sequences = quick ? 5 : 20;
  double sim_ms = 0, real_ms = 0;
  for (int n = 0; n < sequences; ++n) {
    scenarios::Case c;
    c.variant = domain::Variant::outbox;
    c.seed = seed + 1000 + static_cast<std::uint64_t>(n);
    c.commands = scenarios::conformance_sequence(c.seed, c.variant);
    scenarios::RunOptions so;
    so.per_command_ids = true;
    const auto t0 = Clock::now();
    (void)scenarios::run_in_simulation(c, so);
    sim_ms += since_ms(t0);
    auto r = scenarios::run_on_real(world, c, {});
    if (r) real_ms += r->wall_ms;
  }
  const double speedup = sim_ms > 0 ? real_ms / sim_ms : 0;
  met &= speedup >= 1000;
  j["sim_vs_real"] = {{"sequences", sequences}, {"sim_ms_per_sequence", sim_ms / sequences},
                      {"real_ms_per_sequence", real_ms / sequences}, {"speedup", speedup}, {"target", 1000}};
  if (!json) {
    std::snprintf(line, sizeof line,
                  "\nsame sequences, wall time per sequence: simulation %.3f ms, real %.0f ms -> simulation %.0fx faster"
                  "  (target >= 1000x)\n",
                  sim_ms / sequences, real_ms / sequences, speedup);
    out << line << "\n" << (met ? "every target met" : "TARGETS MISSED (see above)") << "\n";
  }
  j["targets_met"] = met;
  if (json) out << j.dump() << "\n";
  return met ? 0 : 1;
}

}  // namespace dwsim::bench
