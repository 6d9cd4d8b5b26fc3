// The CLI's real-infrastructure commands: replay --mode real, scenario,
// smoke and conformance. Exit codes as in main.cpp, plus 4 when PostgreSQL or
// the broker cannot be reached (the error names the address) and 5 when the
// database's migrations disagree with this binary's.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "real/world.h"
#include "scenarios/sim_runner.h"

namespace dwsim::cli {

inline constexpr int kExitInfra = 4;   // PostgreSQL or the broker unreachable
inline constexpr int kExitSchema = 5;  // an applied migration changed, or is unknown to this binary

// Thrown when real infrastructure is missing; wrap() maps it to exit 4.
struct InfraUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Thrown when the database's migrations disagree with this binary's; exit 5.
struct SchemaMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Opens the world at DWSIM_PG_URL / DWSIM_KAFKA_BROKERS, or throws one of the above.
std::unique_ptr<real::World> open_world(real::WorldOptions options = {});
// Runs body, mapping InfraUnavailable to exit 4 and SchemaMismatch to exit 5.
int wrap(const std::function<int()>& body);

int replay_real(const scenarios::Case& c, bool json, const std::string& source, int tick_ms);
int scenario_command(const std::vector<std::string>& argv);
int smoke_command(const std::vector<std::string>& argv);
int conformance_command(const std::vector<std::string>& argv);
// ./dwsim serve (cli/serve.cpp): the order service over HTTP.
int serve_command(const std::vector<std::string>& argv);
// ./dwsim events TOPIC [--offsets | --since P:O,...] [--json]: a topic's records.
int events_command(const std::vector<std::string>& argv);
// ./dwsim smoke --http: the seed's smoke test through the HTTP API.
int smoke_http(domain::Variant variant, const std::optional<std::string>& url, bool json);

}  // namespace dwsim::cli
