// Simulation: one simulated world (virtual time, one PRNG, the fake database
// and broker, the processes and their volatile state) and the adapters that
// implement the domain's ports on top of it.
//
// Processes crash at named crash points: the crash drops their database
// connections (open transactions roll back), loses their volatile state
// (producer session, consumer positions, relay cursor) and restarts them at
// once with a new incarnation. Coroutines of the dead incarnation unwind with
// ProcessCrashed the next time they touch a port.
//
// Faults are attached to one step (a request, a relay iteration, a consumer
// poll) through StepFaults, like leveldb's ErrorEnv or Beast's fail_count: the
// first commit / the first produce of the step fails the requested way.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "domain/ports.h"
#include "domain/use_cases.h"
#include "sim/fake_broker.h"
#include "sim/fake_database.h"
#include "sim/prng.h"
#include "sim/scheduler.h"
#include "sim/trace.h"

namespace dwsim::sim {

// Thrown into the coroutines of a process that crashed. Never caught by the
// domain; caught where the process's work started (the request, the step).
struct ProcessCrashed {};

enum class ProduceFault : std::uint8_t {
  none,
  ambiguous,  // appended, the ack is lost; the producer reports a delivery timeout
  retry,      // appended, the ack is lost; the producer retries inside its session
};

struct StepFaults {
  domain::CrashPoint crash = domain::CrashPoint::none;
  CommitFault commit = CommitFault::none;
  ProduceFault produce = ProduceFault::none;
  int delay_ms = 0;  // latency before each COMMIT of the step (makes transactions overlap)
};

struct ProducerConfig {
  std::int64_t max_block_us = 1'000'000;         // max.block.ms=1000 (seed): wait for the broker
  std::int64_t delivery_timeout_us = 3'000'000;  // delivery.timeout.ms=3000 (seed)
  std::int64_t latency_us = 300;                 // send -> ack, broker up
  std::int64_t retry_backoff_us = 100'000;       // retry.backoff.ms=100
  bool idempotent = true;                        // enable.idempotence=true
};

struct Process {
  Process(Actor a, std::uint32_t owner_id) : actor(a), owner(owner_id) {}
  Actor actor;
  std::uint32_t incarnation = 1;
  std::uint32_t owner;  // database connection owner of this incarnation
  bool busy = false;    // a relay / consumer step is running
  // Volatile state, lost at a crash.
  std::optional<std::uint64_t> producer_id;
  std::map<int, std::int64_t> producer_seq;
  std::optional<std::vector<std::int64_t>> positions;
  domain::RelayState relay;
};

class Simulation {
 public:
  static constexpr std::int64_t kEpochUs = 1'771'668'000'000'000;  // 2026-02-21T10:00:00Z, as in the seed

  Simulation(std::uint64_t seed, bool keep_trace);
  ~Simulation();

  Scheduler scheduler;
  Trace trace;
  Probes probes;
  Prng prng;
  FakeDatabase db;
  FakeBroker broker;
  ProducerConfig producer_config;
  Process service{Actor::service, 1};
  Process relay{Actor::relay, 2};
  Process relay_b{Actor::relay, 6};  // a second relay instance (claiming variant only)
  Process billing{Actor::billing, 3};
  Process canceller{Actor::canceller, 4};
  Process external{Actor::client, 5};  // the other service that publishes order.cancelled

  // Billing's sightings of order.created: order id -> visible in the DB then?
  std::vector<std::pair<domain::Uuid, bool>> deliveries;

  std::int64_t now_us() const { return scheduler.now_us(); }
  // Crashes the process and restarts it. Does not throw; callers throw.
  void crash(Process& process, domain::CrashPoint point);

 private:
  std::uint32_t next_owner_ = 100;
  std::map<std::pair<int, int>, std::int64_t> delivered_high_;  // (group, partition) -> highest offset seen
  friend class SimEventSource;
};

// What one step's adapters share: the process and incarnation they act for,
// the faults of the step, and who to name in the trace.
class StepContext {
 public:
  StepContext(Simulation& sim, Process& process, std::uint32_t index, StepFaults faults)
      : sim_(sim), process_(process), incarnation_(process.incarnation), index_(index), faults_(faults) {}

  Simulation& sim() { return sim_; }
  Process& process() { return process_; }
  std::uint32_t index() const { return index_; }
  const StepFaults& faults() const { return faults_; }
  // Throws ProcessCrashed if the process crashed since the step began.
  void check() const {
    if (process_.incarnation != incarnation_) throw ProcessCrashed{};
  }
  CommitFault take_commit_fault() { return std::exchange(faults_.commit, CommitFault::none); }
  ProduceFault take_produce_fault() { return std::exchange(faults_.produce, ProduceFault::none); }
  domain::CrashPoint take_crash(domain::CrashPoint reached) {
    if (faults_.crash != reached) return domain::CrashPoint::none;
    return std::exchange(faults_.crash, domain::CrashPoint::none);
  }
  void record(Op op, const domain::Uuid& subject = {}, std::int64_t value = 0) {
    sim_.trace.record(sim_.now_us(), process_.actor, index_, op, subject, value);
  }

 private:
  Simulation& sim_;
  Process& process_;
  std::uint32_t incarnation_;
  std::uint32_t index_;
  StepFaults faults_;
};

class SimDatabase final : public domain::Database {
 public:
  SimDatabase(StepContext& ctx, bool write_behind) : ctx_(ctx), write_behind_(write_behind) {}
  Task<domain::Result<std::unique_ptr<domain::UnitOfWork>>> begin() override;

 private:
  StepContext& ctx_;
  bool write_behind_;
};

class SimPublisher final : public domain::EventPublisher {
 public:
  explicit SimPublisher(StepContext& ctx) : ctx_(ctx) {}
  Task<domain::Result<void>> publish(const domain::OrderCreatedEvent& event) override;

 private:
  StepContext& ctx_;
};

class SimEventSource final : public domain::EventSource {
 public:
  SimEventSource(StepContext& ctx, TopicId topic, GroupId group) : ctx_(ctx), topic_(topic), group_(group) {}
  Task<domain::Result<std::vector<domain::ConsumedRecord>>> poll(int max) override;
  Task<domain::Result<void>> commit(const domain::ConsumedRecord& record) override;
  void rewind() override;

 private:
  std::vector<std::int64_t>& positions();
  StepContext& ctx_;
  TopicId topic_;
  GroupId group_;
};

class SimCrashPoints final : public domain::CrashPoints {
 public:
  explicit SimCrashPoints(StepContext& ctx) : ctx_(ctx) {}
  void reach(domain::CrashPoint point) override;

 private:
  StepContext& ctx_;
};

class SimClock final : public domain::Clock {
 public:
  explicit SimClock(Simulation& sim) : sim_(sim) {}
  domain::Timestamp now() override { return domain::Timestamp{Simulation::kEpochUs + sim_.now_us()}; }

 private:
  Simulation& sim_;
};

class SimIds final : public domain::IdSource {
 public:
  explicit SimIds(Simulation& sim) : sim_(sim) {}
  domain::Uuid next() override {
    const std::uint64_t hi = sim_.prng.next();
    return domain::Uuid::v4_from_bits(hi, sim_.prng.next());
  }

 private:
  Simulation& sim_;
};

class SimLog final : public domain::Log {
 public:
  explicit SimLog(StepContext& ctx) : ctx_(ctx) {}
  void warn(std::string_view line) override {
    ctx_.sim().trace.note(ctx_.sim().now_us(), ctx_.process().actor, ctx_.index(), Op::warn, line);
  }

 private:
  StepContext& ctx_;
};

}  // namespace dwsim::sim
