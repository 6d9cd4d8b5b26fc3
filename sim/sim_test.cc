// Unit tests of the simulator's building blocks: virtual time ordering, the
// PRNG's fixed outputs, and the fake database's PostgreSQL behaviours that the
// variants' verdicts depend on (sequence gaps and commit order, unique index
// waits, SKIP LOCKED). Each test drives the scheduler to completion.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/fake_database.h"
#include "sim/prng.h"
#include "sim/scheduler.h"

namespace dwsim::sim {
namespace {

using domain::Uuid;

TEST(Prng, FixedSequenceForFixedSeed) {
  Prng a(42), b(42), c(43);
  std::vector<std::uint64_t> xs, ys;
  for (int i = 0; i < 8; ++i) {
    xs.push_back(a.next());
    ys.push_back(b.next());
  }
  EXPECT_EQ(xs, ys);
  EXPECT_NE(xs.front(), c.next());
  for (int i = 0; i < 1000; ++i) {
    EXPECT_LT(a.below(7), 7u);
    const auto r = a.range(-3, 3);
    EXPECT_GE(r, -3);
    EXPECT_LE(r, 3);
  }
}

Task<void> sleeper(Scheduler& s, std::vector<std::string>& log, std::string name, std::int64_t d) {
  co_await s.sleep_us(d);
  log.push_back(name + "@" + std::to_string(s.now_us()));
}

TEST(Scheduler, JumpsToDeadlinesInOrderWithTiesBySequence) {
  Scheduler s;
  std::vector<std::string> log;
  s.spawn(sleeper(s, log, "c", 30));
  s.spawn(sleeper(s, log, "a", 10));
  s.spawn(sleeper(s, log, "b1", 20));
  s.spawn(sleeper(s, log, "b2", 20));
  EXPECT_TRUE(s.run_until(1'000'000));
  EXPECT_EQ(log, (std::vector<std::string>{"a@10", "b1@20", "b2@20", "c@30"}));
}

TEST(Scheduler, RunUntilStopsAtLimit) {
  Scheduler s;
  std::vector<std::string> log;
  s.spawn(sleeper(s, log, "late", 5'000));
  EXPECT_FALSE(s.run_until(1'000));
  EXPECT_TRUE(log.empty());
  EXPECT_LE(s.now_us(), 1'000);
  EXPECT_TRUE(s.run_until(10'000));
  EXPECT_EQ(log.size(), 1u);
}

Task<void> waiter(Scheduler& s, WaitList& list, std::int64_t deadline, std::vector<std::string>& log) {
  const bool signaled = co_await s.wait(list, deadline);
  log.push_back(std::string(signaled ? "signaled" : "timeout") + "@" + std::to_string(s.now_us()));
}

Task<void> notifier(Scheduler& s, WaitList& list, std::int64_t at) {
  co_await s.sleep_us(at);
  list.notify_all();
}

TEST(Scheduler, WaitEndsBySignalOrDeadline) {
  Scheduler s;
  WaitList list(s);
  std::vector<std::string> log;
  s.spawn(waiter(s, list, 100, log));
  s.spawn(waiter(s, list, -1, log));
  s.spawn(notifier(s, list, 250));
  EXPECT_TRUE(s.run_until(1'000'000));
  EXPECT_EQ(log, (std::vector<std::string>{"timeout@100", "signaled@250"}));
}

class FakeDatabaseTest : public ::testing::Test {
 protected:
  Scheduler sched;
  Trace trace{false};
  Probes probes;
  FakeDatabase db{sched, trace, probes};

  static domain::Order order(std::uint64_t n, std::optional<std::string> key = std::nullopt) {
    domain::CreateOrderRequest r{Uuid{9, 9}, {domain::ItemRequest{Uuid{1, 2}, 1, domain::Money::from_cents(100)}}, key};
    return *domain::Order::create(Uuid{n, n}, r, domain::Timestamp{0});
  }
  static domain::OrderCreatedEvent event(std::uint64_t n) {
    return domain::OrderCreatedEvent::of(order(n), Uuid{n, 0}, domain::Timestamp{0});
  }
};

TEST_F(FakeDatabaseTest, SequenceIdsAreTakenAtInsertAndVisibleInCommitOrder) {
  const auto t1 = db.begin(1), t2 = db.begin(2);
  EXPECT_EQ(db.outbox_insert(t1, event(1)), 1);
  EXPECT_EQ(db.outbox_insert(t2, event(2)), 2);
  ASSERT_TRUE(db.commit(t2, CommitFault::none));
  EXPECT_EQ(probes.get(Probe::window_commit_out_of_id_order), 1);
  const auto reader = db.begin(3);
  auto rows = db.outbox_read_after(reader, 0, 10);
  ASSERT_EQ(rows.size(), 1u);  // READ COMMITTED: id 1 is not visible yet
  EXPECT_EQ(rows[0].id, 2);
  db.rollback(t1);             // the sequence is not rolled back: a gap
  const auto t3 = db.begin(4);
  EXPECT_EQ(db.outbox_insert(t3, event(3)), 3);
}

TEST_F(FakeDatabaseTest, SkipLockedSkipsRowsClaimedByOpenTransactions) {
  const auto w = db.begin(1);
  db.outbox_insert(w, event(1));
  db.outbox_insert(w, event(2));
  ASSERT_TRUE(db.commit(w, CommitFault::none));
  const auto a = db.begin(2), b = db.begin(3);
  EXPECT_EQ(db.outbox_claim(a, 1).at(0).id, 1);
  auto rows = db.outbox_claim(b, 10);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, 2);
  EXPECT_GE(probes.get(Probe::window_skip_locked), 1);
  db.abort_owner(2);  // the claimer crashed: its lock is released
  const auto c = db.begin(4);
  EXPECT_EQ(db.outbox_claim(c, 10).at(0).id, 1);
}

Task<void> insert_then(FakeDatabase& db, FakeDatabase::TxId tx, domain::Order o, std::vector<std::string>& log,
                       Scheduler& s) {
  auto r = co_await db.insert_order(tx, o);
  log.push_back((r ? std::string("inserted") : "error:" + std::string(domain::errc_name(r.error().code))) + "@" +
                std::to_string(s.now_us()));
}

Task<void> finish_later(FakeDatabase& db, FakeDatabase::TxId tx, Scheduler& s, bool commit) {
  co_await s.sleep_us(50);
  if (commit) {
    (void)db.commit(tx, CommitFault::none);
  } else {
    db.rollback(tx);
  }
}

TEST_F(FakeDatabaseTest, ConcurrentUniqueInsertWaitsThenFailsIfFirstCommits) {
  const auto t1 = db.begin(1), t2 = db.begin(2);
  std::vector<std::string> log;
  sched.spawn(insert_then(db, t1, order(1, "k"), log, sched));
  sched.spawn(insert_then(db, t2, order(2, "k"), log, sched));
  sched.spawn(finish_later(db, t1, sched, true));
  ASSERT_TRUE(sched.run_until(1'000'000));
  EXPECT_EQ(log, (std::vector<std::string>{"inserted@0", "error:conflict@50"}));
  EXPECT_EQ(probes.get(Probe::window_unique_wait), 1);
}

TEST_F(FakeDatabaseTest, ConcurrentUniqueInsertProceedsIfFirstRollsBack) {
  const auto t1 = db.begin(1), t2 = db.begin(2);
  std::vector<std::string> log;
  sched.spawn(insert_then(db, t1, order(1, "k"), log, sched));
  sched.spawn(insert_then(db, t2, order(2, "k"), log, sched));
  sched.spawn(finish_later(db, t1, sched, false));
  ASSERT_TRUE(sched.run_until(1'000'000));
  EXPECT_EQ(log, (std::vector<std::string>{"inserted@0", "inserted@50"}));
}

TEST_F(FakeDatabaseTest, AmbiguousCommitAppliesAndReportsUnknown) {
  const auto t = db.begin(1);
  sched.spawn([](FakeDatabase& d, FakeDatabase::TxId tx) -> Task<void> {
    (void)co_await d.insert_order(tx, order(5));
  }(db, t));
  ASSERT_TRUE(sched.run_until(0));
  auto r = db.commit(t, CommitFault::ambiguous);
  EXPECT_EQ(r.error().code, domain::Errc::ambiguous);
  EXPECT_TRUE(db.order_committed(Uuid{5, 5}));
  const auto t2 = db.begin(1);
  db.outbox_insert(t2, event(1));
  EXPECT_EQ(db.commit(t2, CommitFault::fail).error().code, domain::Errc::aborted);
  EXPECT_TRUE(db.outbox().empty());
}

}  // namespace
}  // namespace dwsim::sim

#include "sim/uuid_map.h"

namespace dwsim::sim {
namespace {

TEST(UuidMap, LooksUpAndIteratesInInsertionOrder) {
  UuidMap<int> m;
  EXPECT_TRUE(m.empty());
  for (std::uint64_t i = 0; i < 1000; ++i) m.insert_or_assign(Uuid{i * 7919, i}, static_cast<int>(i));
  EXPECT_EQ(m.size(), 1000u);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_NE(m.find(Uuid{i * 7919, i}), nullptr);
    EXPECT_EQ(*m.find(Uuid{i * 7919, i}), static_cast<int>(i));
  }
  EXPECT_EQ(m.find(Uuid{1, 2}), nullptr);
  EXPECT_EQ(m.count(Uuid{1, 2}), 0u);
  int expected = 0;
  for (const auto& [key, value] : m) EXPECT_EQ(value, expected++);
  m.insert_or_assign(Uuid{0, 0}, 42);
  EXPECT_EQ(m.size(), 1000u);
  EXPECT_EQ(m.begin()->second, 42);
  ++m[Uuid{9, 9}];
  EXPECT_EQ(m.at(Uuid{9, 9}), 1);
  EXPECT_FALSE(m.try_emplace(Uuid{9, 9}, 5).second);
}

}  // namespace
}  // namespace dwsim::sim
