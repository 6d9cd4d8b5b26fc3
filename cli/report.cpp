#include "cli/report.h"

#include <cstdio>
#include <iomanip>

namespace dwsim::cli {

using nlohmann::json;
using proof::CellResult;

namespace {

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

json to_json(const CellResult& r, std::uint64_t seed) {
  json j{{"variant", domain::variant_name(r.cell.variant)},
         {"consumer", domain::consumer_name(r.cell.consumer)},
         {"invariant", scenarios::invariant_name(r.cell.invariant)},
         {"expected", scenarios::verdict_name(r.cell.expectation.verdict)},
         {"observed", scenarios::verdict_name(r.observed)},
         {"as_expected", r.as_expected},
         {"cases_run", r.cases_run},
         {"cases_to_first_failure", opt(r.cases_to_first_failure)},
         {"ms_to_first_failure", opt(r.ms_to_first_failure)},
         {"reason", r.cell.expectation.reason},
         {"counterexample", nullptr}};
  if (r.cell.expectation.verdict == scenarios::Verdict::violated) j["shrink_bound"] = r.cell.expectation.shrink_bound;
  if (r.counterexample) {
    json commands = json::array();
    for (const auto& c : *r.counterexample) commands.push_back(scenarios::encode(c));
    j["counterexample"] = {{"length", r.counterexample->size()},
                           {"commands", commands},
                           {"explanation", r.explanation},
                           {"shrink_steps", r.shrink_steps},
                           {"replay", proof::replay_command(r.cell, seed, *r.counterexample)}};
  }
  j["probes"] = probes_json(r.probes);
  return j;
}

CellResult cell_result_from_json(const json& j) {
  CellResult r;
  r.cell.variant = *domain::parse_variant(j.at("variant").get<std::string>());
  r.cell.consumer = *domain::parse_consumer(j.at("consumer").get<std::string>());
  r.cell.invariant = *scenarios::parse_invariant(j.at("invariant").get<std::string>());
  r.cell.expectation = scenarios::expected(r.cell.variant, r.cell.consumer, r.cell.invariant);
  r.observed = j.at("observed") == "violated" ? scenarios::Verdict::violated : scenarios::Verdict::holds;
  r.as_expected = j.at("as_expected").get<bool>();
  r.cases_run = j.at("cases_run").get<int>();
  if (!j.at("cases_to_first_failure").is_null()) r.cases_to_first_failure = j["cases_to_first_failure"].get<int>();
  if (!j.at("ms_to_first_failure").is_null()) r.ms_to_first_failure = j["ms_to_first_failure"].get<double>();
  if (!j.at("counterexample").is_null()) {
    const json& c = j["counterexample"];
    std::vector<scenarios::Command> commands;
    for (const auto& text : c.at("commands")) commands.push_back(*scenarios::decode_command(text.get<std::string>()));
    r.counterexample = commands;
    r.explanation = c.at("explanation").get<std::string>();
    r.shrink_steps = c.at("shrink_steps").get<int>();
  }
  for (int i = 0; i < sim::kProbeCount; ++i) {
    const char* name = sim::probe_name(static_cast<sim::Probe>(i));
    if (j.at("probes").contains(name)) r.probes.hits[i] = j["probes"][name].get<std::int64_t>();
  }
  return r;
}

json probes_json(const sim::Probes& probes) {
  json j = json::object();
  for (int i = 0; i < sim::kProbeCount; ++i) j[sim::probe_name(static_cast<sim::Probe>(i))] = probes.hits[i];
  return j;
}

bool all_as_expected(const std::vector<CellResult>& results) {
  for (const auto& r : results) {
    if (!r.as_expected) return false;
  }
  return !results.empty();
}

sim::Probes total_probes(const std::vector<CellResult>& results) {
  sim::Probes total;
  for (const auto& r : results) total.add(r.probes);
  return total;
}

json prove_json(const std::vector<CellResult>& results, const proof::ProveOptions& options) {
  json list = json::array();
  for (const auto& r : results) {
    json j = to_json(r, options.seed);
    j.erase("probes");
    list.push_back(std::move(j));
  }
  return json{{"seed", options.seed},
              {"cases", options.cases},
              {"as_expected", all_as_expected(results)},
              {"results", list},
              {"probes", probes_json(total_probes(results))}};
}

void print_table(std::ostream& out, const std::vector<CellResult>& results, const proof::ProveOptions& options,
                 double seconds, int jobs) {
  out << "dwsim proof table  seed=" << options.seed << "  cases/cell=" << options.cases
      << "  max-size=" << options.max_size << "  jobs=" << jobs << "\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-22s %-7s %-22s %-9s %-9s %7s %10s %7s  %s\n", "variant", "consumer",
                "invariant", "expected", "observed", "cases", "1st-fail", "shrunk", "ok");
  out << line;
  for (const auto& r : results) {
    const std::string first = r.cases_to_first_failure ? std::to_string(*r.cases_to_first_failure) : "-";
    const std::string shrunk = r.counterexample ? std::to_string(r.counterexample->size()) +
                                                      (r.cell.expectation.verdict == scenarios::Verdict::violated
                                                           ? "/" + std::to_string(r.cell.expectation.shrink_bound)
                                                           : "")
                                                : "-";
    std::snprintf(line, sizeof line, "%-22s %-7s %-22s %-9s %-9s %7d %10s %7s  %s\n",
                  domain::variant_name(r.cell.variant), domain::consumer_name(r.cell.consumer),
                  scenarios::invariant_name(r.cell.invariant), scenarios::verdict_name(r.cell.expectation.verdict),
                  scenarios::verdict_name(r.observed), r.cases_run, first.c_str(), shrunk.c_str(),
                  r.as_expected ? "yes" : "NO");
    out << line;
  }
  out << "\nMinimal counterexamples (shrunk by RapidCheck; each replays exactly):\n";
  for (const auto& r : results) {
    if (!r.counterexample) continue;
    out << "\n  " << domain::variant_name(r.cell.variant) << " / " << domain::consumer_name(r.cell.consumer) << "  "
        << scenarios::invariant_name(r.cell.invariant) << "  (" << r.counterexample->size() << " commands)\n"
        << "    schedule: " << scenarios::encode(*r.counterexample) << "\n"
        << "    verdict:  " << r.explanation << "\n"
        << "    replay:   " << proof::replay_command(r.cell, options.seed, *r.counterexample) << "\n";
  }
  const sim::Probes probes = total_probes(results);
  out << "\nCoverage probes (times each window was reached during the search):\n";
  int unreached = 0;
  for (int i = 0; i < sim::kProbeCount; ++i) {
    std::snprintf(line, sizeof line, "  %-42s %10lld\n", sim::probe_name(static_cast<sim::Probe>(i)),
                  static_cast<long long>(probes.hits[i]));
    out << line;
    if (probes.hits[i] == 0) ++unreached;
  }
  if (unreached) out << "  WARNING: " << unreached << " probe(s) never reached: raise --cases\n";
  int ok = 0;
  for (const auto& r : results) ok += r.as_expected ? 1 : 0;
  out << "\n"
      << (all_as_expected(results) ? "RESULT: every verdict as expected" : "RESULT: VERDICTS DIFFER FROM THE TABLE")
      << " (" << ok << "/" << results.size() << " cells) in " << std::fixed << std::setprecision(1) << seconds
      << " s\n";
}

}  // namespace dwsim::cli
