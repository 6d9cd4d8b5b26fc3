// The proof engine behind `dwsim prove`, `dwsim check` and the property tests.
//
// Method: one RapidCheck property per cell (variant x consumer x invariant).
// Every case draws a swarm (which fault kinds are on) and then a command
// sequence whose every scheduling and fault decision is a RapidCheck choice,
// so RapidCheck's shrinking minimises the fault schedule and the interleaving
// itself, not just the inputs. A cell expected to be violated passes only if a
// counterexample is found and shrinks within its bound; a cell expected to
// hold passes only after its full case count with none.
//
// RapidCheck keeps global state, so one process runs one cell at a time;
// `--jobs` forks worker processes. Results do not depend on the job count:
// each cell's RapidCheck seed is derived from the run's seed and the cell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "scenarios/command.h"
#include "scenarios/expectations.h"
#include "scenarios/oracle.h"
#include "sim/trace.h"

namespace dwsim::proof {

using domain::ConsumerKind;
using domain::Variant;
using scenarios::Command;
using scenarios::Invariant;
using scenarios::Verdict;

// Which fault kinds a case may use (swarm testing). Shrinks toward "none on".
struct Swarm {
  bool broker_outage = false;
  bool ambiguous_produce = false;
  bool producer_retry = false;
  bool commit_fail = false;
  bool commit_ambiguous = false;
  bool connection_lost = false;
  bool chaos_rollback = false;
  bool latency = false;
  bool crash_service = false;
  bool crash_relay = false;
  bool crash_consumer = false;
  bool idempotency_keys = false;
  bool invalid_requests = false;
  bool cancels = false;
};

rc::Gen<Swarm> gen_swarm();
rc::Gen<Command> gen_command(Variant variant, const Swarm& swarm);
rc::Gen<std::vector<Command>> gen_case(Variant variant);

struct Cell {
  Variant variant;
  ConsumerKind consumer;
  Invariant invariant;
  scenarios::Expectation expectation;
};
// Every cell of the table, or those of one variant (and consumer, if given).
std::vector<Cell> cells(std::optional<Variant> variant = std::nullopt,
                        std::optional<ConsumerKind> consumer = std::nullopt);

struct ProveOptions {
  std::uint64_t seed = 20261204;
  int cases = 10000;     // cases per cell (a violated cell stops at its first failure)
  int max_size = 30;     // RapidCheck size bound: the longest sequence drawn
  bool shrink = true;
};

struct CellResult {
  Cell cell;
  Verdict observed = Verdict::holds;
  int cases_run = 0;
  std::optional<int> cases_to_first_failure;
  std::optional<double> ms_to_first_failure;
  std::optional<std::vector<Command>> counterexample;  // shrunk
  std::string explanation;                             // the oracle's words on the counterexample
  int shrink_steps = 0;
  sim::Probes probes;  // summed over the search's cases
  bool as_expected = false;
};

CellResult prove_cell(const Cell& cell, const ProveOptions& options);

// The shell command that replays a counterexample.
std::string replay_command(const Cell& cell, std::uint64_t seed, const std::vector<Command>& commands);

// The world seed of a run: ids in the timeline depend on it, verdicts do not.
inline std::uint64_t world_seed(const ProveOptions& o) { return o.seed; }

}  // namespace dwsim::proof
