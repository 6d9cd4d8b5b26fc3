// The real runner: plays the same command sequence the simulator plays, with
// the same use cases and the same oracle, against real PostgreSQL and Kafka
// (real/world.h). It reuses the workload and the checker, not the
// determinism (TigerBeetle's Vortex, Jepsen): real time, real threads in the
// vendor clients, real interleavings.
//
// Time: one millisecond of the command language's virtual time is `tick` of
// real time, so commands start `tick` apart and `d=MS` delays a COMMIT by
// MS x tick. With a tick well above a real statement's latency, the
// interleavings the simulator chose are the ones that happen for real (the
// cursor gap needs a transaction to stay open while a later one commits).
//
// Ids: order and event ids come from (seed, command index), in simulation
// too when RunOptions::per_command_ids is set, so the conformance test can
// compare the two worlds order by order.
//
// It runs in real time through timers only; it reads no clock (the world in
// real/ does). Nothing of the simulation path links it (dwsim_scenarios_real).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "real/world.h"
#include "scenarios/oracle.h"
#include "scenarios/sim_runner.h"

namespace dwsim::scenarios {

struct RealRunOptions {
  std::chrono::milliseconds tick{40};
  int relay_batch = 100;
  int consume_batch = 100;
  std::chrono::seconds liveness_bound{60};
};

struct RealRunResult {
  FinalState state;
  std::vector<InvariantResult> verdicts;
  std::vector<std::string> timeline;
  std::vector<std::string> warnings;
  double wall_ms = 0;
  int undecodable_events = 0;
  bool holds(Invariant i) const { return verdicts[static_cast<int>(i)].holds; }
};

// Plays c on real infrastructure. Errors are infrastructure errors (a server
// became unreachable, the broker could not be restarted), never verdicts.
domain::Result<RealRunResult> run_on_real(real::World& world, const Case& c, const RealRunOptions& options = {});

}  // namespace dwsim::scenarios
