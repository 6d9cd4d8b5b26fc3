// The CLI's real-infrastructure commands: replay --mode real, scenario,
// smoke and conformance. Exit codes as in main.cpp, plus 4 when PostgreSQL or
// the broker cannot be reached (the error names the address) and 5 when the
// database's migrations disagree with this binary's.
#pragma once

#include <string>
#include <vector>

#include "scenarios/sim_runner.h"

namespace dwsim::cli {

inline constexpr int kExitInfra = 4;   // PostgreSQL or the broker unreachable
inline constexpr int kExitSchema = 5;  // an applied migration changed, or is unknown to this binary

int replay_real(const scenarios::Case& c, bool json, const std::string& source, int tick_ms);
int scenario_command(const std::vector<std::string>& argv);
int smoke_command(const std::vector<std::string>& argv);
int conformance_command(const std::vector<std::string>& argv);

}  // namespace dwsim::cli
