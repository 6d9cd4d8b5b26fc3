// The real world: PostgreSQL (libpqxx) and a Kafka-protocol broker (librdkafka)
// behind the same domain ports the simulator implements, so the use cases run
// unchanged on real infrastructure. This header names no vendor type: the
// runner in scenarios/ and the CLI drive real infrastructure through it alone.
//
// Threading: the ports are awaited from the world's io_context (one thread);
// every blocking vendor call runs on the world's thread pool (real/offload.h).
// Processes: the order service, two relay instances, the billing consumer
// and the order.cancelled consumer each own a producer / consumer session, as
// separate processes would; crash() drops a process's sessions the way a
// process crash does (open transactions roll back on the server, a new
// producer session is not deduplicated against the old one, a consumer
// restarts from its group's committed offsets).
//
// Faults: PostgreSQL faults are real where the server can produce them
// (connection loss through pg_terminate_backend, a rollback raised by the
// server, unique violations, lock waits, commits in any order); broker outages
// stop and start the real broker (scripts/infra.sh broker-stop/broker-start).
// Ambiguous outcomes whose cause is a lost answer (commit applied, reply lost;
// record appended, ack lost) are produced at the adapter: the operation really
// happens, then the caller is told it failed.
#pragma once

#include <utility>  // before <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "domain/ports.h"

namespace dwsim::real {

// Where the infrastructure is. DWSIM_PG_URL and DWSIM_KAFKA_BROKERS override
// the defaults of `./dwsim infra up` (and of compose/docker-compose.yml).
struct Endpoints {
  std::string pg_url = "postgresql://mars:mars@127.0.0.1:5432/orders_db";
  std::string kafka_brokers = "127.0.0.1:9092";
  static Endpoints from_env();
};

enum class CommitFault : std::uint8_t { none, fail, ambiguous, lost };
enum class ProduceFault : std::uint8_t { none, ambiguous, retry };

// The faults one command injects into the step it starts.
struct StepFaults {
  domain::CrashPoint crash = domain::CrashPoint::none;
  CommitFault commit = CommitFault::none;
  ProduceFault produce = ProduceFault::none;
  std::chrono::milliseconds delay{0};  // before each COMMIT of the step
};

// Thrown out of a crash point; caught where the process's work started.
struct ProcessCrashed {
  domain::CrashPoint point = domain::CrashPoint::none;
};

enum class ProcessId : std::uint8_t { service, relay_a, relay_b, billing, canceller };
const char* process_name(ProcessId p);

// Exit-code-worthy infrastructure errors (unreachable servers, migrations).
struct InfraError {
  enum Kind { postgres_unreachable, broker_unreachable, migration, other } kind;
  std::string message;
};

class World;

// One step of one process: its faults, its trace lines. Adapters take and
// consume faults from it (a commit fault hits the step's first COMMIT).
class Step {
 public:
  Step(World& world, ProcessId process, int command_index, StepFaults faults);
  World& world() { return world_; }
  ProcessId process() const { return process_; }
  int index() const { return index_; }
  const StepFaults& faults() const { return faults_; }
  CommitFault take_commit_fault() { return std::exchange(faults_.commit, CommitFault::none); }
  ProduceFault take_produce_fault() { return std::exchange(faults_.produce, ProduceFault::none); }
  bool take_crash(domain::CrashPoint reached) {
    if (faults_.crash != reached) return false;
    faults_.crash = domain::CrashPoint::none;
    return true;
  }
  void note(const std::string& what);
  // Throws ProcessCrashed if the process crashed since the step began (a
  // crash of the service ends every request it was serving).
  void check() const;
  bool incarnation_changed() const;

 private:
  World& world_;
  ProcessId process_;
  int index_;
  StepFaults faults_;
  std::uint32_t incarnation_;
};

struct WorldOptions {
  bool record_sightings = true;  // billing checks each event's order is visible (early-event)
  int pool_threads = 24;    // blocking PostgreSQL calls
  int broker_threads = 24;  // blocking broker calls (a send waits for its delivery report)
  // At most this many transactions open at once (0: no bound). serve sets it
  // below pool_threads: then a transaction that waits for a row lock held by
  // another can never take the last thread the holder needs to commit.
  int max_open_transactions = 0;
  // serve: read_order on this many libpq connections driven by the io thread
  // (real/pg_async.h), at most as many reads in flight, instead of the pool
  // (0: through the pool, unbounded).
  int async_read_connections = 0;
  std::chrono::milliseconds connect_timeout{5000};
  std::string infra_script;  // scripts/infra.sh, for broker-stop / broker-start
  std::string group_suffix;  // appended to consumer group names (isolates runs)
  // Runs keep a timeline of every step; a long-running service (serve) does not.
  bool record_timeline = true;
};

// A component's health, as GET /actuator/health reports it.
struct ComponentHealth {
  bool up = false;
  std::string detail;  // the error when down; what was checked when up
};
struct Health {
  ComponentHealth db;
  ComponentHealth broker;
  bool up() const { return db.up && broker.up; }
};

// What the oracle needs from real infrastructure, read back from it.
struct RealCharge {
  domain::Uuid order_id;
  domain::Money amount;
  std::int64_t charged_us = 0;  // wall clock (the billing transaction's start)
};
struct Observed {
  std::vector<domain::Order> orders;               // committed, by created_at
  std::vector<domain::OrderCreatedEvent> events;   // order.created since the run began
  int undecodable_events = 0;
  std::vector<RealCharge> charges;
  std::vector<std::pair<domain::Uuid, bool>> deliveries;  // billing's sightings
  std::size_t outbox_rows = 0;                      // rows not yet relayed (claiming relays)
  std::size_t rows_above_cursor = 0;                // outbox-cursor
  std::int64_t billing_lag = 0;                     // records billing has not committed
  std::int64_t canceller_lag = 0;
};

class World {
 public:
  // Connects, applies migrations (refusing to start if an applied one
  // changed), checks the broker and the topics. Never hangs: unreachable
  // servers are reported within the connect timeout.
  static domain::Result<std::unique_ptr<World>> open(const Endpoints& endpoints, const WorldOptions& options,
                                                     InfraError* why = nullptr);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  boost::asio::io_context& io();
  const Endpoints& endpoints() const;
  const WorldOptions& options() const;

  // Empties the tables, remembers the broker's end offsets and moves this
  // world's consumer groups (named once, from the wall clock) to them, so a
  // run sees only its own records. Restarts the run's clock (elapsed_ms).
  domain::Result<void> begin_run();
  // Wall time since begin_run(). Real time is read here, in real/, never by
  // the runner in scenarios/.
  double elapsed_ms() const;

  // Every port of one step, owned together; they live as long as the step.
  struct StepPorts {
    std::unique_ptr<domain::Database> db;
    std::unique_ptr<domain::EventPublisher> publisher;
    std::unique_ptr<domain::EventSource> source;  // used by billing and canceller steps
    std::unique_ptr<domain::CrashPoints> crash;
    std::unique_ptr<domain::Log> log;
  };
  StepPorts ports(Step& step, bool write_behind = false);

  // Ports of one step. The returned objects live as long as the step.
  // write_behind: the seed's ORM (dual-write), INSERTs flushed just before COMMIT.
  std::unique_ptr<domain::Database> database(Step& step, bool write_behind);
  std::unique_ptr<domain::EventPublisher> publisher(Step& step);
  std::unique_ptr<domain::EventSource> source(Step& step);  // billing or canceller, by step.process()
  std::unique_ptr<domain::CrashPoints> crash_points(Step& step);
  domain::Clock& clock();
  std::unique_ptr<domain::Log> log(Step& step);

  // A process crash: its broker sessions are dropped (and recreated on next use).
  void crash(ProcessId process);
  std::uint32_t incarnation(ProcessId process) const;
  // Another service publishes order.cancelled. False if the broker refused it.
  domain::Task<bool> publish_cancel(const domain::OrderCancelledEvent& event);
  // Publishes raw bytes on order.cancelled (a poison message, for tests).
  domain::Task<bool> publish_raw_cancel(const std::string& key, const std::string& payload);
  // Broker outage window: stops (SIGTERM) / starts the local broker.
  domain::Task<domain::Result<void>> set_broker(bool up);
  bool broker_up() const;

  domain::Task<domain::Result<Observed>> observe();

  // --- A long-running order service (./dwsim serve), no runs, no resets.
  // Opens the service's producer session (and the relay's when `relay`) and
  // the order.cancelled consumer of group `order-service`, at the group's
  // committed offsets (earliest where it has none).
  domain::Result<void> start_service(bool relay);
  // Pings PostgreSQL (SELECT 1) and the broker (topic metadata), each within
  // `limit`.
  domain::Task<Health> health(std::chrono::milliseconds limit);
  // End offsets of order.created, and whether a record keyed `key` was
  // appended after `from` (the chaos endpoint's eventSentToKafka).
  domain::Task<domain::Result<std::map<int, std::int64_t>>> created_end_offsets();
  domain::Task<domain::Result<bool>> created_since(const std::map<int, std::int64_t>& from, const domain::Uuid& key);
  // The same for any topic (./dwsim events): end offsets, and the records
  // appended after `from` as (partition, offset, key, payload).
  struct TopicRecord {
    int partition = 0;
    std::int64_t offset = 0;
    std::string key;
    std::string payload;
  };
  domain::Result<std::map<int, std::int64_t>> end_offsets_of(const std::string& topic);
  domain::Result<std::vector<TopicRecord>> records_since(const std::string& topic,
                                                         const std::map<int, std::int64_t>& from);
  // Graceful shutdown: waits for every outstanding delivery report of every
  // producer (at most `limit`), then closes the consumers (their offsets are
  // committed record by record, as they are handled). REQUIRES: no step is
  // using a consumer (the workers have stopped).
  void shutdown(std::chrono::milliseconds limit);
  // Only the producers' part of shutdown(), when workers may still run.
  void flush_producers(std::chrono::milliseconds limit);

  // Benchmarks: fills the outbox with `rows` committed order.created rows
  // (one INSERT ... SELECT generate_series), returns their count.
  domain::Result<std::int64_t> seed_outbox_backlog(int rows);
  domain::Result<std::int64_t> outbox_rows();

  // The run's timeline ("t=12ms  service#3  -> kafka.send(...)").
  void note(ProcessId process, int index, const std::string& what);
  const std::vector<std::string>& timeline() const;
  std::vector<std::string> take_warnings();

  struct Impl;

 private:
  explicit World(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dwsim::real
