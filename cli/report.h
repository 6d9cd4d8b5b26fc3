// Rendering of proof results: the human table, the JSON contract, and the
// JSON round trip used to bring results back from worker processes.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "cli/proof.h"

namespace dwsim::cli {

nlohmann::json to_json(const proof::CellResult& r, std::uint64_t seed);
proof::CellResult cell_result_from_json(const nlohmann::json& j);
nlohmann::json probes_json(const sim::Probes& probes);
nlohmann::json prove_json(const std::vector<proof::CellResult>& results, const proof::ProveOptions& options);

void print_table(std::ostream& out, const std::vector<proof::CellResult>& results, const proof::ProveOptions& options,
                 double seconds, int jobs);

bool all_as_expected(const std::vector<proof::CellResult>& results);
sim::Probes total_probes(const std::vector<proof::CellResult>& results);

}  // namespace dwsim::cli
