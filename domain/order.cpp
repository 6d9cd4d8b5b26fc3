#include "domain/order.h"

#include <limits>

namespace dwsim::domain {

const char* status_name(OrderStatus status) {
  return status == OrderStatus::created ? "CREATED" : "CANCELLED";
}

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::validation: return "validation";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::unavailable: return "unavailable";
    case Errc::timeout: return "timeout";
    case Errc::ambiguous: return "ambiguous";
    case Errc::aborted: return "aborted";
    case Errc::internal: return "internal";
  }
  return "?";
}

Result<OrderItem> OrderItem::create(std::optional<Uuid> product_id, std::int64_t quantity,
                                    std::optional<Money> unit_price) {
  if (!product_id) return make_error(Errc::validation, "productId cannot be null");
  if (quantity <= 0) return make_error(Errc::validation, "quantity must be positive");
  if (quantity > std::numeric_limits<std::int32_t>::max()) {
    return make_error(Errc::validation, "quantity exceeds the INT range");
  }
  if (!unit_price) return make_error(Errc::validation, "unitPrice cannot be null");
  if (unit_price->cents() <= 0) return make_error(Errc::validation, "unitPrice must be positive");
  return OrderItem{*product_id, static_cast<std::int32_t>(quantity), *unit_price};
}

Result<Order> Order::create(Uuid id, const CreateOrderRequest& request, Timestamp now) {
  if (!request.customer_id) return make_error(Errc::validation, "customerId cannot be null");
  if (request.items.empty()) return make_error(Errc::validation, "items cannot be empty");
  Order order;
  order.items_.reserve(request.items.size());
  std::int64_t total = 0;
  for (const ItemRequest& line : request.items) {
    auto item = OrderItem::create(line.product_id, line.quantity, line.unit_price);
    if (!item) return item.error();
    const std::int64_t unit = item->unit_price.cents();
    // Overflow-safe bound check: total + unit * quantity <= kMaxCents.
    if (unit > Money::kMaxCents / item->quantity || total > Money::kMaxCents - unit * item->quantity) {
      return make_error(Errc::validation, "total exceeds NUMERIC(10,2)");
    }
    total += unit * item->quantity;
    order.items_.push_back(*item);
  }
  order.id_ = id;
  order.customer_id_ = *request.customer_id;
  order.status_ = OrderStatus::created;
  order.total_ = Money::from_cents(total);
  order.created_at_ = now;
  order.updated_at_ = now;
  order.idempotency_key_ = request.idempotency_key;
  return order;
}

Order Order::restore(Uuid id, Uuid customer_id, OrderStatus status, std::vector<OrderItem> items, Money total,
                     Timestamp created_at, Timestamp updated_at, std::optional<std::string> idempotency_key) {
  Order order;
  order.id_ = id;
  order.customer_id_ = customer_id;
  order.status_ = status;
  order.items_ = std::move(items);
  order.total_ = total;
  order.created_at_ = created_at;
  order.updated_at_ = updated_at;
  order.idempotency_key_ = std::move(idempotency_key);
  return order;
}

Result<void> Order::cancel(Timestamp now) {
  if (status_ == OrderStatus::cancelled) return make_error(Errc::validation, "Order is already cancelled");
  status_ = OrderStatus::cancelled;
  updated_at_ = now;
  return {};
}

Error order_not_found(const Uuid& id) { return make_error(Errc::not_found, "Order not found: " + id.str()); }

}  // namespace dwsim::domain
