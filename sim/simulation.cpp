#include "sim/simulation.h"

#include <cassert>

namespace dwsim::sim {

using domain::Errc;
using domain::make_error;
using domain::Result;

Simulation::Simulation(std::uint64_t seed, bool keep_trace)
    : scheduler(kEpochUs), trace(keep_trace), prng(seed), db(scheduler, trace, probes), broker(scheduler, trace, probes) {}

Simulation::~Simulation() { scheduler.shutdown(); }

void Simulation::crash(Process& process, domain::CrashPoint point) {
  trace.record(now_us(), process.actor, process.incarnation, Op::crash, {}, static_cast<std::int64_t>(point));
  db.abort_owner(process.owner);
  ++process.incarnation;
  process.owner = next_owner_++;
  process.busy = false;
  process.producer_id.reset();
  process.producer_seq.clear();
  process.positions.reset();
  process.relay = domain::RelayState{};
  trace.record(now_us(), process.actor, process.incarnation, Op::restart);
}

namespace {

// One transaction, with the repository, outbox and billing tables on it.
class SimUnitOfWork final : public domain::UnitOfWork,
                            public domain::OrderRepository,
                            public domain::Outbox,
                            public domain::Billing {
 public:
  SimUnitOfWork(StepContext& ctx, FakeDatabase::TxId tx, bool write_behind)
      : ctx_(ctx), db_(ctx.sim().db), tx_(tx), write_behind_(write_behind) {}
  ~SimUnitOfWork() override { db_.rollback(tx_); }

  domain::OrderRepository& orders() override { return *this; }
  domain::Outbox& outbox() override { return *this; }
  domain::Billing& billing() override { return *this; }

  Task<Result<void>> save(const domain::Order& order) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::order_save, order.id(), write_behind_ ? 1 : 0);
    if (write_behind_) {
      buffered_.push_back(order);
      co_return Result<void>{};
    }
    auto inserted = co_await db_.insert_order(tx_, order);
    ctx_.check();
    co_return inserted;
  }

  Task<Result<void>> update(const domain::Order& order) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::order_update, order.id());
    co_return db_.update_order(tx_, order);
  }

  Task<Result<std::optional<domain::Order>>> find(const domain::Uuid& id) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::order_find, id);
    co_return db_.find_order(tx_, id);
  }

  Task<Result<std::optional<domain::Uuid>>> find_by_idempotency_key(const std::string& key) override {
    if (auto e = usable()) co_return *e;
    co_return db_.find_by_key(tx_, key);
  }

  Task<Result<void>> append(const domain::OrderCreatedEvent& event) override {
    if (auto e = usable()) co_return *e;
    const std::int64_t id = db_.outbox_insert(tx_, event);
    ctx_.record(Op::outbox_append, event.order_id, id);
    co_return Result<void>{};
  }

  Task<Result<std::vector<domain::OutboxRow>>> claim(int limit) override {
    if (auto e = usable()) co_return *e;
    auto rows = db_.outbox_claim(tx_, limit);
    ctx_.record(Op::outbox_claim, {}, static_cast<std::int64_t>(rows.size()));
    co_return rows;
  }

  Task<Result<void>> remove(std::int64_t id) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::outbox_delete, {}, id);
    if (!db_.outbox_delete(tx_, id)) co_return make_error(Errc::not_found, "outbox row " + std::to_string(id));
    co_return Result<void>{};
  }

  Task<Result<std::vector<domain::OutboxRow>>> read_after(std::int64_t cursor, int limit) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::outbox_read_after, {}, cursor);
    co_return db_.outbox_read_after(tx_, cursor, limit);
  }

  Task<Result<std::int64_t>> load_cursor() override {
    if (auto e = usable()) co_return *e;
    co_return db_.cursor(tx_);
  }

  Task<Result<void>> store_cursor(std::int64_t cursor) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::cursor_store, {}, cursor);
    db_.set_cursor(tx_, cursor);
    co_return Result<void>{};
  }

  Task<Result<bool>> record_inbox(const domain::Uuid& event_id) override {
    if (auto e = usable()) co_return *e;
    auto fresh = co_await db_.inbox_insert(tx_, event_id);
    ctx_.check();
    if (fresh && !*fresh) {
      ctx_.sim().probes.hit(Probe::window_inbox_duplicate);
      ctx_.record(Op::inbox_duplicate, event_id);
    } else {
      ctx_.record(Op::inbox_insert, event_id);
    }
    co_return fresh;
  }

  Task<Result<void>> charge(const domain::Uuid& order_id, domain::Money amount,
                            const domain::Uuid& event_id) override {
    if (auto e = usable()) co_return *e;
    ctx_.record(Op::charge, order_id, amount.cents());
    db_.charge_insert(tx_, Charge{order_id, amount, event_id});
    co_return Result<void>{};
  }

  Task<Result<void>> commit() override {
    if (auto e = usable()) co_return *e;
    if (ctx_.faults().delay_ms > 0) {
      ctx_.sim().probes.hit(Probe::fault_latency);
      co_await ctx_.sim().scheduler.sleep_us(std::int64_t{ctx_.faults().delay_ms} * 1000);
      ctx_.check();
      if (auto e = usable()) co_return *e;
    }
    // Write-behind flush, just before COMMIT: the constraint check can fail
    // here, after the event has already left.
    for (const domain::Order& order : buffered_) {
      ctx_.record(Op::order_flush, order.id());
      auto inserted = co_await db_.insert_order(tx_, order);
      ctx_.check();
      if (!inserted) {
        if (inserted.error().code == Errc::conflict) ctx_.sim().probes.hit(Probe::window_unique_violation_at_flush);
        db_.rollback(tx_);
        ctx_.record(Op::tx_rollback);
        co_return inserted;
      }
    }
    buffered_.clear();
    auto committed = db_.commit(tx_, ctx_.take_commit_fault());
    if (committed) {
      ctx_.record(Op::tx_commit);
    } else if (committed.error().code == Errc::ambiguous) {
      ctx_.record(Op::tx_commit_unknown);
    } else {
      ctx_.record(Op::tx_commit_failed, {}, static_cast<std::int64_t>(committed.error().code));
    }
    co_return committed;
  }

  Task<void> rollback() override {
    ctx_.check();
    if (db_.is_open(tx_)) {
      db_.rollback(tx_);
      ctx_.record(Op::tx_rollback);
    }
    co_return;
  }

 private:
  std::optional<domain::Error> usable() const {
    ctx_.check();
    if (!db_.is_open(tx_)) return make_error(Errc::aborted, "the transaction is no longer open");
    return std::nullopt;
  }

  StepContext& ctx_;
  FakeDatabase& db_;
  FakeDatabase::TxId tx_;
  bool write_behind_;
  std::vector<domain::Order> buffered_;
};

}  // namespace

Task<Result<std::unique_ptr<domain::UnitOfWork>>> SimDatabase::begin() {
  ctx_.check();
  const auto tx = ctx_.sim().db.begin(ctx_.process().owner);
  ctx_.record(Op::tx_begin);
  co_return std::unique_ptr<domain::UnitOfWork>(std::make_unique<SimUnitOfWork>(ctx_, tx, write_behind_));
}

Task<Result<void>> SimPublisher::publish(const domain::OrderCreatedEvent& event) {
  ctx_.check();
  Simulation& sim = ctx_.sim();
  const ProducerConfig& cfg = sim.producer_config;
  ctx_.record(Op::produce, event.order_id);
  // max.block.ms: wait for the broker's metadata, then give up.
  const std::int64_t block_deadline = sim.now_us() + cfg.max_block_us;
  while (!sim.broker.up()) {
    if (sim.now_us() >= block_deadline) {
      sim.probes.hit(Probe::fault_broker_down_produce_failed);
      ctx_.record(Op::produce_failed, event.order_id, static_cast<std::int64_t>(Errc::unavailable));
      co_return make_error(Errc::unavailable, "Topic order.created not present in metadata after 1000 ms.");
    }
    co_await sim.scheduler.wait(sim.broker.up_waiters(), block_deadline);
    ctx_.check();
  }
  co_await sim.scheduler.sleep_us(cfg.latency_us);
  ctx_.check();
  if (!sim.broker.up()) {
    sim.probes.hit(Probe::fault_broker_down_produce_failed);
    ctx_.record(Op::produce_failed, event.order_id, static_cast<std::int64_t>(Errc::unavailable));
    co_return make_error(Errc::unavailable, "Disconnected from the broker before the record was sent.");
  }
  Process& process = ctx_.process();
  if (!process.producer_id) process.producer_id = sim.broker.new_producer_id();
  const int partition = sim.broker.partition_for(TopicId::order_created, event.order_id);
  const std::int64_t seq = cfg.idempotent ? process.producer_seq[partition]++ : -1;
  const auto appended = sim.broker.append(TopicId::order_created, event.order_id, event, *process.producer_id, seq);
  ctx_.record(Op::produce_appended, event.order_id, (std::int64_t{appended.partition} << 32) | appended.offset);
  switch (ctx_.take_produce_fault()) {
    case ProduceFault::none: break;
    case ProduceFault::ambiguous:
      // The record is in the log; the ack never arrives.
      sim.probes.hit(Probe::fault_ambiguous_produce);
      co_await sim.scheduler.sleep_us(cfg.delivery_timeout_us);
      ctx_.check();
      ctx_.record(Op::produce_failed, event.order_id, static_cast<std::int64_t>(Errc::timeout));
      co_return make_error(Errc::timeout, "Expiring 1 record(s) for order.created: delivery.timeout.ms has passed");
    case ProduceFault::retry: {
      // The ack is lost; the producer resends the same batch inside its session.
      co_await sim.scheduler.sleep_us(cfg.retry_backoff_us);
      ctx_.check();
      if (sim.broker.up()) {
        const auto again =
            sim.broker.append(TopicId::order_created, event.order_id, event, *process.producer_id, seq);
        ctx_.record(again.appended ? Op::produce_appended : Op::produce_deduped, event.order_id,
                    again.appended ? ((std::int64_t{again.partition} << 32) | again.offset) : 0);
      }
      break;
    }
  }
  ctx_.record(Op::produce_acked, event.order_id);
  co_return Result<void>{};
}

std::vector<std::int64_t>& SimEventSource::positions() {
  Process& process = ctx_.process();
  if (!process.positions) {
    FakeBroker& broker = ctx_.sim().broker;
    std::vector<std::int64_t> start;
    for (int p = 0; p < broker.partitions(topic_); ++p) start.push_back(broker.committed(group_, topic_, p));
    process.positions = std::move(start);
  }
  return *process.positions;
}

Task<Result<std::vector<domain::ConsumedRecord>>> SimEventSource::poll(int max) {
  ctx_.check();
  Simulation& sim = ctx_.sim();
  co_await sim.scheduler.sleep_us(100);  // fetch round trip
  ctx_.check();
  if (!sim.broker.up()) co_return make_error(Errc::unavailable, "broker unreachable: fetch failed");
  auto& pos = positions();
  std::vector<domain::ConsumedRecord> out;
  // Round-robin over partitions, one record at a time: a deterministic merge.
  for (bool progress = true; progress && static_cast<int>(out.size()) < max;) {
    progress = false;
    for (int p = 0; p < static_cast<int>(pos.size()) && static_cast<int>(out.size()) < max; ++p) {
      const auto& log = sim.broker.log(topic_, p);
      if (pos[p] >= static_cast<std::int64_t>(log.size())) continue;
      const BrokerRecord& rec = log[pos[p]];
      auto& high = sim.delivered_high_[{static_cast<int>(group_), p}];
      if (rec.offset < high) sim.probes.hit(Probe::window_consumer_redelivery);
      high = std::max(high, rec.offset + 1);
      out.push_back(domain::ConsumedRecord{p, rec.offset, rec.payload});
      ++pos[p];
      progress = true;
    }
  }
  ctx_.record(Op::poll, {}, static_cast<std::int64_t>(out.size()));
  if (group_ == GroupId::billing) {
    for (const auto& rec : out) {
      if (const auto* ev = std::get_if<domain::OrderCreatedEvent>(&rec.payload)) {
        const bool visible = sim.db.order_committed(ev->order_id);
        sim.deliveries.emplace_back(ev->order_id, visible);
        ctx_.record(Op::delivered, ev->order_id, visible ? 1 : 0);
        if (!visible) sim.probes.hit(Probe::window_event_before_commit);
      }
    }
  }
  co_return out;
}

Task<Result<void>> SimEventSource::commit(const domain::ConsumedRecord& record) {
  ctx_.check();
  Simulation& sim = ctx_.sim();
  if (!sim.broker.up()) co_return make_error(Errc::unavailable, "broker unreachable: offset commit failed");
  sim.broker.commit(group_, topic_, record.partition, record.offset + 1);
  ctx_.record(Op::offset_commit, {}, record.offset);
  co_return Result<void>{};
}

void SimEventSource::rewind() {
  ctx_.check();
  ctx_.process().positions.reset();
  ctx_.record(Op::rewind);
}

void SimCrashPoints::reach(domain::CrashPoint point) {
  ctx_.check();
  if (ctx_.take_crash(point) == domain::CrashPoint::none) return;
  // Probe ids for crash points follow CrashPoint's order, one past `none`.
  ctx_.sim().probes.hit(static_cast<Probe>(static_cast<int>(point) - 1));
  ctx_.sim().crash(ctx_.process(), point);
  throw ProcessCrashed{};
}

}  // namespace dwsim::sim
