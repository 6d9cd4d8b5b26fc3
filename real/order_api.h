// The order service's HTTP API as data and pure functions: the route table,
// the JSON a client sends and gets, and the seed's messages. No I/O here, so
// every rule is unit-tested without a server (real/order_api_test.cc), and
// the OpenAPI document (docs/openapi.json) is checked against routes().
//
// Wire facts (seed-system.md): POST /orders -> 201 {"orderId"}; GET
// /orders/{id} -> 200 {id, customerId, status, total, items, createdAt,
// updatedAt} or 404 with an empty body; GET /actuator/health; POST
// /chaos/phantom-event with --chaos only. Errors are 400 {"error":"..."}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/order.h"
#include "domain/result.h"

namespace dwsim::real::api {

enum class RouteId { create_order, get_order, health, chaos_phantom };

struct RouteSpec {
  RouteId id;
  const char* method;
  const char* path;                // OpenAPI form: /orders/{id}
  std::vector<unsigned> statuses;  // every status the route answers with
};
// Every route the server has, in a fixed order. Also the source of 404/405.
const std::vector<RouteSpec>& routes();
// Statuses any route may answer before its handler runs (limits, framing).
const std::vector<unsigned>& transport_statuses();

struct Match {
  unsigned status = 200;                // 200: matched; 404: no such path; 405: path known, method not
  std::optional<RouteId> route;
  std::string path_param;               // {id}, undecoded
  std::string allow;                    // for 405: the Allow header
};
// Matches a request target (query string ignored). Paths are exact: no
// trailing slash, no percent-decoding of the fixed parts.
Match match(std::string_view method, std::string_view target);

// application/json, with or without parameters (charset), any case.
bool is_json_content_type(std::string_view content_type);

// The body of POST /orders (and of the chaos endpoint). Errc::validation
// with a message for the client: malformed JSON, wrong types, a malformed
// UUID, a price with more than two decimals. Domain rules (the seed's
// messages: "customerId cannot be null", "items cannot be empty", ...) are
// left to Order::create, so a missing field gets the seed's message.
domain::Result<domain::CreateOrderRequest> parse_create(std::string_view body);

// An Idempotency-Key header or idempotencyKey field: 1 to 255 characters
// (the column is VARCHAR(255)), printable ASCII.
std::optional<std::string> idempotency_key_problem(std::string_view key, const char* where);

// {"orderId":"..."}
std::string created_json(const domain::Uuid& order_id);
// GET /orders/{id}: {"id","customerId","status","total","items":[...],"createdAt","updatedAt"}
std::string order_json(const domain::Order& order);

}  // namespace dwsim::real::api
