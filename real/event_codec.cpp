#include "real/event_codec.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace dwsim::real {
namespace {

using nlohmann::json;

std::string quoted(const std::string& s) { return json(s).dump(); }

std::optional<domain::Uuid> uuid_field(const json& j, const char* name, std::string* why) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) {
    *why = std::string("field '") + name + "' is missing or not a string";
    return std::nullopt;
  }
  auto id = domain::Uuid::parse(it->get<std::string>());
  if (!id) *why = std::string("field '") + name + "' is not a UUID";
  return id;
}

// A JSON number with at most two decimals. The shortest text that round-trips
// the parsed double is the text that was sent for every NUMERIC(10,2) value.
std::optional<domain::Money> money_field(const json& j, const char* name, std::string* why) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number()) {
    *why = std::string("field '") + name + "' is missing or not a number";
    return std::nullopt;
  }
  auto m = domain::Money::parse(it->dump());
  if (!m) {
    *why = std::string("field '") + name + "': " + m.error().message;
    return std::nullopt;
  }
  return *m;
}

std::optional<domain::Timestamp> time_field(const json& j, const char* name, std::string* why) {
  auto it = j.find(name);
  domain::Timestamp t;
  if (it == j.end() || !it->is_string() || !parse_iso8601(it->get<std::string>(), &t)) {
    *why = std::string("field '") + name + "' is missing or not an ISO-8601 UTC time";
    return std::nullopt;
  }
  return t;
}

}  // namespace

std::string encode_created(const domain::OrderCreatedEvent& e) {
  std::string out;
  out.reserve(256 + 128 * e.items.size());
  out += "{\"eventId\":" + quoted(e.event_id.str());
  out += ",\"orderId\":" + quoted(e.order_id.str());
  out += ",\"customerId\":" + quoted(e.customer_id.str());
  out += ",\"totalAmount\":" + e.total_amount.str();
  out += ",\"items\":[";
  for (std::size_t i = 0; i < e.items.size(); ++i) {
    const auto& it = e.items[i];
    if (i > 0) out += ',';
    out += "{\"productId\":" + quoted(it.product_id.str()) + ",\"quantity\":" + std::to_string(it.quantity) +
           ",\"unitPrice\":" + it.unit_price.str() + "}";
  }
  out += "],\"occurredAt\":" + quoted(domain::iso8601(e.occurred_at)) + "}";
  return out;
}

std::string encode_cancelled(const domain::OrderCancelledEvent& e) {
  return "{\"eventId\":" + quoted(e.event_id.str()) + ",\"orderId\":" + quoted(e.order_id.str()) +
         ",\"reason\":" + quoted(e.reason) + ",\"occurredAt\":" + quoted(domain::iso8601(e.occurred_at)) + "}";
}

domain::EventPayload decode_created(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return domain::MalformedEvent{"not a JSON object"};
  std::string why;
  domain::OrderCreatedEvent e;
  auto event_id = uuid_field(j, "eventId", &why);
  auto order_id = event_id ? uuid_field(j, "orderId", &why) : std::nullopt;
  auto customer = order_id ? uuid_field(j, "customerId", &why) : std::nullopt;
  auto total = customer ? money_field(j, "totalAmount", &why) : std::nullopt;
  auto at = total ? time_field(j, "occurredAt", &why) : std::nullopt;
  if (!at) return domain::MalformedEvent{why};
  auto items = j.find("items");
  if (items == j.end() || !items->is_array()) return domain::MalformedEvent{"field 'items' is missing or not an array"};
  for (const json& item : *items) {
    if (!item.is_object()) return domain::MalformedEvent{"an item is not an object"};
    auto product = uuid_field(item, "productId", &why);
    auto price = product ? money_field(item, "unitPrice", &why) : std::nullopt;
    if (!price) return domain::MalformedEvent{why};
    auto q = item.find("quantity");
    if (q == item.end() || !q->is_number_integer()) return domain::MalformedEvent{"item quantity is not an integer"};
    e.items.push_back(domain::OrderItem{*product, q->get<std::int32_t>(), *price});
  }
  e.event_id = *event_id;
  e.order_id = *order_id;
  e.customer_id = *customer;
  e.total_amount = *total;
  e.occurred_at = *at;
  return e;
}

domain::EventPayload decode_cancelled(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return domain::MalformedEvent{"not a JSON object"};
  std::string why;
  // Only orderId is needed (the seed's consumer); the rest is taken if present.
  auto order_id = uuid_field(j, "orderId", &why);
  if (!order_id) return domain::MalformedEvent{why};
  domain::OrderCancelledEvent e;
  e.order_id = *order_id;
  if (auto id = j.find("eventId"); id != j.end() && id->is_string()) {
    if (auto parsed = domain::Uuid::parse(id->get<std::string>())) e.event_id = *parsed;
  }
  if (auto r = j.find("reason"); r != j.end() && r->is_string()) e.reason = r->get<std::string>();
  if (auto t = j.find("occurredAt"); t != j.end() && t->is_string()) parse_iso8601(t->get<std::string>(), &e.occurred_at);
  return e;
}

bool parse_iso8601(std::string_view s, domain::Timestamp* out) {
  int y, mo, d, h, mi, sec, n = 0;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return false;
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return false;
  // days_from_civil (Howard Hinnant), the inverse of domain::iso8601.
  const int yy = y - (mo <= 2);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(yy - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(mo + (mo > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
  out->us = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1'000'000) + micros;
  return true;
}

}  // namespace dwsim::real
