// The wire form of the events: the seed's JSON, round trips, and malformed
// payloads turned into values (never exceptions) a consumer can log and skip.
#include "real/event_codec.h"

#include <gtest/gtest.h>

#include "real/migrations.h"

namespace dwsim::real {
namespace {

domain::OrderCreatedEvent sample() {
  domain::OrderCreatedEvent e;
  e.event_id = *domain::Uuid::parse("0f8fad5b-d9cb-469f-a165-70867728950e");
  e.order_id = *domain::Uuid::parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
  e.customer_id = *domain::Uuid::parse("550e8400-e29b-41d4-a716-446655440000");
  e.total_amount = domain::Money::from_cents(29990);
  e.items = {domain::OrderItem{*domain::Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 2,
                               domain::Money::from_cents(14995)}};
  e.occurred_at = domain::Timestamp{1771668000'000000};  // 2026-02-21T10:00:00Z
  return e;
}

TEST(EventCodec, WritesTheSeedsJsonWithTwoDecimalMoney) {
  EXPECT_EQ(encode_created(sample()),
            "{\"eventId\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"orderId\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\","
            "\"customerId\":\"550e8400-e29b-41d4-a716-446655440000\",\"totalAmount\":299.90,\"items\":[{\"productId\":"
            "\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\",\"quantity\":2,\"unitPrice\":149.95}],\"occurredAt\":"
            "\"2026-02-21T10:00:00Z\"}");
}

TEST(EventCodec, CreatedRoundTrips) {
  auto e = sample();
  e.occurred_at.us += 123456;
  auto back = decode_created(encode_created(e));
  ASSERT_TRUE(std::holds_alternative<domain::OrderCreatedEvent>(back));
  EXPECT_EQ(std::get<domain::OrderCreatedEvent>(back), e);
}

TEST(EventCodec, CancelledNeedsOnlyTheOrderId) {
  auto back = decode_cancelled("{\"orderId\":\"7c9e6679-7425-40de-944b-e07fc1f90ae7\",\"reason\":\"smoke-test\"}");
  ASSERT_TRUE(std::holds_alternative<domain::OrderCancelledEvent>(back));
  EXPECT_EQ(std::get<domain::OrderCancelledEvent>(back).reason, "smoke-test");
}

TEST(EventCodec, MalformedPayloadsBecomeValuesWithAReason) {
  for (const char* bad : {"", "not json", "[]", "{\"orderId\":42}", "{\"orderId\":\"nope\"}"}) {
    auto r = decode_cancelled(bad);
    ASSERT_TRUE(std::holds_alternative<domain::MalformedEvent>(r)) << bad;
    EXPECT_FALSE(std::get<domain::MalformedEvent>(r).reason.empty());
  }
  auto e = encode_created(sample());
  auto price = e.find("149.95");
  e.replace(price, 6, "149.955");
  auto r = decode_created(e);
  ASSERT_TRUE(std::holds_alternative<domain::MalformedEvent>(r));
}

TEST(EventCodec, Iso8601RoundTripsAndRejectsJunk) {
  domain::Timestamp t;
  ASSERT_TRUE(parse_iso8601("2026-02-21T10:00:00.000250Z", &t));
  EXPECT_EQ(domain::iso8601(t), "2026-02-21T10:00:00.000250Z");
  EXPECT_FALSE(parse_iso8601("2026-02-21 10:00:00Z", &t));
  EXPECT_FALSE(parse_iso8601("2026-02-21T10:00:00", &t));
  EXPECT_FALSE(parse_iso8601("2026-13-21T10:00:00Z", &t));
}

TEST(Migrations, AreNumberedInOrderWithStableChecksums) {
  const auto& all = embedded_migrations();
  ASSERT_GE(all.size(), 3u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].version, static_cast<int>(i) + 1) << all[i].name;
    EXPECT_EQ(all[i].checksum, checksum_of(all[i].sql));
  }
  EXPECT_NE(all[1].sql.find("orders_idempotency_key_idx"), std::string::npos);
  EXPECT_NE(checksum_of("a"), checksum_of("b"));
}

}  // namespace
}  // namespace dwsim::real
