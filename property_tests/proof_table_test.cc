// The proof table as tests, asserted both ways. For each delivery variant and
// consumer, every invariant's cell runs the RapidCheck search of cli/proof.h:
// a cell expected to be violated passes only if a counterexample is found and
// shrinks within its bound (a harness that finds nothing is broken); a cell
// expected to hold passes only after its full case count with none. A failing
// cell prints its shrunk schedule and the one-line command that replays it.
// Coverage probes: over the whole table, every named crash point, fault kind
// and interesting window must be reached, else a green run proves nothing.
#include <gtest/gtest.h>

#include "cli/proof.h"
#include "property_tests/test_seed.h"

namespace dwsim::domain {
// How GoogleTest prints a ProofTable parameter.
void PrintTo(const std::pair<Variant, ConsumerKind>& p, std::ostream* os) {
  *os << variant_name(p.first) << "/" << consumer_name(p.second);
}
}  // namespace dwsim::domain

namespace dwsim::proof {
namespace {

ProveOptions options() {
  ProveOptions o;
  o.seed = testing::test_seed();
  o.cases = testing::test_cases(2000);
  return o;
}

std::string describe(const CellResult& r, const ProveOptions& o) {
  std::string s = std::string(domain::variant_name(r.cell.variant)) + "/" + domain::consumer_name(r.cell.consumer) +
                  " " + scenarios::invariant_name(r.cell.invariant) + ": expected " +
                  scenarios::verdict_name(r.cell.expectation.verdict) + ", observed " +
                  scenarios::verdict_name(r.observed) + " after " + std::to_string(r.cases_run) + " cases";
  if (r.counterexample) {
    s += "\n  shrunk to " + std::to_string(r.counterexample->size()) + " commands (bound " +
         std::to_string(r.cell.expectation.shrink_bound) + "): " + scenarios::encode(*r.counterexample) +
         "\n  " + r.explanation + "\n  replay: " + replay_command(r.cell, o.seed, *r.counterexample);
  }
  return s;
}

class ProofTable : public ::testing::TestWithParam<std::pair<Variant, ConsumerKind>> {};

TEST_P(ProofTable, EveryVerdictAsExpected) {
  const auto o = options();
  for (const Cell& cell : cells(GetParam().first, GetParam().second)) {
    const CellResult r = prove_cell(cell, o);
    EXPECT_TRUE(r.as_expected) << describe(r, o);
    if (cell.expectation.verdict == Verdict::holds) {
      EXPECT_EQ(r.cases_run, o.cases) << describe(r, o);
    }
  }
}

std::vector<std::pair<Variant, ConsumerKind>> combos() {
  std::vector<std::pair<Variant, ConsumerKind>> out;
  for (Variant v : domain::kAllVariants) {
    for (ConsumerKind c : domain::kAllConsumers) out.emplace_back(v, c);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(AllVariants, ProofTable, ::testing::ValuesIn(combos()), [](const auto& param_info) {
  std::string name = std::string(domain::variant_name(param_info.param.first)) + "_" +
                     domain::consumer_name(param_info.param.second);
  for (char& ch : name) {
    if (ch == '-') ch = '_';
  }
  return name;
});

TEST(CoverageProbes, EveryCrashPointFaultAndWindowIsReached) {
  auto o = options();
  o.cases = testing::test_cases(300);
  sim::Probes total;
  for (const Cell& cell : cells()) total.add(prove_cell(cell, o).probes);
  for (int i = 0; i < sim::kProbeCount; ++i) {
    EXPECT_GT(total.hits[i], 0) << "probe " << sim::probe_name(static_cast<sim::Probe>(i))
                                << " was never reached: the generators no longer exercise it";
  }
}

}  // namespace
}  // namespace dwsim::proof
