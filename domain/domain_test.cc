// Unit tests of the domain model: the seed's exact validation messages, exact
// money, and the event payload. No ports, no time, no randomness.
#include <gtest/gtest.h>

#include "domain/events.h"
#include "domain/money.h"
#include "domain/order.h"
#include "domain/time.h"
#include "domain/uuid.h"

namespace dwsim::domain {
namespace {

const Uuid kCustomer = *Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
const Uuid kProduct = *Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
const Timestamp kNow{1'771'668'000'000'000};

CreateOrderRequest seed_request() {
  return CreateOrderRequest{kCustomer, {ItemRequest{kProduct, 2, *Money::parse("149.95")}}, std::nullopt};
}

TEST(Uuid, RoundTripsCanonicalText) {
  EXPECT_EQ(kCustomer.str(), "550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(Uuid::parse("550E8400-E29B-41D4-A716-446655440000"), kCustomer);
  EXPECT_FALSE(Uuid::parse("550e8400e29b-41d4-a716-446655440000-"));
  EXPECT_FALSE(Uuid::parse("550e8400-e29b-41d4-a716-44665544000g"));
  EXPECT_FALSE(Uuid::parse(""));
  const Uuid v4 = Uuid::v4_from_bits(~0ull, ~0ull);
  EXPECT_EQ(v4.str()[14], '4');
  EXPECT_EQ(v4.str()[19], 'b');
}

TEST(Money, ParsesExactCents) {
  EXPECT_EQ(Money::parse("149.95")->cents(), 14995);
  EXPECT_EQ(Money::parse("3")->cents(), 300);
  EXPECT_EQ(Money::parse("0.5")->cents(), 50);
  EXPECT_EQ(Money::parse("99999999.99")->cents(), Money::kMaxCents);
  EXPECT_EQ(Money::from_cents(29990).str(), "299.90");
  EXPECT_EQ(Money::from_cents(5).str(), "0.05");
}

TEST(Money, RejectsWhatNumeric10_2CannotHold) {
  EXPECT_EQ(Money::parse("1.999").error().message, "money amount has more than 2 decimal places: 1.999");
  EXPECT_FALSE(Money::parse("100000000.00"));
  EXPECT_FALSE(Money::parse("1e3"));
  EXPECT_FALSE(Money::parse("."));
  EXPECT_FALSE(Money::parse("1."));
  EXPECT_FALSE(Money::parse(""));
}

TEST(Order, CreateComputesTotalAndStatus) {
  auto order = Order::create(kProduct, seed_request(), kNow);
  ASSERT_TRUE(order);
  EXPECT_EQ(order->total().str(), "299.90");
  EXPECT_EQ(order->status(), OrderStatus::created);
  EXPECT_EQ(order->created_at(), kNow);
  EXPECT_EQ(order->updated_at(), kNow);
}

TEST(Order, KeepsIdenticalLinesAsSent) {
  auto request = seed_request();
  request.items.push_back(request.items.front());
  auto order = Order::create(kProduct, request, kNow);
  ASSERT_TRUE(order);
  EXPECT_EQ(order->items().size(), 2u);
  EXPECT_EQ(order->total().str(), "599.80");
}

TEST(Order, SeedValidationMessagesExactly) {
  auto message = [](CreateOrderRequest r) { return Order::create(Uuid{1, 1}, r, kNow).error().message; };
  auto r = seed_request();
  r.customer_id.reset();
  EXPECT_EQ(message(r), "customerId cannot be null");
  r = seed_request();
  r.items.clear();
  EXPECT_EQ(message(r), "items cannot be empty");
  r = seed_request();
  r.items[0].product_id.reset();
  EXPECT_EQ(message(r), "productId cannot be null");
  r = seed_request();
  r.items[0].quantity = 0;
  EXPECT_EQ(message(r), "quantity must be positive");
  r.items[0].quantity = -3;
  EXPECT_EQ(message(r), "quantity must be positive");
  r = seed_request();
  r.items[0].unit_price.reset();
  EXPECT_EQ(message(r), "unitPrice cannot be null");
  r = seed_request();
  r.items[0].unit_price = Money::from_cents(0);
  EXPECT_EQ(message(r), "unitPrice must be positive");
  r = seed_request();
  r.items[0].quantity = 2;
  r.items[0].unit_price = Money::from_cents(Money::kMaxCents);
  EXPECT_EQ(message(r), "total exceeds NUMERIC(10,2)");
}

TEST(Order, CancelOnceThenRefuses) {
  auto order = *Order::create(kProduct, seed_request(), kNow);
  ASSERT_TRUE(order.cancel(Timestamp{kNow.us + 5}));
  EXPECT_EQ(order.status(), OrderStatus::cancelled);
  EXPECT_EQ(order.updated_at().us, kNow.us + 5);
  EXPECT_EQ(order.cancel(kNow).error().message, "Order is already cancelled");
  EXPECT_EQ(order_not_found(kCustomer).message, "Order not found: 550e8400-e29b-41d4-a716-446655440000");
}

TEST(Events, PayloadMatchesItsOrder) {
  auto order = *Order::create(kProduct, seed_request(), kNow);
  auto event = OrderCreatedEvent::of(order, Uuid{7, 7}, kNow);
  EXPECT_TRUE(event.matches(order));
  event.total_amount = Money::from_cents(1);
  EXPECT_FALSE(event.matches(order));
}

TEST(Time, Iso8601Utc) {
  EXPECT_EQ(iso8601(kNow), "2026-02-21T10:00:00Z");
  EXPECT_EQ(iso8601(Timestamp{0}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601(Timestamp{kNow.us + 1500}), "2026-02-21T10:00:00.001500Z");
}

}  // namespace
}  // namespace dwsim::domain
