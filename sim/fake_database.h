// FakeDatabase: the PostgreSQL behaviours the delivery variants depend on, so
// that buggy variants fail for the same reason they fail on the real thing
// (failure-catalogue.md, "Postgres behaviour the fake must reproduce"):
//  - READ COMMITTED: a statement sees what committed before it, plus its own
//    transaction's writes; writes become visible atomically at COMMIT.
//  - bigserial outbox ids are taken at INSERT, never rolled back (gaps), and
//    become visible in commit order, not id order.
//  - the unique index on orders.idempotency_key (and on inbox.event_id) is
//    checked at the INSERT; a second concurrent INSERT of the same key waits
//    for the first transaction, then fails (committed) or proceeds (rolled back).
//  - SELECT ... FOR UPDATE SKIP LOCKED skips rows locked by open transactions.
//  - a crashed client's connection drops: its open transactions roll back.
// Deliberate simplifications (documented in README): no row locks on UPDATE
// (last writer wins), one database holds the order and billing tables.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "domain/ports.h"
#include "sim/scheduler.h"
#include "sim/trace.h"
#include "sim/uuid_map.h"

namespace dwsim::sim {

enum class CommitFault : std::uint8_t {
  none,
  fail,             // the server rejects the commit: clean rollback (Errc::aborted)
  ambiguous,        // applied, but the answer is lost (Errc::ambiguous)
  connection_lost,  // the connection drops before COMMIT: rollback (Errc::unavailable)
};

struct Charge {
  domain::Uuid order_id;
  domain::Money amount;
  domain::Uuid event_id;
};

class FakeDatabase {
 public:
  using TxId = std::uint64_t;

  FakeDatabase(Scheduler& scheduler, Trace& trace, Probes& probes);
  ~FakeDatabase();

  // Opens a transaction for a connection owned by process `owner`.
  TxId begin(std::uint32_t owner);
  bool is_open(TxId tx) const { return open_.count(tx) != 0; }

  // Statements. Each REQUIRES is_open(tx); each returns Errc::aborted if the
  // transaction was rolled back while the statement waited.
  Task<domain::Result<void>> insert_order(TxId tx, const domain::Order& order);
  std::optional<domain::Order> find_order(TxId tx, const domain::Uuid& id) const;
  std::optional<domain::Uuid> find_by_key(TxId tx, const std::string& key) const;
  domain::Result<void> update_order(TxId tx, const domain::Order& order);

  std::int64_t outbox_insert(TxId tx, const domain::OrderCreatedEvent& event);
  std::vector<domain::OutboxRow> outbox_claim(TxId tx, int limit);
  bool outbox_delete(TxId tx, std::int64_t id);
  std::vector<domain::OutboxRow> outbox_read_after(TxId tx, std::int64_t cursor, int limit) const;
  std::int64_t cursor(TxId tx) const;
  void set_cursor(TxId tx, std::int64_t cursor);

  Task<domain::Result<bool>> inbox_insert(TxId tx, const domain::Uuid& event_id);
  void charge_insert(TxId tx, const Charge& charge);

  domain::Result<void> commit(TxId tx, CommitFault fault);
  void rollback(TxId tx);
  // The connection of every open transaction of `owner` dropped.
  void abort_owner(std::uint32_t owner);

  // Committed state, for the world and the oracle. Never used by use cases.
  const UuidMap<domain::Order>& orders() const { return orders_; }
  const std::map<std::int64_t, domain::OutboxRow>& outbox() const { return outbox_; }
  const std::vector<Charge>& charges() const { return charges_; }
  std::int64_t committed_cursor() const { return cursor_; }
  std::int64_t last_outbox_id() const { return next_outbox_id_ - 1; }
  bool order_committed(const domain::Uuid& id) const { return orders_.count(id) != 0; }
  // Hands the committed orders and charges over at the end of a run (the
  // database is not used afterwards).
  UuidMap<domain::Order> take_orders() { return std::move(orders_); }
  std::vector<Charge> take_charges() { return std::move(charges_); }
  std::size_t open_transactions() const { return open_.size(); }

 private:
  struct Tx;
  Tx& tx(TxId id) const;
  void finish(Tx& t);

  Scheduler& scheduler_;
  Trace& trace_;
  Probes& probes_;
  TxId next_tx_ = 1;
  std::map<TxId, std::unique_ptr<Tx>> open_;

  UuidMap<domain::Order> orders_;  // committed, in commit order
  std::map<std::string, domain::Uuid> key_index_;
  std::map<std::int64_t, domain::OutboxRow> outbox_;
  std::int64_t next_outbox_id_ = 1;
  std::int64_t cursor_ = 0;
  UuidMap<char> inbox_;
  std::vector<Charge> charges_;

  // Uncommitted unique keys and row locks, by holder.
  std::map<std::string, TxId> key_holders_;
  std::map<domain::Uuid, TxId> inbox_holders_;
  std::map<std::int64_t, TxId> outbox_locks_;
};

}  // namespace dwsim::sim
