// The wire form of the events: the seed's JSON, UTF-8, Kafka key = orderId.
//   order.created:   {"eventId","orderId","customerId","totalAmount","items":[...],"occurredAt"}
//   order.cancelled: {"eventId","orderId","reason","occurredAt"}
// Money is written as a JSON number with exactly two decimals (299.90), as the
// seed's events carry it. The idempotency key travels as a record header.
// Decoding never throws: a malformed payload becomes a MalformedEvent with the
// reason, so a consumer can log, count and skip it.
#pragma once

#include <string>
#include <string_view>

#include "domain/events.h"
#include "domain/ports.h"

namespace dwsim::real {

inline constexpr const char* kIdempotencyHeader = "idempotency-key";

std::string encode_created(const domain::OrderCreatedEvent& event);
std::string encode_cancelled(const domain::OrderCancelledEvent& event);

// REQUIRES: nothing; any bytes are accepted.
domain::EventPayload decode_created(std::string_view json);
domain::EventPayload decode_cancelled(std::string_view json);

// "2026-02-21T10:00:00Z" or with up to 6 fractional digits -> microseconds.
bool parse_iso8601(std::string_view text, domain::Timestamp* out);

}  // namespace dwsim::real
