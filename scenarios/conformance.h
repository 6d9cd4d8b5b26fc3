// Conformance of the fakes: the same generated sequences run in simulation
// and on real infrastructure, compared order by order on what can be
// observed: committed or not, its status, how many order.created events the
// log holds for it, how many times billing charged it, and what the client
// that created it saw. Ids come from (seed, command), so an order has the same
// id in both worlds.
//
// The sequences use the faults both worlds produce on the same time scale:
// commit failures, ambiguous commits, lost connections, chaos rollbacks,
// crashes at every named crash point, idempotency keys, overlapping
// transactions (d=MS), invalid requests, gets and cancellations. Broker
// outages and producer faults are left out: their timeouts are seconds of
// virtual time in the simulator (max.block, delivery timeout), which a real
// run cannot scale to its tick, so the interleavings after them differ by
// design. The counterexample replays cover broker outages on real infra.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/variants.h"
#include "scenarios/command.h"
#include "scenarios/oracle.h"

namespace dwsim::scenarios {

// A sequence of 4..12 commands for variant, drawn from seed.
std::vector<Command> conformance_sequence(std::uint64_t seed, domain::Variant variant);

struct OrderOutcome {
  int command = 0;  // 1-based create command
  bool committed = false;
  bool cancelled = false;
  int events = 0;
  int charges = 0;
  int client = -1;
  bool operator==(const OrderOutcome&) const = default;
};

// One outcome per create command of the sequence.
std::vector<OrderOutcome> outcomes(const std::vector<Command>& commands, std::uint64_t seed, const FinalState& state);
std::string describe(const OrderOutcome& o);
// Empty when equal; else one line per differing order.
std::string compare(const std::vector<OrderOutcome>& sim, const std::vector<OrderOutcome>& real);

}  // namespace dwsim::scenarios
