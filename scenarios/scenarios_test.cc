// Scenario tests: hand-written command sequences with a known verdict, one for
// each mechanism the proof table relies on. Each is the minimal schedule that
// exposes (or survives) one failure mode, so a change to a fake or a variant
// that breaks the mechanism fails here with a readable sequence.
#include <gtest/gtest.h>

#include "scenarios/command.h"
#include "scenarios/sim_runner.h"
#include "scenarios/workload.h"

namespace dwsim::scenarios {
namespace {

using domain::ConsumerKind;
using domain::Variant;

RunResult run(Variant v, ConsumerKind c, const std::string& text, bool keep = false) {
  auto commands = decode(text);
  EXPECT_TRUE(commands) << (commands ? "" : commands.error().message);
  RunOptions options;
  options.keep_trace = keep;
  return run_in_simulation(Case{v, c, 7, commands ? *commands : std::vector<Command>{}}, options);
}

void expect_only_violations(const RunResult& r, std::initializer_list<Invariant> violated) {
  for (const auto& v : r.verdicts) {
    const bool should_fail = std::find(violated.begin(), violated.end(), v.invariant) != violated.end();
    EXPECT_EQ(v.holds, !should_fail) << invariant_name(v.invariant) << ": " << v.explanation;
  }
}

TEST(CommandLanguage, RoundTripsEveryField) {
  const std::string text =
      "create k=2 c=1 n=3 bad=quantity rollback d=4 crash=after-commit-before-response commit=ambiguous "
      "produce=retry; get o=1; cancel o=0; relay crash=after-publish-before-mark produce=ambiguous; "
      "consume d=2 crash=after-effect-before-offset-commit commit=lost; broker down; broker up";
  auto commands = decode(text);
  ASSERT_TRUE(commands) << commands.error().message;
  EXPECT_EQ(commands->size(), 7u);
  EXPECT_EQ(encode(*commands), text);
}

TEST(CommandLanguage, RejectsMalformedInputWithTheReason) {
  EXPECT_EQ(decode("create; explode").error().message,
            "command 2: unknown command 'explode' (expected create, get, cancel, relay, consume, broker)");
  EXPECT_EQ(decode("create k=x").error().message,
            "command 1: bad value in 'k=x': expected an integer in [0, 1000000]");
  EXPECT_EQ(decode("consume produce=retry").error().message,
            "command 1: 'produce=retry' does not apply to 'consume'");
  EXPECT_EQ(decode("relay crash=sometime").error().message, "command 1: unknown crash point in 'crash=sometime'");
  EXPECT_EQ(decode("get").error().message, "command 1: 'get' needs o=N");
  EXPECT_EQ(decode(" ; ").error().message, "the command sequence is empty");
}

TEST(DualWrite, BrokerDownLosesTheEventButTheClientSees201) {
  auto r = run(Variant::dual_write, ConsumerKind::inbox, "broker down; create", true);
  expect_only_violations(r, {Invariant::lost_event, Invariant::exactly_once_effect});
  ASSERT_EQ(r.state.requests[1].status, 201);
  EXPECT_NE(r.timeline.find("DUAL WRITE FAILURE — EVENT LOST for orderId="), std::string::npos) << r.timeline;
}

TEST(DualWrite, ChaosRollbackAfterPublishIsAPhantom) {
  auto r = run(Variant::dual_write, ConsumerKind::inbox, "create rollback");
  expect_only_violations(r, {Invariant::phantom_event, Invariant::exactly_once_effect});
  EXPECT_EQ(r.state.requests[0].status, 200);
  EXPECT_TRUE(r.state.committed_orders.empty());
  EXPECT_EQ(r.state.events.size(), 1u);
}

TEST(DualWrite, RetryWithTheSameKeyIsTheNaturalPhantom) {
  auto r = run(Variant::dual_write, ConsumerKind::inbox, "create k=0; create k=0");
  expect_only_violations(r, {Invariant::phantom_event, Invariant::exactly_once_effect, Invariant::idempotent_create});
  EXPECT_EQ(r.state.requests[0].status, 201);
  EXPECT_EQ(r.state.requests[1].status, 500);
  EXPECT_EQ(r.probes.get(sim::Probe::window_unique_violation_at_flush), 1);
}

TEST(DualWrite, ConsumerSeesTheEventBeforeTheCommit) {
  auto r = run(Variant::dual_write, ConsumerKind::inbox, "create d=5; consume");
  expect_only_violations(r, {Invariant::early_event});
}

TEST(PublishAfterCommit, CrashBetweenCommitAndPublishLosesTheEvent) {
  auto r = run(Variant::publish_after_commit, ConsumerKind::inbox, "create crash=after-commit-before-publish");
  expect_only_violations(r, {Invariant::lost_event, Invariant::exactly_once_effect});
  EXPECT_EQ(r.state.requests[0].status, 0);
}

TEST(PublishAfterCommit, ChaosRollbackPublishesNothing) {
  auto r = run(Variant::publish_after_commit, ConsumerKind::inbox, "create rollback; create k=1; create k=1");
  expect_only_violations(r, {});
}

TEST(OutboxCursor, OverlappingTransactionsOpenAGapTheCursorSkips) {
  auto r = run(Variant::outbox_cursor, ConsumerKind::inbox, "create d=3; create; relay", true);
  expect_only_violations(r, {Invariant::lost_event, Invariant::exactly_once_effect});
  EXPECT_EQ(r.probes.get(sim::Probe::window_commit_out_of_id_order), 1) << r.timeline;
}

TEST(OutboxCursor, SequentialTransactionsAreFine) {
  auto r = run(Variant::outbox_cursor, ConsumerKind::inbox, "create; create; relay; create; relay; consume");
  expect_only_violations(r, {});
}

TEST(Outbox, RelayCrashAfterPublishDuplicatesButTheInboxAbsorbsIt) {
  auto r = run(Variant::outbox, ConsumerKind::inbox, "create; relay crash=after-publish-before-mark");
  expect_only_violations(r, {Invariant::duplicate_event});
  EXPECT_EQ(r.state.events.size(), 2u);
  EXPECT_EQ(r.state.charges.size(), 1u);
}

TEST(Outbox, TheSameDuplicateChargesTwiceWithoutAnInbox) {
  auto r = run(Variant::outbox, ConsumerKind::naive, "create; relay crash=after-publish-before-mark");
  expect_only_violations(r, {Invariant::duplicate_event, Invariant::exactly_once_effect});
}

TEST(Outbox, NaiveConsumerCrashBeforeOffsetCommitChargesTwice) {
  auto r = run(Variant::outbox, ConsumerKind::naive, "create; relay; consume crash=after-effect-before-offset-commit");
  expect_only_violations(r, {Invariant::exactly_once_effect});
  EXPECT_GE(r.probes.get(sim::Probe::window_consumer_redelivery), 1);
}

TEST(Outbox, SurvivesEveryFaultAtOnce) {
  auto r = run(Variant::outbox, ConsumerKind::inbox,
               "broker down; create k=1 d=2 commit=ambiguous; create k=1; create crash=after-write-before-commit; "
               "relay produce=retry; broker up; create commit=lost; relay crash=after-mark-before-commit; "
               "consume crash=after-effect-before-commit; consume commit=ambiguous; create rollback; cancel o=0; "
               "get o=0; consume");
  expect_only_violations(r, {});
  EXPECT_EQ(r.state.committed_orders.size(), 1u);
}

TEST(Outbox, ConcurrentSameKeyWaitsOnTheUniqueIndexAndResolvesToOneOrder) {
  auto r = run(Variant::outbox, ConsumerKind::inbox, "create k=3 d=5; create k=3; create k=3");
  expect_only_violations(r, {});
  EXPECT_EQ(r.state.committed_orders.size(), 1u);
  EXPECT_GE(r.probes.get(sim::Probe::window_unique_wait), 1);
  EXPECT_EQ(r.state.requests[1].order_id, r.state.requests[0].order_id);
}

TEST(Cancel, TheConsumerCancelsAndSkipsUnknownOrders) {
  auto r = run(Variant::outbox, ConsumerKind::inbox, "cancel o=0; create; cancel o=0; cancel o=0; consume", true);
  expect_only_violations(r, {});
  ASSERT_EQ(r.state.committed_orders.size(), 1u);
  EXPECT_EQ(r.state.committed_orders.begin()->second.status(), domain::OrderStatus::cancelled);
  EXPECT_NE(r.timeline.find("Order is already cancelled"), std::string::npos);
  EXPECT_NE(r.timeline.find("Order not found: "), std::string::npos);
}

TEST(Determinism, SameCaseSameTraceHashWithOrWithoutTheTimeline) {
  const std::string text = "create k=1 d=2; create k=1; broker down; create; relay; broker up; consume; relay";
  auto a = run(Variant::outbox, ConsumerKind::inbox, text, false);
  auto b = run(Variant::outbox, ConsumerKind::inbox, text, true);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_GT(a.trace_events, 20u);
  auto other = run(Variant::outbox, ConsumerKind::inbox, text + "; create");
  EXPECT_NE(a.trace_hash, other.trace_hash);
}

TEST(Workload, OutboxHoldsUnderTheBenchmarkWorkload) {
  auto commands = make_workload(11, Variant::outbox, WorkloadOptions{3000, true});
  auto r = run_in_simulation(Case{Variant::outbox, ConsumerKind::inbox, 11, commands});
  for (const auto& v : r.verdicts) {
    if (v.invariant == Invariant::duplicate_event) continue;  // at-least-once: allowed
    EXPECT_TRUE(v.holds) << invariant_name(v.invariant) << ": " << v.explanation;
  }
  EXPECT_GT(r.state.committed_orders.size(), 2000u);
}

}  // namespace
}  // namespace dwsim::scenarios
