// The order service's HTTP API without a server: the route table against the
// OpenAPI document (docs/openapi.json), routing, content types, the request
// parser's every error, and the JSON the service answers. Deterministic: fixed
// UUIDs and timestamps, no clock, no I/O but reading the document.
#include "real/order_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "domain/money.h"
#include "domain/order.h"
#include "domain/time.h"
#include "domain/uuid.h"

#ifndef DWSIM_OPENAPI_PATH
#error "DWSIM_OPENAPI_PATH must name docs/openapi.json (real/CMakeLists.txt)"
#endif

namespace dwsim::real::api {
namespace {

using nlohmann::json;

const char* const kCustomerText = "550e8400-e29b-41d4-a716-446655440000";
const char* const kProductText = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
const char* const kOrderText = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const domain::Uuid kCustomer = *domain::Uuid::parse(kCustomerText);
const domain::Uuid kProduct = *domain::Uuid::parse(kProductText);
const domain::Uuid kOrder = *domain::Uuid::parse(kOrderText);
const domain::Timestamp kNow{1'771'668'000'000'000};  // 2026-02-21T10:00:00Z

// ---------------------------------------------------------------- helpers

const json& openapi() {
  static const json doc = [] {
    std::ifstream in(DWSIM_OPENAPI_PATH);
    if (!in) throw std::runtime_error(std::string("cannot open ") + DWSIM_OPENAPI_PATH);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
  }();
  return doc;
}

// Follows a local "$ref" ("#/components/..."); anything else is returned as is.
const json& deref(const json& node) {
  if (!node.is_object() || !node.contains("$ref")) return node;
  const std::string ref = node.at("$ref").get<std::string>();
  if (ref.rfind("#/", 0) != 0) throw std::runtime_error("not a local $ref: " + ref);
  return deref(openapi().at(json::json_pointer(ref.substr(1))));
}

const char* route_name(std::optional<RouteId> r) {
  if (!r) return "none";
  switch (*r) {
    case RouteId::create_order: return "create_order";
    case RouteId::get_order: return "get_order";
    case RouteId::health: return "health";
    case RouteId::chaos_phantom: return "chaos_phantom";
  }
  return "?";
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::set<std::string> status_keys(const std::vector<unsigned>& statuses) {
  std::set<std::string> out;
  for (unsigned s : statuses) out.insert(std::to_string(s));
  return out;
}

std::set<std::string> keys_of(const json& obj) {
  std::set<std::string> out;
  for (const auto& [k, v] : obj.items()) out.insert(k);
  return out;
}

// A body from a JSON value (so tests read as JSON, not as escaped strings).
std::string body(const json& j) { return j.dump(); }

json item(json overrides = json::object()) {
  json it = {{"productId", kProductText}, {"quantity", 2}, {"unitPrice", 149.95}};
  for (const auto& [k, v] : overrides.items()) {
    if (v.is_discarded()) {
      it.erase(k);
    } else {
      it[k] = v;
    }
  }
  return it;
}

json order_body(json items = json::array({item()})) { return {{"customerId", kCustomerText}, {"items", items}}; }

// parse_create must fail with Errc::validation and exactly `message`.
void expect_rejected(std::string_view text, const std::string& message) {
  auto r = parse_create(text);
  ASSERT_FALSE(r) << "accepted: " << text;
  EXPECT_EQ(r.error().code, domain::Errc::validation) << text;
  EXPECT_EQ(r.error().message, message) << text;
}

// parse_create accepts the body, and the domain then refuses it with `message`.
void expect_domain_rejects(std::string_view text, const std::string& message) {
  auto r = parse_create(text);
  ASSERT_TRUE(r) << text << ": " << r.error().message;
  auto order = domain::Order::create(kOrder, *r, kNow);
  ASSERT_FALSE(order) << "the domain accepted: " << text;
  EXPECT_EQ(order.error().code, domain::Errc::validation) << text;
  EXPECT_EQ(order.error().message, message) << text;
}

// A discarded value marks a field to remove from item().
const json kRemove = json(json::value_t::discarded);

domain::Order seed_order() {
  domain::CreateOrderRequest req{kCustomer, {domain::ItemRequest{kProduct, 2, *domain::Money::parse("149.95")}},
                                 std::nullopt};
  auto order = domain::Order::create(kOrder, req, kNow);
  if (!order) throw std::runtime_error(order.error().message);
  return *order;
}

// ---------------------------------------------------------------- OpenAPI

TEST(OpenApi, IsVersion3WithTheServeUrl) {
  const json& doc = openapi();
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(doc.at("openapi").get<std::string>().rfind("3.", 0), 0u) << doc.at("openapi");
  ASSERT_TRUE(doc.at("servers").is_array());
  ASSERT_FALSE(doc.at("servers").empty());
  EXPECT_EQ(doc.at("servers")[0].at("url"), "http://127.0.0.1:8082");
  EXPECT_TRUE(doc.at("info").contains("title"));
  EXPECT_TRUE(doc.at("info").contains("version"));
}

TEST(OpenApi, OperationsAreExactlyTheRouteTable) {
  static const std::set<std::string> kMethods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : openapi().at("paths").items()) {
    for (const auto& [key, op] : item.items()) {
      if (kMethods.count(key) != 0) documented.insert({upper(key), path});
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const RouteSpec& r : routes()) served.insert({r.method, r.path});
  EXPECT_EQ(served.size(), routes().size()) << "routes() has a duplicate (method, path)";

  for (const auto& op : served) {
    EXPECT_TRUE(documented.count(op) != 0) << op.first << " " << op.second << " is served but not in docs/openapi.json";
  }
  for (const auto& op : documented) {
    EXPECT_TRUE(served.count(op) != 0) << op.first << " " << op.second << " is documented but not in routes()";
  }
}

TEST(OpenApi, EachOperationListsExactlyTheRoutesStatuses) {
  const json& paths = openapi().at("paths");
  for (const RouteSpec& r : routes()) {
    SCOPED_TRACE(std::string(r.method) + " " + r.path);
    std::string method = r.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.contains(r.path));
    ASSERT_TRUE(paths.at(r.path).contains(method));
    const json& responses = paths.at(r.path).at(method).at("responses");
    EXPECT_EQ(keys_of(responses), status_keys(r.statuses));
    for (const auto& [status, response] : responses.items()) {
      EXPECT_TRUE(deref(response).contains("description")) << status;
    }
  }
}

TEST(OpenApi, TransportStatusesAreDocumentedAsReusableResponses) {
  const json& doc = openapi();
  ASSERT_TRUE(doc.contains("x-transport-responses"));
  const json& transport = doc.at("x-transport-responses");
  EXPECT_EQ(keys_of(transport), status_keys(transport_statuses()));
  const std::string description = doc.at("info").at("description");
  for (const auto& [status, ref] : transport.items()) {
    SCOPED_TRACE(status);
    ASSERT_TRUE(ref.contains("$ref"));
    EXPECT_EQ(ref.at("$ref").get<std::string>().rfind("#/components/responses/", 0), 0u);
    EXPECT_TRUE(deref(ref).contains("description"));
    EXPECT_NE(description.find(status), std::string::npos) << "info.description does not mention " << status;
  }
  const json& not_allowed = deref(transport.at("405"));
  ASSERT_TRUE(not_allowed.contains("headers"));
  EXPECT_TRUE(not_allowed.at("headers").contains("Allow"));
}

// Every "$ref" in the document points at something that exists.
TEST(OpenApi, EveryReferenceResolves) {
  int refs = 0;
  std::function<void(const json&)> walk = [&](const json& node) {
    if (node.is_object()) {
      if (auto it = node.find("$ref"); it != node.end() && it->is_string()) {
        ++refs;
        const std::string ref = *it;
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
        EXPECT_TRUE(openapi().contains(json::json_pointer(ref.substr(1)))) << ref << " does not resolve";
      }
      for (const auto& [k, v] : node.items()) walk(v);
    } else if (node.is_array()) {
      for (const auto& v : node) walk(v);
    }
  };
  walk(openapi());
  EXPECT_GT(refs, 0);
}

// The answers' shapes are the documented schemas' properties, field for field.
TEST(OpenApi, SchemasMatchWhatTheServiceWrites) {
  const json& schemas = openapi().at("components").at("schemas");
  const json order = json::parse(order_json(seed_order()));
  EXPECT_EQ(keys_of(order), keys_of(schemas.at("Order").at("properties")));
  EXPECT_EQ(keys_of(order), schemas.at("Order").at("required").get<std::set<std::string>>());
  EXPECT_EQ(keys_of(order.at("items")[0]), keys_of(schemas.at("OrderItem").at("properties")));
  EXPECT_EQ(keys_of(json::parse(created_json(kOrder))), keys_of(schemas.at("OrderCreated").at("properties")));
  // The request schema names exactly the fields parse_create reads.
  EXPECT_EQ(keys_of(schemas.at("CreateOrderRequest").at("properties")),
            (std::set<std::string>{"customerId", "items", "idempotencyKey"}));
  EXPECT_EQ(keys_of(schemas.at("OrderItemRequest").at("properties")),
            (std::set<std::string>{"productId", "quantity", "unitPrice"}));
  // The 404 of GET /orders/{id} has no body.
  EXPECT_FALSE(deref(openapi().at("paths").at("/orders/{id}").at("get").at("responses").at("404")).contains("content"));
}

// ---------------------------------------------------------------- match()

void expect_route(std::string_view method, std::string_view target, RouteId route, const std::string& param = "") {
  const Match m = match(method, target);
  EXPECT_EQ(m.status, 200u) << method << " " << target;
  EXPECT_STREQ(route_name(m.route), route_name(route)) << method << " " << target;
  EXPECT_EQ(m.path_param, param) << method << " " << target;
  EXPECT_EQ(m.allow, "") << method << " " << target;
}

void expect_status(std::string_view method, std::string_view target, unsigned status, const std::string& allow = "") {
  const Match m = match(method, target);
  EXPECT_EQ(m.status, status) << method << " " << target;
  EXPECT_FALSE(m.route.has_value()) << method << " " << target << " -> " << route_name(m.route);
  EXPECT_EQ(m.allow, allow) << method << " " << target;
}

TEST(Match, ExactPaths) {
  expect_route("POST", "/orders", RouteId::create_order);
  expect_route("GET", "/actuator/health", RouteId::health);
  expect_route("POST", "/chaos/phantom-event", RouteId::chaos_phantom);
}

TEST(Match, IdParameterIsOneUndecodedSegment) {
  expect_route("GET", std::string("/orders/") + kOrderText, RouteId::get_order, kOrderText);
  // Not validated by the router: the handler answers 400 for a malformed UUID.
  expect_route("GET", "/orders/not-a-uuid", RouteId::get_order, "not-a-uuid");
  expect_route("GET", "/orders/a%2Fb", RouteId::get_order, "a%2Fb");
}

TEST(Match, TrailingSlashAndExtraSegmentsAreNotFound) {
  expect_status("GET", "/orders/", 404);
  expect_status("POST", "/orders/", 404);
  expect_status("GET", std::string("/orders/") + kOrderText + "/", 404);
  expect_status("GET", std::string("/orders/") + kOrderText + "/items", 404);
  expect_status("GET", "/actuator/health/", 404);
  expect_status("POST", "/chaos/phantom-event/", 404);
  expect_status("GET", "/actuator", 404);
  expect_status("GET", "/", 404);
  expect_status("GET", "", 404);
  expect_status("GET", "/ORDERS/x", 404);
  expect_status("GET", "/nope", 404);
}

TEST(Match, QueryStringIsIgnored) {
  expect_route("POST", "/orders?dryRun=true", RouteId::create_order);
  expect_route("GET", "/orders/abc?x=1&y=/z", RouteId::get_order, "abc");
  expect_route("GET", "/actuator/health?", RouteId::health);
  expect_status("GET", "/orders/?id=abc", 404);
  expect_status("GET", "/orders?x=1", 405, "POST");
}

TEST(Match, WrongMethodIs405WithAllow) {
  expect_status("GET", "/orders", 405, "POST");
  expect_status("DELETE", "/orders", 405, "POST");
  expect_status("POST", "/orders/abc", 405, "GET");
  expect_status("PUT", "/orders/abc", 405, "GET");
  expect_status("HEAD", "/actuator/health", 405, "GET");
  expect_status("POST", "/actuator/health", 405, "GET");
  expect_status("GET", "/chaos/phantom-event", 405, "POST");
  // Methods are case-sensitive (RFC 9110).
  expect_status("post", "/orders", 405, "POST");
}

// Every route the table has is reachable through match() with its own method.
TEST(Match, EveryRouteInTheTableMatches) {
  for (const RouteSpec& r : routes()) {
    std::string target = r.path;
    if (auto brace = target.find("{id}"); brace != std::string::npos) target.replace(brace, 4, kOrderText);
    const Match m = match(r.method, target);
    EXPECT_EQ(m.status, 200u) << r.method << " " << target;
    EXPECT_STREQ(route_name(m.route), route_name(r.id)) << r.method << " " << target;
  }
}

// ---------------------------------------------------------------- content type

TEST(ContentType, AcceptsApplicationJsonWithParametersInAnyCase) {
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/json;charset=UTF-8"));
  EXPECT_TRUE(is_json_content_type("Application/JSON"));
  EXPECT_TRUE(is_json_content_type("APPLICATION/JSON; Charset=UTF-8"));
  EXPECT_TRUE(is_json_content_type(" application/json "));
}

TEST(ContentType, RejectsEverythingElse) {
  EXPECT_FALSE(is_json_content_type(""));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("text/plain; charset=utf-8"));
  EXPECT_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_content_type("multipart/form-data; boundary=x"));
  EXPECT_FALSE(is_json_content_type("application/jsonp"));
  EXPECT_FALSE(is_json_content_type("application/json-patch+json"));
  EXPECT_FALSE(is_json_content_type("text/json"));
  EXPECT_FALSE(is_json_content_type("application"));
}

// ---------------------------------------------------------------- idempotency key

TEST(IdempotencyKey, OneTo255PrintableAscii) {
  EXPECT_FALSE(idempotency_key_problem("checkout-4711", "Idempotency-Key"));
  EXPECT_FALSE(idempotency_key_problem("a b ~!", "Idempotency-Key"));
  EXPECT_FALSE(idempotency_key_problem(std::string(255, 'k'), "Idempotency-Key"));
  EXPECT_EQ(idempotency_key_problem("", "Idempotency-Key"), "Idempotency-Key cannot be empty");
  EXPECT_EQ(idempotency_key_problem(std::string(256, 'k'), "Idempotency-Key"),
            "Idempotency-Key must be at most 255 characters");
  EXPECT_EQ(idempotency_key_problem("a\tb", "Idempotency-Key"), "Idempotency-Key must be printable ASCII");
  EXPECT_EQ(idempotency_key_problem("a\x7f", "Idempotency-Key"), "Idempotency-Key must be printable ASCII");
  EXPECT_EQ(idempotency_key_problem("caf\xc3\xa9", "idempotencyKey"), "idempotencyKey must be printable ASCII");
}

// ---------------------------------------------------------------- parse_create: accepted

TEST(ParseCreate, ReadsTheSeedsBody) {
  json b = order_body();
  b["idempotencyKey"] = "checkout-4711";
  auto r = parse_create(body(b));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->customer_id, kCustomer);
  ASSERT_EQ(r->items.size(), 1u);
  EXPECT_EQ(r->items[0].product_id, kProduct);
  EXPECT_EQ(r->items[0].quantity, 2);
  ASSERT_TRUE(r->items[0].unit_price);
  EXPECT_EQ(r->items[0].unit_price->cents(), 14995);
  EXPECT_EQ(r->idempotency_key, "checkout-4711");
}

TEST(ParseCreate, AcceptsUpperCaseUuidsUnknownFieldsAndNullKey) {
  auto r = parse_create(R"({"customerId":"550E8400-E29B-41D4-A716-446655440000","extra":{"a":1},"idempotencyKey":null,
                           "items":[{"productId":"6BA7B810-9DAD-11D1-80B4-00C04FD430C8","quantity":1,"unitPrice":3,"note":"x"}]})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->customer_id, kCustomer);
  EXPECT_EQ(r->items.at(0).product_id, kProduct);
  EXPECT_FALSE(r->idempotency_key);
}

TEST(ParseCreate, PricesAreExactCents) {
  const std::pair<const char*, std::int64_t> cases[] = {
      {"3", 300}, {"0.5", 50}, {"149.9", 14990}, {"149.95", 14995}, {"10.10", 1010}, {"0.01", 1},
      {"3.0", 300}, {"99999999.99", 9'999'999'999}, {"0.1", 10}, {"1234567.89", 123456789},
  };
  for (const auto& [text, cents] : cases) {
    const std::string b = std::string(R"({"customerId":")") + kCustomerText + R"(","items":[{"productId":")" +
                          kProductText + R"(","quantity":1,"unitPrice":)" + text + "}]}";
    auto r = parse_create(b);
    ASSERT_TRUE(r) << text << ": " << r.error().message;
    ASSERT_TRUE(r->items.at(0).unit_price) << text;
    EXPECT_EQ(r->items.at(0).unit_price->cents(), cents) << text;
  }
}

TEST(ParseCreate, QuantityUpToInt32Max) {
  auto r = parse_create(body(order_body(json::array({item({{"quantity", 2147483647}})}))));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->items.at(0).quantity, 2147483647);
}

TEST(ParseCreate, KeepsIdenticalLinesAsSent) {
  auto r = parse_create(body(order_body(json::array({item(), item()}))));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->items.size(), 2u);
}

// ---------------------------------------------------------------- parse_create: rejected

TEST(ParseCreate, MalformedJson) {
  for (const char* text : {"", "{", "not json", R"({"customerId":})", R"({"items":[}})", "{}}"}) {
    auto r = parse_create(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, domain::Errc::validation);
    EXPECT_EQ(r.error().message.rfind("malformed JSON at byte ", 0), 0u) << r.error().message;
  }
  expect_rejected("{", "malformed JSON at byte 2");
}

TEST(ParseCreate, NumbersBeyondADoubleAreRejectedNotThrown) {
  // nlohmann throws out_of_range (not parse_error) for these: still a 400.
  for (const char* text : {R"({"items":[{"quantity":1,"unitPrice":1e999}]})", "1e999", "[-1e400]"}) {
    auto r = parse_create(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, domain::Errc::validation);
    EXPECT_EQ(r.error().message.rfind("malformed JSON", 0), 0u) << r.error().message;
  }
}

TEST(ParseCreate, BodyMustBeAnObject) {
  expect_rejected("[]", "request body must be a JSON object, not an array");
  expect_rejected(R"("x")", "request body must be a JSON object, not a string");
  expect_rejected("null", "request body must be a JSON object, not null");
  expect_rejected("42", "request body must be a JSON object, not an integer");
  expect_rejected("4.2", "request body must be a JSON object, not a number");
  expect_rejected("true", "request body must be a JSON object, not a boolean");
}

TEST(ParseCreate, CustomerIdMustBeACanonicalUuidString) {
  json b = order_body();
  b["customerId"] = 42;
  expect_rejected(body(b), "customerId must be a UUID string, not an integer");
  b["customerId"] = true;
  expect_rejected(body(b), "customerId must be a UUID string, not a boolean");
  b["customerId"] = json::object();
  expect_rejected(body(b), "customerId must be a UUID string, not an object");
  b["customerId"] = "abc";
  expect_rejected(body(b), R"(customerId is not a valid UUID: "abc")");
  b["customerId"] = "550e8400e29b41d4a716446655440000";
  expect_rejected(body(b), R"(customerId is not a valid UUID: "550e8400e29b41d4a716446655440000")");
  b["customerId"] = "";
  expect_rejected(body(b), R"(customerId is not a valid UUID: "")");
}

TEST(ParseCreate, ItemsMustBeAnArrayOfObjects) {
  json b = order_body();
  b["items"] = "x";
  expect_rejected(body(b), "items must be an array, not a string");
  b["items"] = json::object();
  expect_rejected(body(b), "items must be an array, not an object");
  b["items"] = 3;
  expect_rejected(body(b), "items must be an array, not an integer");
  expect_rejected(body(order_body(json::array({1}))), "items[0] must be an object, not an integer");
  expect_rejected(body(order_body(json::array({item(), "x"}))), "items[1] must be an object, not a string");
  expect_rejected(body(order_body(json::array({item(), item(), nullptr}))), "items[2] must be an object, not null");
}

TEST(ParseCreate, ProductIdMustBeACanonicalUuidString) {
  expect_rejected(body(order_body(json::array({item({{"productId", "nope"}})}))),
                  R"(items[0].productId is not a valid UUID: "nope")");
  expect_rejected(body(order_body(json::array({item(), item({{"productId", 5}})}))),
                  "items[1].productId must be a UUID string, not an integer");
}

TEST(ParseCreate, QuantityMustBeAnInt32Integer) {
  expect_rejected(body(order_body(json::array({item({{"quantity", 1.5}})}))),
                  "items[0].quantity must be an integer, not a number");
  expect_rejected(body(order_body(json::array({item({{"quantity", 2.0}})}))),
                  "items[0].quantity must be an integer, not a number");
  expect_rejected(body(order_body(json::array({item({{"quantity", "2"}})}))),
                  "items[0].quantity must be an integer, not a string");
  expect_rejected(body(order_body(json::array({item({{"quantity", true}})}))),
                  "items[0].quantity must be an integer, not a boolean");
  expect_rejected(body(order_body(json::array({item({{"quantity", 2147483648LL}})}))),
                  "items[0].quantity exceeds 2147483647");
  expect_rejected(body(order_body(json::array({item({{"quantity", std::uint64_t{18446744073709551615ULL}}})}))),
                  "items[0].quantity exceeds 2147483647");
}

TEST(ParseCreate, UnitPriceMustBeANumberWithAtMostTwoDecimals) {
  expect_rejected(body(order_body(json::array({item({{"unitPrice", "149.95"}})}))),
                  "items[0].unitPrice must be a number, not a string");
  expect_rejected(body(order_body(json::array({item({{"unitPrice", json::object()}})}))),
                  "items[0].unitPrice must be a number, not an object");
  const std::string prefix = std::string(R"({"customerId":")") + kCustomerText + R"(","items":[{"productId":")" +
                             kProductText + R"(","quantity":1,"unitPrice":)";
  expect_rejected(prefix + "149.955}]}", "items[0].unitPrice: money amount has more than 2 decimal places: 149.955");
  expect_rejected(prefix + "0.001}]}", "items[0].unitPrice: money amount has more than 2 decimal places: 0.001");
  expect_rejected(prefix + "123456789}]}", "items[0].unitPrice: money amount exceeds NUMERIC(10,2): 123456789");
  expect_rejected(prefix + "1e20}]}", "items[0].unitPrice: malformed money amount: 1e+20");
}

TEST(ParseCreate, IdempotencyKeyFieldMustBeAValidString) {
  json b = order_body();
  b["idempotencyKey"] = 42;
  expect_rejected(body(b), "idempotencyKey must be a string, not an integer");
  b["idempotencyKey"] = json::array();
  expect_rejected(body(b), "idempotencyKey must be a string, not an array");
  b["idempotencyKey"] = "";
  expect_rejected(body(b), "idempotencyKey cannot be empty");
  b["idempotencyKey"] = std::string(256, 'k');
  expect_rejected(body(b), "idempotencyKey must be at most 255 characters");
  b["idempotencyKey"] = "line\nbreak";
  expect_rejected(body(b), "idempotencyKey must be printable ASCII");
  b["idempotencyKey"] = std::string(255, 'k');
  auto r = parse_create(body(b));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->idempotency_key, std::string(255, 'k'));
}

// ---------------------------------------------------------------- missing fields: the domain's messages

TEST(ParseCreate, MissingFieldsAreLeftToTheDomainWithTheSeedsMessages) {
  expect_domain_rejects("{}", "customerId cannot be null");
  expect_domain_rejects(R"({"customerId":null,"items":[]})", "customerId cannot be null");
  expect_domain_rejects(body(json{{"customerId", kCustomerText}}), "items cannot be empty");
  expect_domain_rejects(body(order_body(nullptr)), "items cannot be empty");
  expect_domain_rejects(body(order_body(json::array())), "items cannot be empty");
  expect_domain_rejects(body(order_body(json::array({item({{"productId", kRemove}})}))), "productId cannot be null");
  expect_domain_rejects(body(order_body(json::array({item({{"productId", nullptr}})}))), "productId cannot be null");
  expect_domain_rejects(body(order_body(json::array({item({{"quantity", kRemove}})}))), "quantity must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"quantity", nullptr}})}))), "quantity must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"quantity", 0}})}))), "quantity must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"quantity", -1}})}))), "quantity must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"unitPrice", kRemove}})}))), "unitPrice cannot be null");
  expect_domain_rejects(body(order_body(json::array({item({{"unitPrice", nullptr}})}))), "unitPrice cannot be null");
  expect_domain_rejects(body(order_body(json::array({item({{"unitPrice", 0}})}))), "unitPrice must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"unitPrice", -5.5}})}))), "unitPrice must be positive");
  expect_domain_rejects(body(order_body(json::array({item({{"quantity", 2}, {"unitPrice", 99999999.99}})}))),
                        "total exceeds NUMERIC(10,2)");
  // The first failing line decides, as in the seed.
  expect_domain_rejects(body(order_body(json::array({item(), item({{"unitPrice", kRemove}}), item({{"quantity", 0}})}))),
                        "unitPrice cannot be null");
}

// ---------------------------------------------------------------- answers

TEST(Answers, CreatedJsonIsTheOrderId) {
  EXPECT_EQ(created_json(kOrder), std::string(R"({"orderId":")") + kOrderText + R"("})");
  const json j = json::parse(created_json(kOrder));
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.at("orderId"), kOrderText);
}

TEST(Answers, OrderJsonHasTheSeedsShape) {
  const std::string text = order_json(seed_order());
  const json j = json::parse(text);
  EXPECT_EQ(keys_of(j), (std::set<std::string>{"id", "customerId", "status", "total", "items", "createdAt", "updatedAt"}));
  EXPECT_EQ(j.at("id"), kOrderText);
  EXPECT_EQ(j.at("customerId"), kCustomerText);
  EXPECT_EQ(j.at("status"), "CREATED");
  EXPECT_TRUE(j.at("total").is_number());
  EXPECT_DOUBLE_EQ(j.at("total").get<double>(), 299.90);
  ASSERT_TRUE(j.at("items").is_array());
  ASSERT_EQ(j.at("items").size(), 1u);
  const json& line = j.at("items")[0];
  EXPECT_EQ(keys_of(line), (std::set<std::string>{"productId", "quantity", "unitPrice"}));
  EXPECT_EQ(line.at("productId"), kProductText);
  EXPECT_TRUE(line.at("quantity").is_number_integer());
  EXPECT_EQ(line.at("quantity"), 2);
  EXPECT_DOUBLE_EQ(line.at("unitPrice").get<double>(), 149.95);
  EXPECT_EQ(j.at("createdAt"), "2026-02-21T10:00:00Z");
  EXPECT_EQ(j.at("updatedAt"), "2026-02-21T10:00:00Z");
  // Money is printed with two decimals as raw JSON numbers, never as strings.
  EXPECT_NE(text.find(R"("total":299.90,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("unitPrice":149.95})"), std::string::npos) << text;
}

TEST(Answers, OrderJsonExactText) {
  EXPECT_EQ(order_json(seed_order()),
            std::string(R"({"id":")") + kOrderText + R"(","customerId":")" + kCustomerText +
                R"(","status":"CREATED","total":299.90,"items":[{"productId":")" + kProductText +
                R"(","quantity":2,"unitPrice":149.95}],"createdAt":"2026-02-21T10:00:00Z","updatedAt":"2026-02-21T10:00:00Z"})");
}

TEST(Answers, CancelledOrderWholeAmountsAndMicroseconds) {
  domain::CreateOrderRequest req{kCustomer,
                                 {domain::ItemRequest{kProduct, 3, domain::Money::from_cents(500)},
                                  domain::ItemRequest{kCustomer, 1, domain::Money::from_cents(5)}},
                                 std::string("k")};
  auto order = domain::Order::create(kOrder, req, kNow);
  ASSERT_TRUE(order) << order.error().message;
  ASSERT_TRUE(order->cancel(domain::Timestamp{kNow.us + 300'123'456}));
  const std::string text = order_json(*order);
  const json j = json::parse(text);
  EXPECT_EQ(j.at("status"), "CANCELLED");
  EXPECT_EQ(j.at("createdAt"), "2026-02-21T10:00:00Z");
  EXPECT_EQ(j.at("updatedAt"), "2026-02-21T10:05:00.123456Z");
  ASSERT_EQ(j.at("items").size(), 2u);
  EXPECT_EQ(j.at("items")[1].at("productId"), kCustomerText);  // lines in the order sent
  EXPECT_NE(text.find(R"("total":15.05,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("unitPrice":5.00})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("unitPrice":0.05})"), std::string::npos) << text;
  EXPECT_EQ(j.find("idempotencyKey"), j.end());  // not part of the answer
}

// What a client sends comes back as it was meant: parse, create, answer.
TEST(Answers, RoundTripThroughTheDomain) {
  json b = order_body(json::array({item({{"quantity", 4}, {"unitPrice", 0.1}}), item()}));
  auto req = parse_create(body(b));
  ASSERT_TRUE(req) << req.error().message;
  auto order = domain::Order::create(kOrder, *req, kNow);
  ASSERT_TRUE(order) << order.error().message;
  const std::string text = order_json(*order);
  EXPECT_NE(text.find(R"("total":300.30,)"), std::string::npos) << text;
  const json j = json::parse(text);
  EXPECT_EQ(j.at("items")[0].at("quantity"), 4);
  EXPECT_DOUBLE_EQ(j.at("items")[0].at("unitPrice").get<double>(), 0.1);
}

}  // namespace
}  // namespace dwsim::real::api
