// A final greedy pass over a counterexample RapidCheck has already shrunk:
// drop each command, and reset each field of each command to its default,
// keeping every change after which the sequence still fails. RapidCheck's
// shrinking stops at a local minimum of its shrink tree (a mapcat'd swarm
// cannot always shed a field); this pass makes the printed schedule name only
// what the failure needs. Deterministic and bounded.
#pragma once

#include <functional>
#include <vector>

#include "scenarios/command.h"

namespace dwsim::scenarios {

using StillFails = std::function<bool(const std::vector<Command>&)>;

// REQUIRES: still_fails(commands). Returns a sequence that still fails.
std::vector<Command> simplify(std::vector<Command> commands, const StillFails& still_fails);

}  // namespace dwsim::scenarios
