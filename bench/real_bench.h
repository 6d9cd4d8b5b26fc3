// `dwsim bench --mode real`: create throughput (dual-write vs outbox), relay
// drain rate, commit-to-consumed latency and simulation-vs-real wall time,
// measured on real PostgreSQL and Kafka. Returns 0 when every target is met,
// 1 when one is missed, 4 when the infrastructure is unreachable (*error).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace dwsim::bench {

int run_real(std::ostream& out, bool json, bool quick, std::uint64_t seed, std::string* error);

}  // namespace dwsim::bench
