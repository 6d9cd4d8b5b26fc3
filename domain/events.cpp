#include "domain/events.h"

namespace dwsim::domain {

OrderCreatedEvent OrderCreatedEvent::of(const Order& order, Uuid event_id, Timestamp occurred_at) {
  return OrderCreatedEvent{event_id,      order.id(),   order.customer_id(),     order.total(),
                           order.items(), occurred_at, order.idempotency_key()};
}

bool OrderCreatedEvent::matches(const Order& order) const {
  return order_id == order.id() && customer_id == order.customer_id() && total_amount == order.total() &&
         items == order.items();
}

}  // namespace dwsim::domain
