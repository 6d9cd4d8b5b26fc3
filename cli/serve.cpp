// ./dwsim serve: the seed's order service over HTTP on real infrastructure,
// and ./dwsim smoke --http: the seed's smoke test through that API.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "cli/args.h"
#include "cli/real_cli.h"
#include "domain/time.h"
#include "real/http_client.h"
#include "real/http_server.h"
#include "real/order_service.h"

extern char** environ;

namespace dwsim::cli {
namespace {

namespace asio = boost::asio;
using nlohmann::json;
constexpr int kExitOk = 0, kExitViolated = 1, kExitListen = 6;

int port_flag(const Args& a, int fallback) {
  auto v = a.value("port");
  if (!v) return fallback;
  if (v->empty() || v->size() > 5 || v->find_first_not_of("0123456789") != std::string::npos || std::stoi(*v) > 65535) {
    throw UsageError("--port must be a number from 0 to 65535, not '" + *v + "'");
  }
  return std::stoi(*v);
}

// Control characters and quotes of a client's target never reach the log as such.
std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u >= 0x7f ? '?' : c;
  }
  if (s.size() > max) out += "...";
  return out;
}

// One log line: "2026-12-04T17:40:01.123456Z INFO  http  POST /orders 201 2.41ms".
void write_log(std::string_view level, std::string_view component, std::string_view text) {
  using namespace std::chrono;
  const auto now = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  std::string line = domain::iso8601(domain::Timestamp{now});
  line += ' ';
  line += level;
  if (level.size() < 5) line.append(5 - level.size(), ' ');
  line += ' ';
  line += component;
  line += "  ";
  line += text;
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);  // stderr is unbuffered: one write per line
}

}  // namespace

int serve_command(const std::vector<std::string>& argv) {
  Args a(argv,
         {"variant", "port", "bind", "body-limit", "relay-batch", "relay-idle-ms", "threads", "max-connections",
          "max-transactions", "max-reads"},
         {"chaos"});
  if (!a.positional().empty()) throw UsageError("unexpected argument '" + a.positional()[0] + "'");
  real::ServiceOptions options;
  options.variant = domain::Variant::dual_write;  // the seed's service
  if (auto v = a.value("variant")) {
    auto parsed = domain::parse_variant(*v);
    if (!parsed) {
      throw UsageError("unknown variant '" + *v +
                       "' (dual-write, publish-after-commit, outbox-cursor, outbox, outbox-mark-before-ack)");
    }
    options.variant = *parsed;
  }
  options.chaos = a.has("chaos");
  options.relay_batch = a.positive_int("relay-batch", options.relay_batch, 10'000);
  options.relay_idle = std::chrono::milliseconds(a.positive_int("relay-idle-ms", 50, 60'000));
  const int port = port_flag(a, 8082);
  const std::string bind = a.value("bind").value_or("127.0.0.1");
  real::http::Limits limits;
  limits.body_bytes = static_cast<std::size_t>(a.positive_int("body-limit", 64 * 1024, 64 * 1024 * 1024));
  limits.max_connections = static_cast<std::size_t>(a.positive_int("max-connections", 1024, 100'000));
  real::WorldOptions world_options;
  world_options.record_timeline = false;
  world_options.record_sightings = false;
  // Few PostgreSQL threads keep the 2-core machine's run queue short (tail
  // latency); one fewer open transaction than threads keeps lock waits from
  // taking every thread. Broker threads mostly sleep on delivery reports.
  world_options.pool_threads = a.positive_int("threads", 16, 1024);
  world_options.max_open_transactions =
      a.positive_int("max-transactions", std::max(1, world_options.pool_threads - 1), 100'000);
  if (world_options.pool_threads > 1 && world_options.max_open_transactions >= world_options.pool_threads) {
    // A transaction waiting for a row lock holds its thread: with as many open
    // transactions as threads, the lock holder could find none to commit on.
    throw UsageError("--max-transactions must be below --threads (" + std::to_string(world_options.pool_threads) + ")");
  }
  world_options.async_read_connections = a.positive_int("max-reads", 4, 100'000);
  world_options.broker_threads = 32;

  return wrap([&] {
    auto world = open_world(world_options);
    if (auto started = world->start_service(domain::uses_outbox(options.variant)); !started) {
      throw InfraUnavailable("cannot start the service's broker sessions: " + started.error().message +
                             " (DWSIM_KAFKA_BROKERS=" + world->endpoints().kafka_brokers + ")");
    }
    real::LogSink sink = write_log;
    real::OrderService service(*world, options, sink);
    real::http::Server server(
        world->io(), limits, [&service](const real::http::Request& r) { return service.handle(r); },
        [](const real::http::Exchange& x) {
          char ms[32];
          std::snprintf(ms, sizeof ms, " %u %.2fms", x.status, x.latency_ms);
          write_log(x.status >= 500 ? "ERROR" : "INFO", "http",
                    printable(x.method, 16) + " " + printable(x.target, 200) + ms +
                        (x.detail.empty() ? "" : " " + printable(x.detail, 300)));
        });
    auto bound = server.listen(bind, static_cast<unsigned short>(port));
    if (!bound) {
      std::cerr << "dwsim: " << bound.error().message << "\n";
      return kExitListen;
    }
    server.start();
    service.start_workers();
    write_log("INFO", "serve",
              std::string("order service, variant ") + domain::variant_name(options.variant) +
                  (options.chaos ? ", chaos endpoint ON" : "") + ", listening on http://" + bind + ":" +
                  std::to_string(*bound) + " (PostgreSQL " + world->endpoints().pg_url + ", Kafka " +
                  world->endpoints().kafka_brokers + ")");
    if (domain::uses_outbox(options.variant)) {
      write_log("INFO", "serve", "relay running: batch " + std::to_string(options.relay_batch) + ", idle poll " +
                                     std::to_string(options.relay_idle.count()) + " ms");
    }
    write_log("INFO", "serve", "order.cancelled consumer running (group order-service)");


    bool shutting_down = false;
    asio::signal_set signals(world->io(), SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_signal;
    on_signal = [&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (shutting_down) {
        write_log("WARN", "serve", "second signal: stopping without draining");
        std::_Exit(kExitViolated);  // requests in progress cannot be unwound safely
      }
      shutting_down = true;
      signals.async_wait(on_signal);
      asio::co_spawn(
          world->io(),
          [&, signo]() -> asio::awaitable<void> {
            write_log("INFO", "serve", std::string(signo == SIGINT ? "SIGINT" : "SIGTERM") +
                                           ": shutting down; no new connections, finishing " +
                                           std::to_string(server.in_flight()) + " request(s) in flight");
            co_await server.shutdown(std::chrono::milliseconds(10'000));
            const bool workers_done = co_await service.stop_workers(std::chrono::milliseconds(10'000));
            if (server.connections() > 0 || !workers_done) {
              world->flush_producers(std::chrono::milliseconds(5'000));  // consumers may still be in use
              // Something is still waiting on PostgreSQL or the broker after
              // the grace period: its coroutine cannot be unwound safely.
              write_log("ERROR", "serve", "stopped with " + std::to_string(server.connections()) +
                                              " request(s) still in progress" +
                                              (workers_done ? "" : " and a worker still running") +
                                              " after the grace period; producer flushed");
              std::_Exit(kExitViolated);
            }
            world->shutdown(std::chrono::milliseconds(5'000));
            write_log("INFO", "serve", "stopped: producer flushed, consumer offsets committed, " +
                                           std::to_string(service.relayed()) + " event(s) relayed, " +
                                           std::to_string(service.cancel_records()) +
                                           " order.cancelled record(s) handled");
            world->io().stop();
          },
          asio::detached);
    };
    signals.async_wait(on_signal);
    world->io().run();
    return kExitOk;
  });
}

namespace {

std::string free_port() {
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return std::to_string(probe.local_endpoint().port());
}

const char* kSmokeBody =
    R"({"customerId":"550e8400-e29b-41d4-a716-446655440000","items":[{"productId":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","quantity":2,"unitPrice":149.95}]})";

// Runs a coroutine to completion on the world's io_context.
template <typename T>
T run_on(real::World& world, domain::Task<T> task) {
  auto& io = world.io();
  std::optional<T> out;
  io.restart();
  asio::co_spawn(io, [&]() -> domain::Task<void> { out.emplace(co_await std::move(task)); }, asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace

int smoke_http(domain::Variant variant, const std::optional<std::string>& url, bool json_out) {
  if (url) {
    if (auto parsed = real::http::parse_base_url(*url); !parsed) throw UsageError(parsed.error().message);
  }
  return wrap([&] {
    real::WorldOptions wo;
    wo.record_sightings = false;
    auto world = open_world(wo);
    std::vector<std::pair<std::string, bool>> steps;
    auto step = [&](std::string what, bool ok) {
      steps.emplace_back(std::move(what), ok);
      return ok;
    };
    std::string host = "127.0.0.1", port;
    pid_t child = -1;
    std::string log_path;
    if (url) {
      auto parsed = real::http::parse_base_url(*url);
      if (!parsed) throw UsageError(parsed.error().message);
      host = parsed->first;
      port = parsed->second;
    } else {
      port = free_port();
      char path[] = "/tmp/dwsim-smoke-serve-XXXXXX";
      const int fd = ::mkstemp(path);
      if (fd < 0) throw std::runtime_error("cannot create a log file in /tmp");
      log_path = path;
      posix_spawn_file_actions_t actions;
      posix_spawn_file_actions_init(&actions);
      posix_spawn_file_actions_adddup2(&actions, fd, STDOUT_FILENO);
      posix_spawn_file_actions_adddup2(&actions, fd, STDERR_FILENO);
      std::vector<std::string> args = {"dwsim", "serve", "--variant", domain::variant_name(variant), "--port", port};
      std::vector<char*> cargs;
      for (auto& s : args) cargs.push_back(s.data());
      cargs.push_back(nullptr);
      const int rc = posix_spawn(&child, "/proc/self/exe", &actions, nullptr, cargs.data(), environ);
      posix_spawn_file_actions_destroy(&actions);
      ::close(fd);
      if (rc != 0) throw std::runtime_error("cannot start 'dwsim serve'");
    }
    const std::string base = "http://" + host + ":" + port;
    auto call = [&](const std::string& method, const std::string& target, const std::string& body) {
      std::vector<std::pair<std::string, std::string>> headers;
      if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
      return real::http::request(host, port, method, target, body, headers, std::chrono::milliseconds(10'000));
    };
    auto pass = [&]() -> bool {
      // 1-2. The server answers and reports PostgreSQL and the broker UP.
      domain::Result<real::http::ClientResponse> health = domain::make_error(domain::Errc::unavailable, "not tried");
      for (int i = 0; i < 300; ++i) {
        health = call("GET", "/actuator/health", "");
        if (health && health->status == 200) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!step("GET " + base + "/actuator/health: " +
                    (health ? std::to_string(health->status) + " " + health->body : health.error().message),
                health && health->status == 200)) {
        return false;
      }
      // 3. Topics exist (World::open checked their metadata).
      step("topics order.created and order.cancelled exist on " + world->endpoints().kafka_brokers, true);
      auto before = run_on(*world, world->created_end_offsets());
      if (!step("read the end offsets of order.created", before.has_value())) return false;
      // 4. POST /orders: 201 and an orderId.
      auto created = call("POST", "/orders", kSmokeBody);
      std::optional<domain::Uuid> order_id;
      if (created && created->status == 201) {
        auto j = json::parse(created->body, nullptr, false);
        if (j.is_object() && j.contains("orderId") && j["orderId"].is_string()) {
          order_id = domain::Uuid::parse(j["orderId"].get<std::string>());
        }
      }
      if (!step("POST /orders: " + (created ? std::to_string(created->status) + " " + created->body : created.error().message),
                order_id.has_value())) {
        return false;
      }
      // 5. Consume order.created: the event with this orderId (the relay may take a moment).
      bool seen = false;
      for (int i = 0; i < 100 && !seen; ++i) {
        auto found = run_on(*world, world->created_since(*before, *order_id));
        seen = found && *found;
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!step("consume order.created: an event with orderId " + order_id->str(), seen)) return false;
      // 6. A poison message, then order.cancelled {orderId, reason: "smoke-test"}.
      const bool poisoned = run_on(*world, world->publish_raw_cancel(order_id->str(), "{\"orderId\": not json"));
      if (!step("publish a malformed order.cancelled (poison message)", poisoned)) return false;
      std::mt19937_64 rng(std::random_device{}());
      domain::OrderCancelledEvent cancel{domain::Uuid::v4_from_bits(rng(), rng()), *order_id, "smoke-test",
                                         world->clock().now()};
      if (!step("publish order.cancelled {orderId, reason: \"smoke-test\"}", run_on(*world, world->publish_cancel(cancel)))) {
        return false;
      }
      // 7. GET /orders/{id}: status CANCELLED (the consumer runs in the server).
      std::string status = "?";
      for (int i = 0; i < 150 && status != "CANCELLED"; ++i) {
        auto got = call("GET", "/orders/" + order_id->str(), "");
        if (got && got->status == 200) {
          auto j = json::parse(got->body, nullptr, false);
          if (j.is_object() && j.contains("status") && j["status"].is_string()) status = j["status"].get<std::string>();
        } else {
          status = got ? "HTTP " + std::to_string(got->status) : got.error().message;
        }
        if (status != "CANCELLED") std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      return step("GET /orders/" + order_id->str() + ": status " + status, status == "CANCELLED");
    }();
    // 8. Stop everything: SIGTERM, graceful shutdown, exit 0, and the logs say what happened.
    std::string server_log;
    if (child > 0) {
      ::kill(child, SIGTERM);
      int status = 0;
      bool exited = false;
      for (int i = 0; i < 300 && !exited; ++i) {
        exited = ::waitpid(child, &status, WNOHANG) == child;
        if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (!exited) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
      }
      std::ifstream in(log_path);
      std::stringstream text;
      text << in.rdbuf();
      server_log = text.str();
      ::unlink(log_path.c_str());
      const bool clean = exited && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      pass &= step("SIGTERM: the server drained and exited " +
                       (exited ? (WIFEXITED(status) ? std::to_string(WEXITSTATUS(status)) : "on a signal")
                               : std::string("not within 30 s (killed)")),
                   clean);
      if (pass) {
        const bool poison = server_log.find("poison message skipped") != std::string::npos;
        const bool access = server_log.find("POST /orders 201") != std::string::npos;
        pass &= step(std::string("server log: request lines ") + (access ? "present" : "MISSING") +
                         ", poison message logged and skipped " + (poison ? "yes" : "NO"),
                     poison && access);
      }
    }
    if (json_out) {
      json evidence = json::array();
      for (const auto& [what, ok] : steps) evidence.push_back({{"step", what}, {"ok", ok}});
      std::cout << json{{"result", pass ? "PASS" : "FAIL"}, {"variant", domain::variant_name(variant)},
                        {"transport", "http"}, {"steps", evidence}}
                       .dump()
                << "\n";
    } else {
      std::cout << "dwsim smoke --http  variant=" << domain::variant_name(variant) << "  server=" << base
                << (url ? "" : " (started by smoke)") << "\n";
      int n = 1;
      for (const auto& [what, ok] : steps) std::cout << "  " << n++ << ". [" << (ok ? " ok " : "FAIL") << "] " << what << "\n";
      if (!pass && !server_log.empty()) std::cout << "server log:\n" << server_log;
      std::cout << (pass ? "PASS" : "FAIL") << "\n";
    }
    return pass ? kExitOk : kExitViolated;
  });
}

int events_command(const std::vector<std::string>& argv) {
  Args a(argv, {"since"}, {"offsets", "json"});
  if (a.positional().size() != 1) throw UsageError("events needs one topic, e.g. 'events order.created'");
  const std::string topic = a.positional()[0];
  if (a.has("offsets") && a.has("since")) throw UsageError("give --offsets or --since, not both");
  std::map<int, std::int64_t> since;
  if (auto text = a.value("since")) {
    // "0:12,1:40,2:33", as --offsets prints it.
    std::stringstream in(*text);
    std::string part;
    while (std::getline(in, part, ',')) {
      const auto colon = part.find(':');
      const bool ok = colon != std::string::npos && colon > 0 && colon + 1 < part.size() &&
                      part.find_first_not_of("0123456789:") == std::string::npos &&
                      part.find(':', colon + 1) == std::string::npos && part.size() < 30;
      if (!ok) throw UsageError("--since takes partition:offset pairs like 0:12,1:40, not '" + *text + "'");
      since[std::stoi(part.substr(0, colon))] = std::stoll(part.substr(colon + 1));
    }
  }
  return wrap([&] {
    real::WorldOptions wo;
    wo.record_sightings = false;
    auto world = open_world(wo);
    if (a.has("offsets")) {
      auto ends = world->end_offsets_of(topic);
      if (!ends) throw InfraUnavailable(ends.error().message);
      std::string line;
      for (const auto& [p, off] : *ends) line += (line.empty() ? "" : ",") + std::to_string(p) + ":" + std::to_string(off);
      std::cout << line << "\n";
      return kExitOk;
    }
    auto records = world->records_since(topic, since);
    if (!records) throw InfraUnavailable(records.error().message);
    for (const auto& r : *records) {
      if (a.has("json")) {
        std::cout << json{{"partition", r.partition}, {"offset", r.offset}, {"key", r.key}, {"payload", r.payload}}
                         .dump(-1, ' ', false, json::error_handler_t::replace)
                  << "\n";
      } else {
        std::cout << r.partition << " " << r.offset << " " << printable(r.key, 200) << " " << printable(r.payload, 4096)
                  << "\n";
      }
    }
    return kExitOk;
  });
}

}  // namespace dwsim::cli
