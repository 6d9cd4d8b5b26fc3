// Determinism self-checks. The simulator promises that a case is a pure
// function of (variant, consumer, seed, commands). Method, after FoundationDB:
// run the same generated case twice and compare the hash of its ordered trace;
// then recompute a batch of hashes in a forked child (fresh heap, different
// allocation addresses) and compare again, which catches pointer-ordered or
// uninitialised state that an in-process rerun would miss. Also: RapidCheck
// drives generation through RC_GTEST_PROP, so a failure prints RapidCheck's
// reproduce string and, through RC_LOG, the dwsim replay command.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/pool.h"
#include "cli/proof.h"
#include "property_tests/test_seed.h"
#include "scenarios/sim_runner.h"
#include "sim/prng.h"

namespace dwsim::proof {
namespace {

RC_GTEST_PROP(Determinism, SameCaseTwiceSameTraceHash, ()) {
  const auto variant = *rc::gen::element(Variant::dual_write, Variant::publish_after_commit, Variant::outbox_cursor,
                                         Variant::outbox);
  const auto consumer = *rc::gen::element(ConsumerKind::inbox, ConsumerKind::naive);
  const auto commands = *gen_case(variant);
  const scenarios::Case c{variant, consumer, 42, commands};
  RC_LOG() << "replay: " << replay_command(Cell{variant, consumer, Invariant::lost_event, {}}, 42, commands) << "\n";
  const auto a = scenarios::run_in_simulation(c);
  const auto b = scenarios::run_in_simulation(c);
  RC_ASSERT(a.trace_hash == b.trace_hash);
  RC_ASSERT(a.trace_events == b.trace_events);
  RC_ASSERT(a.sim_time_us == b.sim_time_us);
}

RC_GTEST_PROP(CommandLanguage, EncodeDecodeRoundTripsGeneratedCases, ()) {
  const auto variant = *rc::gen::element(Variant::dual_write, Variant::outbox);
  const auto commands = *gen_case(variant);
  if (commands.empty()) return;
  const auto text = scenarios::encode(commands);
  const auto decoded = scenarios::decode(text);
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(*decoded == commands);
}

std::vector<std::uint64_t> hashes_of_batch(std::uint64_t seed, int n) {
  std::vector<std::uint64_t> out;
  sim::Prng prng(seed);
  for (int i = 0; i < n; ++i) {
    const Variant v = domain::kAllVariants[prng.below(domain::kAllVariants.size())];
    const auto commands = gen_case(v)(rc::Random(prng.next()), 30).value();
    out.push_back(scenarios::run_in_simulation(scenarios::Case{v, ConsumerKind::inbox, seed, commands}).trace_hash);
  }
  return out;
}

TEST(Determinism, AForkedProcessComputesTheSameHashes) {
  const std::uint64_t seed = testing::test_seed();
  const auto here = hashes_of_batch(seed, 200);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<void*> noise;  // shift the child's heap layout
    for (int i = 0; i < 1000; ++i) noise.push_back(std::malloc(static_cast<std::size_t>(i % 97) + 1));
    const auto there = hashes_of_batch(seed, 200);
    const ssize_t n = ::write(fds[1], there.data(), there.size() * sizeof(std::uint64_t));
    _exit(n == static_cast<ssize_t>(there.size() * sizeof(std::uint64_t)) ? 0 : 1);
  }
  ::close(fds[1]);
  std::vector<std::uint64_t> there(here.size());
  std::size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(there.data());
  while (got < there.size() * sizeof(std::uint64_t)) {
    const ssize_t n = ::read(fds[0], bytes + got, there.size() * sizeof(std::uint64_t) - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(here, there);
}

TEST(Determinism, ResultsDoNotDependOnTheJobCount) {
  ProveOptions o;
  o.seed = testing::test_seed();
  o.cases = 100;
  const auto table = cells(Variant::outbox_cursor);
  const auto one = cli::run_cells(table, o, 1, {});
  const auto two = cli::run_cells(table, o, 2, {});
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].observed, two[i].observed);
    EXPECT_EQ(one[i].cases_run, two[i].cases_run);
    EXPECT_EQ(one[i].cases_to_first_failure, two[i].cases_to_first_failure);
    EXPECT_EQ(one[i].counterexample, two[i].counterexample);
    EXPECT_EQ(one[i].explanation, two[i].explanation);
  }
}

}  // namespace
}  // namespace dwsim::proof
