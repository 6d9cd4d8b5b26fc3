// Order and OrderItem: the seed's domain, with its exact validation messages.
// dwsim decisions (seed-system.md): money is exact (integer cents); a unit price
// with more than two decimals or a total beyond NUMERIC(10,2) is rejected;
// identical item lines are kept as sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/money.h"
#include "domain/result.h"
#include "domain/time.h"
#include "domain/uuid.h"

namespace dwsim::domain {

enum class OrderStatus { created, cancelled };
const char* status_name(OrderStatus status);  // "CREATED" / "CANCELLED"

struct OrderItem {
  Uuid product_id;
  std::int32_t quantity = 0;
  Money unit_price;

  Money subtotal() const { return Money::from_cents(unit_price.cents() * quantity); }
  bool operator==(const OrderItem&) const = default;

  // Validates one line. Messages are the seed's, exactly:
  // "productId cannot be null", "quantity must be positive",
  // "unitPrice cannot be null", "unitPrice must be positive".
  static Result<OrderItem> create(std::optional<Uuid> product_id, std::int64_t quantity,
                                  std::optional<Money> unit_price);
};

// What a client sends to create an order, before validation.
struct ItemRequest {
  std::optional<Uuid> product_id;
  std::int64_t quantity = 0;
  std::optional<Money> unit_price;
};
struct CreateOrderRequest {
  std::optional<Uuid> customer_id;
  std::vector<ItemRequest> items;
  std::optional<std::string> idempotency_key;
};

class Order {
 public:
  // Validates and builds a new order: status CREATED, createdAt = updatedAt = now.
  // Errors: "customerId cannot be null", "items cannot be empty", an item's error,
  // "total exceeds NUMERIC(10,2)".
  static Result<Order> create(Uuid id, const CreateOrderRequest& request, Timestamp now);
  // Rebuilds a stored order (repositories only); no validation.
  static Order restore(Uuid id, Uuid customer_id, OrderStatus status, std::vector<OrderItem> items, Money total,
                       Timestamp created_at, Timestamp updated_at, std::optional<std::string> idempotency_key);

  // CREATED -> CANCELLED. Error "Order is already cancelled" otherwise.
  Result<void> cancel(Timestamp now);

  const Uuid& id() const { return id_; }
  const Uuid& customer_id() const { return customer_id_; }
  OrderStatus status() const { return status_; }
  const std::vector<OrderItem>& items() const { return items_; }
  Money total() const { return total_; }
  Timestamp created_at() const { return created_at_; }
  Timestamp updated_at() const { return updated_at_; }
  const std::optional<std::string>& idempotency_key() const { return idempotency_key_; }

  bool operator==(const Order&) const = default;

 private:
  Order() = default;
  Uuid id_;
  Uuid customer_id_;
  OrderStatus status_ = OrderStatus::created;
  std::vector<OrderItem> items_;
  Money total_;
  Timestamp created_at_;
  Timestamp updated_at_;
  std::optional<std::string> idempotency_key_;
};

// "Order not found: <uuid>", the seed's text.
Error order_not_found(const Uuid& id);

}  // namespace dwsim::domain
