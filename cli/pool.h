// Runs proof cells on N worker processes (RapidCheck's state is global, so
// parallelism is by process, not thread). Each worker pulls the next cell from
// a shared counter and sends its result back as one JSON line. The results are
// returned in cell order, identical for every job count (timings aside).
#pragma once

#include <functional>
#include <vector>

#include "cli/proof.h"

namespace dwsim::cli {

using Progress = std::function<void(int done, int total, long long cases, int violations)>;

std::vector<proof::CellResult> run_cells(const std::vector<proof::Cell>& cells, const proof::ProveOptions& options,
                                         int jobs, const Progress& progress);

}  // namespace dwsim::cli
