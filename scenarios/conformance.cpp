#include "scenarios/conformance.h"

#include "scenarios/command_ids.h"
#include "sim/prng.h"

namespace dwsim::scenarios {

std::vector<Command> conformance_sequence(std::uint64_t seed, domain::Variant variant) {
  sim::Prng prng(seed);
  auto chance = [&](int percent) { return prng.below(100) < static_cast<std::uint64_t>(percent); };
  static constexpr domain::CrashPoint kServiceCrashes[] = {
      domain::CrashPoint::after_publish_before_commit, domain::CrashPoint::after_commit_before_publish,
      domain::CrashPoint::after_write_before_commit, domain::CrashPoint::after_commit_before_response};
  static constexpr domain::CrashPoint kRelayCrashes[] = {domain::CrashPoint::after_publish_before_mark,
                                                         domain::CrashPoint::after_mark_before_commit};
  static constexpr domain::CrashPoint kConsumerCrashes[] = {domain::CrashPoint::after_effect_before_commit,
                                                            domain::CrashPoint::after_effect_before_offset_commit};
  auto commit_fault = [&]() {
    if (!chance(20)) return CommitFaultKind::none;
    const auto f = prng.below(3);
    return f == 0 ? CommitFaultKind::fail : f == 1 ? CommitFaultKind::ambiguous : CommitFaultKind::lost;
  };
  const int length = 4 + static_cast<int>(prng.below(9));
  std::vector<Command> out;
  for (int i = 0; i < length; ++i) {
    Command c;
    const auto pick = prng.below(100);
    if (pick < 50) {
      c.kind = CommandKind::create;
      if (chance(30)) c.key = static_cast<int>(prng.below(3));
      c.customer = static_cast<int>(prng.below(3));
      c.items = 1 + static_cast<int>(prng.below(2));
      if (chance(5)) c.bad = static_cast<BadField>(1 + prng.below(5));
      if (chance(8)) c.rollback = true;
      if (chance(15)) c.delay_ms = 2 + static_cast<int>(prng.below(3));
      if (chance(10)) c.crash = kServiceCrashes[prng.below(4)];
      c.commit = commit_fault();
    } else if (pick < 70) {
      c.kind = CommandKind::relay;
      if (chance(12)) c.crash = kRelayCrashes[prng.below(2)];
      c.commit = commit_fault();
    } else if (pick < 88) {
      c.kind = CommandKind::consume;
      if (chance(12)) c.crash = kConsumerCrashes[prng.below(2)];
      c.commit = commit_fault();
    } else if (pick < 94) {
      c.kind = CommandKind::get;
      c.order = static_cast<int>(prng.below(4));
    } else {
      c.kind = CommandKind::cancel;
      c.order = static_cast<int>(prng.below(4));
    }
    if (!domain::uses_outbox(variant) && c.kind == CommandKind::relay) c.kind = CommandKind::consume, c.crash = {};
    out.push_back(c);
  }
  return out;
}

std::vector<OrderOutcome> outcomes(const std::vector<Command>& commands, std::uint64_t seed, const FinalState& s) {
  std::vector<OrderOutcome> out;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].kind != CommandKind::create) continue;
    OrderOutcome o;
    o.command = static_cast<int>(i + 1);
    const domain::Uuid id = CommandIds(seed, static_cast<std::uint32_t>(i + 1)).next();
    if (const auto* order = s.committed_orders.find(id)) {
      o.committed = true;
      o.cancelled = order->status() == domain::OrderStatus::cancelled;
    }
    for (const auto& e : s.events) o.events += e.order_id == id ? 1 : 0;
    for (const auto& c : s.charges) o.charges += c.order_id == id ? 1 : 0;
    for (const auto& r : s.requests) {
      if (r.command_index == static_cast<int>(i)) o.client = r.status;
    }
    out.push_back(o);
  }
  return out;
}

std::string describe(const OrderOutcome& o) {
  return "command " + std::to_string(o.command) + ": " + (o.committed ? "committed" : "not committed") +
         (o.cancelled ? " (CANCELLED)" : "") + ", " + std::to_string(o.events) + " event(s), " +
         std::to_string(o.charges) + " charge(s), client saw " + std::to_string(o.client);
}

std::string compare(const std::vector<OrderOutcome>& sim, const std::vector<OrderOutcome>& real) {
  std::string out;
  for (std::size_t i = 0; i < sim.size() && i < real.size(); ++i) {
    if (sim[i] == real[i]) continue;
    out += "  sim:  " + describe(sim[i]) + "\n  real: " + describe(real[i]) + "\n";
  }
  if (sim.size() != real.size()) out += "  different numbers of create commands\n";
  return out;
}

}  // namespace dwsim::scenarios
