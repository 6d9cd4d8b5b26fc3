// Scheduler: virtual time for Boost.Asio coroutines on one thread.
//
// The loop runs every ready handler, then jumps the clock to the earliest
// pending deadline and fires that one timer; ties are broken by a sequence
// number taken when the timer was armed, so the order is a pure function of
// the program. No real timer is ever armed and nothing ever sleeps in real
// time. An exception that escapes a spawned coroutine escapes run_until().
#pragma once

#include <utility>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace dwsim::sim {

template <typename T>
using Task = boost::asio::awaitable<T>;

class Scheduler;

// A suspended coroutine waiting for a timer, a WaitList notification, or both.
// The completion handler lives in the derived object (one allocation a wait).
class Waiter {
 public:
  explicit Waiter(Scheduler& scheduler);
  virtual ~Waiter();
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;

 protected:
  // Resumes the coroutine (at most once), or destroys it when !resume.
  virtual void finish(bool resume, bool signaled) = 0;

 private:
  friend class Scheduler;
  Scheduler& scheduler_;
  bool armed_ = true;  // the coroutine is still suspended here
  bool done_ = false;
  Waiter* prev_ = nullptr;  // intrusive list of live waiters, for shutdown
  Waiter* next_ = nullptr;
};

// Coroutines waiting for a condition (a transaction to finish, the broker to
// come back). notify_all() resumes them in the order they started waiting.
class WaitList {
 public:
  explicit WaitList(Scheduler& scheduler) : scheduler_(&scheduler) {}
  void notify_all();
  bool empty() const { return waiters_.empty(); }

 private:
  friend class Scheduler;
  Scheduler* scheduler_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

class Scheduler {
 public:
  // start_us: the virtual wall-clock at time zero (for timestamps).
  explicit Scheduler(std::int64_t epoch_us = 0);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  boost::asio::io_context& io() { return io_; }
  std::int64_t now_us() const { return now_us_; }
  std::int64_t epoch_us() const { return epoch_us_; }

  // Suspends the caller for d_us of virtual time. d_us == 0 still yields.
  Task<void> sleep_us(std::int64_t d_us);
  // Suspends until list is notified (returns true) or virtual time reaches
  // deadline_us (returns false). deadline_us < 0: no deadline.
  Task<bool> wait(WaitList& list, std::int64_t deadline_us);

  // Starts a detached coroutine.
  void spawn(Task<void> task);

  // Runs until nothing is ready and no timer is armed (returns true), or the
  // next deadline lies beyond limit_us (returns false; the clock stays <= limit).
  bool run_until(std::int64_t limit_us);

  std::size_t armed_timers() const { return timers_.size(); }

  // Destroys every suspended coroutine while the objects they refer to are
  // still alive. Called by the owner of those objects before destroying them.
  void shutdown();

 private:
  friend class Waiter;
  friend class WaitList;
  struct Timer {
    std::int64_t deadline_us;
    std::uint64_t seq;
    std::shared_ptr<Waiter> waiter;
  };
  struct Later {
    bool operator()(const Timer& a, const Timer& b) const {
      return a.deadline_us != b.deadline_us ? a.deadline_us > b.deadline_us : a.seq > b.seq;
    }
  };
  void arm(std::int64_t deadline_us, std::shared_ptr<Waiter> waiter);
  void complete(const std::shared_ptr<Waiter>& waiter, bool signaled);
  template <typename Handler>
  std::shared_ptr<Waiter> make_waiter(Handler&& handler);

  boost::asio::io_context io_;
  std::int64_t epoch_us_;
  std::int64_t now_us_ = 0;
  std::uint64_t seq_ = 0;
  std::vector<Timer> timers_;  // a min-heap by (deadline, seq)
  Waiter* live_ = nullptr;     // head of the live-waiter list
};

}  // namespace dwsim::sim
