// A long workload for benchmarks: many orders through one world, with relay
// and consumer steps interleaved and a swarm of faults the variant claims to
// survive. Drawn from the simulator's PRNG (not RapidCheck): benchmarks need
// volume, not shrinking. Property tests and `prove` use cli/proof.h instead.
#pragma once

#include <cstdint>
#include <vector>

#include "domain/variants.h"
#include "scenarios/command.h"

namespace dwsim::scenarios {

struct WorkloadOptions {
  int creates = 100'000;
  bool faults = true;  // swarm: each block of 1,000 commands draws its own fault mix
};

std::vector<Command> make_workload(std::uint64_t seed, domain::Variant variant, const WorkloadOptions& options);

}  // namespace dwsim::scenarios
