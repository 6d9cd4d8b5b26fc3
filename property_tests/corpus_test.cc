// The regression corpus: counterexamples found by earlier runs, stored as
// encoded command sequences (so they survive generator changes) and replayed
// on every run. Each entry names the verdict it must still produce; a fix that
// silently changes a variant's behaviour on a known schedule fails here.
#include <gtest/gtest.h>

#include "cli/proof.h"
#include "scenarios/corpus.h"
#include "scenarios/sim_runner.h"

#ifndef DWSIM_CORPUS_DIR
#error "DWSIM_CORPUS_DIR must name property_tests/corpus"
#endif

namespace dwsim::scenarios {
namespace {

TEST(RegressionCorpus, EveryEntryStillGivesItsVerdict) {
  const std::string path = std::string(DWSIM_CORPUS_DIR) + "/regressions.txt";
  auto corpus = load_corpus(path);
  ASSERT_TRUE(corpus) << corpus.error().message;
  ASSERT_GE(corpus->size(), 10u) << "the corpus is unexpectedly small";
  for (const CorpusEntry& e : *corpus) {
    const auto r = run_in_simulation(Case{e.variant, e.consumer, e.seed, e.commands});
    const bool holds = r.holds(e.invariant);
    EXPECT_EQ(holds, e.verdict == Verdict::holds)
        << path << ":" << e.line << ": " << format_corpus_line(e) << "\n  "
        << r.verdicts[static_cast<int>(e.invariant)].explanation << "\n  replay: ./dwsim replay --from " << path
        << " --line " << e.line;
  }
}

TEST(RegressionCorpus, MalformedLinesAreRejectedWithTheirReason) {
  EXPECT_EQ(parse_corpus_line("outbox inbox lost-event holds 1 create", 1).error().message,
            "missing '|' before the commands");
  EXPECT_EQ(parse_corpus_line("outbox inbox lost-event maybe 1 | create", 1).error().message,
            "verdict must be holds or violated");
  EXPECT_EQ(parse_corpus_line("outbox inbox nothing holds 1 | create", 1).error().message,
            "unknown invariant 'nothing'");
  EXPECT_EQ(parse_corpus_line("outbox inbox lost-event holds 1 | create x=1", 1).error().message,
            "command 1: 'x=1' does not apply to 'create'");
}

}  // namespace
}  // namespace dwsim::scenarios
