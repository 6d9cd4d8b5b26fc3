// Ports: every effect the use cases have on the world goes through one of these
// pure-virtual interfaces. The simulator (sim/) and the real adapters (real/)
// implement them; the use cases are written once against them.
//
// Determinism and threading contract: a port is used from one executor (one
// thread). Simulated implementations complete operations in virtual time only.
// Awaiting a port may suspend the calling coroutine; it never blocks a thread.
// Errors are returned as Result values; the only exception a port may throw is
// the simulator's process-crash signal, which unwinds the crashed process.
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>: Asio 1.74 uses std::exchange
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/events.h"
#include "domain/order.h"
#include "domain/result.h"

namespace dwsim::domain {

template <typename T>
using Task = boost::asio::awaitable<T>;

// Orders in one unit of work. READ COMMITTED: reads see what was committed
// before the statement started, plus this unit's own writes.
class OrderRepository {
 public:
  virtual ~OrderRepository() = default;
  // Inserts a new order. In immediate mode the INSERT runs now: Errc::conflict
  // if its idempotency key is committed; if another open transaction holds the
  // key, waits for it. In write-behind mode (the seed's ORM) the INSERT is
  // buffered and runs at flush, just before COMMIT.
  virtual Task<Result<void>> save(const Order& order) = 0;
  // Writes status and updatedAt of an existing order.
  virtual Task<Result<void>> update(const Order& order) = 0;
  virtual Task<Result<std::optional<Order>>> find(const Uuid& id) = 0;
  virtual Task<Result<std::optional<Uuid>>> find_by_idempotency_key(const std::string& key) = 0;
};

struct OutboxRow {
  std::int64_t id = 0;  // bigserial: taken at INSERT, never rolled back
  OrderCreatedEvent event;
};

// The transactional outbox table.
class Outbox {
 public:
  virtual ~Outbox() = default;
  virtual Task<Result<void>> append(const OrderCreatedEvent& event) = 0;
  // SELECT ... ORDER BY id LIMIT n FOR UPDATE SKIP LOCKED: rows locked by other
  // open transactions are skipped; returned rows are locked until commit.
  virtual Task<Result<std::vector<OutboxRow>>> claim(int limit) = 0;
  // DELETE by primary key.
  virtual Task<Result<void>> remove(std::int64_t id) = 0;
  // DELETE of several rows by primary key; the default removes them one by
  // one and stops at the first error.
  virtual Task<Result<void>> remove_all(const std::vector<std::int64_t>& ids);
  // The cursor variant: SELECT ... WHERE id > cursor ORDER BY id LIMIT n.
  virtual Task<Result<std::vector<OutboxRow>>> read_after(std::int64_t cursor, int limit) = 0;
  virtual Task<Result<std::int64_t>> load_cursor() = 0;
  virtual Task<Result<void>> store_cursor(std::int64_t cursor) = 0;
};

// The billing consumer's tables: the inbox (unique event ids) and its effect.
class Billing {
 public:
  virtual ~Billing() = default;
  // INSERT INTO inbox(event_id): false when the id is already committed.
  virtual Task<Result<bool>> record_inbox(const Uuid& event_id) = 0;
  // One charge for an order: the effect exactly-once-effect counts.
  virtual Task<Result<void>> charge(const Uuid& order_id, Money amount, const Uuid& event_id) = 0;
};

// One database transaction. Destroying an uncommitted unit rolls it back.
class UnitOfWork {
 public:
  virtual ~UnitOfWork() = default;
  virtual OrderRepository& orders() = 0;
  virtual Outbox& outbox() = 0;
  virtual Billing& billing() = 0;
  // Flushes buffered writes, then COMMIT. Errc::conflict when a flushed INSERT
  // violates a unique index (rolled back); Errc::aborted / unavailable when the
  // commit failed cleanly (rolled back); Errc::ambiguous when the outcome is
  // unknown to the caller (it may have been applied).
  virtual Task<Result<void>> commit() = 0;
  virtual Task<void> rollback() = 0;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual Task<Result<std::unique_ptr<UnitOfWork>>> begin() = 0;
  // One committed order and its items, read outside any unit of work (a
  // single READ COMMITTED statement sees one snapshot). The default begins a
  // unit, finds, and rolls back; an adapter may do it in one round trip.
  virtual Task<Result<std::optional<Order>>> read_order(const Uuid& id);
};

// Publishes order.created (key = orderId) and waits for its delivery report
// (acks=all). Errc::unavailable / timeout when the report says it failed; the
// record may still have reached the log (an ambiguous produce).
class EventPublisher {
 public:
  virtual ~EventPublisher() = default;
  virtual Task<Result<void>> publish(const OrderCreatedEvent& event) = 0;
  // Publishes a batch and waits for every delivery report; result i is event
  // i's report. An implementation may have the records in flight together
  // (the real producer pipelines them). The default publishes one at a time
  // and stops at the first failure: the rest report Errc::aborted, unsent.
  virtual Task<std::vector<Result<void>>> publish_all(const std::vector<OrderCreatedEvent>& events);
};

struct MalformedEvent {
  std::string reason;
};
using EventPayload = std::variant<OrderCreatedEvent, OrderCancelledEvent, MalformedEvent>;
struct ConsumedRecord {
  int partition = 0;
  std::int64_t offset = 0;
  EventPayload payload;
};

// A consumer-group member on one topic, committing offsets explicitly.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // Up to max records from the current position. Errc::unavailable when the
  // broker cannot be reached.
  virtual Task<Result<std::vector<ConsumedRecord>>> poll(int max) = 0;
  // Commits offset+1 of the record's partition for the group.
  virtual Task<Result<void>> commit(const ConsumedRecord& record) = 0;
  // Moves the position back to the committed offsets (records are redelivered).
  virtual void rewind() = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() = 0;
};

class IdSource {
 public:
  virtual ~IdSource() = default;
  virtual Uuid next() = 0;
};

// Named places where a process may crash. The simulator crashes the process
// there when a command armed the point; real mode may kill the process.
enum class CrashPoint : std::uint8_t {
  none,
  after_publish_before_commit,    // dual-write: the event left, the transaction is open
  after_commit_before_publish,    // publish-after-commit: committed, not yet published
  after_write_before_commit,      // outbox variants: order and outbox row written, not committed
  after_commit_before_response,   // every variant: committed, the client has no answer yet
  after_publish_before_mark,      // relay: published, the outbox row not yet deleted / cursor not saved
  after_mark_before_commit,       // relay: row deleted / cursor written, not committed
  after_effect_before_commit,     // consumer: effect written, its transaction not committed
  after_effect_before_offset_commit,  // consumer: effect committed, offset not committed
};
inline constexpr int kCrashPointCount = 9;
const char* crash_point_name(CrashPoint p);
std::optional<CrashPoint> parse_crash_point(std::string_view name);

class CrashPoints {
 public:
  virtual ~CrashPoints() = default;
  // Returns normally unless the process crashes here; a crash never returns
  // (the simulator unwinds the process, real mode ends it). Synchronous: a
  // crash point costs nothing when nothing is armed.
  virtual void reach(CrashPoint point) = 0;
};

class Log {
 public:
  virtual ~Log() = default;
  virtual void warn(std::string_view line) = 0;
};

}  // namespace dwsim::domain
