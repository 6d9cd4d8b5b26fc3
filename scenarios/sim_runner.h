// The runner: plays a command sequence against a simulated world, then runs
// the liveness phase (heal every fault, let crashed processes restart, wait
// for in-flight requests, run the relay and the consumers until quiescent,
// within a bound), then hands the final state to the oracle.
//
// A run is a pure function of (variant, consumer, seed, commands): the seed
// only feeds the id source; every scheduling and fault decision is in the
// commands, which is what lets RapidCheck shrink the schedule itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "domain/variants.h"
#include "scenarios/command.h"
#include "scenarios/oracle.h"
#include "sim/trace.h"

namespace dwsim::scenarios {

struct Case {
  domain::Variant variant = domain::Variant::outbox;
  domain::ConsumerKind consumer = domain::ConsumerKind::inbox;
  std::uint64_t seed = 1;
  std::vector<Command> commands;
};

struct RunOptions {
  bool keep_trace = false;     // keep the timeline text (replay); the hash is computed either way
  int relay_batch = 100;       // outbox rows per relay iteration
  int consume_batch = 100;     // records per consumer poll
  int liveness_rounds = 10'000;  // relay+consumer rounds before the run is declared not live
  bool per_command_ids = false;  // ids from (seed, command index): scenarios/command_ids.h
};

struct RunResult {
  FinalState state;
  std::vector<InvariantResult> verdicts;
  std::uint64_t trace_hash = 0;
  std::uint64_t trace_events = 0;
  std::string timeline;
  sim::Probes probes;
  std::int64_t sim_time_us = 0;
  bool holds(Invariant i) const { return verdicts[static_cast<int>(i)].holds; }
};

RunResult run_in_simulation(const Case& c, const RunOptions& options = {});

}  // namespace dwsim::scenarios
