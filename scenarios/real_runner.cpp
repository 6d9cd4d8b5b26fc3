#include "scenarios/real_runner.h"

#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "domain/use_cases.h"
#include "scenarios/command_ids.h"

namespace dwsim::scenarios {
namespace {

using domain::Uuid;
using real::ProcessId;
using Ms = std::chrono::milliseconds;

real::StepFaults faults_of(const Command& c, Ms tick) {
  real::StepFaults f;
  f.crash = c.crash;
  f.delay = tick * c.delay_ms;
  switch (c.commit) {
    case CommitFaultKind::none: f.commit = real::CommitFault::none; break;
    case CommitFaultKind::fail: f.commit = real::CommitFault::fail; break;
    case CommitFaultKind::ambiguous: f.commit = real::CommitFault::ambiguous; break;
    case CommitFaultKind::lost: f.commit = real::CommitFault::lost; break;
  }
  switch (c.produce) {
    case ProduceFaultKind::none: f.produce = real::ProduceFault::none; break;
    case ProduceFaultKind::ambiguous: f.produce = real::ProduceFault::ambiguous; break;
    case ProduceFaultKind::retry: f.produce = real::ProduceFault::retry; break;
  }
  return f;
}

struct ProcessState {
  bool busy = false;
  domain::RelayState relay;
};

class RealDriver {
 public:
  RealDriver(real::World& w, const Case& c, const RealRunOptions& o)
      : world_(w), case_(c), options_(o), requests_(c.commands.size()), deadline_(w.io()) {}

  domain::Task<void> script() {
    for (std::size_t n = 0; n < case_.commands.size() && !infra_error_; ++n) {
      const Command& cmd = case_.commands[n];
      const auto i = static_cast<std::uint32_t>(n + 1);
      world_.note(ProcessId::service, static_cast<int>(i), "command " + std::to_string(i) + ": " + encode(cmd));
      switch (cmd.kind) {
        case CommandKind::create:
          ++inflight_;
          spawn(client_create(i, cmd));
          break;
        case CommandKind::get:
          ++inflight_;
          spawn(client_get(i, target(cmd.order)));
          break;
        case CommandKind::cancel: co_await external_cancel(i, target(cmd.order)); break;
        case CommandKind::relay:
          if (domain::uses_outbox(case_.variant) && !relay_a_.busy) {
            spawn(relay_task(ProcessId::relay_a, relay_a_, i, faults_of(cmd, options_.tick)));
          } else if (domain::uses_claiming_relay(case_.variant) && !relay_b_.busy) {
            spawn(relay_task(ProcessId::relay_b, relay_b_, i, faults_of(cmd, options_.tick)));
          }
          break;
        case CommandKind::consume:
          if (!billing_.busy) spawn(billing_task(i, faults_of(cmd, options_.tick)));
          if (!canceller_.busy) spawn(cancel_task(i));
          break;
        case CommandKind::broker_down: co_await broker(false); break;
        case CommandKind::broker_up: co_await broker(true); break;
      }
      co_await sleep(options_.tick);
    }
    co_await liveness();
    done_ = true;
  }

  bool done() const { return done_; }
  const std::optional<domain::Error>& infra_error() const { return infra_error_; }
  std::vector<RequestRecord> take_requests() { return std::move(requests_); }
  bool quiet() const { return quiet_; }
  const std::string& note() const { return note_; }

 private:
  void spawn(domain::Task<void> t) { boost::asio::co_spawn(world_.io(), std::move(t), boost::asio::detached); }

  domain::Task<void> sleep(Ms d) {
    boost::asio::steady_timer timer(world_.io(), d);
    co_await timer.async_wait(boost::asio::use_awaitable);
  }

  Uuid target(int n) const {
    if (seen_created_.empty()) return Uuid{0xdead, static_cast<std::uint64_t>(n)};
    return seen_created_[static_cast<std::size_t>(n) % seen_created_.size()];
  }

  domain::Task<void> broker(bool up) {
    if (world_.broker_up() == up) co_return;
    auto r = co_await world_.set_broker(up);
    if (!r) infra_error_ = r.error();
  }

  domain::Task<void> external_cancel(std::uint32_t i, Uuid id) {
    if (!world_.broker_up()) co_return;  // "another service" cannot reach the broker: its message is lost
    domain::OrderCancelledEvent event{CommandIds(case_.seed, i).next(), id, "dwsim", world_.clock().now()};
    const bool sent = co_await world_.publish_cancel(event);
    world_.note(ProcessId::service, static_cast<int>(i),
                std::string(sent ? "-> " : "failed: ") + "order.cancelled for " + id.short_str());
  }

  // The step that reached the crash point restarts its process; steps that
  // merely find their process restarted under them (point none) just end.
  void restart_if_crashed_here(const real::ProcessCrashed& e, ProcessId p) {
    if (e.point != domain::CrashPoint::none) world_.crash(p);
  }

  bool anyone_busy() const {
    return inflight_ > 0 || relay_a_.busy || relay_b_.busy || billing_.busy || canceller_.busy;
  }

  domain::Task<void> liveness() {
    // The safety phase ends when every step it started has finished. The
    // bound is a timer, not a clock read: this file reads no time itself.
    deadline_.expires_after(options_.liveness_bound);
    deadline_.async_wait([this](const boost::system::error_code& ec) { out_of_time_ = !ec; });
    co_await drain();
    deadline_.cancel();
  }

  domain::Task<void> drain() {
    while (anyone_busy() && !out_of_time_) co_await sleep(Ms(5));
    if (anyone_busy()) {
      note_ = "steps of the safety phase were still running after " +
              std::to_string(options_.liveness_bound.count()) + " s";
      co_return;
    }
    world_.note(ProcessId::service, 0, "liveness: heal, restart, drain");
    if (!world_.broker_up()) co_await broker(true);
    if (infra_error_) co_return;
    const std::uint32_t healed = static_cast<std::uint32_t>(case_.commands.size() + 1);
    while (!out_of_time_) {
      int progress = 0;
      bool errors = false;
      if (domain::uses_outbox(case_.variant)) {
        const auto r = co_await run_relay(ProcessId::relay_a, relay_a_, healed, {});
        progress += r.processed;
        errors |= r.error.has_value();
      }
      const auto b = co_await run_billing(healed, {});
      const auto c = co_await run_canceller(healed);
      progress += b.processed + c.processed;
      errors |= b.error.has_value() || c.error.has_value();
      if (progress == 0 && !errors) {
        // Nothing moved in this round; the broker may still be on its way to
        // delivering records, so only a drained backlog ends the phase.
        auto seen = co_await world_.observe();
        if (!seen) {
          infra_error_ = seen.error();
          co_return;
        }
        const bool backlog = (domain::uses_claiming_relay(case_.variant) && seen->outbox_rows > 0) ||
                             (case_.variant == domain::Variant::outbox_cursor && seen->rows_above_cursor > 0) ||
                             seen->billing_lag > 0 || seen->canceller_lag > 0;
        if (!backlog) {
          quiet_ = true;
          co_return;
        }
        co_await sleep(Ms(20));
      }
    }
    note_ = "the relay and consumers had not drained after " + std::to_string(options_.liveness_bound.count()) + " s";
  }

  domain::Task<void> client_create(std::uint32_t i, Command cmd) {
    real::Step step(world_, ProcessId::service, static_cast<int>(i), faults_of(cmd, options_.tick));
    auto p = world_.ports(step, domain::uses_write_behind(case_.variant));
    CommandIds ids(case_.seed, i);
    domain::ServicePorts ports{*p.db, *p.publisher, world_.clock(), ids, *p.crash, *p.log};
    const domain::CreateOrderRequest request = request_for(cmd);
    RequestRecord rec;
    rec.command_index = static_cast<int>(i) - 1;
    rec.is_create = true;
    rec.key = request.idempotency_key;
    step.note(std::string("client -> POST ") + (cmd.rollback ? "/chaos/phantom-event" : "/orders"));
    try {
      auto r = co_await domain::create_order(case_.variant, ports, request, {cmd.rollback});
      if (r) {
        rec.status = r->rolled_back ? 200 : 201;
        rec.order_id = r->order_id;
        if (!r->rolled_back) seen_created_.push_back(r->order_id);
      } else {
        rec.status = r.error().code == domain::Errc::validation ? 400 : 500;
      }
    } catch (const real::ProcessCrashed& e) {
      restart_if_crashed_here(e, ProcessId::service);
      rec.status = 0;
    }
    step.note("client <- " + std::to_string(rec.status) +
              (rec.order_id ? " orderId=" + rec.order_id->short_str() : std::string()));
    requests_[i - 1] = rec;
    --inflight_;
  }

  domain::Task<void> client_get(std::uint32_t i, Uuid id) {
    real::Step step(world_, ProcessId::service, static_cast<int>(i), {});
    auto db = world_.database(step, false);
    RequestRecord rec;
    rec.command_index = static_cast<int>(i) - 1;
    try {
      auto r = co_await domain::get_order(*db, id);
      rec.status = !r ? 500 : r->has_value() ? 200 : 404;
    } catch (const real::ProcessCrashed&) {
      rec.status = 0;
    }
    step.note("client GET /orders/" + id.short_str() + " <- " + std::to_string(rec.status));
    requests_[i - 1] = rec;
    --inflight_;
  }

  domain::Task<void> relay_task(ProcessId id, ProcessState& p, std::uint32_t i, real::StepFaults f) {
    (void)co_await run_relay(id, p, i, f);
  }
  domain::Task<void> billing_task(std::uint32_t i, real::StepFaults f) { (void)co_await run_billing(i, f); }
  domain::Task<void> cancel_task(std::uint32_t i) { (void)co_await run_canceller(i); }

  domain::Task<domain::StepReport> run_relay(ProcessId id, ProcessState& p, std::uint32_t i, real::StepFaults f) {
    p.busy = true;
    real::Step step(world_, id, static_cast<int>(i), f);
    auto sp = world_.ports(step);
    domain::RelayPorts ports{*sp.db, *sp.publisher, *sp.crash, *sp.log};
    domain::StepReport report;
    try {
      report = co_await domain::relay_once(case_.variant, ports, p.relay, options_.relay_batch);
    } catch (const real::ProcessCrashed& e) {
      restart_if_crashed_here(e, id);
      p.relay = {};  // volatile state is lost
      report.error = domain::make_error(domain::Errc::internal, "relay crashed");
    }
    p.busy = false;
    co_return report;
  }

  domain::Task<domain::StepReport> run_billing(std::uint32_t i, real::StepFaults f) {
    billing_.busy = true;
    real::Step step(world_, ProcessId::billing, static_cast<int>(i), f);
    auto p = world_.ports(step);
    domain::ConsumerPorts ports{*p.db, *p.source, *p.crash, *p.log};
    domain::StepReport report;
    try {
      report = co_await domain::billing_consume_once(case_.consumer, ports, options_.consume_batch);
    } catch (const real::ProcessCrashed& e) {
      restart_if_crashed_here(e, ProcessId::billing);
      report.error = domain::make_error(domain::Errc::internal, "billing consumer crashed");
    }
    billing_.busy = false;
    co_return report;
  }

  domain::Task<domain::StepReport> run_canceller(std::uint32_t i) {
    canceller_.busy = true;
    real::Step step(world_, ProcessId::canceller, static_cast<int>(i), {});
    auto p = world_.ports(step);
    CommandIds ids(case_.seed, i);
    domain::ServicePorts ports{*p.db, *p.publisher, world_.clock(), ids, *p.crash, *p.log};
    domain::StepReport report;
    try {
      report = co_await domain::cancel_consume_once(ports, *p.source, options_.consume_batch);
    } catch (const real::ProcessCrashed& e) {
      restart_if_crashed_here(e, ProcessId::canceller);
      report.error = domain::make_error(domain::Errc::internal, "cancel consumer crashed");
    }
    canceller_.busy = false;
    co_return report;
  }

  real::World& world_;
  const Case& case_;
  const RealRunOptions& options_;
  std::vector<RequestRecord> requests_;
  std::vector<Uuid> seen_created_;
  ProcessState relay_a_, relay_b_, billing_, canceller_;
  int inflight_ = 0;
  bool quiet_ = false;
  bool done_ = false;
  std::string note_;
  std::optional<domain::Error> infra_error_;
  boost::asio::steady_timer deadline_;
  bool out_of_time_ = false;
};

}  // namespace

domain::Result<RealRunResult> run_on_real(real::World& world, const Case& c, const RealRunOptions& options) {
  auto begun = world.begin_run();
  if (!begun) return begun.error();
  RealDriver driver(world, c, options);
  auto& io = world.io();
  // Steps wait on the world's thread pool, which the io_context cannot see:
  // a work guard keeps run() going until the script (and so every step it
  // started, which its liveness phase waits for) has finished.
  auto guard = boost::asio::make_work_guard(io);
  domain::Result<real::Observed> seen = domain::make_error(domain::Errc::internal, "not observed");
  auto main = [&]() -> domain::Task<void> {
    co_await driver.script();
    if (!driver.infra_error()) seen = co_await world.observe();
    guard.reset();
  };
  io.restart();
  boost::asio::co_spawn(io, main(), boost::asio::detached);
  io.run();
  if (driver.infra_error()) return *driver.infra_error();
  if (!seen) return seen.error();

  RealRunResult result;

  FinalState& s = result.state;
  for (auto& o : seen->orders) s.committed_orders.try_emplace(o.id(), o);
  s.events = std::move(seen->events);
  for (const auto& ch : seen->charges) s.charges.push_back(ChargeRecord{ch.order_id, ch.amount});
  s.deliveries = std::move(seen->deliveries);
  s.requests = driver.take_requests();
  s.converged = driver.done() && driver.quiet();
  s.convergence_note = driver.note();
  result.verdicts = check_all(s);
  result.timeline = world.timeline();
  result.warnings = world.take_warnings();
  result.undecodable_events = seen->undecodable_events;
  result.wall_ms = world.elapsed_ms();
  return result;
}

}  // namespace dwsim::scenarios
