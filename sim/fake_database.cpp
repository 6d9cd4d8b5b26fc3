#include "sim/fake_database.h"

#include <cassert>

namespace dwsim::sim {

using domain::Errc;
using domain::make_error;
using domain::Result;

struct FakeDatabase::Tx {
  Tx(TxId i, std::uint32_t o, Scheduler& s) : id(i), owner(o), finished(s) {}
  TxId id;
  std::uint32_t owner;
  std::vector<domain::Order> inserted;
  std::map<domain::Uuid, domain::Order> updated;
  std::vector<domain::OutboxRow> outbox_new;
  std::set<std::int64_t> outbox_deleted;
  std::vector<std::int64_t> outbox_locked;
  std::optional<std::int64_t> cursor;
  std::vector<domain::Uuid> inbox_new;
  std::vector<Charge> charges_new;
  std::vector<std::string> keys_held;
  WaitList finished;
};

FakeDatabase::FakeDatabase(Scheduler& scheduler, Trace& trace, Probes& probes)
    : scheduler_(scheduler), trace_(trace), probes_(probes) {}

FakeDatabase::~FakeDatabase() = default;

FakeDatabase::Tx& FakeDatabase::tx(TxId id) const {
  auto it = open_.find(id);
  assert(it != open_.end());
  return *it->second;
}

FakeDatabase::TxId FakeDatabase::begin(std::uint32_t owner) {
  const TxId id = next_tx_++;
  open_.emplace(id, std::make_unique<Tx>(id, owner, scheduler_));
  return id;
}

Task<Result<void>> FakeDatabase::insert_order(TxId id, const domain::Order& order) {
  if (const auto& key = order.idempotency_key()) {
    // The unique index: committed keys conflict; uncommitted ones make us wait.
    for (int rounds = 0;; ++rounds) {
      assert(rounds < 1'000'000);
      if (key_index_.count(*key)) {
        trace_.record(scheduler_.now_us(), Actor::db, 0, Op::unique_violation, order.id());
        co_return make_error(Errc::conflict,
                             "duplicate key value violates unique constraint \"orders_idempotency_key_idx\"");
      }
      auto holder = key_holders_.find(*key);
      if (holder == key_holders_.end() || holder->second == id) break;
      probes_.hit(Probe::window_unique_wait);
      trace_.record(scheduler_.now_us(), Actor::db, 0, Op::unique_wait, order.id());
      co_await scheduler_.wait(tx(holder->second).finished, -1);
      if (!is_open(id)) co_return make_error(Errc::aborted, "transaction aborted while waiting for a lock");
    }
    key_holders_[*key] = id;
    tx(id).keys_held.push_back(*key);
  }
  tx(id).inserted.push_back(order);
  co_return Result<void>{};
}

std::optional<domain::Order> FakeDatabase::find_order(TxId id, const domain::Uuid& order_id) const {
  const Tx& t = tx(id);
  if (auto it = t.updated.find(order_id); it != t.updated.end()) return it->second;
  for (const auto& o : t.inserted) {
    if (o.id() == order_id) return o;
  }
  if (const domain::Order* o = orders_.find(order_id)) return *o;
  return std::nullopt;
}

std::optional<domain::Uuid> FakeDatabase::find_by_key(TxId id, const std::string& key) const {
  for (const auto& o : tx(id).inserted) {
    if (o.idempotency_key() == key) return o.id();
  }
  if (auto it = key_index_.find(key); it != key_index_.end()) return it->second;
  return std::nullopt;
}

Result<void> FakeDatabase::update_order(TxId id, const domain::Order& order) {
  if (!find_order(id, order.id())) return domain::order_not_found(order.id());
  tx(id).updated.insert_or_assign(order.id(), order);
  return {};
}

std::int64_t FakeDatabase::outbox_insert(TxId id, const domain::OrderCreatedEvent& event) {
  const std::int64_t row_id = next_outbox_id_++;  // the sequence is not transactional
  tx(id).outbox_new.push_back(domain::OutboxRow{row_id, event});
  return row_id;
}

std::vector<domain::OutboxRow> FakeDatabase::outbox_claim(TxId id, int limit) {
  Tx& t = tx(id);
  std::vector<domain::OutboxRow> rows;
  for (const auto& [row_id, row] : outbox_) {
    if (static_cast<int>(rows.size()) >= limit) break;
    if (t.outbox_deleted.count(row_id)) continue;
    auto lock = outbox_locks_.find(row_id);
    if (lock != outbox_locks_.end()) {
      if (lock->second != id) probes_.hit(Probe::window_skip_locked);
      continue;
    }
    outbox_locks_.emplace(row_id, id);
    t.outbox_locked.push_back(row_id);
    rows.push_back(row);
  }
  return rows;
}

bool FakeDatabase::outbox_delete(TxId id, std::int64_t row_id) {
  if (!outbox_.count(row_id)) return false;
  tx(id).outbox_deleted.insert(row_id);
  return true;
}

std::vector<domain::OutboxRow> FakeDatabase::outbox_read_after(TxId id, std::int64_t cursor, int limit) const {
  std::vector<domain::OutboxRow> rows;
  for (auto it = outbox_.upper_bound(cursor); it != outbox_.end() && static_cast<int>(rows.size()) < limit; ++it) {
    rows.push_back(it->second);
  }
  return rows;
}

std::int64_t FakeDatabase::cursor(TxId id) const {
  const Tx& t = tx(id);
  return t.cursor ? *t.cursor : cursor_;
}

void FakeDatabase::set_cursor(TxId id, std::int64_t cursor) { tx(id).cursor = cursor; }

Task<Result<bool>> FakeDatabase::inbox_insert(TxId id, const domain::Uuid& event_id) {
  for (int rounds = 0;; ++rounds) {
    assert(rounds < 1'000'000);
    if (inbox_.count(event_id)) co_return false;
    auto holder = inbox_holders_.find(event_id);
    if (holder == inbox_holders_.end()) break;
    if (holder->second == id) co_return false;
    probes_.hit(Probe::window_unique_wait);
    co_await scheduler_.wait(tx(holder->second).finished, -1);
    if (!is_open(id)) co_return make_error(Errc::aborted, "transaction aborted while waiting for a lock");
  }
  inbox_holders_.emplace(event_id, id);
  tx(id).inbox_new.push_back(event_id);
  co_return true;
}

void FakeDatabase::charge_insert(TxId id, const Charge& charge) { tx(id).charges_new.push_back(charge); }

void FakeDatabase::finish(Tx& t) {
  for (const auto& key : t.keys_held) key_holders_.erase(key);
  for (const auto& e : t.inbox_new) inbox_holders_.erase(e);
  for (std::int64_t row : t.outbox_locked) outbox_locks_.erase(row);
  t.finished.notify_all();
  open_.erase(t.id);  // destroys t
}

Result<void> FakeDatabase::commit(TxId id, CommitFault fault) {
  Tx& t = tx(id);
  if (fault == CommitFault::fail) {
    probes_.hit(Probe::fault_commit_fail);
    finish(t);
    return make_error(Errc::aborted, "ERROR: could not serialize access; the transaction was rolled back");
  }
  if (fault == CommitFault::connection_lost) {
    probes_.hit(Probe::fault_connection_lost);
    finish(t);
    return make_error(Errc::unavailable, "server closed the connection unexpectedly; the transaction was rolled back");
  }
  // Out-of-id-order commit: a lower outbox id is still uncommitted elsewhere.
  if (!t.outbox_new.empty()) {
    const std::int64_t mine = t.outbox_new.back().id;
    for (const auto& [other_id, other] : open_) {
      if (other_id != id && !other->outbox_new.empty() && other->outbox_new.front().id < mine) {
        probes_.hit(Probe::window_commit_out_of_id_order);
        break;
      }
    }
  }
  for (auto& order : t.inserted) {
    if (order.idempotency_key()) key_index_.emplace(*order.idempotency_key(), order.id());
    const domain::Uuid order_id = order.id();
    orders_.insert_or_assign(order_id, std::move(order));
  }
  for (auto& [order_id, order] : t.updated) {
    if (domain::Order* stored = orders_.find(order_id)) *stored = std::move(order);
  }
  for (auto& row : t.outbox_new) outbox_.emplace(row.id, std::move(row));
  for (std::int64_t row : t.outbox_deleted) outbox_.erase(row);
  if (t.cursor) cursor_ = *t.cursor;
  for (const auto& e : t.inbox_new) inbox_.try_emplace(e, 1);
  for (auto& c : t.charges_new) charges_.push_back(c);
  finish(t);
  if (fault == CommitFault::ambiguous) {
    probes_.hit(Probe::fault_commit_ambiguous);
    return make_error(Errc::ambiguous, "connection lost during COMMIT; the outcome is unknown");
  }
  return {};
}

void FakeDatabase::rollback(TxId id) {
  if (is_open(id)) finish(tx(id));
}

void FakeDatabase::abort_owner(std::uint32_t owner) {
  std::vector<TxId> doomed;
  for (const auto& [id, t] : open_) {
    if (t->owner == owner) doomed.push_back(id);
  }
  for (TxId id : doomed) rollback(id);
}

}  // namespace dwsim::sim
