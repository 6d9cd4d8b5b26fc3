#include "domain/use_cases.h"

namespace dwsim::domain {
namespace {

// Looks up the order an idempotency key already produced, in its own
// transaction (READ COMMITTED sees what committed before the statement).
Task<Result<std::optional<Uuid>>> existing_for_key(Database& db, const std::string& key) {
  auto tx = co_await db.begin();
  if (!tx) co_return tx.error();
  auto found = co_await (*tx)->orders().find_by_idempotency_key(key);
  co_await (*tx)->rollback();
  co_return found;
}

// The variants that guard idempotency keys (all but the seed's dual-write)
// check the key first, and resolve a unique violation at INSERT to the order
// that won.
Task<Result<CreateOutcome>> create_guarded(Variant variant, ServicePorts& ports, const CreateOrderRequest& request,
                                           CreateOptions options) {
  auto order = Order::create(ports.ids.next(), request, ports.clock.now());
  if (!order) co_return order.error();
  auto begun = co_await ports.db.begin();
  if (!begun) co_return begun.error();
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);

  if (request.idempotency_key) {
    auto found = co_await tx->orders().find_by_idempotency_key(*request.idempotency_key);
    if (!found) {
      co_await tx->rollback();
      co_return found.error();
    }
    if (found->has_value()) {
      co_await tx->rollback();
      co_return CreateOutcome{**found, /*replayed=*/true};
    }
  }
  auto saved = co_await tx->orders().save(*order);
  if (!saved) {
    co_await tx->rollback();
    if (saved.error().code != Errc::conflict || !request.idempotency_key) co_return saved.error();
    auto winner = co_await existing_for_key(ports.db, *request.idempotency_key);
    if (!winner) co_return winner.error();
    if (!winner->has_value()) co_return saved.error();
    co_return CreateOutcome{**winner, /*replayed=*/true};
  }
  const OrderCreatedEvent event = OrderCreatedEvent::of(*order, ports.ids.next(), ports.clock.now());
  if (variant != Variant::publish_after_commit) {
    auto appended = co_await tx->outbox().append(event);
    if (!appended) {
      co_await tx->rollback();
      co_return appended.error();
    }
    ports.crash.reach(CrashPoint::after_write_before_commit);
  }
  if (options.force_rollback_after_publish) {
    co_await tx->rollback();
    co_return CreateOutcome{order->id(), false, /*rolled_back=*/true};
  }
  auto committed = co_await tx->commit();
  if (!committed) co_return committed.error();

  CreateOutcome outcome{order->id()};
  if (variant == Variant::publish_after_commit) {
    ports.crash.reach(CrashPoint::after_commit_before_publish);
    auto published = co_await ports.publisher.publish(event);
    if (!published) {
      outcome.publish_failed = true;
      ports.log.warn("PUBLISH AFTER COMMIT FAILURE — EVENT LOST for orderId=" + order->id().str() +
                     ". Order committed in DB but event NOT published to Kafka. Cause: " +
                     published.error().message);
    }
  }
  ports.crash.reach(CrashPoint::after_commit_before_response);
  co_return outcome;
}

// The seed's code, faithfully: save (deferred by the ORM), publish inside the
// transaction, swallow the publish error with the seed's WARN line, commit.
// No idempotency pre-check: the unique index is the only guard, and it fires
// at flush, after the event has left (the natural phantom).
Task<Result<CreateOutcome>> create_dual_write(ServicePorts& ports, const CreateOrderRequest& request,
                                              CreateOptions options) {
  auto order = Order::create(ports.ids.next(), request, ports.clock.now());
  if (!order) co_return order.error();
  auto begun = co_await ports.db.begin();
  if (!begun) co_return begun.error();
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);

  auto saved = co_await tx->orders().save(*order);
  if (!saved) {
    co_await tx->rollback();
    co_return saved.error();
  }
  const OrderCreatedEvent event = OrderCreatedEvent::of(*order, ports.ids.next(), ports.clock.now());
  CreateOutcome outcome{order->id()};
  auto published = co_await ports.publisher.publish(event);
  if (!published) {
    outcome.publish_failed = true;
    ports.log.warn("DUAL WRITE FAILURE — EVENT LOST for orderId=" + order->id().str() +
                   ". Order saved in DB but event NOT published to Kafka. Cause: " + published.error().message);
  }
  ports.crash.reach(CrashPoint::after_publish_before_commit);
  if (options.force_rollback_after_publish) {
    co_await tx->rollback();
    outcome.rolled_back = true;
    co_return outcome;
  }
  auto committed = co_await tx->commit();
  if (!committed) co_return committed.error();
  ports.crash.reach(CrashPoint::after_commit_before_response);
  co_return outcome;
}

// The outbox relay: claim a batch (SKIP LOCKED), publish it and wait for
// every delivery report, then delete exactly the rows whose report said
// delivered, by primary key, in the claiming transaction. A row after a
// failed report stays (it may still have reached the log: at-least-once).
Task<StepReport> relay_claiming(RelayPorts& ports, int batch) {
  StepReport report;
  auto begun = co_await ports.db.begin();
  if (!begun) co_return StepReport{0, false, begun.error()};
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);
  auto rows = co_await tx->outbox().claim(batch);
  if (!rows) {
    co_await tx->rollback();
    co_return StepReport{0, false, rows.error()};
  }
  report.exhausted = static_cast<int>(rows->size()) < batch;
  std::vector<OrderCreatedEvent> events;
  events.reserve(rows->size());
  for (const OutboxRow& row : *rows) events.push_back(row.event);
  const auto reports = co_await ports.publisher.publish_all(events);
  std::vector<std::int64_t> delivered;
  delivered.reserve(rows->size());
  for (std::size_t i = 0; i < rows->size(); ++i) {
    if (!reports[i]) {
      report.error = reports[i].error();
      report.exhausted = false;
      break;
    }
    ports.crash.reach(CrashPoint::after_publish_before_mark);
    delivered.push_back((*rows)[i].id);
  }
  if (!delivered.empty()) {
    auto removed = co_await tx->outbox().remove_all(delivered);
    if (!removed) {
      co_await tx->rollback();
      report.error = removed.error();
      report.exhausted = false;
      co_return report;
    }
    report.processed = static_cast<int>(delivered.size());
  }
  if (report.processed == 0) {
    co_await tx->rollback();
    co_return report;
  }
  ports.crash.reach(CrashPoint::after_mark_before_commit);
  auto committed = co_await tx->commit();
  if (!committed) {
    report.error = committed.error();
    report.exhausted = false;
  }
  co_return report;
}

// The canary: marks (deletes and commits) before the delivery report.
Task<StepReport> relay_mark_before_ack(RelayPorts& ports, int batch) {
  StepReport report;
  auto begun = co_await ports.db.begin();
  if (!begun) co_return StepReport{0, false, begun.error()};
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);
  auto rows = co_await tx->outbox().claim(batch);
  if (!rows || rows->empty()) {
    co_await tx->rollback();
    if (!rows) co_return StepReport{0, false, rows.error()};
    co_return StepReport{0, true, std::nullopt};
  }
  report.exhausted = static_cast<int>(rows->size()) < batch;
  for (const OutboxRow& row : *rows) {
    auto removed = co_await tx->outbox().remove(row.id);
    if (!removed) {
      co_await tx->rollback();
      co_return StepReport{0, false, removed.error()};
    }
  }
  ports.crash.reach(CrashPoint::after_mark_before_commit);
  auto committed = co_await tx->commit();
  if (!committed) co_return StepReport{0, false, committed.error()};
  for (const OutboxRow& row : *rows) {
    auto published = co_await ports.publisher.publish(row.event);
    if (!published) {
      ports.log.warn("relay: publish failed after the row was marked: " + published.error().message);
      report.error = published.error();
      continue;  // the row is gone: this event is lost
    }
    ports.crash.reach(CrashPoint::after_publish_before_mark);
    ++report.processed;
  }
  co_return report;
}

Task<StepReport> relay_cursor(RelayPorts& ports, RelayState& state, int batch) {
  StepReport report;
  auto begun = co_await ports.db.begin();
  if (!begun) co_return StepReport{0, false, begun.error()};
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);
  if (!state.cursor) {
    auto loaded = co_await tx->outbox().load_cursor();
    if (!loaded) {
      co_await tx->rollback();
      co_return StepReport{0, false, loaded.error()};
    }
    state.cursor = *loaded;
  }
  auto rows = co_await tx->outbox().read_after(*state.cursor, batch);
  if (!rows) {
    co_await tx->rollback();
    co_return StepReport{0, false, rows.error()};
  }
  report.exhausted = static_cast<int>(rows->size()) < batch;
  std::int64_t last = *state.cursor;
  for (const OutboxRow& row : *rows) {
    auto published = co_await ports.publisher.publish(row.event);
    if (!published) {
      report.error = published.error();
      report.exhausted = false;
      break;
    }
    ports.crash.reach(CrashPoint::after_publish_before_mark);
    last = row.id;
    ++report.processed;
  }
  if (report.processed == 0) {
    co_await tx->rollback();
    co_return report;
  }
  auto stored = co_await tx->outbox().store_cursor(last);
  if (!stored) {
    co_await tx->rollback();
    report.error = stored.error();
    co_return report;
  }
  ports.crash.reach(CrashPoint::after_mark_before_commit);
  auto committed = co_await tx->commit();
  if (!committed) {
    // The cursor may or may not be stored: reload it next time.
    state.cursor.reset();
    report.error = committed.error();
    report.exhausted = false;
    co_return report;
  }
  state.cursor = last;
  co_return report;
}

// Applies one order.created to billing. Returns an error when the record must
// be redelivered (nothing certain was applied, or the outcome is unknown).
Task<Result<void>> bill(ConsumerKind kind, ConsumerPorts& ports, const OrderCreatedEvent& event) {
  auto begun = co_await ports.db.begin();
  if (!begun) co_return begun.error();
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);
  if (kind == ConsumerKind::inbox) {
    auto fresh = co_await tx->billing().record_inbox(event.event_id);
    if (!fresh) {
      co_await tx->rollback();
      co_return fresh.error();
    }
    if (!*fresh) {  // seen before: the effect is already committed
      co_await tx->rollback();
      co_return Result<void>{};
    }
  }
  auto charged = co_await tx->billing().charge(event.order_id, event.total_amount, event.event_id);
  if (!charged) {
    co_await tx->rollback();
    co_return charged.error();
  }
  ports.crash.reach(CrashPoint::after_effect_before_commit);
  co_return co_await tx->commit();
}

}  // namespace

Task<std::vector<Result<void>>> EventPublisher::publish_all(const std::vector<OrderCreatedEvent>& events) {
  std::vector<Result<void>> out;
  out.reserve(events.size());
  bool failed = false;
  for (const OrderCreatedEvent& e : events) {
    if (failed) {
      out.push_back(make_error(Errc::aborted, "not sent: an earlier record of the batch failed"));
      continue;
    }
    out.push_back(co_await publish(e));
    failed = !out.back();
  }
  co_return out;
}

Task<Result<void>> Outbox::remove_all(const std::vector<std::int64_t>& ids) {
  for (std::int64_t id : ids) {
    auto removed = co_await remove(id);
    if (!removed) co_return removed;
  }
  co_return Result<void>{};
}

const char* crash_point_name(CrashPoint p) {
  switch (p) {
    case CrashPoint::none: return "none";
    case CrashPoint::after_publish_before_commit: return "after-publish-before-commit";
    case CrashPoint::after_commit_before_publish: return "after-commit-before-publish";
    case CrashPoint::after_write_before_commit: return "after-write-before-commit";
    case CrashPoint::after_commit_before_response: return "after-commit-before-response";
    case CrashPoint::after_publish_before_mark: return "after-publish-before-mark";
    case CrashPoint::after_mark_before_commit: return "after-mark-before-commit";
    case CrashPoint::after_effect_before_commit: return "after-effect-before-commit";
    case CrashPoint::after_effect_before_offset_commit: return "after-effect-before-offset-commit";
  }
  return "?";
}

std::optional<CrashPoint> parse_crash_point(std::string_view name) {
  for (int i = 0; i < kCrashPointCount; ++i) {
    const auto p = static_cast<CrashPoint>(i);
    if (name == crash_point_name(p)) return p;
  }
  return std::nullopt;
}

const char* variant_name(Variant v) {
  switch (v) {
    case Variant::dual_write: return "dual-write";
    case Variant::publish_after_commit: return "publish-after-commit";
    case Variant::outbox_cursor: return "outbox-cursor";
    case Variant::outbox: return "outbox";
    case Variant::outbox_mark_before_ack: return "outbox-mark-before-ack";
  }
  return "?";
}

std::optional<Variant> parse_variant(std::string_view name) {
  for (Variant v : kAllVariants) {
    if (name == variant_name(v)) return v;
  }
  return std::nullopt;
}

const char* consumer_name(ConsumerKind c) { return c == ConsumerKind::inbox ? "inbox" : "naive"; }

std::optional<ConsumerKind> parse_consumer(std::string_view name) {
  for (ConsumerKind c : kAllConsumers) {
    if (name == consumer_name(c)) return c;
  }
  return std::nullopt;
}

Task<Result<CreateOutcome>> create_order(Variant variant, ServicePorts& ports, const CreateOrderRequest& request,
                                         CreateOptions options) {
  if (variant == Variant::dual_write) co_return co_await create_dual_write(ports, request, options);
  co_return co_await create_guarded(variant, ports, request, options);
}

Task<Result<std::optional<Order>>> Database::read_order(const Uuid& id) {
  auto tx = co_await begin();
  if (!tx) co_return tx.error();
  auto found = co_await (*tx)->orders().find(id);
  co_await (*tx)->rollback();
  co_return found;
}

Task<Result<std::optional<Order>>> get_order(Database& db, const Uuid& id) { co_return co_await db.read_order(id); }

Task<Result<void>> cancel_order(ServicePorts& ports, const Uuid& id) {
  auto begun = co_await ports.db.begin();
  if (!begun) co_return begun.error();
  std::unique_ptr<UnitOfWork> tx = std::move(*begun);
  auto found = co_await tx->orders().find(id);
  if (!found || !found->has_value()) {
    co_await tx->rollback();
    if (!found) co_return found.error();
    co_return order_not_found(id);
  }
  Order order = std::move(**found);
  auto cancelled = order.cancel(ports.clock.now());
  if (!cancelled) {
    co_await tx->rollback();
    co_return cancelled.error();
  }
  auto updated = co_await tx->orders().update(order);
  if (!updated) {
    co_await tx->rollback();
    co_return updated.error();
  }
  co_return co_await tx->commit();
}

Task<StepReport> relay_once(Variant variant, RelayPorts& ports, RelayState& state, int batch) {
  if (variant == Variant::outbox_cursor) co_return co_await relay_cursor(ports, state, batch);
  if (variant == Variant::outbox_mark_before_ack) co_return co_await relay_mark_before_ack(ports, batch);
  co_return co_await relay_claiming(ports, batch);
}

Task<StepReport> billing_consume_once(ConsumerKind kind, ConsumerPorts& ports, int max) {
  StepReport report;
  auto records = co_await ports.source.poll(max);
  if (!records) co_return StepReport{0, false, records.error()};
  report.exhausted = static_cast<int>(records->size()) < max;
  for (const ConsumedRecord& record : *records) {
    if (const auto* event = std::get_if<OrderCreatedEvent>(&record.payload)) {
      auto applied = co_await bill(kind, ports, *event);
      if (!applied) {
        ports.source.rewind();
        report.error = applied.error();
        report.exhausted = false;
        co_return report;
      }
      ports.crash.reach(CrashPoint::after_effect_before_offset_commit);
    } else {
      ports.log.warn("billing: skipping a record that is not an order.created event");
    }
    auto committed = co_await ports.source.commit(record);
    if (!committed) {
      ports.source.rewind();
      report.error = committed.error();
      report.exhausted = false;
      co_return report;
    }
    ++report.processed;
  }
  co_return report;
}

Task<StepReport> cancel_consume_once(ServicePorts& service, EventSource& source, int max) {
  StepReport report;
  auto records = co_await source.poll(max);
  if (!records) co_return StepReport{0, false, records.error()};
  report.exhausted = static_cast<int>(records->size()) < max;
  for (const ConsumedRecord& record : *records) {
    if (const auto* event = std::get_if<OrderCancelledEvent>(&record.payload)) {
      auto cancelled = co_await cancel_order(service, event->order_id);
      if (!cancelled) {
        const Errc code = cancelled.error().code;
        if (code != Errc::not_found && code != Errc::validation) {
          source.rewind();
          report.error = cancelled.error();
          report.exhausted = false;
          co_return report;
        }
        service.log.warn("order.cancelled skipped: " + cancelled.error().message);
      }
    } else if (const auto* bad = std::get_if<MalformedEvent>(&record.payload)) {
      service.log.warn("order.cancelled poison message skipped: " + bad->reason);
    }
    auto committed = co_await source.commit(record);
    if (!committed) {
      source.rewind();
      report.error = committed.error();
      report.exhausted = false;
      co_return report;
    }
    ++report.processed;
  }
  co_return report;
}

}  // namespace dwsim::domain
