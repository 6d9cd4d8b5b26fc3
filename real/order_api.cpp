#include "real/order_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

#include "domain/time.h"

namespace dwsim::real::api {
namespace {

using domain::Errc;
using domain::make_error;
using nlohmann::json;

std::string quoted(const std::string& s) { return json(s).dump(-1, ' ', false, json::error_handler_t::replace); }

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

// A UUID field: absent or null gives nullopt (the domain's "cannot be null");
// anything else must be a canonical UUID string.
domain::Result<std::optional<domain::Uuid>> uuid_field(const json& obj, const char* name, const std::string& path) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<domain::Uuid>{};
  if (!it->is_string()) {
    return make_error(Errc::validation, path + " must be a UUID string, not " + type_name(*it));
  }
  auto id = domain::Uuid::parse(it->get_ref<const std::string&>());
  if (!id) return make_error(Errc::validation, path + " is not a valid UUID: " + quoted(it->get<std::string>()));
  return std::optional<domain::Uuid>{*id};
}

}  // namespace

const std::vector<RouteSpec>& routes() {
  static const std::vector<RouteSpec> table = {
      {RouteId::create_order, "POST", "/orders", {201, 400, 413, 415, 500, 503}},
      {RouteId::get_order, "GET", "/orders/{id}", {200, 400, 404, 500, 503}},
      {RouteId::health, "GET", "/actuator/health", {200, 500, 503}},
      {RouteId::chaos_phantom, "POST", "/chaos/phantom-event", {200, 400, 404, 413, 415, 500, 503}},
  };
  return table;
}

const std::vector<unsigned>& transport_statuses() {
  static const std::vector<unsigned> s = {400, 404, 405, 413, 431, 500, 503};
  return s;
}

Match match(std::string_view method, std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  Match m;
  std::string allow;
  std::vector<std::string_view> methods;
  for (const RouteSpec& r : routes()) {
    const std::string_view pattern = r.path;
    bool same = false;
    std::string param;
    if (const auto brace = pattern.find('{'); brace != std::string_view::npos) {
      const std::string_view prefix = pattern.substr(0, brace);
      if (path.size() > prefix.size() && path.substr(0, prefix.size()) == prefix) {
        const std::string_view rest = path.substr(prefix.size());
        if (rest.find('/') == std::string_view::npos) {
          same = true;
          param = std::string(rest);
        }
      }
    } else {
      same = path == pattern;
    }
    if (!same) continue;
    if (method == r.method) {
      m.status = 200;
      m.route = r.id;
      m.path_param = std::move(param);
      return m;
    }
    if (std::find(methods.begin(), methods.end(), std::string_view(r.method)) == methods.end()) {
      methods.push_back(r.method);
      allow += (allow.empty() ? "" : ", ") + std::string(r.method);
    }
  }
  m.status = allow.empty() ? 404 : 405;
  m.allow = std::move(allow);
  return m;
}

bool is_json_content_type(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  while (!media.empty() && std::isspace(static_cast<unsigned char>(media.back()))) media.pop_back();
  std::size_t start = 0;
  while (start < media.size() && std::isspace(static_cast<unsigned char>(media[start]))) ++start;
  media = media.substr(start);
  for (char& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json";
}

std::optional<std::string> idempotency_key_problem(std::string_view key, const char* where) {
  if (key.empty()) return std::string(where) + " cannot be empty";
  if (key.size() > 255) return std::string(where) + " must be at most 255 characters";
  for (char c : key) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return std::string(where) + " must be printable ASCII";
    }
  }
  return std::nullopt;
}

domain::Result<domain::CreateOrderRequest> parse_create(std::string_view body) {
  json j;
  try {
    j = json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    return make_error(Errc::validation, "malformed JSON at byte " + std::to_string(e.byte));
  } catch (const json::exception& e) {  // e.g. out_of_range: a number beyond a double (1e999)
    return make_error(Errc::validation, std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) return make_error(Errc::validation, std::string("request body must be a JSON object, not ") + type_name(j));
  domain::CreateOrderRequest req;
  auto customer = uuid_field(j, "customerId", "customerId");
  if (!customer) return customer.error();
  req.customer_id = *customer;
  if (auto key = j.find("idempotencyKey"); key != j.end() && !key->is_null()) {
    if (!key->is_string()) return make_error(Errc::validation, std::string("idempotencyKey must be a string, not ") + type_name(*key));
    const auto& text = key->get_ref<const std::string&>();
    if (auto problem = idempotency_key_problem(text, "idempotencyKey")) return make_error(Errc::validation, *problem);
    req.idempotency_key = text;
  }
  auto items = j.find("items");
  if (items == j.end() || items->is_null()) return req;  // the domain says "items cannot be empty"
  if (!items->is_array()) return make_error(Errc::validation, std::string("items must be an array, not ") + type_name(*items));
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json& item = (*items)[i];
    const std::string at = "items[" + std::to_string(i) + "]";
    if (!item.is_object()) return make_error(Errc::validation, at + " must be an object, not " + type_name(item));
    domain::ItemRequest line;
    auto product = uuid_field(item, "productId", at + ".productId");
    if (!product) return product.error();
    line.product_id = *product;
    // A missing quantity is 0, as the seed's int field was ("quantity must be positive").
    if (auto q = item.find("quantity"); q != item.end() && !q->is_null()) {
      if (!q->is_number_integer()) {
        return make_error(Errc::validation, at + ".quantity must be an integer, not " + type_name(*q));
      }
      if (q->is_number_unsigned() ? q->get<std::uint64_t>() > std::numeric_limits<std::int32_t>::max()
                                  : q->get<std::int64_t>() > std::numeric_limits<std::int32_t>::max()) {
        return make_error(Errc::validation, at + ".quantity exceeds " +
                                                std::to_string(std::numeric_limits<std::int32_t>::max()));
      }
      line.quantity = q->is_number_unsigned() ? static_cast<std::int64_t>(q->get<std::uint64_t>()) : q->get<std::int64_t>();
    }
    if (auto p = item.find("unitPrice"); p != item.end() && !p->is_null()) {
      if (!p->is_number()) return make_error(Errc::validation, at + ".unitPrice must be a number, not " + type_name(*p));
      // The shortest text that round-trips the parsed number is the text
      // sent for every value with at most two decimals.
      auto price = domain::Money::parse(p->dump());
      if (!price) return make_error(Errc::validation, at + ".unitPrice: " + price.error().message);
      line.unit_price = *price;
    }
    req.items.push_back(line);
  }
  return req;
}

std::string created_json(const domain::Uuid& order_id) { return "{\"orderId\":\"" + order_id.str() + "\"}"; }

std::string order_json(const domain::Order& o) {
  std::string out;
  out.reserve(256 + 128 * o.items().size());
  out += "{\"id\":\"" + o.id().str() + "\",\"customerId\":\"" + o.customer_id().str() + "\",\"status\":\"" +
         domain::status_name(o.status()) + "\",\"total\":" + o.total().str() + ",\"items\":[";
  for (std::size_t i = 0; i < o.items().size(); ++i) {
    const auto& it = o.items()[i];
    if (i > 0) out += ',';
    out += "{\"productId\":\"" + it.product_id.str() + "\",\"quantity\":" + std::to_string(it.quantity) +
           ",\"unitPrice\":" + it.unit_price.str() + "}";
  }
  out += "],\"createdAt\":\"" + domain::iso8601(o.created_at()) + "\",\"updatedAt\":\"" +
         domain::iso8601(o.updated_at()) + "\"}";
  return out;
}

}  // namespace dwsim::real::api
