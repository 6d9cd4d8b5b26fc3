#include "cli/real_cli.h"

#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/proof.h"
#include "domain/use_cases.h"
#include "scenarios/command_ids.h"
#include "scenarios/conformance.h"
#include "scenarios/named.h"
#include "scenarios/real_runner.h"

namespace dwsim::cli {
namespace {

using nlohmann::json;
constexpr int kExitOk = 0, kExitViolated = 1;

scenarios::RealRunOptions real_options(const Args& a) {
  scenarios::RealRunOptions o;
  o.tick = std::chrono::milliseconds(a.positive_int("tick-ms", static_cast<int>(o.tick.count()), 10'000));
  return o;
}

scenarios::RealRunResult run_real_or_throw(real::World& world, const scenarios::Case& c,
                                           const scenarios::RealRunOptions& o) {
  auto r = scenarios::run_on_real(world, c, o);
  if (!r) throw InfraUnavailable("real run failed: " + r.error().message);
  return std::move(*r);
}

json verdicts_json(const std::vector<scenarios::InvariantResult>& verdicts) {
  json out = json::array();
  for (const auto& v : verdicts) {
    out.push_back({{"invariant", scenarios::invariant_name(v.invariant)},
                   {"observed", v.holds ? "holds" : "violated"},
                   {"explanation", v.explanation}});
  }
  return out;
}

void print_verdicts(const std::vector<scenarios::InvariantResult>& verdicts) {
  for (const auto& v : verdicts) {
    char line[64];
    std::snprintf(line, sizeof line, "  %-22s %-9s ", scenarios::invariant_name(v.invariant),
                  v.holds ? "holds" : "VIOLATED");
    std::cout << line << v.explanation << "\n";
  }
}

bool all_hold(const std::vector<scenarios::InvariantResult>& verdicts) {
  for (const auto& v : verdicts) {
    if (!v.holds) return false;
  }
  return true;
}

json report_json(const scenarios::ScenarioReport& r) {
  return {{"scenario", r.scenario},
          {"mode", r.mode},
          {"variant", r.variant},
          {"consumer", r.consumer},
          {"orderId", r.order_id.str()},
          {"existsInDb", r.exists_in_db},
          {"eventInKafka", r.events_in_kafka > 0},
          {"eventsInKafka", r.events_in_kafka},
          {"dbRolledBack", r.db_rolled_back},
          {"clientSaw", r.client_saw},
          {"charges", r.charges},
          {"violations", r.violations},
          {"explanation", r.explanation}};
}


}  // namespace

std::unique_ptr<real::World> open_world(real::WorldOptions options) {
  real::InfraError why{real::InfraError::other, ""};
  auto world = real::World::open(real::Endpoints::from_env(), options, &why);
  if (!world && why.kind == real::InfraError::migration) throw SchemaMismatch(world.error().message);
  if (!world) throw InfraUnavailable(world.error().message);
  return std::move(*world);
}

int wrap(const std::function<int()>& body) {
  try {
    return body();
  } catch (const InfraUnavailable& e) {
    std::cerr << "dwsim: " << e.what() << "\n";
    return kExitInfra;
  } catch (const SchemaMismatch& e) {
    std::cerr << "dwsim: " << e.what() << "\n";
    return kExitSchema;
  }
}

int replay_real(const scenarios::Case& c, bool json_out, const std::string& source, int tick_ms) {
  return wrap([&] {
    auto world = open_world();
    scenarios::RealRunOptions options;
    options.tick = std::chrono::milliseconds(tick_ms);
    const auto r = run_real_or_throw(*world, c, options);
    if (json_out) {
      std::cout << json{{"mode", "real"},
                        {"variant", domain::variant_name(c.variant)},
                        {"consumer", domain::consumer_name(c.consumer)},
                        {"seed", c.seed},
                        {"commands", scenarios::encode(c.commands)},
                        {"verdicts", verdicts_json(r.verdicts)},
                        {"wall_ms", r.wall_ms}}
                       .dump()
                << "\n";
    } else {
      std::cout << "dwsim replay --mode real  variant=" << domain::variant_name(c.variant)
                << "  consumer=" << domain::consumer_name(c.consumer) << "  seed=" << c.seed
                << (source.empty() ? "" : "  from=" + source) << "\n"
                << "postgresql: " << world->endpoints().pg_url << "  kafka: " << world->endpoints().kafka_brokers
                << "\ncommands (" << c.commands.size() << "): " << scenarios::encode(c.commands) << "\n\n";
      for (const auto& line : r.timeline) std::cout << line << "\n";
      std::cout << "\nverdicts (real PostgreSQL and Kafka, read back after the run):\n";
      print_verdicts(r.verdicts);
      std::printf("wall time: %.0f ms\n", r.wall_ms);
    }
    return all_hold(r.verdicts) ? kExitOk : kExitViolated;
  });
}

int scenario_command(const std::vector<std::string>& argv) {
  Args a(argv, {"mode", "variant", "consumer", "seed", "tick-ms"}, {"json"});
  if (a.positional().size() != 1) {
    throw UsageError("scenario needs one name: " + scenarios::scenario_names());
  }
  const auto* s = scenarios::find_scenario(a.positional()[0]);
  if (!s) {
    throw UsageError("unknown scenario '" + a.positional()[0] + "' (" + scenarios::scenario_names() + ")");
  }
  const std::string mode = a.value("mode").value_or("sim");
  if (mode != "sim" && mode != "real") throw UsageError("--mode is sim or real, not '" + mode + "'");
  scenarios::Case c;
  c.variant = s->default_variant;
  if (auto v = a.value("variant")) {
    auto parsed = domain::parse_variant(*v);
    if (!parsed) throw UsageError("unknown variant '" + *v + "'");
    c.variant = *parsed;
  }
  if (auto v = a.value("consumer")) {
    auto parsed = domain::parse_consumer(*v);
    if (!parsed) throw UsageError("unknown consumer '" + *v + "' (inbox, naive)");
    c.consumer = *parsed;
  }
  c.seed = a.u64("seed", proof::ProveOptions{}.seed);
  c.commands = *scenarios::decode(s->commands);
  const auto run_options = real_options(a);
  return wrap([&] {
    scenarios::FinalState state;
    std::vector<scenarios::InvariantResult> verdicts;
    std::vector<std::string> timeline;
    if (mode == "sim") {
      scenarios::RunOptions o;
      o.per_command_ids = true;
      o.keep_trace = !a.has("json");
      auto r = scenarios::run_in_simulation(c, o);
      state = std::move(r.state);
      verdicts = std::move(r.verdicts);
      if (!r.timeline.empty()) timeline.push_back(r.timeline);
    } else {
      auto world = open_world();
      auto r = run_real_or_throw(*world, c, run_options);
      state = std::move(r.state);
      verdicts = std::move(r.verdicts);
      timeline = std::move(r.timeline);
    }
    const auto report = scenarios::make_report(*s, mode, c.variant, c.consumer, c.seed, state, verdicts);
    if (a.has("json")) {
      std::cout << report_json(report).dump() << "\n";
    } else {
      std::cout << s->name << ": " << s->what << "\ncommands: " << s->commands << "\n\n";
      for (const auto& line : timeline) std::cout << line << (line.back() == '\n' ? "" : "\n");
      std::cout << "\n" << scenarios::render_report(report);
    }
    return report.violations.empty() ? kExitOk : kExitViolated;
  });
}

namespace {

// Runs a coroutine to completion on the world's io_context.
template <typename T>
T block_on(real::World& world, domain::Task<T> task) {
  auto& io = world.io();
  auto guard = boost::asio::make_work_guard(io);
  std::optional<T> out;
  auto main = [&]() -> domain::Task<void> {
    out.emplace(co_await std::move(task));
    guard.reset();
  };
  io.restart();
  boost::asio::co_spawn(io, main(), boost::asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace

int smoke_command(const std::vector<std::string>& argv) {
  Args a(argv, {"variant", "url"}, {"json", "http"});
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  domain::Variant variant = domain::Variant::dual_write;  // the seed's service
  if (auto v = a.value("variant")) {
    auto parsed = domain::parse_variant(*v);
    if (!parsed) throw UsageError("unknown variant '" + *v + "'");
    variant = *parsed;
  }
  if (a.has("url") && !a.has("http")) throw UsageError("--url goes with --http");
  if (a.has("http")) return smoke_http(variant, a.value("url"), a.has("json"));
  return wrap([&] {
    auto world = open_world();
    std::vector<std::pair<std::string, bool>> steps;
    auto step = [&](std::string what, bool ok) {
      steps.emplace_back(std::move(what), ok);
      return ok;
    };
    const auto seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    auto begun = world->begin_run();
    if (!begun) throw InfraUnavailable(begun.error().message);
    step("PostgreSQL " + world->endpoints().pg_url + " and broker " + world->endpoints().kafka_brokers +
             " healthy; topics order.created and order.cancelled exist",
         true);
    bool pass = block_on(*world, [&]() -> domain::Task<bool> {
      real::Step s(*world, real::ProcessId::service, 1, {});
      auto sp = world->ports(s, domain::uses_write_behind(variant));
      scenarios::CommandIds ids(seed, 1);
      domain::ServicePorts ports{*sp.db, *sp.publisher, world->clock(), ids, *sp.crash, *sp.log};
      domain::CreateOrderRequest request;
      request.customer_id = domain::Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
      request.items.push_back(domain::ItemRequest{domain::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 2,
                                                  domain::Money::from_cents(14995)});
      auto created = co_await domain::create_order(variant, ports, request);
      if (!step(created ? "create order: 201 orderId=" + created->order_id.str()
                        : "create order failed: " + created.error().message,
                created.has_value() && !created->publish_failed)) {
        co_return false;
      }
      const domain::Uuid order_id = created->order_id;
      if (domain::uses_outbox(variant)) {
        real::Step rs(*world, real::ProcessId::relay_a, 2, {});
        auto rp = world->ports(rs);
        domain::RelayPorts relay{*rp.db, *rp.publisher, *rp.crash, *rp.log};
        domain::RelayState state;
        auto r = co_await domain::relay_once(variant, relay, state, 100);
        if (!step("relay published " + std::to_string(r.processed) + " outbox row(s)", r.processed == 1)) {
          co_return false;
        }
      }
      auto seen = co_await world->observe();
      int matches = 0;
      if (seen) {
        for (const auto& e : seen->events) matches += e.order_id == order_id ? 1 : 0;
      }
      if (!step("consume order.created: " + std::to_string(matches) + " event(s) with orderId " + order_id.str(),
                matches == 1)) {
        co_return false;
      }
      // A poison message first: the consumer must log it, skip it and go on.
      // Named lvalues: g++ 12 may destroy a temporary of a co_await expression twice.
      const std::string poison_key = order_id.str();
      const std::string poison = "{\"orderId\": not json";
      const bool poisoned = co_await world->publish_raw_cancel(poison_key, poison);
      if (!step("publish a malformed order.cancelled (poison message)", poisoned)) co_return false;
      domain::OrderCancelledEvent cancel{ids.next(), order_id, "smoke-test", world->clock().now()};
      const bool sent = co_await world->publish_cancel(cancel);
      if (!step("publish order.cancelled {orderId, reason: \"smoke-test\"}", sent)) co_return false;
      real::Step cs(*world, real::ProcessId::canceller, 3, {});
      auto cp = world->ports(cs);
      domain::ServicePorts cancel_ports{*cp.db, *cp.publisher, world->clock(), ids, *cp.crash, *cp.log};
      int handled = 0;
      for (int round = 0; round < 50 && handled < 2; ++round) {
        auto r = co_await domain::cancel_consume_once(cancel_ports, *cp.source, 100);
        handled += r.processed;
      }
      int poison_logged = 0;
      for (const auto& w : world->take_warnings()) poison_logged += w.find("poison message skipped") != std::string::npos;
      step("order.cancelled consumer (group order-service) handled " + std::to_string(handled) +
               " record(s); poison messages logged and skipped: " + std::to_string(poison_logged),
           handled == 2 && poison_logged == 1);
      real::Step gs(*world, real::ProcessId::service, 4, {});
      auto gdb = world->database(gs, false);
      auto got = co_await domain::get_order(*gdb, order_id);
      const bool cancelled = got && got->has_value() && (*got)->status() == domain::OrderStatus::cancelled;
      step(std::string("GET order: status ") +
               (got && got->has_value() ? domain::status_name((*got)->status()) : "not found"),
           cancelled);
      co_return cancelled;
    }());
    if (a.has("json")) {
      json evidence = json::array();
      for (const auto& [what, ok] : steps) evidence.push_back({{"step", what}, {"ok", ok}});
      std::cout << json{{"result", pass ? "PASS" : "FAIL"}, {"variant", domain::variant_name(variant)},
                        {"steps", evidence}}
                       .dump()
                << "\n";
    } else {
      std::cout << "dwsim smoke  variant=" << domain::variant_name(variant) << "\n";
      int n = 1;
      for (const auto& [what, ok] : steps) std::cout << "  " << n++ << ". [" << (ok ? " ok " : "FAIL") << "] " << what << "\n";
      if (!pass) {
        std::cout << "timeline:\n";
        for (const auto& line : world->timeline()) std::cout << "  " << line << "\n";
      }
      std::cout << (pass ? "PASS" : "FAIL") << "\n";
    }
    return pass ? kExitOk : kExitViolated;
  });
}

int conformance_command(const std::vector<std::string>& argv) {
  Args a(argv, {"variant", "sequences", "seed", "tick-ms"}, {"json"});
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  std::vector<domain::Variant> variants = {domain::Variant::dual_write, domain::Variant::publish_after_commit,
                                           domain::Variant::outbox_cursor, domain::Variant::outbox};
  if (auto v = a.value("variant")) {
    auto parsed = domain::parse_variant(*v);
    if (!parsed) throw UsageError("unknown variant '" + *v + "'");
    variants = {*parsed};
  }
  const int sequences = a.positive_int("sequences", 50, 100'000);
  const std::uint64_t seed = a.u64("seed", proof::ProveOptions{}.seed);
  const auto options = real_options(a);
  return wrap([&] {
    auto world = open_world();
    int divergences = 0, runs = 0, timing_sensitive = 0;
    double sim_ms = 0, real_ms = 0;
    json failures = json::array();
    for (domain::Variant variant : variants) {
      for (int n = 0; n < sequences; ++n) {
        scenarios::Case c;
        c.variant = variant;
        c.consumer = domain::ConsumerKind::inbox;
        c.seed = seed + static_cast<std::uint64_t>(n) * 7919 + static_cast<std::uint64_t>(variant) * 104729;
        c.commands = scenarios::conformance_sequence(c.seed, variant);
        scenarios::RunOptions so;
        so.per_command_ids = true;
        const auto t0 = std::chrono::steady_clock::now();
        const auto simulated = scenarios::run_in_simulation(c, so);
        sim_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const auto r = run_real_or_throw(*world, c, options);
        real_ms += r.wall_ms;
        ++runs;
        const auto expected = scenarios::outcomes(c.commands, c.seed, simulated.state);
        auto diff = scenarios::compare(expected, scenarios::outcomes(c.commands, c.seed, r.state));
        // Real runs are not deterministic: two steps that finish within a
        // few milliseconds of each other may finish in either order. A
        // divergence counts only if it comes back on each of two reruns;
        // one that goes away is reported as timing-sensitive.
        for (int rerun = 0; rerun < 2 && !diff.empty(); ++rerun) {
          const auto again = run_real_or_throw(*world, c, options);
          if (scenarios::compare(expected, scenarios::outcomes(c.commands, c.seed, again.state)).empty()) {
            ++timing_sensitive;
            if (!a.has("json")) {
              std::cout << "timing-sensitive (matched the simulation on rerun " << rerun + 1 << "): "
                        << domain::variant_name(variant) << "  " << scenarios::encode(c.commands) << "\n" << diff;
            }
            diff.clear();
          }
        }
        if (!diff.empty()) {
          ++divergences;
          const std::string replay = "./dwsim replay --mode real --variant " + std::string(domain::variant_name(variant)) +
                                     " --seed " + std::to_string(c.seed) + " '" + scenarios::encode(c.commands) + "'";
          failures.push_back({{"variant", domain::variant_name(variant)}, {"seed", c.seed},
                              {"commands", scenarios::encode(c.commands)}, {"diff", diff}, {"replay", replay}});
          if (!a.has("json")) {
            std::cout << "DIVERGENCE  " << domain::variant_name(variant) << "  " << scenarios::encode(c.commands)
                      << "\n" << diff << "  replay: " << replay << "\n";
          }
        }
        if (!a.has("json") && (n + 1) % 10 == 0) {
          std::cerr << "  " << domain::variant_name(variant) << ": " << (n + 1) << "/" << sequences
                    << " sequences, " << divergences << " divergence(s) so far\n";
        }
      }
    }
    const double speedup = sim_ms > 0 ? real_ms / sim_ms : 0;
    if (a.has("json")) {
      std::cout << json{{"sequences", runs}, {"divergences", divergences}, {"timing_sensitive", timing_sensitive},
                        {"sim_ms_total", sim_ms},
                        {"real_ms_total", real_ms}, {"sim_speedup", speedup}, {"failures", failures}}
                       .dump()
                << "\n";
    } else {
      std::printf("conformance: %d sequences (%zu variants), %d divergence(s); %d timing-sensitive (matched on rerun)\n",
                  runs, variants.size(), divergences, timing_sensitive);
      std::printf("wall time per sequence: simulation %.3f ms, real %.1f ms (simulation %.0fx faster)\n",
                  runs ? sim_ms / runs : 0.0, runs ? real_ms / runs : 0.0, speedup);
    }
    return divergences == 0 ? kExitOk : kExitViolated;
  });
}

}  // namespace dwsim::cli
