// The events of the seed's service. order.created is published by the order
// service; order.cancelled is consumed by it. The Kafka key is the orderId.
// The idempotency key, when the request had one, travels as a record header
// (not in the JSON payload) so the oracle can check idempotent-create.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/order.h"

namespace dwsim::domain {

inline constexpr const char* kTopicOrderCreated = "order.created";
inline constexpr const char* kTopicOrderCancelled = "order.cancelled";

struct OrderCreatedEvent {
  Uuid event_id;
  Uuid order_id;
  Uuid customer_id;
  Money total_amount;
  std::vector<OrderItem> items;
  Timestamp occurred_at;
  std::optional<std::string> idempotency_key;  // header, not payload

  bool operator==(const OrderCreatedEvent&) const = default;
  static OrderCreatedEvent of(const Order& order, Uuid event_id, Timestamp occurred_at);
  // Same business payload as the order (customer, total, items)?
  bool matches(const Order& order) const;
};

struct OrderCancelledEvent {
  Uuid event_id;
  Uuid order_id;
  std::string reason;
  Timestamp occurred_at;
  bool operator==(const OrderCancelledEvent&) const = default;
};

}  // namespace dwsim::domain
