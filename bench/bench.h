// `dwsim bench`: the figures issue #2 asks for, measured, never asserted in
// tests. Wall-clock timing lives here (and in cli/), never in the simulator.
#pragma once

#include <cstdint>
#include <ostream>

namespace dwsim::bench {

// Prints the figures (a table, or one JSON object). Returns true when every
// target is met.
bool run(std::ostream& out, bool json, bool quick, std::uint64_t seed);

}  // namespace dwsim::bench
