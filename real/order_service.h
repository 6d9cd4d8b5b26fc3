// The order service as the seed runs it (./dwsim serve): its HTTP API over
// the domain's use cases and the real adapters, plus, in the same process,
// the order.cancelled consumer (group order-service) and, for outbox
// variants, the relay. Every request is one service step on the world
// (real/world.h) without faults; the use cases are the same coroutines the
// simulator and the real runner drive.
//
// Threading: everything here runs on the world's io_context (one thread);
// blocking vendor calls go to the world's pool through the adapters.
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>

#include "domain/ports.h"
#include "domain/variants.h"
#include "real/http_server.h"
#include "real/world.h"

namespace dwsim::real {

struct ServiceOptions {
  domain::Variant variant = domain::Variant::outbox;
  bool chaos = false;                         // POST /chaos/phantom-event answers (404 otherwise)
  int relay_batch = 100;                      // outbox rows per relay iteration
  std::chrono::milliseconds relay_idle{50};   // relay pause when the outbox is empty
  int cancel_batch = 100;                     // order.cancelled records per poll
  std::chrono::milliseconds max_backoff{5000};  // retry pause cap after an error (relay, consumer)
};

// Log lines of the service: level ("INFO", "WARN", "ERROR"), component, text.
using LogSink = std::function<void(std::string_view level, std::string_view component, std::string_view text)>;

class OrderService {
 public:
  OrderService(World& world, ServiceOptions options, LogSink log);
  ~OrderService();

  // One HTTP exchange. Never throws; every failure is a status and a body.
  boost::asio::awaitable<http::Response> handle(const http::Request& request);

  // Starts the relay (outbox variants) and the order.cancelled consumer.
  void start_workers();
  // Asks them to stop after their current iteration and waits until they
  // have, at most `grace`; false if one is still running then.
  boost::asio::awaitable<bool> stop_workers(std::chrono::milliseconds grace);

  std::int64_t relayed() const { return relayed_; }
  std::int64_t cancel_records() const { return cancel_records_; }

 private:
  class Ids final : public domain::IdSource {
   public:
    Ids();
    domain::Uuid next() override;

   private:
    std::mt19937_64 rng_;
  };
  class Warnings final : public domain::Log {
   public:
    Warnings(LogSink& sink, const char* component) : sink_(sink), component_(component) {}
    void warn(std::string_view line) override { sink_("WARN", component_, line); }

   private:
    LogSink& sink_;
    const char* component_;
  };

  boost::asio::awaitable<http::Response> create(const http::Request& request, bool chaos);
  boost::asio::awaitable<http::Response> get(const std::string& id_text);
  boost::asio::awaitable<http::Response> health();
  boost::asio::awaitable<void> relay_loop();
  boost::asio::awaitable<void> cancel_loop();
  // Sleeps `d`, or less if stop_workers() is called.
  boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::milliseconds d);
  // A step number for the next request (wraps, never overflows).
  int next_request() { return requests_ = requests_ == 2'000'000'000 ? 1 : requests_ + 1; }

  World& world_;
  ServiceOptions options_;
  LogSink log_;
  Ids ids_;
  Warnings service_log_{log_, "service"};
  Warnings relay_log_{log_, "relay"};
  Warnings cancel_log_{log_, "order.cancelled"};
  boost::asio::steady_timer relay_timer_;
  boost::asio::steady_timer cancel_timer_;
  int requests_ = 0;
  bool stopping_ = false;
  int workers_running_ = 0;
  std::int64_t relayed_ = 0;
  std::int64_t cancel_records_ = 0;
};

}  // namespace dwsim::real
