#include "real/order_service.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "domain/use_cases.h"
#include "real/order_api.h"

namespace dwsim::real {
namespace {

namespace asio = boost::asio;
using domain::Errc;
using http::error_response;
using http::json_response;
using http::Response;

// The status of a use-case error that is not the client's fault.
unsigned status_of(const domain::Error& e) {
  switch (e.code) {
    case Errc::validation: return 400;
    case Errc::not_found: return 404;
    case Errc::unavailable: return 503;
    default: return 500;
  }
}

constexpr const char* kPhantomExplanation =
    "PHANTOM EVENT: The order.created event was published to Kafka, but the order does NOT exist in PostgreSQL. "
    "Any consumer processing this event will reference a non-existent order.";

std::string chaos_explanation(bool in_db, bool in_kafka, domain::Variant v) {
  if (in_kafka && !in_db) return kPhantomExplanation;
  if (!in_kafka && !in_db) {
    return std::string("CONSISTENT: the transaction rolled back and no order.created event was published. The ") +
           domain::variant_name(v) + " variant publishes only what committed.";
  }
  if (in_db && !in_kafka) return "LOST EVENT: the order exists in PostgreSQL but no order.created event was published.";
  return "CONSISTENT: the order exists and its order.created event was published.";
}

}  // namespace

OrderService::Ids::Ids() {
  std::random_device rd;
  std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
  rng_.seed(seq);
}

domain::Uuid OrderService::Ids::next() {
  const std::uint64_t hi = rng_();
  const std::uint64_t lo = rng_();
  return domain::Uuid::v4_from_bits(hi, lo);
}

OrderService::OrderService(World& world, ServiceOptions options, LogSink log)
    : world_(world), options_(options), log_(std::move(log)), relay_timer_(world.io()), cancel_timer_(world.io()) {}

OrderService::~OrderService() = default;

asio::awaitable<Response> OrderService::handle(const http::Request& request) {
  const std::string method(request.method_string());
  const std::string target(request.target());
  const api::Match m = api::match(method, target);
  const std::string path = target.substr(0, target.find('?'));
  if (m.status == 404) co_return error_response(404, "no route for " + method + " " + path);
  if (m.status == 405) {
    Response res = error_response(405, "method " + method + " is not allowed on " + path + " (allowed: " + m.allow + ")");
    res.set(boost::beast::http::field::allow, m.allow);
    co_return res;
  }
  switch (*m.route) {
    case api::RouteId::create_order: co_return co_await create(request, false);
    case api::RouteId::get_order: co_return co_await get(m.path_param);
    case api::RouteId::health: co_return co_await health();
    case api::RouteId::chaos_phantom:
      if (!options_.chaos) {
        co_return error_response(404, "the chaos endpoint is off: start the server with --chaos");
      }
      co_return co_await create(request, true);
  }
  co_return error_response(500, "unrouted request");
}

asio::awaitable<Response> OrderService::create(const http::Request& request, bool chaos) {
  const std::string content_type(request[boost::beast::http::field::content_type]);
  if (!api::is_json_content_type(content_type)) {
    co_return error_response(415, "Content-Type must be application/json, not '" + content_type.substr(0, 100) + "'");
  }
  auto parsed = api::parse_create(request.body());
  if (!parsed) co_return error_response(400, parsed.error().message);
  domain::CreateOrderRequest order_request = std::move(*parsed);
  if (auto header = request.find("Idempotency-Key"); header != request.end()) {
    const std::string key(header->value());
    if (auto problem = api::idempotency_key_problem(key, "Idempotency-Key")) co_return error_response(400, *problem);
    if (order_request.idempotency_key && *order_request.idempotency_key != key) {
      co_return error_response(400, "the Idempotency-Key header and the idempotencyKey field differ");
    }
    order_request.idempotency_key = key;
  }

  std::map<int, std::int64_t> before;
  if (chaos) {
    auto ends = co_await world_.created_end_offsets();
    if (!ends) co_return error_response(503, "cannot measure eventSentToKafka: " + ends.error().message);
    before = std::move(*ends);
  }

  const domain::Variant variant = options_.variant;
  Step step(world_, ProcessId::service, next_request(), {});
  auto db = world_.database(step, domain::uses_write_behind(variant));
  auto publisher = world_.publisher(step);
  auto crash = world_.crash_points(step);
  domain::ServicePorts ports{*db, *publisher, world_.clock(), ids_, *crash, service_log_};
  domain::CreateOptions options;
  options.force_rollback_after_publish = chaos;
  auto created = co_await domain::create_order(variant, ports, order_request, options);
  if (!created) {
    const auto& e = created.error();
    if (e.code == Errc::conflict) {
      // The dual-write variant's natural phantom: the deferred INSERT hit the
      // unique index at flush, after the event had left.
      co_return error_response(500, "the order could not be saved (" + e.message +
                                        "); the transaction was rolled back");
    }
    co_return error_response(status_of(e), e.message);
  }
  if (!chaos) {
    Response res = json_response(201, api::created_json(created->order_id));
    if (created->replayed) res.set("Idempotent-Replayed", "true");
    co_return res;
  }

  // The chaos report: every field measured, none assumed.
  auto found = co_await domain::get_order(*db, created->order_id);
  if (!found) co_return error_response(503, "cannot measure existsInDb: " + found.error().message);
  auto sent = co_await world_.created_since(before, created->order_id);
  if (!sent) co_return error_response(503, "cannot measure eventSentToKafka: " + sent.error().message);
  const bool in_db = found->has_value();
  nlohmann::ordered_json report = {{"orderId", created->order_id.str()},
                           {"existsInDb", in_db},
                           {"eventSentToKafka", *sent},
                           {"dbRolledBack", created->rolled_back},
                           {"variant", domain::variant_name(variant)},
                           {"explanation", chaos_explanation(in_db, *sent, variant)}};
  if (*sent && !in_db) {
    log_("WARN", "chaos", "PHANTOM EVENT for orderId=" + created->order_id.str() +
                              ": order.created is in Kafka, the order is not in PostgreSQL");
  }
  co_return json_response(200, report.dump());
}

asio::awaitable<Response> OrderService::get(const std::string& id_text) {
  const auto id = domain::Uuid::parse(id_text);
  if (!id) {
    co_return error_response(400, "'" + id_text.substr(0, 64) + "' is not a valid UUID");
  }
  Step step(world_, ProcessId::service, next_request(), {});
  auto db = world_.database(step, false);
  auto found = co_await domain::get_order(*db, *id);
  if (!found) co_return error_response(status_of(found.error()), found.error().message);
  if (!found->has_value()) {
    Response res{boost::beast::http::status::not_found, 11};  // the seed's empty 404
    co_return res;
  }
  co_return json_response(200, api::order_json(**found));
}

asio::awaitable<Response> OrderService::health() {
  const Health h = co_await world_.health(std::chrono::milliseconds(1500));
  auto component = [](const ComponentHealth& c) {
    nlohmann::ordered_json j = {{"status", c.up ? "UP" : "DOWN"}};
    j[c.up ? "details" : "error"] = c.detail;
    return j;
  };
  nlohmann::ordered_json body = {{"status", h.up() ? "UP" : "DOWN"},
                         {"components", {{"db", component(h.db)}, {"kafka", component(h.broker)}}}};
  co_return json_response(h.up() ? 200 : 503,
                          body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

void OrderService::start_workers() {
  if (domain::uses_outbox(options_.variant)) {
    ++workers_running_;
    asio::co_spawn(world_.io(), relay_loop(), asio::detached);
  }
  ++workers_running_;
  asio::co_spawn(world_.io(), cancel_loop(), asio::detached);
}

asio::awaitable<bool> OrderService::stop_workers(std::chrono::milliseconds grace) {
  stopping_ = true;
  relay_timer_.cancel();
  cancel_timer_.cancel();
  asio::steady_timer tick(world_.io());
  for (auto waited = std::chrono::milliseconds(0); workers_running_ > 0 && waited < grace;
       waited += std::chrono::milliseconds(10)) {
    boost::system::error_code ec;
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return workers_running_ == 0;
}

asio::awaitable<void> OrderService::pause(asio::steady_timer& timer, std::chrono::milliseconds d) {
  if (stopping_) co_return;
  boost::system::error_code ec;
  timer.expires_after(d);
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// The relay: claim, publish, delete, commit; pause when the outbox is empty;
// back off (doubling, capped) while the broker or the database fails. The
// first failure and the recovery are logged, not every retry.
asio::awaitable<void> OrderService::relay_loop() {
  domain::RelayState state;
  std::chrono::milliseconds backoff{100};
  bool failing = false;
  int iteration = 0;
  while (!stopping_) {
    Step step(world_, ProcessId::relay_a, ++iteration, {});
    auto db = world_.database(step, false);
    auto publisher = world_.publisher(step);
    auto crash = world_.crash_points(step);
    domain::RelayPorts ports{*db, *publisher, *crash, relay_log_};
    const domain::StepReport r = co_await domain::relay_once(options_.variant, ports, state, options_.relay_batch);
    relayed_ += r.processed;
    if (r.error) {
      if (!failing) {
        log_("WARN", "relay", "relay failed: " + r.error->message + " (" + std::to_string(r.processed) +
                                  " published this round); retrying with back-off");
      }
      failing = true;
      co_await pause(relay_timer_, backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (failing) log_("INFO", "relay", "relay recovered: " + std::to_string(r.processed) + " published");
    failing = false;
    backoff = std::chrono::milliseconds(100);
    if (r.exhausted) co_await pause(relay_timer_, options_.relay_idle);
  }
  --workers_running_;
}

// The seed's order.cancelled consumer: cancel each order, log and skip
// poison messages and unknown or already-cancelled orders, commit each
// offset after its record is handled.
asio::awaitable<void> OrderService::cancel_loop() {
  std::chrono::milliseconds backoff{100};
  bool failing = false;
  int iteration = 0;
  while (!stopping_) {
    Step step(world_, ProcessId::canceller, ++iteration, {});
    auto db = world_.database(step, false);
    auto publisher = world_.publisher(step);
    auto crash = world_.crash_points(step);
    auto source = world_.source(step);
    domain::ServicePorts ports{*db, *publisher, world_.clock(), ids_, *crash, cancel_log_};
    const domain::StepReport r = co_await domain::cancel_consume_once(ports, *source, options_.cancel_batch);
    cancel_records_ += r.processed;
    if (r.error) {
      if (!failing) log_("WARN", "order.cancelled", "consumer failed: " + r.error->message + "; retrying with back-off");
      failing = true;
      co_await pause(cancel_timer_, backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (failing) log_("INFO", "order.cancelled", "consumer recovered");
    failing = false;
    backoff = std::chrono::milliseconds(100);
    // An empty poll already waited for records (the adapter's poll wait).
  }
  --workers_running_;
}

}  // namespace dwsim::real
