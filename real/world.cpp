#include "real/world.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "real/event_codec.h"
#include "real/kafka.h"
#include "real/offload.h"
#include "real/pg.h"
#include "real/pg_async.h"

namespace dwsim::real {
namespace {

using domain::Errc;
using domain::make_error;
using domain::Result;
using domain::Task;
using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMetadataWait{5000};
constexpr std::chrono::milliseconds kPollWait{150};
constexpr const char* kProbeTopic = "dwsim.probe";  // created by scripts/infra.sh; warm-up records go here

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

}  // namespace

Endpoints Endpoints::from_env() {
  Endpoints e;
  e.pg_url = env_or("DWSIM_PG_URL", e.pg_url);
  e.kafka_brokers = env_or("DWSIM_KAFKA_BROKERS", e.kafka_brokers);
  return e;
}

const char* process_name(ProcessId p) {
  switch (p) {
    case ProcessId::service: return "service";
    case ProcessId::relay_a: return "relay";
    case ProcessId::relay_b: return "relay-b";
    case ProcessId::billing: return "billing";
    case ProcessId::canceller: return "canceller";
  }
  return "?";
}

Step::Step(World& world, ProcessId process, int command_index, StepFaults faults)
    : world_(world), process_(process), index_(command_index), faults_(faults),
      incarnation_(world.incarnation(process)) {}

void Step::note(const std::string& what) { world_.note(process_, index_, what); }

void Step::check() const {
  if (incarnation_changed()) throw ProcessCrashed{};
}

bool Step::incarnation_changed() const { return world_.incarnation(process_) != incarnation_; }

struct World::Impl {
  Endpoints endpoints;
  WorldOptions options;
  boost::asio::io_context io{1};
  boost::asio::thread_pool threads;         // PostgreSQL
  boost::asio::thread_pool broker_threads;  // the broker
  PgPool pool;
  std::unique_ptr<TxSlots> slots;       // open transactions
  std::unique_ptr<PgAsyncReader> reader;
  std::mutex mu;  // guards the sessions below (created lazily on pool threads)
  std::map<ProcessId, std::unique_ptr<KafkaProducer>> producers;
  std::unique_ptr<KafkaProducer> external;  // "another service" publishing order.cancelled
  std::map<ProcessId, std::unique_ptr<KafkaConsumer>> consumers;
  std::map<int, std::int64_t> start_created, start_cancelled;
  std::string billing_group = "dwsim-billing", cancel_group = "order-service";
  bool broker_up = true;
  SteadyClock::time_point t0 = SteadyClock::now();
  std::vector<std::string> timeline;
  std::vector<std::string> warnings;
  std::vector<std::pair<domain::Uuid, bool>> deliveries;
  std::map<ProcessId, std::uint32_t> incarnations;
  std::unique_ptr<pqxx::connection> sightings;  // early-event checks of the billing consumer

  Impl(const Endpoints& e, const WorldOptions& o)
      : endpoints(e), options(o), threads(static_cast<std::size_t>(o.pool_threads)),
        broker_threads(static_cast<std::size_t>(o.broker_threads)), pool(e.pg_url, o.connect_timeout) {
    if (o.max_open_transactions > 0) slots = std::make_unique<TxSlots>(io, o.max_open_transactions);
    if (o.async_read_connections > 0) {
      reader = std::make_unique<PgAsyncReader>(io, threads, pool.url(), o.async_read_connections);
    }
  }

  ~Impl() {
    threads.join();
    broker_threads.join();
  }

  Result<KafkaProducer*> producer(ProcessId p) {
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = producers[p];
    if (!slot) {
      auto made = KafkaProducer::create(endpoints.kafka_brokers);
      if (!made) return made.error();
      slot = std::move(*made);
    }
    return slot.get();
  }

  // The consumer of a billing or canceller process, started on first use. The
  // start (up to seconds) happens outside the lock, so producers stay usable.
  Result<KafkaConsumer*> consumer(ProcessId p) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (auto it = consumers.find(p); it != consumers.end() && it->second) return it->second.get();
    }
    const bool billing = p == ProcessId::billing;
    auto made = KafkaConsumer::create(endpoints.kafka_brokers, billing ? billing_group : cancel_group,
                                      billing ? domain::kTopicOrderCreated : domain::kTopicOrderCancelled);
    if (!made) return made.error();
    (void)(*made)->wait_ready(std::chrono::milliseconds(3000));  // a slow start is a latency, not an error
    std::lock_guard<std::mutex> lock(mu);
    auto& slot = consumers[p];
    if (!slot) slot = std::move(*made);  // one step per consumer process at a time: no race in practice
    return slot.get();
  }
};

namespace {

class RealPublisher final : public domain::EventPublisher {
 public:
  RealPublisher(World::Impl& w, Step& step) : w_(w), step_(step) {}
  Task<Result<void>> publish(const domain::OrderCreatedEvent& event) override {
    const ProduceFault fault = step_.take_produce_fault();
    step_.note("-> kafka.send(order.created, key=" + event.order_id.short_str() + ")");
    auto sent = co_await offload(w_.broker_threads, [this, &event]() -> Result<void> {
      auto p = w_.producer(step_.process());
      if (!p) return p.error();
      return (*p)->send(domain::kTopicOrderCreated, event.order_id.str(), encode_created(event),
                        event.idempotency_key);
    });
    step_.check();
    if (sent && fault == ProduceFault::ambiguous) {
      // The record is in the log; the acknowledgement is lost on the way back.
      sent = make_error(Errc::timeout, "delivery timeout: the record was appended but its ack was lost");
    }
    step_.note(sent ? "<- kafka ack (acks=all)" : "<- kafka: " + sent.error().message);
    co_return sent;
  }

  // The batch is in flight together; every report is awaited before any row
  // is marked (the relay deletes exactly the delivered ones).
  Task<std::vector<Result<void>>> publish_all(const std::vector<domain::OrderCreatedEvent>& events) override {
    const ProduceFault fault = step_.take_produce_fault();
    step_.note("-> kafka.send x" + std::to_string(events.size()) + " (order.created, pipelined)");
    const auto* batch = &events;
    auto sent = co_await offload(w_.broker_threads, [this, batch]() -> std::vector<Result<void>> {
      auto p = w_.producer(step_.process());
      if (!p) return std::vector<Result<void>>(batch->size(), Result<void>(p.error()));
      std::vector<KafkaProducer::Record> records;
      records.reserve(batch->size());
      for (const auto& e : *batch) records.push_back({e.order_id.str(), encode_created(e), e.idempotency_key});
      return (*p)->send_all(domain::kTopicOrderCreated, records);
    });
    step_.check();
    if (!sent.empty() && sent[0] && fault == ProduceFault::ambiguous) {
      sent[0] = make_error(Errc::timeout, "delivery timeout: the record was appended but its ack was lost");
    }
    int ok = 0;
    for (const auto& r : sent) ok += r ? 1 : 0;
    step_.note("<- kafka: " + std::to_string(ok) + "/" + std::to_string(sent.size()) + " acked (acks=all)");
    co_return sent;
  }

 private:
  World::Impl& w_;
  Step& step_;
};

class RealSource final : public domain::EventSource {
 public:
  RealSource(World::Impl& w, Step& step) : w_(w), step_(step) {}

  Task<Result<std::vector<domain::ConsumedRecord>>> poll(int max) override {
    const bool billing = step_.process() == ProcessId::billing;
    using Polled = std::pair<std::vector<domain::ConsumedRecord>, std::vector<std::pair<domain::Uuid, bool>>>;
    auto polled = co_await offload(w_.broker_threads, [this, max, billing]() -> Result<Polled> {
      auto c = w_.consumer(step_.process());
      if (!c) return c.error();
      auto records = (*c)->poll(max, kPollWait);
      if (!records) return records.error();
      Polled out;
      auto& conn = w_.sightings;  // billing's own connection: one billing step at a time
      for (KafkaRecord& r : *records) {
        domain::ConsumedRecord rec{r.partition, r.offset, domain::MalformedEvent{}};
        rec.payload = billing ? decode_created(r.payload) : decode_cancelled(r.payload);
        if (auto* e = std::get_if<domain::OrderCreatedEvent>(&rec.payload)) {
          e->idempotency_key = r.idempotency_key;
          if (w_.options.record_sightings) {
            // early-event: is the order visible to a reader right now?
            if (!conn || !conn->is_open()) {
              auto got = w_.pool.connect();
              if (got) conn = std::move(*got);
            }
            bool visible = true;
            if (conn) {
              auto v = order_visible(*conn, e->order_id);
              visible = !v || *v;
            }
            out.second.emplace_back(e->order_id, visible);
          }
        }
        out.first.push_back(std::move(rec));
      }
      return out;
    });
    step_.check();
    if (!polled) {
      step_.note("poll -> " + polled.error().message);
      co_return polled.error();
    }
    for (auto& d : polled->second) w_.deliveries.push_back(d);
    step_.note("<- kafka.poll: " + std::to_string(polled->first.size()) + " record(s)");
    co_return std::move(polled->first);
  }

  Task<Result<void>> commit(const domain::ConsumedRecord& record) override {
    const auto partition = record.partition;
    const auto next = record.offset + 1;
    auto done = co_await offload(w_.broker_threads, [this, partition, next]() -> Result<void> {
      auto c = w_.consumer(step_.process());
      if (!c) return c.error();
      return (*c)->commit(partition, next);
    });
    step_.check();
    step_.note(done ? "commit offset " + std::to_string(next) + " (partition " + std::to_string(partition) + ")"
                    : "offset commit -> " + done.error().message);
    co_return done;
  }

  void rewind() override {
    auto c = w_.consumer(step_.process());
    if (c) (void)(*c)->rewind();
    step_.note("rewind to the committed offsets");
  }

 private:
  World::Impl& w_;
  Step& step_;
};

class RealCrashPoints final : public domain::CrashPoints {
 public:
  explicit RealCrashPoints(Step& step) : step_(step) {}
  void reach(domain::CrashPoint point) override {
    if (!step_.take_crash(point)) return;
    step_.note(std::string("CRASH at ") + domain::crash_point_name(point));
    throw ProcessCrashed{point};
  }

 private:
  Step& step_;
};

class RealClock final : public domain::Clock {
 public:
  domain::Timestamp now() override {
    using namespace std::chrono;
    return domain::Timestamp{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
  }
};
RealClock g_clock;

class RealLog final : public domain::Log {
 public:
  RealLog(World::Impl& w, Step& step) : w_(w), step_(step) {}
  void warn(std::string_view line) override {
    step_.note("WARN " + std::string(line));
    w_.warnings.emplace_back(line);
  }

 private:
  World::Impl& w_;
  Step& step_;
};

}  // namespace

World::World(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
World::~World() = default;

Result<std::unique_ptr<World>> World::open(const Endpoints& endpoints, const WorldOptions& options, InfraError* why) {
  auto impl = std::make_unique<Impl>(endpoints, options);
  if (impl->options.infra_script.empty()) {
    impl->options.infra_script = env_or("DWSIM_INFRA_SCRIPT", std::string(DWSIM_SOURCE_DIR) + "/scripts/infra.sh");
  }
  auto fail = [&](InfraError::Kind kind, const domain::Error& e) -> Result<std::unique_ptr<World>> {
    if (why) *why = InfraError{kind, e.message};
    return e;
  };
  auto conn = impl->pool.connect();
  if (!conn) {
    return fail(InfraError::postgres_unreachable,
                make_error(Errc::unavailable, conn.error().message + " (DWSIM_PG_URL=" + endpoints.pg_url +
                                                  "; start it with ./dwsim infra up)"));
  }
  auto migrated = migrate(**conn);
  if (!migrated) return fail(InfraError::migration, migrated.error());
  impl->pool.release(std::move(*conn));
  for (const char* topic : {domain::kTopicOrderCreated, domain::kTopicOrderCancelled}) {
    auto parts = topic_partitions(endpoints.kafka_brokers, topic, kMetadataWait);
    if (!parts) {
      const auto kind = parts.error().code == Errc::unavailable ? InfraError::broker_unreachable : InfraError::other;
      return fail(kind, make_error(parts.error().code, parts.error().message + " (DWSIM_KAFKA_BROKERS=" +
                                                           endpoints.kafka_brokers + ")"));
    }
  }
  return std::unique_ptr<World>(new World(std::move(impl)));
}

boost::asio::io_context& World::io() { return impl_->io; }
const Endpoints& World::endpoints() const { return impl_->endpoints; }
const WorldOptions& World::options() const { return impl_->options; }
bool World::broker_up() const { return impl_->broker_up; }
domain::Clock& World::clock() { return g_clock; }
const std::vector<std::string>& World::timeline() const { return impl_->timeline; }

std::vector<std::string> World::take_warnings() { return std::exchange(impl_->warnings, {}); }

void World::note(ProcessId process, int index, const std::string& what) {
  if (!impl_->options.record_timeline) return;
  const auto ms = std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - impl_->t0).count();
  char head[64];
  std::snprintf(head, sizeof head, "t=%lld.%03lldms  %s#%d  ", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000), process_name(process), index);
  impl_->timeline.push_back(head + what);
}

double World::elapsed_ms() const {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - impl_->t0).count();
}

Result<void> World::begin_run() {
  Impl& w = *impl_;
  auto conn = w.pool.acquire();
  if (!conn) return conn.error();
  auto emptied = truncate_all(**conn);
  if (!emptied) return emptied.error();
  w.pool.release(std::move(*conn));
  auto created = end_offsets(w.endpoints.kafka_brokers, domain::kTopicOrderCreated, kMetadataWait);
  if (!created) return created.error();
  auto cancelled = end_offsets(w.endpoints.kafka_brokers, domain::kTopicOrderCancelled, kMetadataWait);
  if (!cancelled) return cancelled.error();
  w.start_created = *created;
  w.start_cancelled = *cancelled;
  // The consumer groups belong to this world (one per process that opened
  // it); each run moves them to the log's current end. Sessions stay warm
  // between runs, as a running service's would; a crash replaces them.
  if (w.billing_group == "dwsim-billing") {
    char suffix[32];
    const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
    std::snprintf(suffix, sizeof suffix, "-%016llx", static_cast<unsigned long long>(stamp));
    w.billing_group += w.options.group_suffix + suffix;
    w.cancel_group += w.options.group_suffix + suffix;
  }
  for (ProcessId p : {ProcessId::billing, ProcessId::canceller}) {
    const bool billing = p == ProcessId::billing;
    const auto& start = billing ? w.start_created : w.start_cancelled;
    KafkaConsumer* existing = nullptr;
    {
      std::lock_guard<std::mutex> lock(w.mu);
      if (auto it = w.consumers.find(p); it != w.consumers.end() && it->second) existing = it->second.get();
    }
    if (existing != nullptr) {
      auto moved = existing->reset_to(start);
      if (!moved) return moved.error();
      continue;
    }
    auto committed = commit_group_offsets(w.endpoints.kafka_brokers, billing ? w.billing_group : w.cancel_group,
                                          billing ? domain::kTopicOrderCreated : domain::kTopicOrderCancelled, start);
    if (!committed) return committed.error();
    auto made = w.consumer(p);
    if (!made) return made.error();
  }
  if (w.options.record_sightings && (!w.sightings || !w.sightings->is_open())) {
    auto sight = w.pool.connect();
    if (!sight) return sight.error();
    w.sightings = std::move(*sight);
  }
  for (ProcessId p : {ProcessId::service, ProcessId::relay_a, ProcessId::relay_b}) {
    bool fresh = false;
    {
      std::lock_guard<std::mutex> lock(w.mu);
      fresh = !w.producers[p];
    }
    auto made = w.producer(p);
    if (!made) return made.error();
    if (fresh) {
      auto warm = (*made)->warm_up(kProbeTopic, {domain::kTopicOrderCreated});
      if (!warm) return warm.error();
    }
  }
  w.broker_up = true;
  w.timeline.clear();
  w.warnings.clear();
  w.deliveries.clear();
  w.t0 = SteadyClock::now();
  return {};
}

World::StepPorts World::ports(Step& step, bool write_behind) {
  return StepPorts{database(step, write_behind), publisher(step), source(step), crash_points(step), log(step)};
}

std::unique_ptr<domain::Database> World::database(Step& step, bool write_behind) {
  return std::make_unique<PgDatabase>(impl_->pool, impl_->threads, step, write_behind, impl_->slots.get(),
                                      impl_->reader.get());
}
std::unique_ptr<domain::EventPublisher> World::publisher(Step& step) {
  return std::make_unique<RealPublisher>(*impl_, step);
}
std::unique_ptr<domain::EventSource> World::source(Step& step) { return std::make_unique<RealSource>(*impl_, step); }
std::unique_ptr<domain::CrashPoints> World::crash_points(Step& step) {
  return std::make_unique<RealCrashPoints>(step);
}
std::unique_ptr<domain::Log> World::log(Step& step) { return std::make_unique<RealLog>(*impl_, step); }

void World::crash(ProcessId process) {
  std::unique_ptr<KafkaProducer> producer;
  std::unique_ptr<KafkaConsumer> consumer;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (auto it = impl_->producers.find(process); it != impl_->producers.end()) producer = std::move(it->second);
    if (auto it = impl_->consumers.find(process); it != impl_->consumers.end()) consumer = std::move(it->second);
  }
  ++impl_->incarnations[process];
  note(process, 0, "process restarted: producer session and consumer position lost");
  if (consumer) {
    consumer.reset();
    (void)impl_->consumer(process);  // the restarted consumer resumes from the committed offsets
  }
}

std::uint32_t World::incarnation(ProcessId process) const {
  auto it = impl_->incarnations.find(process);
  return it == impl_->incarnations.end() ? 0 : it->second;
}

Task<bool> World::publish_cancel(const domain::OrderCancelledEvent& event) {
  Impl& w = *impl_;
  auto sent = co_await offload(w.broker_threads, [&w, &event]() -> Result<void> {
    {
      std::lock_guard<std::mutex> lock(w.mu);
      if (!w.external) {
        auto made = KafkaProducer::create(w.endpoints.kafka_brokers);
        if (!made) return made.error();
        w.external = std::move(*made);
      }
    }
    return w.external->send(domain::kTopicOrderCancelled, event.order_id.str(), encode_cancelled(event),
                            std::nullopt);
  });
  co_return sent.has_value();
}

Task<bool> World::publish_raw_cancel(const std::string& key, const std::string& payload) {
  Impl& w = *impl_;
  const std::string* k = &key;
  const std::string* v = &payload;
  auto sent = co_await offload(w.broker_threads, [&w, k, v]() -> Result<void> {
    {
      std::lock_guard<std::mutex> lock(w.mu);
      if (!w.external) {
        auto made = KafkaProducer::create(w.endpoints.kafka_brokers);
        if (!made) return made.error();
        w.external = std::move(*made);
      }
    }
    return w.external->send(domain::kTopicOrderCancelled, *k, *v, std::nullopt);
  });
  co_return sent.has_value();
}

Task<Result<void>> World::set_broker(bool up) {
  Impl& w = *impl_;
  const std::string cmd = "bash '" + w.options.infra_script + "' " + (up ? "broker-start" : "broker-stop") + " >&2";
  note(ProcessId::service, 0, up ? "broker up: starting the broker" : "broker down: stopping the broker (SIGTERM)");
  // Captures are trivially destructible on purpose: g++ 12 may destroy a
  // lambda temporary of a co_await expression twice (non-trivial captures).
  const char* line = cmd.c_str();
  const int rc = co_await offload(w.threads, [line]() { return std::system(line); });
  if (rc != 0) {
    co_return make_error(Errc::internal, "'" + cmd + "' failed (status " + std::to_string(rc) + ")");
  }
  w.broker_up = up;
  note(ProcessId::service, 0, up ? "broker is up" : "broker is down");
  co_return Result<void>{};
}

Result<std::int64_t> World::seed_outbox_backlog(int rows) {
  auto conn = impl_->pool.acquire();
  if (!conn) return conn.error();
  auto n = insert_backlog(**conn, rows);
  impl_->pool.release(std::move(*conn));
  return n;
}

Result<std::int64_t> World::outbox_rows() {
  auto conn = impl_->pool.acquire();
  if (!conn) return conn.error();
  auto b = outbox_backlog(**conn);
  impl_->pool.release(std::move(*conn));
  if (!b) return b.error();
  return static_cast<std::int64_t>(b->first);
}

Task<Result<Observed>> World::observe() {
  Impl& w = *impl_;
  auto observed = co_await offload(w.threads, [&w]() -> Result<Observed> {
    Observed o;
    auto conn = w.pool.acquire();
    if (!conn) return conn.error();
    auto orders = read_orders(**conn);
    if (!orders) return orders.error();
    o.orders = std::move(*orders);
    auto charges = read_charges(**conn);
    if (!charges) return charges.error();
    o.charges = std::move(*charges);
    auto backlog = outbox_backlog(**conn);
    if (!backlog) return backlog.error();
    o.outbox_rows = backlog->first;
    o.rows_above_cursor = backlog->second;
    w.pool.release(std::move(*conn));
    auto records = read_range(w.endpoints.kafka_brokers, domain::kTopicOrderCreated, w.start_created,
                              std::chrono::milliseconds(10000));
    if (!records) return records.error();
    for (KafkaRecord& r : *records) {
      auto payload = decode_created(r.payload);
      if (auto* e = std::get_if<domain::OrderCreatedEvent>(&payload)) {
        e->idempotency_key = r.idempotency_key;
        o.events.push_back(std::move(*e));
      } else {
        ++o.undecodable_events;
      }
    }
    for (ProcessId p : {ProcessId::billing, ProcessId::canceller}) {
      auto c = w.consumer(p);
      if (!c) return c.error();
      auto lag = (*c)->lag();
      if (!lag) return lag.error();
      (p == ProcessId::billing ? o.billing_lag : o.canceller_lag) = *lag;
    }
    return o;
  });
  if (observed) observed->deliveries = w.deliveries;
  co_return observed;
}

Result<void> World::start_service(bool relay) {
  Impl& w = *impl_;
  std::vector<ProcessId> producers{ProcessId::service};
  if (relay) producers.push_back(ProcessId::relay_a);
  for (ProcessId p : producers) {
    auto made = w.producer(p);
    if (!made) return made.error();
    auto warm = (*made)->warm_up(kProbeTopic, {domain::kTopicOrderCreated});
    if (!warm) return warm.error();
  }
  auto consumer = w.consumer(ProcessId::canceller);  // group order-service (no run suffix)
  if (!consumer) return consumer.error();
  return {};
}

Task<Health> World::health(std::chrono::milliseconds limit) {
  Impl& w = *impl_;
  const auto wait = limit;
  Health h;
  h.db = co_await offload(w.threads, [&w]() -> ComponentHealth {
    auto conn = w.pool.acquire();
    if (!conn) return {false, conn.error().message};
    try {
      {
        pqxx::nontransaction tx(**conn);
        tx.exec("SELECT 1");
      }
      w.pool.release(std::move(*conn));
      return {true, "PostgreSQL (SELECT 1)"};
    } catch (const std::exception& e) {
      return {false, translate_pg(e).message};
    }
  });
  h.broker = co_await offload(w.broker_threads, [&w, wait]() -> ComponentHealth {
    for (const char* topic : {domain::kTopicOrderCreated, domain::kTopicOrderCancelled}) {
      auto parts = topic_partitions(w.endpoints.kafka_brokers, topic, wait);
      if (!parts) return {false, parts.error().message};
    }
    return {true, "Kafka at " + w.endpoints.kafka_brokers + " (order.created, order.cancelled)"};
  });
  co_return h;
}

Task<Result<std::map<int, std::int64_t>>> World::created_end_offsets() {
  Impl& w = *impl_;
  co_return co_await offload(w.broker_threads, [&w]() {
    return end_offsets(w.endpoints.kafka_brokers, domain::kTopicOrderCreated, kMetadataWait);
  });
}

Task<Result<bool>> World::created_since(const std::map<int, std::int64_t>& from, const domain::Uuid& key) {
  Impl& w = *impl_;
  const auto* start = &from;
  const auto* wanted = &key;
  co_return co_await offload(w.broker_threads, [&w, start, wanted]() -> Result<bool> {
    auto records = read_range(w.endpoints.kafka_brokers, domain::kTopicOrderCreated, *start,
                              std::chrono::milliseconds(10000));
    if (!records) return records.error();
    const std::string k = wanted->str();
    for (const KafkaRecord& r : *records) {
      if (r.key == k) return true;
    }
    return false;
  });
}

Result<std::map<int, std::int64_t>> World::end_offsets_of(const std::string& topic) {
  return end_offsets(impl_->endpoints.kafka_brokers, topic, kMetadataWait);
}

Result<std::vector<World::TopicRecord>> World::records_since(const std::string& topic,
                                                             const std::map<int, std::int64_t>& from) {
  auto records = read_range(impl_->endpoints.kafka_brokers, topic, from, std::chrono::milliseconds(30000));
  if (!records) return records.error();
  std::vector<TopicRecord> out;
  out.reserve(records->size());
  for (KafkaRecord& r : *records) out.push_back({r.partition, r.offset, std::move(r.key), std::move(r.payload)});
  return out;
}

void World::flush_producers(std::chrono::milliseconds limit) {
  Impl& w = *impl_;
  std::lock_guard<std::mutex> lock(w.mu);
  for (auto& [process, producer] : w.producers) {
    if (producer) producer->flush(limit);
  }
  if (w.external) w.external->flush(limit);
}

void World::shutdown(std::chrono::milliseconds limit) {
  flush_producers(limit);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->consumers.clear();  // KafkaConsumer::~KafkaConsumer closes the session
}

}  // namespace dwsim::real
