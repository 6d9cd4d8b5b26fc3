#include "scenarios/sim_runner.h"

#include <cassert>

#include "domain/use_cases.h"
#include "scenarios/command_ids.h"
#include "sim/simulation.h"

namespace dwsim::scenarios {
namespace {

using domain::Uuid;
using sim::Actor;
using sim::Op;

constexpr std::int64_t kCommandSpacingUs = 1'000;
constexpr std::int64_t kDrainWaitUs = 120'000'000;  // in-flight requests must finish within 120 s

sim::StepFaults faults_of(const Command& c) {
  sim::StepFaults f;
  f.crash = c.crash;
  f.delay_ms = c.delay_ms;
  switch (c.commit) {
    case CommitFaultKind::none: f.commit = sim::CommitFault::none; break;
    case CommitFaultKind::fail: f.commit = sim::CommitFault::fail; break;
    case CommitFaultKind::ambiguous: f.commit = sim::CommitFault::ambiguous; break;
    case CommitFaultKind::lost: f.commit = sim::CommitFault::connection_lost; break;
  }
  switch (c.produce) {
    case ProduceFaultKind::none: f.produce = sim::ProduceFault::none; break;
    case ProduceFaultKind::ambiguous: f.produce = sim::ProduceFault::ambiguous; break;
    case ProduceFaultKind::retry: f.produce = sim::ProduceFault::retry; break;
  }
  return f;
}

class Driver {
 public:
  Driver(sim::Simulation& s, const Case& c, const RunOptions& o)
      : sim_(s), case_(c), options_(o), requests_(c.commands.size()) {}

  sim::Task<void> script() {
    for (std::size_t i = 0; i < case_.commands.size(); ++i) {
      const Command& cmd = case_.commands[i];
      const auto index = static_cast<std::uint32_t>(i + 1);  // 1-based, as in "command N"
      sim_.trace.record(sim_.now_us(), Actor::runner, 0, Op::command, {}, static_cast<std::int64_t>(i + 1));
      if (sim_.trace.keeps_events()) annotate_last(encode(cmd));
      switch (cmd.kind) {
        case CommandKind::create:
          ++inflight_;
          sim_.scheduler.spawn(client_create(index, cmd));
          break;
        case CommandKind::get:
          ++inflight_;
          sim_.scheduler.spawn(client_get(index, target(cmd.order)));
          break;
        case CommandKind::cancel: external_cancel(index, target(cmd.order)); break;
        case CommandKind::relay:
          // The claiming relay may run as two instances (SKIP LOCKED keeps
          // them apart); the cursor relay is a single instance by design.
          if (domain::uses_outbox(case_.variant) && !sim_.relay.busy) {
            sim_.scheduler.spawn(relay_task(sim_.relay, index, faults_of(cmd)));
          } else if (domain::uses_claiming_relay(case_.variant) && !sim_.relay_b.busy) {
            sim_.scheduler.spawn(relay_task(sim_.relay_b, index, faults_of(cmd)));
          }
          break;
        case CommandKind::consume:
          if (!sim_.billing.busy) sim_.scheduler.spawn(billing_task(index, faults_of(cmd)));
          if (!sim_.canceller.busy) sim_.scheduler.spawn(cancel_task(index));
          break;
        case CommandKind::broker_down: sim_.broker.set_up(false); break;
        case CommandKind::broker_up: sim_.broker.set_up(true); break;
      }
      co_await sim_.scheduler.sleep_us(kCommandSpacingUs);
    }
    co_await liveness();
  }

  // Computes convergence, then moves the final state out of the world.
  FinalState collect(bool scheduler_idle) {
    FinalState s;
    s.deliveries = std::move(sim_.deliveries);
    s.requests = std::move(requests_);
    s.converged = quiet_ && scheduler_idle && inflight_ == 0;
    if (!scheduler_idle) s.convergence_note = "work was still scheduled at the end of the run's time bound";
    else if (inflight_ > 0) s.convergence_note = std::to_string(inflight_) + " requests never finished";
    else if (!quiet_) s.convergence_note = "the relay and consumers were still making progress after the round bound";
    if (s.converged) {
      std::string pending = pending_work();
      if (!pending.empty()) {
        s.converged = false;
        s.convergence_note = pending;
      }
    }
    for (int p = 0; p < sim_.broker.partitions(sim::TopicId::order_created); ++p) {
      for (auto& rec : sim_.broker.take_log(sim::TopicId::order_created, p)) {
        if (auto* e = std::get_if<domain::OrderCreatedEvent>(&rec.payload)) s.events.push_back(std::move(*e));
      }
    }
    for (const auto& c : sim_.db.take_charges()) s.charges.push_back(ChargeRecord{c.order_id, c.amount});
    s.committed_orders = sim_.db.take_orders();
    return s;
  }

 private:
  void annotate_last(const std::string& text) {
    // The command's text rides on the event already hashed (its index).
    sim_.trace.annotate(text);
  }

  Uuid target(int n) const {
    if (seen_created_.empty()) return Uuid{0xdead, static_cast<std::uint64_t>(n)};
    return seen_created_[static_cast<std::size_t>(n) % seen_created_.size()];
  }

  std::string pending_work() const {
    if (domain::uses_claiming_relay(case_.variant) && !sim_.db.outbox().empty()) {
      return std::to_string(sim_.db.outbox().size()) + " outbox rows were never relayed";
    }
    if (case_.variant == domain::Variant::outbox_cursor &&
        sim_.db.outbox().upper_bound(sim_.db.committed_cursor()) != sim_.db.outbox().end()) {
      return "outbox rows above the relay's cursor were never relayed";
    }
    for (int p = 0; p < sim_.broker.partitions(sim::TopicId::order_created); ++p) {
      const auto end = static_cast<std::int64_t>(sim_.broker.log(sim::TopicId::order_created, p).size());
      if (sim_.broker.committed(sim::GroupId::billing, sim::TopicId::order_created, p) != end) {
        return "billing's committed offsets lag the order.created log";
      }
    }
    const auto end = static_cast<std::int64_t>(sim_.broker.log(sim::TopicId::order_cancelled, 0).size());
    if (sim_.broker.committed(sim::GroupId::order_service, sim::TopicId::order_cancelled, 0) != end) {
      return "the order.cancelled consumer lags its log";
    }
    return "";
  }

  sim::Task<void> liveness() {
    // The safety phase ends when every step it started has finished, under
    // the faults still in force (a broker outage outlasts the last command).
    const std::int64_t give_up = sim_.now_us() + kDrainWaitUs;
    while ((inflight_ > 0 || sim_.relay.busy || sim_.relay_b.busy || sim_.billing.busy || sim_.canceller.busy) &&
           sim_.now_us() < give_up) {
      co_await sim_.scheduler.sleep_us(10'000);
    }
    sim_.trace.note(sim_.now_us(), Actor::runner, 0, Op::phase, "liveness: heal, restart, drain");
    sim_.broker.set_up(true);
    const std::uint32_t healed = static_cast<std::uint32_t>(case_.commands.size() + 1);
    for (int round = 0; round < options_.liveness_rounds; ++round) {
      int progress = 0;
      bool errors = false;
      if (domain::uses_outbox(case_.variant)) {
        const auto r = co_await run_relay(sim_.relay, healed, {});
        progress += r.processed;
        errors |= r.error.has_value();
      }
      const auto b = co_await run_billing(healed, {});
      const auto c = co_await run_canceller(healed);
      progress += b.processed + c.processed;
      errors |= b.error.has_value() || c.error.has_value();
      if (progress == 0 && !errors) {
        quiet_ = true;
        break;
      }
    }
  }

  // i: the 1-based command number (trace); requests_ is 0-based.
  sim::Task<void> client_create(std::uint32_t i, Command cmd) {
    sim::StepContext ctx(sim_, sim_.service, i, faults_of(cmd));
    sim::SimDatabase db(ctx, domain::uses_write_behind(case_.variant));
    sim::SimPublisher publisher(ctx);
    sim::SimCrashPoints crash(ctx);
    sim::SimClock clock(sim_);
    sim::SimIds world_ids(sim_);
    CommandIds command_ids(case_.seed, i);
    domain::IdSource& ids = options_.per_command_ids ? static_cast<domain::IdSource&>(command_ids) : world_ids;
    sim::SimLog log(ctx);
    domain::ServicePorts ports{db, publisher, clock, ids, crash, log};
    const domain::CreateOrderRequest request = request_for(cmd);
    RequestRecord rec;
    rec.command_index = static_cast<int>(i) - 1;
    rec.is_create = true;
    rec.key = request.idempotency_key;
    sim_.trace.record(sim_.now_us(), Actor::client, i, Op::request);
    try {
      auto r = co_await domain::create_order(case_.variant, ports, request, {cmd.rollback});
      if (r) {
        rec.status = r->rolled_back ? 200 : 201;
        rec.order_id = r->order_id;
        if (r->rolled_back) sim_.probes.hit(sim::Probe::fault_chaos_rollback);
        else seen_created_.push_back(r->order_id);
      } else {
        rec.status = r.error().code == domain::Errc::validation ? 400 : 500;
      }
    } catch (const sim::ProcessCrashed&) {
      rec.status = 0;
    }
    sim_.trace.record(sim_.now_us(), Actor::client, i, Op::response, rec.order_id.value_or(Uuid{}), rec.status);
    requests_[i - 1] = rec;
    --inflight_;
  }

  sim::Task<void> client_get(std::uint32_t i, Uuid id) {
    sim::StepContext ctx(sim_, sim_.service, i, {});
    sim::SimDatabase db(ctx, false);
    RequestRecord rec;
    rec.command_index = static_cast<int>(i) - 1;
    sim_.trace.record(sim_.now_us(), Actor::client, i, Op::request, id, 1);
    try {
      auto r = co_await domain::get_order(db, id);
      rec.status = !r ? 500 : r->has_value() ? 200 : 404;
    } catch (const sim::ProcessCrashed&) {
      rec.status = 0;
    }
    sim_.trace.record(sim_.now_us(), Actor::client, i, Op::response, id, rec.status);
    requests_[i - 1] = rec;
    --inflight_;
  }

  // Another service publishes order.cancelled (it is lost if the broker is down).
  void external_cancel(std::uint32_t i, Uuid id) {
    if (!sim_.broker.up()) return;
    const domain::Uuid event_id = options_.per_command_ids ? CommandIds(case_.seed, i).next() : sim::SimIds(sim_).next();
    domain::OrderCancelledEvent event{event_id, id, "dwsim",
                                      domain::Timestamp{sim::Simulation::kEpochUs + sim_.now_us()}};
    sim_.broker.append(sim::TopicId::order_cancelled, id, event, 0, -1);
    sim_.trace.record(sim_.now_us(), Actor::client, i, Op::produce, id, 2);
  }

  sim::Task<void> relay_task(sim::Process& p, std::uint32_t i, sim::StepFaults f) {
    (void)co_await run_relay(p, i, f);
  }
  sim::Task<void> billing_task(std::uint32_t i, sim::StepFaults f) { (void)co_await run_billing(i, f); }
  sim::Task<void> cancel_task(std::uint32_t i) { (void)co_await run_canceller(i); }

  sim::Task<domain::StepReport> run_relay(sim::Process& p, std::uint32_t i, sim::StepFaults f) {
    p.busy = true;
    sim::StepContext ctx(sim_, p, i, f);
    sim::SimDatabase db(ctx, false);
    sim::SimPublisher publisher(ctx);
    sim::SimCrashPoints crash(ctx);
    sim::SimLog log(ctx);
    domain::RelayPorts ports{db, publisher, crash, log};
    domain::StepReport report;
    try {
      report = co_await domain::relay_once(case_.variant, ports, p.relay, options_.relay_batch);
      p.busy = false;
    } catch (const sim::ProcessCrashed&) {
      report.error = domain::make_error(domain::Errc::internal, "relay crashed");
    }
    co_return report;
  }

  sim::Task<domain::StepReport> run_billing(std::uint32_t i, sim::StepFaults f) {
    sim::Process& p = sim_.billing;
    p.busy = true;
    sim::StepContext ctx(sim_, p, i, f);
    sim::SimDatabase db(ctx, false);
    sim::SimEventSource source(ctx, sim::TopicId::order_created, sim::GroupId::billing);
    sim::SimCrashPoints crash(ctx);
    sim::SimLog log(ctx);
    domain::ConsumerPorts ports{db, source, crash, log};
    domain::StepReport report;
    try {
      report = co_await domain::billing_consume_once(case_.consumer, ports, options_.consume_batch);
      p.busy = false;
    } catch (const sim::ProcessCrashed&) {
      report.error = domain::make_error(domain::Errc::internal, "billing consumer crashed");
    }
    co_return report;
  }

  sim::Task<domain::StepReport> run_canceller(std::uint32_t i) {
    sim::Process& p = sim_.canceller;
    p.busy = true;
    sim::StepContext ctx(sim_, p, i, {});
    sim::SimDatabase db(ctx, false);
    sim::SimPublisher publisher(ctx);
    sim::SimEventSource source(ctx, sim::TopicId::order_cancelled, sim::GroupId::order_service);
    sim::SimCrashPoints crash(ctx);
    sim::SimClock clock(sim_);
    sim::SimIds ids(sim_);
    sim::SimLog log(ctx);
    domain::ServicePorts ports{db, publisher, clock, ids, crash, log};
    domain::StepReport report;
    try {
      report = co_await domain::cancel_consume_once(ports, source, options_.consume_batch);
      p.busy = false;
    } catch (const sim::ProcessCrashed&) {
      report.error = domain::make_error(domain::Errc::internal, "cancel consumer crashed");
    }
    co_return report;
  }

  sim::Simulation& sim_;
  const Case& case_;
  const RunOptions& options_;
  std::vector<RequestRecord> requests_;
  std::vector<Uuid> seen_created_;
  int inflight_ = 0;
  bool quiet_ = false;
};

}  // namespace

RunResult run_in_simulation(const Case& c, const RunOptions& options) {
  sim::Simulation sim(c.seed, options.keep_trace);
  Driver driver(sim, c, options);
  sim.scheduler.spawn(driver.script());
  const std::int64_t limit_us =
      static_cast<std::int64_t>(c.commands.size()) * kCommandSpacingUs + 2 * kDrainWaitUs;
  const bool idle = sim.scheduler.run_until(limit_us);
  RunResult result;
  result.state = driver.collect(idle);
  result.verdicts = check_all(result.state);
  result.trace_hash = sim.trace.hash();
  result.trace_events = sim.trace.events_recorded();
  if (options.keep_trace) result.timeline = sim.trace.timeline();
  result.probes = sim.probes;
  result.sim_time_us = sim.now_us();
  sim.scheduler.shutdown();  // while the driver is alive: frames refer to it
  return result;
}

}  // namespace dwsim::scenarios
