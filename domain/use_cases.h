// The use cases of the order service and its downstream billing consumer,
// written once against the ports and run unchanged in simulation and on real
// infrastructure. Every delivery variant is here, side by side, so the
// difference between them is a few lines of code a reader can compare.
#pragma once

#include <optional>

#include "domain/ports.h"
#include "domain/variants.h"

namespace dwsim::domain {

struct ServicePorts {
  Database& db;
  EventPublisher& publisher;
  Clock& clock;
  IdSource& ids;
  CrashPoints& crash;
  Log& log;
};

struct CreateOptions {
  // The seed's chaos endpoint: run the whole create, then force a rollback.
  bool force_rollback_after_publish = false;
};

struct CreateOutcome {
  Uuid order_id;
  bool replayed = false;     // an idempotent repeat: the first request's order
  bool rolled_back = false;  // the chaos rollback ran
  bool publish_failed = false;
};

// POST /orders. Errc::validation for a bad request (400, nothing written); any
// other error is a 500 whose effects the oracle judges from the final state.
Task<Result<CreateOutcome>> create_order(Variant variant, ServicePorts& ports, const CreateOrderRequest& request,
                                         CreateOptions options = {});

// GET /orders/{id}.
Task<Result<std::optional<Order>>> get_order(Database& db, const Uuid& id);

// Cancels an order (what the order.cancelled consumer does). Errors: "Order not
// found: <uuid>" (Errc::not_found), "Order is already cancelled" (validation).
Task<Result<void>> cancel_order(ServicePorts& ports, const Uuid& id);

struct RelayPorts {
  Database& db;
  EventPublisher& publisher;
  CrashPoints& crash;
  Log& log;
};

// The relay's volatile state; a crash loses it.
struct RelayState {
  std::optional<std::int64_t> cursor;  // outbox-cursor: last_seen_id, loaded from the DB at start
};

struct StepReport {
  int processed = 0;          // events published (relay) or records handled (consumer)
  bool exhausted = false;     // fewer than a full batch was available
  std::optional<Error> error; // the step stopped early
};

// One relay iteration of at most `batch` rows. REQUIRES: uses_outbox(variant).
Task<StepReport> relay_once(Variant variant, RelayPorts& ports, RelayState& state, int batch);

struct ConsumerPorts {
  Database& db;
  EventSource& source;
  CrashPoints& crash;
  Log& log;
};

// One poll of the billing consumer (order.created -> one charge per order).
Task<StepReport> billing_consume_once(ConsumerKind kind, ConsumerPorts& ports, int max);

// One poll of the order service's order.cancelled consumer (group order-service).
Task<StepReport> cancel_consume_once(ServicePorts& service, EventSource& source, int max);

}  // namespace dwsim::domain
